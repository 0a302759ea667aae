"""The follow-up queue (F5 "Opfølgning"): open tasks grouped as overdue / today / this week / later, a page
at a time straight from SQL, with the counts per group for the header.

Paging is LIMIT/OFFSET over ``ORDER BY due_date, id`` (the ``ix_follow_up_tasks_status_due`` and
``ix_follow_up_tasks_assignee_status_due`` indexes deliver that order, so the first page reads only its own
rows) or, sorted by citizen, ``ORDER BY group, name`` (a sort of the filtered open tasks). The last contact
per row is one grouped query over the page's citizens (``ix_events_citizen_occurred``), never per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date_short, iso_week_label, weekday_short
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Agreement, Citizen, Company, Event, FollowUpTask, Staff

OVERDUE, TODAY, THIS_WEEK, LATER = "overdue", "today", "week", "later"
GROUPS = (OVERDUE, TODAY, THIS_WEEK, LATER)
GROUP_LABELS = {OVERDUE: "Overskredet", TODAY: "I dag", THIS_WEEK: "Denne uge", LATER: "Senere"}
SORT_DUE, SORT_CITIZEN = "due", "citizen"
UNASSIGNED = ""  # QueueFilter.assignee_id for tasks nobody has
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """``assignee_id``: None = everybody's ("Alle"), a staff id ("Mine" or one staff member), or
    :data:`UNASSIGNED`. ``kind``: a follow-up kind code. ``housing_area``: the citizen's boligområde."""

    assignee_id: str | None = None
    kind: str | None = None
    housing_area: str | None = None
    sort: str = SORT_DUE


@dataclass(frozen=True)
class QueueRow:
    id: str
    due_date: date
    group: str
    citizen_id: str | None
    citizen_name: str
    kind: str
    kind_label: str
    rule: str
    reason: str
    note: str
    assignee_id: str | None
    assignee_initials: str
    agreement_id: str | None
    company_name: str
    last_contact: date | None

    @property
    def due_label(self) -> str:
        """``dd.mm`` weekday ``uge NN``, e.g. «24.11 tir uge 48»."""
        return f"{format_date_short(self.due_date)} {weekday_short(self.due_date)} {iso_week_label(self.due_date)}"


def week_end(today: date) -> date:
    """The Sunday of today's ISO week: "this week" runs from tomorrow to that Sunday."""
    return today + timedelta(days=6 - today.weekday())


def group_of(due: date, today: date) -> str:
    if due < today:
        return OVERDUE
    if due == today:
        return TODAY
    if due <= week_end(today):
        return THIS_WEEK
    return LATER


def _group_expr(today: date):
    return case(
        (FollowUpTask.due_date < today, 0),
        (FollowUpTask.due_date == today, 1),
        (FollowUpTask.due_date <= week_end(today), 2),
        else_=3,
    )


def _where(query, flt: QueueFilter):
    query = query.where(FollowUpTask.status == "open", FollowUpTask.deleted_at.is_(None))
    if flt.assignee_id == UNASSIGNED:
        query = query.where(FollowUpTask.assignee_id.is_(None))
    elif flt.assignee_id is not None:
        query = query.where(FollowUpTask.assignee_id == flt.assignee_id)
    if flt.kind:
        query = query.where(FollowUpTask.kind == flt.kind)
    if flt.housing_area:
        query = query.where(Citizen.housing_area == flt.housing_area)
    # Tasks of a deleted citizen are not work; a task without a citizen (an anonymous walk-in's) is.
    return query.where(or_(FollowUpTask.citizen_id.is_(None), Citizen.deleted_at.is_(None)))


def _joined(query):
    return query.select_from(FollowUpTask).outerjoin(Citizen, Citizen.id == FollowUpTask.citizen_id)


def queue_counts(session: Session, flt: QueueFilter, today: date) -> dict[str, int]:
    """Open tasks per group (one aggregate query)."""
    bounds = week_end(today)
    query = _joined(
        select(
            func.count(case((FollowUpTask.due_date < today, 1))),
            func.count(case((FollowUpTask.due_date == today, 1))),
            func.count(case((and_(FollowUpTask.due_date > today, FollowUpTask.due_date <= bounds), 1))),
            func.count(case((FollowUpTask.due_date > bounds, 1))),
        )
    )
    row = session.execute(_where(query, flt)).one()
    return dict(zip(GROUPS, (int(n or 0) for n in row), strict=True))


def _last_contacts(session: Session, citizen_ids: set[str]) -> dict[str, date]:
    if not citizen_ids:
        return {}
    kinds = [t.code for t in load_reference().event_kinds.terms if t.contact]
    rows = session.execute(
        select(Event.citizen_id, func.max(Event.occurred_at))
        .where(Event.citizen_id.in_(citizen_ids), Event.kind.in_(kinds))
        .group_by(Event.citizen_id)
    ).all()
    return {citizen_id: to_local(moment).date() for citizen_id, moment in rows if moment is not None}


def queue_page(session: Session, flt: QueueFilter, today: date, *, offset: int = 0, limit: int = PAGE_SIZE) -> list[QueueRow]:
    query = _joined(
        select(
            FollowUpTask.id,
            FollowUpTask.due_date,
            FollowUpTask.citizen_id,
            Citizen.name,
            FollowUpTask.kind,
            FollowUpTask.rule,
            FollowUpTask.reason,
            FollowUpTask.note,
            FollowUpTask.assignee_id,
            Staff.initials,
            FollowUpTask.agreement_id,
            Company.name.label("company_name"),
        )
    )
    query = (
        query.outerjoin(Staff, Staff.id == FollowUpTask.assignee_id)
        .outerjoin(Agreement, Agreement.id == FollowUpTask.agreement_id)
        .outerjoin(Company, Company.id == Agreement.company_id)
    )
    query = _where(query, flt)
    if flt.sort == SORT_CITIZEN:
        query = query.order_by(_group_expr(today), Citizen.name, FollowUpTask.due_date, FollowUpTask.id)
    else:
        query = query.order_by(FollowUpTask.due_date, FollowUpTask.id)
    rows = session.execute(query.offset(offset).limit(limit)).all()
    contacts = _last_contacts(session, {r.citizen_id for r in rows if r.citizen_id})
    labels = load_reference().follow_up_kinds
    return [
        QueueRow(
            id=r.id,
            due_date=r.due_date,
            group=group_of(r.due_date, today),
            citizen_id=r.citizen_id,
            citizen_name=r.name or "Anonym henvendelse",
            kind=r.kind,
            kind_label=labels.label(r.kind),
            rule=r.rule,
            reason=r.reason,
            note=r.note or "",
            assignee_id=r.assignee_id,
            assignee_initials=r.initials or "",
            agreement_id=r.agreement_id,
            company_name=r.company_name or "",
            last_contact=contacts.get(r.citizen_id) if r.citizen_id else None,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class QueueView:
    counts: dict[str, int]
    rows: list[QueueRow]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def load_queue(db: Database, flt: QueueFilter, today: date, *, offset: int = 0, limit: int = PAGE_SIZE) -> QueueView:
    """The header counts and one page of rows, in one read session."""
    with db.session() as session:
        counts = queue_counts(session, flt, today) if offset == 0 else {}
        return QueueView(counts, queue_page(session, flt, today, offset=offset, limit=limit))


def housing_areas(db: Database) -> list[str]:
    """The housing areas of citizens with open tasks (for the filter)."""
    with db.session() as session:
        rows = session.scalars(
            select(Citizen.housing_area)
            .join(FollowUpTask, FollowUpTask.citizen_id == Citizen.id)
            .where(FollowUpTask.status == "open", FollowUpTask.deleted_at.is_(None), Citizen.housing_area != "")
            .distinct()
        ).all()
    return sorted(rows)


def staff_choices(db: Database) -> list[tuple[str, str]]:
    """Active staff as (label, id), for the staff filter and the reassign picker."""
    with db.session() as session:
        rows = session.execute(
            select(Staff.id, Staff.initials, Staff.name)
            .where(Staff.active.is_(True), Staff.deleted_at.is_(None))
            .order_by(Staff.initials)
        ).all()
    return [(f"{r.initials} · {r.name}", r.id) for r in rows]

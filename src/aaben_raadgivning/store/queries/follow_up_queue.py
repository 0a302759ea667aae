"""The follow-up queue (F5 "Opfølgning"): open tasks grouped as overdue / today / this week / later, a page
at a time straight from SQL, with the counts per group for the header.

Paging is LIMIT/OFFSET over ``ORDER BY due_date, id`` (the ``ix_follow_up_tasks_status_due`` and
``ix_follow_up_tasks_assignee_status_due`` indexes deliver that order) or, sorted by citizen,
``ORDER BY group, name`` (a sort of the filtered open tasks' ids and names). The page's ids come first and
its shown columns (citizen, staff, agreement → company) are joined for those rows only; the counts read
the task table alone (citizens are joined only for the housing-area filter). The last contact per row is
one grouped query over the page's citizens (``ix_events_citizen_occurred``), never per task.

Tasks of a tombstoned citizen (``deleted_at`` set, e.g. a deletion that arrived by sync) are hidden from
every view, count and filter: when the citizen is joined anyway (housing area, sort by name) by its
``deleted_at``, otherwise by ``citizen_id NOT IN`` the few tombstoned ids, read once per load (a scan of
``citizens``, ~20 ms at 100 000; a per-task ``NOT EXISTS`` probe cost 4× the whole page). Their derived tasks are
also tombstoned by the recompute (the daily sweep picks such citizens up); manual and agreement-plan
tasks stay in the table but are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.dates import (
    format_date_short,
    iso_week_label,
    weekday_short,
)
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    Consent,
    Event,
    FollowUpTask,
    Staff,
)
from aaben_raadgivning.store.queries.viewer import CASE, Viewer

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
    # Set by load_queue from the viewer, never by a screen: only the tasks of citizens whose valid consent
    # on ``consented_on`` names this category (a role that reads the follow-up only with consent).
    consented_category: str | None = None
    consented_on: date | None = None


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


_TOMBSTONED = "follow_up_queue.tombstoned"  # session.info key


def _tombstoned(session: Session) -> list[str]:
    """The tombstoned citizens' ids, read once per read session (counts and page share it). They are few;
    finding them scans ``citizens`` (no index on ``deleted_at``)."""
    if _TOMBSTONED not in session.info:
        session.info[_TOMBSTONED] = session.scalars(select(Citizen.id).where(Citizen.deleted_at.is_not(None))).all()
    return session.info[_TOMBSTONED]


def _citizen_alive(session: Session, flt: QueueFilter):
    """The task has no citizen (an anonymous walk-in) or a citizen that is not tombstoned."""
    if _needs_citizen(flt):
        return Citizen.deleted_at.is_(None)  # outer-joined: NULL for tasks without a citizen too
    hidden = _tombstoned(session)
    if not hidden:
        return true()
    return or_(FollowUpTask.citizen_id.is_(None), FollowUpTask.citizen_id.not_in(hidden))


def _where(session: Session, query, flt: QueueFilter):
    query = query.where(
        FollowUpTask.status == FollowUpStatus.OPEN, FollowUpTask.deleted_at.is_(None), _citizen_alive(session, flt)
    )
    if flt.assignee_id == UNASSIGNED:
        query = query.where(FollowUpTask.assignee_id.is_(None))
    elif flt.assignee_id is not None:
        query = query.where(FollowUpTask.assignee_id == flt.assignee_id)
    if flt.kind:
        query = query.where(FollowUpTask.kind == flt.kind)
    if flt.housing_area:
        query = query.where(Citizen.housing_area == flt.housing_area)
    if flt.consented_category is not None and flt.consented_on is not None:
        on = flt.consented_on
        consented = select(Consent.citizen_id).where(
            Consent.deleted_at.is_(None), Consent.withdrawn_at.is_(None), Consent.given_on <= on,
            Consent.valid_until >= on, ("," + Consent.categories + ",").like(f"%,{flt.consented_category},%"),
        )  # fmt: skip
        query = query.where(FollowUpTask.citizen_id.in_(consented))
    return query


def _needs_citizen(flt: QueueFilter) -> bool:
    return bool(flt.housing_area) or flt.sort == SORT_CITIZEN


def _joined(query, flt: QueueFilter):
    """FROM follow_up_tasks, joined to citizens only when the filter or the order needs the citizen: the
    counts and the default order then read the task indexes alone."""
    query = query.select_from(FollowUpTask)
    if _needs_citizen(flt):
        query = query.outerjoin(Citizen, Citizen.id == FollowUpTask.citizen_id)
    return query


def queue_counts(session: Session, flt: QueueFilter, today: date) -> dict[str, int]:
    """Open tasks per group (one aggregate query)."""
    bounds = week_end(today)
    flt = replace(flt, sort=SORT_DUE)  # the order does not matter for counting
    query = _joined(
        select(
            func.count(case((FollowUpTask.due_date < today, 1))),
            func.count(case((FollowUpTask.due_date == today, 1))),
            func.count(case((and_(FollowUpTask.due_date > today, FollowUpTask.due_date <= bounds), 1))),
            func.count(case((FollowUpTask.due_date > bounds, 1))),
        ),
        flt,
    )
    row = session.execute(_where(session, query, flt)).one()
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
    return {citizen_id: local_date(moment) for citizen_id, moment in rows if moment is not None}


def _group_range(group: str, today: date):
    end = week_end(today)
    return {
        OVERDUE: FollowUpTask.due_date < today,
        TODAY: FollowUpTask.due_date == today,
        THIS_WEEK: and_(FollowUpTask.due_date > today, FollowUpTask.due_date <= end),
        LATER: FollowUpTask.due_date > end,
    }[group]


def _ids_by_citizen(
    session: Session, flt: QueueFilter, today: date, offset: int, limit: int, counts: dict[str, int] | None
) -> list[str]:
    """Sorted by citizen within each group: with the counts per group, only the groups the page falls in
    are read and sorted (each a due-date range on the index), not every open task."""
    counts = counts or queue_counts(session, flt, today)
    ids: list[str] = []
    skip = offset
    for group in GROUPS:
        if len(ids) >= limit:
            break
        size = counts.get(group, 0)
        if skip >= size:
            skip -= size
            continue
        query = _where(session, _joined(select(FollowUpTask.id), flt), flt).where(_group_range(group, today))
        query = query.order_by(Citizen.name, FollowUpTask.due_date, FollowUpTask.id)
        ids += session.scalars(query.offset(skip).limit(limit - len(ids))).all()
        skip = 0
    return ids


def queue_page(
    session: Session,
    flt: QueueFilter,
    today: date,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    counts: dict[str, int] | None = None,
) -> list[QueueRow]:
    # Two steps: the page's ids in order (only the task indexes, plus citizens when sorting by name), then
    # the shown columns for just those rows — so the joins never run for the tasks outside the page.
    if flt.sort == SORT_CITIZEN:
        ids = _ids_by_citizen(session, flt, today, offset, limit, counts)
    else:
        order = _where(session, _joined(select(FollowUpTask.id), flt), flt).order_by(
            FollowUpTask.due_date, FollowUpTask.id
        )
        ids = list(session.scalars(order.offset(offset).limit(limit)))
    if not ids:
        return []
    found = session.execute(
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
        .select_from(FollowUpTask)
        .outerjoin(Citizen, Citizen.id == FollowUpTask.citizen_id)
        .outerjoin(Staff, Staff.id == FollowUpTask.assignee_id)
        .outerjoin(Agreement, Agreement.id == FollowUpTask.agreement_id)
        .outerjoin(Company, Company.id == Agreement.company_id)
        .where(FollowUpTask.id.in_(ids))
    ).all()
    by_id = {r.id: r for r in found}
    rows = [by_id[i] for i in ids if i in by_id]
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


def load_queue(
    db: Database, flt: QueueFilter, today: date, *, offset: int = 0, limit: int = PAGE_SIZE, viewer: Viewer
) -> QueueView:
    """The header counts and one page of rows, in one read session. Follow-up belongs to the case (read
    scope ``case``): a viewer who reads it only with consent gets the tasks of consenting citizens, one
    who may not read it at all gets nothing."""
    if CASE not in viewer.scopes():
        category = load_permissions().reads[CASE].category
        if not viewer.needs_consent or category is None or CASE not in viewer.scopes([category]):
            return QueueView({}, [])
        flt = replace(flt, consented_category=category, consented_on=today)
    with db.session() as session:
        counts = queue_counts(session, flt, today) if offset == 0 else {}
        return QueueView(counts, queue_page(session, flt, today, offset=offset, limit=limit, counts=counts or None))


def housing_areas(db: Database) -> list[str]:
    """The housing areas of citizens with open tasks (for the filter)."""
    with db.session() as session:
        rows = session.scalars(
            select(Citizen.housing_area)
            .join(FollowUpTask, FollowUpTask.citizen_id == Citizen.id)
            .where(
                FollowUpTask.status == FollowUpStatus.OPEN,
                FollowUpTask.deleted_at.is_(None),
                Citizen.deleted_at.is_(None),
                Citizen.housing_area != "",
            )
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

"""What the citizen screen shows: the summary at the top and the timeline, a page at a time.

Both are cut to the viewer's read scopes for this citizen (``Viewer.scopes_for``): without ``case`` the
summary has name and contact only (no step, plan, counts or follow-up) and the timeline only the events of
the scopes the viewer has (for a boligsocial medarbejder without consent: the walk-ins); the CPR number is
masked without ``cpr_full``, the benefit (type, since, readiness, match group) left out without ``benefit``.
Address, language and the interpreter flag are contact data, shown with the name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from aaben_raadgivning.domain.clock import local_date, to_local, to_utc
from aaben_raadgivning.domain.codes import FollowUpStatus, SubGoalStatus
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import (
    ExitEvaluation,
    StepModel,
    evaluate_exit,
)
from aaben_raadgivning.domain.text import index_terms, query_terms
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen, Event, FollowUpTask, Staff, SubGoal
from aaben_raadgivning.store.queries.attendance import CANCELLED_KINDS, KEPT_KINDS, MISSED_KINDS, attendance_percent
from aaben_raadgivning.store.queries.route_status import RouteStatus, route_status
from aaben_raadgivning.store.queries.step_facts import citizen_facts
from aaben_raadgivning.store.queries.viewer import BENEFIT, CASE, CONTACT, Viewer, shown_cpr
from aaben_raadgivning.store.records import citizen_model, jobformidler_changes


@dataclass(frozen=True)
class CitizenSummary:
    citizen: Citizen
    age: int | None
    model: StepModel | None
    evaluation: ExitEvaluation | None
    jobkonsulent: str | None
    jobformidler: str | None
    jobformidler_changes: int
    next_follow_up: date | None
    attended: int
    no_shows: int
    active_sub_goals: int
    scopes: frozenset[str] = frozenset()  # what the viewer may see of this citizen (read scopes)
    route: RouteStatus | None = None  # sent to the rehab route / an underretning (needs the case scope)
    cancellations: int = 0  # afbud: neither attended nor a no-show (store.queries.attendance)

    @property
    def attendance_percent(self) -> float | None:
        return attendance_percent(self.attended, self.no_shows)


def age_on(birth: date | None, today: date) -> int | None:
    return relativedelta(today, birth).years if birth else None


# What a viewer without the scope gets instead of a Citizen's field (a copy, never the stored row).
_CASE_FIELDS = {
    "step_model": None, "step_model_version": None, "step": None, "step_since": None, "visitation": None,
    "route": None, "project_start": None, "jobformidler_id": None, "jobkonsulent_id": None, "job_goal": "",
    "resources": "", "barriers": "", "parallel_efforts": "", "cv_status": "", "self_supporting": False,
}  # fmt: skip
_BENEFIT_FIELDS = {"benefit_type": None, "readiness": None, "benefit_since": None, "match_group": None}


def _cut(citizen: Citizen, scopes: frozenset[str]) -> Citizen:
    """A detached copy of the citizen with only what ``scopes`` allow (the CPR masked without cpr_full)."""
    values = {column.key: getattr(citizen, column.key) for column in Citizen.__table__.columns}
    values["cpr"] = shown_cpr(citizen.cpr, scopes)
    if CASE not in scopes:
        values.update(_CASE_FIELDS)
    if BENEFIT not in scopes:
        values.update(_BENEFIT_FIELDS)
    return Citizen(**values)


def _contact_only(citizen: Citizen, scopes: frozenset[str], today: date) -> CitizenSummary:
    return CitizenSummary(
        citizen=_cut(citizen, scopes), age=age_on(citizen.birth_date, today), model=None, evaluation=None,
        jobkonsulent=None, jobformidler=None, jobformidler_changes=0, next_follow_up=None, attended=0,
        no_shows=0, active_sub_goals=0, scopes=scopes,
    )  # fmt: skip


def citizen_summary(db: Database, citizen_id: str, today: date, *, viewer: Viewer) -> CitizenSummary | None:
    """The summary as ``viewer`` may see it; None for an unknown or deleted citizen or a refused read."""
    with db.session() as session:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None or citizen.deleted_at is not None:
            return None
        scopes = viewer.scopes_for(session, citizen_id, today)
        if CONTACT not in scopes:
            return None
        if CASE not in scopes:
            return _contact_only(citizen, scopes, today)
        # Keyed by staff id; looked up with the citizen's (possibly unset) jobkonsulent and jobformidler.
        names: dict[str | None, str] = dict(session.execute(select(Staff.id, Staff.name)).all())
        correction = aliased(Event)
        counts = dict(
            session.execute(
                select(Event.kind, func.count())
                .where(
                    Event.citizen_id == citizen_id,
                    Event.kind.in_((*KEPT_KINDS, *MISSED_KINDS, *CANCELLED_KINDS)),
                    ~exists().where(correction.corrects_id == Event.id),  # a corrected event counts as its correction
                )
                .group_by(Event.kind)
            ).all()
        )
        # "+status" keeps SQLite off the (status, due_date) index: with it, MIN() walks *all* open tasks in
        # due-date order (8 ms with 20 000 open tasks) instead of reading this citizen's few tasks.
        next_due = session.scalar(
            select(func.min(FollowUpTask.due_date)).where(
                FollowUpTask.citizen_id == citizen_id,
                literal_column("+follow_up_tasks.status") == FollowUpStatus.OPEN,
                FollowUpTask.deleted_at.is_(None),
            )
        )
        sub_goals = session.scalar(
            select(func.count())
            .select_from(SubGoal)
            .where(SubGoal.citizen_id == citizen_id, SubGoal.status == SubGoalStatus.AKTIV)
        )
        changes = jobformidler_changes(session, citizen_id)
        model = citizen_model(citizen) if citizen.step else None
        evaluation = None
        if model is not None and citizen.step and not model.step(citizen.step).terminal:
            evaluation = evaluate_exit(model, citizen.step, citizen_facts(citizen, session), load_rules())
        route = route_status(session, citizen)
    return CitizenSummary(
        route=route,
        citizen=_cut(citizen, scopes),
        age=age_on(citizen.birth_date, today),
        model=model,
        evaluation=evaluation,
        jobkonsulent=names.get(citizen.jobkonsulent_id),
        jobformidler=names.get(citizen.jobformidler_id),
        jobformidler_changes=changes,
        next_follow_up=next_due,
        attended=sum(counts.get(kind, 0) for kind in KEPT_KINDS),
        no_shows=sum(counts.get(kind, 0) for kind in MISSED_KINDS),
        cancellations=sum(counts.get(kind, 0) for kind in CANCELLED_KINDS),
        active_sub_goals=sub_goals or 0,
        scopes=scopes,
    )


@dataclass(frozen=True)
class TimelineRow:
    id: str
    occurred_at: datetime  # Danish local time
    kind: str
    staff_initials: str | None
    summary: str
    corrects_id: str | None
    corrected: bool  # a later event corrects this one
    key: tuple[datetime, str]  # (stored UTC time, id): pass as ``after`` to get the next page


@dataclass(frozen=True)
class TimelineFilter:
    kinds: frozenset[str] = frozenset()  # empty = every kind
    start: date | None = None
    end: date | None = None  # inclusive
    text: str = ""  # words the heading or the details must hold, matched as citizen search matches names


# A text search reads a page's worth first, then ever larger rounds up to this many: a word found in few of a
# citizen's 5 000 events would otherwise cost a query per page of the whole timeline.
TEXT_SEARCH_BATCH = 1000


def text_matches(query_words: list[str], *texts: str) -> bool:
    """Does the text hold every typed word, folded and by prefix as search does («ostergaard» finds
    «Østergård», «aa» finds «å»)?"""
    terms = index_terms(*texts)
    return all(any(term.startswith(word) for term in terms) for word in query_words)


def timeline_page(
    db: Database,
    citizen_id: str,
    *,
    filter: TimelineFilter = TimelineFilter(),
    after: tuple[datetime, str] | None = None,
    limit: int = 100,
    viewer: Viewer,
) -> list[TimelineRow]:
    """Newest first, ``limit`` rows after the keyset ``after`` (the ``key`` of the last row shown); uses the (citizen_id, occurred_at) index, so a citizen with thousands of events opens at once.
    Only the events of the viewer's read scopes for this citizen."""
    with db.session() as session:
        return _timeline_rows(
            session, citizen_id, filter, after, limit, viewer.scopes_for(session, citizen_id, local_date(db.now()))
        )


def _timeline_rows(
    session, citizen_id: str, filter: TimelineFilter, after, limit: int, scopes: frozenset[str]
) -> list[TimelineRow]:
    if CONTACT not in scopes:
        return []
    kinds, only = load_permissions().event_kinds_outside(scopes)
    correction = aliased(Event)
    query = (
        select(
            Event.id,
            Event.occurred_at,
            Event.kind,
            Staff.initials,
            Event.summary,
            Event.corrects_id,
            exists().where(correction.corrects_id == Event.id).label("corrected"),
        )
        .outerjoin(Staff, Staff.id == Event.staff_id)
        .where(Event.citizen_id == citizen_id)
    )
    if only:
        query = query.where(Event.kind.in_(kinds))
    elif kinds:
        query = query.where(Event.kind.not_in(kinds))
    if filter.kinds:
        query = query.where(Event.kind.in_(filter.kinds))
    if filter.start is not None:
        query = query.where(Event.occurred_at >= to_utc(datetime.combine(filter.start, datetime.min.time())))
    if filter.end is not None:
        end = datetime.combine(filter.end, datetime.min.time()) + relativedelta(days=1)
        query = query.where(Event.occurred_at < to_utc(end))
    words = query_terms(filter.text)
    if words:  # folded matching is Python's (domain.text): read on in batches until the page is full
        query = query.add_columns(Event.details)
    rows: list = []
    size = limit
    while True:
        page = query
        if after is not None:
            moment, last_id = after
            page = page.where(or_(Event.occurred_at < moment, and_(Event.occurred_at == moment, Event.id < last_id)))
        batch = session.execute(page.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(size)).all()
        if not words:
            rows = batch
            break
        rows += [r for r in batch if text_matches(words, r.summary, r.details or "")]
        if len(batch) < size or len(rows) >= limit:
            rows = rows[:limit]
            break
        after = (batch[-1].occurred_at, batch[-1].id)
        size = min(size * 4, max(limit, TEXT_SEARCH_BATCH))  # a rare word: read on in larger rounds
    return [
        TimelineRow(
            r.id,
            to_local(r.occurred_at),
            r.kind,
            r.initials,
            r.summary,
            r.corrects_id,
            bool(r.corrected),
            (r.occurred_at, r.id),
        )
        for r in rows
    ]


def event_detail(db: Database, event_id: str, *, viewer: Viewer) -> Event | None:
    """One event in full; None when it does not exist or belongs to a scope the viewer may not read."""
    with db.session() as session:
        event = session.get(Event, event_id)
        if event is None:
            return None
        scopes = viewer.scopes_for(session, event.citizen_id, local_date(db.now()))
        if load_permissions().event_scope(event.kind) not in scopes or CONTACT not in scopes:
            return None
        return event

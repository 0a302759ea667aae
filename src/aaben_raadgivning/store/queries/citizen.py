"""What the citizen screen shows: the summary at the top and the timeline, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from aaben_raadgivning.domain.clock import to_local, to_utc
from aaben_raadgivning.domain.codes import EventKind, FollowUpStatus, SubGoalStatus
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import (
    ExitEvaluation,
    StepModel,
    evaluate_exit,
)
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen, Event, FollowUpTask, Staff, SubGoal
from aaben_raadgivning.store.queries.step_facts import citizen_facts
from aaben_raadgivning.store.records import citizen_model, jobformidler_changes

ATTENDED_KINDS = (EventKind.SAMTALE, EventKind.PERSONLIGT_MOEDE)  # appointments kept (fremmøde)


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

    @property
    def attendance_percent(self) -> float | None:
        total = self.attended + self.no_shows
        return 100.0 * self.attended / total if total else None


def age_on(birth: date | None, today: date) -> int | None:
    return relativedelta(today, birth).years if birth else None


def citizen_summary(db: Database, citizen_id: str, today: date) -> CitizenSummary | None:
    with db.session() as session:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None or citizen.deleted_at is not None:
            return None
        # Keyed by staff id; looked up with the citizen's (possibly unset) jobkonsulent and jobformidler.
        names: dict[str | None, str] = dict(session.execute(select(Staff.id, Staff.name)).all())
        correction = aliased(Event)
        counts = dict(
            session.execute(
                select(Event.kind, func.count())
                .where(
                    Event.citizen_id == citizen_id,
                    Event.kind.in_((*ATTENDED_KINDS, EventKind.UDEBLIVELSE)),
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
    return CitizenSummary(
        citizen=citizen,
        age=age_on(citizen.birth_date, today),
        model=model,
        evaluation=evaluation,
        jobkonsulent=names.get(citizen.jobkonsulent_id),
        jobformidler=names.get(citizen.jobformidler_id),
        jobformidler_changes=changes,
        next_follow_up=next_due,
        attended=sum(counts.get(kind, 0) for kind in ATTENDED_KINDS),
        no_shows=counts.get(EventKind.UDEBLIVELSE, 0),
        active_sub_goals=sub_goals or 0,
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


def timeline_page(
    db: Database,
    citizen_id: str,
    *,
    filter: TimelineFilter = TimelineFilter(),
    after: tuple[datetime, str] | None = None,
    limit: int = 100,
) -> list[TimelineRow]:
    """Newest first, ``limit`` rows after the keyset ``after`` (the ``key`` of the last row shown); uses the (citizen_id, occurred_at) index, so a citizen with thousands of events opens at once."""
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
    if filter.kinds:
        query = query.where(Event.kind.in_(filter.kinds))
    if filter.start is not None:
        query = query.where(Event.occurred_at >= to_utc(datetime.combine(filter.start, datetime.min.time())))
    if filter.end is not None:
        end = datetime.combine(filter.end, datetime.min.time()) + relativedelta(days=1)
        query = query.where(Event.occurred_at < to_utc(end))
    if after is not None:
        moment, last_id = after
        query = query.where(or_(Event.occurred_at < moment, and_(Event.occurred_at == moment, Event.id < last_id)))
    query = query.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    with db.session() as session:
        rows = session.execute(query).all()
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


def event_detail(db: Database, event_id: str) -> Event | None:
    with db.session() as session:
        return session.get(Event, event_id)

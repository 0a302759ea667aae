"""The monthly results (nøgletal) the projects are judged by: one function for one month, one for the trend.

``month_results`` and ``results_trend`` compute the same figures from the same code (``_compute``): the
trend loads the rows for all its months in one pass and computes each month from them, so the screen, the
report command and the tests can never disagree. Every goal comes from ``rules.toml`` (``domain.rules``);
each rate carries its goal and whether it is missed. Only a viewer with the read scope ``results``
(assets/permissions.toml) gets figures; any other gets ``PermissionDenied`` (Danish). The per-citizen
attendance rows are personal data: they are returned only when asked for (``per_citizen=True``), cut to the
citizens whose case the viewer may read, and the caller records the read with
``store.actions.results.record_results_read`` (queries never write).

Times: timestamps are stored in UTC; a month is the Danish calendar month (local midnight to midnight).
"Start of month" is the state at local midnight before the 1st; "end of month" the state at local midnight
after the last day.

======================  =======================================================================  ==========
Figure                  How it is counted                                                         Seed
======================  =======================================================================  ==========
caseload (bestand)      Citizens per step at start and end of month. A citizen's step at an       002 §3.3,
                        instant is the ``to`` of their last step-change event before it (kinds    §5.3; 000
                        visitation, trin, rehab with step data; a corrected event replaced by
                        its correction). Without such events (data from before the step history,
                        the demo): the record's current step from ``step_since`` on. The terminal
                        step («Afsluttet») is not caseload.
inflow (tilgang)        Citizens whose ``project_start`` (visitation into the project) is in      002, 003
                        the month.
left (afgang fra        Citizens who moved to the terminal step in the month, by route (rehab,    002
bestanden)              underretning, or «Afsluttet»).
outflow by outcome      Exit outcomes (``citizen_outcomes``, corrections applied) dated in the    002 §5.3
(udfald)                month, per outcome code (reference.toml ``exit_outcomes``).
self-support rate       Cohort = citizens whose project_start is in the month N months before     004
                        (N = ``self_supporting_after_months``). Self-supporting = an outcome
                        marked ``self_supporting`` dated no later than project_start + N months;
                        fallback for records without outcomes: ``self_supporting`` set and the
                        terminal step reached (``step_since``) by that date. Goal
                        ``self_supporting_goal_percent``.
fremmødeprocent         Kept appointments / (kept + missed) in the month, as defined in           004
                        store.queries.attendance: kept = samtale, personligt_moede, jobsamtale;
                        missed = udeblivelse (record_no_show); an afbud (record_cancellation)
                        is neither and leaves the denominator. Walk-ins (åben rådgivning) are
                        not appointments and count neither way; praktik days are not recorded
                        per day. Per office (the
                        citizen's office), per staff member (who recorded the event) and per
                        citizen. Goal ``attendance_goal_percent``.
ordinary hours          Citizens whose current hours reports for the month (corrections           000 KE 9,
                        applied) sum to at least ``ordinary_hours_goal`` ordinary hours; of the   003 KE 6
                        citizens with any report that month.
walk-ins (henvendelser) Arrivals at the counter in the month per reason; those who left without   000 KE 3
                        help (cancelled) counted apart.
follow-ups on time      Follow-up tasks due in the month (not removed): done on or before the     000 KE 7
                        due day / (done + still open past the due day). Open tasks not yet due
                        are left out.
jobformidler changes    «jobformidler» events in the month that change an existing jobformidler   001
                        (not the first assignment), and the number of citizens concerned.
======================  =======================================================================  ==========

Filters select citizens (``ResultsFilter``): housing area (the citizen's), staff member (the citizen's
current jobkonsulent or jobformidler) and step model. Rows without a citizen (anonymous walk-ins, tasks not
about a citizen) are counted only without a filter. Deleted citizens (tombstoned) are left out everywhere;
purged ones are gone from the database.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql import Executable

from aaben_raadgivning.domain.clock import local_date, to_utc
from aaben_raadgivning.domain.codes import EventKind, FollowUpStatus, WalkInTransitionKind
from aaben_raadgivning.domain.hours import add_months, month_start
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import Rules, load_rules
from aaben_raadgivning.domain.step_models import StepModel, StepModelError, load_step_model
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    CITIZEN_LIVE,
    JOBFORMIDLER_CHANGE_SQL,
    STEP_EVENTS_WHERE,
    STEP_FACTS,
    Citizen,
    CitizenOutcome,
    Event,
    FollowUpTask,
    HoursReport,
    Office,
    Staff,
    WalkIn,
    WalkInTransition,
    step_fact_sql,
)
from aaben_raadgivning.store.queries.attendance import KEPT_KINDS, MISSED_KINDS
from aaben_raadgivning.store.queries.viewer import CASE, CONTACT, Viewer

RESULTS_SCOPE = "results"  # the read scope in assets/permissions.toml


NO_OFFICE = "Uden kontor"
# The events' rowid (carried by every index entry).
_EVENT_ROWID: ColumnElement[int] = literal_column("events.rowid", Integer)
# ``kind || ''`` written as ix_events_kind_occurred (migration 0009) is: only this expression reaches that index.
_KIND_INDEXED: ColumnElement[str] = Event.kind.op("||")(literal_column("''"))
# Whether a citizen is live, written as ix_citizens_results (migration 0009) is led by: only this reaches it.
# (Qualified: it is also written inside subqueries of tables that have a deleted_at of their own.)
_LIVE: ColumnElement[int] = literal_column(CITIZEN_LIVE.replace("deleted_at", "citizens.deleted_at"))
UNKNOWN_STAFF = "Ukendt medarbejder"
_FEW_CITIZENS = 2000  # a filter selecting this many citizens or fewer is applied by their ids


# --- the figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsFilter:
    """Which citizens the figures are about; None = all."""

    housing_area: str | None = None
    staff_id: str | None = None  # the citizen's current jobkonsulent or jobformidler
    step_model: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.housing_area or self.staff_id or self.step_model)


@dataclass(frozen=True)
class Rate:
    """``numerator`` of ``denominator``, against a goal in percent (None: no goal)."""

    numerator: int
    denominator: int
    goal_percent: float | None = None

    @property
    def percent(self) -> float | None:
        return 100.0 * self.numerator / self.denominator if self.denominator else None

    @property
    def missed(self) -> bool | None:
        """True when below the goal; None without a goal or without anything to measure."""
        if self.goal_percent is None or self.percent is None:
            return None
        return self.percent < self.goal_percent


@dataclass(frozen=True)
class StepCount:
    model: str
    step: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class CountRow:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class AttendanceRow:
    key: str  # office id, staff id or citizen id ("" for none)
    label: str
    rate: Rate


@dataclass(frozen=True)
class CohortResult:
    """The self-support rate of the citizens referred in ``cohort_month``, measured ``after_months`` later."""

    cohort_month: date
    after_months: int
    rate: Rate
    complete: bool  # every citizen's deadline has passed (else the rate can still rise)


@dataclass(frozen=True)
class HoursResult:
    goal_hours: float
    reached: int  # citizens with ≥ goal ordinary hours in the month
    reported: int  # citizens with any hours report for the month


@dataclass(frozen=True)
class FollowUpResult:
    on_time: Rate  # done by the due day / (done + overdue)
    late: int  # done after the due day
    overdue: int  # still open after the due day


@dataclass(frozen=True)
class MonthResults:
    month: date  # the first day
    filters: ResultsFilter
    caseload: tuple[StepCount, ...]
    inflow: int
    left: tuple[CountRow, ...]  # to the terminal step, by route
    outflow: tuple[CountRow, ...]  # exit outcomes by code
    self_support: CohortResult
    attendance: Rate
    attendance_by_office: tuple[AttendanceRow, ...]
    attendance_by_staff: tuple[AttendanceRow, ...]
    attendance_by_citizen: tuple[AttendanceRow, ...]  # only with per_citizen=True
    hours: HoursResult
    walk_ins: tuple[CountRow, ...]
    walk_ins_cancelled: int
    follow_ups: FollowUpResult
    jobformidler_changes: int
    jobformidler_change_citizens: int

    @property
    def caseload_start(self) -> int:
        return sum(row.start for row in self.caseload)

    @property
    def caseload_end(self) -> int:
        return sum(row.end for row in self.caseload)

    @property
    def outflow_total(self) -> int:
        return sum(row.count for row in self.outflow)

    @property
    def walk_ins_total(self) -> int:
        return sum(row.count for row in self.walk_ins)


@dataclass(frozen=True)
class ResultsTrend:
    months: tuple[MonthResults, ...]  # oldest first; the last is the chosen month


# --- the rows the figures are computed from ---------------------------------------------------------------


# A tracked citizen's step changes as the months see them: (k, to, route), where k = how many of the range's
# bounds (month starts, then the end) are at or before the change — so the change sets the step at every bound
# from k on, and k = p + 1 means "in month p". Changes before the range are cut to the last one (k = 0).
_Moves = tuple[tuple[int, str, "str | None"], ...]


@dataclass
class _Attendance:
    """A month's fremmøde as [kept, missed] per office, per staff member and (the last month only) per citizen."""

    by_office: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_staff: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_citizen: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


@dataclass
class _Rows:
    """Everything the months need, loaded once; per-month lists are indexed by the month's position."""

    months: list[date]
    bounds: list[str]  # the UTC start of each month, then the end of the last — as stored (sortable text)
    offices_of: dict[str, str | None]  # citizen → office (every selected citizen)
    # Citizens with step changes, grouped by what the figures see of them: (model, version, moves) → count.
    tracked: Counter[tuple[str | None, int | None, _Moves]]
    # Citizens without step events, grouped: (model, version, step, step_since, route) → count.
    untracked: Counter[tuple[str, int | None, str, date, str | None]]
    starts: Counter[date]  # project_start's month → citizens
    cohort: dict[date, list[tuple[str, date, bool, str | None, int | None, str | None, date | None]]]  # by month
    self_support: dict[str, date]  # citizen → first self-supporting outcome date
    attendance: list[_Attendance]  # per month
    jobformidler: list[list[str]]
    outcomes: list[Counter[str]]
    hours: list[tuple[int, int]]  # per month: citizens reaching the goal, citizens reported
    walk_ins: list[tuple[Counter[str], int]]
    tasks: list[list[tuple[date, str, date | None, int]]]  # due, status, completed (local day), how many
    offices: dict[str, str]
    staff: dict[str, str]


def _bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of a Danish calendar month."""
    return to_utc(datetime.combine(month, time.min)), to_utc(datetime.combine(add_months(month, 1), time.min))


def _stored(moment: datetime) -> str:
    """A naive UTC time as SQLAlchemy stores it in SQLite (store/replica.py and the demo write the same form):
    text that sorts as the time, so rows are placed in their month without parsing them."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _citizen_conditions(filters: ResultsFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_LIVE == 1]
    if filters.housing_area:
        conditions.append(Citizen.housing_area == filters.housing_area)
    if filters.staff_id:
        conditions.append(or_(Citizen.jobformidler_id == filters.staff_id, Citizen.jobkonsulent_id == filters.staff_id))
    if filters.step_model:
        conditions.append(Citizen.step_model == filters.step_model)
    return conditions


def _json_list(values: Iterable[str]) -> Select[tuple[Any]]:
    """``SELECT value FROM json_each(…)``: a list of ids as one bound parameter, however long."""
    listed = func.json_each(json.dumps(list(values))).table_valued("value")
    return select(listed.c.value)


def _selected(
    citizen_id: QueryableAttribute[Any], filters: ResultsFilter, chosen: Iterable[str], *, none_counts: bool = False
) -> ColumnElement[bool]:
    """SQL for "this row's citizen is one the figures are about": with a filter, one of the ``chosen`` citizens
    (when they are few, by their ids: SQLite can then start from them); without, any citizen but a deleted one. A row about no citizen
    counts only without a filter, and only where ``none_counts``."""
    if filters.any:
        chosen = list(chosen)
        if len(chosen) <= _FEW_CITIZENS:
            return citizen_id.in_(_json_list(chosen))
        return citizen_id.in_(select(Citizen.id).where(*_citizen_conditions(filters)))
    alive = citizen_id.not_in(select(Citizen.id).where(_LIVE == 0))
    return or_(citizen_id.is_(None), alive) if none_counts else and_(citizen_id.is_not(None), alive)


def _raw(connection: Connection, statement: Executable) -> list[Any]:
    """The driver's own rows: no Row objects and no type processing (dates and times come as their stored text)
    — for the many rows read here, that costs more than the query."""
    result = connection.execute(statement)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


class _Days:
    """Stored ISO dates as ``date``, each distinct text parsed once (a month's rows share a few dozen days)."""

    def __init__(self) -> None:
        self._seen: dict[str, date] = {}

    def __call__(self, text: str) -> date:
        day = self._seen.get(text)
        if day is None:
            day = self._seen[text] = date.fromisoformat(text[:10])
        return day


def _month_position(text: str, first: date) -> int:
    """The position of a stored ISO date's month counted from ``first``'s month."""
    return (int(text[:4]) - first.year) * 12 + int(text[5:7]) - first.month


def _load(
    session: Session, months: list[date], filters: ResultsFilter, rules: Rules, today: date, models: _Models
) -> _Rows:
    """Every row the months need, read once for all of them."""
    first, last = months[0], months[-1]
    utc_bounds = [_bounds(m)[0] for m in months] + [_bounds(last)[1]]
    bounds = [_stored(moment) for moment in utc_bounds]
    start, end = utc_bounds[0], utc_bounds[-1]
    end_day = add_months(last, 1)
    after = rules.self_supporting_after_months
    cohort_first, cohort_end = add_months(first, -after), add_months(last, 1 - after)
    count = len(months)
    connection = session.connection()
    days = _Days()

    def position_of(occurred: str) -> int:
        # One month: every row of the window is in it. Else the stored text among the bounds' text.
        return 0 if count == 1 else bisect_right(bounds, occurred) - 1

    # The citizens, from ix_citizens_results (a covering index: the table's rows are wide, its pages many).
    # Working back from the record: every step change sets ``step`` and ``step_since`` (the local day of the
    # change, store/actions/citizen_record.py), so a citizen whose step_since is before the first month (a day's
    # margin) had no change from the start of the range on: their step through the range is the record's —
    # counted by group in SQL (any such step_since counts alike in every month of the range: before it). Of the
    # others every step event before the end is read (for the step at the start).
    conditions = _citizen_conditions(filters)
    changed_from = first - timedelta(days=1)
    offices_of: dict[str, str | None] = dict(_raw(connection, select(Citizen.id, Citizen.office_id).where(*conditions)))
    if filters.any and len(offices_of) <= _FEW_CITIZENS:
        # A staff member's few citizens: the queries below start from them (the primary key) instead of testing
        # the filter on every citizen.
        conditions = [Citizen.id.in_(_json_list(offices_of))]
    before = changed_from - timedelta(days=1)  # any day before the range: the same in every month of it
    untracked: Counter[tuple[str, int | None, str, date, str | None]] = Counter()
    group = (Citizen.step_model, Citizen.step_model_version, Citizen.step, Citizen.route)
    for model, version, step, route, number in _raw(
        connection,
        select(*group, func.count())
        .where(
            *conditions, Citizen.step.is_not(None), Citizen.step_model.is_not(None), Citizen.step_since < changed_from
        )
        .group_by(*group),
    ):
        untracked[(model, version, step, before, route)] += number
    record_of: dict[str, tuple] = {  # the citizens whose step changed in the range (or may have)
        citizen_id: (model, version, step, days(since) if since else None, route)
        for citizen_id, model, version, step, since, route in _raw(
            connection,
            select(Citizen.id, *group[:3], Citizen.step_since, Citizen.route).where(
                *conditions,
                Citizen.step.is_not(None),
                or_(Citizen.step_since.is_(None), Citizen.step_since >= changed_from),
            ),
        )
    }
    starts: Counter[date] = Counter()  # of the range's months
    for project_start, number in _raw(
        connection,
        select(Citizen.project_start, func.count())
        .where(*conditions, Citizen.project_start >= first, Citizen.project_start < end_day)
        .group_by(Citizen.project_start),
    ):
        starts[days(project_start).replace(day=1)] += number
    cohort: dict[date, list] = defaultdict(list)
    for citizen_id, project_start, supporting, step, version, model, since in _raw(
        connection,
        select(
            Citizen.id, Citizen.project_start, Citizen.self_supporting, Citizen.step, Citizen.step_model_version,
            Citizen.step_model, Citizen.step_since,
        ).where(*conditions, Citizen.project_start >= cohort_first, Citizen.project_start < cohort_end),
    ):  # fmt: skip
        begun = days(project_start)
        cohort[begun.replace(day=1)].append(
            (citizen_id, begun, bool(supporting), step, version, model, days(since) if since else None)
        )

    # The events, from ix_events_kind_occurred (kind || '', occurred_at, citizen_id, staff_id; an index entry carries
    # the rowid): the corrected ones are left out by rowid, loaded once (few: ix_events_corrects_id, then the primary
    # key), so the counted kinds are read from the index alone. Only the rows whose data is needed are read from
    # the table (below).
    correction = aliased(Event)
    corrected_events = {
        rowid
        for (rowid,) in _raw(
            connection,
            select(_EVENT_ROWID)
            .select_from(Event)
            .where(Event.id.in_(select(correction.corrects_id).where(correction.corrects_id.is_not(None)))),
        )
    }
    in_window = and_(Event.occurred_at >= start, Event.occurred_at < end)

    # Fremmøde, counted as the rows come: [kept, missed] per office and staff member of each month, and per citizen
    # of the last month (the only one whose citizens are ever shown).
    attendance = [_Attendance() for _ in months]
    last_month = attendance[-1]
    kept_kinds = set(KEPT_KINDS)
    for citizen_id, kind, occurred, staff_id, rowid in _raw(
        connection,
        select(Event.citizen_id, _KIND_INDEXED, Event.occurred_at, Event.staff_id, _EVENT_ROWID).where(
            _KIND_INDEXED.in_((*KEPT_KINDS, *MISSED_KINDS)), in_window
        ),
    ):
        if rowid not in corrected_events and citizen_id in offices_of:
            counts = attendance[position_of(occurred)]
            slot = 0 if kind in kept_kinds else 1
            counts.by_office[offices_of[citizen_id] or ""][slot] += 1
            counts.by_staff[staff_id or ""][slot] += 1
            if counts is last_month:
                counts.by_citizen[citizen_id][slot] += 1
    # The jobformidler changes of the range (the change flag is in ix_events_kind_occurred: selected, not tested in
    # the WHERE, where SQLite would read the row for it), and the step changes of the citizens whose step changed in
    # it (ix_events_step_facts): no event row and no JSON is read here (migration 0009).
    jobformidler: list[list[str]] = [[] for _ in months]
    for citizen_id, occurred, rowid, change in _raw(
        connection,
        select(Event.citizen_id, Event.occurred_at, _EVENT_ROWID, literal_column(JOBFORMIDLER_CHANGE_SQL)).where(
            _KIND_INDEXED == EventKind.JOBFORMIDLER, in_window
        ),
    ):
        if change and rowid not in corrected_events and citizen_id in offices_of:
            jobformidler[position_of(occurred)].append(citizen_id)
    raw_steps: dict[str, list[tuple[str, str, Any, Any, Any, Any]]] = defaultdict(list)
    if record_of:
        changed = func.json_each(json.dumps(list(record_of))).table_valued("value")
        facts: list[ColumnElement[Any]] = [literal_column(step_fact_sql(name)) for name in STEP_FACTS]
        for citizen_id, occurred, event_id, to, route, model, version, rowid in _raw(
            connection,
            select(Event.citizen_id, Event.occurred_at, Event.id, *facts, _EVENT_ROWID).where(
                text(STEP_EVENTS_WHERE), Event.citizen_id.in_(select(changed.c.value)), Event.occurred_at < end
            ),
        ):
            if to and rowid not in corrected_events and citizen_id in offices_of:
                raw_steps[citizen_id].append((occurred, event_id, to, route, model, version))

    tracked: Counter[tuple[str | None, int | None, _Moves]] = Counter()
    for citizen_id, changes in raw_steps.items():
        changes.sort(key=lambda change: change[:2])
        record_model, record_version = record_of[citizen_id][:2]
        _at, _id, _to, _route, fact_model, fact_version = changes[0]
        moves: list[tuple[int, str, str | None]] = []
        for occurred, _event_id, to, route, _model, _version in changes:
            k = bisect_right(bounds, occurred)
            if k == 0 and moves:
                moves.pop()  # only the last change before the range counts
            moves.append((k, str(to), route))
        tracked[(fact_model or record_model, fact_version or record_version, tuple(moves))] += 1
    for citizen_id, (model, version, step, since, route) in record_of.items():
        if citizen_id not in raw_steps and model is not None and since is not None:
            untracked[(model, version, step, since, route)] += 1

    reference = load_reference()
    self_supporting_codes = {t.code for t in reference.exit_outcomes.terms if t.self_supporting}
    outcomes: list[Counter[str]] = [Counter() for _ in months]
    self_support: dict[str, date] = {}
    corrected_outcomes = {
        row[0]
        for row in _raw(connection, select(CitizenOutcome.corrects_id).where(CitizenOutcome.corrects_id.is_not(None)))
    }
    for outcome_id, citizen_id, code, day_text in _raw(
        connection,
        select(CitizenOutcome.id, CitizenOutcome.citizen_id, CitizenOutcome.outcome, CitizenOutcome.outcome_date).where(
            CitizenOutcome.outcome_date >= cohort_first, CitizenOutcome.outcome_date < end_day
        ),
    ):
        if outcome_id in corrected_outcomes or citizen_id not in offices_of:
            continue
        position = _month_position(day_text, first)
        if 0 <= position < count:
            outcomes[position][code] += 1
        if code in self_supporting_codes:
            day = days(day_text)
            if citizen_id not in self_support or day < self_support[citizen_id]:
                self_support[citizen_id] = day

    # Ordinary hours, in SQL: the head of each (agreement, month) correction chain counts (as queries.hours does),
    # summed per citizen and month, then counted against the goal — 12 rows come back, not every report.
    corrected_reports = select(HoursReport.corrects_id).where(HoursReport.corrects_id.is_not(None))
    ranked = (
        select(
            HoursReport.month,
            HoursReport.citizen_id,
            HoursReport.ordinary_minutes,
            func.row_number()
            .over(
                partition_by=(HoursReport.agreement_id, HoursReport.month),
                order_by=(HoursReport.recorded_at.desc(), HoursReport.id.desc()),
            )
            .label("rank"),
        )
        .where(
            HoursReport.month >= first,
            HoursReport.month <= last,
            HoursReport.id.not_in(corrected_reports),
            _selected(HoursReport.citizen_id, filters, offices_of),
        )
        .subquery()
    )
    totals = (
        select(ranked.c.month, func.sum(ranked.c.ordinary_minutes).label("minutes"))
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.month, ranked.c.citizen_id)
        .subquery()
    )
    goal_minutes = rules.ordinary_hours_goal * 60
    hours = [(0, 0) for _ in months]
    for month_text, reached, reported in _raw(
        connection,
        select(totals.c.month, func.sum(case((totals.c.minutes >= goal_minutes, 1), else_=0)), func.count()).group_by(
            totals.c.month
        ),
    ):
        hours[_month_position(month_text, first)] = (reached, reported)

    cancelled = exists().where(
        WalkInTransition.walk_in_id == WalkIn.id, WalkInTransition.kind == WalkInTransitionKind.CANCEL
    )
    walk_ins: list[tuple[Counter[str], int]] = [(Counter(), 0) for _ in months]
    for walker, reason, arrived, gone in _raw(
        connection,
        select(WalkIn.citizen_id, WalkIn.reason, WalkIn.arrived_at, cancelled).where(
            WalkIn.arrived_at >= start, WalkIn.arrived_at < end
        ),
    ):
        if walker in offices_of if walker is not None else not filters.any:
            position = position_of(arrived)
            reasons, gone_before = walk_ins[position]
            reasons[reason] += 1
            walk_ins[position] = (reasons, gone_before + bool(gone))
    # Follow-up tasks, counted in SQL by (due day, status, the UTC hour they were done): a few hundred rows.
    tasks: list[list[tuple[date, str, date | None, int]]] = [[] for _ in months]
    days_of: dict[str, date] = {}
    done_hour = func.substr(FollowUpTask.completed_at, 1, 13)
    for due_text, status, hour, number in _raw(
        connection,
        select(FollowUpTask.due_date, FollowUpTask.status, done_hour, func.count())
        .where(
            FollowUpTask.due_date >= first,
            FollowUpTask.due_date < end_day,
            FollowUpTask.deleted_at.is_(None),
            # Only the tasks that count: done, or still open past the due day (the rest are left out).
            or_(
                and_(FollowUpTask.status == FollowUpStatus.DONE, FollowUpTask.completed_at.is_not(None)),
                and_(FollowUpTask.status == FollowUpStatus.OPEN, FollowUpTask.due_date < today),
            ),
            _selected(FollowUpTask.citizen_id, filters, offices_of, none_counts=True),
        )
        .group_by(FollowUpTask.due_date, FollowUpTask.status, done_hour),
    ):
        completed_day = None
        if hour is not None:
            # The Danish day of a UTC hour is the same all through it (whole-hour offsets): one conversion each.
            completed_day = days_of.get(hour)
            if completed_day is None:
                completed_day = days_of[hour] = local_date(datetime.fromisoformat(hour + ":00"))
        tasks[_month_position(due_text, first)].append((days(due_text), status, completed_day, number))
    offices = {o: n for o, n in _raw(connection, select(Office.id, Office.name))}
    staff = {s: f"{i} · {n}" for s, i, n in _raw(connection, select(Staff.id, Staff.initials, Staff.name))}
    return _Rows(
        months, bounds, offices_of, tracked, untracked, starts, cohort, self_support, attendance, jobformidler,
        outcomes, hours, walk_ins, tasks, offices, staff,
    )  # fmt: skip


# --- computing a month ------------------------------------------------------------------------------------


class _Models:
    """Step models by (code, version), loaded once; None for a model this version does not know."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int | None], StepModel | None] = {}

    def get(self, code: str | None, version: int | None) -> StepModel | None:
        if code is None:
            return None
        key = (code, version)
        if key not in self._cache:
            try:
                self._cache[key] = load_step_model(code, version)
            except StepModelError:
                self._cache[key] = None
        return self._cache[key]


def _step_after(moves: _Moves, k: int) -> str | None:
    """The step at bound ``k`` of the range: the last change at or before it (None: not yet in a step)."""
    step = None
    for at, to, _route in moves:
        if at > k:
            break
        step = to
    return step


def _rate_rows(counts: dict[str, list[int]], labels: dict[str, str], goal: float | None) -> tuple[AttendanceRow, ...]:
    rows = [
        AttendanceRow(key, labels.get(key, key), Rate(kept, kept + missed, goal))
        for key, (kept, missed) in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.rate.percent if r.rate.percent is not None else 101.0, r.label)))


def _compute(
    rows: _Rows,
    position: int,
    filters: ResultsFilter,
    rules: Rules,
    today: date,
    models: _Models,
    citizen_labels: dict[str, str] | None,
) -> MonthResults:
    reference = load_reference()
    month = rows.months[position]
    next_month = add_months(month, 1)
    attendance_goal = float(rules.attendance_goal_percent)

    # Caseload and the moves to the terminal step: the tracked citizens by what the figures see of them, the
    # others by group.
    caseload: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    left: Counter[tuple[str, str | None]] = Counter()
    for (model_code, version, moves), number in rows.tracked.items():
        model = models.get(model_code, version)
        if model is None:
            continue
        terminal = model.terminal.code
        for slot, bound in ((0, position), (1, position + 1)):
            step = _step_after(moves, bound)
            if step is not None and step != terminal:
                caseload[(model.code, step)][slot] += number
        previous: str | None = None
        for at, to, route in moves:
            if at == position + 1 and to == terminal and previous != terminal:
                left[(model.code, route)] += number
            previous = to
    for (code, version, step, since, route), count in rows.untracked.items():
        model = models.get(code, version)
        if model is None:
            continue
        if step == model.terminal.code:
            if month <= since < next_month:
                left[(model.code, route)] += count
            continue
        if since < month:
            caseload[(model.code, step)][0] += count
        if since < next_month:
            caseload[(model.code, step)][1] += count

    def model_of(code: str) -> StepModel | None:
        return models.get(code, None)

    steps: list[StepCount] = []
    for (model_code, step), (at_start, at_end) in caseload.items():
        model = model_of(model_code)
        label = model.step_label(step) if model else step
        steps.append(StepCount(model_code, step, label, at_start, at_end))

    def step_order(row: StepCount) -> tuple[str, int, str]:
        model = model_of(row.model)
        place = model.index(row.step) if model is not None and model.has_step(row.step) else 99
        return (row.model, place, row.step)

    left_rows = []
    for (model_code, route), count in left.items():
        model = model_of(model_code)
        label = model.terminal.label if model else "Afsluttet"
        if route and model is not None:
            label = next((o.label for o in model.visitation_outcomes if o.code == route), route)
        left_rows.append(CountRow(route or "", label, count))

    outflow_rows = tuple(
        CountRow(code, reference.exit_outcomes.label(code), count)
        for code, count in sorted(rows.outcomes[position].items())
    )

    # Self-support after N months, for the cohort referred N months before this month.
    after = rules.self_supporting_after_months
    cohort_month = add_months(month, -after)
    cohort_end = add_months(cohort_month, 1)
    size = supported = 0
    deadlines: dict[date, date] = {}  # project_start → its deadline (a month's citizens share a few days)
    for member, project_start, supporting, cohort_step, version, cohort_model, cohort_since in rows.cohort.get(
        cohort_month, ()
    ):
        if not cohort_month <= project_start < cohort_end:
            continue
        size += 1
        deadline = deadlines.get(project_start)
        if deadline is None:
            deadline = deadlines[project_start] = project_start + relativedelta(months=after)
        reached = rows.self_support.get(member)
        if reached is None and supporting and cohort_since is not None:
            model = models.get(cohort_model, version)
            if model is not None and cohort_step == model.terminal.code:
                reached = cohort_since
        if reached is not None and reached <= deadline:
            supported += 1
    self_support = CohortResult(
        cohort_month, after, Rate(supported, size, float(rules.self_supporting_goal_percent)),
        today >= add_months(cohort_end, after),  # the day after the cohort's last deadline, at the latest
    )  # fmt: skip

    # Fremmøde.
    counted = rows.attendance[position]
    kept_total = sum(kept for kept, _missed in counted.by_office.values())
    missed_total = sum(missed for _kept, missed in counted.by_office.values())
    by_office, by_staff = counted.by_office, counted.by_staff
    by_citizen = {
        citizen_id: counts
        for citizen_id, counts in counted.by_citizen.items()
        if citizen_labels is not None and citizen_id in citizen_labels
    }
    office_labels = {**rows.offices, "": NO_OFFICE}
    staff_labels = {**rows.staff, "": UNKNOWN_STAFF}

    hours = HoursResult(rules.ordinary_hours_goal, *rows.hours[position])

    reasons, cancelled = rows.walk_ins[position]
    order = {t.code: i for i, t in enumerate(reference.walk_in_reasons.terms)}
    walk_in_rows = tuple(
        CountRow(code, reference.walk_in_reasons.label(code), count)
        for code, count in sorted(reasons.items(), key=lambda item: (order.get(item[0], 999), item[0]))
    )

    on_time = late = overdue = 0
    for due, status, completed_day, number in rows.tasks[position]:
        if status == FollowUpStatus.DONE and completed_day is not None:
            if completed_day <= due:
                on_time += number
            else:
                late += number
        elif status == FollowUpStatus.OPEN and due < today:
            overdue += number
    follow_ups = FollowUpResult(Rate(on_time, on_time + late + overdue), late, overdue)

    changes = rows.jobformidler[position]
    return MonthResults(
        month=month,
        filters=filters,
        caseload=tuple(sorted(steps, key=step_order)),
        inflow=rows.starts[month],
        left=tuple(sorted(left_rows, key=lambda r: (r.code, r.label))),
        outflow=outflow_rows,
        self_support=self_support,
        attendance=Rate(kept_total, kept_total + missed_total, attendance_goal),
        attendance_by_office=_rate_rows(by_office, office_labels, attendance_goal),
        attendance_by_staff=_rate_rows(by_staff, staff_labels, attendance_goal),
        attendance_by_citizen=_rate_rows(by_citizen, citizen_labels or {}, attendance_goal),
        hours=hours,
        walk_ins=walk_in_rows,
        walk_ins_cancelled=cancelled,
        follow_ups=follow_ups,
        jobformidler_changes=len(changes),
        jobformidler_change_citizens=len(set(changes)),
    )


# --- the public functions ---------------------------------------------------------------------------------


def require_results_reader(viewer: Viewer) -> None:
    """``PermissionDenied`` (Danish) unless the viewer may read results (the app itself always may)."""
    if not viewer.is_system:
        load_permissions().require_read(viewer.role, RESULTS_SCOPE)


def _citizen_labels(session: Session, viewer: Viewer, ids: Iterable[str], today: date) -> dict[str, str]:
    """Names of the citizens whose case (and name) the viewer may read."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    scopes = viewer.scopes_for_many(session, wanted, today)
    allowed = [c for c in wanted if CASE in scopes[c] and CONTACT in scopes[c]]
    if not allowed:
        return {}
    wanted_ids = func.json_each(json.dumps(allowed)).table_valued("value")  # one query, however many
    return dict(
        _raw(session.connection(), select(Citizen.id, Citizen.name).where(Citizen.id.in_(select(wanted_ids.c.value))))
    )


def _months(
    db: Database, last: date, count: int, *, viewer: Viewer, filters: ResultsFilter, per_citizen: bool
) -> ResultsTrend:
    require_results_reader(viewer)
    if count < 1:
        raise ValueError("count must be at least 1")
    rules = load_rules()
    last = month_start(last)
    months = [add_months(last, i - (count - 1)) for i in range(count)]
    today = local_date(db.now())
    models = _Models()
    with db.session() as session:
        rows = _load(session, months, filters, rules, today, models)
        labels: dict[str, str] | None = None
        if per_citizen:
            labels = _citizen_labels(session, viewer, rows.attendance[-1].by_citizen, today)
    return ResultsTrend(
        tuple(
            _compute(rows, i, filters, rules, today, models, labels if i == count - 1 else None) for i in range(count)
        )
    )


def month_results(
    db: Database,
    month: date,
    *,
    viewer: Viewer,
    filters: ResultsFilter | None = None,
    per_citizen: bool = False,
) -> MonthResults:
    """The figures of one month (any day of it). ``per_citizen`` adds the fremmøde per citizen (personal
    data: the caller audits the read, ``store.actions.results.record_results_read``)."""
    return _months(db, month, 1, viewer=viewer, filters=filters or ResultsFilter(), per_citizen=per_citizen).months[0]


def results_trend(
    db: Database,
    month: date,
    *,
    viewer: Viewer,
    filters: ResultsFilter | None = None,
    months: int = 12,
    per_citizen: bool = False,
) -> ResultsTrend:
    """The figures of ``months`` months ending with ``month`` (oldest first), computed in one pass; the
    last month is exactly ``month_results(month)``."""
    return _months(db, month, months, viewer=viewer, filters=filters or ResultsFilter(), per_citizen=per_citizen)


def housing_areas(db: Database) -> list[str]:
    """The housing areas citizens live in (for the filter)."""
    with db.session() as session:
        return sorted(
            a for a in session.scalars(select(Citizen.housing_area).where(Citizen.deleted_at.is_(None)).distinct()) if a
        )

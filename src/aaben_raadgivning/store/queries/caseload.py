"""«Mine borgere» (F8): a staff member's caseload (sagsstamme), a page at a time straight from SQL.

Whose: a jobkonsulent's caseload is the citizens whose ``jobkonsulent_id`` is theirs, a jobformidler's those
whose ``jobformidler_id`` is theirs (:data:`CASELOAD_COLUMNS`); other roles have none (a leder looks at a
staff member's). Citizens who have left are not in it: tombstoned, on another route (rehab, underretning),
self-supporting, or at the step model's terminal step.

Per citizen, each computed in SQL by an index probe per citizen (never a scan of the events):

- **days in step**: today − ``step_since``;
- **next follow-up**: the earliest due date of the citizen's open tasks (``follow_up_tasks.citizen_id``);
  overdue when before today;
- **last personal contact**: the newest event whose kind is a personal contact (``personal = true`` in
  reference.toml's event kinds: meeting, phone, home visit, jobsamtale, open counsel — not an SMS or a
  letter), by anybody at the office (as the follow-up rules count contact); a corrected event counts as its
  correction. ``ix_events_citizen_occurred`` read backwards from the newest event, stopping at the first
  personal contact;
- **ordinary hours last month** against ``ordinary_hours_goal`` (rules.toml), corrections applied as
  store/queries/hours.py does: the newest uncorrected report per agreement and month
  (``ix_hours_reports_citizen_month``);
- **flags** (data, not code): *too long in the step* — more days than the step's ``max_days`` in its step
  model file; *hours not rising* — in an active company course (an agreement with status aktiv), hours
  registered for a month at least ``hours_not_rising_months`` (rules.toml) before last month, and last
  month's ordinary hours below the goal and not above those of that month (the definition is
  domain.follow_up_rules.hours_not_rising, shared with the follow-up rule ``stagnation``, which raises a task). An overdue follow-up is a mark
  too: «kun markerede» shows citizens with any of the three.

The caseload's citizens are found by the owner column, which has no index: one scan of ``citizens`` per
query (~20–40 ms at 100 000). An index on ``citizens.jobformidler_id`` and ``citizens.jobkonsulent_id`` would
make it a probe (see the caseload benchmark). Sorting and the «kun markerede» filter work on the computed
columns, so each page evaluates them once for the whole caseload (30–300 citizens), then LIMIT/OFFSET; the
counts ride on the same query as window sums (:func:`caseload_page`), plus one query for the page's consents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus, FollowUpStatus
from aaben_raadgivning.domain.follow_up_rules import hours_not_rising, stagnation_months
from aaben_raadgivning.domain.hours import add_months, goal_minutes, month_start
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import Rules, load_rules
from aaben_raadgivning.domain.step_models import (
    DEFAULT_STEP_MODEL,
    StepModel,
    available_step_models,
    load_step_model,
)
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Agreement, Citizen, Consent, Event, FollowUpTask, HoursReport, Staff
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, CASE, Viewer
from aaben_raadgivning.store.sqlite_driver import DANISH_COLLATION

# The role whose caseload is kept in which column of the citizen.
CASELOAD_COLUMNS = {"jobkonsulent": "jobkonsulent_id", "jobformidler": "jobformidler_id"}

SORT_NAME, SORT_STEP, SORT_DAYS, SORT_NEXT, SORT_CONTACT, SORT_HOURS = (
    "name",
    "step",
    "days",
    "next",
    "contact",
    "hours",
)
SORTS = (SORT_NAME, SORT_STEP, SORT_DAYS, SORT_NEXT, SORT_CONTACT, SORT_HOURS)
SORT_LABELS = {
    SORT_NAME: "navn", SORT_STEP: "trin", SORT_DAYS: "dage på trin", SORT_NEXT: "næste opfølgning",
    SORT_CONTACT: "sidste kontakt", SORT_HOURS: "timer",
}  # fmt: skip
PAGE_SIZE = 50

CONSENT_VALID, CONSENT_EXPIRED, CONSENT_WITHDRAWN, CONSENT_PENDING = "valid", "expired", "withdrawn", "pending"
CONSENT_LABELS = {CONSENT_VALID: "gyldigt", CONSENT_EXPIRED: "udløbet", CONSENT_WITHDRAWN: "trukket tilbage",
                  CONSENT_PENDING: "ikke begyndt"}  # fmt: skip


@dataclass(frozen=True)
class CaseloadFilter:
    """``owner_id``: whose caseload (None: the viewer's own). ``step``: a step code. ``text``: part of the
    name (case and accents as typed are ignored by casefolding). ``descending`` reverses ``sort``."""

    owner_id: str | None = None
    step: str | None = None
    flagged_only: bool = False
    text: str = ""
    sort: str = SORT_NAME
    descending: bool = False


@dataclass(frozen=True)
class CaseloadRow:
    citizen_id: str
    name: str
    step: str | None
    step_short: str  # «Trin 1»
    step_label: str  # «Trin 1 – Afklaring»
    step_since: date | None
    days_in_step: int | None
    step_limit_days: int | None
    next_follow_up: date | None
    last_contact: date | None
    hours_minutes: int | None  # ordinary minutes last month; None when the viewer may not read hours
    base_minutes: int | None  # those of ``hours_not_rising_months`` months before
    consent: str | None  # CONSENT_*; None when the citizen never gave consent
    consent_until: date | None
    overdue: bool
    too_long: bool
    hours_stalled: bool
    in_course: bool = False  # an active agreement (virksomhedsforløb)

    @property
    def flagged(self) -> bool:
        return self.overdue or self.too_long or self.hours_stalled


@dataclass(frozen=True)
class CaseloadCounts:
    total: int = 0  # the whole caseload
    matching: int = 0  # with the filter
    overdue: int = 0
    too_long: int = 0
    hours_stalled: int = 0


@dataclass(frozen=True)
class CaseloadOwner:
    id: str
    initials: str
    name: str
    role: str


@dataclass(frozen=True)
class CaseloadView:
    owner: CaseloadOwner | None
    counts: CaseloadCounts
    rows: list[CaseloadRow]
    hours_month: date  # "last month"
    goal_hours: float
    stall_months: int
    refusal: str | None = None  # why the viewer sees nothing (Danish)


def personal_contact_kinds() -> tuple[str, ...]:
    """The event kinds that are a personal contact (reference.toml ``personal = true``)."""
    return tuple(t.code for t in load_reference().event_kinds.terms if t.personal)


def _terminal_codes(models: list[StepModel]) -> list[str]:
    return sorted({m.terminal.code for m in models})


def _model_is(model: StepModel):
    if model.code == DEFAULT_STEP_MODEL:
        return or_(Citizen.step_model == model.code, Citizen.step_model.is_(None))
    return Citizen.step_model == model.code


def _limit_date(models: list[StepModel], today: date):
    """The date before which a citizen who entered the step has been in it too long (NULL: no limit)."""
    whens = [
        (and_(_model_is(m), Citizen.step == s.code), literal(today - timedelta(days=s.max_days), Date))
        for m in models
        for s in m.steps
        if s.max_days is not None
    ]
    return case(*whens, else_=literal(None, Date)) if whens else literal(None, Date)


def _step_order(models: list[StepModel]):
    whens = [(and_(_model_is(m), Citizen.step == s.code), n) for m in models for n, s in enumerate(m.all_steps)]
    return case(*whens, else_=99)


def _month_minutes(month: date):
    """Ordinary minutes of the citizen (correlated to ``Citizen``) in ``month``: the report that counts per
    agreement is the newest (recorded_at, id) one not corrected by another (as hours.current_reports)."""
    h, x, y = aliased(HoursReport), aliased(HoursReport), aliased(HoursReport)
    x_corrected = exists().where(y.citizen_id == x.citizen_id, y.month == x.month, y.corrects_id == x.id)
    superseded = exists().where(
        x.citizen_id == h.citizen_id,
        x.month == h.month,
        or_(
            x.corrects_id == h.id,
            and_(
                x.agreement_id == h.agreement_id,
                x.id != h.id,
                or_(x.recorded_at > h.recorded_at, and_(x.recorded_at == h.recorded_at, x.id > h.id)),
                ~x_corrected,
            ),
        ),
    )
    return (
        select(func.coalesce(func.sum(h.ordinary_minutes), 0))
        .where(h.citizen_id == Citizen.id, h.month == month, ~superseded)
        .correlate(Citizen)
        .scalar_subquery()
    )


def _computed(today: date, rules: Rules, models: list[StepModel], hours_allowed: bool) -> dict[str, Any]:
    """The caseload's raw computed columns as correlated scalar subqueries on ``Citizen`` (each an index probe
    per citizen); the flags are derived from them one level up, so no subquery runs twice."""
    # ``status || ''``: not a term an index can serve, so SQLite probes ix_follow_up_tasks_citizen_id instead
    # of walking every open task on ix_follow_up_tasks_status_due for each citizen (4.5 s at 100 000).
    next_due = (
        select(func.min(FollowUpTask.due_date))
        .where(
            FollowUpTask.citizen_id == Citizen.id,
            FollowUpTask.status.concat("") == FollowUpStatus.OPEN,
            FollowUpTask.deleted_at.is_(None),
        )
        .correlate(Citizen)
        .scalar_subquery()
    )
    e, x = aliased(Event), aliased(Event)
    last_contact = (
        select(e.occurred_at)
        .where(
            e.citizen_id == Citizen.id,
            e.kind.in_(personal_contact_kinds()),
            ~exists().where(x.corrects_id == e.id),
        )
        .order_by(e.occurred_at.desc())
        .limit(1)
        .correlate(Citizen)
        .scalar_subquery()
    )
    last_month, base_month = stagnation_months(today, rules)
    columns: dict[str, Any] = {
        "next_due": next_due,
        "last_contact": last_contact,
        "limit_date": _limit_date(models, today),
        "step_order": _step_order(models),
    }
    if hours_allowed:
        columns |= {
            "last_minutes": _month_minutes(last_month),
            "base_minutes": _month_minutes(base_month),
            "in_course": exists().where(
                Agreement.citizen_id == Citizen.id,
                Agreement.status == AgreementStatus.AKTIV,
                Agreement.deleted_at.is_(None),
            ),
            "long_enough": exists().where(HoursReport.citizen_id == Citizen.id, HoursReport.month <= base_month),
        }
    else:
        columns |= {"last_minutes": literal(None), "base_minutes": literal(None), "in_course": false(),
                    "long_enough": false()}  # fmt: skip
    return columns


def _in_caseload(owner: CaseloadOwner, models: list[StepModel]):
    column = getattr(Citizen, CASELOAD_COLUMNS[owner.role])
    return and_(
        column == owner.id,
        Citizen.deleted_at.is_(None),
        Citizen.route.is_(None),
        Citizen.self_supporting.is_(False),
        or_(Citizen.step.is_(None), Citizen.step.not_in(_terminal_codes(models))),
    )


def _matching_ids(session: Session, owner: CaseloadOwner, models: list[StepModel], text: str) -> list[str]:
    """The caseload's citizens whose name contains ``text`` (casefolded, so «åse» finds «Åse»; SQLite's
    LIKE folds ASCII only). A caseload is a few hundred names: one read of ids and names."""
    wanted = text.casefold()
    rows = session.execute(select(Citizen.id, Citizen.name).where(_in_caseload(owner, models))).all()
    return [row.id for row in rows if wanted in row.name.casefold()]


def _counted(owner: CaseloadOwner, flt: CaseloadFilter, today: date, hours_allowed: bool, named: list[str] | None):
    """The whole caseload, each citizen once, in three levels: ``raw`` (the computed columns; its window
    function keeps SQLite from flattening it, so each subquery runs once per citizen), ``flags`` (derived
    from them) and ``counted`` (whether the filter matches, and the counts as window sums over the caseload)."""
    rules = load_rules()
    models = available_step_models()
    cols = _computed(today, rules, models, hours_allowed)
    raw = (
        select(
            Citizen.id.label("id"),
            Citizen.name.label("name"),
            Citizen.step_model.label("step_model"),
            Citizen.step_model_version.label("step_model_version"),
            Citizen.step.label("step"),
            Citizen.step_since.label("step_since"),
            *(expression.label(name) for name, expression in cols.items()),
            func.count().over().label("total"),
        )
        .where(_in_caseload(owner, models))
        .subquery("raw")
    )
    stalled = and_(
        raw.c.in_course.is_(True),
        raw.c.long_enough.is_(True),
        *hours_not_rising(raw.c.last_minutes, raw.c.base_minutes, goal_minutes(rules.ordinary_hours_goal)),
    )
    flags = select(
        raw,
        case((raw.c.next_due < today, 1), else_=0).label("overdue"),
        case((raw.c.step_since < raw.c.limit_date, 1), else_=0).label("too_long"),
        case((stalled, 1), else_=0).label("stalled"),
    ).subquery("flags")
    terms = []
    if flt.step:
        terms.append(flags.c.step == flt.step)
    if flt.text.strip():
        terms.append(flags.c.id.in_(named or []))
    if flt.flagged_only:
        terms.append(or_(flags.c.overdue == 1, flags.c.too_long == 1, flags.c.stalled == 1))
    matches = case((and_(*terms), 1), else_=0) if terms else literal(1)
    return select(
        flags,
        matches.label("matches"),
        func.sum(matches).over().label("n_matching"),
        func.sum(flags.c.overdue).over().label("n_overdue"),
        func.sum(flags.c.too_long).over().label("n_too_long"),
        func.sum(flags.c.stalled).over().label("n_stalled"),
    ).subquery("counted")


def _order(base, flt: CaseloadFilter):
    """ORDER BY for the sort; a missing value (no step date, no task, no contact) always comes last, and
    the name then the id break ties."""

    def ordered(column):
        return [column.is_(None), column.desc() if flt.descending else column.asc()]

    by_name = base.c.name.collate(DANISH_COLLATION)  # Danish order: æ ø å after z, «aa» as «å»
    name = [by_name.desc() if flt.descending else by_name.asc()]
    if flt.sort == SORT_STEP:
        keys = [base.c.step_order.desc() if flt.descending else base.c.step_order.asc()]
    elif flt.sort == SORT_DAYS:  # most days first: the earliest step date
        keys = ordered(base.c.step_since)
    elif flt.sort == SORT_NEXT:
        keys = ordered(base.c.next_due)
    elif flt.sort == SORT_CONTACT:  # longest ago first
        keys = ordered(base.c.last_contact)
    elif flt.sort == SORT_HOURS:  # fewest first
        keys = ordered(base.c.last_minutes)
    else:
        keys = []
    return [*keys, *name, base.c.id]


def _counts(row) -> CaseloadCounts:
    return CaseloadCounts(
        int(row.total or 0), int(row.n_matching or 0), int(row.n_overdue or 0), int(row.n_too_long or 0),
        int(row.n_stalled or 0),
    )  # fmt: skip


def caseload_page(
    session: Session,
    owner: CaseloadOwner,
    flt: CaseloadFilter,
    today: date,
    *,
    hours_allowed: bool = True,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    named: list[str] | None = None,
) -> tuple[CaseloadCounts, list[CaseloadRow]]:
    """The counts and one page, in one query (the counts ride on every row as window sums; an empty page reads
    them alone), plus one query for the consents of the page."""
    if flt.text.strip() and named is None:
        named = _matching_ids(session, owner, available_step_models(), flt.text.strip())
    counted = _counted(owner, flt, today, hours_allowed, named)
    query = select(counted).where(counted.c.matches == 1).order_by(*_order(counted, flt))
    rows = session.execute(query.offset(offset).limit(limit)).all()
    if rows:
        counts = _counts(rows[0])
    else:
        first = session.execute(select(counted).limit(1)).first()
        counts = _counts(first) if first is not None else CaseloadCounts()
        if first is not None:
            counts = replace(counts, matching=0)
    consents = _consent_states(session, [r.id for r in rows], today)
    return counts, [_row(r, today, consents.get(r.id, (None, None)), hours_allowed) for r in rows]


def _row(r, today: date, consent: tuple[str | None, date | None], hours_allowed: bool) -> CaseloadRow:
    try:
        model = load_step_model(r.step_model or DEFAULT_STEP_MODEL, r.step_model_version)
        step = model.step(r.step) if r.step else None
    except (KeyError, ValueError):
        step = None
    return CaseloadRow(
        citizen_id=r.id,
        name=r.name,
        step=r.step,
        step_short=step.short_label if step else (r.step or ""),
        step_label=step.label if step else (r.step or ""),
        step_since=r.step_since,
        days_in_step=(today - r.step_since).days if r.step_since else None,
        step_limit_days=step.max_days if step else None,
        next_follow_up=r.next_due,
        last_contact=local_date(r.last_contact) if r.last_contact else None,
        hours_minutes=int(r.last_minutes) if hours_allowed and r.last_minutes is not None else None,
        base_minutes=int(r.base_minutes) if hours_allowed and r.base_minutes is not None else None,
        consent=consent[0],
        consent_until=consent[1],
        overdue=bool(r.overdue),
        too_long=bool(r.too_long),
        hours_stalled=bool(r.stalled),
        in_course=bool(r.in_course) and hours_allowed,
    )


def _consent_states(session: Session, citizen_ids: list[str], today: date) -> dict[str, tuple[str, date]]:
    """Each citizen's consent as F3 names it (store/queries/consent.consent_state_in), for a page at once:
    a valid one (the longest-running), else the latest given — withdrawn, expired or not begun."""
    if not citizen_ids:
        return {}
    found: dict[str, list] = {}
    for row in session.execute(
        select(Consent.citizen_id, Consent.id, Consent.given_on, Consent.valid_until, Consent.withdrawn_at,
               Consent.created_at).where(Consent.citizen_id.in_(citizen_ids), Consent.deleted_at.is_(None))
    ):  # fmt: skip
        found.setdefault(row.citizen_id, []).append(row)
    states: dict[str, tuple[str, date]] = {}
    for citizen_id, rows in found.items():
        valid = [r for r in rows if r.withdrawn_at is None and r.given_on <= today <= r.valid_until]
        if valid:
            best = max(valid, key=lambda r: (r.valid_until, r.given_on, r.created_at, r.id))
            states[citizen_id] = (CONSENT_VALID, best.valid_until)
            continue
        latest = max(rows, key=lambda r: (r.given_on, r.created_at, r.id))
        if latest.withdrawn_at is not None:
            state = CONSENT_WITHDRAWN
        elif latest.given_on > today:
            state = CONSENT_PENDING
        else:
            state = CONSENT_EXPIRED
        states[citizen_id] = (state, latest.valid_until)
    return states


def find_owner(session: Session, staff_id: str | None) -> CaseloadOwner | None:
    """The staff member whose caseload is asked for, if their role has one."""
    if staff_id is None:
        return None
    staff = session.get(Staff, staff_id)
    if staff is None or staff.deleted_at is not None or staff.role not in CASELOAD_COLUMNS:
        return None
    return CaseloadOwner(staff.id, staff.initials, staff.name, staff.role)


def refusal_for(viewer: Viewer) -> str | None:
    """Why the viewer may not see a caseload list (Danish), or None. The list is case data of many citizens
    at once: only roles that read the case without consent (a boligsocial medarbejder reads it citizen by
    citizen, with each one's samtykke, and has no caseload)."""
    if CASE in viewer.scopes():
        return None
    permissions = load_permissions()
    return permissions.refused.format(role=_role_label(viewer.role), what=permissions.reads[CASE].what)


def _role_label(role: str | None) -> str:
    return load_reference().roles.label(role).lower() if role else "ikke logget ind"


def load_caseload(
    db: Database, flt: CaseloadFilter, today: date, *, offset: int = 0, limit: int = PAGE_SIZE, viewer: Viewer
) -> CaseloadView:
    """The counts and one page of a caseload, in one read session. Whose: ``flt.owner_id``,
    or the viewer's own. Empty with ``refusal`` for a viewer who may not read case data in a list; empty
    without one when the staff member has no caseload (a leder, a boligsocial medarbejder)."""
    rules = load_rules()
    last_month = add_months(month_start(today), -1)
    empty = CaseloadView(None, CaseloadCounts(), [], last_month, rules.ordinary_hours_goal,
                         rules.hours_not_rising_months)  # fmt: skip
    refusal = refusal_for(viewer)
    if refusal is not None:
        return replace(empty, refusal=refusal)
    hours_allowed = AGREEMENTS in viewer.scopes()
    with db.session() as session:
        owner = find_owner(session, flt.owner_id or viewer.staff_id)
        if owner is None:
            return empty
        counts, rows = caseload_page(
            session, owner, flt, today, hours_allowed=hours_allowed, offset=offset, limit=limit
        )
    return replace(empty, owner=owner, counts=counts, rows=rows)


def caseload_staff(db: Database) -> list[tuple[str, str]]:
    """Active staff who have a caseload, as (label, id), for the leder's choice of staff member."""
    with db.session() as session:
        rows = session.execute(
            select(Staff.id, Staff.initials, Staff.name)
            .where(Staff.active.is_(True), Staff.deleted_at.is_(None), Staff.role.in_(list(CASELOAD_COLUMNS)))
            .order_by(Staff.initials)
        ).all()
    return [(f"{r.initials} · {r.name}", r.id) for r in rows]


def caseload_steps() -> list[tuple[str, str]]:
    """The step filter's choices: every working step code of the shipped models, labelled by its short
    label (models sharing a code share the choice), in model order."""
    seen: dict[str, str] = {}
    for model in available_step_models():
        for step in model.steps:
            seen.setdefault(step.code, step.short_label)
    return sorted(((label, code) for code, label in seen.items()), key=lambda item: item[1])

"""Derived follow-up tasks: which follow-ups should exist *now* for one citizen, computed from plain facts.

The engine is pure: facts in, a sorted tuple of :class:`DerivedTask` out. Every task has a stable ``key``
so the store can recompute idempotently (create missing keys, move open tasks whose due date changed,
drop open tasks whose key is gone, never touch done ones). Keys:

- ``monthly_contact`` — the project's rule (seeds 000 KE 7, 003 KE 4): a *personal* contact between the
  jobformidler and the citizen at least every ``follow_up_contact_interval_months`` months during the first
  ``follow_up_first_period_months`` of the current company course (virksomhedsforløb). Only the contacts in
  ``monthly_contact_dates`` count: which event kinds and staff roles make one is data
  (domain.follow_up_policy, ``assets/follow_up_policy.toml``); an SMS, or a contact by someone else, does not.
- ``no_show:<ISO date>`` — personal contact ``no_show_follow_up_working_days`` working days after an
  udeblivelse, until a personal contact on or after the no-show day exists.
- ``sub_goal:<id>`` — assess progression on a delmål every ``delmaal_review_weeks`` weeks.
- ``inactivity`` — opsøgende kontakt due ``inactivity_days_before_outreach`` days after the last contact
  while the citizen is in the project, or on the underretning route (the ordinary offer continues, seed 003)
  (a future task until then, so no daily sweep is needed to make it appear); left out while a
  ``monthly_contact`` task exists, the stricter cadence of the two. The project's rule, not law.
- ``lab31:<n>`` — the law: the n-th jobsamtale of the LAB § 31 minimum in the first
  ``jobsamtaler_period_months`` of the citizen's *benefit period* (from ``benefit_since``; only the next
  missing one is a task). It does not depend on the project or a route: a citizen whose benefit started
  longer ago than the period gets none; one on the underretning or rehab route keeps it while it runs.
- ``underretning`` — follow up the underretning ``underretning_follow_up_days`` days after the route was
  decided (``route_since``), until done (seed 003).
- ``rehab_preparation`` — prepare the case for the rehab team (the preparatory part of the
  rehabiliteringsplan) within ``rehab_preparation_days`` days of the route decision, until done (seeds 000,
  003). Both route tasks are one per route decision (occurrence: ``route_since``).
- ``consent_expiry:<consent id>`` — «Samtykke udløber»: from ``consent_expiry_warning_days`` before a
  consent's last day (``valid_until``), until it is renewed (a new ``valid_until`` is a new occurrence,
  not yet due) or withdrawn; a consent covered by a later-running one with the same categories or more
  makes none.
- ``stagnation`` (occurrence: the month looked at, ``stagnation@2026-10``) — the project's rule (seeds 000
  KE 9, 003 KE 6): in a company course, ordinary hours not rising for ``hours_not_rising_months`` months
  (:func:`hours_not_rising`, the one definition «Mine borgere» (F8) uses too) raises a task to renegotiate
  the agreement for more ordinary hours or consider another company, due
  ``stagnation_follow_up_working_days`` working days after the first day of the month. The hours are looked
  at again each month: an unbroken stretch of months without rise keeps its task (done stays done) and gets a
  new one every ``hours_not_rising_months`` months; rising hours (a new report) remove the open task.

Efterværn (aftercare) is not one of the derived rules above: its tasks (rule ``aftercare``, keys
``aftercare:<outcome id>:<n>``) are made once, by the action that records a self-supporting exit outcome
(:func:`aftercare_tasks`), and then live as ordinary tasks (the recompute never touches them). They depend
on one date only — the outcome's — so no sweep is needed for them.

All numbers come from :class:`Rules`; every due date is moved to the next working day by the
:class:`WorkdayCalendar`. A citizen neither in the project nor on a route gets only the event-driven
tasks (no-show, delmål, consent) and the law's (LAB § 31).

Time: the rules read ``today`` only as ``today >= b`` for a few *boundary* dates ``b`` of a citizen — the
day of each event (events after today are ignored), the project start, the benefit start and the end of
its LAB § 31 period, the company course start and the end of its first period (:func:`date_boundaries`),
the warning day of each consent (:func:`consent_boundary`), and — for a citizen in a company course — the
first day of each month (the stagnation rule compares last month's hours with earlier ones:
:func:`stagnation_months`, :func:`month_boundary_crossed`). The route rules never read ``today``
(their anchor is the route decision, with or without contacts before it). So a citizen's derived
tasks can differ between two days D1 < D2 only when one of those dates lies in (D1, D2]: the daily sweep
(store.actions.follow_up_sweep) recomputes exactly such citizens. Keep it so when adding a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.follow_up_policy import ROUTE_REHAB, ROUTE_UNDERRETNING, FollowUpPolicy
from aaben_raadgivning.domain.hours import add_months, format_hours, format_month, goal_minutes, month_start
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

# Bump when a rule's meaning changes (not its numbers: those are data): a database swept under another
# version recomputes every citizen once (store.follow_ups.sweep), so no task of the old rules lingers.
# 2: LAB § 31 from the benefit start; personal monthly contact; the rehab and underretning routes.
# 3: stagnation (ordinary hours not rising in a company course).
ENGINE_VERSION = "3"

# Rule codes (DerivedTask.rule).
RULE_MONTHLY_CONTACT = "monthly_contact"
RULE_NO_SHOW = "no_show"
RULE_SUB_GOAL = "sub_goal"
RULE_INACTIVITY = "inactivity"
RULE_LAB31 = "lab31"
RULE_CONSENT_EXPIRY = "consent_expiry"
RULE_UNDERRETNING = "underretning"
RULE_REHAB_PREPARATION = "rehab_preparation"
RULE_STAGNATION = "stagnation"
RULE_AFTERCARE = "aftercare"  # made once by the exit-outcome action, not derived (see the module text)

RULES_DERIVED = frozenset(
    {
        RULE_MONTHLY_CONTACT, RULE_NO_SHOW, RULE_SUB_GOAL, RULE_INACTIVITY, RULE_LAB31, RULE_CONSENT_EXPIRY,
        RULE_UNDERRETNING, RULE_REHAB_PREPARATION, RULE_STAGNATION,
    }
)  # fmt: skip

# Follow-up kind codes (reference.toml, [[follow_up_kinds]]).
KIND_PERSONAL = "personlig_kontakt"
KIND_OUTREACH = "opsoegende_kontakt"
KIND_SUB_GOAL = "delmaal_vurdering"
KIND_JOBSAMTALE = "jobsamtale"
KIND_MANUAL = "manuel"
KIND_CONSENT = "samtykke"
KIND_AFTERCARE = "eftervaern"
KIND_AGREEMENT = "aftaleopfoelgning"

# Whose rule a cadence task follows, at the end of its reason: the law's tasks say "(LAB § 31)"; the
# project's own (seeds' targets, not law) say so, so nobody takes them for the law.
PROJECT_LABEL = "projektets regel"
ORDINARY_OFFER_LABEL = "det ordinære tilbud efter underretning"

# What a contact must be to close a task of a rule when it is completed from the queue, so completing it
# really meets the rule (otherwise the rule would still be unmet while its task shows as done):
# "personal" = an event kind with personal = true, otherwise an event kind code. Other rules take any contact.
# The monthly contact asks for what the policy counts (kinds and roles): :func:`monthly_completion_problem`;
# "personal" is its nearest stand-in for a caller that only knows these two requirements.
COMPLETION_REQUIREMENTS = {RULE_NO_SHOW: "personal", RULE_LAB31: "jobsamtale", RULE_MONTHLY_CONTACT: "personal"}


@dataclass(frozen=True)
class CitizenFollowUpFacts:
    """Plain facts about one citizen, gathered by the store.

    - ``contact_dates``: dates of every contact event (event kinds with ``contact = true``); the inactivity
      rule counts from the latest.
    - ``monthly_contact_dates``: dates of the contacts that meet the monthly contact of a company course
      (personal, by a jobformidler: :meth:`MonthlyContactPolicy.counts`).
    - ``personal_contact_dates``: dates of the *personal* contacts (``personal = true``); these close a
      no-show follow-up when on or after the no-show day. (This is the "contacts after no-show" fact: the
      engine decides what counts as "after", so the store only lists personal contacts.)
    - ``jobsamtale_dates``: dates of jobsamtaler held.
    - ``active_sub_goals``: (delmål id, date of last assessment or of creation).
    - ``consents``: (consent id, day given, last valid day, category codes) of each consent neither withdrawn
      nor deleted.
    - ``benefit_since``: the first day of the citizen's current benefit period (None: unknown, or
      self-supporting); the LAB § 31 period counts from it.
    - ``route``: ``ROUTE_REHAB`` or ``ROUTE_UNDERRETNING`` when the citizen went on that route (domain.
      follow_up_policy maps visitation outcomes to routes), else ""; ``route_since``: the day it was decided.
    - ``in_company_course``: the citizen has an active agreement (virksomhedsforløb), with or without a start
      date; ``ordinary_minutes``: (month, ordinary minutes) of each month with hours reports, corrections
      applied, summed over the agreements (as store.queries.hours counts them).

    Dates after ``today`` (planned events) are ignored by every rule.
    """

    citizen_id: str
    today: date
    in_project: bool
    project_start: date | None = None
    contact_dates: tuple[date, ...] = ()
    jobsamtale_dates: tuple[date, ...] = ()
    company_course_start: date | None = None
    no_show_dates: tuple[date, ...] = ()
    personal_contact_dates: tuple[date, ...] = ()
    active_sub_goals: tuple[tuple[str, date], ...] = ()
    consents: tuple[tuple[str, date, date, frozenset[str]], ...] = ()
    monthly_contact_dates: tuple[date, ...] = ()
    benefit_since: date | None = None
    route: str = ""
    route_since: date | None = None
    in_company_course: bool = False
    ordinary_minutes: tuple[tuple[date, int], ...] = ()


@dataclass(frozen=True)
class DerivedTask:
    """``occurrence`` is the date a recurring rule counts from (last contact, last assessment); a new
    anchor is a new occurrence of the same rule, so a task completed for one occurrence stays done while
    the next occurrence becomes a new task. One-off keys (``no_show:<date>``, ``lab31:<n>``) have none."""

    key: str
    rule: str
    kind: str
    due: date
    reason: str
    occurrence: str = ""

    @property
    def store_key(self) -> str:
        """The key a stored task is found by: ``key`` plus ``@occurrence`` for recurring rules."""
        return f"{self.key}@{self.occurrence}" if self.occurrence else self.key


def add_period(start: date, months: int) -> date:
    """The first day after a period of ``months`` calendar months from ``start`` (31.01 + 1 → 28.02)."""
    return start + relativedelta(months=months)


def date_boundaries(
    project_start: date | None,
    course_starts: tuple[date, ...],
    rules: Rules,
    *,
    benefit_since: date | None = None,
) -> tuple[date, ...]:
    """The dates other than event days on which a citizen's derived tasks can change as days pass: the
    project start (the inactivity rule counts from it); the benefit start and the end of its LAB § 31
    period; each possible company course start and the end of its first period (the monthly-contact rule
    ends, the inactivity rule takes over)."""
    found: list[date] = []
    if project_start is not None:
        found.append(project_start)
    if benefit_since is not None:
        found += [benefit_since, lab31_period_end(benefit_since, rules)]
    for start in course_starts:
        found += [start, add_period(start, rules.follow_up_first_period_months)]
    return tuple(found)


def lab31_period_end(benefit_since: date, rules: Rules) -> date:
    """The first day after the LAB § 31 period of a benefit period that started on ``benefit_since``."""
    return add_period(benefit_since, rules.jobsamtaler_period_months)


def consent_boundary(valid_until: date, rules: Rules) -> date:
    """The day a consent's «Samtykke udløber» task appears (and is due): the warning days before its end."""
    return valid_until - timedelta(days=rules.consent_expiry_warning_days)


def stagnation_months(today: date, rules: Rules) -> tuple[date, date]:
    """(last month, the month ``hours_not_rising_months`` before it), as first days: the two months whose
    ordinary hours :func:`hours_not_rising` compares on ``today``. They change only on the 1st of a month."""
    last = add_months(month_start(today), -1)
    return last, add_months(last, -rules.hours_not_rising_months)


def hours_not_rising(last_minutes: Any, base_minutes: Any, goal: Any) -> tuple[Any, Any]:
    """The definition of «ordinary hours not rising» (seeds 000 KE 9, 003 KE 6), as the conditions that must
    all hold: last month's ordinary minutes are below the goal (minutes) and not above those of the base month
    (:func:`stagnation_months`; a month without reports counts 0). It holds only for a citizen in a company
    course with a report for the base month or earlier (the course has run long enough to judge).

    Written with plain comparisons so the same definition works on numbers (the follow-up rule: ``all(...)``)
    and on SQL column expressions (the «Mine borgere» flag, F8: ``and_(...)``)."""
    return last_minutes < goal, last_minutes <= base_minutes


def month_boundary_crossed(lo: date, hi: date) -> bool:
    """Whether the first day of some month lies in (lo, hi]: the stagnation rule may then differ."""
    return lo < month_start(hi)


def _past(dates: tuple[date, ...], today: date) -> list[date]:
    return sorted(d for d in dates if d <= today)


def _monthly_contact(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    start = facts.company_course_start
    if start is None:
        return []
    # A course that starts later already has its first contact due a month after the start, so the task
    # exists without waiting for something else to trigger a recompute on the day the course begins.
    period_end = add_period(start, rules.follow_up_first_period_months)
    if facts.today >= period_end:
        return []
    contacts = [d for d in _past(facts.monthly_contact_dates, facts.today) if d >= start]
    anchor = contacts[-1] if contacts else start
    raw_due = anchor + relativedelta(months=rules.follow_up_contact_interval_months)
    if raw_due >= period_end:
        return []  # the next contact would fall after the first period: ordinary contact course then
    months = rules.follow_up_first_period_months
    if contacts:
        why = f"Sidste personlige kontakt {format_date(anchor)}"
    elif start > facts.today:
        why = f"Virksomhedsforløbet starter {format_date(start)}"
    else:
        why = f"Ingen personlig kontakt siden start i virksomhedsforløb {format_date(start)}"
    interval = rules.follow_up_contact_interval_months
    cadence = "mindst månedlig" if interval == 1 else f"mindst hver {interval}. måned"
    reason = (
        f"{why} — personlig kontakt med jobformidler {cadence} i de første {months} måneder af "
        f"virksomhedsforløbet ({PROJECT_LABEL})"
    )
    due = cal.next_working_day(raw_due)
    return [DerivedTask(RULE_MONTHLY_CONTACT, RULE_MONTHLY_CONTACT, KIND_PERSONAL, due, reason, anchor.isoformat())]


def _no_shows(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    personal = _past(facts.personal_contact_dates, facts.today)
    tasks = []
    n = rules.no_show_follow_up_working_days
    for no_show in sorted(set(_past(facts.no_show_dates, facts.today))):
        if any(d >= no_show for d in personal):
            continue
        due = cal.next_working_day(cal.add_working_days(no_show, n))
        when = "samme dag" if n == 0 else f"inden for {n} arbejdsdag{'e' if n != 1 else ''}"
        reason = (
            f"Udeblivelse {format_date(no_show)} — personlig kontakt {when} "
            "(hurtig personlig opfølgning); ingen personlig kontakt siden"
        )
        tasks.append(DerivedTask(f"{RULE_NO_SHOW}:{no_show.isoformat()}", RULE_NO_SHOW, KIND_PERSONAL, due, reason))
    return tasks


def _sub_goals(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    latest: dict[str, date] = {}
    for goal_id, last in facts.active_sub_goals:
        if goal_id not in latest or last > latest[goal_id]:
            latest[goal_id] = last
    weeks = rules.delmaal_review_weeks
    tasks = []
    for goal_id, last in latest.items():
        due = cal.next_working_day(last + timedelta(weeks=weeks))
        reason = f"Delmål sidst vurderet {format_date(last)} — progression vurderes hver {weeks}. uge"
        key = f"{RULE_SUB_GOAL}:{goal_id}"
        tasks.append(DerivedTask(key, RULE_SUB_GOAL, KIND_SUB_GOAL, due, reason, last.isoformat()))
    return tasks


def _inactivity(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    contacts = _past(facts.contact_dates, facts.today)
    on_route = facts.route == ROUTE_UNDERRETNING and not facts.in_project
    if contacts:
        anchor, why = contacts[-1], f"Sidste kontakt {format_date(contacts[-1])}"
    elif on_route and facts.route_since is not None:
        # The route decision is the anchor whatever today is (no boundary date: see the module text).
        anchor, why = facts.route_since, f"Ingen kontakt siden underretningen {format_date(facts.route_since)}"
    elif facts.project_start is not None and facts.project_start <= facts.today:
        anchor, why = facts.project_start, f"Ingen kontakt siden start i projektet {format_date(facts.project_start)}"
    else:
        return []
    days = rules.inactivity_days_before_outreach
    due = cal.next_working_day(anchor + timedelta(days=days))
    whose = ORDINARY_OFFER_LABEL if on_route else PROJECT_LABEL
    reason = f"{why} — opsøgende kontakt efter {days} dage uden kontakt ({whose})"
    return [DerivedTask(RULE_INACTIVITY, RULE_INACTIVITY, KIND_OUTREACH, due, reason, anchor.isoformat())]


def _lab31(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    """The law, in the first months of the benefit period (not of the project)."""
    start = facts.benefit_since
    minimum = rules.jobsamtaler_minimum
    if start is None or start > facts.today or minimum == 0:
        return []
    months = rules.jobsamtaler_period_months
    period_end = lab31_period_end(start, rules)  # first day after the period
    if facts.today >= period_end:
        return []
    held = [d for d in _past(facts.jobsamtale_dates, facts.today) if d >= start]
    if len(held) >= minimum:
        return []
    number = len(held) + 1
    if not held:
        days = rules.first_jobsamtale_within_days
        raw_due = start + timedelta(days=days)
        reason = f"Ydelse siden {format_date(start)} — første jobsamtale inden for {days} dage (LAB § 31)"
    else:
        # Spread the remaining samtaler evenly over what is left of the period (last day = period_end - 1).
        last_day = period_end - timedelta(days=1)
        remaining = minimum - len(held)
        step = max((last_day - held[-1]).days // remaining, 0)
        raw_due = held[-1] + timedelta(days=step)
        reason = (
            f"{len(held)} af {minimum} jobsamtaler holdt, sidst {format_date(held[-1])} — "
            f"mindst {minimum} jobsamtaler i ydelsens første {months} måneder, senest {format_date(last_day)} "
            "(LAB § 31)"
        )
    due = cal.next_working_day(raw_due)
    return [DerivedTask(f"{RULE_LAB31}:{number}", RULE_LAB31, KIND_JOBSAMTALE, due, reason)]


def _route_task(facts: CitizenFollowUpFacts, route: str, rule: str, days: int, what: str,
                cal: WorkdayCalendar) -> list[DerivedTask]:  # fmt: skip
    """The one task of a route out of the project, ``days`` after the decision (one occurrence per decision)."""
    if facts.route != route or facts.route_since is None:
        return []
    due = cal.next_working_day(facts.route_since + timedelta(days=days))
    reason = what.format(since=format_date(facts.route_since), days=days)
    return [DerivedTask(rule, rule, KIND_MANUAL, due, reason, facts.route_since.isoformat())]


def _underretning(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    """Seed 003: after an underretning to the social administration, check that it was received and that
    relevant efforts were started; the citizen keeps the ordinary offer meanwhile."""
    what = (
        "Underretning til socialforvaltningen {since} — følg op på, om relevante indsatser er sat i gang "
        "(inden for {days} dage); borgeren fortsætter i det ordinære tilbud"
    )
    return _route_task(facts, ROUTE_UNDERRETNING, RULE_UNDERRETNING, rules.underretning_follow_up_days, what, cal)


def _rehab_preparation(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    """Seeds 000 and 003: the case goes to the rehab team; start the preparatory part of the
    rehabiliteringsplan as soon as possible."""
    what = (
        "Sendt til rehabiliteringsteamet {since} — forbered sagen: rehabiliteringsplanens forberedende del "
        "(inden for {days} dage)"
    )
    return _route_task(facts, ROUTE_REHAB, RULE_REHAB_PREPARATION, rules.rehab_preparation_days, what, cal)


def _stalled_on(month: date, totals: dict[date, int], rules: Rules, goal: int) -> tuple[date, date, int, int] | None:
    """(last month, base month, their ordinary minutes) when the hours are not rising as seen in ``month``
    (a first day), else None: no report for the base month or earlier, or the hours rose."""
    last, base = stagnation_months(month, rules)
    if not any(reported <= base for reported in totals):
        return None  # the course has not run long enough to judge
    minutes = totals.get(last, 0), totals.get(base, 0)
    return (last, base, *minutes) if all(hours_not_rising(*minutes, goal)) else None


def stagnation_key(ordinary_minutes: tuple[tuple[date, int], ...], today: date, rules: Rules) -> str | None:
    """The store key of the stagnation task a citizen in a company course (and in the project) has on ``today``,
    or None: what the daily sweep compares between two days to find whose task changes at a month start."""
    facts = CitizenFollowUpFacts("", today, in_project=True, in_company_course=True, ordinary_minutes=ordinary_minutes)
    return next((task.store_key for task in _stagnation(facts, rules, WorkdayCalendar())), None)


def _stagnation(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    """Seeds 000 KE 9 and 003 KE 6: progression towards more ordinary hours; between courses the agreement is
    renegotiated, and without a prospect of ordinary hours another company is considered.

    One task per ``hours_not_rising_months`` months of an unbroken stretch of months in which the hours are
    not rising (seen on the 1st of each month): the task of the stretch's first month stays — same key, due
    date and text — while it lasts, so a task done stays done; after as many months again without rise, a new
    one. ``today`` is read only through its month (boundary: the 1st)."""
    if not facts.in_company_course:
        return []
    totals = dict(facts.ordinary_minutes)
    goal = goal_minutes(rules.ordinary_hours_goal)
    month = month_start(facts.today)
    if _stalled_on(month, totals, rules, goal) is None:
        return []
    first = month  # the first month of the stretch (bounded: no stretch starts before the first report)
    while _stalled_on(add_months(first, -1), totals, rules, goal) is not None:
        first = add_months(first, -1)
    months = rules.hours_not_rising_months
    elapsed = (month.year - first.year) * 12 + month.month - first.month
    raised = add_months(first, elapsed - elapsed % months)  # the month this stretch's current task belongs to
    seen = _stalled_on(raised, totals, rules, goal)
    assert seen is not None  # every month of the stretch is stalled
    last_month, base_month, last, base = seen
    reason = (
        f"Ordinære timer ikke steget i {months} måned{'er' if months != 1 else ''}: {format_hours(last)} t i "
        f"{format_month(last_month)} mod {format_hours(base)} t i {format_month(base_month)} (mål "
        f"{format_hours(goal)} t) — genforhandl aftalen om flere ordinære timer, eller overvej en anden "
        f"virksomhed ({PROJECT_LABEL})"
    )
    due = cal.next_working_day(cal.add_working_days(raised, rules.stagnation_follow_up_working_days))
    occurrence = last_month.isoformat()[:7]
    return [DerivedTask(RULE_STAGNATION, RULE_STAGNATION, KIND_AGREEMENT, due, reason, occurrence)]


def _consent_expiry(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    tasks = []
    days = rules.consent_expiry_warning_days
    for consent_id, given_on, valid_until, categories in facts.consents:
        if any(
            other_id != consent_id and other_until > valid_until and other_categories >= categories
            for other_id, _, other_until, other_categories in facts.consents
        ):
            continue  # a consent running longer covers it: renewing that one is what matters
        warn = consent_boundary(valid_until, rules)
        if facts.today < warn:
            continue
        # The text reads the same before and after the last day: only ``today >= warn`` may depend on the date.
        reason = (
            f"Samtykket gælder til {format_date(valid_until)} — tal med borgeren om at forny det, eller lad det "
            f"udløbe (opgaven kommer {days} dage før)"
        )
        key = f"{RULE_CONSENT_EXPIRY}:{consent_id}"
        due = cal.next_working_day(max(warn, given_on))  # a short consent: due from the day it was given
        tasks.append(DerivedTask(key, RULE_CONSENT_EXPIRY, KIND_CONSENT, due, reason, valid_until.isoformat()))
    return tasks


def derive_tasks(
    facts: CitizenFollowUpFacts, rules: Rules, calendar: WorkdayCalendar, *, lab31: bool = True
) -> tuple[DerivedTask, ...]:
    """The follow-up tasks that should currently exist for the citizen, sorted by due date, then key.

    The project's cadence rules (monthly contact, inactivity) and its stagnation rule apply while the citizen
    is in the project; on
    the underretning route the ordinary offer continues (inactivity) and the underretning is followed up;
    on the rehab route the case is prepared for the rehab team. The law's rule (LAB § 31) follows the
    benefit period whatever the route; the event-driven ones (a no-show to follow up, a delmål to assess, a
    consent running out) apply whenever their facts exist."""
    tasks = [
        *_no_shows(facts, rules, calendar),
        *_sub_goals(facts, rules, calendar),
        *_consent_expiry(facts, rules, calendar),
    ]
    if facts.in_project:
        monthly = _monthly_contact(facts, rules, calendar)
        tasks.extend(monthly)
        if not monthly:  # the monthly contact of a company course is the stricter cadence of the two
            tasks.extend(_inactivity(facts, rules, calendar))
        tasks.extend(_stagnation(facts, rules, calendar))
    elif facts.route == ROUTE_UNDERRETNING:
        tasks.extend(_inactivity(facts, rules, calendar))
        tasks.extend(_underretning(facts, rules, calendar))
    elif facts.route == ROUTE_REHAB:
        tasks.extend(_rehab_preparation(facts, rules, calendar))
    if lab31:
        tasks.extend(_lab31(facts, rules, calendar))
    return tuple(sorted(tasks, key=lambda task: (task.due, task.key)))


def aftercare_tasks(outcome_id: str, start: date, rules: Rules, calendar: WorkdayCalendar) -> tuple[DerivedTask, ...]:
    """Efterværn after a self-supporting exit outcome on ``start``: a contact every
    ``aftercare_interval_months`` months until ``aftercare_months`` months have passed (Slagelse, seed 004:
    coaching in the first 3 months; monthly by default). Keys ``aftercare:<outcome id>:<n>``; each due date
    moved to the next working day. None when ``aftercare_months`` is 0."""
    interval, months = rules.aftercare_interval_months, rules.aftercare_months
    tasks = []
    for number, offset in enumerate(range(interval, months + 1, interval), start=1):
        due = calendar.next_working_day(add_period(start, offset))
        reason = (
            f"Efterværn {number} — selvforsørgende fra {format_date(start)}; kontakt mindst "
            f"{'hver måned' if interval == 1 else f'hver {interval}. måned'} i de første {months} måneder"
        )
        tasks.append(
            DerivedTask(f"{RULE_AFTERCARE}:{outcome_id}:{number}", RULE_AFTERCARE, KIND_AFTERCARE, due, reason)
        )
    return tuple(tasks)


def monthly_completion_problem(
    kind: str, role: str | None, *, by_assigned_jobformidler: bool, policy: FollowUpPolicy
) -> str | None:
    """Danish message when completing a ``monthly_contact`` task with a contact of event kind ``kind``, made
    by a staff member with ``role``, would not meet the rule (the task would show as done while the rule is
    still unmet); None when it does. ``by_assigned_jobformidler``: the staff member is the citizen's own
    jobformidler. Seeds 000 KE 7 and 003 KE 4; the kinds and roles are data (follow_up_policy.toml)."""
    monthly = policy.monthly_contact
    if kind not in monthly.event_kinds:
        labels = load_reference().event_kinds
        allowed = ", ".join(sorted(labels.label(code).lower() for code in monthly.event_kinds))
        return f"Den månedlige kontakt skal være personlig: vælg en af {allowed}."
    if not monthly.counts(kind, role, by_assigned_jobformidler=by_assigned_jobformidler):
        return "Den månedlige kontakt skal være mellem borgeren og jobformidleren; bed jobformidleren om at tage den."
    return None

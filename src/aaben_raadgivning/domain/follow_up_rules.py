"""Derived follow-up tasks: which follow-ups should exist *now* for one citizen, computed from plain facts.

The engine is pure: facts in, a sorted tuple of :class:`DerivedTask` out. Every task has a stable ``key``
so the store can recompute idempotently (create missing keys, move open tasks whose due date changed,
drop open tasks whose key is gone, never touch done ones). Keys:

- ``monthly_contact`` — contact at least every ``follow_up_contact_interval_months`` months during the
  first ``follow_up_first_period_months`` of the current company course (virksomhedsforløb).
- ``no_show:<ISO date>`` — personal contact ``no_show_follow_up_working_days`` working days after an
  udeblivelse, until a personal contact on or after the no-show day exists.
- ``sub_goal:<id>`` — assess progression on a delmål every ``delmaal_review_weeks`` weeks.
- ``inactivity`` — opsøgende kontakt due ``inactivity_days_before_outreach`` days after the last contact
  while the citizen is in the project (a future task until then, so no daily sweep is needed to make it
  appear); left out while a ``monthly_contact`` task exists, the stricter cadence of the two.
- ``lab31:<n>`` — the n-th jobsamtale of the LAB § 31 minimum (only the next missing one is a task).
- ``consent_expiry:<consent id>`` — «Samtykke udløber»: from ``consent_expiry_warning_days`` before a
  consent's last day (``valid_until``), until it is renewed (a new ``valid_until`` is a new occurrence,
  not yet due) or withdrawn; a consent covered by a later-running one with the same categories or more
  makes none.

Efterværn (aftercare) is not one of the derived rules above: its tasks (rule ``aftercare``, keys
``aftercare:<outcome id>:<n>``) are made once, by the action that records a self-supporting exit outcome
(:func:`aftercare_tasks`), and then live as ordinary tasks (the recompute never touches them). They depend
on one date only — the outcome's — so no sweep is needed for them.

All numbers come from :class:`Rules`; every due date is moved to the next working day by the
:class:`WorkdayCalendar`. A citizen not in the project gets only the event-driven tasks (no-show, delmål).

Time: the rules read ``today`` only as ``today >= b`` for a few *boundary* dates ``b`` of a citizen — the
day of each event (events after today are ignored), the project start and the end of its LAB § 31 period,
the company course start and the end of its first period (:func:`date_boundaries`), and the warning day
of each consent (:func:`consent_boundary`). So a citizen's derived
tasks can differ between two days D1 < D2 only when one of those dates lies in (D1, D2]: the daily sweep
(store.actions.follow_up_sweep) recomputes exactly such citizens. Keep it so when adding a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

# Rule codes (DerivedTask.rule).
RULE_MONTHLY_CONTACT = "monthly_contact"
RULE_NO_SHOW = "no_show"
RULE_SUB_GOAL = "sub_goal"
RULE_INACTIVITY = "inactivity"
RULE_LAB31 = "lab31"
RULE_CONSENT_EXPIRY = "consent_expiry"
RULE_AFTERCARE = "aftercare"  # made once by the exit-outcome action, not derived (see the module text)

RULES_DERIVED = frozenset(
    {RULE_MONTHLY_CONTACT, RULE_NO_SHOW, RULE_SUB_GOAL, RULE_INACTIVITY, RULE_LAB31, RULE_CONSENT_EXPIRY}
)

# Follow-up kind codes (reference.toml, [[follow_up_kinds]]).
KIND_PERSONAL = "personlig_kontakt"
KIND_OUTREACH = "opsoegende_kontakt"
KIND_SUB_GOAL = "delmaal_vurdering"
KIND_JOBSAMTALE = "jobsamtale"
KIND_MANUAL = "manuel"
KIND_CONSENT = "samtykke"
KIND_AFTERCARE = "eftervaern"

# What a contact must be to close a task of a rule when it is completed from the queue, so completing it
# really meets the rule (otherwise the rule would still be unmet while its task shows as done):
# "personal" = an event kind with personal = true, otherwise an event kind code. Other rules take any contact.
COMPLETION_REQUIREMENTS = {RULE_NO_SHOW: "personal", RULE_LAB31: "jobsamtale"}


@dataclass(frozen=True)
class CitizenFollowUpFacts:
    """Plain facts about one citizen, gathered by the store.

    - ``contact_dates``: dates of every contact event (event kinds with ``contact = true``).
    - ``personal_contact_dates``: dates of the *personal* contacts (``personal = true``); these close a
      no-show follow-up when on or after the no-show day. (This is the "contacts after no-show" fact: the
      engine decides what counts as "after", so the store only lists personal contacts.)
    - ``jobsamtale_dates``: dates of jobsamtaler held.
    - ``active_sub_goals``: (delmål id, date of last assessment or of creation).
    - ``consents``: (consent id, day given, last valid day, category codes) of each consent neither withdrawn
      nor deleted.

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


def date_boundaries(project_start: date | None, course_starts: tuple[date, ...], rules: Rules) -> tuple[date, ...]:
    """The dates other than event days on which a citizen's derived tasks can change as days pass: the
    project start and the end of its LAB § 31 period; each possible company course start and the end of
    its first period (the monthly-contact rule ends, the inactivity rule takes over)."""
    found: list[date] = []
    if project_start is not None:
        found += [project_start, add_period(project_start, rules.jobsamtaler_period_months)]
    for start in course_starts:
        found += [start, add_period(start, rules.follow_up_first_period_months)]
    return tuple(found)


def consent_boundary(valid_until: date, rules: Rules) -> date:
    """The day a consent's «Samtykke udløber» task appears (and is due): the warning days before its end."""
    return valid_until - timedelta(days=rules.consent_expiry_warning_days)


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
    contacts = [d for d in _past(facts.contact_dates, facts.today) if d >= start]
    anchor = contacts[-1] if contacts else start
    raw_due = anchor + relativedelta(months=rules.follow_up_contact_interval_months)
    if raw_due >= period_end:
        return []  # the next contact would fall after the first period: ordinary contact course then
    months = rules.follow_up_first_period_months
    if contacts:
        why = f"Sidste kontakt {format_date(anchor)}"
    elif start > facts.today:
        why = f"Virksomhedsforløbet starter {format_date(start)}"
    else:
        why = f"Ingen kontakt siden start i virksomhedsforløb {format_date(start)}"
    interval = rules.follow_up_contact_interval_months
    cadence = "mindst månedlig kontakt" if interval == 1 else f"kontakt mindst hver {interval}. måned"
    reason = f"{why} — {cadence} i de første {months} måneder af virksomhedsforløbet"
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
    if contacts:
        anchor, why = contacts[-1], f"Sidste kontakt {format_date(contacts[-1])}"
    elif facts.project_start is not None and facts.project_start <= facts.today:
        anchor, why = facts.project_start, f"Ingen kontakt siden start i projektet {format_date(facts.project_start)}"
    else:
        return []
    days = rules.inactivity_days_before_outreach
    due = cal.next_working_day(anchor + timedelta(days=days))
    reason = f"{why} — opsøgende kontakt efter {days} dage uden kontakt"
    return [DerivedTask(RULE_INACTIVITY, RULE_INACTIVITY, KIND_OUTREACH, due, reason, anchor.isoformat())]


def _lab31(facts: CitizenFollowUpFacts, rules: Rules, cal: WorkdayCalendar) -> list[DerivedTask]:
    start = facts.project_start
    minimum = rules.jobsamtaler_minimum
    if start is None or start > facts.today or minimum == 0:
        return []
    months = rules.jobsamtaler_period_months
    period_end = add_period(start, months)  # first day after the period
    if facts.today >= period_end:
        return []
    held = [d for d in _past(facts.jobsamtale_dates, facts.today) if d >= start]
    if len(held) >= minimum:
        return []
    number = len(held) + 1
    if not held:
        days = rules.first_jobsamtale_within_days
        raw_due = start + timedelta(days=days)
        reason = f"Start i projektet {format_date(start)} — første jobsamtale inden for {days} dage (LAB § 31)"
    else:
        # Spread the remaining samtaler evenly over what is left of the period (last day = period_end - 1).
        last_day = period_end - timedelta(days=1)
        remaining = minimum - len(held)
        step = max((last_day - held[-1]).days // remaining, 0)
        raw_due = held[-1] + timedelta(days=step)
        reason = (
            f"{len(held)} af {minimum} jobsamtaler holdt, sidst {format_date(held[-1])} — "
            f"mindst {minimum} jobsamtaler i de første {months} måneder senest {format_date(last_day)} (LAB § 31)"
        )
    due = cal.next_working_day(raw_due)
    return [DerivedTask(f"{RULE_LAB31}:{number}", RULE_LAB31, KIND_JOBSAMTALE, due, reason)]


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

    The cadence rules (monthly contact, inactivity, LAB § 31) apply only while the citizen is in the project;
    the event-driven ones (a no-show to follow up, a delmål to assess, a consent running out) apply whenever
    their facts exist."""
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

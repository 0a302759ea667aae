"""Gather the plain facts the follow-up engine (domain.follow_up_rules) works on, for one citizen.

Seven small indexed queries: the citizen row (primary key), the citizen's relevant events
(ix_events_citizen_occurred), the active delmål (sub_goals.citizen_id), the citizen's agreements
(agreements.citizen_id), the consents neither withdrawn nor deleted (consents.citizen_id), the roles of
the staff who recorded the monthly-contact candidates (staff primary key) and, for citizens in a company
course only, the hours reports up to last month (ix_hours_reports_citizen_month; corrections applied as
store.queries.hours counts them: the stagnation rule). Event kinds are read from
reference.toml: ``contact = true`` counts as contact, ``personal = true`` as personal contact;
``udeblivelse`` is a no-show and ``jobsamtale`` a jobsamtale. What counts as the monthly contact of a
company course (event kinds, and the recorder's role or being the citizen's jobformidler) is
follow_up_policy.toml's. A corrected event counts as its correction (the original is left out).

The route (rehab, underretning) is the citizen's ``route`` mapped by the policy; its day is the day the
citizen moved to the terminal step (``step_since``, written with the route), else the day the record was
made. The benefit period starts on ``benefit_since``, unless the citizen is self-supporting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date, to_local
from aaben_raadgivning.domain.codes import AgreementStatus, EventKind, SubGoalStatus
from aaben_raadgivning.domain.consent import split_categories
from aaben_raadgivning.domain.follow_up_policy import load_policy
from aaben_raadgivning.domain.follow_up_rules import CitizenFollowUpFacts
from aaben_raadgivning.domain.hours import add_months, month_start
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.models import Agreement, Citizen, Consent, Event, HoursReport, Staff, SubGoal
from aaben_raadgivning.store.records import citizen_model

ACTIVE_AGREEMENT = AgreementStatus.AKTIV


def _kinds() -> tuple[frozenset[str], frozenset[str]]:
    terms = load_reference().event_kinds.terms
    return frozenset(t.code for t in terms if t.contact), frozenset(t.code for t in terms if t.personal)


def dated_kinds() -> frozenset[str]:
    """The event kinds whose *day* a rule compares with today (contacts, personal contacts, no-shows,
    jobsamtaler): such an event counts only from its day on, so it can change the tasks as days pass."""
    contact_kinds, personal_kinds = _kinds()
    monthly_kinds = load_policy().monthly_contact.event_kinds
    return contact_kinds | personal_kinds | monthly_kinds | {EventKind.UDEBLIVELSE, EventKind.JOBSAMTALE}


def in_project(citizen: Citizen) -> bool:
    """In the project: visitated in (project start set), not gone on another route (rehab, underretning),
    not self-supporting and not at the step model's terminal step."""
    if citizen.deleted_at is not None or citizen.project_start is None or citizen.route or citizen.self_supporting:
        return False
    if citizen.step:
        try:
            if citizen_model(citizen).step(citizen.step).terminal:
                return False
        except (KeyError, ValueError):
            return True
    return True


def _course_starts(rows) -> date | None:
    """The start of the current company course from one citizen's agreements: among active agreements, the
    earliest start date in each one's version chain (a renegotiation is the same course); the most recent
    such course wins."""
    by_id = {row.id: row for row in rows}
    starts: list[date] = []
    for row in rows:
        if row.status != ACTIVE_AGREEMENT:
            continue
        earliest, seen, current = row.start_date, set(), row
        while current.previous_id and current.previous_id in by_id and current.id not in seen:
            seen.add(current.id)
            current = by_id[current.previous_id]
            if current.start_date and (earliest is None or current.start_date < earliest):
                earliest = current.start_date
        if earliest is not None:
            starts.append(earliest)
    return max(starts) if starts else None


def company_course_start(session: Session, citizen_id: str) -> date | None:
    return _course_starts(_agreements(session, [citizen_id]).get(citizen_id, []))


def _agreements(session: Session, citizen_ids: list[str]) -> dict[str, list]:
    rows = session.execute(
        select(Agreement.citizen_id, Agreement.id, Agreement.previous_id, Agreement.status, Agreement.start_date).where(
            Agreement.citizen_id.in_(citizen_ids), Agreement.deleted_at.is_(None)
        )
    ).all()
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.citizen_id, []).append(row)
    return found


def gather_facts(session: Session, citizen: Citizen, today: date) -> CitizenFollowUpFacts:
    return gather_many(session, [citizen], today)[0]


def gather_many(session: Session, citizens: list[Citizen], today: date) -> list[CitizenFollowUpFacts]:
    """The facts of several citizens with one query per table (the demo and benchmarks use chunks of them)."""
    ids = [c.id for c in citizens]
    contact_kinds, personal_kinds = _kinds()
    monthly_kinds = load_policy().monthly_contact.event_kinds
    wanted = dated_kinds() | {EventKind.DELMAAL}
    events: dict[str, list] = {}
    makers: set[str] = set()
    for e in session.execute(
        select(
            Event.citizen_id, Event.id, Event.kind, Event.occurred_at, Event.corrects_id, Event.subject_id,
            Event.staff_id,
        ).where(
            Event.citizen_id.in_(ids),
            or_(Event.kind.in_(wanted), Event.subject_id.is_not(None), Event.corrects_id.is_not(None)),
        )
    ):  # fmt: skip
        events.setdefault(e.citizen_id, []).append(e)
        if e.kind in monthly_kinds and e.staff_id is not None:
            makers.add(e.staff_id)
    roles = _roles(session, makers)
    goals: dict[str, list] = {}
    for g in session.execute(
        select(SubGoal.citizen_id, SubGoal.id, SubGoal.created_at).where(
            SubGoal.citizen_id.in_(ids), SubGoal.status == SubGoalStatus.AKTIV, SubGoal.deleted_at.is_(None)
        )
    ):
        goals.setdefault(g.citizen_id, []).append(g)
    agreements = _agreements(session, ids)
    consents = _consents(session, ids)
    in_course = {c for c, rows in agreements.items() if any(row.status == ACTIVE_AGREEMENT for row in rows)}
    hours = ordinary_minutes(session, in_course, today)
    return [
        replace(
            _facts(c, today, events.get(c.id, []), goals.get(c.id, []), _course_starts(agreements.get(c.id, [])),
                   contact_kinds, personal_kinds),
            consents=tuple(sorted(consents.get(c.id, []), key=lambda row: (row[2], row[0]))),
            monthly_contact_dates=_monthly_contact_dates(c, events.get(c.id, []), roles),
            in_company_course=c.id in in_course,
            ordinary_minutes=hours.get(c.id, ()),
        )
        for c in citizens
    ]  # fmt: skip


def ordinary_minutes(session: Session, citizen_ids: set[str], today: date) -> dict[str, tuple[tuple[date, int], ...]]:
    """Per citizen: (month, ordinary minutes) of each month up to last month with reports, the current report
    per agreement and month counted, summed over the agreements. The current report is the head of its
    correction chain, the later recorded (then the id) winning — store.queries.hours.current_reports' rule,
    repeated here because the follow-ups sit below the queries (no import cycle)."""
    last_month = add_months(month_start(today), -1)  # the rule never looks at the month in progress
    found: dict[str, tuple[tuple[date, int], ...]] = {}
    ordered = sorted(citizen_ids)
    for start in range(0, len(ordered), 500):
        rows = session.execute(
            select(
                HoursReport.citizen_id, HoursReport.id, HoursReport.agreement_id, HoursReport.month,
                HoursReport.ordinary_minutes, HoursReport.recorded_at, HoursReport.corrects_id,
            ).where(HoursReport.citizen_id.in_(ordered[start : start + 500]), HoursReport.month <= last_month)
        ).all()  # fmt: skip
        corrected = {row.corrects_id for row in rows if row.corrects_id}
        heads: dict[tuple[str, str, date], Any] = {}
        for row in rows:
            if row.id in corrected:
                continue
            key = (row.citizen_id, row.agreement_id, row.month)
            best = heads.get(key)
            if best is None or (row.recorded_at, row.id) > (best.recorded_at, best.id):
                heads[key] = row
        totals: dict[str, dict[date, int]] = {}
        for (citizen_id, _agreement, month), row in heads.items():
            per_month = totals.setdefault(citizen_id, {})
            per_month[month] = per_month.get(month, 0) + row.ordinary_minutes
        found.update((citizen_id, tuple(sorted(months.items()))) for citizen_id, months in totals.items())
    return found


def _roles(session: Session, staff_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(staff_ids)
    for start in range(0, len(ordered), 500):
        rows = session.execute(select(Staff.id, Staff.role).where(Staff.id.in_(ordered[start : start + 500])))
        found.update((row.id, row.role) for row in rows)
    return found


def _monthly_contact_dates(citizen: Citizen, events: list, roles: dict[str, str]) -> tuple[date, ...]:
    """The days of the contacts that meet the monthly contact of a company course (follow_up_policy.toml:
    a personal contact by a jobformidler, or by the citizen's own jobformidler)."""
    policy = load_policy().monthly_contact
    corrected = {e.corrects_id for e in events if e.corrects_id}
    days = {
        to_local(e.occurred_at).date()
        for e in events
        if e.id not in corrected
        and policy.counts(
            e.kind,
            roles.get(e.staff_id) if e.staff_id else None,
            by_assigned_jobformidler=e.staff_id is not None and e.staff_id == citizen.jobformidler_id,
        )
    }
    return tuple(sorted(days))


def route_of(citizen: Citizen) -> tuple[str, date | None]:
    """(route kind, the day it was decided) of a citizen; ("", None) when on no route (follow_up_policy.toml
    maps the visitation outcome in ``citizen.route`` to a route kind)."""
    kind = load_policy().route_kind(citizen.route)
    if not kind:
        return "", None
    return kind, citizen.step_since or local_date(citizen.created_at)


def _consents(session: Session, citizen_ids: list[str]) -> dict[str, list[tuple[str, date, date, frozenset[str]]]]:
    """Each citizen's consents that are neither withdrawn nor deleted: (id, given, last valid day, categories)."""
    found: dict[str, list[tuple[str, date, date, frozenset[str]]]] = {}
    for start in range(0, len(citizen_ids), 500):
        for row in session.execute(
            select(Consent.citizen_id, Consent.id, Consent.given_on, Consent.valid_until, Consent.categories).where(
                Consent.citizen_id.in_(citizen_ids[start : start + 500]),
                Consent.withdrawn_at.is_(None),
                Consent.deleted_at.is_(None),
            )
        ):
            found.setdefault(row.citizen_id, []).append(
                (row.id, row.given_on, row.valid_until, frozenset(split_categories(row.categories)))
            )
    return found


def _facts(citizen, today, events, goals, course_start, contact_kinds, personal_kinds) -> CitizenFollowUpFacts:
    corrected = {e.corrects_id for e in events if e.corrects_id}
    contacts: list[date] = []
    personal: list[tuple[date, datetime]] = []
    jobsamtaler: list[date] = []
    no_shows: list[tuple[date, datetime]] = []
    subject_last: dict[str, date] = {}
    for e in events:
        if e.id in corrected:
            continue
        local = to_local(e.occurred_at)
        day = local.date()
        if e.kind in contact_kinds:
            contacts.append(day)
        if e.kind in personal_kinds:
            personal.append((day, local))
        if e.kind == EventKind.JOBSAMTALE:
            jobsamtaler.append(day)
        if e.kind == EventKind.UDEBLIVELSE:
            no_shows.append((day, local))
        if e.subject_id is not None and (e.subject_id not in subject_last or day > subject_last[e.subject_id]):
            subject_last[e.subject_id] = day
    # A personal contact earlier on the same day as a later no-show is not a follow-up of that no-show.
    no_show_moments: dict[date, datetime] = {}
    for day, moment in no_shows:
        no_show_moments[day] = max(no_show_moments.get(day, moment), moment)
    personal_days = [day for day, moment in personal if not (day in no_show_moments and moment < no_show_moments[day])]
    active_goals = []
    for goal in goals:
        last = local_date(goal.created_at)
        # The latest assessment, or follow-up completed on the delmål (events about it), resets its clock.
        if goal.id in subject_last and subject_last[goal.id] > last:
            last = subject_last[goal.id]
        active_goals.append((goal.id, last))
    route, route_since = route_of(citizen)
    return CitizenFollowUpFacts(
        citizen_id=citizen.id,
        today=today,
        in_project=in_project(citizen),
        project_start=citizen.project_start,
        contact_dates=tuple(sorted(contacts)),
        jobsamtale_dates=tuple(sorted(jobsamtaler)),
        company_course_start=course_start,
        no_show_dates=tuple(sorted(day for day, _ in no_shows)),
        personal_contact_dates=tuple(sorted(personal_days)),
        active_sub_goals=tuple(sorted(active_goals)),
        benefit_since=None if citizen.self_supporting else citizen.benefit_since,
        route=route,
        route_since=route_since,
    )

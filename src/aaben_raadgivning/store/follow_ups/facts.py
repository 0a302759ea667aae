"""Gather the plain facts the follow-up engine (domain.follow_up_rules) works on, for one citizen.

Five small indexed queries: the citizen row (primary key), the citizen's relevant events
(ix_events_citizen_occurred), the active delmål (sub_goals.citizen_id), the citizen's agreements
(agreements.citizen_id) and the consents neither withdrawn nor deleted (consents.citizen_id). Event kinds
are read from reference.toml: ``contact = true`` counts as contact, ``personal = true`` as personal contact;
``udeblivelse`` is a no-show and ``jobsamtale`` a jobsamtale. A corrected event counts as its correction
(the original is left out).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date, to_local
from aaben_raadgivning.domain.codes import AgreementStatus, EventKind, SubGoalStatus
from aaben_raadgivning.domain.consent import split_categories
from aaben_raadgivning.domain.follow_up_rules import CitizenFollowUpFacts
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.models import Agreement, Citizen, Consent, Event, SubGoal
from aaben_raadgivning.store.records import citizen_model

ACTIVE_AGREEMENT = AgreementStatus.AKTIV


def _kinds() -> tuple[frozenset[str], frozenset[str]]:
    terms = load_reference().event_kinds.terms
    return frozenset(t.code for t in terms if t.contact), frozenset(t.code for t in terms if t.personal)


def dated_kinds() -> frozenset[str]:
    """The event kinds whose *day* a rule compares with today (contacts, personal contacts, no-shows,
    jobsamtaler): such an event counts only from its day on, so it can change the tasks as days pass."""
    contact_kinds, personal_kinds = _kinds()
    return contact_kinds | personal_kinds | {EventKind.UDEBLIVELSE, EventKind.JOBSAMTALE}


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
    wanted = contact_kinds | personal_kinds | {EventKind.UDEBLIVELSE, EventKind.JOBSAMTALE, EventKind.DELMAAL}
    events: dict[str, list] = {}
    for e in session.execute(
        select(Event.citizen_id, Event.id, Event.kind, Event.occurred_at, Event.corrects_id, Event.subject_id).where(
            Event.citizen_id.in_(ids),
            or_(Event.kind.in_(wanted), Event.subject_id.is_not(None), Event.corrects_id.is_not(None)),
        )
    ):
        events.setdefault(e.citizen_id, []).append(e)
    goals: dict[str, list] = {}
    for g in session.execute(
        select(SubGoal.citizen_id, SubGoal.id, SubGoal.created_at).where(
            SubGoal.citizen_id.in_(ids), SubGoal.status == SubGoalStatus.AKTIV, SubGoal.deleted_at.is_(None)
        )
    ):
        goals.setdefault(g.citizen_id, []).append(g)
    agreements = _agreements(session, ids)
    consents = _consents(session, ids)
    return [
        replace(
            _facts(c, today, events.get(c.id, []), goals.get(c.id, []), _course_starts(agreements.get(c.id, [])),
                   contact_kinds, personal_kinds),
            consents=tuple(sorted(consents.get(c.id, []), key=lambda row: (row[2], row[0]))),
        )
        for c in citizens
    ]  # fmt: skip


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
    )

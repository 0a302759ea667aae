"""«Mine borgere» (store/queries/caseload.py) on a small hand-built world: who is in whose caseload, days in
step, next follow-up and overdue, last personal contact, ordinary hours last month against the goal, consent,
each flag at its boundary, sorting, filtering and the audited read.

Today is Tue 24.11.2026 (tests/support/clock.py): last month is October, and with
``hours_not_rising_months = 3`` it is compared with July. Goal 30 hours = 1 800 minutes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.caseload import describe_criterion, record_caseload_read
from aaben_raadgivning.store.actions.citizen_record import advance_step, assign_jobformidler, record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent, withdraw_consent
from aaben_raadgivning.store.actions.follow_ups import FollowUpRequest, add_manual_follow_up
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.models import AuditEntry
from aaben_raadgivning.store.queries.caseload import (
    CONSENT_EXPIRED,
    CONSENT_VALID,
    CONSENT_WITHDRAWN,
    SORT_CONTACT,
    SORT_DAYS,
    SORT_HOURS,
    SORT_NAME,
    SORT_NEXT,
    SORT_STEP,
    CaseloadFilter,
    caseload_steps,
    load_caseload,
)
from aaben_raadgivning.store.queries.viewer import Viewer
from support.agreements import make_agreement, make_company
from support.clock import PASSWORD

TODAY = date(2026, 11, 24)


def on(world, day: date, action):
    """Do ``action`` with the clock on ``day`` (same time of day), then come back to today."""
    now = to_local(world.clock.utc).date()
    world.clock.advance(days=(day - now).days)
    try:
        return action()
    finally:
        world.clock.advance(days=(now - day).days)


def visited(world, name: str, day: date, jobformidler=None, *, steps_on: tuple[date, ...] = ()):
    """A citizen visited into the project by JK on ``day`` (trin 1 from that day), with a jobformidler (JF
    unless given), moved one step on at each of ``steps_on`` (with a written reason)."""
    citizen = on(world, day, lambda: create_citizen(world.db, world.jk.id, name=name))
    on(world, day, lambda: update_base_data(world.db, world.jk.id, citizen.id, benefit_since=day))
    on(world, day, lambda: record_visitation(world.db, world.jk.id, citizen.id, "projekt"))
    jf = jobformidler or world.jf
    on(world, day, lambda: assign_jobformidler(world.db, world.jk.id, citizen.id, jf.id))
    for moved in steps_on:
        on(world, moved, lambda: advance_step(world.db, world.jk.id, citizen.id, "Afprøvning af trinmodellen"))
    return citizen


def in_course(world, name: str, hours: dict[int, int], *, status: str = "aktiv"):
    """A citizen in trin 3 since 03.03.2026 with an agreement from 01.03 and ordinary minutes per month of
    2026 (``{7: 600, 10: 600}``)."""
    citizen = visited(world, name, date(2026, 3, 1), steps_on=(date(2026, 3, 2), date(2026, 3, 3)))
    company, contact = make_company(world.db, name=f"Firma {name}")
    agreement = make_agreement(world.db, citizen.id, company, contact, start=date(2026, 3, 1),
                               end=date(2027, 2, 28), jobformidler_id=world.jf.id)  # fmt: skip
    for month, minutes in hours.items():
        register_hours(world.db, world.jf.id, agreement.id, date(2026, month, 1), ordinary=minutes)
    if status != "aktiv":
        with world.db.transaction() as tx:
            tx.update(tx.session.get(type(agreement), agreement.id), status=status)
    return citizen, agreement


@pytest.fixture
def people(world):
    """The world's staff: JK (jobkonsulent), JF and KF (jobformidlere), LE (leder), BS (boligsocial)."""
    kf = create_staff(world.db, initials="KF", name="Karen Frost", role="jobformidler", password=PASSWORD)
    le = create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    bs = create_staff(world.db, initials="BS", name="Bo Social", role="boligsocial", password=PASSWORD)
    return {"JK": world.jk, "JF": world.jf, "KF": kf, "LE": le, "BS": bs}


@pytest.fixture
def caseload(world, people):
    """The hand-built world; returns the citizens by first name."""
    c = {}
    # Trin 1 limit (flere_skal_med.toml): 60 days. Ole has been there 60 days, Amina 61.
    c["Ole"] = visited(world, "Ole Berg", date(2026, 9, 25))
    c["Amina"] = visited(world, "Amina Hussein", date(2026, 9, 24))
    # Personal contact: Ole's phone call counts, the later SMS does not; Amina's talk with KF (another
    # staff member) counts: contact with the office, as the follow-up rules count it.
    add_event(world.db, world.jf.id, c["Ole"].id, kind="telefon", summary="Ringet",
              occurred_at=datetime(2026, 11, 2, 10, 0))  # fmt: skip
    add_event(world.db, world.jf.id, c["Ole"].id, kind="sms", summary="SMS om mødet",
              occurred_at=datetime(2026, 11, 20, 9, 0))  # fmt: skip
    add_event(world.db, people["KF"].id, c["Amina"].id, kind="samtale", summary="Samtale",
              occurred_at=datetime(2026, 11, 10, 13, 0))  # fmt: skip
    # Trin 3 (limit 365 days) since 03.03.2026: 266 days. Hours July vs October.
    c["Mette"], _ = in_course(world, "Mette Jensen", {7: 600, 10: 600})  # not higher: flagged
    c["Peter"], peter_agreement = in_course(world, "Peter Holm", {7: 600, 10: 500})
    register_hours(world.db, world.jf.id, peter_agreement.id, date(2026, 10, 1), ordinary=601)  # corrected: 1 more
    c["Sara"], _ = in_course(world, "Sara Nielsen", {7: 1800, 10: 1800})  # at the goal: not flagged
    c["Bo"], _ = in_course(world, "Bo Madsen", {7: 600, 10: 600}, status="afsluttet")  # no course now
    c["Nora"], _ = in_course(world, "Nora Nybo", {8: 300, 10: 300})  # no hours by July: too new to tell
    # Mette's meeting on 01.10 is corrected to 30.09: the correction counts, once.
    meeting = add_event(world.db, world.jf.id, c["Mette"].id, kind="personligt_moede", summary="Møde",
                        occurred_at=datetime(2026, 10, 1, 10, 0))  # fmt: skip
    add_event(world.db, world.jf.id, c["Mette"].id, kind="personligt_moede", summary="Møde (rettet dato)",
              occurred_at=datetime(2026, 9, 30, 10, 0), corrects_id=meeting.id)  # fmt: skip
    # Visited today (first jobsamtale due in 7 days, LAB § 31): a manual task today, one yesterday.
    c["Liv"] = visited(world, "Liv Dahl", TODAY)
    ask = FollowUpRequest(due_date=TODAY, assignee_id=world.jf.id, reason="Ring til Liv")
    add_manual_follow_up(world.db, world.jf.id, c["Liv"].id, ask)
    c["Ib"] = visited(world, "Ib Iversen", TODAY)
    ask = FollowUpRequest(due_date=date(2026, 11, 23), assignee_id=world.jf.id, reason="Ring til Ib")
    on(world, date(2026, 11, 20), lambda: add_manual_follow_up(world.db, world.jf.id, c["Ib"].id, ask))
    c["Uffe"] = visited(world, "Uffe Ulriksen", TODAY)  # nothing but the derived first jobsamtale
    # KF's citizen: in JK's caseload, not JF's. A citizen on the rehab route is in nobody's.
    c["Karl"] = visited(world, "Karl Lund", TODAY, people["KF"])
    rehab = on(world, date(2026, 10, 1), lambda: create_citizen(world.db, world.jk.id, name="Ruth Rehab"))
    on(world, date(2026, 10, 1), lambda: record_visitation(world.db, world.jk.id, rehab.id, "rehab"))
    c["Ruth"] = rehab
    # Consent: Ole's is valid, Amina's withdrawn, Peter's ran out on 31.10.
    register_consent(world.db, world.jk.id, c["Ole"].id, categories=["forloeb"], given_how="skriftligt",
                     given_on=date(2026, 11, 1))  # fmt: skip
    amina = register_consent(world.db, world.jk.id, c["Amina"].id, categories=["forloeb"],
                             given_how="skriftligt", given_on=date(2026, 11, 1))  # fmt: skip
    withdraw_consent(world.db, world.jk.id, amina.id)
    on(world, date(2025, 11, 1), lambda: register_consent(
        world.db, world.jk.id, c["Peter"].id, categories=["aftaler"], given_how="skriftligt",
        given_on=date(2025, 11, 1), valid_until=date(2026, 10, 31)))  # fmt: skip
    return c


def load(world, staff, flt: CaseloadFilter | None = None, **kwargs):
    return load_caseload(world.db, flt or CaseloadFilter(), TODAY, viewer=Viewer.of(staff), **kwargs)


def by_name(view) -> dict[str, object]:
    return {row.name.split()[0]: row for row in view.rows}


JF_CASELOAD = ["Amina", "Bo", "Ib", "Liv", "Mette", "Nora", "Ole", "Peter", "Sara", "Uffe"]


@pytest.mark.parametrize(
    ("who", "owner", "expected"),
    [
        ("JF", None, JF_CASELOAD),  # the jobformidler: jobformidler_id
        ("KF", None, ["Karl"]),
        ("JK", None, sorted([*JF_CASELOAD, "Karl"])),  # the jobkonsulent: jobkonsulent_id (visitation)
        ("LE", None, []),  # a leder has no caseload of their own …
        ("LE", "KF", ["Karl"]),  # … but may look at a staff member's
        ("JF", "KF", ["Karl"]),
        ("LE", "LE", []),  # a leder's «caseload»: none
    ],
)
def test_whose_citizens(world, people, caseload, who, owner, expected):
    flt = CaseloadFilter(owner_id=people[owner].id if owner else None)
    view = load(world, people[who], flt)
    assert [row.name.split()[0] for row in view.rows] == expected
    assert view.refusal is None
    assert view.counts.total == len(expected)


def test_a_boligsocial_medarbejder_has_no_caseload_and_may_not_list_one(world, people, caseload):
    view = load(world, people["BS"], CaseloadFilter(owner_id=people["JF"].id))
    assert view.rows == [] and view.owner is None
    assert view.refusal == "Som boligsocial medarbejder kan du ikke se borgerens forløb og plan."


# name → (step, days in step, too long, next follow-up, overdue, last personal contact)
STEP_AND_CONTACT = {
    "Ole": ("trin1", 60, False, date(2026, 10, 2), True, date(2026, 11, 2)),  # LAB § 31: 25.09 + 7
    "Amina": ("trin1", 61, True, date(2026, 10, 1), True, date(2026, 11, 10)),
    "Mette": ("trin3", 266, False, date(2026, 10, 30), True, date(2026, 9, 30)),  # the corrected meeting
    "Liv": ("trin1", 0, False, TODAY, False, None),  # due today: not overdue
    "Ib": ("trin1", 0, False, date(2026, 11, 23), True, None),  # due yesterday: overdue
    "Uffe": ("trin1", 0, False, date(2026, 12, 1), False, None),  # the first jobsamtale: today + 7
}


def test_step_follow_up_and_last_contact(world, caseload):
    rows = by_name(load(world, world.jf))  # one world, every row of the table checked against it
    for name, (step, days, too_long, next_due, overdue, contact) in STEP_AND_CONTACT.items():
        row = rows[name]
        assert (row.step, row.days_in_step, row.too_long) == (step, days, too_long), name
        assert row.step_short == {"trin1": "Trin 1", "trin3": "Trin 3"}[step], name
        assert row.step_limit_days == {"trin1": 60, "trin3": 365}[step], name
        assert (row.next_follow_up, row.overdue) == (next_due, overdue), name
        assert row.last_contact == contact, name


# name → (ordinary minutes in October, in July, hours not rising)
HOURS = {
    "Mette": (600, 600, True),  # the same as in July, below the goal
    "Peter": (601, 600, False),  # one minute more (the corrected report counts, once)
    "Sara": (1800, 1800, False),  # at the goal
    "Bo": (600, 600, False),  # no active course
    "Nora": (300, 0, False),  # no hours by July: the course is too new to tell
    "Ole": (0, 0, False),  # no course at all
}


def test_hours_last_month_and_the_not_rising_flag(world, caseload):
    rows = by_name(load(world, world.jf))
    for name, (october, july, stalled) in HOURS.items():
        row = rows[name]
        assert (row.hours_minutes, row.base_minutes, row.hours_stalled) == (october, july, stalled), name


def test_the_number_of_months_is_data(world, caseload, monkeypatch):
    """With N = 1 October is compared with September: Mette had no hours in September (0), so 600 is a rise."""
    import aaben_raadgivning.store.queries.caseload as module

    monkeypatch.setattr(module, "load_rules", lambda: replace(load_rules(), hours_not_rising_months=1))
    row = by_name(load(world, world.jf))["Mette"]
    assert (row.hours_minutes, row.base_minutes, row.hours_stalled) == (600, 0, False)


def test_consent_state(world, caseload):
    rows = by_name(load(world, world.jf))
    assert (rows["Ole"].consent, rows["Ole"].consent_until) == (CONSENT_VALID, date(2027, 11, 1))  # 12 months
    assert rows["Amina"].consent == CONSENT_WITHDRAWN
    assert (rows["Peter"].consent, rows["Peter"].consent_until) == (CONSENT_EXPIRED, date(2026, 10, 31))
    assert rows["Mette"].consent is None


def test_counts_and_the_goal(world, caseload):
    view = load(world, world.jf)
    flagged = {name for name, row in by_name(view).items() if row.flagged}
    assert flagged == {"Ole", "Amina", "Ib", "Mette"} | {n for n, r in by_name(view).items() if r.overdue}
    assert view.counts.total == view.counts.matching == 10
    assert view.counts.too_long == 1 and view.counts.hours_stalled == 1
    assert view.counts.overdue == sum(row.overdue for row in view.rows)
    assert (view.goal_hours, view.hours_month, view.stall_months) == (30, date(2026, 10, 1), 3)


SORTS = [
    (SORT_NAME, False, ["Amina", "Bo", "Ib", "Liv", "Mette", "Nora", "Ole", "Peter", "Sara", "Uffe"]),
    (SORT_NAME, True, ["Uffe", "Sara", "Peter", "Ole", "Nora", "Mette", "Liv", "Ib", "Bo", "Amina"]),
    # most days first; ties by name
    (SORT_DAYS, False, ["Bo", "Mette", "Nora", "Peter", "Sara", "Amina", "Ole", "Ib", "Liv", "Uffe"]),
    (SORT_STEP, True, ["Sara", "Peter", "Nora", "Mette", "Bo", "Uffe", "Ole", "Liv", "Ib", "Amina"]),
    # fewest hours first; ties by name
    (SORT_HOURS, False, ["Amina", "Ib", "Liv", "Ole", "Uffe", "Nora", "Bo", "Mette", "Peter", "Sara"]),
    # longest ago first, never contacted last
    (SORT_CONTACT, False, ["Mette", "Ole", "Amina", "Bo", "Ib", "Liv", "Nora", "Peter", "Sara", "Uffe"]),
]


def test_sorting(world, caseload):
    for sort, descending, expected in SORTS:
        view = load(world, world.jf, CaseloadFilter(sort=sort, descending=descending))
        assert [row.name.split()[0] for row in view.rows] == expected, (sort, descending)


NEXT_FOLLOW_UPS = [  # earliest first, by the follow-up rules' own dates and the hand-made tasks
    # The company courses from 01.03: monthly contact, none since. (Registering hours today recomputes the
    # tasks: the LAB § 31 period of the benefit from 01.03 is over, so no jobsamtale task is left.)
    ("Bo", date(2026, 4, 1)),
    ("Nora", date(2026, 4, 1)),
    ("Peter", date(2026, 4, 1)),
    ("Sara", date(2026, 4, 1)),
    ("Amina", date(2026, 10, 1)),  # visited 24.09 + 7 days
    ("Ole", date(2026, 10, 2)),  # visited 25.09 + 7 days
    ("Mette", date(2026, 10, 30)),  # monthly contact after the (corrected) meeting of 30.09
    ("Ib", date(2026, 11, 23)),
    ("Liv", TODAY),
    ("Uffe", date(2026, 12, 1)),
]


def test_sorting_by_next_follow_up_puts_the_earliest_first(world, caseload):
    rows = load(world, world.jf, CaseloadFilter(sort=SORT_NEXT)).rows
    assert [(row.name.split()[0], row.next_follow_up) for row in rows] == NEXT_FOLLOW_UPS
    assert [row.name.split()[0] for row in rows if row.overdue] == [n for n, due in NEXT_FOLLOW_UPS if due < TODAY]


FILTERS = [
    (CaseloadFilter(step="trin3"), ["Bo", "Mette", "Nora", "Peter", "Sara"]),
    (CaseloadFilter(flagged_only=True, step="trin1"), ["Amina", "Ib", "Ole"]),  # not Liv, Uffe
    (CaseloadFilter(text="ÅSE"), []),
    (CaseloadFilter(text="nIeLs"), ["Sara"]),  # any case
    (CaseloadFilter(text="  l  "), ["Liv", "Ole", "Peter", "Sara", "Uffe"]),  # trimmed
    (CaseloadFilter(text="hus", flagged_only=True), ["Amina"]),
]


def test_filters(world, caseload):
    for flt, expected in FILTERS:
        view = load(world, world.jf, flt)
        assert [row.name.split()[0] for row in view.rows] == expected, flt
        assert (view.counts.total, view.counts.matching) == (10, len(expected)), flt


def test_flagged_only_shows_every_marked_citizen(world, caseload):
    view = load(world, world.jf, CaseloadFilter(flagged_only=True))
    assert view.rows and all(row.flagged for row in view.rows)
    assert {"Amina", "Mette", "Ib", "Ole"} <= set(by_name(view)) and "Liv" not in by_name(view)


def test_danish_letters_fold_in_the_text_filter(world, people):
    citizen = visited(world, "Åse Ørnsø", TODAY)
    view = load(world, world.jf, CaseloadFilter(text="åse ør"))
    assert [row.citizen_id for row in view.rows] == [citizen.id]


def test_paging(world, caseload):
    first = load(world, world.jf, limit=4)
    second = load(world, world.jf, offset=4, limit=4)
    third = load(world, world.jf, offset=8, limit=4)
    names = [r.name for view in (first, second, third) for r in view.rows]
    assert len(names) == 10 == len(set(names))
    assert second.counts == first.counts  # every page carries the counts (window sums of the same query)
    assert load(world, world.jf, offset=12, limit=4).rows == []


def test_a_tombstoned_citizen_leaves_the_caseload(world, caseload):
    with world.db.transaction() as tx:
        from aaben_raadgivning.store.models import Citizen

        tx.update(tx.session.get(Citizen, caseload["Ole"].id), deleted_at=tx.now)
    assert "Ole" not in by_name(load(world, world.jf))


def test_the_list_view_is_audited_once_with_its_criterion(world, people, caseload):
    flt = CaseloadFilter(step="trin3", flagged_only=True, text="Mette")
    criterion = describe_criterion("JF · Jakob Frederiksen", flt, "Trin 3")
    record_caseload_read(world.db, people["LE"].id, people["JF"].id, criterion, 1)
    with world.db.session() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.entity == "caseload")).all()
    assert [(r.staff_id, r.action, r.entity_id, r.citizen_id, r.detail) for r in rows] == [
        (people["LE"].id, "read", people["JF"].id, None,
         "Mine borgere vist: JF · Jakob Frederiksen, trin Trin 3, kun markerede, navn «Mette» (1 borgere)"),
    ]  # fmt: skip
    with pytest.raises(PermissionDenied):
        record_caseload_read(world.db, people["BS"].id, people["JF"].id, "JF", 0)


def test_step_choices_span_the_models():
    assert caseload_steps() == [
        ("Trin 0", "trin0"), ("Trin 1", "trin1"), ("Trin 2", "trin2"), ("Trin 3", "trin3"), ("Trin 4", "trin4"),
    ]  # fmt: skip


def test_names_sort_in_danish_alphabetical_order(world, people):
    """Æ, Ø and Å come after Z in that order, a double «aa» is an Å, case and accents are ignored — not the
    byte order, which puts Å before Æ and every capital before every small letter."""
    names = ["Åse Holm", "Zainab Ali", "Ørsted Bo", "Aagaard Ib", "Ærø Liv", "émile Roux", "Andersen Jo", "ib Berg"]
    for name in names:
        visited(world, name, TODAY)
    shown = [row.name for row in load(world, world.jf).rows]
    expected = ["Andersen Jo", "émile Roux", "ib Berg", "Zainab Ali", "Ærø Liv", "Ørsted Bo", "Aagaard Ib", "Åse Holm"]
    assert shown == expected
    reversed_view = load(world, world.jf, CaseloadFilter(descending=True))
    assert [row.name for row in reversed_view.rows] == expected[::-1]

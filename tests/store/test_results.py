"""The monthly results (store/queries/results.py) on a small world made through the real actions, every
expected figure worked out by hand below. The month under test is November 2026 (the clock's «today» is
24.11.2026 10:15, tests/support/clock.py); October 2026 is the month before, November 2025 the cohort
whose 12 months end in November 2026.

The world (Danish local times):

    A  visited (projekt) 10.11.2025 → trin1; advanced trin1 → trin2 → trin3 → afsluttet 12.11.2026;
       exit outcome job_fuldtid (self-supporting) dated 01.09.2026
    B  visited 20.11.2025 → trin1 (stays); outcome fleksjob (not self-supporting) 15.11.2026;
       samtale 03.11, udeblivelse 04.11, jobsamtale 06.11 (all by JK); walk-in «job» 05.11;
       first jobformidler 02.11.2026 (not a change); hours: 31 ordinary hours in November
    C  visited 28.11.2025 with outcome rehab → straight to «Afsluttet» (never in the project)
    D  visited 15.10.2026 → trin1; trin2 at 31.10 23:30, trin3 at 01.11 00:30 (month boundary);
       course broken off 10.11 → trin2; trin3 again 20.11 (leaves and returns);
       samtale 31.10 23:50 (October), personligt møde 01.11 00:10, samtale 15.11 corrected to 16.11 (counts
       once), samtale 18.11 corrected into a telefonsamtale (counts not at all) — all by JF;
       jobformidler JF 20.10, changed to MS 08.11 (a change); hours: 29,5 ordinary hours in November
    E  visited 05.11.2026 → trin1; udeblivelse 20.11 (by JK)
    F  visited 03.11.2026, samtale 10.11, walk-in «post» 10.11; then deleted: counts nowhere
    anonymous walk-in «akut» 12.11, left without help (cancelled)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizen_record import (
    advance_step,
    assign_jobformidler,
    break_off_course,
    record_visitation,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.follow_ups import FollowUpRequest, add_manual_follow_up, complete_follow_up
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.actions.results import record_results_read
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.actions.walk_ins import (
    cancel_walk_in,
    finish_walk_in,
    register_walk_in,
    start_walk_in,
)
from aaben_raadgivning.store.models import AuditEntry, Citizen, CitizenOutcome, Event
from aaben_raadgivning.store.queries.results import ResultsFilter, month_results, results_trend
from aaben_raadgivning.store.queries.viewer import Viewer
from support.agreements import make_agreement, make_company
from support.clock import LOCAL_NOW, PASSWORD
from support.plans import query_plans

NOV = date(2026, 11, 1)
OCT = date(2026, 10, 1)


def at(world, *when: int) -> None:
    """Move the world's clock to a Danish local time (the actions stamp their changes with it)."""
    world.clock.utc = to_utc(datetime(*when))


def visit(world, name: str, *when: int, outcome: str = "projekt", area: str = "Vestparken") -> Citizen:
    at(world, *when)
    citizen = create_citizen(world.db, world.jk.id, name=name, housing_area=area)
    record_visitation(world.db, world.jk.id, citizen.id, outcome)
    return citizen


def event(world, citizen: Citizen, kind: str, *when: int, staff=None, corrects: str | None = None) -> Event:
    return add_event(
        world.db, (staff or world.jk).id, citizen.id, kind=kind, summary=kind.capitalize(),
        occurred_at=datetime(*when), corrects_id=corrects,
    )  # fmt: skip


def outcome(world, citizen: Citizen, code: str, day: date) -> None:
    # No action records an exit outcome yet (issue 16, another part): the row as that action will write it.
    with world.db.transaction() as tx:
        tx.add(CitizenOutcome(citizen_id=citizen.id, outcome=code, outcome_date=day, recorded_by=world.jk.id,
                              created_at=tx.now))  # fmt: skip


@pytest.fixture
def town(world):
    ms = create_staff(world.db, initials="MS", name="Maja Sørensen", role="jobformidler", password=PASSWORD)
    leder = create_staff(world.db, initials="LE", name="Lene Eriksen", role="leder", password=PASSWORD)
    calendar = WorkdayCalendar()
    a = visit(world, "Anna Andersen", 2025, 11, 10, 10)
    b = visit(world, "Bo Berg", 2025, 11, 20, 10)
    visit(world, "Carl Clausen", 2025, 11, 28, 10, outcome="rehab")
    d = visit(world, "Dorte Dahl", 2026, 10, 15, 10)
    at(world, 2026, 10, 20, 9)
    assign_jobformidler(world.db, world.jk.id, d.id, world.jf.id)
    at(world, 2026, 10, 31, 23, 30)
    advance_step(world.db, world.jf.id, d.id, override_reason="test: trin 2 sidst i oktober")
    at(world, 2026, 10, 31, 23, 55)
    event(world, d, "samtale", 2026, 10, 31, 23, 50, staff=world.jf)
    at(world, 2026, 11, 1, 0, 30)
    advance_step(world.db, world.jf.id, d.id, override_reason="test: trin 3 først i november")
    event(world, d, "personligt_moede", 2026, 11, 1, 0, 10, staff=world.jf)
    at(world, 2026, 11, 2, 9)
    assign_jobformidler(world.db, world.jk.id, b.id, world.jf.id)
    f = visit(world, "Frida Friis", 2026, 11, 3, 9)
    at(world, 2026, 11, 3, 12)
    event(world, b, "samtale", 2026, 11, 3, 11)
    at(world, 2026, 11, 4, 12)
    record_no_show(world.db, world.jk.id, b.id, calendar=calendar, occurred_at=datetime(2026, 11, 4, 11))
    e = visit(world, "Erik Eriksen", 2026, 11, 5, 9)
    at(world, 2026, 11, 5, 10)
    walk_in = register_walk_in(world.db, world.jk.id, reason="job", citizen_id=b.id)
    start_walk_in(world.db, world.jk.id, walk_in.id)
    finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="CV gennemgået")
    at(world, 2026, 11, 6, 12)
    event(world, b, "jobsamtale", 2026, 11, 6, 11)
    at(world, 2026, 11, 8, 10)
    assign_jobformidler(world.db, world.jk.id, d.id, ms.id, reason="JF på orlov")
    at(world, 2026, 11, 10, 9)
    break_off_course(world.db, world.jf.id, d.id, reason="Virksomheden lukkede afdelingen")
    at(world, 2026, 11, 10, 12)
    event(world, f, "samtale", 2026, 11, 10, 11)
    register_walk_in(world.db, world.jk.id, reason="post", citizen_id=f.id)
    at(world, 2026, 11, 12, 10)
    for _ in range(3):
        advance_step(world.db, world.jk.id, a.id, override_reason="test: afsluttet")
    anonymous = register_walk_in(world.db, world.jk.id, reason="akut", note="Ung mand, ville ikke vente")
    cancel_walk_in(world.db, world.jk.id, anonymous.id)
    at(world, 2026, 11, 15, 12)
    first = event(world, d, "samtale", 2026, 11, 15, 10, staff=world.jf)
    at(world, 2026, 11, 16, 12)
    event(world, d, "samtale", 2026, 11, 16, 10, staff=world.jf, corrects=first.id)
    at(world, 2026, 11, 18, 12)
    wrong = event(world, d, "samtale", 2026, 11, 18, 10, staff=world.jf)
    event(world, d, "telefon", 2026, 11, 18, 10, staff=world.jf, corrects=wrong.id)
    at(world, 2026, 11, 20, 9)
    advance_step(world.db, world.jf.id, d.id, override_reason="test: nyt forløb")
    at(world, 2026, 11, 20, 12)
    record_no_show(world.db, world.jk.id, e.id, calendar=calendar, occurred_at=datetime(2026, 11, 20, 11))
    at(world, *LOCAL_NOW.timetuple()[:5])
    company, contact = make_company(world.db)
    for citizen, minutes in ((b, 31 * 60), (d, 29 * 60 + 30)):
        agreement = make_agreement(world.db, citizen.id, company, contact, start=date(2026, 9, 1),
                                   jobformidler_id=world.jf.id)  # fmt: skip
        register_hours(world.db, world.jf.id, agreement.id, NOV, ordinary=minutes)
    outcome(world, a, "job_fuldtid", date(2026, 9, 1))
    outcome(world, b, "fleksjob", date(2026, 11, 15))
    with world.db.transaction() as tx:
        tx.tombstone(tx.session.get(Citizen, f.id))
    return {"a": a, "b": b, "d": d, "e": e, "f": f, "ms": ms, "leder": leder}


def viewer(world) -> Viewer:
    return Viewer.of(world.jk)


def counts(rows) -> dict[str, int]:
    return {row.code: row.count for row in rows}


def test_caseload_per_step_at_start_and_end_of_month(world, town):
    november = month_results(world.db, NOV, viewer=viewer(world))
    # Start (midnight before 1.11): A trin1, B trin1, D trin2 (moved 31.10 23:30). End: B trin1, E trin1,
    # D trin3 (trin3 01.11, back to trin2 10.11, trin3 again 20.11); A reached «Afsluttet» 12.11; C never in
    # the project; F deleted.
    assert [(r.step, r.start, r.end) for r in november.caseload] == [("trin1", 2, 2), ("trin2", 1, 0), ("trin3", 0, 1)]
    assert (november.caseload_start, november.caseload_end) == (3, 3)
    assert november.inflow == 1  # E (F was visited in November too, but is deleted)
    assert [(r.code, r.label, r.count) for r in november.left] == [("", "Afsluttet", 1)]  # A


def test_october_and_the_month_boundary(world, town):
    october = month_results(world.db, OCT, viewer=viewer(world))
    # Start of October: A, B in trin1. End: A, B trin1; D trin2 (31.10 23:30 is still October).
    assert [(r.step, r.start, r.end) for r in october.caseload] == [("trin1", 2, 2), ("trin2", 0, 1)]
    assert october.inflow == 1  # D
    assert october.left == ()
    # D's samtale 31.10 23:50 is October's only appointment.
    assert (october.attendance.numerator, october.attendance.denominator) == (1, 1)
    assert october.attendance.missed is False


def test_attendance_overall_per_staff_office_and_citizen(world, town):
    november = month_results(world.db, NOV, viewer=viewer(world), per_citizen=True)
    # Kept: B samtale 3.11, B jobsamtale 6.11, D personligt møde 1.11 00:10, D samtale 16.11 (the correction
    # of 15.11, counted once). Not counted: D 18.11 (corrected into a telefonsamtale), F (deleted), the
    # walk-in. Missed: B 4.11, E 20.11. 4 / 6 = 66,7 % < 70 %.
    rate = november.attendance
    assert (rate.numerator, rate.denominator, rate.goal_percent) == (4, 6, 70.0)
    assert rate.percent == pytest.approx(66.666, abs=0.01)
    assert rate.missed is True
    by_staff = {row.label: (row.rate.numerator, row.rate.denominator) for row in november.attendance_by_staff}
    assert by_staff == {"JK · Jette Kristensen": (2, 4), "JF · Jakob Frederiksen": (2, 2)}
    assert [row.label for row in november.attendance_by_staff] == ["JK · Jette Kristensen", "JF · Jakob Frederiksen"]
    assert [(row.label, row.rate.numerator, row.rate.denominator) for row in november.attendance_by_office] == [
        ("Uden kontor", 4, 6)
    ]
    by_citizen = {row.label: (row.rate.numerator, row.rate.denominator) for row in november.attendance_by_citizen}
    assert by_citizen == {"Bo Berg": (2, 3), "Dorte Dahl": (2, 2), "Erik Eriksen": (0, 1)}
    assert [row.rate.missed for row in november.attendance_by_citizen] == [True, True, False]  # 0 %, 66,7 %, 100 %
    # Without asking, no personal rows.
    assert month_results(world.db, NOV, viewer=viewer(world)).attendance_by_citizen == ()


def test_outflow_self_support_hours_walk_ins_and_jobformidler_changes(world, town):
    november = month_results(world.db, NOV, viewer=viewer(world))
    assert [(r.code, r.count) for r in november.outflow] == [("fleksjob", 1)]  # B 15.11; A's job was in September
    # Cohort November 2025: A and B (C went the rehab route, no project start). A self-supporting 1.9.2026,
    # before 10.11.2026; B's fleksjob is not self-support. 1 / 2 = 50 % ≥ 40 %. Not complete before 1.12.2026.
    cohort = november.self_support
    assert (cohort.cohort_month, cohort.after_months) == (date(2025, 11, 1), 12)
    assert (cohort.rate.numerator, cohort.rate.denominator, cohort.rate.goal_percent) == (1, 2, 40.0)
    assert cohort.rate.missed is False
    assert cohort.complete is False
    # B 31 h ≥ 30 h; D 29,5 h < 30 h.
    assert (november.hours.goal_hours, november.hours.reached, november.hours.reported) == (30.0, 1, 2)
    # B «job»; the anonymous «akut» (cancelled); F's «post» left out (deleted).
    assert counts(november.walk_ins) == {"akut": 1, "job": 1}
    assert [r.code for r in november.walk_ins] == ["akut", "job"]  # the vocabulary's order
    assert november.walk_ins_cancelled == 1
    # D: JF → MS 8.11 is a change; B's first jobformidler and D's first (October) are not.
    assert (november.jobformidler_changes, november.jobformidler_change_citizens) == (1, 1)


@pytest.mark.parametrize("few", [2000, 0], ids=["by-ids", "by-condition"])
def test_filters(world, town, monkeypatch, few):
    """A filter selecting few citizens is applied by their ids, a larger one by its condition: the same figures."""
    monkeypatch.setattr("aaben_raadgivning.store.queries.results._FEW_CITIZENS", few)
    jf_only = month_results(world.db, NOV, viewer=viewer(world), filters=ResultsFilter(staff_id=town["ms"].id))
    # MS is D's jobformidler now: only D.
    assert [(r.step, r.start, r.end) for r in jf_only.caseload] == [("trin2", 1, 0), ("trin3", 0, 1)]
    assert (jf_only.attendance.numerator, jf_only.attendance.denominator) == (2, 2)
    assert jf_only.walk_ins == ()  # the anonymous walk-in is counted only without a filter
    assert (jf_only.hours.reached, jf_only.hours.reported) == (0, 1)  # D: 29,5 ordinary hours
    elsewhere = month_results(world.db, NOV, viewer=viewer(world), filters=ResultsFilter(housing_area="Nørrebro"))
    assert elsewhere.caseload == () and elsewhere.attendance.denominator == 0 and elsewhere.attendance.missed is None
    other_model = month_results(world.db, NOV, viewer=viewer(world), filters=ResultsFilter(step_model="trappemodel"))
    assert other_model.caseload == () and other_model.inflow == 0


def test_trend_is_the_same_function(world, town):
    trend = results_trend(world.db, NOV, viewer=viewer(world), months=12)
    assert [m.month for m in trend.months] == [date(2025, 12, 1), *[date(2026, n, 1) for n in range(1, 12)]]
    assert trend.months[-1] == month_results(world.db, NOV, viewer=viewer(world))
    assert trend.months[-2] == month_results(world.db, OCT, viewer=viewer(world))
    # December 2025 – September 2026: A and B in trin1 throughout.
    assert [(m.caseload_start, m.caseload_end) for m in trend.months[:10]] == [(2, 2)] * 10


def test_follow_ups_done_on_time(world):
    """Tasks of a citizen outside the project (no derived tasks), due in November; today is 24.11."""
    at(world, 2026, 11, 2, 9)
    citizen = create_citizen(world.db, world.jk.id, name="Gitte Holm", housing_area="Solhaven")
    task_ids = [
        add_manual_follow_up(world.db, world.jk.id, citizen.id, FollowUpRequest(day, world.jk.id, f"Ring {day}")).id
        for day in (date(2026, 11, 5), date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 26), date(2026, 12, 3))
    ]
    at(world, 2026, 11, 5, 15)  # on the due day: on time
    complete_follow_up(world.db, world.jk.id, task_ids[0], kind="telefon", note="Talt med Gitte")
    at(world, 2026, 11, 11, 9)  # a day late
    complete_follow_up(world.db, world.jk.id, task_ids[1], kind="telefon", note="Talt med Gitte")
    at(world, *LOCAL_NOW.timetuple()[:5])
    # 12.11 still open: overdue. 26.11 not due yet, 3.12 another month: left out. 1 on time / 3 = 33,3 %.
    result = month_results(world.db, NOV, viewer=viewer(world), filters=ResultsFilter(housing_area="Solhaven"))
    assert (result.follow_ups.on_time.numerator, result.follow_ups.on_time.denominator) == (1, 3)
    assert (result.follow_ups.late, result.follow_ups.overdue) == (1, 1)
    assert result.follow_ups.on_time.goal_percent is None and result.follow_ups.on_time.missed is None


def test_a_role_without_results_is_refused(world):
    bm = create_staff(world.db, initials="BM", name="Bente Madsen", role="boligsocial", password=PASSWORD)
    with pytest.raises(PermissionDenied, match="resultater"):
        month_results(world.db, NOV, viewer=Viewer.of(bm))
    with pytest.raises(PermissionDenied):
        results_trend(world.db, NOV, viewer=Viewer.of(bm))
    with pytest.raises(PermissionDenied):
        record_results_read(world.db, bm.id, "november 2026", 0)
    inactive = replace(Viewer.of(world.jk), role=None)  # a deactivated account reads nothing
    with pytest.raises(PermissionDenied):
        month_results(world.db, NOV, viewer=inactive)


def test_reading_citizen_figures_is_audited(world, town):
    leder = town["leder"]
    result = month_results(world.db, NOV, viewer=Viewer.of(leder), per_citizen=True)
    assert len(result.attendance_by_citizen) == 3  # the leder reads case data (read-only, audited)
    record_results_read(world.db, leder.id, "november 2026", len(result.attendance_by_citizen))
    with world.db.session() as session:
        entry = session.query(AuditEntry).filter_by(entity="results").one()
    assert (entry.staff_id, entry.action) == (leder.id, "read")
    assert entry.detail == "Resultater vist: november 2026 (3 borgere)"


def test_the_events_are_read_from_indexes_alone(world, town):
    """A month's and the trend's events come from the indexes of migration 0009, never from the events table:
    the counted kinds and the jobformidler changes by ix_events_kind_occurred (without stepping over the period's
    other kinds), the step changes with their facts out of the JSON by the partial ix_events_step_facts — so no
    event row is read, and no scan of the table happens."""

    def both() -> None:
        month_results(world.db, NOV, viewer=viewer(world), per_citizen=True)
        results_trend(world.db, NOV, viewer=viewer(world), months=12)

    found = query_plans(world.db, both, lambda sql: "FROM events" in sql)
    plans = [plan for _sql, plan in found]
    assert plans and all("SCAN events" not in plan for plan in plans), plans

    def plans_of(marker: str) -> list[str]:
        return [plan for sql, plan in found if marker in sql]

    attendance = plans_of("events.staff_id")  # the fremmøde rows (who recorded them), of the month and the trend
    assert len(attendance) == 2, found
    assert all("COVERING INDEX ix_events_kind_occurred (<expr>=? AND occurred_at" in plan for plan in attendance)
    changes = plans_of("instr(data")
    assert len(changes) == 2 and all("COVERING INDEX ix_events_kind_occurred" in plan for plan in changes), changes
    steps = plans_of("json_extract")
    assert len(steps) == 2 and all("COVERING INDEX ix_events_step_facts (<expr>=? AND" in plan for plan in steps), steps


def test_the_citizens_are_read_from_their_results_index(world, town):
    """Every read of the citizens for the figures searches ix_citizens_results by its leading expression (live
    citizens), from the index alone — neither the wide table nor a scan of every index entry."""

    def both() -> None:
        month_results(world.db, NOV, viewer=viewer(world))
        results_trend(world.db, NOV, viewer=viewer(world), months=12)

    def of_citizens(sql: str) -> bool:
        return sql.lstrip().startswith("SELECT") and "FROM citizens" in sql and "citizen_search" not in sql

    found = query_plans(world.db, both, of_citizens)
    plans = [plan for _sql, plan in found]
    assert len(plans) >= 8, found
    wanted = "SEARCH citizens USING COVERING INDEX ix_citizens_results (<expr>=?"
    assert all(wanted in plan for plan in plans), plans


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"trin9"', '{"from": "trin1"}'])
def test_a_step_event_with_damaged_data_is_saved_and_counts_nowhere(world, town, data):
    """The step facts are indexed out of the JSON (ix_events_step_facts): an event whose ``data`` is not JSON,
    or has no «to», must still be saved (an index must never make an insert fail) and changes no figure."""
    before = month_results(world.db, NOV, viewer=viewer(world))
    with world.db.session() as session:
        citizen_id = session.query(Citizen.id).filter_by(name="Bo Berg").scalar()  # in trin1 through November
    with world.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO events (id, citizen_id, kind, occurred_at, recorded_at, summary, details, data) "
            "VALUES ('damaged', ?, 'trin', '2026-11-10 09:00:00.000000', '2026-11-10 09:00:00.000000', 'x', '', ?)",
            (citizen_id, data),
        )
    after = month_results(world.db, NOV, viewer=viewer(world))
    assert after.caseload == before.caseload and after.left == before.left

"""Demo data: realistic enough to try the app with, and written by the same rules as real data."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.demo.generator import DEMO_PASSWORD, DEMO_STAFF, generate_demo
from aaben_raadgivning.domain.clock import to_local, to_utc
from aaben_raadgivning.domain.cpr import parse_cpr
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.walk_ins import IN_PROGRESS, WAITING
from aaben_raadgivning.store.actions.staff import authenticate
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.store.models import (
    Agreement,
    AuditEntry,
    ChangeLogEntry,
    Citizen,
    Company,
    CompanyContact,
    Event,
    FollowUpTask,
    HoursReport,
    Office,
    Staff,
    WalkIn,
    WalkInTransition,
)
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.store.queries.walk_ins import walk_ins_on
from aaben_raadgivning.store.rows import row_dict
from support.keys import open_database

MODELS = (
    Office,
    Staff,
    Citizen,
    WalkIn,
    WalkInTransition,
    Event,
    FollowUpTask,
    Company,
    CompanyContact,
    Agreement,
    HoursReport,
)
LOCAL_NOW = datetime(2026, 11, 24, 10, 15)  # a Tuesday, like conftest's clock
TODAY = LOCAL_NOW.date()


def _open(path: Path, clock) -> Database:
    return open_database(path / "db.sqlite3", path / "backups", now=clock)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One generated database shared by the read-only tests below (generation is the slow part)."""
    db = _open(tmp_path_factory.mktemp("demo"), lambda: to_utc(LOCAL_NOW))
    steps: list[tuple[float, str]] = []
    summary = generate_demo(db, citizens=400, days=60, events_per_citizen=5, seed=7,
                            progress=lambda f, s: steps.append((f, s)))  # fmt: skip
    yield db, summary, steps
    db.close()


def _count(db: Database, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_counts_match_the_summary_and_the_request(demo):
    db, summary, _ = demo
    assert _count(db, Citizen) == summary.citizens == 400
    assert _count(db, Staff) == summary.staff == 4
    assert _count(db, Office) == summary.offices == 1
    assert _count(db, WalkIn) == summary.walk_ins > 100
    assert _count(db, WalkInTransition) == summary.walk_in_transitions
    assert _count(db, Event) == summary.events
    assert _count(db, FollowUpTask) == summary.follow_ups > 0
    # about 5 timeline events per citizen, plus one per finished walk-in of a known citizen
    assert 400 * 4 < summary.events < 400 * 6 + summary.walk_ins


def test_every_row_has_an_insert_entry_equal_to_the_row(demo):
    """The bulk path must log exactly what Tx.add would: the change log is what sync sends."""
    db, _, _ = demo
    with db.session() as session:
        logged = {
            (entry.table_name, entry.row_id): json.loads(entry.value)
            for entry in session.scalars(select(ChangeLogEntry).where(ChangeLogEntry.op == "insert"))
        }
        for model in MODELS:
            rows = session.scalars(select(model)).all()
            assert rows
            for row in rows:
                assert logged[(model.__tablename__, row.id)] == row_dict(row), model.__tablename__
        assert not session.scalar(select(func.count()).where(ChangeLogEntry.op != "insert"))


def test_integrity_check_passes(demo):
    db, _, _ = demo
    assert [r.problems for r in run_checks(db) if not r.ok] == []


def test_demo_staff_can_log_in_with_the_demo_password(demo):
    db, _, _ = demo
    for initials, name, role in DEMO_STAFF:
        staff = authenticate(db, initials, DEMO_PASSWORD)
        assert staff is not None and staff.name == name and staff.role == role
    assert authenticate(db, "JK", "forkert") is None


def test_todays_queue_looks_live(demo):
    db, _, _ = demo
    views = walk_ins_on(db, TODAY)
    statuses = Counter(view.status for view in views)
    assert 2 <= statuses[WAITING] <= 3
    assert 1 <= statuses[IN_PROGRESS] <= 2
    assert statuses["finished"] >= 3
    for view in views:
        assert view.arrived_at <= LOCAL_NOW
        if view.status == WAITING:
            assert LOCAL_NOW - view.arrived_at < timedelta(minutes=15)  # arrived minutes ago


def test_past_walk_ins_are_on_open_days_and_all_closed(demo):
    db, _, _ = demo
    with db.session() as session:
        arrivals = session.scalars(select(WalkIn.arrived_at)).all()
        closed = set(
            session.scalars(select(WalkInTransition.walk_in_id).where(WalkInTransition.kind.in_(("finish", "cancel"))))
        )
        past = session.scalars(select(WalkIn.id).where(WalkIn.arrived_at < datetime(2026, 11, 23, 23))).all()
    # default open hours: Monday–Thursday only, never before 9 or after 17
    local = [to_local(moment) for moment in arrivals if to_local(moment).date() < TODAY]
    assert local and all(moment.weekday() < 4 and 9 <= moment.hour < 17 for moment in local)
    assert set(past) <= closed


def test_citizens_look_like_the_target_group(demo):
    db, _, _ = demo
    benefit_codes = {term.code for term in load_reference().benefit_types.terms} | {None}
    with db.session() as session:
        citizens = session.scalars(select(Citizen)).all()
    without_cpr = sum(c.cpr is None for c in citizens) / len(citizens)
    without_phone = sum(c.phone is None for c in citizens) / len(citizens)
    assert 0.07 < without_cpr < 0.25
    assert 0.2 < without_phone < 0.4
    modulus_failures = 0
    for citizen in citizens:
        assert citizen.benefit_type in benefit_codes
        if citizen.phone:
            assert len(citizen.phone) == 8 and citizen.phone[0] not in "01"
        if citizen.cpr:
            info = parse_cpr(citizen.cpr, today=TODAY)  # every generated CPR is a valid number
            assert (info.birth_date, info.sex) == (citizen.birth_date, citizen.sex)
            age = (TODAY - info.birth_date).days // 365.25
            assert 18 <= age <= 64
            modulus_failures += not info.modulus11_ok
    assert modulus_failures >= 1  # numbers failing modulus 11 are valid and must be handled
    assert len({c.cpr for c in citizens if c.cpr}) == sum(1 for c in citizens if c.cpr)


def test_timeline_uses_the_reference_event_kinds(demo):
    db, _, _ = demo
    kinds = load_reference().event_kinds
    with db.session() as session:
        used = Counter(session.scalars(select(Event.kind)))
        walk_in_events = session.scalar(select(func.count()).where(Event.walk_in_id.is_not(None)))
    assert all(kinds.has_active(kind) for kind in used)
    assert len(used) >= 10
    assert walk_in_events == used["aaben_raadgivning"] > 0


def test_open_follow_ups_are_due_on_working_days(demo):
    db, _, _ = demo
    from aaben_raadgivning.domain.workdays import WorkdayCalendar

    calendar = WorkdayCalendar()
    with db.session() as session:
        tasks = session.scalars(select(FollowUpTask)).all()
    assert tasks and all(task.status == "open" or task.rule == "agreement_plan" for task in tasks)
    assert all(calendar.is_working_day(task.due_date) for task in tasks)
    assert any(task.due_date < TODAY for task in tasks) and any(task.due_date >= TODAY for task in tasks)


def test_citizens_are_searchable_by_name(demo):
    db, _, _ = demo
    with db.session() as session:
        names = session.scalars(select(Citizen.name).order_by(Citizen.id).limit(5)).all()
    for name in names:
        assert name in [hit.name for hit in search_citizens(db, name, limit=50, viewer=Viewer.system())]


def test_progress_is_reported_up_to_done(demo):
    _, _, steps = demo
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(step for _, step in steps)


def test_one_audit_entry_for_the_generation(demo):
    db, _, _ = demo
    with db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "demo")).all()
    assert len(entries) == 1 and "400 borgere" in entries[0].detail


def test_durability_setting_is_restored(demo):
    db, _, _ = demo
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_second_run_adds_citizens_but_reuses_staff_and_office(tmp_path, clock):
    db = _open(tmp_path, clock)
    first = generate_demo(db, citizens=5, days=5, events_per_citizen=1)
    second = generate_demo(db, citizens=5, days=5, events_per_citizen=1, seed=2)
    assert (first.staff, first.offices, second.staff, second.offices) == (4, 1, 0, 0)
    assert _count(db, Citizen) == 10 and _count(db, Staff) == 4 and _count(db, Office) == 1
    db.close()


def test_same_seed_gives_the_same_people(tmp_path, clock):
    names = []
    for name in ("a", "b"):
        db = _open(tmp_path / name, clock)
        generate_demo(db, citizens=20, days=10, events_per_citizen=2, seed=42)
        with db.session() as session:
            names.append(session.scalars(select(Citizen.name).order_by(Citizen.cpr, Citizen.name)).all())
        db.close()
    assert names[0] == names[1]


def test_zero_citizens_still_gives_staff_and_an_anonymous_queue(tmp_path, clock):
    db = _open(tmp_path, clock)
    summary = generate_demo(db, citizens=0, days=3)
    assert summary.citizens == 0 and summary.walk_ins > 0
    assert all(view.anonymous for view in walk_ins_on(db, TODAY))
    db.close()


def test_timestamps_are_stored_in_the_same_text_form_as_orm_writes(demo):
    """Range queries compare the stored text, so bulk rows must use SQLAlchemy's exact format."""
    db, _, _ = demo
    with db.engine.connect() as connection:
        demo_row = connection.exec_driver_sql("SELECT arrived_at FROM walk_ins LIMIT 1").scalar()
        orm_row = connection.exec_driver_sql("SELECT at FROM audit_log LIMIT 1").scalar()  # written by Tx
        born = connection.exec_driver_sql("SELECT birth_date FROM citizens WHERE birth_date IS NOT NULL").scalar()
    assert len(demo_row) == len(orm_row) == len("2026-11-24 09:15:00.000000") and demo_row[10] == orm_row[10] == " "
    assert len(born) == 10


def test_companies_and_agreements(demo):
    """Valid CVR numbers, agreements of every status (some renegotiated), plan tasks for the active ones
    exactly as the store's sync would key them, and monthly hours reports."""
    from aaben_raadgivning.domain.agreements import Schedule
    from aaben_raadgivning.domain.cvr import checksum_ok
    from aaben_raadgivning.ids import derived_id

    db, summary, _ = demo
    with db.session() as session:
        companies = session.scalars(select(Company)).all()
        agreements = session.scalars(select(Agreement)).all()
        tasks = session.scalars(select(FollowUpTask).where(FollowUpTask.rule == "agreement_plan")).all()
        reports = session.scalars(select(HoursReport)).all()
        contacts = session.scalars(select(CompanyContact)).all()
    assert len(companies) == summary.companies >= 6 and all(checksum_ok(c.cvr) for c in companies)
    assert contacts and {c.company_id for c in contacts} == {c.id for c in companies}
    assert len(agreements) == summary.agreements > 20
    statuses = Counter(a.status for a in agreements)
    assert statuses["aktiv"] and statuses["afsluttet"] and statuses["afbrudt"] and statuses["udkast"]
    renegotiated = [a for a in agreements if a.version == 2]
    assert renegotiated and all(a.previous_id for a in renegotiated)
    for agreement in agreements:
        assert not Schedule.from_json(agreement.schedule).is_empty()
        assert agreement.end_date is None or agreement.start_date <= agreement.end_date
    active = {a.id for a in agreements if a.status == "aktiv"}
    assert tasks and {t.agreement_id for t in tasks} <= active
    assert all(t.id == derived_id(t.citizen_id, t.rule_key) for t in tasks)
    assert any(t.status == "done" for t in tasks) and any(t.status == "open" for t in tasks)
    assert len(reports) == summary.hours_reports > 0 and all(r.month.day == 1 for r in reports)

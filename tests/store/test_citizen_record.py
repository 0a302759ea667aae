"""Citizen record actions: visitation, plan, jobformidler, steps, break-off, CPR reveal — rows, events, audit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizen_record import (
    advance_step,
    assign_jobformidler,
    break_off_course,
    record_visitation,
    reveal_cpr,
    update_plan,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Citizen, Event
from aaben_raadgivning.store.queries.citizen import citizen_summary
from aaben_raadgivning.store.queries.viewer import Viewer

TODAY = date(2026, 11, 24)


def snapshot(db) -> dict[str, int]:
    with db.session() as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Citizen, Event, ChangeLogEntry, AuditEntry)
        }


def events(db, citizen_id, kind=None) -> list[Event]:
    with db.session() as session:
        query = select(Event).where(Event.citizen_id == citizen_id).order_by(Event.recorded_at, Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(session.scalars(query))


def get(db, citizen_id) -> Citizen:
    with db.session() as session:
        return session.get(Citizen, citizen_id)


@pytest.fixture
def citizen(world):
    return create_citizen(world.db, world.jk.id, name="Amina Hussein", cpr="010190-1234")


@pytest.mark.parametrize(
    ("outcome", "step", "route", "extra_kinds"),
    [
        ("projekt", "trin1", None, []),
        ("rehab", "afsluttet", "rehab", []),
        ("underretning", "afsluttet", "underretning", ["underretning"]),
    ],
)
def test_visitation_outcomes(world, citizen, outcome, step, route, extra_kinds):
    record_visitation(world.db, world.jk.id, citizen.id, outcome, "Samtale 24.11")
    stored = get(world.db, citizen.id)
    assert (stored.visitation, stored.step, stored.route) == (outcome, step, route)
    assert (stored.step_model, stored.step_model_version) == ("flere_skal_med", 1)
    assert [e.kind for e in events(world.db, citizen.id)] == ["visitation", *extra_kinds]
    assert (stored.project_start == TODAY) == (outcome == "projekt")


def test_only_the_authority_visits_and_bad_outcome_writes_nothing(world, citizen):
    before = snapshot(world.db)
    with pytest.raises(PermissionDenied, match="Som jobformidler kan du ikke visitere en borger"):
        record_visitation(world.db, world.jf.id, citizen.id, "projekt")
    with pytest.raises(ValidationError, match="udfald"):
        record_visitation(world.db, world.jk.id, citizen.id, "no-such-outcome")
    assert snapshot(world.db) == before
    assert get(world.db, citizen.id).step is None


def test_plan_changes_are_logged_field_by_field_with_timeline_events(world, citizen):
    changed = update_plan(
        world.db,
        world.jf.id,
        citizen.id,
        job_goal="Køkkenmedhjælper",
        resources="Kan lide at lave mad",
        barriers="Ondt i ryggen",
        parallel_efforts=["gaeldsraadgivning"],
        cv_status="i_gang",
    )
    assert set(changed) == {"job_goal", "resources", "barriers", "parallel_efforts", "cv_status"}
    assert [e.kind for e in events(world.db, citizen.id)] == ["jobmaal", "cv"]
    with world.db.session() as session:
        fields = set(
            session.scalars(
                select(ChangeLogEntry.field).where(ChangeLogEntry.op == "update", ChangeLogEntry.row_id == citizen.id)
            )
        )
    assert fields == set(changed)
    again = update_plan(
        world.db,
        world.jf.id,
        citizen.id,
        job_goal="Køkkenmedhjælper",
        resources="Kan lide at lave mad",
        barriers="Ondt i ryggen",
        parallel_efforts=["gaeldsraadgivning"],
        cv_status="i_gang",
    )
    assert again == [] and len(events(world.db, citizen.id)) == 2  # saving the same plan changes nothing


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(cv_status="halvt"), "cv_status"),
        (dict(parallel_efforts=["trylleri"]), "parallel_efforts"),
        (dict(job_goal="x" * 5000), "job_goal"),
    ],
)
def test_plan_rejects_bad_input(world, citizen, kwargs, field):
    values = dict(job_goal="", resources="", barriers="", parallel_efforts=[], cv_status="mangler") | kwargs
    before = snapshot(world.db)
    with pytest.raises(ValidationError) as excinfo:
        update_plan(world.db, world.jf.id, citizen.id, **values)
    assert field in excinfo.value.errors
    assert snapshot(world.db) == before


def test_jobformidler_change_needs_reason_and_is_counted(world, citizen):
    assert assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id) == 0  # the first assignment
    other = create_staff(world.db, initials="MO", name="Mona Olsen", role="jobformidler", password="hemmelig1")
    before = snapshot(world.db)
    with pytest.raises(ValidationError) as excinfo:
        assign_jobformidler(world.db, world.jk.id, citizen.id, other.id, "   ")
    assert "chance for job" in excinfo.value.errors["reason"]
    assert snapshot(world.db) == before
    assert assign_jobformidler(world.db, world.jk.id, citizen.id, other.id, "JF på orlov") == 1
    last = events(world.db, citizen.id, "jobformidler")[-1]
    assert last.summary == "Jobformidler skiftet fra Jakob Frederiksen til Mona Olsen"
    assert json.loads(last.data) == {"change": True, "from": world.jf.id, "to": other.id}
    summary = citizen_summary(world.db, citizen.id, TODAY, viewer=Viewer.system())
    assert (summary.jobformidler, summary.jobformidler_changes) == ("Mona Olsen", 1)


def test_advance_needs_criteria_or_a_written_override(world, citizen):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    with pytest.raises(ValidationError) as excinfo:
        advance_step(world.db, world.jk.id, citizen.id)
    assert "CV" in str(excinfo.value)
    with pytest.raises(ValidationError, match="tom"):
        advance_step(world.db, world.jk.id, citizen.id, "  ")
    decision = advance_step(world.db, world.jk.id, citizen.id, "Borgeren starter i praktik i morgen")
    assert decision.overridden and get(world.db, citizen.id).step == "trin2"
    trin = events(world.db, citizen.id, "trin")[-1]
    assert json.loads(trin.data)["override_reason"] == "Borgeren starter i praktik i morgen"
    with world.db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.detail.contains("trods manglende"))).one()
    assert "praktik i morgen" in audit.detail


def test_advance_without_override_when_criteria_are_met(world, citizen):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    update_plan(world.db, world.jf.id, citizen.id, job_goal="Lagermedarbejder", resources="", barriers="",
                parallel_efforts=[], cv_status="faerdig")  # fmt: skip
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    summary = citizen_summary(world.db, citizen.id, TODAY, viewer=Viewer.system())
    assert summary.evaluation.all_met
    decision = advance_step(world.db, world.jf.id, citizen.id)
    assert not decision.overridden and get(world.db, citizen.id).step == "trin2"


@pytest.mark.parametrize(("rehab", "step", "route"), [(False, "trin2", None), (True, "afsluttet", "rehab")])
def test_break_off_from_trin3(world, citizen, rehab, step, route):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    advance_step(world.db, world.jk.id, citizen.id, "test")
    advance_step(world.db, world.jk.id, citizen.id, "test")
    break_off_course(world.db, world.jk.id, citizen.id, reason="Virksomheden lukkede", rehab_target_group=rehab)
    stored = get(world.db, citizen.id)
    assert (stored.step, stored.route) == (step, route)


def test_break_off_rules(world, citizen):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    with pytest.raises(ValidationError, match="intet virksomhedsforløb"):
        break_off_course(world.db, world.jk.id, citizen.id, reason="x")
    with pytest.raises(ValidationError, match="afbrudt"):
        break_off_course(world.db, world.jk.id, citizen.id, reason=" ")
    with pytest.raises(PermissionDenied, match="rehabilitering"):
        break_off_course(world.db, world.jf.id, citizen.id, reason="x", rehab_target_group=True)


def test_changing_the_default_model_does_not_rewrite_a_record(world, citizen):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt", default_model="trappemodel")
    stored = get(world.db, citizen.id)
    assert (stored.step_model, stored.step) == ("trappemodel", "trin0")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")  # the default is flere_skal_med again
    assert get(world.db, citizen.id).step_model == "trappemodel"


def test_reveal_cpr_is_an_audited_read(world, citizen):
    assert reveal_cpr(world.db, world.jf.id, citizen.id) == "0101901234"
    with world.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).one()
    assert (entry.staff_id, entry.citizen_id) == (world.jf.id, citizen.id)

"""The queue's actions on a task: complete, reschedule, reassign, new manual task — rows, events, audit,
and bad input refused in Danish with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.follow_ups import (
    add_manual_follow_up,
    complete_follow_up,
    completion_kinds,
    reassign_follow_up,
    reschedule_follow_up,
    validate_follow_up,
)
from aaben_raadgivning.store.actions.timeline import record_no_show
from aaben_raadgivning.store.models import AuditEntry, Event, FollowUpTask
from support.follow_ups import add_agreement, change_count, citizen_in_project, recompute, tasks

START = date(2026, 11, 16)  # on benefit and in the project since: lab31:1 falls due 23.11.2026, before "today"


@pytest.fixture
def ole(world):
    citizen = citizen_in_project(world, "Ole Berg", START)
    update_base_data(world.db, world.jk.id, citizen.id, benefit_since=START)  # LAB § 31 counts from it
    recompute(world, citizen.id)
    return citizen


def _task(world, task_id):
    with world.db.session() as session:
        return session.get(FollowUpTask, task_id)


def _audit(world, task_id):
    with world.db.session() as session:
        return [a.detail for a in session.scalars(select(AuditEntry).where(AuditEntry.entity_id == task_id))]


def test_the_completion_kinds_include_the_issue_s_four():
    codes = {t.code for t in completion_kinds()}
    assert {"telefon", "personligt_moede", "virksomhedsbesoeg", "sms", "jobsamtale"} <= codes
    assert "udeblivelse" not in codes and "aaben_raadgivning" not in codes  # own actions, not contacts to pick


@pytest.mark.parametrize("kind", ["telefon", "personligt_moede", "virksomhedsbesoeg", "sms"])
def test_complete_a_manual_task_with_each_contact_kind(world, ole, kind):
    request = validate_follow_up("i morgen", world.jf.id, "Ring om praktik", date(2026, 11, 24), world.runtime.calendar)
    manual = add_manual_follow_up(world.db, world.jk.id, ole.id, request)
    done, event = complete_follow_up(world.db, world.jf.id, manual.id, kind=kind, note="Talt om praktik\nflere linjer")
    row = _task(world, manual.id)
    assert (row.status, row.completed_by, row.completed_event_id) == ("done", world.jf.id, event.id)
    with world.db.session() as session:
        stored = session.get(Event, event.id)
        assert (stored.kind, stored.citizen_id, stored.details) == (kind, ole.id, "Talt om praktik\nflere linjer")
        assert stored.summary.endswith(": Talt om praktik")
    assert _audit(world, manual.id) == ["Opfølgning oprettet: manuel", f"Opfølgning udført: {kind}"]


@pytest.mark.parametrize(
    ("kind", "note", "field", "message"),
    [
        ("", "x", "kind", "Vælg hvordan kontakten foregik."),
        ("udeblivelse", "x", "kind", "Vælg hvordan kontakten foregik."),
        ("telefon", "  ", "note", "Skriv kort, hvad kontakten gav."),
        ("telefon", "x" * 4001, "note", "Teksten er for lang (højst 4000 tegn)."),
        ("sms", "Sendt sms", "kind", "vælg «Jobsamtale»"),  # a LAB § 31 task needs a jobsamtale
    ],
)
def test_complete_refuses_bad_input_and_writes_nothing(world, ole, kind, note, field, message):
    task_id = derived_id(ole.id, "lab31:1")
    before = change_count(world)
    with pytest.raises(ValidationError) as excinfo:
        complete_follow_up(world.db, world.jf.id, task_id, kind=kind, note=note)
    assert message in excinfo.value.errors[field]
    assert change_count(world) == before and _task(world, task_id).status == "open"


def test_a_no_show_task_needs_a_personal_contact(world, ole):
    _, task = record_no_show(world.db, world.jk.id, ole.id, calendar=world.runtime.calendar)
    with pytest.raises(ValidationError, match="personlig"):
        complete_follow_up(world.db, world.jf.id, task.id, kind="sms", note="SMS sendt")
    complete_follow_up(world.db, world.jf.id, task.id, kind="telefon", note="Ringet, syg")
    assert _task(world, task.id).status == "done"


def test_a_monthly_contact_task_needs_a_personal_contact(world, ole):
    """Seeds 000 KE 7 / 003 KE 4: completing the monthly contact with an SMS would show it done while the
    rule is unmet (an SMS does not count), so it is refused; a phone call by the jobformidler closes it."""
    add_agreement(world, ole.id, date(2026, 10, 1))
    recompute(world, ole.id)
    [(key, task)] = [(k, t) for k, t in tasks(world, ole.id).items() if t.rule == "monthly_contact"]
    assert key == "monthly_contact@2026-10-01"
    with pytest.raises(ValidationError, match="Den månedlige kontakt skal være personlig"):
        complete_follow_up(world.db, world.jf.id, task.id, kind="sms", note="SMS sendt")
    # a jobkonsulent's call is personal but not the jobformidler's contact (data: follow_up_policy.toml)
    with pytest.raises(ValidationError, match="mellem borgeren og jobformidleren"):
        complete_follow_up(world.db, world.jk.id, task.id, kind="telefon", note="Ringet")
    assert _task(world, task.id).status == "open"
    complete_follow_up(world.db, world.jf.id, task.id, kind="telefon", note="Ringet, går godt")
    assert _task(world, task.id).status == "done"
    following = [k for k, t in tasks(world, ole.id).items() if t.rule == "monthly_contact"]
    assert following == ["monthly_contact@2026-11-24"]  # the jobformidler's call is the new anchor


def test_completing_twice_or_a_vanished_task_is_refused(world, ole):
    task_id = derived_id(ole.id, "lab31:1")
    complete_follow_up(world.db, world.jf.id, task_id, kind="jobsamtale", note="Holdt")
    with pytest.raises(ValidationError, match="allerede udført"):
        complete_follow_up(world.db, world.jf.id, task_id, kind="jobsamtale", note="Igen")
    with pytest.raises(NotFoundError):
        complete_follow_up(world.db, world.jf.id, "no-such-task", kind="telefon", note="x")


@pytest.mark.parametrize(
    ("text", "due", "notice"),
    [
        ("1.12.2026", date(2026, 12, 1), ""),
        ("28.11.2026", date(2026, 11, 30), "28.11.2026 er ikke en arbejdsdag; fristen er flyttet til 30.11.2026."),
        ("24.12.2026", date(2026, 12, 28), "24.12.2026 er ikke en arbejdsdag; fristen er flyttet til 28.12.2026."),
        ("i morgen", date(2026, 11, 25), ""),
    ],
)
def test_reschedule(world, ole, text, due, notice):
    task_id = derived_id(ole.id, "lab31:1")
    result = reschedule_follow_up(
        world.db, world.jf.id, task_id, due_text=text, reason="Syg", calendar=world.runtime.calendar
    )
    assert (result.task.due_date, result.notice) == (due, notice)
    row = _task(world, task_id)
    assert row.due_date == due and row.note.endswith(": Syg") and row.note.startswith("Flyttet fra 23.11.2026")
    assert _audit(world, task_id)[-1].startswith("Frist flyttet fra 23.11.2026")


@pytest.mark.parametrize(
    ("text", "reason", "field", "message"),
    [
        ("31.02.2026", "Syg", "due_date", "ikke en gyldig dato"),
        ("1.11.2026", "Syg", "due_date", "Fristen 01.11.2026 ligger før i dag."),
        ("1.12.2026", " ", "reason", "Skriv hvorfor fristen flyttes."),
        ("23.11.2026", "Syg", "due_date", "ligger før i dag"),
    ],
)
def test_reschedule_refuses_bad_input(world, ole, text, reason, field, message):
    task_id = derived_id(ole.id, "lab31:1")
    before = change_count(world)
    with pytest.raises(ValidationError) as excinfo:
        reschedule_follow_up(
            world.db, world.jf.id, task_id, due_text=text, reason=reason, calendar=world.runtime.calendar
        )
    assert message in excinfo.value.errors[field]
    assert change_count(world) == before


def test_reassign(world, ole):
    task_id = derived_id(ole.id, "lab31:1")
    assert _task(world, task_id).assignee_id == world.jk.id
    reassign_follow_up(world.db, world.jk.id, task_id, world.jf.id)
    assert _task(world, task_id).assignee_id == world.jf.id
    assert _audit(world, task_id) == ["Opgave overdraget fra JK til JF"]
    for assignee, message in ((None, "Vælg hvem"), ("nobody", "findes ikke"), (world.jf.id, "allerede")):
        with pytest.raises(ValidationError, match=message):
            reassign_follow_up(world.db, world.jk.id, task_id, assignee)


def test_a_reassigned_derived_task_keeps_its_assignee_on_recompute(world, ole):
    task_id = derived_id(ole.id, "lab31:1")
    reassign_follow_up(world.db, world.jk.id, task_id, world.jf.id)
    record_no_show(world.db, world.jk.id, ole.id, calendar=world.runtime.calendar)  # recomputes
    assert tasks(world, ole.id)["lab31:1"].assignee_id == world.jf.id


def test_manual_task_needs_a_known_kind(world, ole):
    request = validate_follow_up("+3", world.jf.id, "Ring", date(2026, 11, 24), world.runtime.calendar)
    with pytest.raises(ValidationError, match="slags"):
        add_manual_follow_up(world.db, world.jk.id, ole.id, request, kind="ukendt")
    task = add_manual_follow_up(world.db, world.jk.id, ole.id, request, kind="tilbagemelding")
    assert (task.rule, task.rule_key, task.kind, task.due_date) == (
        "manuel",
        None,
        "tilbagemelding",
        date(2026, 11, 27),
    )


def test_completing_a_delmaal_task_from_the_queue_starts_its_next_six_weeks(world):
    from aaben_raadgivning.store.actions.sub_goals import add_sub_goal

    citizen = citizen_in_project(world, "Ole Berg", None)
    goal = add_sub_goal(world.db, world.jk.id, citizen.id, "Møde til tiden", calendar=world.runtime.calendar)
    [task] = tasks(world, citizen.id).values()
    world.clock.advance(days=7)
    _, event = complete_follow_up(world.db, world.jf.id, task.id, kind="personligt_moede", note="Talt om delmålet")
    assert event.subject_id == goal.id
    [following] = tasks(world, citizen.id).values()
    assert following.rule_key == f"sub_goal:{goal.id}@2026-12-01" and following.due_date == date(2027, 1, 12)
    assert _task(world, task.id).status == "done"

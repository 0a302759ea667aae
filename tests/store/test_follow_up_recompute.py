"""Derived follow-up tasks end to end: real events through the actions, the recompute in the same
transaction, idempotency, deterministic ids, and what the recompute must never touch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import assign_jobformidler
from aaben_raadgivning.store.actions.follow_ups import (
    complete_follow_up,
    reschedule_follow_up,
)
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.follow_ups.recompute import recompute_follow_ups
from aaben_raadgivning.store.models import FollowUpTask
from support.follow_ups import (
    TODAY,
    add_agreement,
    change_count,
    citizen_in_project,
    due_by_key,
    local,
    recompute,
    tasks,
)

START = date(2026, 10, 15)  # a Thursday, 40 days before the fixed "today" (Tue 24.11.2026)


def _event(world, citizen, kind: str, day: date, hour: int = 10, by=None):
    staff = by or world.jk
    add_event(world.db, staff.id, citizen.id, kind=kind, summary=kind.capitalize(), occurred_at=local(day, hour))


def _no_show(world, citizen, day: date, hour: int = 9):
    record_no_show(world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar, occurred_at=local(day, hour))


def on_benefit_since(world, citizen, day: date | None) -> None:
    """Record the citizen's benefit start (stamdata) and recompute, as the base-data action should."""
    if day is not None:
        update_base_data(world.db, world.jk.id, citizen.id, benefit_since=day)
        recompute(world, citizen.id)


# (project start, benefit since, actions: [(kind, day[, "jf"])], agreements: [(start, status, chained)],
# expected {rule key: due}). Events are recorded by the jobkonsulent unless marked "jf" (the jobformidler).
CASES = {
    "not in the project: nothing": (None, None, [], [], {}),
    "new in the project, new on benefit: first jobsamtale within 7 days (LAB § 31), 30 days of silence": (
        START, START, [], [], {"lab31:1": date(2026, 10, 22), "inactivity@2026-10-15": date(2026, 11, 16)},  # 14.11 is a Saturday
    ),
    "5 years on benefit, new in the project: no LAB § 31 task (the law counts from the benefit start)": (
        START, date(2021, 3, 1), [], [], {"inactivity@2026-10-15": date(2026, 11, 16)},
    ),
    "on benefit for 3 weeks, not in the project: the law applies all the same": (
        None, date(2026, 11, 3), [], [], {"lab31:1": date(2026, 11, 10)},
    ),
    "a contact yesterday moves the inactivity task to a new occurrence": (
        START, START, [("telefon", date(2026, 11, 23))], [], {"lab31:1": date(2026, 10, 22), "inactivity@2026-11-23": date(2026, 12, 23)},
    ),
    "a jobsamtale counts for LAB § 31 and as contact": (
        START, START, [("jobsamtale", date(2026, 10, 20))], [],
        {"lab31:2": date(2026, 12, 17), "inactivity@2026-10-20": date(2026, 11, 19)},
    ),
    "sms is contact but not a jobsamtale": (
        START, START, [("sms", date(2026, 11, 20))], [], {"lab31:1": date(2026, 10, 22), "inactivity@2026-11-20": date(2026, 12, 21)},
    ),
    "a no-show asks for personal contact the next working day": (
        None, None, [("udeblivelse", date(2026, 11, 20))], [], {"no_show:2026-11-20": date(2026, 11, 23)},
    ),
    "a personal contact after the no-show closes it": (
        None, None, [("udeblivelse", date(2026, 11, 20)), ("telefon", date(2026, 11, 23))], [], {},
    ),
    "an sms after the no-show does not close it": (
        None, None, [("udeblivelse", date(2026, 11, 20)), ("sms", date(2026, 11, 23))], [], {"no_show:2026-11-20": date(2026, 11, 23)},
    ),
    "monthly contact in the first year of a company course (seed 000 KE 7, 003 KE 4)": (
        date(2026, 6, 1), None, [("telefon", date(2026, 11, 12), "jf")],
        [(date(2026, 10, 1), "aktiv", False)], {"monthly_contact@2026-11-12": date(2026, 12, 14)},  # 12.12 is a Saturday
    ),
    "monthly contact: an sms from the jobformidler is not personal contact": (
        date(2026, 6, 1), None, [("telefon", date(2026, 11, 2), "jf"), ("sms", date(2026, 11, 12), "jf")],
        [(date(2026, 10, 1), "aktiv", False)], {"monthly_contact@2026-11-02": date(2026, 12, 2)},
    ),
    "monthly contact: the jobkonsulent's call is not the jobformidler's contact": (
        date(2026, 6, 1), None, [("telefon", date(2026, 11, 2), "jf"), ("telefon", date(2026, 11, 12))],
        [(date(2026, 10, 1), "aktiv", False)], {"monthly_contact@2026-11-02": date(2026, 12, 2)},
    ),
    "a renegotiated agreement keeps the first version's start": (
        date(2025, 1, 6), None, [("telefon", date(2026, 11, 20), "jf")],
        [(date(2026, 1, 12), "genforhandlet", False), (date(2026, 5, 1), "aktiv", True)],
        {"monthly_contact@2026-11-20": date(2026, 12, 21)},  # 20.12 is a Sunday; course started 10 months ago
    ),
    "a course that started 13 months ago has no monthly task": (
        date(2025, 1, 6), None, [("telefon", date(2026, 11, 20))], [(date(2025, 10, 20), "aktiv", False)],
        {"inactivity@2026-11-20": date(2026, 12, 21)},  # the ordinary cadence
    ),
    "a draft agreement is no course": (
        date(2025, 1, 6), None, [("telefon", date(2026, 11, 20))], [(date(2026, 10, 1), "udkast", False)],
        {"inactivity@2026-11-20": date(2026, 12, 21)},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_rule_end_to_end(world, case):
    start, benefit_since, actions, agreements, expected = case
    citizen = citizen_in_project(world, "Ole Berg", start)
    on_benefit_since(world, citizen, benefit_since)
    previous = None
    for agreement_start, status, chained in agreements:
        previous = add_agreement(world, citizen.id, agreement_start, status=status,
                                 previous_id=previous.id if chained and previous else None).id  # fmt: skip
        previous = type("A", (), {"id": previous})
    for kind, day, *by in actions:
        if kind == "udeblivelse":
            _no_show(world, citizen, day)
        else:
            _event(world, citizen, kind, day, by=world.jf if by else None)
    if agreements:
        recompute(world, citizen.id)  # what the agreement actions call after saving
    assert due_by_key(world, citizen.id) == expected
    for key, task in tasks(world, citizen.id).items():
        assert task.id == derived_id(citizen.id, key)  # the same row on every laptop
        assert task.reason and task.kind in {
            "personlig_kontakt",
            "jobsamtale",
            "opsoegende_kontakt",
            "delmaal_vurdering",
        }
        assert task.reason.endswith("(LAB § 31)") == (task.rule == "lab31")


def test_delmaal_task_is_the_engines_sub_goal_rule(world):
    citizen = citizen_in_project(world, "Ole Berg", None)
    goal = add_sub_goal(world.db, world.jk.id, citizen.id, "Møde til tiden", calendar=world.runtime.calendar)
    [(key, task)] = tasks(world, citizen.id).items()
    assert key == f"sub_goal:{goal.id}@2026-11-24"
    assert (task.rule, task.kind, task.subject_id, task.due_date) == (
        "sub_goal",
        "delmaal_vurdering",
        goal.id,
        date(2027, 1, 5),
    )
    assert "Delmål sidst vurderet 24.11.2026" in task.reason


def test_recompute_twice_writes_nothing(world):
    citizen = citizen_in_project(world, "Ole Berg", START)
    _no_show(world, citizen, date(2026, 11, 20))
    before_tasks = {k: (t.id, t.due_date, t.reason) for k, t in tasks(world, citizen.id).items()}
    before = change_count(world)
    assert not recompute(world, citizen.id).changed
    assert not recompute(world, citizen.id).changed
    assert change_count(world) == before
    assert {k: (t.id, t.due_date, t.reason) for k, t in tasks(world, citizen.id).items()} == before_tasks


def test_unneeded_open_task_is_tombstoned_and_done_stays_done(world):
    citizen = citizen_in_project(world, "Ole Berg", START)
    on_benefit_since(world, citizen, START)
    lab31 = tasks(world, citizen.id)["lab31:1"]
    complete_follow_up(world.db, world.jf.id, lab31.id, kind="jobsamtale", note="Første jobsamtale holdt")
    open_now = tasks(world, citizen.id)
    assert "lab31:1" not in open_now and "lab31:2" in open_now  # the next derived task appeared
    assert "inactivity@2026-10-15" not in open_now and "inactivity@2026-11-24" in open_now  # a contact today
    gone = tasks(world, citizen.id, status=None, alive=False)["inactivity@2026-10-15"]
    assert gone.deleted_at is not None and gone.status == "open"
    done = tasks(world, citizen.id, status="done")["lab31:1"]
    assert done.completed_by == world.jf.id and done.completed_event_id
    recompute(world, citizen.id)
    assert tasks(world, citizen.id, status="done")["lab31:1"].deleted_at is None


@pytest.mark.parametrize("rescheduled", [False, True])
def test_a_moved_rule_moves_the_task_unless_a_person_rescheduled_it(world, rescheduled):
    citizen = citizen_in_project(world, "Ole Berg", date(2026, 11, 23))
    on_benefit_since(world, citizen, date(2026, 11, 23))
    task = tasks(world, citizen.id)["lab31:1"]
    assert task.due_date == date(2026, 11, 30)
    if rescheduled:
        reschedule_follow_up(world.db, world.jf.id, task.id, due_text="2.12.2026", reason="Borgeren er syg",
                             calendar=world.runtime.calendar)  # fmt: skip
    rules = replace(load_rules(), first_jobsamtale_within_days=3)  # the municipality changes the rule
    with world.db.transaction() as tx:
        recompute_follow_ups(tx, citizen.id, rules=rules, calendar=world.runtime.calendar, today=TODAY)
    expected = date(2026, 12, 2) if rescheduled else date(2026, 11, 26)
    assert tasks(world, citizen.id)["lab31:1"].due_date == expected


def test_manual_agreement_plan_and_legacy_tasks_are_left_alone(world):
    citizen = citizen_in_project(world, "Ole Berg", None)
    with world.db.transaction() as tx:
        for rule, key in (("manuel", None), ("agreement_plan", "agreement:a1:1"), ("udeblivelse", None)):
            tx.add(FollowUpTask(citizen_id=citizen.id, kind="manuel", rule=rule, rule_key=key, reason="x",
                                due_date=date(2026, 12, 1), status="open", created_at=tx.now))  # fmt: skip
    before = change_count(world)
    recompute(world, citizen.id)
    assert change_count(world) == before
    assert sorted(t.rule for t in tasks(world, citizen.id).values()) == ["agreement_plan", "manuel", "udeblivelse"]


def test_a_legacy_delmaal_task_is_adopted_not_duplicated(world):
    citizen = citizen_in_project(world, "Ole Berg", None)
    goal = add_sub_goal(world.db, world.jk.id, citizen.id, "Møde til tiden", calendar=world.runtime.calendar)
    with world.db.transaction() as tx:  # turn the task into what the old delmål action wrote
        task = tx.session.get(FollowUpTask, next(iter(tasks(world, citizen.id).values())).id)
        tx.update(task, rule="delmaal_vurdering", rule_key=None, kind="manuel")
    recompute(world, citizen.id)
    [(key, adopted)] = tasks(world, citizen.id).items()
    assert (key, adopted.id, adopted.rule, adopted.kind) == (
        f"sub_goal:{goal.id}@2026-11-24",
        task.id,
        "sub_goal",
        "delmaal_vurdering",
    )


def test_assignee_is_the_jobformidler_and_follows_a_change(world):
    citizen = citizen_in_project(world, "Ole Berg", START)
    assert {t.assignee_id for t in tasks(world, citizen.id).values()} == {
        world.jk.id
    }  # who visitated (no jobformidler)
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    assert {t.assignee_id for t in tasks(world, citizen.id).values()} == {world.jf.id}


def test_a_correction_that_removes_the_contact_brings_the_task_back(world):
    citizen = citizen_in_project(world, "Ole Berg", START)
    call = add_event(
        world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet", occurred_at=local(date(2026, 11, 23))
    )
    assert "inactivity@2026-10-15" not in tasks(world, citizen.id)
    add_event(world.db, world.jk.id, citizen.id, kind="note", summary="Rettet: det var kun en note",
              occurred_at=local(date(2026, 11, 23)), corrects_id=call.id)  # fmt: skip
    back = tasks(world, citizen.id)["inactivity@2026-10-15"]
    assert back.id == derived_id(citizen.id, "inactivity@2026-10-15") and back.deleted_at is None


def test_a_finished_walk_in_is_a_contact_that_moves_the_inactivity_task(world):
    from aaben_raadgivning.store.actions.walk_ins import (
        finish_walk_in,
        register_walk_in,
    )

    citizen = citizen_in_project(world, "Ole Berg", START)
    assert "inactivity@2026-10-15" in tasks(world, citizen.id)
    walk_in = register_walk_in(world.db, world.jk.id, reason="post", citizen_id=citizen.id)
    finish_walk_in(world.db, world.jf.id, walk_in.id, outcome="Brev forklaret")
    open_now = tasks(world, citizen.id)
    assert "inactivity@2026-10-15" not in open_now and open_now["inactivity@2026-11-24"].due_date == date(
        2026, 12, 28
    )  # 24.12-27.12 are days off


def test_leaving_the_project_removes_the_cadence_tasks_but_not_the_no_show(world):
    from aaben_raadgivning.store.models import Citizen

    citizen = citizen_in_project(world, "Ole Berg", START)
    _no_show(world, citizen, date(2026, 11, 23))
    with world.db.transaction() as tx:  # self-supporting: out of the project
        tx.update(tx.session.get(Citizen, citizen.id), self_supporting=True)
    recompute(world, citizen.id)
    assert set(tasks(world, citizen.id)) == {"no_show:2026-11-23"}

"""The routes out of the project end to end: the jobkonsulent's visitation through the real action, the tasks
that land in the database, and the status the store returns for a screen (seed 003, trin 1; seed 000)."""

from __future__ import annotations

from datetime import date

import pytest

from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.follow_ups import complete_follow_up
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.queries.route_status import route_status
from support.follow_ups import TODAY, due_by_key, recompute, tasks

DECIDED = TODAY  # Tue 24.11.2026: the visitation is recorded today


def _visited(world, outcome: str, *, benefit_since: date | None = None) -> Citizen:
    citizen = create_citizen(world.db, world.jk.id, name="Amina Yusuf")
    if benefit_since is not None:
        update_base_data(world.db, world.jk.id, citizen.id, benefit_since=benefit_since)
        recompute(world, citizen.id)
    record_visitation(world.db, world.jk.id, citizen.id, outcome)
    return citizen


def _status(world, citizen_id: str):
    with world.db.session() as session:
        return route_status(session, session.get(Citizen, citizen_id))


@pytest.mark.parametrize(
    ("outcome", "benefit_since", "expected"),
    [
        # seed 003, gruppe 3: the underretning is followed up in 14 days; the ordinary contact keeps running
        # (opsøgende kontakt after 30 days without contact: 24.12 is a day off → 28.12)
        ("underretning", None,
         {"underretning@2026-11-24": date(2026, 12, 8), "inactivity@2026-11-24": date(2026, 12, 28)}),
        # … and LAB § 31 with it, while the benefit period's first months run (benefit from 16.11: first
        # jobsamtale by 23.11, already overdue)
        ("underretning", date(2026, 11, 16),
         {"underretning@2026-11-24": date(2026, 12, 8), "inactivity@2026-11-24": date(2026, 12, 28),
          "lab31:1": date(2026, 11, 23)}),
        # 5+ years on benefit (Flere skal med's target group): no LAB § 31 task
        ("underretning", date(2019, 2, 1),
         {"underretning@2026-11-24": date(2026, 12, 8), "inactivity@2026-11-24": date(2026, 12, 28)}),
        # seed 003, gruppe 2: the case is prepared for the rehab team within 14 days; no project cadence
        ("rehab", None, {"rehab_preparation@2026-11-24": date(2026, 12, 8)}),
        # into the project: neither route task (a citizen on benefit for years gets no LAB § 31 task)
        ("projekt", date(2019, 2, 1), {"inactivity@2026-11-24": date(2026, 12, 28)}),
    ],
    ids=["underretning", "underretning-lab31", "underretning-5-years", "rehab", "projekt"],
)  # fmt: skip
def test_a_visitation_outcome_leaves_the_tasks_its_route_asks_for(world, outcome, benefit_since, expected):
    citizen = _visited(world, outcome, benefit_since=benefit_since)
    assert due_by_key(world, citizen.id) == expected
    for key, task in tasks(world, citizen.id).items():
        assert task.id == derived_id(citizen.id, key)
        assert task.assignee_id == world.jk.id  # the visiting jobkonsulent (no jobformidler)


def test_underretning_task_text_and_the_status_a_screen_shows(world):
    """Seed 003: «Underretning sendt» is visible, and the underretning is followed up."""
    citizen = _visited(world, "underretning")
    task = tasks(world, citizen.id)["underretning@2026-11-24"]
    assert task.reason.startswith("Underretning til socialforvaltningen 24.11.2026 — følg op")
    status = _status(world, citizen.id)
    assert (status.kind, status.outcome, status.since, status.task_due) == (
        "underretning", "underretning", DECIDED, date(2026, 12, 8)
    )  # fmt: skip
    assert (
        status.text == "Underretning sendt – fortsætter i det ordinære tilbud 24.11.2026 · opfølgning senest 08.12.2026"
    )


def test_rehab_case_is_visibly_sent_to_the_rehab_team_until_and_after_it_is_prepared(world):
    """Seeds 000 / 003: the case is «sendt til rehabiliteringsteamet», not just gone; preparing it (the
    rehabiliteringsplan's preparatory part) is a task with a deadline, and done stays done."""
    citizen = _visited(world, "rehab")
    task = tasks(world, citizen.id)["rehab_preparation@2026-11-24"]
    assert task.reason == (
        "Sendt til rehabiliteringsteamet 24.11.2026 — forbered sagen: rehabiliteringsplanens forberedende del "
        "(inden for 14 dage)"
    )
    assert _status(world, citizen.id).text == (
        "Sendt til rehabiliteringsteamet 24.11.2026 · sagen forberedes senest 08.12.2026"
    )
    complete_follow_up(world.db, world.jk.id, task.id, kind="telefon", note="Sagen sendt til teamet")
    assert tasks(world, citizen.id) == {}
    recompute(world, citizen.id)
    assert tasks(world, citizen.id) == {}  # done stays done: no new preparation task
    status = _status(world, citizen.id)
    assert status.task_done and status.text == "Sendt til rehabiliteringsteamet 24.11.2026 · sagen er forberedt"


def test_no_status_in_the_project(world):
    citizen = _visited(world, "projekt")
    assert _status(world, citizen.id) is None


def test_a_contact_after_the_underretning_moves_the_ordinary_contact_not_the_follow_up(world):
    citizen = _visited(world, "underretning")
    assert tasks(world, citizen.id)["inactivity@2026-11-24"].reason.startswith(
        "Ingen kontakt siden underretningen 24.11.2026 — opsøgende kontakt efter 30 dage uden kontakt"
    )
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet")
    assert due_by_key(world, citizen.id)["underretning@2026-11-24"] == date(2026, 12, 8)
    assert tasks(world, citizen.id)["inactivity@2026-11-24"].reason == (
        "Sidste kontakt 24.11.2026 — opsøgende kontakt efter 30 dage uden kontakt (det ordinære tilbud efter "
        "underretning)"
    )

"""Stagnation in the store (issue 17; seed 000 KE 9, seed 003 KE 6): registering hours recomputes the
citizen's tasks, so hours not rising for ``hours_not_rising_months`` months put «genforhandl aftalen … eller
overvej en anden virksomhed» in the follow-up queue (F5), rising hours take it away, and the daily sweep
looks again when a new month begins. The same citizens are flagged in «Mine borgere» (F8): one definition.

Today is Tue 24.11.2026: October is compared with July."""

from __future__ import annotations

from datetime import date

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.store.actions.follow_up_sweep import sweep_follow_ups
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.queries.caseload import CaseloadFilter, load_caseload
from aaben_raadgivning.store.queries.follow_up_queue import QueueFilter, load_queue
from aaben_raadgivning.store.queries.viewer import Viewer
from support.follow_ups import add_agreement, citizen_in_project, tasks

JUL, OCT = date(2026, 7, 1), date(2026, 10, 1)


def queue(world, citizen_id: str) -> dict[str, tuple[str, str, date]]:
    """What F5 shows for the citizen's stagnation task: rule → (kind, reason, due)."""
    today = to_local(world.clock.utc).date()
    view = load_queue(world.db, QueueFilter(), today, limit=500, viewer=Viewer.system())
    return {
        row.rule: (row.kind_label, row.reason, row.due_date)
        for row in view.rows
        if row.citizen_id == citizen_id and row.rule == "stagnation"
    }


def in_course(world, name: str):
    citizen = citizen_in_project(world, name, date(2026, 3, 1))
    agreement = add_agreement(world, citizen.id, date(2026, 3, 1))
    return citizen, agreement


def test_seed_000_ke9_hours_not_rising_puts_a_task_in_the_queue_and_rising_hours_remove_it(world):
    citizen, agreement = in_course(world, "Mette Jensen")
    register_hours(world.db, world.jf.id, agreement.id, JUL, ordinary=600)
    # October without a report counts 0 hours (as F8 counts it): not rising already
    assert queue(world, citizen.id)["stagnation"][1].startswith("Ordinære timer ikke steget i 3 måneder: 0 t i okt")
    register_hours(world.db, world.jf.id, agreement.id, OCT, ordinary=600)  # the same task, its text updated
    assert queue(world, citizen.id) == {
        "stagnation": (
            "Opfølgning på aftale",
            "Ordinære timer ikke steget i 3 måneder: 10 t i oktober 2026 mod 10 t i juli 2026 (mål 30 t) — "
            "genforhandl aftalen om flere ordinære timer, eller overvej en anden virksomhed (projektets regel)",
            date(2026, 11, 6),  # 5 working days after Sun 01.11
        )
    }
    assert "stagnation@2026-10" in tasks(world, citizen.id)
    # F8 flags the same citizen (the jobkonsulent's caseload)
    view = load_caseload(world.db, CaseloadFilter(), date(2026, 11, 24), viewer=Viewer.of(world.jk))
    assert [row.hours_stalled for row in view.rows if row.citizen_id == citizen.id] == [True]
    # a correction with more hours than July: rising, the open task goes
    register_hours(world.db, world.jf.id, agreement.id, OCT, ordinary=900)
    assert queue(world, citizen.id) == {}
    assert "stagnation@2026-10" not in tasks(world, citizen.id)


def test_seed_003_ke6_the_sweep_looks_again_when_a_month_begins(world):
    """On 01.12 November is compared with August: no hours in either (0 ≤ 0) is still not rising — a new
    occurrence for November, due Tue 08.12; a citizen not in a course gets none."""
    citizen, agreement = in_course(world, "Mette Jensen")
    register_hours(world.db, world.jf.id, agreement.id, JUL, ordinary=600)
    register_hours(world.db, world.jf.id, agreement.id, OCT, ordinary=900)
    other = citizen_in_project(world, "Ole Berg", date(2026, 3, 1))
    sweep_follow_ups(world.db, date(2026, 11, 24))
    assert queue(world, citizen.id) == {}
    world.clock.advance(days=7)  # Tue 01.12.2026
    sweep_follow_ups(world.db, date(2026, 12, 1))
    ((kind, reason, due),) = queue(world, citizen.id).values()
    assert due == date(2026, 12, 8)
    assert reason.startswith("Ordinære timer ikke steget i 3 måneder: 0 t i november 2026 mod 0 t i august 2026")
    assert "stagnation@2026-11" in tasks(world, citizen.id)
    assert queue(world, other.id) == {}

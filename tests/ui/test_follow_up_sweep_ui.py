"""The follow-up sweep in the app: it runs in a worker after log-in and when the date changes while the app
is open, and the queue (F5) shows the tasks as of the new day."""

from __future__ import annotations

from datetime import date

from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import assign_jobformidler
from aaben_raadgivning.store.follow_ups.sweep import last_sweep_date
from aaben_raadgivning.store.models import FollowUpTask
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen
from support.follow_ups import citizen_in_project
from support.pilot import login, screen_text, wait_for_text

SIZE = (80, 24)


def lab31_task(world, citizen_id: str) -> FollowUpTask:
    with world.db.session() as session:
        return session.get(FollowUpTask, derived_id(citizen_id, "lab31:1"))


def six_months_in_project(world):
    """Lars has been in the project since Mon 25.05.2026 without a jobsamtale: on Tue 24.11 the queue has his
    LAB § 31 task and an inactivity task; the six months end on Wed 25.11."""
    citizen = citizen_in_project(world, "Lars Vang", date(2026, 5, 25))
    update_base_data(world.db, world.jk.id, citizen.id, benefit_since=date(2026, 5, 25))  # LAB § 31 runs from it
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    return citizen


async def test_the_start_up_sweep_updates_the_queue_to_the_new_day(world):
    lars = six_months_in_project(world)
    world.clock.advance(days=1)  # Wednesday: nobody has opened the app since yesterday
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "JF")
        await app.workers.wait_for_complete()
        await pilot.press("f5")
        text = await wait_for_text(pilot, "Opfølgning · Mine (JF)")
        assert "Overskredet 1 · I dag 0" in text  # only the inactivity task is left
        assert "Lars Vang" in text and "Opsøgende kontakt" in text
        assert "Jobsamtale" not in text and "LAB § 31" not in text
    assert lab31_task(world, lars.id).deleted_at is not None
    with world.db.session() as session:
        assert last_sweep_date(session) == date(2026, 11, 25)


async def test_the_showing_queue_refreshes_when_the_date_changes(world):
    six_months_in_project(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "JF")
        await pilot.press("f5")
        text = await wait_for_text(pilot, "Opfølgning · Mine (JF)")
        assert "Overskredet 2" in text and "Jobsamtale" in text
        world.clock.advance(days=1)  # midnight passes with the queue open
        app.start_follow_up_sweep()  # what the hourly check calls
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
        text = await wait_for_text(pilot, "Overskredet 1 · I dag 0")
        assert "Jobsamtale" not in text
        app.start_follow_up_sweep()  # the same day again: nothing to do, no worker started
        assert not [w for w in app.workers if w.group == "follow-up-sweep" and not w.is_finished]
        assert "Jobsamtale" not in screen_text(app)

"""Snapshot tests of the citizen screen (F3) at 80×24. Update with --snapshot-update."""

from __future__ import annotations

from datetime import timedelta

from aaben_raadgivning.store.actions.citizen_record import (
    assign_jobformidler,
    record_visitation,
    update_plan,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.ui.app import AabenApp
from support.clock import LOCAL_NOW, FixedClock
from support.pilot import login, type_text

SIZE = (80, 24)


def amina(world) -> None:
    """A citizen in trin 1 with a plan, a jobformidler, a delmål and a few weeks of timeline."""

    def on(days: int, hour: int = 10) -> None:
        world.clock.utc = FixedClock(LOCAL_NOW - timedelta(days=days) + timedelta(hours=hour - LOCAL_NOW.hour)).utc

    db, jk, jf = world.db, world.jk.id, world.jf.id
    on(40)
    citizen = create_citizen(db, jk, name="Amina Hussein", cpr="010190-1234", phone="20304050")
    on(35)
    record_visitation(db, jk, citizen.id, "projekt", "Vil gerne i arbejde med det samme")
    on(28)
    update_plan(
        db, jk, citizen.id, job_goal="Lagermedarbejder", resources="Stabil", barriers="Ondt i ryggen",
        parallel_efforts=["sprog"], cv_status="i_gang",
    )  # fmt: skip
    on(21)
    assign_jobformidler(db, jk, citizen.id, jf)
    on(14, 9)
    add_event(db, jf, citizen.id, kind="samtale", summary="Jobsamtale: lager hos Bilka, CV gennemgået")
    on(10, 13)
    wrong = add_event(db, jf, citizen.id, kind="telefon", summary="Aftalt møde 20.11")
    on(10, 14)
    add_event(db, jf, citizen.id, kind="telefon", summary="Aftalt møde 19.11", corrects_id=wrong.id)
    on(5)
    record_no_show(db, jf, citizen.id, calendar=world.runtime.calendar, what="Jobsamtale")
    on(4)
    add_event(db, jf, citizen.id, kind="telefon", summary="Ringet op efter udeblivelsen – var syg")
    on(1)
    add_sub_goal(db, jf, citizen.id, "Møde til tiden tre gange i træk", calendar=world.runtime.calendar)
    world.clock.utc = FixedClock(LOCAL_NOW).utc


async def open_amina(pilot) -> None:
    await login(pilot)
    await pilot.press("f3")
    await type_text(pilot, "amina")
    await pilot.press("enter")
    await pilot.pause()


def test_citizen_screen(world, snap_compare):
    amina(world)
    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=open_amina)


def test_plan_dialog(world, snap_compare):
    amina(world)

    async def run_before(pilot) -> None:
        await open_amina(pilot)
        await pilot.press("p")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)


def test_sanction_refused_dialog(world, snap_compare):
    amina(world)

    async def run_before(pilot) -> None:
        await open_amina(pilot)
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)

"""How the counter (F2) looks: today's queue, and a new citizen with a warning (pytest-textual-snapshot)."""

from __future__ import annotations

from datetime import timedelta

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.walk_ins import (
    finish_walk_in,
    register_walk_in,
    start_walk_in,
)
from aaben_raadgivning.ui.app import AabenApp
from support.pilot import login, type_text


def fill_day(world) -> None:
    names = ["Jens Østergaard", "Amina Hussein", "Mette Jensen", "Ali Khan"]
    people = [create_citizen(world.db, world.jk.id, name=name) for name in names]
    base = world.clock.utc
    plan = [
        (people[0], "post", "finish"),
        (people[1], "job", "start"),
        (people[2], "akut", None),
        (people[3], "ydelse", None),
    ]
    for minutes, (citizen, reason, state) in zip((5, 20, 40, 52), plan, strict=True):
        world.clock.utc = base - timedelta(minutes=60 - minutes)
        walk_in = register_walk_in(world.db, world.jk.id, reason=reason, citizen_id=citizen.id)
        if state:
            start_walk_in(world.db, world.jf.id, walk_in.id)
        if state == "finish":
            finish_walk_in(world.db, world.jf.id, walk_in.id, outcome="Brev forklaret")
    world.clock.utc = base


def test_counter_screen(world, snap_compare):
    fill_day(world)

    async def run_before(pilot) -> None:
        await login(pilot)
        await type_text(pilot, "jens")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 24), run_before=run_before)


def test_new_citizen_dialog(world, snap_compare):
    async def run_before(pilot) -> None:
        await login(pilot)
        await type_text(pilot, "Hans Ibsen")
        await pilot.press("ctrl+n")
        await pilot.click("#cpr")
        await type_text(pilot, "310290-1234")
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 24), run_before=run_before)

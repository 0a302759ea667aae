"""Snapshot tests of how the screens look (pytest-textual-snapshot). Update with --snapshot-update."""

from __future__ import annotations

import types
from datetime import UTC, date, timedelta

import pytest

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.walk_ins import (
    finish_walk_in,
    register_walk_in,
    start_walk_in,
)
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.ui.app import AabenApp
from support.clock import LOCAL_NOW
from support.pilot import login, type_text
from support.settings import changed


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


def test_login_screen(world, snap_compare):
    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 24))


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


def test_change_password_dialog_with_an_error(world, snap_compare):
    async def run_before(pilot) -> None:
        await login(pilot)
        await pilot.app.run_action("change_password")
        await pilot.pause()
        await type_text(pilot, "forkert")
        await pilot.press("enter")
        await type_text(pilot, "kort")
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 24), run_before=run_before)


@pytest.fixture
def pinned_hlc(monkeypatch):
    """Change stamps at the test clock's time (10.15), not the machine's: F9 shows them. Listed before
    ``world`` so the staff made there are stamped the same way."""
    from aaben_raadgivning.changes import hlc

    fixed_ns = int(to_utc(LOCAL_NOW).replace(tzinfo=UTC).timestamp()) * 10**9
    monkeypatch.setattr(hlc, "time", types.SimpleNamespace(time_ns=lambda: fixed_ns))


def test_sync_screen_with_conflicts(pinned_hlc, world, snap_compare, tmp_path):
    """F9 with three conflicts from two laptops: Danish dates, names for references, a hidden password."""
    from aaben_raadgivning.store.actions.staff import reset_password
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.models import Citizen
    from aaben_raadgivning.sync.engine import sync

    world.runtime.settings = changed(world.runtime.settings, device_name="skranken")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share)
    other = open_database(tmp_path / "other" / "db.sqlite3", tmp_path / "other" / "backups", now=world.clock)
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen")
    for db, name in ((world.db, "skranken"), (other, "beboerhuset"), (world.db, "skranken")):
        sync(db, share, device_name=name)
    for db, start, who, password in ((world.db, date(2026, 11, 2), world.jk.id, "fraskranken1"),
                                     (other, date(2026, 11, 9), world.jf.id, "frabeboerhuset1")):  # fmt: skip
        with db.transaction() as tx:
            tx.update(tx.session.get(Citizen, citizen.id), project_start=start, jobkonsulent_id=who)
            tx.audit(who, "update", "citizen", citizen.id, citizen.id)
        reset_password(db, initials="JF", password=password, actor_id=who)
    sync(other, share, device_name="beboerhuset")
    sync(world.db, share, device_name="skranken")
    other.close()

    async def run_before(pilot) -> None:
        await login(pilot)
        await pilot.press("f9")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(100, 30), run_before=run_before)

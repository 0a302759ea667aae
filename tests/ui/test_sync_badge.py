"""The sync state at the right of every footer: the text (table-driven) and that it shows on the screens."""

from __future__ import annotations

from datetime import datetime

import pytest

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.widgets.sync_badge import sync_badge
from support.keys import TEST_OFFICE_KEY
from support.pilot import login, screen_text, wait_for_text
from support.settings import changed

NOW = datetime(2026, 11, 24, 9, 15)  # UTC: 10.15 in Denmark
BASE = {"configured": True, "running": False, "failed": False, "last_success": datetime(2026, 11, 24, 9, 5),
        "waiting": 0, "conflicts": 0, "safe_mode": False, "now": NOW}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({}, "⇅ 10.05"),
        ({"configured": False, "waiting": 5}, ""),  # no share set up: nothing to say
        ({"waiting": 3}, "⇅ 10.05 · 3 venter"),
        ({"conflicts": 1}, "⇅ 10.05 · 1 konflikt"),
        ({"conflicts": 2, "waiting": 1}, "⇅ 10.05 · 1 venter · 2 konflikter"),
        ({"failed": True, "waiting": 4}, "⇅ ✗ 10.05 · 4 venter"),
        ({"gaps": 1}, "⇅ ✗ 10.05 · mangler ændringer"),  # another laptop's changes cannot be received
        ({"wrong_share": True, "failed": True, "waiting": 4}, "⇅ ✗ 10.05 · forkert mappe · 4 venter"),
        ({"last_success": None, "waiting": 2}, "⇅ aldrig · 2 venter"),
        ({"last_success": datetime(2026, 11, 20, 14, 0)}, "⇅ 20.11 15.00"),  # not today: the date too
        ({"last_success": datetime(2026, 6, 20, 14, 0)}, "⇅ 20.06 16.00"),  # summer time
        ({"running": True, "waiting": 3}, "⇅ synkroniserer…"),
        ({"safe_mode": True, "running": True}, "⇅ sikker tilstand"),
    ],
)
def test_badge_text(changes, shown):
    assert sync_badge(**{**BASE, **changes}) == shown


async def test_every_screen_shows_the_sync_state_and_what_waits(world, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    world.runtime.settings = changed(world.runtime.settings, sync_share=str(share), device_name="skranken")
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()  # the sync right after log-in
        await wait_for_text(pilot, "⇅ 10.15")  # the world's clock: 10.15 Danish time
        create_citizen(world.db, world.jk.id, name="Bo Berg")
        app.refresh_sync_badge()  # the app does this every few seconds
        await wait_for_text(pilot, "⇅ 10.15 · 2 venter")  # the citizen and its audit entry
        await pilot.press("f5")
        await wait_for_text(pilot, "⇅ 10.15 · 2 venter")
        app.start_sync(manual=True)
        await app.workers.wait_for_complete()
        text = await wait_for_text(pilot, "⇅ 10.15")
        assert "venter" not in text


async def test_no_badge_without_a_share(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await pilot.pause()
        assert app.sync_badge == "" and "⇅" not in screen_text(app)

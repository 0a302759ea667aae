"""How logging in and changing one's password look (pytest-textual-snapshot)."""

from __future__ import annotations

from aaben_raadgivning.ui.app import AabenApp
from support.pilot import login, type_text


def test_login_screen(world, snap_compare):
    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 24))


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

"""Changing one's own password from the command palette («Skift adgangskode»)."""

from __future__ import annotations

from textual.widgets import Input

from aaben_raadgivning.store.actions.staff import authenticate
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.account_dialogs import ChangePasswordDialog
from aaben_raadgivning.ui.screens.counter import CounterScreen
from support.clock import PASSWORD
from support.pilot import login, run_from_palette, screen_text, type_text, wait_for_text


async def _open_from_palette(pilot) -> None:
    await run_from_palette(pilot, "Skift adgangskode")
    assert isinstance(pilot.app.screen, ChangePasswordDialog)


async def _fill(pilot, current: str, new: str, repeat: str) -> None:
    for text in (current, new, repeat):
        await type_text(pilot, text)
        await pilot.press("enter")  # Enter moves on; on the last field it saves
        await pilot.pause()


async def test_change_password_from_the_palette(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await login(pilot)
        await _open_from_palette(pilot)
        assert "Skift adgangskode · JK (Jette Kristensen)" in screen_text(app)
        await _fill(pilot, PASSWORD, "nyhemmelig", "nyhemmelig")
        assert isinstance(app.screen, CounterScreen)
        await wait_for_text(pilot, "Din adgangskode er skiftet.")
    assert authenticate(world.db, "JK", "nyhemmelig") is not None
    assert authenticate(world.db, "JK", PASSWORD) is None


async def test_a_wrong_current_password_is_shown_and_the_fields_are_emptied(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await _open_from_palette(pilot)
        await _fill(pilot, "forkert", "nyhemmelig", "nyhemmelig")
        dialog = app.screen
        assert isinstance(dialog, ChangePasswordDialog)  # still open
        assert "Den nuværende adgangskode er forkert." in screen_text(app)
        assert [dialog.query_one(f"#{n}", Input).value for n in ("current", "new", "repeat")] == ["", "", ""]
        assert dialog.focused is dialog.query_one("#current", Input)
        # a second try with the right one goes through
        await _fill(pilot, PASSWORD, "nyhemmelig", "nyhemmelig")
        assert isinstance(app.screen, CounterScreen)
    assert authenticate(world.db, "JK", "nyhemmelig") is not None


async def test_new_passwords_that_differ_are_refused(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await _open_from_palette(pilot)
        await _fill(pilot, PASSWORD, "nyhemmelig", "nyhemmelix")
        assert "Adgangskoderne er ikke ens." in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, CounterScreen)
    assert authenticate(world.db, "JK", PASSWORD) is not None


async def test_the_palette_has_no_password_command_before_log_in(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Skift adgangskode" not in titles

"""What a new user meets (issue 20): the theme chosen is kept for the next start, the first account is made in
the app, and keys typed while the app starts all arrive where they were meant."""

from __future__ import annotations

import asyncio

import pytest
from textual.command import CommandList, CommandPalette

from aaben_raadgivning.config import load_settings
from aaben_raadgivning.runtime import RuntimeOpener
from aaben_raadgivning.ui.app import AabenApp
from support.pilot import login, run_from_palette, screen_text, type_text, wait_for_text


async def _wait_for(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.05)


async def _choose_theme(pilot, name: str) -> None:
    """«Skift farvetema» in the command palette, then the theme by name."""
    app = pilot.app
    await run_from_palette(pilot, "Skift farvetema")
    await _wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await type_text(pilot, name)

    def listed() -> bool:
        found = app.screen.query(CommandList)
        return bool(found and found.first().option_count and found.first().highlighted is not None)

    await _wait_for(pilot, listed)
    await pilot.press("enter")
    await _wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
    await pilot.pause()


def _status_colour(app) -> str | None:
    """The colour of the counter's «Venter» (ui/styles.py WARNING): set in Python, not in TCSS."""
    from textual.widgets import DataTable

    table = app.screen.query_one("#queue", DataTable)
    cell = table.get_cell_at((0, table.get_column_index("status")))
    return cell.style.color.triplet.hex.upper() if cell.style and cell.style.color else None


async def test_the_chosen_theme_is_kept_in_the_settings_and_used_at_the_next_start(world, clock):
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.walk_ins import register_walk_in
    from aaben_raadgivning.ui.styles import WARNING

    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    paths = world.runtime.paths
    app = AabenApp(world.runtime)
    async with app.run_test() as pilot:
        await login(pilot)
        assert app.theme == "textual-dark"
        assert _status_colour(app) == app.theme_variables[WARNING].upper()
        dark_warning = app.theme_variables[WARNING]
        await _choose_theme(pilot, "textual-light")
        assert app.theme == "textual-light"
        await pilot.pause()
        # The counter's colours set in Python follow the theme at once (the light theme's readable warning).
        assert app.theme_variables[WARNING] != dark_warning
        assert _status_colour(app) == app.theme_variables[WARNING].upper()
        await _wait_for(pilot, lambda: load_settings(paths.settings_file).theme == "textual-light")
    # The next start reads the same folder's settings: the light theme from the first screen on.
    again = AabenApp(RuntimeOpener.prepare(paths.data_dir, now=clock))
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"
        assert not again.current_theme.dark
    assert "# Farvetemaet" in paths.settings_file.read_text(encoding="utf-8")  # the file's comments are kept


async def test_an_empty_database_offers_the_first_account_in_the_app_and_logs_it_in(tmp_path, clock):
    from sqlalchemy import select

    from aaben_raadgivning.runtime import open_runtime
    from aaben_raadgivning.store.models import AuditEntry
    from aaben_raadgivning.ui.screens.account_dialogs import FirstAccountDialog
    from aaben_raadgivning.ui.screens.counter import CounterScreen

    runtime = open_runtime(tmp_path / "data", now=clock)
    app = AabenApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await _wait_for(pilot, lambda: isinstance(app.screen, FirstAccountDialog))
        text = screen_text(app)
        assert "Der er ingen medarbejdere endnu" in text and "jobkonsulent" in text
        await type_text(pilot, "ab")
        await pilot.press("enter")
        await type_text(pilot, "Anne Berg")
        await pilot.press("enter")
        await type_text(pilot, "hemmelig1")
        await pilot.press("enter")
        await type_text(pilot, "hemmelig2")  # not the same: said under the field, nothing made
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FirstAccountDialog)
        assert "Adgangskoderne er ikke ens." in screen_text(app)
        await pilot.click("#password")
        await type_text(pilot, "hemmelig1")
        await pilot.press("enter")
        await type_text(pilot, "hemmelig1")
        await pilot.press("enter")
        await _wait_for(pilot, lambda: isinstance(app.screen, CounterScreen))
        assert app.staff is not None
        assert (app.staff.initials, app.staff.name, app.staff.role) == ("AB", "Anne Berg", "jobkonsulent")
    with runtime.db.session() as session:
        actions = [entry.action for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.at))]
    assert "create" in actions and actions[-1] == "login"
    runtime.close()


@pytest.mark.parametrize("where", ["sync_share", "sync_server"])
async def test_the_first_account_is_not_offered_while_another_laptops_staff_are_to_be_fetched(tmp_path, clock, where):
    import dataclasses

    from aaben_raadgivning.runtime import open_runtime
    from support.settings import changed

    runtime = open_runtime(tmp_path / "data", now=clock)
    value = str(tmp_path / "share") if where == "sync_share" else "postgresql://laptop@db.kommune.dk/aaben"
    runtime = dataclasses.replace(runtime, settings=changed(runtime.settings, **{where: value}))
    app = AabenApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "fællesmappen eller serveren")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "LoginScreen"
    runtime.close()


async def test_keys_typed_while_the_demo_data_are_made_all_reach_the_login_form(tmp_path, clock, monkeypatch):
    """`aaben-raadgivning --demo` on a new folder: initials typed before the database is open, the password while
    the demo data are still being made, Enter — and the person is logged in once they are ready."""
    import threading

    from aaben_raadgivning.demo import generator
    from aaben_raadgivning.ui.screens import demo_setup
    from aaben_raadgivning.ui.screens.counter import CounterScreen

    monkeypatch.setattr(demo_setup, "DEMO_CITIZENS", 12)
    monkeypatch.setattr(demo_setup, "DEMO_DAYS", 5)
    started, go_on = threading.Event(), threading.Event()
    real_generate = generator.generate_demo

    def held_generate(*args, **kwargs):  # the demo data take their time: the test types meanwhile
        started.set()
        go_on.wait(30)
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(generator, "generate_demo", held_generate)
    app = AabenApp(RuntimeOpener.prepare(tmp_path / "demo", demo=True, now=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "jk")  # at once, before the database is open
        await pilot.press("enter")
        await _wait_for(pilot, started.is_set)
        await pilot.pause()
        await type_text(pilot, "demo1234")
        await pilot.press("enter")
        await wait_for_text(pilot, "Du logges ind, når demodata er klar")  # in sight at 80×24, with the progress
        assert "Opretter demodata" in screen_text(app)
        go_on.set()
        await _wait_for(pilot, lambda: isinstance(app.screen, CounterScreen), timeout=60)
        assert app.staff is not None and app.staff.initials == "JK"
    app.runtime.close()


def test_the_first_account_is_a_jobkonsulent_and_only_while_there_is_no_staff(world, tmp_path, clock):
    import pytest

    from aaben_raadgivning.domain.errors import UserError, ValidationError
    from aaben_raadgivning.runtime import open_runtime
    from aaben_raadgivning.store.actions.staff import count_staff, create_staff, first_account_role

    FIRST_ROLE = first_account_role()
    assert FIRST_ROLE == "jobkonsulent"  # assets/permissions.toml [first_account]
    with pytest.raises(UserError, match="allerede medarbejdere"):  # JK and JF exist in the world
        create_staff(world.db, initials="AB", name="Anne Berg", role=FIRST_ROLE, password="hemmelig1",
                     repeat="hemmelig1", first=True)  # fmt: skip
    empty = open_runtime(tmp_path / "empty", now=clock)
    with pytest.raises(ValidationError) as refused:
        create_staff(empty.db, initials="AB", name="Anne Berg", role="leder", password="hemmelig1",
                     repeat="hemmelig2", first=True)  # fmt: skip
    assert set(refused.value.errors) == {"role", "repeat"}
    assert count_staff(empty.db) == 0
    empty.close()


async def test_keys_typed_before_the_app_reads_them_arrive_as_one_burst_and_still_reach_their_fields(world):
    """Keys typed while the program starts reach it as one chunk (the terminal buffered them): «JK», Tab, the
    password and Enter are all parsed before any is handled. Tab and Enter must move on at once — as a plain
    binding or the form's own message they would act after the rest had already gone into «Initialer»."""
    from textual import events

    from aaben_raadgivning.ui.screens.counter import CounterScreen
    from support.clock import PASSWORD

    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "Initialer")
        burst = ["j", "k", "tab", *PASSWORD, "ctrl+j"]  # a newline: Enter as the terminal buffered it
        for key in burst:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await _wait_for(pilot, lambda: isinstance(app.screen, CounterScreen))
        assert app.staff is not None and app.staff.initials == "JK"

"""Help (F1, ?, «Hjælp (F1)» in the palette) and Danish words where Textual has English ones: the command
palette's placeholder and «Ingen kommandoer fundet», the footer's «^p Kommandoer»."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Input

from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.help_texts import HelpTextError, load_help, parse_help
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.help import HelpScreen, help_keys, key_text
from support.clock import PASSWORD
from support.pilot import login, run_from_palette, screen_text, type_text, wait_for_text

SIZE = (100, 40)


def help_text(help_screen: HelpScreen) -> str:
    """All the help says (also what is scrolled out of view), as plain text."""
    console = Console(width=88, record=True, file=io.StringIO())
    console.print(help_screen.body())
    return console.export_text()


async def _help_opens_and_closes(pilot, *expected: str) -> None:
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    text = screen_text(pilot.app) + help_text(pilot.app.screen)
    for words in expected:
        assert words in text, (words, text)
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(pilot.app.screen, HelpScreen)


async def test_f1_opens_the_help_for_the_counter_and_the_citizen_and_esc_closes_it(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        await _help_opens_and_closes(
            pilot, "Hjælp · Åben rådgivning (F2)", "Ctrl+T", "Tag næste", "Sådan gør du", "F1 / ?", "Esc lukker"
        )
        assert isinstance(app.screen, CounterScreen)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        await _help_opens_and_closes(pilot, "Hjælp · Borgere (F3)", "Ny hændelse", "Ctrl+P", "Kommandoer")
        assert isinstance(app.screen, CitizenScreen)


async def test_question_mark_opens_help_only_where_no_text_field_takes_it(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f2")
        await pilot.pause()
        field = app.screen.focused
        assert isinstance(field, Input)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen) and field.value == "?"
        app.screen.set_focus(None)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)


async def test_the_palette_is_danish_and_offers_the_help_instead_of_textuals_key_panel(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert "^p Kommandoer" in screen_text(app) and "palette" not in screen_text(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).placeholder == "Søg efter kommandoer …"
        await type_text(pilot, "qqxxzz")
        await wait_for_text(pilot, "Ingen kommandoer fundet")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await type_text(pilot, "taster")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while loop.time() < deadline and not app.screen.query(CommandList).first().option_count:
            await pilot.pause(0.05)
        prompts = [str(option.prompt) for option in app.screen.query_one(CommandList).options]
        assert not any("Keys" in prompt or "Vis taster" in prompt for prompt in prompts), prompts
        await pilot.press("escape")
        await pilot.pause()
        await run_from_palette(pilot, "Hjælp")
        assert isinstance(app.screen, HelpScreen) and "Åben rådgivning (F2)" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)


async def test_a_leder_is_not_shown_the_counter_keys_the_role_may_not_use(world):
    create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "LE")
        await pilot.press("f2")
        await pilot.pause()
        words = {key.word for key in help_keys(app, app.screen)}
        assert "Åbn borger" in words and "Revisionsspor" in words  # reading, and the leder's audit log
        assert words.isdisjoint({"Ny borger", "Anonym", "Tag næste", "Afslut henv.", "Knyt", "Gik"}), words
        await pilot.press("f1")
        await pilot.pause()
        keys_part = help_text(app.screen).split("Sådan gør du")[0]  # (the how-to list is the same for all roles)
        assert "Åbn borger" in keys_part and "Ctrl+L" in keys_part
        assert not any(key in keys_part for key in ("Ctrl+T", "Ctrl+N", "Ctrl+R", "Ctrl+O", "Tag næste")), keys_part


async def test_the_help_on_f6_leaves_question_mark_to_the_figure_explanation(world):
    create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "LE")
        await pilot.press("f6")
        await pilot.pause()
        keys = {key.word: key.keys for key in help_keys(app, app.screen)}
        assert keys["Forklaring"] == "?" and keys["Hjælp"] == "F1"


def test_key_texts():
    assert [key_text(k) for k in ("ctrl+n", "f2", "question_mark", "escape", "slash", "n")] == [
        "Ctrl+N", "F2", "?", "Esc", "/", "n"
    ]  # fmt: skip


def _declared_actions(node_class: type) -> set[str]:
    return {
        binding.action
        for cls in node_class.__mro__
        if cls.__module__.startswith("aaben_raadgivning")
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ()))
    }


def test_every_help_text_names_a_key_of_its_screen():
    """help.toml names real screens and actions (a renamed action would silently lose its text)."""
    from aaben_raadgivning.ui.screens import (
        agreements,
        audit_log,
        caseload,
        citizen,
        counter,
        follow_up_queue,
        results,
        sync_conflicts,
    )  # fmt: skip

    modules = (agreements, audit_log, caseload, citizen, counter, follow_up_queue, results, sync_conflicts)
    texts = load_help()
    assert set(texts.screens) == {
        "counter.CounterScreen", "citizen.CitizenScreen", "agreements.AgreementsScreen",
        "follow_up_queue.FollowUpQueueScreen", "results.ResultsScreen", "audit_log.AuditLogScreen",
        "caseload.CaseloadScreen", "sync_conflicts.SyncScreen",
    }  # fmt: skip
    for name, screen_help in texts.screens.items():
        module_name, class_name = name.split(".")
        module = next(m for m in modules if m.__name__.endswith(f".{module_name}"))
        unknown = set(screen_help.keys) - _declared_actions(getattr(module, class_name))
        assert not unknown and screen_help.how, (name, unknown)
    assert set(texts.app_keys) <= _declared_actions(AabenApp), set(texts.app_keys) - _declared_actions(AabenApp)


@pytest.mark.parametrize(
    "text",
    ['[screens.X]\nhow = ["a"]', '[screens.X]\ntitle = "T"\nhow = "a"', "[app.keys]\nquit = 1", "[other]", "= ="],
)
def test_a_broken_help_file_is_refused(text):
    with pytest.raises(HelpTextError):
        parse_help(text)

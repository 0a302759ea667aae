"""An unexpected error closes the app honestly: a Danish message on the terminal, the details in the log
file without personal data (no message, no local variables), and a non-zero exit code. A save the
database refuses (busy, full, read-only) keeps the dialog open with what was typed."""

from __future__ import annotations

from functools import partialmethod

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from textual.widgets import Input, TextArea

from aaben_raadgivning.logs import LOG_FILENAME, close_logging, configure_logging
from aaben_raadgivning.runtime import RuntimeOpener
from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import Event, WalkIn
from aaben_raadgivning.ui.app import EXIT_CRASH, AabenApp
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.walk_in_dialogs import AnonymousWalkInDialog, FinishWalkInDialog
from support.pilot import login, screen_text, type_text

SIZE = (80, 24)
CPR = "010190-1234"
CITIZEN = "Kirsten Ulvedal"


def _raise_with_personal_data(*args, **kwargs):
    raise RuntimeError(f"no walk-in for {CITIZEN}, CPR {CPR}")


def _log_text(world) -> str:
    return (world.runtime.paths.log_dir / LOG_FILENAME).read_text(encoding="utf-8")


def _assert_no_personal_data(text: str) -> None:
    assert CPR not in text
    assert CITIZEN not in text
    assert "no walk-in for" not in text  # the message itself is left out
    assert "Traceback (most recent call last):" not in text  # not Python's (or Rich's) traceback


async def test_an_error_in_an_action_closes_the_app_with_a_danish_message_and_a_clean_log(world, monkeypatch, capsys):
    citizen = create_citizen(world.db, world.jk.id, name=CITIZEN, cpr=CPR)
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    monkeypatch.setattr("aaben_raadgivning.ui.screens.counter.start_walk_in", _raise_with_personal_data)
    app = AabenApp(world.runtime)
    with pytest.raises(RuntimeError):  # the test pilot re-raises the error after the app has closed
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot)
            await pilot.press("ctrl+t")  # take the next citizen: the action raises
            await pilot.pause()
    assert app.return_code == EXIT_CRASH
    err = capsys.readouterr().err
    assert "Der opstod en uventet fejl, og Åben Rådgivning er lukket." in err
    assert "Alt, der var gemt, er bevaret." in err
    assert str(world.runtime.paths.log_dir / LOG_FILENAME) in err
    assert "Traceback" not in err and "locals" not in err
    _assert_no_personal_data(err)
    log = _log_text(world)
    assert "CRITICAL crash" in log
    assert "aaben_raadgivning/ui/screens/counter.py:" in log and "in action_take_next" in log
    assert "in _raise_with_personal_data" in log  # the frame where it was raised
    assert "\nRuntimeError\n" in log or log.rstrip().endswith("RuntimeError")
    _assert_no_personal_data(log)


async def test_a_failing_worker_goes_the_same_way(tmp_path, monkeypatch, capsys):
    opener = RuntimeOpener.prepare(tmp_path / "data")
    monkeypatch.setattr(RuntimeOpener, "open", _raise_with_personal_data)
    app = AabenApp(opener)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert app.return_code == EXIT_CRASH
    err = capsys.readouterr().err
    assert "Der opstod en uventet fejl" in err and "Traceback" not in err
    log = (opener.paths.log_dir / LOG_FILENAME).read_text(encoding="utf-8")
    assert "in _open_database" in log and "WorkerFailed" not in log
    _assert_no_personal_data(log)


def test_the_command_returns_70_and_prints_only_the_danish_message(tmp_path, monkeypatch, run):
    """Through the real entry point (``aaben-raadgivning`` with no command starts the app)."""
    monkeypatch.setattr(RuntimeOpener, "open", _raise_with_personal_data)
    monkeypatch.setattr(AabenApp, "run", partialmethod(AabenApp.run, headless=True))
    try:
        code, out, err = run("--data-dir", str(tmp_path / "data"))  # the fixture fails on any traceback
    finally:
        close_logging()
    assert code == EXIT_CRASH == 70
    assert "Der opstod en uventet fejl" in err
    assert str(tmp_path / "data" / "logs" / LOG_FILENAME) in err
    _assert_no_personal_data(out + err)
    log = (tmp_path / "data" / "logs" / LOG_FILENAME).read_text(encoding="utf-8")
    assert "TUI started" in log and "in _open_database" in log
    _assert_no_personal_data(log)


def _locked(*args, **kwargs):
    locked = sqlite_driver.OperationalError("database is locked")
    raise OperationalError("INSERT INTO walk_ins ...", {"note": "secret"}, locked)


@pytest.fixture
def app_log(world):
    """The app's log file set up as run_tui sets it up."""
    path = configure_logging(world.runtime.paths.log_dir)
    yield path
    close_logging()


async def test_a_save_the_database_refuses_keeps_the_dialog_and_the_typed_text(world, monkeypatch, app_log):
    monkeypatch.setattr("aaben_raadgivning.ui.screens.walk_in_dialogs.register_walk_in", _locked)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+r")  # anonymous walk-in
        await pilot.pause()
        assert isinstance(app.screen, AnonymousWalkInDialog)
        await pilot.click("#note")
        await type_text(pilot, "kvinde med brev")
        await pilot.click("#reason")
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AnonymousWalkInDialog)  # still open
        assert app.screen.query_one("#note", Input).value == "kvinde med brev"
        text = screen_text(app)
        assert "Kunne ikke gemme: databasen er optaget af et andet program." in text
        assert "Prøv igen." in text
        monkeypatch.undo()  # the other program is done: the same dialog saves
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
    with world.db.session() as session:
        assert session.scalars(select(WalkIn)).one().note == "kvinde med brev"
    log = app_log.read_text(encoding="utf-8")
    assert "WARNING aaben_raadgivning.ui.widgets.form: A save failed" in log
    assert "sqlalchemy.exc.OperationalError" in log and "in attempt_action" in log
    assert "secret" not in log and "INSERT" not in log and "kvinde med brev" not in log  # no SQL, no parameters


async def test_a_full_disk_while_finishing_a_walk_in_keeps_the_outcome_text(world, monkeypatch):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)

    def full(*args, **kwargs):
        raise OperationalError("UPDATE", {}, sqlite_driver.OperationalError("database or disk is full"))

    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        monkeypatch.setattr("aaben_raadgivning.ui.screens.walk_in_dialogs.finish_walk_in", full)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_text(pilot, "CV opdateret")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FinishWalkInDialog)
        assert app.screen.query_one("#outcome", TextArea).text == "CV opdateret"
        assert "Kunne ikke gemme: disken er fuld." in screen_text(app)
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0

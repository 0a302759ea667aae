"""Log-in: right password opens the counter; a wrong one says only that, and waits longer each time."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Input

from aaben_raadgivning.store.models import AuditEntry
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.login import LoginScreen, failure_delay
from support.pilot import login, run_from_palette, screen_text
from support.settings import changed


@pytest.mark.parametrize(("failures", "delay"), [(0, 0), (1, 1), (2, 2), (3, 4), (5, 16), (6, 30), (20, 30)])
def test_delay_grows_and_is_capped(failures, delay):
    assert failure_delay(failures) == delay


async def test_login_opens_counter_and_is_audited(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, "jk")  # initials are case-insensitive
        assert isinstance(app.screen, CounterScreen)
        assert app.staff.initials == "JK"
    with world.db.session() as session:
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "login"


@pytest.mark.parametrize(("initials", "password"), [("JK", "forkert"), ("XX", "hemmelig1")])
async def test_wrong_login_reveals_nothing_and_delays(world, monkeypatch, initials, password):
    slept: list[float] = []

    async def fake_sleep(self, seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(LoginScreen, "_sleep", fake_sleep)
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, initials, password)
        await login(pilot, initials, password)
        assert isinstance(app.screen, LoginScreen)
        assert "Forkerte initialer eller adgangskode." in screen_text(app)
        assert app.screen.query_one("#password", Input).value == ""
    assert slept == [1.0, 2.0]
    with world.db.session() as session:
        failed = session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
        assert len(failed) == 2 and failed[0].staff_id is None


async def test_empty_database_explains_how_to_create_first_user(tmp_path):
    from aaben_raadgivning.runtime import open_runtime

    runtime = open_runtime(tmp_path)
    app = AabenApp(runtime)
    async with app.run_test(size=(80, 24)):
        assert "aaben-raadgivning user add" in screen_text(app)
    runtime.close()


async def test_app_opens_database_in_background_then_logs_in(world):
    from aaben_raadgivning.runtime import RuntimeOpener

    paths = world.runtime.paths
    opener = RuntimeOpener(paths, world.runtime.settings, now=world.clock)
    app = AabenApp(opener)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)  # shown before the database is open
        await login(pilot)
        assert isinstance(app.screen, CounterScreen)
        assert app.runtime.paths == paths
    app.runtime.close()


async def test_unusable_database_is_explained_in_danish(tmp_path):
    from aaben_raadgivning.runtime import RuntimeOpener, open_runtime
    from support.keys import raw_connect

    open_runtime(tmp_path).close()
    with raw_connect(tmp_path / "aaben-raadgivning.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'from-the-future'")
    app = AabenApp(RuntimeOpener.prepare(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "nyere version af Åben Rådgivning" in text and "Ctrl+Q" in text
        assert app.screen.query_one("#initials", Input).disabled


async def test_the_wait_after_wrong_passwords_survives_restarting_the_app(world, monkeypatch):
    slept: list[float] = []

    async def fake_sleep(self, seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(LoginScreen, "_sleep", fake_sleep)
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await login(pilot, "JK", "forkert")
    assert slept == [1.0, 2.0, 4.0]
    world.clock.advance(seconds=1)  # the app is closed and opened again a second later
    restarted = AabenApp(world.runtime)
    async with restarted.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await restarted.workers.wait_for_complete()
        assert slept[-1] == 3.0  # the rest of the 4 s wait, not a fresh start
        await login(pilot, "JK", "forkert")
    assert slept[-1] == 8.0  # the fourth failure in a row, counted across the restart
    restarted = AabenApp(world.runtime)
    async with restarted.run_test(size=(80, 24)) as pilot:
        await restarted.workers.wait_for_complete()
        await login(pilot)
        assert isinstance(restarted.screen, CounterScreen)
    from aaben_raadgivning.store.actions.staff import login_failures

    assert login_failures(world.db).count == 0  # a successful log-in clears the count


async def test_a_damaged_database_is_explained_in_the_app(tmp_path):
    from aaben_raadgivning.runtime import RuntimeOpener, open_runtime

    open_runtime(tmp_path).close()
    database = tmp_path / "aaben-raadgivning.sqlite3"
    database.write_bytes(b"not a database" * 500)
    app = AabenApp(RuntimeOpener.prepare(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "er beskadiget" in app.runtime_error and "sikkerhedskopi" in app.runtime_error
        assert app.runtime_exit_code == 6  # as every command: the database is damaged
        assert "beskadiget" in screen_text(app) and app.screen.query_one("#initials", Input).disabled
    assert database.read_bytes() == b"not a database" * 500


async def test_log_out_lets_a_colleague_log_in_as_themselves(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await login(pilot)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.staff is None and app.sub_title == ""
        assert "Du er logget ud." in [n.message for n in app._notifications]
        await pilot.press("f2")  # the main screens are closed until someone logs in again
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Log ud" not in titles and "Åben rådgivning" not in titles
        await login(pilot, "JF")
        assert isinstance(app.screen, CounterScreen)
        assert app.staff.initials == "JF" and "JF" in app.sub_title
    with world.db.session() as session:
        actions = session.execute(
            select(AuditEntry.action, AuditEntry.staff_id).where(AuditEntry.action.in_(("login", "logout")))
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()  # fmt: skip
    assert sorted(actions) == sorted([("login", world.jk.id), ("logout", world.jk.id), ("login", world.jf.id)])


async def test_log_out_waits_for_an_open_dialog(world):
    """Typed work in a dialog is never thrown away by logging out."""
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await login(pilot)
        await pilot.press("ctrl+r")  # anonymous walk-in dialog
        await pilot.pause()
        dialog = app.screen
        await pilot.press("f12")
        await pilot.pause()
        assert app.screen is dialog and app.staff is not None
        assert "Luk det åbne vindue først" in "\n".join(n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_log_out_from_the_palette(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await run_from_palette(pilot, "Log ud")
        assert isinstance(app.screen, LoginScreen)


def _shown(app, selector: str) -> str:
    """A Static's whole text as shown (wrapping in the narrow log-in box would split it on screen)."""
    return app.screen.query_one(selector).render().plain


async def test_a_database_error_shows_a_path_with_brackets_and_backslashes_as_it_is(tmp_path):
    """The message quotes the database's path: «[/bold]» in it raised a markup error, «[b]» vanished."""
    from aaben_raadgivning.runtime import RuntimeOpener, open_runtime

    data = tmp_path / "Markup [/bold] [b]mappe[/b] C:\\x"
    open_runtime(data).close()
    (data / "aaben-raadgivning.sqlite3").write_bytes(b"not a database" * 500)
    app = AabenApp(RuntimeOpener.prepare(data))
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = _shown(app, "#login-message")
        assert "er beskadiget" in shown and str(data / "aaben-raadgivning.sqlite3") in shown
        assert shown.endswith("Tryk Ctrl+Q for at lukke.")


async def test_the_office_name_is_shown_as_written(world):

    world.runtime.settings = changed(world.runtime.settings, office_name="Nord [b]2[/b] \\ Syd")
    app = AabenApp(world.runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert _shown(app, "#login-office") == "Nord [b]2[/b] \\ Syd"
        assert "Nord [b]2[/b] \\ Syd" in screen_text(app)


@pytest.mark.parametrize("owns_process", [False, True])
async def test_only_an_app_that_is_the_whole_process_freezes_the_heap(world, owns_process):
    """Found when the whole suite ran out of file handles («Too many open files»): every app started in the
    test process froze the heap, so garbage from earlier tests (database connections in reference cycles)
    could never be collected. Freezing is for the real start-up only (run_tui), where the app is the process."""
    import gc

    from aaben_raadgivning.runtime import RuntimeOpener

    gc.unfreeze()
    opener = RuntimeOpener(world.runtime.paths, world.runtime.settings, now=world.clock)
    app = AabenApp(opener, owns_process=owns_process)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await login(pilot)
            assert (gc.get_freeze_count() > 0) is owns_process
    finally:
        gc.unfreeze()
        app.runtime.close()

"""The office key at start-up (issue 14): a computer without the key for its data folder asks for it in the
app — create the office's key on its first computer (the recovery code shown once), or type the recovery
code — and then opens the database with it. Asserted on the screen and on disk (office.json, the credential
store, a database that opens with the key only)."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from textual.widgets import Input

from aaben_raadgivning.runtime import RuntimeOpener
from aaben_raadgivning.security.key_store import ENV_KEY, KEYRING_SERVICE, OfficeRecord, read_record, write_record
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.actions.staff import count_staff, create_staff
from aaben_raadgivning.store.database_file import DatabaseFileError
from aaben_raadgivning.store.sqlite_driver import is_plain_file
from aaben_raadgivning.ui.app import EXIT_OFFICE_KEY, AabenApp
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.login import LoginScreen
from aaben_raadgivning.ui.screens.office_key import (
    NewOfficeKeyDialog,
    OfficeKeySetupDialog,
    RecoveryCodeDialog,
    code_rows,
)
from support.clock import PASSWORD
from support.keys import MemoryKeyring
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (100, 34)
# The office's key in these tests: never the suite's own key (that one is in the environment of every test).
OFFICE = OfficeKey(bytes(range(32)))
OTHER_OFFICE = OfficeKey(bytes(range(1, 33)))


@pytest.fixture(autouse=True)
def no_key_here(monkeypatch):
    """A computer without the office key: none in the environment, an empty credential store."""
    monkeypatch.delenv(ENV_KEY)
    before = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(before)


@pytest.fixture
def no_credential_store():
    """A computer without a credential store at all (as a plain Linux server or a container)."""
    keyring.set_keyring(keyring.backends.fail.Keyring())


def _opener(data_dir: Path, clock) -> RuntimeOpener:
    return RuntimeOpener.prepare(data_dir, now=clock)


def _set_up_office(data_dir: Path, clock, key: OfficeKey = OFFICE) -> None:
    """A folder set up for ``key`` with a staff member in its database, as on a laptop that has lost the key."""
    opener = _opener(data_dir, clock)
    write_record(data_dir, key)
    opener.office_key = key
    runtime = opener.open()
    create_staff(runtime.db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password=PASSWORD)
    runtime.close()


def _opens_with(data_dir: Path, clock, key: OfficeKey) -> int:
    """The folder's database opens with ``key`` (the number of staff in it), and is encrypted."""
    opener = _opener(data_dir, clock)
    opener.office_key = key
    runtime = opener.open()
    try:
        return count_staff(runtime.db)
    finally:
        runtime.close()
        assert not is_plain_file(runtime.paths.database)


def notified(app: AabenApp) -> str:
    return "\n".join(notification.message for notification in app._notifications)


async def _settle(app: AabenApp, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _code_typed(pilot, text: str) -> None:
    await pilot.click("#code")
    await type_text(pilot, text)
    await pilot.press("enter")
    await _settle(pilot.app, pilot)


async def test_first_computer_creates_the_key_shows_the_code_once_and_opens(tmp_path, clock, no_key_here):
    data_dir = tmp_path / "data"
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, OfficeKeySetupDialog)
        await wait_for_text(pilot, "ikke nøglen endnu")
        await pilot.click("#create")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewOfficeKeyDialog)
        key = dialog.key
        text = screen_text(app)
        for row in code_rows(key.recovery_code).splitlines():
            assert row in text  # big and in groups, to be written down
        assert "Den vises kun én gang." in text and "lås papiret" in text
        assert read_record(data_dir) is None  # nothing kept before the code is written down
        await pilot.press("enter")  # focus is on «Tilbage», not on the confirmation
        assert isinstance(app.screen, OfficeKeySetupDialog)
        await pilot.click("#create")  # a new key: the one shown before was thrown away
        await pilot.pause()
        assert isinstance(app.screen, NewOfficeKeyDialog)
        key = app.screen.key
        await pilot.click("#code-written")
        await _settle(app, pilot)
        assert isinstance(app.screen_stack[1], LoginScreen)  # under the dialog for the first account
        assert app.runtime_error is None and app.runtime_ready.is_set()
        await wait_for_text(pilot, "Der er ingen medarbejdere endnu")
        assert "Kontornøglen er gemt i computerens nøglering." in notified(app)
        assert key.recovery_code not in notified(app)
        app.runtime.close()
    assert read_record(data_dir) == OfficeRecord(key.key_id, demo=False)
    assert no_key_here.get_password(KEYRING_SERVICE, key.key_id) == key.recovery_code
    assert _opens_with(data_dir, clock, key) == 0


async def test_without_a_credential_store_the_user_is_told_how_the_key_is_given(
    tmp_path, clock, no_credential_store, caplog
):
    data_dir = tmp_path / "data"
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        await pilot.click("#create")
        await pilot.pause()
        key = app.screen.key
        await pilot.click("#code-written")
        await _settle(app, pilot)
        assert isinstance(app.screen_stack[1], LoginScreen) and app.runtime_error is None  # first account over it
        assert "intet adgangskodelager" in notified(app) and ENV_KEY in notified(app)
        app.runtime.close()
    assert read_record(data_dir).key_id == key.key_id  # the folder knows its key; the code is asked for next time
    assert key.recovery_code not in caplog.text
    assert _opens_with(data_dir, clock, key) == 0
    # The next start asks for the code (the folder is set up, the key is not here).
    again = AabenApp(_opener(data_dir, clock))
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(again, pilot)
        assert isinstance(again.screen, RecoveryCodeDialog)


async def test_first_start_with_the_offices_code_joins_the_office(tmp_path, clock, no_key_here):
    data_dir = tmp_path / "data"
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        await pilot.click("#enter-code")
        await pilot.pause()
        assert isinstance(app.screen, RecoveryCodeDialog)
        await _code_typed(pilot, OFFICE.recovery_code.lower().replace("-", " "))  # as read off the paper
        assert isinstance(app.screen, LoginScreen) and app.runtime_error is None
        await wait_for_text(pilot, "Hent kontorets")  # no first account of its own: they come by sync
        app.runtime.close()
    assert read_record(data_dir).key_id == OFFICE.key_id
    assert no_key_here.get_password(KEYRING_SERVICE, OFFICE.key_id) == OFFICE.recovery_code
    assert _opens_with(data_dir, clock, OFFICE) == 0


async def test_a_wrong_code_is_refused_in_danish_and_the_text_is_kept(tmp_path, clock, no_key_here):
    data_dir = tmp_path / "data"
    _set_up_office(data_dir, clock)
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, RecoveryCodeDialog)
        other = OTHER_OFFICE.recovery_code
        await _code_typed(pilot, other)  # a real code, of another office
        assert isinstance(app.screen, RecoveryCodeDialog)
        await wait_for_text(pilot, "Kontornøglen passer ikke til mappen")
        code_input = app.screen.query_one("#code", Input)
        assert code_input.value == other
        await pilot.press("backspace")  # a typing mistake: one character short
        await pilot.press("enter")
        await pilot.pause()
        await wait_for_text(pilot, "Gendannelseskoden skal have 55 tegn")
        assert code_input.value == other[:-1]
        code_input.value = OfficeKey.demo().recovery_code  # the public demo key is no office's key
        await pilot.press("enter")
        await pilot.pause()
        await wait_for_text(pilot, "demo-nøglens kode")
        assert app.screen.query_one("#code", Input).value == OfficeKey.demo().recovery_code
    assert read_record(data_dir).key_id == OFFICE.key_id  # nothing changed
    assert no_key_here.get_password(KEYRING_SERVICE, OTHER_OFFICE.key_id) is None


async def test_a_folder_whose_key_is_missing_opens_with_the_code_and_keeps_its_data(tmp_path, clock, no_key_here):
    data_dir = tmp_path / "data"
    _set_up_office(data_dir, clock)
    record = read_record(data_dir)
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, RecoveryCodeDialog)
        await wait_for_text(pilot, OFFICE.key_id)  # which key is asked for (public)
        await _code_typed(pilot, OFFICE.recovery_code)
        assert isinstance(app.screen, LoginScreen) and app.runtime_error is None
        await login(pilot)
        assert isinstance(app.screen, CounterScreen)  # the staff member made before is there
        app.runtime.close()
    assert read_record(data_dir) == record
    assert no_key_here.get_password(KEYRING_SERVICE, OFFICE.key_id) == OFFICE.recovery_code
    # The key is now on this computer: the next start opens without asking.
    again = AabenApp(_opener(data_dir, clock))
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(again, pilot)
        assert isinstance(again.screen, LoginScreen) and again.runtime_error is None
        again.runtime.close()


@pytest.mark.parametrize("set_up", [False, True])
async def test_cancelling_stays_on_the_login_screen_with_the_explanation(tmp_path, clock, set_up):
    data_dir = tmp_path / "data"
    if set_up:
        _set_up_office(data_dir, clock)
    database_before = sorted(p.name for p in data_dir.iterdir()) if set_up else []
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, RecoveryCodeDialog if set_up else OfficeKeySetupDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        text = await wait_for_text(pilot, "Databasen kunne ikke åbnes")
        expected = "findes ikke på denne computer" if set_up else "ikke sat op til et kontor"
        assert expected in app.runtime_error and "Start programmet igen" in app.runtime_error
        assert "Databasen kunne ikke åbnes" in text and "Ctrl+Q" in text
        assert app.screen.query_one("#initials", Input).disabled
        assert app.runtime_exit_code == EXIT_OFFICE_KEY
        assert app._runtime is None
    if set_up:
        assert sorted(p.name for p in data_dir.iterdir()) == database_before
    else:
        assert read_record(data_dir) is None
        assert not (data_dir / "aaben-raadgivning.sqlite3").exists()


async def test_back_from_typing_the_code_returns_to_the_choice(tmp_path, clock):
    app = AabenApp(_opener(tmp_path / "data", clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        await pilot.click("#enter-code")
        await pilot.pause()
        assert isinstance(app.screen, RecoveryCodeDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OfficeKeySetupDialog)
        assert app.runtime_error is None


async def test_an_encrypted_database_without_its_record_cannot_get_a_new_key(tmp_path, clock):
    data_dir = tmp_path / "data"
    _set_up_office(data_dir, clock)
    (data_dir / "office.json").unlink()  # lost; the database is still there, encrypted with the office's key
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, OfficeKeySetupDialog)
        assert app.screen.query_one("#create").disabled
        await wait_for_text(pilot, "allerede en krypteret database")
        await pilot.click("#enter-code")
        await pilot.pause()
        await _code_typed(pilot, OFFICE.recovery_code)
        assert isinstance(app.screen, LoginScreen) and app.runtime_error is None
        app.runtime.close()
    assert read_record(data_dir).key_id == OFFICE.key_id


async def test_a_code_that_does_not_open_the_database_keeps_nothing(tmp_path, clock, no_key_here):
    data_dir = tmp_path / "data"
    _set_up_office(data_dir, clock)
    (data_dir / "office.json").unlink()
    app = AabenApp(_opener(data_dir, clock))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _settle(app, pilot)
        await pilot.click("#enter-code")
        await pilot.pause()
        await _code_typed(pilot, OTHER_OFFICE.recovery_code)  # a valid code, but not this database's
        assert isinstance(app.screen, LoginScreen)
        assert app.runtime_error is not None and app._runtime is None
    assert read_record(data_dir) is None  # the folder is not tied to the wrong key
    assert no_key_here.get_password(KEYRING_SERVICE, OTHER_OFFICE.key_id) is None
    with pytest.raises(DatabaseFileError):
        _opens_with(data_dir, clock, OTHER_OFFICE)

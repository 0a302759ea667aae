"""Every command on a damaged, vanished, read-only or full local database: Danish, an exit code, no traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from aaben_raadgivning.cli import EXIT_DATABASE_DAMAGED, EXIT_NOT_WRITABLE, EXIT_OFFICE_KEY
from aaben_raadgivning.store import engine, migrate, sqlite_driver
from support.keys import key_for

DB_NAME = "aaben-raadgivning.sqlite3"
COMMANDS = [
    ("user", "list"),
    ("user", "add", "--initials", "CD", "--name", "C D", "--role", "leder", "--password-stdin"),
    ("user", "password", "--initials", "AB", "--password-stdin"),
    ("user", "deactivate", "--initials", "AB"),
    ("export", "--json", "-"),
    ("check",),
    ("follow-up-sweep",),
    ("sync", "--share", "{share}"),
]


@pytest.fixture
def data(run, tmp_path) -> Path:
    data = tmp_path / "data"
    code, _, _ = run("--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "Anne Bak",
                     "--role", "jobkonsulent", "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    assert code == 0
    return data


def _command(data: Path, argv: tuple[str, ...]) -> list[str]:
    share = data.parent / "share"
    share.mkdir(exist_ok=True)
    return ["--data-dir", str(data), *(part.format(share=share) for part in argv)]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_every_command_refuses_a_damaged_database_and_says_how_to_restore(run, data, argv):
    database = data / DB_NAME
    backup = migrate.backup_database(database, data / "backups", "before-0005", key_for(data).database_key)
    with database.open("r+b") as handle:
        handle.truncate(database.stat().st_size // 2)
    before = database.read_bytes()
    code, out, err = run(*_command(data, argv), stdin="nyhemmelig\n")
    assert code == EXIT_DATABASE_DAMAGED
    # (an encrypted file's page count is encrypted too: SQLite says "malformed", not how much is missing)
    assert "er beskadiget" in out + err and "malformed" in out + err
    assert backup.name in out + err and str(data / "backups") in out + err
    assert database.read_bytes() == before


def test_check_diagnoses_damage_inside_the_file(run, data):
    database = data / DB_NAME
    with database.open("r+b") as handle:  # a page in the middle; the header is fine
        handle.seek((database.stat().st_size // 4096 // 2) * 4096)
        handle.write(b"\xff" * 4096)
    before = database.read_bytes()
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == EXIT_DATABASE_DAMAGED
    assert "[FEJL] Databasefilen kan åbnes" in out and "er beskadiget" in out and "Alt er i orden" not in out
    assert "Der er ingen sikkerhedskopi" in out
    assert database.read_bytes() == before


def test_a_garbled_file_is_not_a_database(run, data):
    (data / DB_NAME).write_bytes(b"garbage" * 1000)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_DATABASE_DAMAGED and "beskadiget eller krypteret med en anden kontornøgle" in err


@pytest.mark.parametrize("argv", [("user", "list"), ("check",), ("follow-up-sweep",)], ids=" ".join)
def test_a_vanished_database_is_an_error_not_a_new_empty_one(run, data, argv):
    (data / DB_NAME).unlink()
    code, out, err = run("--data-dir", str(data), *argv)
    assert code == EXIT_DATABASE_DAMAGED and "mangler" in out + err
    assert not (data / DB_NAME).exists()


def test_the_demo_command_may_make_a_new_database_explicitly(run, data, tmp_path):
    demo = tmp_path / "demo-data"
    demo.mkdir()
    (demo / f"{DB_NAME}.created").write_text("a database was here")
    code, out, _ = run("--data-dir", str(demo), "demo", "--citizens", "2", "--days", "1")
    assert code == 0 and (demo / DB_NAME).stat().st_size > 0 and "DEMODATA" in out


def test_demo_data_never_goes_into_a_real_offices_folder(run, data):
    """The public demo key must never encrypt (or open) a real office's folder."""
    (data / DB_NAME).unlink()
    code, out, err = run("--data-dir", str(data), "demo", "--citizens", "2", "--days", "1")
    assert code == EXIT_OFFICE_KEY and "demo-nøglen kan ikke bruges" in err
    assert not (data / DB_NAME).exists()


def _refuse_writes(monkeypatch, sql: str) -> None:
    """Every new connection runs ``sql`` after the app's own set-up."""
    original = engine._on_connect

    def on_connect(dbapi_connection, record) -> None:
        original(dbapi_connection, record)
        dbapi_connection.execute(sql)

    monkeypatch.setattr(engine, "_on_connect", on_connect)


# SQLite's own refusal of a read-only file; and its message for a full disk at the first row written.
READ_ONLY = "PRAGMA query_only=1"
FULL_DISK = "CREATE TEMP TRIGGER full BEFORE INSERT ON staff BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"


@pytest.mark.parametrize(("sql", "says"), [(READ_ONLY, "skrivebeskyttet"), (FULL_DISK, "fuld")], ids=["ro", "full"])
def test_a_save_on_a_read_only_or_full_database_says_so(run, data, monkeypatch, sql, says):
    _refuse_writes(monkeypatch, sql)
    code, _, err = run("--data-dir", str(data), "user", "add", "--initials", "CD", "--name", "C D",
                       "--role", "leder", "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    assert code == EXIT_NOT_WRITABLE and says in err
    monkeypatch.undo()
    _, out, _ = run("--data-dir", str(data), "user", "list")
    assert "CD" not in out


@pytest.mark.parametrize(("number", "says"), [(errno.EROFS, "skrivebeskyttet"), (errno.ENOSPC, "disken er fuld")])
def test_a_read_only_or_full_data_folder_on_first_start(run, tmp_path, monkeypatch, number, says):
    def refuse(self, *args, **kwargs):
        raise OSError(number, "refused", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)  # the first file written: the default settings
    code, _, err = run("--data-dir", str(tmp_path / "ny"), "user", "list")
    assert code == EXIT_NOT_WRITABLE and says in err and "settings.toml" in err


def test_a_database_without_write_access_on_open_says_so(run, data, monkeypatch):
    def unopenable(*_args, **_kwargs):
        raise sqlite_driver.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(migrate, "current_revision", unopenable)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_NOT_WRITABLE and "skrivebeskyttet" in err

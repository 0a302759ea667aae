"""The local database file: damaged, vanished, read-only or on a full disk — said in Danish, never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from aaben_raadgivning.runtime import RuntimeOpener, open_runtime
from aaben_raadgivning.store import database_file, engine, migrate, sqlite_driver
from aaben_raadgivning.store.actions.staff import create_staff, list_staff
from aaben_raadgivning.store.database_file import DatabaseDamaged, DatabaseMissing, DatabaseNotWritable
from support.keys import TEST_OFFICE_KEY

KEY = TEST_OFFICE_KEY.database_key

DB_NAME = "aaben-raadgivning.sqlite3"


def _made(data: Path) -> Path:
    """A data folder with a closed, checkpointed database holding one account."""
    runtime = open_runtime(data)
    create_staff(runtime.db, initials="AB", name="Anne Bak", role="jobkonsulent", password="hemmelig1")
    runtime.close()
    return data / DB_NAME


def truncate(database: Path) -> None:
    with database.open("r+b") as handle:
        handle.truncate(database.stat().st_size // 2)


def garble(database: Path) -> None:
    database.write_bytes(b"\x13\x37 not a database " * 300)


def garble_inside(database: Path) -> None:
    """Overwrite a page in the middle (the header is intact, so only reading every page finds it)."""
    with database.open("r+b") as handle:
        size = database.stat().st_size
        handle.seek((size // 4096 // 2) * 4096)
        handle.write(b"\xff" * 4096)


@pytest.mark.parametrize("damage", [truncate, garble])
def test_a_damaged_file_is_refused_and_not_written(tmp_path, damage):
    database = _made(tmp_path)
    damage(database)
    before = database.read_bytes()
    with pytest.raises(DatabaseDamaged) as excinfo:
        open_runtime(tmp_path)
    message = str(excinfo.value)
    assert "er beskadiget" in message and "skriver ikke i den" in message
    assert str(tmp_path / "backups") in message  # where the backups would be
    assert database.read_bytes() == before  # no migration, no device id, no WAL switch
    assert isinstance(excinfo.value, OSError)  # so the app's start-up shows it (it reports OSError)


def test_the_message_names_the_newest_backup(tmp_path):
    database = _made(tmp_path)
    old = migrate.backup_database(database, tmp_path / "backups", "before-0004", KEY)
    newest = old.with_name(old.name.replace("before-0004", "zz-before-0005"))
    old.rename(newest)
    older = tmp_path / "backups" / f"{database.stem}-20200101-000000-before-0002.sqlite3"
    older.write_bytes(newest.read_bytes())
    garble(database)
    with pytest.raises(DatabaseDamaged) as excinfo:
        open_runtime(tmp_path)
    message = str(excinfo.value)
    assert newest.name in message and older.name not in message and str(database) in message


def test_damage_found_only_by_reading_every_page_is_reported_by_quick_check(tmp_path):
    database = _made(tmp_path)
    assert database_file.quick_check(database, KEY) == []
    garble_inside(database)
    assert database_file.quick_check(database, KEY)


@pytest.mark.parametrize("empty_file", [False, True])
def test_a_vanished_database_is_not_replaced_by_a_new_empty_one(tmp_path, empty_file):
    database = _made(tmp_path)
    database.unlink()
    if empty_file:
        database.touch()
    with pytest.raises(DatabaseMissing) as excinfo:
        open_runtime(tmp_path)
    assert ("er tom" if empty_file else "mangler") in str(excinfo.value)
    assert "ikke en ny, tom database" in str(excinfo.value)
    assert database.exists() == empty_file and (not empty_file or database.stat().st_size == 0)


def test_backups_alone_show_that_a_database_was_here(tmp_path):
    """An installation from before the marker file: its backups are the trace."""
    database = _made(tmp_path)
    migrate.backup_database(database, tmp_path / "backups", "before-0005", KEY)
    database_file.marker_path(database).unlink()
    database.unlink()
    with pytest.raises(DatabaseMissing, match="sikkerhedskopier"):
        open_runtime(tmp_path)


def test_a_first_start_creates_the_database_and_demo_data_may_start_afresh(tmp_path):
    database = _made(tmp_path / "kontor")  # first start: nothing here yet
    assert database_file.marker_path(database).exists()
    database.unlink()
    open_runtime(tmp_path / "kontor", allow_new_database=True).close()  # explicit: e.g. the demo command
    assert database.stat().st_size > 0
    demo = RuntimeOpener.prepare(tmp_path / "demo", demo=True)
    demo.open().close()
    demo.paths.database.unlink()
    demo.open().close()  # demo data is disposable


def _pragma_on_connect(monkeypatch, pragma: str) -> None:
    """Every new connection runs ``pragma`` after the app's own: a real SQLite refusal to write."""
    original = engine._on_connect

    def on_connect(dbapi_connection, record) -> None:
        original(dbapi_connection, record)
        sql = pragma
        if "{pages}" in pragma:
            sql = pragma.format(pages=dbapi_connection.execute("PRAGMA page_count").fetchone()[0])
        dbapi_connection.execute(sql)

    monkeypatch.setattr(engine, "_on_connect", on_connect)


def test_a_read_only_database_says_so_when_a_save_fails(tmp_path, monkeypatch):
    _made(tmp_path)
    _pragma_on_connect(monkeypatch, "PRAGMA query_only=1")  # "attempt to write a readonly database"
    runtime = open_runtime(tmp_path)  # reading works
    assert [staff.initials for staff in list_staff(runtime.db)] == ["AB"]
    with pytest.raises(Exception) as excinfo:
        create_staff(runtime.db, initials="CD", name="C D", role="leder", password="hemmelig1")
    problem = database_file.classify(excinfo.value, runtime.paths.database, runtime.paths.backup_dir)
    runtime.close()
    assert isinstance(problem, DatabaseNotWritable) and "skrivebeskyttet" in str(problem)


def test_a_read_only_folder_on_first_start_is_not_a_failed_migration(tmp_path, monkeypatch):
    _pragma_on_connect(monkeypatch, "PRAGMA query_only=1")
    with pytest.raises(DatabaseNotWritable, match="skrivebeskyttet"):
        open_runtime(tmp_path)


def test_a_full_disk_during_a_migration_is_said_as_such(tmp_path, monkeypatch):
    from alembic import command

    _made(tmp_path)
    _pragma_on_connect(monkeypatch, "PRAGMA max_page_count={pages}")  # SQLite's "database or disk is full"

    def growing_upgrade(config, target):  # a migration that needs more room than there is
        connection = config.attributes["connection"]
        connection.exec_driver_sql("CREATE TABLE grown (x TEXT)")
        connection.exec_driver_sql("INSERT INTO grown SELECT printf('%.500c', 'x') FROM staff, staff, staff")
        for _ in range(50):
            connection.exec_driver_sql("INSERT INTO grown SELECT x FROM grown LIMIT 100")

    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "next")
    monkeypatch.setattr(command, "upgrade", growing_upgrade)
    with pytest.raises(DatabaseNotWritable, match="fuld") as excinfo:
        open_runtime(tmp_path)
    assert "Intet er gået tabt" in str(excinfo.value)


def test_a_failed_backup_copy_is_removed(tmp_path, monkeypatch):
    database = _made(tmp_path)

    class FullDisk:
        def __init__(self, real) -> None:
            self.real = real

        def backup(self, target) -> None:
            target.execute("CREATE TABLE partial (x)")
            target.commit()
            raise sqlite_driver.OperationalError("database or disk is full")

        def close(self) -> None:
            self.real.close()

    real_connect = sqlite_driver.connect
    calls = []

    def connect(path, *args, **kwargs):
        calls.append(path)
        connection = real_connect(path, *args, **kwargs)
        return FullDisk(connection) if len(calls) == 1 else connection

    monkeypatch.setattr(sqlite_driver, "connect", connect)
    with pytest.raises(sqlite_driver.OperationalError):
        migrate.backup_database(database, tmp_path / "backups", "before-x", KEY)
    monkeypatch.undo()
    assert database_file.backups(tmp_path / "backups") == []

"""Migrations: the fast start-up check matches Alembic, backups are taken, failures leave the old file usable."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.script import ScriptDirectory

from aaben_raadgivning.runtime import open_runtime
from aaben_raadgivning.store import migrate


def test_schema_head_constant_matches_alembic_head():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.SCHEMA_HEAD


def test_pragmas_protect_committed_writes(world):
    with world.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_reopening_a_current_database_makes_no_backup(tmp_path):
    open_runtime(tmp_path).close()
    open_runtime(tmp_path).close()
    assert not (tmp_path / "backups").exists()


def test_failed_migration_rolls_back_and_keeps_a_backup(tmp_path, monkeypatch):
    runtime = open_runtime(tmp_path)
    database = runtime.paths.database
    runtime.close()
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO local_meta (key, value) VALUES ('marker', 'still here')")

    def half_done_upgrade(config, target):  # a migration that changes something, then fails
        config.attributes["connection"].exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    from alembic import command

    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "0002")  # pretend a newer schema ships with the app
    monkeypatch.setattr(command, "upgrade", half_done_upgrade)
    with pytest.raises(migrate.MigrationError) as excinfo:
        open_runtime(tmp_path)
    assert "kunne ikke opdateres" in str(excinfo.value) and "kopi af databasen" in str(excinfo.value)
    [backup] = (tmp_path / "backups").iterdir()
    for path in (database, backup):
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT value FROM local_meta WHERE key='marker'").fetchone() == ("still here",)
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone()
    monkeypatch.undo()
    open_runtime(tmp_path).close()  # the old database still opens


def test_database_from_a_newer_app_is_refused_untouched(tmp_path):
    open_runtime(tmp_path).close()
    database = tmp_path / "aaben-raadgivning.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = database.read_bytes()
    with pytest.raises(migrate.MigrationError, match="nyere version"):
        open_runtime(tmp_path)
    assert database.read_bytes() == before
    assert not (tmp_path / "backups").exists()

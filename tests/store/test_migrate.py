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


def test_failed_migration_keeps_old_database_and_a_backup(tmp_path):
    runtime = open_runtime(tmp_path)
    database = runtime.paths.database
    runtime.close()
    with sqlite3.connect(database) as conn:  # pretend the file comes from an unknown older version
        conn.execute("UPDATE alembic_version SET version_num = 'old-unknown'")
        conn.execute("INSERT INTO local_meta (key, value) VALUES ('marker', 'still here')")
    with pytest.raises(migrate.MigrationError) as excinfo:
        open_runtime(tmp_path)
    assert "kunne ikke opdateres" in str(excinfo.value)
    [backup] = (tmp_path / "backups").iterdir()
    for path in (database, backup):
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT value FROM local_meta WHERE key='marker'").fetchone() == ("still here",)
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("old-unknown",)

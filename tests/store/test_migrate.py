"""Migrations: the fast start-up check matches Alembic, backups are taken, failures leave the old file usable."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from aaben_raadgivning.runtime import open_runtime
from aaben_raadgivning.store import migrate
from support.keys import TEST_OFFICE_KEY, raw_connect


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
    with raw_connect(database) as conn:
        conn.execute("INSERT INTO local_meta (key, value) VALUES ('marker', 'still here')")

    def half_done_upgrade(config, target):  # a migration that changes something, then fails
        config.attributes["connection"].exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    from alembic import command

    current = migrate.SCHEMA_HEAD
    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "next")  # pretend a newer schema ships with the app
    monkeypatch.setattr(command, "upgrade", half_done_upgrade)
    with pytest.raises(migrate.MigrationError) as excinfo:
        open_runtime(tmp_path)
    assert "kunne ikke opdateres" in str(excinfo.value) and "kopi af databasen" in str(excinfo.value)
    [backup] = (tmp_path / "backups").iterdir()
    for path in (database, backup):
        with raw_connect(path) as conn:
            assert conn.execute("SELECT value FROM local_meta WHERE key='marker'").fetchone() == ("still here",)
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (current,)
            assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone()
    monkeypatch.undo()
    open_runtime(tmp_path).close()  # the old database still opens


def test_database_from_a_newer_app_is_refused_untouched(tmp_path):
    open_runtime(tmp_path).close()
    database = tmp_path / "aaben-raadgivning.sqlite3"
    with raw_connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = database.read_bytes()
    with pytest.raises(migrate.MigrationError, match="nyere version"):
        open_runtime(tmp_path)
    assert database.read_bytes() == before
    assert not (tmp_path / "backups").exists()


@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning", "ignore:.*expression-based index")
def test_migrations_build_exactly_the_models_schema(tmp_path):
    """Autogenerate finds no difference between the migrated database and the models (the FTS index aside).
    Autogenerate cannot compare an index on an expression or a partial one, so those are compared as SQLite
    keeps them."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.schema import CreateIndex

    from aaben_raadgivning.store.models import Base

    runtime = open_runtime(tmp_path)
    with runtime.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        stored = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all())
        expression_indexes = sorted(
            (
                index
                for table in Base.metadata.tables.values()
                for index in table.indexes
                if index.dialect_options["sqlite"]["where"] is not None
                or any(getattr(expression, "name", None) is None for expression in index.expressions)
            ),
            key=lambda index: index.name or "",
        )
        assert [index.name for index in expression_indexes] == [
            "ix_citizens_results", "ix_events_kind_occurred", "ix_events_step_facts",
        ]  # fmt: skip
        for index in expression_indexes:
            wanted = str(CreateIndex(index).compile(dialect=connection.dialect))
            assert " ".join(stored[index.name].split()) == " ".join(wanted.split()), (stored[index.name], wanted)
    runtime.close()
    assert [d for d in diff if "citizen_search" not in str(d)] == []


def test_upgrade_from_first_schema_keeps_data(tmp_path):
    """A database made by the first release is upgraded in place, with a backup, and its rows survive."""
    from alembic import command

    from aaben_raadgivning.store.engine import make_engine

    database = tmp_path / "aaben-raadgivning.sqlite3"
    engine = make_engine(database, TEST_OFFICE_KEY.database_key)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO citizens (id, name, housing_area, created_at) VALUES ('c1', 'Åse Aagaard', '', '2026-01-01')"
        )
    engine.dispose()
    runtime = open_runtime(tmp_path)
    with runtime.db.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT name, cv_status, step FROM citizens WHERE id='c1'").one()
    runtime.close()
    assert tuple(row) == ("Åse Aagaard", "mangler", None)
    assert len(list((tmp_path / "backups").iterdir())) == 1

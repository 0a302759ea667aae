"""Helpers for the sync tests: devices on copies of one migrated template database, replica snapshots,
and an independent merge of all changes (written separately from the engine's own fold)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import SYNCED_TABLES
from support.keys import TEST_OFFICE_KEY, open_database

_TEMPLATES: dict[str, Path] = {}


def template_database(root: Path) -> Path:
    """A migrated database without a device id (copying it is much faster than migrating each time)."""
    key = str(root)
    if key not in _TEMPLATES:
        root.mkdir(parents=True, exist_ok=True)
        path = root / "template.sqlite3"
        db = open_database(path, root / "backups")
        db.close()
        conn = sqlite_driver.connect(path, TEST_OFFICE_KEY.database_key)
        conn.execute("DELETE FROM local_meta")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _TEMPLATES[key] = path
    return _TEMPLATES[key]


def new_device(template: Path, path: Path) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return open_database(path, path.parent / "backups")


def table_rows(db: Database, table: str) -> list[tuple]:
    with db.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY id').all()]
        conn.rollback()
    return rows


def replica_state(db: Database) -> dict[str, Any]:
    """Everything that must be identical on every replica after a full exchange."""
    state: dict[str, Any] = {table: table_rows(db, table) for table in sorted(SYNCED_TABLES)}
    with db.engine.connect() as conn:
        state["conflicts"] = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM sync_conflicts ORDER BY loser_id")]
        state["change_ids"] = sorted(conn.exec_driver_sql("SELECT id FROM change_log").scalars())
        # Each change under one label everywhere: its device and HLC decide winners and conflicts.
        state["change_labels"] = [tuple(r) for r in conn.exec_driver_sql(
            "SELECT id, hlc, device_id FROM change_log ORDER BY id")]  # fmt: skip
        state["search"] = sorted(tuple(r) for r in conn.exec_driver_sql("SELECT rowid, citizen_id FROM citizen_search"))
        conn.rollback()
    return state


def all_changes(dbs: list[Database]) -> dict[str, tuple]:
    changes: dict[str, tuple] = {}
    for db in dbs:
        with db.engine.connect() as conn:
            for row in conn.exec_driver_sql(
                "SELECT id, hlc, table_name, row_id, op, field, value FROM change_log WHERE device_id = ?",
                (db.device_id,),
            ):
                changes[row[0]] = tuple(row)
            conn.rollback()
    return changes


def independent_merge(changes: dict[str, tuple]) -> dict[str, dict[str, dict[str, Any]]]:
    """Rows by table by id: per field the value of the latest (HLC) change; purged rows left out."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    inserted: set[tuple[str, str]] = set()
    purged: set[tuple[str, str]] = set()
    for _id, _hlc, table, row_id, op, field, value in sorted(changes.values(), key=lambda c: (c[1], c[0])):
        key = (table, row_id)
        if op == "purge" or (op == "insert" and value is None):
            purged.add(key)
        elif op == "insert":
            inserted.add(key)
            rows.setdefault(key, {}).update(json.loads(value))
        elif value is not None or op in ("update", "delete"):
            rows.setdefault(key, {})[field] = json.loads(value) if value is not None else None
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for key, values in rows.items():
        if key in inserted and key not in purged:
            result.setdefault(key[0], {})[key[1]] = values
    return result


def orm_rows(db: Database, table: str) -> dict[str, dict[str, Any]]:
    """Rows as the change log writes them (plain JSON values), read through the models."""
    from sqlalchemy import select

    from aaben_raadgivning.store.models import Base
    from aaben_raadgivning.store.rows import row_dict

    model = next(m.class_ for m in Base.registry.mappers if getattr(m.class_, "__tablename__", None) == table)
    with db.session() as session:
        return {obj.id: row_dict(obj) for obj in session.scalars(select(model))}

"""Bulk writing of demo rows: the driver's executemany with values converted as SQLAlchemy's SQLite types
store them, each row with its change-log insert entry."""

from __future__ import annotations

import json
import os
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    Agreement,
    ChangeLogEntry,
    Citizen,
    CitizenOutcome,
    Company,
    CompanyContact,
    Event,
    FollowUpTask,
    HoursReport,
    Office,
    Staff,
    WalkIn,
    WalkInTransition,
)

BATCH_ROWS = 5_000  # rows per bulk insert

# --- bulk writing ------------------------------------------------------------------------------
# Rows are written with the driver's executemany, values converted the way SQLAlchemy's SQLite types
# store them (datetime "YYYY-MM-DD HH:MM:SS.ffffff", date ISO, bool 0/1): Core's per-row parameter
# processing costs more than the insert itself at a million rows. tests/store/test_demo.py reads
# the rows back through the ORM to keep the two in step.

MODELS = (
    Office, Staff, Citizen, CitizenOutcome, WalkIn, WalkInTransition, Event, Company, CompanyContact, Agreement, FollowUpTask, HoursReport,
)  # fmt: skip
ORDER = tuple(model.__tablename__ for model in MODELS)  # parents before children (foreign keys)
JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # == rows.dumps, minus a call


@dataclass(frozen=True)
class TableSpec:
    name: str
    keys: tuple[str, ...]
    defaults: tuple[Any, ...]
    sql: str

    @classmethod
    def of(cls, table: Table) -> TableSpec:
        # Column order is the mapper's order, which is the key order rows.row_dict logs.
        columns = list(table.columns)
        # (a scalar column default: ScalarElementColumnDefault.arg; typed as the generic default)
        defaults = tuple(
            getattr(c.default, "arg", None) if c.default is not None and c.default.is_scalar else None for c in columns
        )
        names = ", ".join(c.name for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        return cls(table.name, tuple(c.key for c in columns), defaults, sql)


SPECS = {
    model.__tablename__: TableSpec.of(model.__table__)  # type: ignore[arg-type]
    for model in (*MODELS, ChangeLogEntry)
}


class FastIds:
    """UUIDv7 text ids in the form ids.new_id makes, about twice as fast: randomness is drawn from
    the OS in blocks, and the millisecond clock is read once per id. Ids made within the same
    millisecond are not ordered among themselves (nothing relies on that)."""

    _BLOCK = 10 * 4096

    def __init__(self) -> None:
        self._random = b""
        self._at = 0

    def __call__(self) -> str:
        if self._at >= len(self._random):
            self._random, self._at = os.urandom(self._BLOCK), 0
        bits = int.from_bytes(self._random[self._at : self._at + 10], "big")
        self._at += 10
        ms = time_module.time_ns() // 1_000_000
        value = (ms << 80) | (0x7 << 76) | ((bits >> 64) & 0xFFF) << 64 | (0b10 << 62) | (bits & LOW_62)
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


LOW_62 = (1 << 62) - 1


class BulkWriter:
    """Collects rows per table and writes them, with one change-log insert entry each, in bulk."""

    def __init__(self, db: Database) -> None:
        self._hlc = db.clock.now
        self._device_id = db.device_id
        self._new_id = FastIds()
        self._pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in ORDER}
        self._log: list[tuple[Any, ...]] = []
        self.counts: dict[str, int] = dict.fromkeys(ORDER, 0)

    def add(self, table: str, **values: Any) -> str:
        spec = SPECS[table]
        new_id = self._new_id
        row_id = values.pop("id", None) or new_id()
        stored: list[Any] = [row_id]
        plain: dict[str, Any] = {"id": row_id}
        for key, default in zip(spec.keys[1:], spec.defaults[1:], strict=True):
            value = values.pop(key, default)
            kind = value.__class__
            if kind is datetime:
                plain[key] = value.isoformat()
                stored.append(value.isoformat(" ", "microseconds"))
            elif kind is date:
                plain[key] = stored_value = value.isoformat()
                stored.append(stored_value)
            elif kind is bool:
                plain[key] = value
                stored.append(int(value))
            else:
                plain[key] = value
                stored.append(value)
        if values:
            raise KeyError(f"{table} has no column(s) {sorted(values)}")
        self._pending[table].append(tuple(stored))
        # (no staff: demo data is system work)
        self._log.append((new_id(), self._hlc(), self._device_id, table, row_id, "insert", None, JSON(plain), None))
        self.counts[table] += 1
        return row_id

    @property
    def pending(self) -> int:
        return len(self._log)

    def flush(self, session: Session) -> None:
        connection = session.connection()
        for name in ORDER:
            rows = self._pending[name]
            for start in range(0, len(rows), BATCH_ROWS):
                connection.exec_driver_sql(SPECS[name].sql, rows[start : start + BATCH_ROWS])
            rows.clear()
        for start in range(0, len(self._log), BATCH_ROWS):
            connection.exec_driver_sql(SPECS["change_log"].sql, self._log[start : start + BATCH_ROWS])
        self._log.clear()

"""Export of all data as one JSON document (``aaben-raadgivning export --json FILE``).

Rows are streamed table by table with Core selects inside one read transaction, so a million events
never sit in memory as objects and every list is taken from the same moment in time. An export is an
extract of personal data, so it is audited; the file is written under a temporary name (readable only
by its owner) and renamed into place only after the audit entry is committed: there is never a half
file, nor a finished export that the audit log does not know about.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Table, select

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    AuditEntry,
    Citizen,
    Event,
    FollowUpTask,
    Office,
    Staff,
    WalkIn,
    WalkInTransition,
)

FORMAT_VERSION = 1
STDOUT = "-"
# JSON list name → table, in the order they are written (parents first, the audit log last).
EXPORT_TABLES: tuple[tuple[str, Table], ...] = (
    ("offices", Office.__table__),  # type: ignore[arg-type]
    ("staff", Staff.__table__),  # type: ignore[arg-type]
    ("citizens", Citizen.__table__),  # type: ignore[arg-type]
    ("walk_ins", WalkIn.__table__),  # type: ignore[arg-type]
    ("walk_in_transitions", WalkInTransition.__table__),  # type: ignore[arg-type]
    ("events", Event.__table__),  # type: ignore[arg-type]
    ("follow_ups", FollowUpTask.__table__),  # type: ignore[arg-type]
    ("audit_log", AuditEntry.__table__),  # type: ignore[arg-type]
)
# Never leaves the database: a password hash can be attacked offline.
EXCLUDED_COLUMNS = {"staff": frozenset({"password_hash"})}
LIST_LABELS = {
    "offices": "kontorer",
    "staff": "medarbejdere",
    "citizens": "borgere",
    "walk_ins": "henvendelser",
    "walk_in_transitions": "forløbstrin",
    "events": "hændelser",
    "follow_ups": "opfølgninger",
    "audit_log": "logposter",
}
YIELD_PER = 5_000


@dataclass(frozen=True)
class ExportResult:
    destination: str  # the file's absolute path, or "-" for standard output
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ExportError(OSError):
    """The export could not be written; the message is Danish and names the file."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(connection: Connection, name: str, table: Table) -> Iterator[dict[str, Any]]:
    excluded = EXCLUDED_COLUMNS.get(name, frozenset())
    columns = [column for column in table.columns if column.key not in excluded]
    keys = [column.key for column in columns]
    result = connection.execution_options(yield_per=YIELD_PER).execute(
        select(*columns).order_by(table.c.id)
    )
    for row in result:
        yield {key: _plain(value) for key, value in zip(keys, row, strict=True)}


def write_json(db: Database, out: TextIO, exported_at: datetime) -> dict[str, int]:
    """Write the whole export document to ``out``; returns the number of records per list."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    counts: dict[str, int] = {}
    out.write("{\n")
    out.write(f'"format_version":{FORMAT_VERSION},\n"exported_at":{encode(exported_at.isoformat())}')
    with db.engine.connect() as connection:  # one read transaction: all lists from the same moment
        for name, table in EXPORT_TABLES:
            out.write(f',\n"{name}":[')
            count = 0
            for row in _rows(connection, name, table):
                out.write(",\n" if count else "\n")
                out.write(encode(row))
                count += 1
            out.write("\n]" if count else "]")
            counts[name] = count
        connection.rollback()
    out.write("\n}\n")
    return counts


def _describe(destination: str, counts: dict[str, int]) -> str:
    where = "standardoutput" if destination == STDOUT else destination
    listed = ", ".join(f"{counts[name]} {LIST_LABELS[name]}" for name, _ in EXPORT_TABLES)
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or password database
        user = "ukendt"
    return f"Eksport af alle data til {where} via kommandolinjen (systembruger {user}): {listed}"


def _audit(db: Database, destination: str, counts: dict[str, int], actor_id: str | None) -> None:
    with db.transaction() as tx:
        tx.audit(actor_id, "export", "database", detail=_describe(destination, counts))


def export_json(
    db: Database, destination: str | Path, *, stdout: TextIO | None = None, actor_id: str | None = None
) -> ExportResult:
    """Export everything to the file ``destination`` (or ``"-"`` for ``stdout``) and audit it."""
    now = db.now()
    if str(destination) == STDOUT:
        assert stdout is not None, "stdout is needed for '-'"
        counts = write_json(db, stdout, now)
        stdout.flush()
        _audit(db, STDOUT, counts, actor_id)
        return ExportResult(STDOUT, counts)

    target = Path(destination).expanduser().absolute()
    if target.is_dir():
        raise ExportError(f"{target} er en mappe. Angiv et filnavn, fx {target / 'eksport.json'}.")
    try:
        # Same directory as the target, so the final rename cannot cross file systems.
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise ExportError(f"Kan ikke skrive i mappen {target.parent}: {exc.strerror or exc}.") from exc
    temp = Path(handle.name)
    try:
        with handle:
            counts = write_json(db, handle, now)
            handle.flush()
            os.fsync(handle.fileno())
        _audit(db, str(target), counts, actor_id)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(f"Eksporten til {target} mislykkedes: {exc.strerror or exc}. Der er ikke skrevet nogen fil.") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(str(target), counts)

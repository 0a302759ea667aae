"""Export of all data as one JSON document (``aaben-raadgivning export --json FILE``).

Rows are streamed table by table with Core selects inside one read transaction, so a million events
never sit in memory as objects and every list is taken from the same moment in time. An export is an
extract of personal data, so it is audited; the file is written under a temporary name (readable only
by its owner) and renamed into place only after the audit entry is committed: there is never a half
file, nor a finished export that the audit log does not know about.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from sqlalchemy import Connection, Table, select

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import SYNCED_TABLES, Base

FORMAT_VERSION = 1
STDOUT = "-"
# JSON list names that differ from the table name.
LIST_NAMES = {"follow_up_tasks": "follow_ups"}
_FIRST = ("offices", "staff", "citizens", "walk_ins", "walk_in_transitions", "events", "follow_up_tasks")


def _export_tables() -> tuple[tuple[str, Table], ...]:
    """Every synced table: the core ones in a fixed order, tables added later next, the audit log last."""
    later = sorted(SYNCED_TABLES - set(_FIRST) - {"audit_log"})
    names = (*_FIRST, *later, "audit_log")
    return tuple((LIST_NAMES.get(name, name), Base.metadata.tables[name]) for name in names)


EXPORT_TABLES = _export_tables()
# Never leaves the database: a password hash can be attacked offline.
EXCLUDED_COLUMNS = {"staff": frozenset({"password_hash"})}
# Danish (singular, plural) per list, for receipts and the audit entry.
LIST_LABELS = {
    "offices": ("kontor", "kontorer"),
    "staff": ("medarbejder", "medarbejdere"),
    "citizens": ("borger", "borgere"),
    "walk_ins": ("henvendelse", "henvendelser"),
    "walk_in_transitions": ("statusskift for henvendelser", "statusskift for henvendelser"),
    "events": ("hændelse", "hændelser"),
    "follow_ups": ("opfølgning", "opfølgninger"),
    "sub_goals": ("delmål", "delmål"),
    "audit_log": ("logpost", "logposter"),
}
YIELD_PER = 5_000


@dataclass(frozen=True)
class ExportResult:
    destination: str  # the file's absolute path, or "-" for standard output
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ExportError(UserError, OSError):
    """The export could not be written; ``message`` (and ``str()``) is Danish and names the file."""


def describe_counts(counts: dict[str, int]) -> str:
    """ "1 kontor, 4 medarbejdere, …" with Danish thousands separators."""
    parts = []
    for name, count in counts.items():
        singular, plural = LIST_LABELS.get(name, (name, name))
        parts.append(f"{count:,} {singular if count == 1 else plural}".replace(",", "."))
    return ", ".join(parts)


def describe_os_error(exc: OSError) -> str:
    """Why a file operation failed, in Danish (strerror is English)."""
    reasons = {
        errno.EACCES: "ingen adgang",
        errno.EPERM: "ingen adgang",
        errno.ENOENT: "findes ikke",
        errno.EEXIST: "findes allerede",
        errno.ENOTDIR: "er ikke en mappe",
        errno.EISDIR: "er en mappe",
        errno.ENOSPC: "disken er fuld",
        errno.EDQUOT: "diskkvoten er opbrugt",
        errno.EROFS: "skrivebeskyttet",
        errno.EPIPE: "modtageren lukkede forbindelsen",
    }
    return reasons.get(exc.errno or -1, exc.strerror or str(exc))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(connection: Connection, name: str, table: Table) -> Iterator[dict[str, Any]]:
    excluded = EXCLUDED_COLUMNS.get(name, frozenset())
    columns = [column for column in table.columns if column.key not in excluded]
    keys = [column.key for column in columns]
    result = connection.execution_options(yield_per=YIELD_PER).execute(select(*columns).order_by(table.c.id))
    for row in result:
        yield {key: _plain(value) for key, value in zip(keys, row, strict=True)}


def write_json(
    db: Database, out: IO[str], exported_at: datetime, counts: dict[str, int] | None = None
) -> dict[str, int]:
    """Write the whole export document to ``out``; returns the number of records per list, kept in
    ``counts`` as it goes (so a failure midway still tells what was written)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    counts = {} if counts is None else counts
    out.write("{\n")
    out.write(f'"format_version":{FORMAT_VERSION},\n"exported_at":{encode(exported_at.isoformat())}')
    with db.engine.connect() as connection:  # one read transaction: all lists from the same moment
        for name, table in EXPORT_TABLES:
            out.write(f',\n"{name}":[')
            count = counts[name] = 0
            for row in _rows(connection, name, table):
                out.write(",\n" if count else "\n")
                out.write(encode(row))
                count += 1
                counts[name] = count
            out.write("\n]" if count else "]")
        connection.rollback()
    out.write("\n}\n")
    return counts


def _describe(destination: str, counts: dict[str, int], complete: bool) -> str:
    where = "standard output" if destination == STDOUT else destination
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or password database
        user = "ukendt"
    state = "" if complete else " (afbrudt undervejs)"
    return f"Eksport af alle data til {where}{state} via kommandolinjen (systembruger {user}): " + describe_counts(
        counts
    )


def _audit(db: Database, destination: str, counts: dict[str, int], actor_id: str | None, complete: bool = True) -> None:
    with db.transaction() as tx:
        tx.audit(actor_id, "export", "database", detail=_describe(destination, counts, complete))


def _check_target(target: Path, overwrite: bool) -> None:
    """Only a new file, or (with ``overwrite``) a regular file, is ever replaced: never a folder, a device
    such as /dev/null or a named pipe."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ExportError(
            f"{target} kan ikke bruges: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
        ) from exc
    if stat.S_ISDIR(mode):
        raise ExportError(f"{target} er en mappe. Angiv et filnavn, fx {target / 'eksport.json'}.")
    if not stat.S_ISREG(mode):
        raise ExportError(
            f"{target} er ikke en almindelig fil (fx en enhed eller en navngiven pipe); eksporten skrives kun til "
            "en fil. Brug «--json -» for at skrive til standard output. Der er ikke skrevet nogen fil."
        )
    if not overwrite:
        raise ExportError(
            f"Filen {target} findes allerede. Vælg et andet filnavn, eller brug --force for at erstatte den. "
            "Der er ikke skrevet nogen fil."
        )


def export_json(
    db: Database,
    destination: str | Path,
    *,
    stdout: TextIO | None = None,
    actor_id: str | None = None,
    overwrite: bool = False,
) -> ExportResult:
    """Export everything to the file ``destination`` (or ``"-"`` for ``stdout``) and audit it. An existing
    file is replaced only with ``overwrite``, and only if it is a regular file."""
    now = db.now()
    if str(destination) == STDOUT:
        assert stdout is not None, "stdout is needed for '-'"
        counts: dict[str, int] = {}
        try:
            write_json(db, stdout, now, counts)
            stdout.flush()
        except BaseException:
            # What reached the pipe before it broke has left the database: log that too.
            if any(counts.values()):
                _audit(db, STDOUT, counts, actor_id, complete=False)
            raise
        _audit(db, STDOUT, counts, actor_id)
        return ExportResult(STDOUT, counts)

    target = Path(destination).expanduser().absolute()
    _check_target(target, overwrite)
    try:
        # Same directory as the target, so the final rename cannot cross file systems.
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise ExportError(f"Kan ikke skrive i mappen {target.parent}: {describe_os_error(exc)}.") from exc
    temp = Path(handle.name)
    try:
        with handle:
            counts = write_json(db, handle, now)
            handle.flush()
            os.fsync(handle.fileno())
        _check_target(target, overwrite)  # again: the export took a while, something may have appeared there
        _audit(db, str(target), counts, actor_id)
        os.replace(temp, target)
    except ExportError:
        temp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(
            f"Eksporten til {target} mislykkedes: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(str(target), counts)

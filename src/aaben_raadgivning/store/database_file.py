"""The local database file itself: is it there, is it sound, can it be written?

Checked before anything writes to the file, so a damaged database is never "repaired" by a migration
or a new device id, and a database that went missing is never silently replaced by a new, empty one
(which would then join the share as a new computer). The errors are ``UserError`` and ``OSError`` with a
Danish message that says what to do, so every caller that already reports file problems (the
command line, the app's start-up) shows them as they are.

A new database is only created where the data folder shows no trace of an earlier one: no marker file
(written next to the database the first time it opens), no backups and no leftover write-ahead log.
"""

from __future__ import annotations

import errno
from pathlib import Path

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.sqlite_driver import SQLITE_MAGIC

HEADER_SIZE = 100
MARKER_SUFFIX = ".created"
MARKER_TEXT = (
    "Åben Rådgivning har en database i denne mappe. Slet ikke denne fil: den gør, at programmet\n"
    "siger til, hvis databasen forsvinder, i stedet for stille at lave en ny, tom database.\n"
)
# SQLite's messages for a file that is not (or no longer) a sound database.
_DAMAGE_MARKERS = ("file is not a database", "malformed", "file is encrypted", "database corrupt")
_READ_ONLY_MARKERS = ("readonly database", "read-only")
_FULL_MARKERS = ("database or disk is full", "disk is full")
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class DatabaseFileError(UserError, OSError):
    """The local database file cannot be used; ``message`` (and ``str()``) is Danish and says what to do."""


class DatabaseDamaged(DatabaseFileError):
    """The file is not a sound SQLite database (garbled, truncated)."""


class DatabaseMissing(DatabaseFileError):
    """The file is missing or empty where a database has been."""


class DatabaseNotWritable(DatabaseFileError):
    """The data folder is read-only or the disk is full."""


class DatabaseNotEncrypted(DatabaseFileError):
    """A plain (unencrypted) database where an encrypted one is expected: it must be converted first."""


def not_encrypted(database: Path) -> DatabaseNotEncrypted:
    return DatabaseNotEncrypted(
        f"Databasen {database} er ikke krypteret (den er lavet af en ældre version af programmet). Den skal "
        "krypteres, før den kan bruges: luk programmet på denne computer og kør "
        "«aaben-raadgivning office encrypt». Der tages en sikkerhedskopi først; intet går tabt."
    )


def marker_path(database: Path) -> Path:
    return database.with_name(database.name + MARKER_SUFFIX)


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def backups(backup_dir: Path) -> list[Path]:
    """The backup copies, newest last (their names carry a sortable time stamp)."""
    try:
        return sorted(path for path in backup_dir.glob("*.sqlite3") if path.is_file())
    except OSError:
        return []


def restore_advice(database: Path, backup_dir: Path) -> str:
    """How to get the office's data back: the newest backup by name, or the share."""
    copies = backups(backup_dir)
    side_files = f"{database.name}-wal og {database.name}-shm"
    if copies:
        return (
            f"Sådan hentes den nyeste sikkerhedskopi: luk programmet, flyt {database.name} (og {side_files}, "
            f"hvis de findes) fra {database.parent} til en anden mappe, og kopiér {copies[-1].name} fra "
            f"{backup_dir} til {database}. Ændringer, der er lavet efter sikkerhedskopien (tidspunktet står i "
            "filnavnet), er ikke med i den. Kør derefter «aaben-raadgivning check»."
        )
    return (
        f"Der er ingen sikkerhedskopi i {backup_dir}. Er computeren med i en fællesmappe, kan den sættes op "
        f"igen som ny computer: luk programmet, flyt hele mappen {database.parent} et andet sted hen, og start "
        "igen; alt, der nåede fællesmappen, hentes så derfra. Ellers: kontakt support, og gem filen."
    )


def _traces(database: Path, backup_dir: Path) -> list[str]:
    """Danish descriptions of what shows that a database has been in this folder."""
    traces = []
    if marker_path(database).exists():
        traces.append(f"filen {marker_path(database).name}")
    if backups(backup_dir):
        traces.append(f"sikkerhedskopier i {backup_dir}")
    wal = wal_path(database)
    if wal.exists() and wal.stat().st_size > 0:
        traces.append(f"filen {wal.name}")
    return traces


def _missing(database: Path, backup_dir: Path, traces: list[str]) -> DatabaseMissing:
    state = "er tom" if database.exists() else "mangler"
    return DatabaseMissing(
        f"Databasen {database} {state}, men der har været en database i mappen ({', '.join(traces)}). "
        "Programmet laver ikke en ny, tom database af sig selv: den ville komme med i fællesmappen som en "
        f"ny computer, og kontorets data her ville være væk.\n{restore_advice(database, backup_dir)}"
    )


def damaged(database: Path, backup_dir: Path, reason: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"Databasen {database} er beskadiget ({reason}). Programmet skriver ikke i den.\n"
        f"{restore_advice(database, backup_dir)}"
    )


def _header_problem(database: Path, size: int) -> str | None:
    """A garbled or truncated file, told from its 100-byte header (cheap: no page is read)."""
    with database.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        return "filen er ikke en SQLite-database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid when the change counter matches "version valid for" (SQLite file format §1.3.7).
    # With a write-ahead log the file may lag behind its log until the next checkpoint, so it is not judged.
    wal = wal_path(database)
    has_wal = wal.exists() and wal.stat().st_size > 0
    if not has_wal and header[24:28] == header[92:96] and size < pages * page_size:
        return f"filen er afkortet: {size:,} af {pages * page_size:,} byte".replace(",", ".")
    return None


def _read_problem(database: Path, key: bytes | None) -> str | None:
    """Read the schema without writing (query_only); SQLite's own message if it finds damage."""
    try:
        connection = sqlite_driver.connect(database, key)
        try:
            connection.execute("PRAGMA query_only=1")
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                connection.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            connection.close()
    except sqlite_driver.DatabaseError as exc:
        if is_damage(exc):
            if key is not None and str(exc) == "file is not a database":
                # SQLCipher cannot tell a damaged first page from another key: say both
                return f"{exc}: filen er beskadiget eller krypteret med en anden kontornøgle"
            return str(exc)
        return None  # e.g. a locked or unreadable file: reported by the open that follows
    return None


def inspect(database: Path, backup_dir: Path, *, allow_new: bool = False, key: bytes | None = None) -> bool:
    """Check the file before it is opened for writing; True if a new database is to be created.

    Raises ``DatabaseMissing`` for a missing or empty file where a database has been (unless
    ``allow_new``), ``DatabaseDamaged`` for a file that is not a sound SQLite database,
    ``DatabaseNotEncrypted`` for a plain database when ``key`` is given. An encrypted file's header is
    encrypted too, so only its pages can tell whether it is sound.
    """
    size = database.stat().st_size if database.is_file() else 0
    if size == 0:
        traces = _traces(database, backup_dir)
        if traces and not allow_new:
            raise _missing(database, backup_dir, traces)
        return True
    if key is not None and sqlite_driver.is_plain_file(database):
        raise not_encrypted(database)
    header = _header_problem(database, size) if key is None else None
    problem = header or _read_problem(database, key)
    if problem:
        raise damaged(database, backup_dir, problem)
    return False


def quick_check(database: Path, key: bytes | None) -> list[str]:
    """SQLite's quick check of every page, without writing: ``[]`` when the file is sound."""
    try:
        connection = sqlite_driver.connect(database, key)
        try:
            connection.execute("PRAGMA query_only=1")
            lines = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        finally:
            connection.close()
    except sqlite_driver.DatabaseError as exc:
        return [str(exc)]
    return [] if lines == ["ok"] else lines


def mark_existing(database: Path) -> None:
    """Write the marker that tells a later start that a database belongs here (best effort)."""
    marker = marker_path(database)
    if marker.exists():
        return
    try:
        marker.write_text(MARKER_TEXT, encoding="utf-8")
    except OSError:
        pass  # a read-only folder: the database itself says so at the first write


def is_damage(exc: BaseException) -> bool:
    return any(marker in str(exc).lower() for marker in _DAMAGE_MARKERS)


def not_writable(database: Path, *, full: bool) -> DatabaseNotWritable:
    if full:
        return DatabaseNotWritable(
            f"Disken med databasen ({database.parent}) er fuld, så intet kunne gemmes. Frigør plads på "
            "disken (tøm papirkurven, slet store filer), og prøv igen. Intet er gået tabt."
        )
    return DatabaseNotWritable(
        f"Der kan ikke skrives i databasen: mappen {database.parent} eller filen {database.name} er "
        "skrivebeskyttet (eller programmet har ikke adgang til den), så intet kunne gemmes. Bed jeres "
        "it-ansvarlige om skriveadgang til mappen, og prøv igen."
    )


def classify(exc: BaseException, database: Path, backup_dir: Path) -> DatabaseFileError | None:
    """The database problem behind an error from SQLite (or SQLAlchemy around it), or None."""
    if isinstance(exc, DatabaseFileError):
        return exc
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, sqlite_driver.DatabaseError):
        text = str(original).lower()
        if is_damage(original):
            return damaged(database, backup_dir, str(original))
        if any(marker in text for marker in _FULL_MARKERS):
            return not_writable(database, full=True)
        if any(marker in text for marker in _READ_ONLY_MARKERS):
            return not_writable(database, full=False)
        return None
    if isinstance(original, OSError) and original.errno in _FULL_ERRNOS:
        return not_writable(database, full=True)
    if isinstance(original, OSError) and original.errno == errno.EROFS:
        return not_writable(database, full=False)
    return None

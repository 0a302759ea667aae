"""The one way this app opens an SQLite file: SQLCipher (``sqlcipher3``), keyed with a raw key.

Every connection to a database file, a backup or a snapshot goes through ``connect``, so none is ever
opened unkeyed by mistake, and the error classes below are the driver's own (``sqlcipher3`` has its own
exception hierarchy, not ``sqlite3``'s: catching ``sqlite3.Error`` would miss every one of them).

The key is given in SQLCipher's raw form (``x'…'``, 32 bytes): no PBKDF2 runs per connection, so opening
stays as fast as plain SQLite; the key is already a uniformly random HKDF output (security/office_key.py).
``key=None`` opens the file without encryption: only the conversion of an old plain database and the
benchmarks' plain baseline do that.

``cipher_log_level = NONE`` comes first on every connection: with a wrong key SQLCipher would otherwise
write its log lines to stderr, over the TUI.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # sqlcipher3 ships no type hints; it is pysqlite built against SQLCipher, the same API
    import sqlite3 as dbapi
else:
    import sqlcipher3.dbapi2 as dbapi

Connection = dbapi.Connection
Error = dbapi.Error
DatabaseError = dbapi.DatabaseError
OperationalError = dbapi.OperationalError
IntegrityError = dbapi.IntegrityError

SQLITE_MAGIC = b"SQLite format 3\x00"


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def rekey_pragma(key: bytes) -> str:
    return f"PRAGMA rekey = \"x'{key.hex()}'\""


def apply_key(connection: Connection, key: bytes | None) -> None:
    """Key a fresh connection (before anything reads the file)."""
    connection.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        connection.execute(key_pragma(key))
    connection.execute("PRAGMA cache_size = -65536")  # 64 MiB of decrypted pages: warm reads decrypt nothing


def connect(path: Path | str, key: bytes | None, **kwargs: object) -> Connection:
    """A connection to ``path``, keyed with ``key`` (raw, 32 bytes) or plain when ``key`` is None."""
    connection = dbapi.connect(str(path), **kwargs)  # type: ignore[call-overload]
    try:
        apply_key(connection, key)
    except BaseException:
        connection.close()
        raise
    return connection


def attach(connection: Connection | Any, path: Path | str, schema: str, key: bytes | None) -> None:
    """ATTACH another file under ``schema``, keyed with its own key (or plain)."""
    if key is None:
        connection.execute(f"ATTACH DATABASE ? AS {schema} KEY ''", (str(path),))
    else:
        connection.execute(f"ATTACH DATABASE ? AS {schema} KEY \"x'{key.hex()}'\"", (str(path),))


def is_plain_file(path: Path) -> bool:
    """True when the file starts with SQLite's plain header (an unencrypted database)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False

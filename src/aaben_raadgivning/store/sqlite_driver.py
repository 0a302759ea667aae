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

The file format (``CIPHER_FORMAT``): SQLCipher 4 with HMAC-SHA256 page authentication and 16 KiB pages,
instead of SQLCipher 4's defaults (HMAC-SHA512, 4 KiB). Measured here (benchmarks, issue 14): copying a
database page by page (a new laptop taking the snapshot, backups) costs 1.7× plain with the defaults and
about 1.2× with these, because SHA-256 is hardware-accelerated on current CPUs (SHA-NI, ARMv8 SHA2) where
SHA-512 is not, and a larger page spreads each page's IV and HMAC over four times as much data. Both are
set as SQLCipher's *process-wide defaults* before the key, so every file this process creates or opens —
the laptop database, an ATTACHed snapshot or export target, ``VACUUM INTO`` — uses the same format.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aaben_raadgivning.domain.text import compare_danish

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
DANISH_COLLATION = "danish"
# The encrypted file format (see the module docstring). Changing it makes every existing file unreadable:
# it would need a conversion, as ``office encrypt`` does for plain files.
CIPHER_HMAC = "HMAC_SHA256"
CIPHER_PAGE_SIZE = 16384
CIPHER_FORMAT = f"sqlcipher4-{CIPHER_HMAC.lower()}-{CIPHER_PAGE_SIZE}"


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def rekey_pragma(key: bytes) -> str:
    return f"PRAGMA rekey = \"x'{key.hex()}'\""


def apply_key(connection: Connection, key: bytes | None) -> None:
    """Key a fresh connection (before anything reads the file)."""
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA cipher_default_hmac_algorithm = {CIPHER_HMAC}")
    connection.execute(f"PRAGMA cipher_default_page_size = {CIPHER_PAGE_SIZE}")
    if key is not None:
        connection.execute(key_pragma(key))
    connection.execute("PRAGMA cache_size = -65536")  # 64 MiB of decrypted pages: warm reads decrypt nothing


def connect(path: Path | str, key: bytes | None, **kwargs: object) -> Connection:
    """A connection to ``path``, keyed with ``key`` (raw, 32 bytes) or plain when ``key`` is None."""
    connection = dbapi.connect(str(path), **kwargs)  # type: ignore[call-overload]
    try:
        apply_key(connection, key)
        # ``ORDER BY name COLLATE danish``: names in Danish alphabetical order (æ ø å after z, «aa» as «å»).
        connection.create_collation(DANISH_COLLATION, compare_danish)
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

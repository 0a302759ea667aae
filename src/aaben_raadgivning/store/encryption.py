"""Converting a database from before encryption into an encrypted one, in place, without losing a row.

Steps, each checked before the next: the plain file is sound and nobody else has it open; a plain copy is
taken with SQLite's backup API and checked (quick check, same rows per table); the data is exported into
a new file keyed with the laptop's database key (``sqlcipher_export``) and checked the same way; the new
file replaces the old in one rename; the old write-ahead files go; older plain backups are encrypted
likewise; the plain copy is overwritten and removed last. A failure at any step leaves the plain database
as it was and says so.

"Overwritten" is best effort: on an SSD or a journalling file system old blocks may survive. The README
says so: the office's disk encryption (BitLocker, FileVault, LUKS) is what covers that.
"""

from __future__ import annotations

import contextlib
import os
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store import database_file, sqlite_driver
from aaben_raadgivning.store.turnstile import Turnstile

LOCK_TIMEOUT_S = 2.0


class EncryptionError(UserError, RuntimeError):
    """The conversion stopped; the Danish message says what is left as it was."""


@dataclass(frozen=True)
class EncryptionReport:
    tables: int
    rows: int
    backups_encrypted: int


def _row_counts(connection: sqlite_driver.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _counts(path: Path, key: bytes | None) -> dict[str, int]:
    with closing(sqlite_driver.connect(path, key)) as connection:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise EncryptionError(f"Kopien {path} er ikke sund ({'; '.join(problems)}). Intet er ændret.")
        return _row_counts(connection)


def _export(source: Path, target: Path, key: bytes) -> None:
    """A keyed copy of the plain ``source`` at ``target`` (new file)."""
    with closing(sqlite_driver.connect(source, None, isolation_level=None)) as connection:
        sqlite_driver.attach(connection, target, "encrypted", key)
        connection.execute("SELECT sqlcipher_export('encrypted')")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        connection.execute("DETACH DATABASE encrypted")


def shred(path: Path) -> None:
    """Overwrite the file with zeros, then remove it (best effort: see the module's docstring)."""
    try:
        size = path.stat().st_size
        with path.open("r+b") as handle:
            block = b"\x00" * (1024 * 1024)
            left = size
            while left > 0:
                handle.write(block[: min(left, len(block))])
                left -= len(block)
            handle.flush()
            os.fsync(handle.fileno())
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def _encrypt_file(path: Path, key: bytes) -> int:
    """Replace the plain file ``path`` by an encrypted copy; returns its row count."""
    expected = _counts(path, None)
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    try:
        _export(path, tmp, key)
        if _counts(tmp, key) != expected:
            raise EncryptionError(f"Den krypterede kopi af {path.name} har ikke de samme rækker. Intet er ændret.")
        old = path.with_name(path.name + ".plain")
        os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(old, path)  # put the original back before anything else
            raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    shred(old)
    return sum(expected.values())


def encrypt_database(database: Path, backup_dir: Path, key: bytes) -> EncryptionReport:
    """Encrypt the plain database at ``database`` (and the plain backups in ``backup_dir``) with ``key``."""
    if not database.is_file() or database.stat().st_size == 0:
        raise EncryptionError(f"Der er ingen database i {database.parent}.")
    if not sqlite_driver.is_plain_file(database):
        raise EncryptionError(f"Databasen {database} er allerede krypteret. Intet er ændret.")
    damage = database_file.quick_check(database, None)
    if damage:
        raise EncryptionError(
            f"Databasen {database} er beskadiget ({'; '.join(damage)}), så den krypteres ikke. Intet er ændret.\n"
            f"{database_file.restore_advice(database, backup_dir)}"
        )
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    plain_copy = backup_dir / f"{database.stem}-{stamp}-before-encryption.sqlite3"
    # No one may write meanwhile: saves of an app still open hold the turnstile shared, and the exclusive
    # locking mode keeps every other connection out of the file until ours is closed.
    with Turnstile(database).exclusive():
        try:
            with closing(sqlite_driver.connect(database, None, timeout=LOCK_TIMEOUT_S, isolation_level=None)) as source:
                source.execute("PRAGMA locking_mode = EXCLUSIVE")
                source.execute("BEGIN EXCLUSIVE")
                source.execute("COMMIT")  # (the lock stays: exclusive locking mode)
                expected = _row_counts(source)
                with closing(sqlite_driver.connect(plain_copy, None)) as copy:
                    source.backup(copy)
                source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite_driver.OperationalError as exc:
            plain_copy.unlink(missing_ok=True)
            if "locked" in str(exc) or "busy" in str(exc):
                raise EncryptionError(
                    "Databasen er i brug (programmet eller en synkronisering kører). Luk programmet på denne "
                    "computer, og prøv igen. Intet er ændret."
                ) from None
            raise
        try:
            if _counts(plain_copy, None) != expected:
                raise EncryptionError("Sikkerhedskopien har ikke de samme rækker som databasen. Intet er ændret.")
            rows = _encrypt_file(database, key)
            for side in (database_file.wal_path(database), database.with_name(database.name + "-shm")):
                with contextlib.suppress(FileNotFoundError):
                    side.unlink()
            encrypted = 0
            for backup in database_file.backups(backup_dir):
                if backup != plain_copy and sqlite_driver.is_plain_file(backup):
                    _encrypt_file(backup, key)
                    encrypted += 1
        finally:
            # Not needed either way: the database is the checked encrypted copy, or still the plain original.
            shred(plain_copy)
    return EncryptionReport(len(expected), rows, encrypted)

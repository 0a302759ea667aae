"""The backups in the data folder (``backups/``) and erasure (GDPR): a backup taken before an erasure still
holds the person, so it is replaced (see ``scrub_backups``); ``check`` asks ``backup_holds_purged``."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from aaben_raadgivning.store import database_file, migrate, sqlite_driver
from aaben_raadgivning.store.database import Database

BACKUP_LABEL = "after-erasure"


def checkpoint(db: Database) -> None:
    """Move the write-ahead log into the file and empty it, so the erased rows' old pages are not left there."""
    try:
        with closing(db.connect_raw(timeout=5)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite_driver.Error:  # busy (a sync reading): the next checkpoint does it
        pass


@dataclass(frozen=True)
class BackupReport:
    removed: tuple[Path, ...]  # backups that held erased persons, overwritten and removed
    fresh: Path | None  # the new backup taken in their place (None when none was removed)
    unreadable: tuple[Path, ...]  # backups that could not be opened with this folder's key (left as they are)


def _purged_ids(db: Database) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT table_name, row_id FROM sync_purged").all()
        conn.rollback()
    found: dict[str, list[str]] = {}
    for table, row_id in rows:
        found.setdefault(table, []).append(row_id)
    return found


def backup_holds_purged(db: Database, backup: Path, purged: dict[str, list[str]] | None = None) -> bool:
    """True when the backup still has a row (or a logged value of a row) that was erased here since.
    Raises ``sqlite_driver.Error`` when the backup cannot be read with the database's key."""
    purged = _purged_ids(db) if purged is None else purged
    if not purged:
        return False
    with closing(sqlite_driver.connect(backup, db.database_key)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, ids in purged.items():
            for start in range(0, len(ids), 400):
                part = ids[start : start + 400]
                marks = ",".join("?" * len(part))
                if (
                    table in tables
                    and conn.execute(f'SELECT 1 FROM "{table}" WHERE id IN ({marks}) LIMIT 1', part).fetchone()
                ):
                    return True
                if (
                    "change_log" in tables
                    and conn.execute(
                        f"SELECT 1 FROM change_log WHERE table_name = ? AND row_id IN ({marks}) AND value IS NOT NULL "
                        "LIMIT 1",
                        (table, *part),
                    ).fetchone()
                ):
                    return True
    return False


def scrub_backups(db: Database, backup_dir: Path) -> BackupReport:
    """Backups in ``backup_dir`` taken before an erasure still hold the person: overwrite and remove each
    such backup, and take one fresh (encrypted) backup of the database as it is now in their place.

    Why not rewrite them without the person: a backup from before a migration has an older schema (the
    purge knows only today's), and a rewritten old copy would lack the purge entries, so restoring it could
    hand the person back to the sync. The fresh copy has the purge entries and is as good a restore point.
    Backups that cannot be opened with this folder's key are left and reported (``check`` names them)."""
    purged = _purged_ids(db)
    removed: list[Path] = []
    unreadable: list[Path] = []
    for backup in database_file.backups(backup_dir):
        try:
            holds = backup_holds_purged(db, backup, purged)
        except sqlite_driver.Error:
            unreadable.append(backup)
            continue
        if holds:
            removed.append(backup)
    fresh = None
    if removed:
        from aaben_raadgivning.store.encryption import shred

        checkpoint(db)
        fresh = migrate.backup_database(db.path, backup_dir, BACKUP_LABEL, db.database_key)
        for backup in removed:
            if backup != fresh:
                shred(backup)
    return BackupReport(tuple(removed), fresh, tuple(unreadable))

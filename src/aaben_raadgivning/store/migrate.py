"""Bring a database file to the current schema, safely.

Start-up is on the hot path, so the common case (already current) is decided with one query and
without importing Alembic. When a migration is needed the file is first copied with SQLite's backup
API, then all migrations run in one transaction: if any fails, the transaction rolls back and the old
database is still usable (and the backup is there too).
"""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store import database_file, sqlite_driver

# The newest revision in migrations/versions (a test checks it against Alembic's own head).
SCHEMA_HEAD = "0011"

log = logging.getLogger(__name__)


class MigrationError(UserError, RuntimeError):
    """The database could not be upgraded; ``message`` (and ``str()``) is Danish and names the backup."""


def current_revision(database: Path, key: bytes | None) -> str | None:
    if not database.exists():
        return None
    with closing(sqlite_driver.connect(database, key)) as conn:
        has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
        if not has_table:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def backup_database(database: Path, backup_dir: Path, label: str, key: bytes | None) -> Path:
    """A consistent copy (SQLite's backup API) in ``backup_dir``, encrypted with the database's own key."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{database.stem}-{stamp}-{label}.sqlite3"
    try:
        with (
            closing(sqlite_driver.connect(database, key)) as source,
            closing(sqlite_driver.connect(target, key)) as copy,
        ):
            source.backup(copy)
    except BaseException:
        target.unlink(missing_ok=True)  # a half copy (e.g. a full disk) must never be offered as "the newest backup"
        raise
    return target


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "aaben_raadgivning.store:migrations")
    return config


def upgrade(engine: Engine, database: Path, backup_dir: Path, key: bytes | None) -> Path | None:
    """Upgrade to SCHEMA_HEAD if needed. Returns the backup path when a backup was made."""
    revision = current_revision(database, key)
    if revision == SCHEMA_HEAD:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if revision is not None and revision not in known:
        raise MigrationError(
            f"Databasen er skrevet af en nyere version af Åben Rådgivning (skemaversion {revision}). "
            "Opdatér programmet på denne computer; databasen er ikke ændret."
        )
    backup = backup_database(database, backup_dir, f"before-{SCHEMA_HEAD}", key) if revision is not None else None
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except Exception as exc:  # any failure: the transaction rolled back, the old file is intact
        log.exception("Migration from %s to %s failed", revision, SCHEMA_HEAD)
        problem = database_file.classify(exc, database, backup_dir)
        if problem is not None:  # a full disk or read-only folder says so, not "could not be upgraded"
            raise problem from exc
        where = f" En kopi af databasen ligger i {backup}." if backup else ""
        raise MigrationError(f"Databasen kunne ikke opdateres til den nye version: {exc}.{where}") from exc
    log.info("Database %s migrated from %s to %s (backup: %s)", database, revision, SCHEMA_HEAD, backup)
    return backup

"""The SQLite engine with the pragmas a single-user desktop database needs to never lose a committed write.

WAL lets the UI read while a background worker writes; ``synchronous=FULL`` makes a commit durable
across power loss; foreign keys are enforced; a busy timeout lets a second process (sync, CLI) wait
instead of failing. pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN
covers DDL too: a failed migration then rolls back completely.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from aaben_raadgivning.store import sqlite_driver

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


# Execution option naming how a transaction begins. Reads begin DEFERRED (in WAL they never wait);
# every write begins IMMEDIATE: it takes the write lock first, so a second writer (the background
# sync, a command-line sync, another instance) makes it wait under the busy timeout. A deferred write
# that read first would fail at once with SQLITE_BUSY_SNAPSHOT when someone else committed meanwhile.
BEGIN_MODE = "aaben_begin"


def _on_begin(connection) -> None:
    mode = connection.get_execution_options().get(BEGIN_MODE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def make_engine(database: Path, key: bytes | None) -> Engine:
    """The engine for ``database``, every connection keyed with ``key`` (SQLCipher's raw key; None = plain).

    SQLAlchemy's pysqlite dialect is told to use ``sqlcipher3`` (so it recognises that driver's errors), and
    connections come from ``sqlite_driver.connect`` so the key is the first thing each one sees."""
    engine = create_engine(
        f"sqlite:///{database}",
        module=sqlite_driver.dbapi,
        creator=lambda: sqlite_driver.connect(database, key, check_same_thread=False),
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine (same pool, same events) whose transactions begin IMMEDIATE: use it for writes."""
    return engine.execution_options(**{BEGIN_MODE: "IMMEDIATE"})

"""The SQLite engine with the pragmas a single-user desktop database needs to never lose a committed write.

WAL lets the UI read while a background worker writes; ``synchronous=FULL`` makes a commit durable
across power loss; foreign keys are enforced; a busy timeout lets a second process (sync, CLI) wait
instead of failing. pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN
covers DDL too: a failed migration then rolls back completely.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(database: Path) -> Engine:
    engine = create_engine(f"sqlite:///{database}", future=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine

"""Consolidated snapshots on the sync server: a new laptop starts from one instead of pulling every entry.

A snapshot is the share's kind (sync/snapshot.py: the laptop's database without its local bookkeeping,
SQLCipher-encrypted under the office's snapshot key), stored in 8 MiB chunks, with the server number of
the last entry it holds (``covers_seq``). It is written in one server transaction and marked complete in
it, so a reader never sees half of one; the older ones go in the same transaction. Only one laptop writes
at a time (an advisory lock; a laptop that does not get it skips, and a later round writes one).

``covers_seq`` is read from the copy itself (the number its pulls had reached): every entry up to it is in
the copy, since a pull applies the server's entries in order and the laptop's own are in it from the start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from aaben_raadgivning.store import migrate
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import snapshot as sync_snapshot
from aaben_raadgivning.sync.bookkeeping import SERVER_RELAY_KEY, SyncReport, count_changes, server_meta_key, set_meta
from aaben_raadgivning.sync.server import report_copy
from aaben_raadgivning.sync.server.schema import ServerInfo

log = logging.getLogger("aaben_raadgivning.sync.server")

CHUNK_BYTES = 8 * 1024 * 1024
MAX_AGE_HOURS = 24  # an older newest snapshot makes a round write one
WRITE_LOCK = 7_003


def _pulled_key(info: ServerInfo) -> str:
    return server_meta_key(info.server_id, "pulled")


def due(server: Connection, db: Database) -> bool:
    """No complete snapshot on the server, or the newest older than a day (and there is data to put in one)."""
    age = server.exec_driver_sql(
        "SELECT extract(epoch FROM now() - max(created_at)) / 3600 FROM snapshots WHERE complete"
    ).scalar()
    server.rollback()
    if age is not None and float(age) <= MAX_AGE_HOURS:
        return False
    with db.engine.connect() as conn:
        anything = conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM change_log)").scalar_one()
        conn.rollback()
    return bool(anything)


def write(db: Database, engine: Engine, info: ServerInfo, *, push: Callable[[], None]) -> bool:
    """Write a snapshot (and the report copy) of this laptop's database to the server, replacing the older
    ones; False when another laptop is writing one. ``push`` sends what the relay log holds (see _write)."""
    with engine.connect() as lock_conn:
        if not lock_conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (WRITE_LOCK,)).scalar():
            lock_conn.rollback()
            return False
        lock_conn.commit()
        try:
            _write(db, engine, info, push)
            return True
        finally:
            lock_conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK,))
            lock_conn.commit()


def _write(db: Database, engine: Engine, info: ServerInfo, push: Callable[[], None]) -> None:
    folder = Path(db.engine.url.database or tempfile.gettempdir()).parent
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        local = Path(tmp) / "snapshot.sqlite3"
        sync_snapshot.vacuum_copy(db, local)
        with closing(db.connect_raw(local)) as copy:
            row = copy.execute("SELECT value FROM local_meta WHERE key = ?", (_pulled_key(info),)).fetchone()
            (unsent,) = copy.execute("SELECT count(*) FROM sync_relay").fetchone()
        covers = int(row[0]) if row else 0
        if unsent:
            # Saves made here after the round's push are in the copy: they go to the server before the copy
            # does. A laptop that starts from it and builds on them then pushes after them, so the server's
            # order still has every change after what it builds on (found by the state machine: without this,
            # the others' pulls stopped at the laptop's change until this one pushed again).
            push()
        counts: dict[str, int] = {}
        try:
            with engine.begin() as server, closing(db.connect_raw(local)) as copy:
                # the report copy first, from the very same merged data (its own transaction: a big COPY).
                # A report query holding its tables makes it wait at most a moment, then it waits a day.
                server.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                counts = report_copy.fill_report_copy(server, copy)
        except OperationalError as exc:
            if "lock" not in str(exc.orig).lower():
                raise
            log.warning("Report copy not refreshed: its tables are in use")
        key = db.office_key.snapshot_key if db.office_key is not None else None
        sync_snapshot.strip_copy(db, local, key)
        digest = hashlib.sha256()
        size = local.stat().st_size
        with engine.begin() as server:
            snapshot_id = server.exec_driver_sql(
                "INSERT INTO snapshots (device_id, covers_seq, schema_revision, sha256, size) "
                "VALUES (%s, %s, %s, '', %s) RETURNING id",
                (db.device_id, covers, migrate.SCHEMA_HEAD, size),
            ).scalar_one()
            with open(local, "rb") as source:
                number = 0
                while chunk := source.read(CHUNK_BYTES):
                    digest.update(chunk)
                    server.exec_driver_sql(
                        "INSERT INTO snapshot_chunks (snapshot_id, n, data) VALUES (%s, %s, %s)",
                        (snapshot_id, number, chunk),
                    )
                    number += 1
            server.exec_driver_sql(
                "UPDATE snapshots SET sha256 = %s, complete = true WHERE id = %s", (digest.hexdigest(), snapshot_id)
            )
            server.exec_driver_sql("DELETE FROM snapshots WHERE id != %s", (snapshot_id,))
    log.info(
        "Snapshot %s written to the server (%d bytes, covers %d; report rows %s)", snapshot_id, size, covers, counts
    )


def bootstrap(db: Database, server: Connection, info: ServerInfo, report: SyncReport) -> bool:
    """A laptop that has nothing from others yet starts from the newest complete snapshot: downloaded next
    to its database, checked against its SHA-256, then taken whole or merged in (sync/snapshot.py). Returns
    whether one was used; then only the entries after it are pulled."""
    if not sync_snapshot.is_empty(db):
        return False
    if server.in_transaction():
        server.rollback()
    driver = server.connection.driver_connection
    assert driver is not None
    folder = Path(db.engine.url.database or tempfile.gettempdir()).parent
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        local = Path(tmp) / "snapshot.sqlite3"
        digest = hashlib.sha256()
        with driver.cursor(binary=True) as cursor:
            # One repeatable-read transaction: a newer snapshot replacing this one meanwhile does not take
            # its chunks away from under the download.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(
                "SELECT id, device_id, covers_seq, schema_revision, sha256, size, "
                "(extract(epoch FROM created_at) * 1000)::bigint, (SELECT count(*) FROM snapshot_chunks AS c "
                "WHERE c.snapshot_id = s.id) FROM snapshots AS s WHERE complete ORDER BY id DESC LIMIT 1"
            )
            row = cursor.fetchone()
            if row is None or row[1] == db.device_id:
                driver.rollback()
                return False
            snapshot_id, device, covers, schema, sha256, size, created_ms, chunk_count = row
            with open(local, "wb") as target:
                # One chunk per query, in binary: a single query would hold the whole result (hex-encoded:
                # twice the snapshot) in memory before its first row.
                for number in range(chunk_count):
                    cursor.execute(
                        "SELECT data FROM snapshot_chunks WHERE snapshot_id = %s AND n = %s", (snapshot_id, number)
                    )
                    found = cursor.fetchone()
                    if found is None:
                        break  # (the size check below refuses the file)
                    digest.update(found[0])
                    target.write(found[0])
                target.flush()
                os.fsync(target.fileno())
        driver.rollback()
        if local.stat().st_size != size or digest.hexdigest() != sha256:
            log.warning("Server snapshot %s does not match its checksum; not used", snapshot_id)
            report.warnings.append(
                "Øjebliksbilledet på serveren er beskadiget og er ikke brugt; alle ændringer hentes enkeltvis."
            )
            return False
        before = count_changes(db)
        own_before = not sync_snapshot.has_no_changes(db)
        snapshot = sync_snapshot.SnapshotInfo(local, sha256, size, created_ms, device, schema, {})
        sync_snapshot.start_from_file(db, local, snapshot)
    with db.write() as conn:
        # (a snapshot taken whole replaced local_meta: the relay and the numbers are set again here)
        set_meta(conn, _pulled_key(info), str(covers))
        set_meta(conn, SERVER_RELAY_KEY, "1")
        if not own_before:  # everything here is on the server already; else the first push sends it all
            set_meta(conn, server_meta_key(info.server_id, "pushed"), "0")
    report.received += count_changes(db) - before
    return True

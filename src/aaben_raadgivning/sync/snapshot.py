"""Consolidated snapshots on the share (new laptops start from one) and removal of old segments.

A snapshot is an SQLite file made with ``VACUUM INTO`` (a consistent copy, no locks on the share), with
this device's local-only bookkeeping removed, published as ``snapshots/snap-<ms>-<device>.sqlite3`` and
then described by a sidecar ``….json`` (SHA-256, size, format, schema revision, and for every device the
last segment it contains). Readers only trust a snapshot whose sidecar exists and whose bytes match it,
so a half-copied snapshot is never used. Only one device writes a snapshot at a time: it holds
``snapshots/lease.json`` (created exclusively; an expired lease is taken over by renaming it away first).

Snapshots are never changed; a newer one replaces the older ones, which its writer then removes.

With an office key the snapshot file is SQLCipher-encrypted under the snapshot key, and the sidecar and
the lease are sealed (sync/sealing.py, their place on the share as associated data): a sidecar that fails
authentication is not listed (its snapshot is neither used nor trusted for clean-up), and a lease that
fails it counts as expired (nobody is kept from writing snapshots by a forged one).

A new laptop (empty database) copies the newest valid snapshot into its own database in one local
transaction, then syncs the segments written after it. Segments are removed by their owner only when
every device known on the share has applied them *and* the newest snapshot contains them.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import migrate, search_index, sqlite_driver
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.sweep import SWEEP_DATE_KEY
from aaben_raadgivning.store.models import Base
from aaben_raadgivning.store.replica import TABLES, Applier
from aaben_raadgivning.sync import sealing
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.share_io import PublishConflict, ShareIO

log = logging.getLogger(__name__)
# local_meta: {device: segment} applied in part only (a round stopped between the batches of a segment);
# a laptop's own files claim those whole, so a reader waits until it has them (sync_engine._apply_batch).
PARTIAL_KEY = "sync_partial"
LEASE_NAME = "lease.json"
LEASE_SECONDS = 15 * 60
# Local bookkeeping that must not travel in a snapshot (it describes the writer, not the data). One
# local_meta entry does describe the data: the day the derived follow-up tasks were last brought up to
# date, so a new laptop made from the snapshot sweeps from there instead of recomputing every citizen.
LOCAL_ONLY = ("local_meta", "sync_outbox", "sync_own_segments", "sync_peers", "sync_relay")


@dataclass(frozen=True)
class SnapshotInfo:
    path: Path
    sha256: str
    size: int
    created_ms: int
    device_id: str
    schema: str
    covers: dict[str, int]  # device id -> last segment contained


def _snapshots_dir(io: ShareIO) -> Path:
    return io.root / seg.SNAPSHOTS_DIR


def _place(name: str) -> str:
    """A snapshot folder file's place on the share, as sealed into it."""
    return f"{seg.SNAPSHOTS_DIR}/{name}"


def list_snapshots(io: ShareIO, key: OfficeKey | None) -> list[SnapshotInfo]:
    """Snapshots with a readable sidecar that passes authentication under ``key``, newest first (bytes
    are verified only when used). A sidecar that fails it is skipped with a log warning."""
    found = []
    for entry in io.listdir(_snapshots_dir(io)):
        if not (entry.name.startswith("snap-") and entry.name.endswith(".json")):
            continue
        try:
            data = io.read(Path(entry.path))
            meta = json.loads(sealing.open_json(key, data, sealing.ROLE_SNAPSHOT, _place(entry.name)))
            if int(meta["format"]) > seg.FORMAT_VERSION:
                continue
            if int(meta["format"]) != seg.share_format(key):  # (a plain one under a key, or the reverse)
                raise sealing.SealError(sealing.NOT_AUTHENTIC)
            found.append(SnapshotInfo(Path(entry.path).with_suffix(".sqlite3"), meta["sha256"], int(meta["size"]),
                                      int(meta["created_ms"]), meta["device"], meta["schema"],
                                      {str(k): int(v) for k, v in meta["covers"].items()}))  # fmt: skip
        except sealing.SealError as exc:
            log.warning("Snapshot sidecar %s ignored: %s", entry.name, exc)
            continue
        except (OSError, ValueError, KeyError, TypeError):
            continue
    found.sort(key=lambda s: (s.created_ms, s.device_id), reverse=True)
    return found


# --- the lease ----------------------------------------------------------------------------------


def _read_lease(io: ShareIO, key: OfficeKey | None) -> dict[str, Any]:
    """The lease as its holder wrote it; {} (expired, held by nobody) when it fails authentication."""
    data = io.read(_snapshots_dir(io) / LEASE_NAME)
    try:
        lease = json.loads(sealing.open_json(key, data, sealing.ROLE_LEASE, _place(LEASE_NAME)))
    except sealing.SealError as exc:
        log.warning("Snapshot lease not to be trusted, taken as expired: %s", exc)
        return {}
    return lease if isinstance(lease, dict) else {}


def _take_lease(io: ShareIO, me: str, clock_slack_s: float, key: OfficeKey | None) -> bool:
    folder = _snapshots_dir(io)
    io.mkdir(folder)
    lease = folder / LEASE_NAME
    content = (json.dumps({"device": me, "expires": time.time() + LEASE_SECONDS}) + "\n").encode()
    body = sealing.seal_json(key, sealing.ROLE_LEASE, _place(LEASE_NAME), content)
    try:
        io.publish(folder, LEASE_NAME, body)
        return True
    except PublishConflict:
        pass
    try:
        current = _read_lease(io, key)
        expires, now = float(current.get("expires", 0)), time.time()
        # A lease is held until it expires — unless its expiry lies further ahead than any honest holder
        # writes it (a laptop whose clock ran ahead): then it is stale, or a bad clock could freeze
        # snapshots (and the removal of purged data from them) for years.
        plausible = expires <= now + LEASE_SECONDS + clock_slack_s
        if current.get("device") != me and now < expires and plausible:
            return False
        stale = folder / f"{seg.TMP_PREFIX}lease-{me}-{time.time_ns()}"
        os.rename(lease, stale)  # only one device's rename of the expired lease succeeds
        os.unlink(stale)
        io.publish(folder, LEASE_NAME, body)
        return True
    except (OSError, ValueError):
        return False


def _release_lease(io: ShareIO, me: str, key: OfficeKey | None) -> None:
    lease = _snapshots_dir(io) / LEASE_NAME
    try:
        if _read_lease(io, key).get("device") == me:
            io.remove(lease)
    except (OSError, ValueError):
        pass


# --- writing ------------------------------------------------------------------------------------


def write_snapshot(db: Database, share: Path, io: ShareIO | None = None, *,
                   send_own: Callable[[int], None]) -> SnapshotInfo | None:  # fmt: skip
    """Write a snapshot of this database to the share (call right after a successful sync). Returns None
    when another device holds the lease.

    ``covers`` must name, per device, segments the copy holds *whole*: a laptop that starts from the
    snapshot never reads those, and claims them in its own files' dependencies. So it is read from the
    copy itself, and our own changes in the copy that were saved after this round's export (the app's
    counter keeps saving during a sync) are sent first with ``send_own(last outbox number in the copy)``,
    exactly up to that number, so that our entry ends on a segment boundary the copy holds whole."""
    io = io or ShareIO(share)
    me = db.device_id
    key = db.office_key
    slack_ms = db.clock.max_ahead_ms or 0
    if not _take_lease(io, me, slack_ms / 1000, key):
        return None
    try:
        folder = _snapshots_dir(io)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "snapshot.sqlite3"
            vacuum_copy(db, local)
            with closing(db.connect_raw(local)) as snap:
                covers = dict(snap.execute("SELECT device_id, applied_seq FROM sync_peers").fetchall())
                covers[me] = snap.execute("SELECT coalesce(max(last_seq), 0) FROM sync_own_segments").fetchone()[0]
                (unsent,) = snap.execute("SELECT max(seq) FROM sync_outbox WHERE segment IS NULL").fetchone()
            if unsent is not None:
                send_own(unsent)
                with db.engine.connect() as conn:
                    segment = conn.exec_driver_sql("SELECT segment FROM sync_outbox WHERE seq = ?", (unsent,)).scalar()
                    conn.rollback()
                if segment is None:  # (cannot happen: send_own raises when it cannot send)
                    return None
                covers[me] = max(covers[me], int(segment))
            strip_copy(db, local, _snapshot_key(db))
            data = local.read_bytes()
        # Newer than every snapshot already there, even from a laptop whose clock is behind (or in the
        # same millisecond): otherwise the new one would sort as older and be removed as replaced.
        existing = list_snapshots(io, key)
        now_ms = time.time_ns() // 1_000_000
        # (but not after one stamped implausibly far ahead: that one is removed below, not followed)
        plausible = [info.created_ms for info in existing if info.created_ms <= now_ms + slack_ms]
        created = max([now_ms, *(ms + 1 for ms in plausible)])
        name = f"snap-{created:015d}-{me}"
        io.publish(folder, name + ".sqlite3", data)
        meta = {"format": seg.share_format(key), "device": me, "created_ms": created, "sha256": seg.checksum(data),
                "size": len(data), "schema": migrate.SCHEMA_HEAD, "covers": dict(sorted(covers.items()))}  # fmt: skip
        sidecar = sealing.seal_json(
            key, sealing.ROLE_SNAPSHOT, _place(name + ".json"), (json.dumps(meta) + "\n").encode()
        )
        io.publish(folder, name + ".json", sidecar)
        info = next((s for s in list_snapshots(io, key) if s.path.name == name + ".sqlite3"), None)
        if info is None:  # not listed back (a flaky listing): remove nothing now; the next writer will
            return None
        for older in list_snapshots(io, key):  # replaced: remove (sidecar first, so nobody starts on it)
            if older.path != info.path:
                io.remove(older.path.with_suffix(".json"))
                io.remove(older.path)
        for entry in io.listdir(folder):  # left by a writer killed before its sidecar (we hold the lease)
            path = Path(entry.path)
            if entry.name.startswith("snap-") and path.suffix == ".sqlite3" and not path.with_suffix(".json").exists():
                io.remove(path)
        return info
    finally:
        _release_lease(io, me, key)


def vacuum_copy(db: Database, local: Path) -> None:
    """A consistent copy of the laptop's database at ``local`` (still under the laptop's key)."""
    raw = db.engine.raw_connection()
    try:
        assert raw.driver_connection is not None  # a pooled connection always wraps one
        raw.driver_connection.execute("VACUUM INTO ?", (str(local),))
    finally:
        raw.close()


def strip_copy(db: Database, local: Path, key: bytes | None) -> None:
    """Make a copy from vacuum_copy a snapshot: without this laptop's local bookkeeping and derived search
    terms, compacted, and re-encrypted under ``key`` (the snapshot key; None: a plain benchmark laptop)."""
    with closing(db.connect_raw(local)) as snap, snap:
        for table in LOCAL_ONLY:
            if table == "local_meta":
                # Two entries describe the data, not the writer: the day the follow-up tasks were
                # last brought up to date, and segments the copy holds only in part (a round stopped
                # between batches): a laptop starting from it must claim those in its own files.
                snap.execute("DELETE FROM local_meta WHERE key NOT IN (?, ?)", (SWEEP_DATE_KEY, PARTIAL_KEY))
            else:
                snap.execute(f"DELETE FROM {table}")
        # Derived, rebuilt by the receiver. Dropped and made again rather than emptied: a full-text
        # index keeps the terms of deleted rows (a purged citizen's name and CPR) until it merges.
        (ddl,) = snap.execute("SELECT sql FROM sqlite_master WHERE name = 'citizen_search'").fetchone()
        snap.execute("DROP TABLE citizen_search")
        snap.execute(ddl)
    with closing(db.connect_raw(local)) as snap:
        snap.execute("VACUUM")
        if key is not None:  # VACUUM INTO kept the laptop's key; the snapshot has its own
            snap.execute(sqlite_driver.rekey_pragma(key))


# --- a new laptop -------------------------------------------------------------------------------


def is_empty(db: Database) -> bool:
    """Nothing from other devices yet (this laptop may have its own changes): start from a snapshot."""
    with db.engine.connect() as conn:
        peers = conn.exec_driver_sql("SELECT count(*) FROM sync_peers").scalar_one()
        others = conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM change_log WHERE device_id != ?)", (db.device_id,)
        ).scalar_one()
        conn.rollback()
    return not peers and not others


def bootstrap(db: Database, share: Path, io: ShareIO | None = None) -> SnapshotInfo | None:
    """Fill a database that has nothing from other devices from the newest valid snapshot. Returns the
    snapshot used, or None when there is none (then every segment is applied instead).

    A brand-new laptop (no changes at all) has the snapshot written into its database whole (copied next
    to it, checked, then SQLite's backup API): about as fast as the disk. A laptop with changes of its own,
    or a snapshot from another schema version, gets the snapshot's rows copied in with one local
    transaction."""
    io = io or ShareIO(share)
    for info in list_snapshots(io, db.office_key):
        if info.device_id == db.device_id:
            # This laptop's own (it is the only one that has sent anything): it holds nothing new here,
            # and copying it back every round would re-read the whole database each time.
            return None
        database = Path(db.engine.url.database or "")
        with tempfile.TemporaryDirectory(dir=database.parent) as tmp:
            local = Path(tmp) / "snapshot.sqlite3"
            try:
                size, digest = _copy_file(io, info.path, local)
            except FileNotFoundError:
                continue
            if size != info.size or digest != info.sha256:
                continue  # damaged or half-copied: try an older one
            start_from_file(db, local, info)
        return info
    return None


def start_from_file(db: Database, local: Path, info: SnapshotInfo) -> None:
    """Fill the database from a verified snapshot file: taken whole by a brand-new laptop, else merged in."""
    if not (info.schema == migrate.SCHEMA_HEAD and has_no_changes(db) and _take_file(db, local, info)):
        _copy_into(db, local, info)


def _copy_file(io: ShareIO, source: Path, target: Path) -> tuple[int, str]:
    import hashlib

    io.step("read")
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(4 * 1024 * 1024):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return size, digest.hexdigest()


def has_no_changes(db: Database) -> bool:
    with db.engine.connect() as conn:
        empty = conn.exec_driver_sql("SELECT NOT EXISTS (SELECT 1 FROM change_log)").scalar_one()
        conn.rollback()
    return bool(empty)


def _take_file(db: Database, snapshot: Path, info: SnapshotInfo) -> bool:
    """Make the (verified) snapshot this laptop's database, under this laptop's device id; False when a
    save came first (the caller merges the snapshot in instead).

    The snapshot is written *into* the database through SQLite (the backup API), never swapped in as a
    file: the app's other connections (the counter while the sync runs, a second instance, a scheduled
    sync) keep the file open, and a file swapped under them takes their next saves into the old, unlinked
    one. The turnstile is held exclusively meanwhile, so no save is under way or can start in between the
    check that there is nothing of our own yet and the copy; a save that arrives waits until it is done."""
    snapshot_key = _snapshot_key(db)
    with closing(sqlite_driver.connect(snapshot, snapshot_key, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO local_meta (key, value) VALUES ('device_id', ?)", (db.device_id,))
        conn.executemany(
            "INSERT INTO sync_peers (device_id, applied_seq, name, last_hlc) VALUES (?, ?, '', NULL)",
            [(device, last) for device, last in info.covers.items() if device != db.device_id],
        )
        rows = conn.execute("SELECT id, name, cpr, phone FROM citizens WHERE deleted_at IS NULL").fetchall()
        conn.executemany(
            "INSERT OR REPLACE INTO citizen_search (rowid, citizen_id, terms) VALUES (?, ?, ?)",
            [(search_index.search_rowid(cid), cid, search_index.citizen_terms(name, cpr, phone))
             for cid, name, cpr, phone in rows],
        )  # fmt: skip
        conn.execute("COMMIT")
    with db.turnstile.exclusive():
        if not has_no_changes(db):
            return False
        source = sqlite_driver.connect(snapshot, snapshot_key)
        target = db.connect_raw(timeout=30)  # (the backup API re-encrypts each page under the laptop's key)
        try:
            source.backup(target)
            # the whole database now sits in the WAL: fold it into the file here, not in someone's save
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite_driver.Error as exc:  # (e.g. page sizes that differ): the slower merge still works
            log.warning("Snapshot could not be copied in whole (%s); merging it in instead", exc)
            return False
        finally:
            target.close()
            source.close()
    with db.engine.connect() as c:
        top = c.exec_driver_sql("SELECT max(hlc) FROM change_log").scalar()
        c.rollback()
    db.clock.resume(top)
    return True


def _snapshot_key(db: Database) -> bytes | None:
    return db.office_key.snapshot_key if db.office_key else None


def _columns(conn: Any, schema: str, table: str) -> list[str]:  # a sqlite3 connection
    return [row[1] for row in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]


def _copy_into(db: Database, snapshot: Path, info: SnapshotInfo) -> None:
    """Copy the snapshot's rows into a database that has changes of its own, and merge the two, in one
    local transaction (a crash leaves the laptop as it was, and the next round starts over)."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in LOCAL_ONLY]
    with db.writer.connect() as conn:  # (its begin() below is IMMEDIATE)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None  # an open Connection always has one
        sqlite_driver.attach(dbapi, snapshot, "snap", _snapshot_key(db))  # (not allowed inside a transaction)
        try:
            with conn.begin():
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                logged_before = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM change_log").scalar_one()
                for table in tables:
                    theirs = set(_columns(dbapi, "snap", table))
                    common = [c for c in _columns(dbapi, "main", table) if c in theirs]
                    if not common:
                        continue
                    names = ", ".join(f'"{c}"' for c in common)
                    conn.exec_driver_sql(
                        f'INSERT OR IGNORE INTO main."{table}" ({names}) SELECT {names} FROM snap."{table}"'
                    )
                peers = [(device, last) for device, last in info.covers.items() if device != db.device_id]
                if peers:
                    conn.exec_driver_sql(
                        "INSERT INTO sync_peers (device_id, applied_seq, name, last_hlc) VALUES (?, ?, '', NULL) "
                        "ON CONFLICT(device_id) DO UPDATE SET applied_seq = max(applied_seq, excluded.applied_seq)",
                        peers,
                    )
                _claim_partial(conn)
                _merge_own_rows(conn, db.device_id, logged_before)
                rows = conn.exec_driver_sql("SELECT id, name, cpr, phone FROM citizens WHERE deleted_at IS NULL").all()
                conn.exec_driver_sql("DELETE FROM citizen_search")
                if rows:
                    conn.exec_driver_sql(
                        "INSERT INTO citizen_search (rowid, citizen_id, terms) VALUES (?, ?, ?)",
                        [(search_index.search_rowid(cid), cid, search_index.citizen_terms(name, cpr, phone))
                         for cid, name, cpr, phone in rows],
                    )  # fmt: skip
        finally:
            dbapi.execute("DETACH DATABASE snap")
    with db.engine.connect() as c:
        top = c.exec_driver_sql("SELECT max(hlc) FROM change_log").scalar()
        c.rollback()
    db.clock.resume(top)


def _claim_partial(conn: Connection) -> None:
    """The snapshot's rows of segments it holds only in part are ours now: claim them as its writer did."""
    theirs = conn.exec_driver_sql("SELECT value FROM snap.local_meta WHERE key = ?", (PARTIAL_KEY,)).scalar()
    if not theirs:
        return
    ours = json.loads(
        conn.exec_driver_sql("SELECT value FROM main.local_meta WHERE key = ?", (PARTIAL_KEY,)).scalar() or "{}"
    )
    for device, number in json.loads(theirs).items():
        ours[device] = max(int(ours.get(device, 0)), int(number))
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO main.local_meta (key, value) VALUES (?, ?)",
        (PARTIAL_KEY, json.dumps(ours, sort_keys=True)),
    )


def _merge_own_rows(conn: Connection, me: str, logged_before: int) -> None:
    """The copy kept the local version of rows this laptop changed before it joined, and of rows it had
    from others before the snapshot brought more of their entries (a laptop catching up on files gone
    from the share). Those the snapshot says were purged elsewhere are purged here too (rows, their
    children and the logged values); the others are merged field by field from all their entries, like
    any incoming change. ``logged_before``: the change log's last rowid before the copy."""
    applier = Applier(conn)
    # Purged (here or in the snapshot) but with values left: a local row the snapshot purged, or a row an
    # older snapshot still holds that was purged here since (the copy put it back).
    purged = set(conn.exec_driver_sql(
        "SELECT p.table_name, p.row_id FROM sync_purged AS p JOIN change_log AS c "
        "ON c.table_name = p.table_name AND c.row_id = p.row_id AND c.value IS NOT NULL AND c.op != 'purge'"
    ).all())  # fmt: skip
    for table in TABLES:
        purged.update(conn.exec_driver_sql(
            f'SELECT p.table_name, p.row_id FROM sync_purged AS p JOIN "{table}" AS t ON t.id = p.row_id '
            "WHERE p.table_name = ?", (table,),
        ).all())  # fmt: skip
    for table, row_id in sorted(purged):
        applier.purge(table, row_id)
    own = set(
        conn.exec_driver_sql("SELECT DISTINCT table_name, row_id FROM change_log WHERE device_id = ?", (me,)).all()
    )
    own.update(conn.exec_driver_sql(
        "SELECT DISTINCT c.table_name, c.row_id FROM change_log AS c WHERE c.rowid > ? AND EXISTS ("
        "SELECT 1 FROM change_log AS p WHERE p.table_name = c.table_name AND p.row_id = c.row_id AND p.rowid <= ?)",
        (logged_before, logged_before),
    ).all())  # fmt: skip
    if own:
        applier.refold(sorted((table, row_id) for table, row_id in own))


# --- stale files ----------------------------------------------------------------------------------

STALE_SECONDS = 2 * 60 * 60  # far longer than any snapshot takes to write


def remove_stale_files(io: ShareIO, now: float) -> int:
    """Remove what writers killed mid-way left in the snapshot folder: temporary files and snapshots
    without a sidecar, once they are older than STALE_SECONDS. ``now`` should be the share's own clock
    (the modification time of a file just written there), so a laptop whose clock is wrong neither
    removes a file being written nor keeps junk for ever. Returns how many were removed."""
    removed = 0
    for entry in io.listdir(_snapshots_dir(io)):
        path = Path(entry.path)
        orphan = entry.name.startswith("snap-") and path.suffix == ".sqlite3" and not path.with_suffix(".json").exists()
        if not (entry.name.startswith(seg.TMP_PREFIX) or orphan):
            continue
        try:
            age = now - entry.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > STALE_SECONDS:
            io.remove(path)
            removed += 1
    return removed

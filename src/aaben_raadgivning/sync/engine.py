"""One sync round over the office share: send this device's new changes, apply everyone else's.

The share (a folder, typically a mounted SMB share)::

    aaben-raadgivning-sync.json          format of the share (a newer one → safe mode) and its office key id
    aaben-raadgivning-share.json         the share's identity (sync/office_share.py)
    devices/<device-id>/device.json      the device's name, for people
    devices/<device-id>/state.json       how far it has applied everyone's segments (for clean-up)
    devices/<device-id>/seg-*.jsonl      its write-once, checksummed segments (sync/segments.py)
    retired/<device-id>.json             devices taken out of the share (nobody waits for them)
    snapshots/                           consolidated snapshots for new laptops (sync/snapshot.py)

Every one of these files is sealed under the office key (AES-256-GCM, sync/sealing.py; the snapshot file
itself is SQLCipher-encrypted): a file written without the key, edited, or moved is never trusted.

Only the owner writes its folder, so nothing depends on network file locking. Every step is idempotent:
the outbox records which segment carries each own change; ``sync_peers`` records, per other device, the
last segment applied (in the same local transaction as its changes). A crash anywhere is repaired by the
next round: a published-but-unrecorded own segment is recognised and adopted; a damaged own segment is
rewritten; a damaged segment of another device is skipped with a warning (and its owner rewrites it).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from aaben_raadgivning.changes import hlc as hlc_module
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import office_share as sync_share
from aaben_raadgivning.sync import snapshot as sync_snapshot
from aaben_raadgivning.sync.bookkeeping import (
    PURGES_KEY,
    SyncReport,
    SyncStatus,
    apply_changes_now_understood,
    count_changes,
    device_names,
    meta,
    open_conflicts,
    record_success,
    refresh_conflicts_after_local_edits,
    set_meta,
    sync_status,
)
from aaben_raadgivning.sync.errors import ShareUnreachable, SyncBusy, SyncError, SyncRefused, WrongShare
from aaben_raadgivning.sync.incoming import IncomingSegments
from aaben_raadgivning.sync.outgoing import OwnSegments
from aaben_raadgivning.sync.round_base import Progress
from aaben_raadgivning.sync.share_io import ShareIO

__all__ = [
    "ShareUnreachable", "SyncBusy", "SyncError", "SyncRefused", "SyncReport", "SyncStatus", "WrongShare",
    "device_names", "open_conflicts", "share_reachable", "sync", "sync_status",
]  # fmt: skip


def share_reachable(share: Path) -> bool:
    return ShareIO(share).reachable()


@contextmanager
def no_cyclic_gc():
    """A round builds tens of thousands of short-lived lists and tuples, none of them in cycles; the cyclic
    collector would walk them again and again (a third of the apply time, measured). Reference counting
    still frees them; the collector runs again as soon as the round ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def device_lock(db: Database):
    """One sync at a time per database (the app's background sync and a command-line sync)."""
    database = db.engine.url.database
    path = Path(f"{database}.sync.lock") if database else None
    if path is None:
        yield
        return
    handle = open(path, "a+b")
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SyncBusy("En anden synkronisering kører allerede på denne computer. Prøv igen om lidt.") from None
        yield
    finally:
        handle.close()  # releases the lock (also when the process is killed)


class _Round(OwnSegments, IncomingSegments):
    """One round: the own side, then the receiving side (see sync())."""


def _purges_need_snapshot(db: Database, io: ShareIO) -> bool:
    """True while the newest snapshot on the share may still hold data of a purged citizen (it does not
    contain every purge applied here). Forgets the purges a snapshot already contains."""
    with db.engine.connect() as conn:
        needed = json.loads(meta(conn, PURGES_KEY) or "{}")
        conn.rollback()
    if not needed:
        return False
    snapshots = sync_snapshot.list_snapshots(io, db.office_key)
    newest = snapshots[0].covers if snapshots else None
    left = {device: seq for device, seq in needed.items() if newest is not None and newest.get(device, 0) < seq}
    if left != needed:
        with db.write() as conn:
            set_meta(conn, PURGES_KEY, json.dumps(left, sort_keys=True) if left else None)
    return bool(left)


SNAPSHOT_MAX_AGE_MS = 24 * 60 * 60 * 1000  # an older newest snapshot makes this round write one


def _snapshot_due(io: ShareIO, key: OfficeKey | None, now_ms: int, slack_ms: int) -> bool:
    """No snapshot, the newest older than a day, or the newest stamped implausibly far ahead of this
    laptop's clock (a laptop whose clock ran ahead must not stop new snapshots until its time comes)."""
    newest = sync_snapshot.list_snapshots(io, key)
    if not newest:
        return True
    age = now_ms - newest[0].created_ms
    return age > SNAPSHOT_MAX_AGE_MS or -age > slack_ms


def sync(
    db: Database,
    share: Path,
    *,
    device_name: str = "",
    progress: Progress | None = None,
    io: ShareIO | None = None,
    wall_ms: Callable[[], int] = hlc_module.wall_clock_ms,
    snapshot: str = "auto",
) -> SyncReport:
    """One full round. Raises ShareUnreachable, SyncRefused (clone / newer share: safe mode), SyncBusy or
    SyncError; an OSError from the share mid-round leaves everything consistent for the next round.
    ``snapshot``: "auto" writes a consolidated snapshot when the newest is missing or older than a day,
    "always" after this round, "never" not at all."""
    started = time.perf_counter()
    io = io or ShareIO(share)
    if not io.reachable():
        raise ShareUnreachable(f"Fællesmappen {share} kan ikke nås. Ændringerne venter her, til den kan.")
    progress = progress or (lambda _f, _s: None)
    with device_lock(db), no_cyclic_gc():
        round_ = _Round(db, io, device_name, progress, wall_ms)
        progress(0.0, "Forbinder til fællesmappen")
        try:
            share_id = sync_share.check_share(db, io)  # before anything is written there
        except sync_share.ShareIdentityError as exc:
            raise WrongShare(str(exc)) from None
        round_.check_manifest()
        refresh_conflicts_after_local_edits(db)
        apply_changes_now_understood(db)
        # Our own folder first: a disk copied, or restored from a backup, is refused before a snapshot can
        # bring back, under our id, changes this database never made.
        round_.prepare_own_folder()
        round_.check_own_segments()
        if sync_snapshot.is_empty(db) or round_.needs_snapshot():
            progress(0.05, "Henter øjebliksbillede")
            before = count_changes(db)
            used = sync_snapshot.bootstrap(db, share, io)
            if used is not None:
                round_.report.received += count_changes(db) - before
                sync_share.remember_share(db, share_id)  # (a snapshot taken as the database holds no share id)
        round_.export()
        progress(0.2, "Henter ændringer fra de andre computere")
        round_.import_all()
        round_.scrub_purged()
        round_.compact()
        round_.publish_state()
        round_.check_own_clock()
        sync_snapshot.remove_stale_files(io, round_.share_now())
        if snapshot == "always" or (snapshot == "auto" and (
            _purges_need_snapshot(db, io)
            or (count_changes(db) + round_.report.sent and _snapshot_due(io, db.office_key, wall_ms(), db.clock.max_ahead_ms or 0))
        )):  # fmt: skip
            progress(0.95, "Skriver øjebliksbillede")
            if sync_snapshot.write_snapshot(db, share, io, send_own=round_.export) is not None:
                round_.report.snapshot_written = True
                _purges_need_snapshot(db, io)  # the new snapshot contains them: forget them
            else:
                round_.report.warnings.append(
                    "Der er ikke skrevet et nyt øjebliksbillede: en anden computer er ved at skrive et. "
                    "Det prøves igen ved næste synkronisering."
                )
        round_.clean_up()
        record_success(db, round_.report)
        progress(1.0, "Færdig")
    round_.report.seconds = time.perf_counter() - started
    return round_.report

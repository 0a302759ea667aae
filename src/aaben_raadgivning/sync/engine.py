"""One sync round over the office share: send this device's new changes, apply everyone else's.

The share (a folder, typically a mounted SMB share)::

    aaben-raadgivning-sync.json          format version of the share (a newer one → safe mode)
    devices/<device-id>/device.json      the device's name, for people
    devices/<device-id>/state.json       how far it has applied everyone's segments (for clean-up)
    devices/<device-id>/seg-*.jsonl      its write-once, checksummed segments (sync/segments.py)
    snapshots/                           consolidated snapshots for new laptops (sync/snapshot.py)

Only the owner writes its folder, so nothing depends on network file locking. Every step is idempotent:
the outbox records which segment carries each own change; ``sync_peers`` records, per other device, the
last segment applied (in the same local transaction as its changes). A crash anywhere is repaired by the
next round: a published-but-unrecorded own segment is recognised and adopted; a damaged own segment is
rewritten; a damaged segment of another device is skipped with a warning (and its owner rewrites it).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from aaben_raadgivning.changes import hlc as hlc_module
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import APPEND_ONLY_TABLES
from aaben_raadgivning.store.replica import (
    TABLES,
    Applier,
    apply_batches,
    chunks,
    fresh_rows,
    recompute_conflicts,
    store_changes,
)
from aaben_raadgivning.sync import office_share as sync_share
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync import snapshot as sync_snapshot
from aaben_raadgivning.sync import state_file
from aaben_raadgivning.sync.share_io import PublishConflict, ShareIO

log = logging.getLogger(__name__)

SEGMENT_MAX_CHANGES = 20_000
# Changes applied per write transaction: small enough that a save made meanwhile waits only a moment.
APPLY_BATCH = 1_000
PARTIAL_KEY = sync_snapshot.PARTIAL_KEY  # segments applied in part only (see _apply_batch)
COMPACT_AT = 24  # own live segments on the share before the older ones are merged into one
CLOCK_AHEAD_WARN_MS = 60 * 60 * 1000  # a remote clock more than an hour ahead is reported
Progress = Callable[[float, str], None]


class SyncError(Exception):
    """A sync that could not run; the message is Danish."""


class ShareUnreachable(SyncError):
    pass


class WrongShare(ShareUnreachable):
    """The folder is not this laptop's share (empty, unmounted, another office's): nothing was written."""


class SyncRefused(SyncError):
    """The sync must not run: a cloned device id, or a share written by a newer version (safe mode)."""

    def __init__(self, message: str, *, safe_mode: bool = False) -> None:
        super().__init__(message)
        self.safe_mode = safe_mode


class Unappliable(Exception):
    """A segment whose changes point at rows this laptop does not have (internal: the round goes on)."""


class SyncBusy(SyncError):
    pass


@dataclass
class SyncReport:
    sent: int = 0  # own changes written to the share
    received: int = 0  # changes from other devices applied here
    segments_sent: int = 0
    segments_received: int = 0
    conflicts: int = 0  # open conflicts after the round
    new_conflicts: int = 0
    scrubbed: int = 0  # own files on the share rewritten without the data of purged citizens
    warnings: list[str] = field(default_factory=list)
    # Changes of another device this laptop cannot get yet (a file missing on the share): the round is
    # not a success while any remain (the command exits non-zero, F9 shows it, check reports it).
    gaps: list[str] = field(default_factory=list)
    snapshot_written: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class SyncStatus:
    """What the header shows (cheap: a few indexed queries, no share access)."""

    last_success: datetime | None
    waiting: int  # own changes not yet on the share
    conflicts: int
    safe_mode: str | None  # the Danish reason, when the share is from a newer version
    gaps: int = 0  # other devices whose changes cannot be received yet (see _Round._record_gaps)


# --- local bookkeeping --------------------------------------------------------------------------


def _meta(conn: Connection, key: str) -> str | None:
    return conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?", (key,)).scalar()


def _set_meta(conn: Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key = ?", (key,))
    else:
        conn.exec_driver_sql("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?, ?)", (key, value))


def sync_status(db: Database) -> SyncStatus:
    with db.engine.connect() as conn:
        last = _meta(conn, "sync_last_success")
        waiting = conn.exec_driver_sql("SELECT count(*) FROM sync_outbox WHERE segment IS NULL").scalar_one()
        conflicts = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
        safe = _meta(conn, "sync_safe_mode")
        gaps = len(json.loads(_meta(conn, "sync_gaps") or "{}"))
        conn.rollback()
    return SyncStatus(datetime.fromisoformat(last) if last else None, waiting, conflicts, safe, gaps)


def share_reachable(share: Path) -> bool:
    return ShareIO(share).reachable()


@contextmanager
def _no_cyclic_gc():
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
def _device_lock(db: Database):
    """One sync at a time per database (the app's background sync and a command-line sync)."""
    database = db.engine.url.database
    path = Path(f"{database}.sync.lock") if database else None
    if path is None:
        yield
        return
    handle = open(path, "a+b")
    try:
        try:
            if os.name == "nt":
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


# --- the round ----------------------------------------------------------------------------------


class _Round:
    def __init__(self, db: Database, io: ShareIO, device_name: str, progress: Progress | None,
                 wall_ms: Callable[[], int]) -> None:  # fmt: skip
        self.db = db
        self.io = io
        self.me = db.device_id
        self.device_name = device_name
        self.progress = progress or (lambda _f, _s: None)
        self.wall_ms = wall_ms
        self.report = SyncReport()
        self.devices = io.root / seg.DEVICES_DIR
        self.own = self.devices / self.me
        self.corrupt_seen: set[tuple[str, int]] = set()
        self.listing_complete = True
        self.peers_applied_own = 0  # see _complaints
        self.known_devices: list[str] = []

    # share setup ------------------------------------------------------------------------------

    def check_manifest(self) -> None:
        path = self.io.root / seg.MANIFEST_NAME
        try:
            data = self.io.read(path)
        except FileNotFoundError:  # (check_share saw it a moment ago: the share went away)
            raise ShareUnreachable(f"Fællesmappen {self.io.root} kan ikke nås lige nu. Intet er skrevet.") from None
        try:
            fmt = seg.manifest_format(data)
        except seg.SegmentError as exc:
            raise SyncError(f"Fællesmappen kan ikke bruges: {exc}.") from None
        with self.db.write() as conn:
            if fmt > seg.FORMAT_VERSION:
                message = (
                    f"Fællesmappen er skrevet af en nyere version af Åben Rådgivning (format {fmt}). "
                    "Denne computer arbejder videre alene (sikker tilstand) og synkroniserer ikke, "
                    "før programmet er opdateret."
                )
                _set_meta(conn, "sync_safe_mode", message)
            else:
                _set_meta(conn, "sync_safe_mode", None)
        if fmt > seg.FORMAT_VERSION:
            raise SyncRefused(message, safe_mode=True)

    def prepare_own_folder(self) -> None:
        self.io.mkdir(self.own)
        for entry in self.io.listdir(self.own):
            if entry.name.startswith(seg.TMP_PREFIX):
                self.io.remove(Path(entry.path))  # left by a crashed run of ours
        info = (json.dumps({"device": self.me, "name": self.device_name}, ensure_ascii=False) + "\n").encode()
        try:
            current = self.io.read(self.own / "device.json")
        except FileNotFoundError:
            current = b""
        if current != info:
            self.io.publish(self.own, "device.json", info, replace=True)

    # own segments ----------------------------------------------------------------------------

    def _clone_error(self, evidence: str) -> SyncRefused:
        # The evidence goes to the log (file names and numbers only), so support can tell a real clone
        # from a damaged file that looked like one.
        log.warning("Sync refused as a cloned disk: %s", evidence)
        return SyncRefused(
            "Denne computer har samme enheds-id som en anden computer (sandsynligvis en kopieret disk), og "
            "der er skrevet ændringer på fællesmappen, som ikke stammer herfra. Synkronisering er stoppet, så "
            "intet blandes sammen. Giv denne computer et nyt enheds-id med «aaben-raadgivning device reset»; "
            "dens ændringer sendes så under det nye id, og intet går tabt."
        )

    def _own_changes_known(self, conn: Connection, segment: seg.Segment) -> bool:
        ids = [c.id for c in segment.changes]
        found = 0
        for part in chunks(ids):
            found += conn.exec_driver_sql(
                f"SELECT count(*) FROM sync_outbox WHERE change_id IN ({','.join('?' * len(part))})", tuple(part)
            ).scalar_one()
        return found == len(ids)

    def _is_own_rewrite(self, found: seg.Segment, first: int, last: int) -> bool:
        """Whether ``found`` holds exactly our changes of recorded segment ``first``, each as logged here or
        with a value that a purge has blanked here since (blanks are never undone, so a file with a value
        blanked that is not blank here is not ours)."""
        if found.device_id != self.me or (found.first, found.last) != (first, last):
            return False
        with self.db.engine.connect() as conn:
            logged = self._own_changes(conn, first)
            conn.rollback()
        if len(logged) != len(found.changes):
            return False
        for ours, theirs in zip(logged, found.changes, strict=True):
            if ours._replace(value=None) != theirs._replace(value=None):
                return False
            if ours.value is not None and ours.value != theirs.value:
                return False
        return True

    def _own_changes(self, conn: Connection, segment_no: int) -> list[seg.Change]:
        rows = conn.exec_driver_sql(
            "SELECT c.id, c.hlc, c.device_id, c.table_name, c.row_id, c.op, c.field, c.value, b.base, c.staff_id "
            "FROM sync_outbox AS o JOIN change_log AS c ON c.id = o.change_id "
            "LEFT JOIN sync_bases AS b ON b.change_id = c.id WHERE o.segment = ? ORDER BY o.seq",
            (segment_no,),
        ).all()
        return [seg.Change(*row) for row in rows]

    def _record_own(self, conn: Connection, first: int, last: int, data: bytes, path: Path, header: dict) -> None:
        stat = path.stat()
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO sync_own_segments (seq, last_seq, sha256, size, mtime_ns, header, removed) "
            "VALUES (?,?,?,?,?,?,0)",
            (first, last, seg.checksum(data), stat.st_size, stat.st_mtime_ns, json.dumps(header)),
        )

    def check_own_segments(self) -> None:
        """Compare our folder with what we recorded: adopt our own unrecorded segments (a crash after
        publishing), rewrite damaged or missing ones, refuse when another machine writes as us.

        Every piece of evidence is read before anything is changed: a laptop that turns out to be a clone
        must leave the share exactly as it found it (what it would "repair" is the other laptop's work,
        and a later ``device reset`` reads that folder to tell which changes went out before the copy)."""
        files: dict[tuple[int, int], os.DirEntry] = {}
        for entry in self.io.listdir(self.own):
            numbers = seg.parse_name(entry.name)
            if numbers:
                files[numbers] = entry
        complaints = self._complaints()
        with self.db.engine.connect() as conn:
            recorded = {
                row[0]: row for row in conn.exec_driver_sql(
                    "SELECT seq, last_seq, sha256, size, mtime_ns, header, removed FROM sync_own_segments"
                ).all()
            }  # fmt: skip
            conn.rollback()
        mine = max((row[1] for row in recorded.values()), default=0)
        repairs: list[Callable[[], None]] = []  # carried out only once no check has refused the round
        for (first, last), entry in sorted(files.items()):
            path = Path(entry.path)
            known = recorded.get(first)
            if known is not None and not known[6] and known[1] != last:
                self._check_unrecorded_compaction(path, last, mine)
                repairs.append(lambda path=path: self.io.remove(path))  # a compaction killed before recording
                continue
            if known is not None and not known[6]:
                stat = entry.stat()
                if (stat.st_size, stat.st_mtime_ns) == (known[3], known[4]) and first not in complaints:
                    continue
                data = self.io.read(path)
                if seg.checksum(data) == known[2]:
                    repairs.append(lambda first=first, stat=stat: self._note_stat(first, stat))
                    continue
                try:
                    found = seg.decode(data)
                except seg.SegmentError:
                    # damaged on the share: write it again
                    repairs.append(lambda first=first, known=known: self._rewrite(first, json.loads(known[5])))
                    continue
                if self._is_own_rewrite(found, first, last):
                    # Our own rewrite (after a purge, or of a damaged file), killed before it was recorded;
                    # a purge since may have blanked more of it: write it from the change log as it is now.
                    repairs.append(
                        lambda first=first, known=known: self._rewrite(first, json.loads(known[5]), damaged=False)
                    )
                    continue
                raise self._clone_error(f"own segment {entry.name} differs from what was recorded")
            if known is not None:
                repairs.append(lambda path=path: self.io.remove(path))  # removed as no longer needed; a crash left it
                continue
            data = self.io.read(path)
            try:
                segment = seg.decode(data)
            except seg.SegmentError:
                # Ours, from a run killed before it could record it, and damaged since. What it held is
                # unknown here, and another device may have applied it while it was whole: this number
                # must never carry other changes. It becomes an empty segment; its changes (still unsent
                # as far as we know) go out in the next one, and a device that has them ignores repeats.
                repairs.append(lambda first=first, last=last: self._publish_empty(first, last))
                mine = max(mine, last)
                continue
            if segment.device_id != self.me:
                raise self._clone_error(f"unrecorded segment {entry.name} names device {segment.device_id}")
            with self.db.engine.connect() as conn:
                known_here = self._own_changes_known(conn, segment)
                conn.rollback()
            if not known_here:
                raise self._clone_error(f"unrecorded segment {entry.name} holds changes not made here")
            # Ours, published by a run that was killed before it could record it: adopt it.
            repairs.append(lambda f=first, la=last, s=segment, d=data, p=path: self._adopt(f, la, s, d, p))
            mine = max(mine, last)
        for first, known in recorded.items():
            if not known[6] and (first, known[1]) not in files:
                # missing from the share
                repairs.append(lambda first=first, known=known: self._rewrite(first, json.loads(known[5])))
        # Our state.json is written from what we recorded; if it names a later segment than we ever
        # recorded, another machine is writing as us (even if old segments have since been removed).
        # (a damaged state.json reads as None: a flipped digit must not look like a clone)
        own_state = self._read_state(self.own)
        try:
            published = int(own_state.get("own", 0)) if own_state else 0
        except (ValueError, TypeError):
            published = 0
        if published > mine:
            raise self._clone_error(f"own state.json names segment {published}, recorded only up to {mine}")
        # Another device has applied a segment of ours we never recorded: another machine writes as us (or
        # this database is older than our files were: restored from a backup). Our next segment would reuse
        # a number that device has applied, and it would never read it.
        if self.peers_applied_own > mine:
            raise self._clone_error(
                f"another device applied our segment {self.peers_applied_own}, recorded only up to {mine}"
            )
        for repair in repairs:
            repair()

    def _check_unrecorded_compaction(self, path: Path, last: int, mine: int) -> None:
        """A file that starts where a recorded segment of ours starts but ends elsewhere is ours only as a
        compaction killed before it was recorded: of recorded segments only, and of changes made here."""
        if last > mine:
            raise self._clone_error(f"own segment {path.name} reaches past segment {mine}, the last recorded")
        try:
            segment = seg.decode(self.io.read(path))
        except seg.SegmentError:
            return  # a damaged merge of our own recorded segments: they are all still here to rewrite
        with self.db.engine.connect() as conn:
            known_here = segment.device_id == self.me and self._own_changes_known(conn, segment)
            conn.rollback()
        if not known_here:
            raise self._clone_error(f"own segment {path.name} holds changes not made here")

    def _note_stat(self, first: int, stat: os.stat_result) -> None:
        with self.db.write() as conn:
            conn.exec_driver_sql(
                "UPDATE sync_own_segments SET size = ?, mtime_ns = ? WHERE seq = ?",
                (stat.st_size, stat.st_mtime_ns, first),
            )

    def _adopt(self, first: int, last: int, segment: seg.Segment, data: bytes, path: Path) -> None:
        with self.db.write() as conn:
            ids = [c.id for c in segment.changes]
            for part in chunks(ids):
                conn.exec_driver_sql(
                    f"UPDATE sync_outbox SET segment = ? WHERE change_id IN ({','.join('?' * len(part))})",
                    (first, *part),
                )
            self._record_own(conn, first, last, data, path, segment.header())

    def _publish_empty(self, first: int, last: int) -> None:
        header = seg.Segment(self.me, first, last, (), {}, self.wall_ms()).header()
        data = seg.encode_lines(header, [])
        path = self.io.publish(self.own, seg.segment_name(first, last), data, replace=True, verify=seg.decode)
        with self.db.write() as conn:
            self._record_own(conn, first, last, data, path, header)
        log.warning("Own unrecorded segment %s was damaged; replaced by an empty one", path)

    def _complaints(self) -> set[int]:
        """Our segments that other devices found damaged (listed in their state.json); also notes in
        ``peers_applied_own`` the highest of our segments any other device says it has applied."""
        found: set[int] = set()
        for entry in self.io.listdir(self.devices):
            if entry.name == self.me or not entry.is_dir():
                continue
            state = self._read_state(Path(entry.path))
            try:
                found.update(int(first) for device, first in (state or {}).get("corrupt", []) if device == self.me)
                self.peers_applied_own = max(
                    self.peers_applied_own, int((state or {}).get("applied", {}).get(self.me, 0))
                )
            except (ValueError, TypeError, AttributeError):
                continue
        return found

    def _read_state(self, folder: Path) -> dict[str, Any] | None:
        """A device's state.json, or None when it is missing, unreadable or fails its checksum."""
        try:
            return state_file.decode(self.io.read(folder / state_file.NAME))
        except OSError:
            return None

    def _encode_own(self, first: int, header: dict) -> bytes:
        """Our segment ``first`` as it reads from the change log now (values blanked by a purge are blank)."""
        with self.db.engine.connect() as conn:
            changes = self._own_changes(conn, first)
            conn.rollback()
        return seg.encode_with_header(dict(header, count=len(changes)), changes)

    def _rewrite(self, first: int, header: dict, *, damaged: bool = True) -> None:
        data = self._encode_own(first, header)
        path = self.io.publish(self.own, seg.segment_name(first, header["last"]), data, replace=True, verify=seg.decode)
        with self.db.write() as conn:
            self._record_own(conn, first, header["last"], data, path, header)
        if damaged:
            self.report.warnings.append(
                f"En beskadiget eller manglende fil fra denne computer er skrevet igen ({path.name})."
            )

    def scrub_purged(self) -> int:
        """GDPR: a purge blanks the purged rows' values in the local change log, but our segments already
        on the share still hold them. Rewrite each live own segment carrying a change of a row purged since
        the last round, so it holds only blanks. Devices that have not read it yet read the blanked copy
        (and drop those rows, as after the purge itself). Returns how many files were rewritten."""
        with self.db.engine.connect() as conn:
            done = int(_meta(conn, "sync_scrubbed_purges") or 0)
            top = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM sync_purged").scalar_one()
            segments = conn.exec_driver_sql(
                "SELECT DISTINCT s.seq, s.header FROM sync_purged AS p "
                "JOIN change_log AS c ON c.table_name = p.table_name AND c.row_id = p.row_id AND c.op != 'purge' "
                "JOIN sync_outbox AS o ON o.change_id = c.id "
                "JOIN sync_own_segments AS s ON s.seq = o.segment AND s.removed = 0 "
                "WHERE p.rowid > ? ORDER BY s.seq",
                (done,),
            ).all() if top > done else []  # fmt: skip
            conn.rollback()
        if top <= done:
            return 0
        for first, header in segments:
            self.progress(0.93, "Fjerner slettede personoplysninger fra fællesmappen")
            self._rewrite(first, json.loads(header), damaged=False)
        with self.db.write() as conn:
            _set_meta(conn, "sync_scrubbed_purges", str(top))
        self.report.scrubbed += len(segments)
        return len(segments)

    def export(self, up_to: int | None = None) -> None:
        """Send our unsent changes (``up_to``: only those up to that outbox number, see write_snapshot)."""
        while True:
            with self.db.engine.connect() as conn:
                # SQLite writes each change's line (the JSON array of Change.line()) itself: that is
                # several times faster than building the objects and encoding them in Python.
                rows = conn.connection.dbapi_connection.execute(  # plain tuples: this can be many rows
                    "SELECT o.seq, json_array(c.id, c.hlc, c.table_name, c.row_id, c.op, c.field, c.value, "
                    "b.base, c.staff_id), c.op = 'purge' "
                    "FROM sync_outbox AS o JOIN change_log AS c ON c.id = o.change_id "
                    "LEFT JOIN sync_bases AS b ON b.change_id = c.id "
                    "WHERE o.segment IS NULL AND o.seq <= ? ORDER BY o.seq LIMIT ?",
                    (up_to if up_to is not None else 2**62, SEGMENT_MAX_CHANGES),
                ).fetchall()
                if not rows:
                    conn.rollback()
                    return
                last = conn.exec_driver_sql("SELECT max(last_seq) FROM sync_own_segments").scalar() or 0
                applied = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
                # A segment applied in part (a round stopped between its batches) has rows here that an
                # edit below may build on: claim the whole of it, so a reader waits until it has it.
                for peer, seq in json.loads(_meta(conn, PARTIAL_KEY) or "{}").items():
                    applied[peer] = max(applied.get(peer, 0), int(seq))
                conn.rollback()
            number = last + 1
            header = seg.Segment(self.me, number, number, (), applied, self.wall_ms()).header()
            header["count"] = len(rows)
            data = seg.encode_lines(header, [row[1] for row in rows])
            self.progress(0.1, f"Sender {len(rows)} ændringer")
            try:
                # (no verify: publish compares the bytes read back with these, which we just encoded)
                path = self.io.publish(self.own, seg.segment_name(number, number), data)
            except PublishConflict:
                raise self._clone_error(f"segment {number} exists on the share with other content") from None
            with self.db.write() as conn:
                conn.exec_driver_sql(
                    "UPDATE sync_outbox SET segment = ? WHERE seq BETWEEN ? AND ? AND segment IS NULL",
                    (number, rows[0][0], rows[-1][0]),
                )
                self._record_own(conn, number, number, data, path, header)
                if any(row[2] for row in rows):
                    _note_purge_for_snapshot(conn, self.me, number)
            self.report.sent += len(rows)
            self.report.segments_sent += 1

    def compact(self) -> None:
        """Merge this device's oldest live segments into one file once there are many (readers take the
        file covering the most; the parts are removed after the merged file is recorded)."""
        with self.db.engine.connect() as conn:
            live = conn.exec_driver_sql(
                "SELECT seq, last_seq, header FROM sync_own_segments WHERE removed = 0 ORDER BY seq"
            ).all()
            conn.rollback()
        if len(live) < COMPACT_AT:
            return
        parts = live[:-1]  # the newest stays as it is (others may be reading it right now)
        first, last = parts[0][0], parts[-1][1]
        pieces: list[tuple[int, int, dict[str, int], int]] = []
        changes: list[seg.Change] = []
        with self.db.engine.connect() as conn:
            for seq, part_last, header_text in parts:
                header = json.loads(header_text)
                rows = conn.connection.dbapi_connection.execute(
                    "SELECT c.id, c.hlc, c.device_id, c.table_name, c.row_id, c.op, c.field, c.value, b.base, "
                    "c.staff_id FROM sync_outbox AS o JOIN change_log AS c ON c.id = o.change_id "
                    "LEFT JOIN sync_bases AS b ON b.change_id = c.id WHERE o.segment = ? ORDER BY o.seq",
                    (seq,),
                ).fetchall()
                sub = [tuple(p) for p in header.get("parts", [])] or [
                    (seq, part_last, header.get("applied", {}), len(rows))
                ]
                if sum(int(p[3]) for p in sub) != len(rows):
                    conn.rollback()
                    return  # not what we wrote (cannot happen; never guess)
                pieces.extend((int(f), int(pl), dict(a), int(n)) for f, pl, a, n in sub)
                changes.extend(seg.Change(*row) for row in rows)
            conn.rollback()
        applied: dict[str, int] = {}
        for _f, _l, part_applied, _n in pieces:
            for device, number in part_applied.items():
                applied[device] = max(applied.get(device, 0), int(number))
        segment = seg.Segment(self.me, first, last, tuple(changes), applied, self.wall_ms(), parts=tuple(pieces))
        data = seg.encode(segment)
        self.progress(0.97, "Samler gamle filer")
        try:
            path = self.io.publish(self.own, seg.segment_name(first, last), data, verify=seg.verify)
        except PublishConflict:
            self.io.remove(self.own / seg.segment_name(first, last))  # an unrecorded earlier attempt
            return
        with self.db.write() as conn:
            conn.exec_driver_sql(
                "UPDATE sync_outbox SET segment = ? WHERE segment BETWEEN ? AND ?", (first, first, last)
            )
            conn.exec_driver_sql("UPDATE sync_own_segments SET removed = 1 WHERE seq > ? AND seq <= ?", (first, last))
            self._record_own(conn, first, last, data, path, segment.header())
        for seq, part_last, _header in parts:
            self.io.remove(self.own / seg.segment_name(seq, part_last))

    # other devices ---------------------------------------------------------------------------

    def list_devices(self) -> list[str]:
        """The other devices' folders on the share. A device seen once is known for good: one that is
        missing from a listing (an SMB hiccup, a folder moved away) makes the listing incomplete, which
        stops every clean-up this round — absence is never evidence that a device has what we sent."""
        listed = {
            e.name for e in self.io.listdir(self.devices) if e.is_dir() and e.name != self.me
            and not e.name.startswith(".")
        }  # fmt: skip
        with self.db.engine.connect() as conn:
            known = set(json.loads(_meta(conn, "sync_known_devices") or "[]"))
            known |= set(conn.exec_driver_sql("SELECT device_id FROM sync_peers").scalars().all())
            conn.rollback()
        retired = sync_share.retired_devices(self.io)  # (no longer waited for; their files are still read)
        missing = sorted(known - listed - retired)
        if missing:
            self.listing_complete = False
            names = ", ".join(self._peer_name(device) for device in missing)
            self.report.warnings.append(
                f"Fællesmappen viser ikke alle kendte computere lige nu (mangler: {names}). Intet er ryddet op "
                "på fællesmappen; prøv igen senere."
            )
            log.warning("Device listing lacks known devices: %s", missing)
        if listed - known:
            with self.db.write() as conn:
                _set_meta(conn, "sync_known_devices", json.dumps(sorted(known | listed)))
        self.known_devices = sorted((known | listed) - retired)
        return sorted(listed)

    def needs_snapshot(self) -> bool:
        """Whether the newest snapshot holds changes of another device that this laptop lacks and that are
        no longer on the share as files (removed once every device known then had applied them): a laptop
        given a new id by ``device reset`` after a restore from an old backup, or one the others did not
        know of when they cleaned up. Only the snapshot has them now; without it they would never arrive."""
        snapshots = sync_snapshot.list_snapshots(self.io)
        if not snapshots or snapshots[0].device_id == self.me:
            return False
        with self.db.engine.connect() as conn:
            applied = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
            conn.rollback()
        for device, covered in snapshots[0].covers.items():
            have = applied.get(device, 0)
            if device == self.me or covered <= have:
                continue
            try:
                names = [seg.parse_name(e.name) for e in self.io.listdir(self.devices / device)]
            except FileNotFoundError:
                names = []
            if not any(numbers and numbers[0] <= have + 1 <= numbers[1] for numbers in names):
                log.warning("Segment %d of %s is gone from the share; the newest snapshot has it", have + 1, device)
                return True
        return False

    def import_all(self) -> None:
        peers_on_share = self.list_devices()
        with self.db.engine.connect() as conn:
            applied = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
            conn.rollback()
        listings: dict[str, dict[int, tuple[int, str]]] = {}
        for peer in peers_on_share:
            files: dict[int, tuple[int, str]] = {}
            for entry in self.io.listdir(self.devices / peer):
                numbers = seg.parse_name(entry.name)
                if numbers and numbers[1] > applied.get(peer, 0):
                    first, last = numbers
                    if first not in files or files[first][0] < last:
                        files[first] = (last, entry.path)
            if files:
                listings[peer] = files
        blocked: dict[str, str] = {}
        try:
            self._import_listed(listings, applied, blocked)
        finally:
            self._record_gaps(peers_on_share, blocked, applied)

    def _import_listed(self, listings: dict[str, dict[int, tuple[int, str]]], applied: dict[str, int],
                       blocked: dict[str, str]) -> None:  # fmt: skip
        if not listings:
            return
        pending = sum(len(f) for f in listings.values())
        progressed = True
        done = 0
        while progressed:
            progressed = False
            for peer, files in listings.items():
                if peer in blocked:
                    continue
                while True:
                    have = applied.get(peer, 0)
                    candidates = [
                        (last, path, first) for first, (last, path) in files.items() if first <= have + 1 <= last
                    ]
                    if not candidates:
                        if any(first > have + 1 for first in files):
                            blocked[peer] = "gap"
                        break
                    last, path, first = max(candidates)
                    try:
                        data = self.io.read(Path(path))
                        segment = seg.decode(data)
                        if segment.device_id != peer:
                            raise seg.SegmentError("filen ligger i en anden computers mappe")
                    except FileNotFoundError:
                        break  # removed meanwhile (compacted); the next round lists again
                    except seg.SegmentError as exc:
                        self.report.warnings.append(
                            f"Filen {Path(path).name} fra computeren {self._peer_name(peer)} er sprunget over: {exc}."
                        )
                        log.warning("Skipped segment %s: %s", path, exc)
                        blocked[peer] = "corrupt"
                        self.corrupt_seen.add((peer, first))
                        break
                    stuck = False
                    for part in segment.split():  # a compacted file: its original segments, in order
                        if part.last <= applied.get(peer, 0):
                            continue
                        if any(d != self.me and applied.get(d, 0) < n for d, n in part.applied.items()):
                            stuck = True  # it builds on changes we do not have yet; after those
                            break
                        try:
                            self._apply_segment(peer, part, self._peer_name(peer).strip("«»"))
                        except Unappliable as exc:
                            # Points at rows this laptop does not have although the file says it has
                            # what it builds on: never crash the round; the others go on, and this one is
                            # tried again next round (they arrive meanwhile).
                            log.warning("Segment could not be applied, tried again next round: %s", exc)
                            self.report.warnings.append(
                                f"Ændringer fra computeren {self._peer_name(peer)} bygger på noget, denne computer "
                                "ikke har endnu. De prøves igen ved næste synkronisering."
                            )
                            stuck = True
                            break
                        applied[peer] = part.last
                        progressed = True
                    if stuck:
                        break
                    done += 1
                    self.progress(0.2 + 0.7 * min(1.0, done / pending), f"Modtager fra {self._peer_name(peer)}")

    def _record_gaps(self, listed: list[str], blocked: dict[str, str], applied: dict[str, int]) -> None:
        """Remember (and report) every device whose next segment is missing from the share while later ones
        are there: changes this laptop cannot get. Its owner sends the missing ones again as soon as it
        reads our state.json (see repair_gaps); until then F9, ``check`` and the exit code say so."""
        with self.db.engine.connect() as conn:
            gaps: dict[str, int] = json.loads(_meta(conn, "sync_gaps") or "{}")
            conn.rollback()
        before = dict(gaps)
        for peer in listed:
            if blocked.get(peer) == "gap":
                gaps[peer] = applied.get(peer, 0)
            elif peer in gaps and applied.get(peer, 0) > gaps[peer]:
                del gaps[peer]
        if gaps != before:
            with self.db.write() as conn:
                _set_meta(conn, "sync_gaps", json.dumps(gaps, sort_keys=True) if gaps else None)
        for peer, have in sorted(gaps.items()):
            self.report.gaps.append(
                f"Der mangler ændringer fra computeren {self._peer_name(peer)} (efter fil nr. {have}), og de "
                "senere kan derfor ikke modtages endnu. Computeren sender dem igen, næste gang den "
                "synkroniserer; sker det ikke, så start den og synkronisér den."
            )

    def _peer_name(self, peer: str) -> str:
        try:
            name = json.loads(self.io.read(self.devices / peer / "device.json")).get("name") or ""
        except (OSError, ValueError):
            name = ""
        return f"«{name}»" if name else peer[:8]

    def _apply_segment(self, peer: str, segment: seg.Segment, name: str = "") -> None:
        """Apply one segment of ``peer``. Large segments are applied in batches, each its own short write
        transaction, so a person saving meanwhile waits at most for one batch; the segment counts as
        applied (``sync_peers``) only with the last batch. A crash between batches re-applies the whole
        segment next round, which is harmless: applying a change twice leaves the same state."""
        self.io.step("apply")
        max_hlc = segment.max_hlc
        batches = apply_batches(segment.changes, APPLY_BATCH)
        new_conflicts = 0
        for index, batch in enumerate(batches):
            last = index == len(batches) - 1
            try:
                new_conflicts += self._apply_batch(peer, segment, batch, last, name)
            except IntegrityError:
                rest = [change for later in batches[index:] for change in later]
                if len(batches) > 1:
                    # A batch pointed at a row in a later batch: the rest goes in one transaction.
                    try:
                        new_conflicts += self._apply_batch(peer, segment, rest, True, name)
                        break
                    except IntegrityError:
                        pass
                raise Unappliable(self._missing_parents(segment, rest)) from None
            if index == 0 and not last:
                self.io.step("apply-batch")  # (tests: a kill between two batches of one segment)
        self.io.step("after-commit")
        self.report.received += len(segment.changes)
        self.report.segments_received += 1
        self.report.new_conflicts += new_conflicts
        if max_hlc:
            self._receive_clock(peer, max_hlc)

    def _missing_parents(self, segment: seg.Segment, changes: list[seg.Change]) -> str:
        """What the changes point at that is not here (ids only), found by applying them once more in a
        transaction that is rolled back: the evidence for the log when a segment cannot be applied."""
        found: list[str] = []

        class RollBack(Exception):
            pass

        try:
            with self.db.write() as conn:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                fresh = fresh_rows(conn, changes)
                store_changes(conn, changes)
                Applier(conn).apply(changes, fresh)
                for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all()[:5]:
                    row = conn.exec_driver_sql(f'SELECT id FROM "{table}" WHERE rowid = ?', (rowid,)).scalar()
                    found.append(f"{table} {row} -> {parent}")
                applied = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
                found.append(f"header applied {segment.applied}, here {applied}, partial {_meta(conn, PARTIAL_KEY)}")
                raise RollBack
        except RollBack:
            pass
        except Exception as exc:
            found.append(f"({type(exc).__name__})")
        return f"segment {segment.device_id}:{segment.first}-{segment.last}: " + "; ".join(found)

    def _apply_batch(self, peer: str, segment: seg.Segment, changes: list[seg.Change], last: bool, name: str) -> int:
        """One write transaction: the changes, and with the last batch the segment's bookkeeping. Returns
        how many new conflicts it made."""
        self.db.turnstile.let_waiting_saves_in()
        with self.db.write() as conn:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            before = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
            fresh = fresh_rows(conn, changes)
            store_changes(conn, changes)
            Applier(conn).apply(changes, fresh)
            partial = json.loads(_meta(conn, PARTIAL_KEY) or "{}")
            if not last:
                partial[peer] = max(int(partial.get(peer, 0)), segment.last)
            elif int(partial.get(peer, 0)) <= segment.last:  # (a snapshot may claim a later one in part)
                partial.pop(peer, None)
            _set_meta(conn, PARTIAL_KEY, json.dumps(partial, sort_keys=True) if partial else None)
            if last:
                conn.exec_driver_sql(
                    "INSERT INTO sync_peers (device_id, applied_seq, name, last_hlc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(device_id) DO UPDATE SET applied_seq = excluded.applied_seq, name = excluded.name, "
                    "last_hlc = max(coalesce(last_hlc, ''), coalesce(excluded.last_hlc, ''))",
                    (peer, segment.last, name if name != peer[:8] else "", segment.max_hlc),
                )
                if any(change.op == "purge" for change in segment.changes):
                    _note_purge_for_snapshot(conn, peer, segment.last)
            after = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
            self.io.step("commit" if last else "commit-batch")
        return max(0, after - before)

    def _receive_clock(self, peer: str, max_hlc: str) -> None:
        """Take the peer's newest stamp into our clock — unless it lies further ahead of our wall clock than
        the rules allow: then its changes are kept (nothing is lost) but its time is not, and the warning
        names that laptop, whose clock is the wrong one."""
        if self.db.clock.receive(max_hlc):
            return
        hours = (hlc_module.decode(max_hlc)[0] - self.wall_ms()) / 3_600_000
        warning = (
            f"Uret på computeren {self._peer_name(peer)} går ca. {_hours(hours)} foran. Dens ændringer er "
            "modtaget, men dens tid bruges ikke. Bed om at få uret stillet på den computer."
        )
        if warning not in self.report.warnings:
            self.report.warnings.append(warning)
        log.warning("Device %s stamps %.1f h ahead of this clock", peer[:8], hours)

    def check_own_clock(self) -> None:
        """Compare this laptop's clock with the share's (the time on the file we just wrote there)."""
        wrong_ms = self.wall_ms() - self.share_now() * 1000
        if abs(wrong_ms) > (self.db.clock.max_ahead_ms or CLOCK_AHEAD_WARN_MS):
            way = "foran" if wrong_ms > 0 else "bagud"
            self.report.warnings.append(
                f"Uret på denne computer går ca. {_hours(abs(wrong_ms) / 3_600_000)} {way} i forhold til "
                "fællesmappen. Stil uret, så ændringerne herfra får det rigtige tidspunkt."
            )

    def _states(self) -> dict[str, dict[str, Any] | None]:
        """Every known device's state.json as read now (None: missing or unreadable)."""
        states: dict[str, dict[str, Any] | None] = {}
        for device in self.known_devices:
            states[device] = self._read_state(self.devices / device)
        return states

    def clean_up(self) -> None:
        """Send again what another device lacks, then remove own segments nobody needs any more.

        Removal needs positive evidence, read in this round: the device listing showed every known
        device, each one's state.json was read and says it applied the segment, and the newest snapshot
        contains it. Anything less (a hiccup, a device that never wrote its state) keeps the files."""
        states = self._states()
        applied_here = {device: int(state.get("applied", {}).get(self.me, 0))
                        for device, state in states.items() if state is not None}  # fmt: skip
        if applied_here:
            self.repair_gaps(min(applied_here.values()))
        if not self.listing_complete or any(state is None for state in states.values()):
            return
        snapshots = sync_snapshot.list_snapshots(self.io)
        if not snapshots:
            return
        safe = min([snapshots[0].covers.get(self.me, 0), *applied_here.values()])
        with self.db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT seq, last_seq FROM sync_own_segments WHERE removed = 0 AND last_seq <= ?", (safe,)
            ).all()
            conn.rollback()
        for first, last in rows:
            with self.db.write() as conn:  # recorded first: a crash leaves a file nobody needs, never a gap
                conn.exec_driver_sql("UPDATE sync_own_segments SET removed = 1 WHERE seq = ?", (first,))
            self.io.remove(self.own / seg.segment_name(first, last))

    def repair_gaps(self, lowest_applied: int) -> int:
        """A device whose state.json says it has applied fewer of our segments than we keep on the share
        (restored from a backup, or it read a share where they had been removed) cannot get the rest: send
        the removed ones after ``lowest_applied`` again, from our change log. Returns how many."""
        with self.db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                # (not the parts of a compacted segment: their changes belong to the compacted one)
                "SELECT s.seq, s.header FROM sync_own_segments AS s WHERE s.removed = 1 AND s.last_seq > ? "
                "AND NOT EXISTS (SELECT 1 FROM sync_own_segments AS o WHERE o.seq < s.seq AND o.last_seq >= s.seq) "
                "ORDER BY s.seq",
                (lowest_applied,),
            ).all()
            conn.rollback()
        for first, header in rows:
            self._rewrite(first, json.loads(header), damaged=False)
        if rows:
            self.report.warnings.append(
                f"{len(rows)} tidligere sendte filer herfra er sendt igen, fordi en anden computer manglede dem."
            )
            log.warning(
                "Re-sent %d removed own segments (a device had applied only up to %d)", len(rows), lowest_applied
            )
        return len(rows)

    def share_now(self) -> float:
        """The share's clock: the modification time of our state.json, written (or checked) just now."""
        try:
            return (self.own / "state.json").stat().st_mtime
        except OSError:
            return time.time()

    def publish_state(self) -> None:
        with self.db.engine.connect() as conn:
            applied = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
            own = conn.exec_driver_sql("SELECT max(last_seq) FROM sync_own_segments").scalar() or 0
            conn.rollback()
        data = state_file.make(self.me, own, applied, self.corrupt_seen)
        try:
            current = self.io.read(self.own / state_file.NAME)
        except FileNotFoundError:
            current = b""
        if current != data:  # (also rewrites a damaged copy)
            self.io.publish(self.own, state_file.NAME, data, replace=True)


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} dage"
    return "1 time" if round(hours) == 1 else f"{hours:.0f} timer"


def refresh_conflicts_after_local_edits(db: Database) -> None:
    """A local edit changes what counts as overwritten (and the winner) for its field: recompute the
    conflicts of the rows edited here, as every other replica does when the edit arrives. Watermarked by
    outbox number, so it is idempotent and survives a crash."""
    with db.write() as conn:
        done = int(_meta(conn, "sync_conflicts_seq") or 0)
        top = conn.exec_driver_sql("SELECT max(seq) FROM sync_outbox").scalar() or 0
        if top <= done:
            return
        rows: dict[str, set[str]] = {}
        # Every own update/delete has a sync_bases row (the outbox trigger writes it): probing that small
        # table instead of the change log skips the bulk of new rows, which are inserts.
        for table, row_id in conn.exec_driver_sql(
            "SELECT c.table_name, c.row_id FROM sync_outbox AS o JOIN sync_bases AS b ON b.change_id = o.change_id "
            "JOIN change_log AS c ON c.id = o.change_id WHERE o.seq > ? AND c.op IN ('update', 'delete')",
            (done,),
        ):
            rows.setdefault(table, set()).add(row_id)
        for table, ids in rows.items():
            if table in TABLES and table not in APPEND_ONLY_TABLES:
                recompute_conflicts(conn, table, sorted(ids))
        _set_meta(conn, "sync_conflicts_seq", str(top))


SNAPSHOT_MAX_AGE_MS = 24 * 60 * 60 * 1000
PURGES_KEY = "sync_purges_for_snapshot"  # {device: segment} holding purges a snapshot must come after


def _note_purge_for_snapshot(conn: Connection, device: str, segment: int) -> None:
    """A snapshot on the share older than this purge still holds the purged data: remember the purge's
    segment until a snapshot that contains it replaces the old ones (see _purges_need_snapshot)."""
    needed = json.loads(_meta(conn, PURGES_KEY) or "{}")
    needed[device] = max(segment, int(needed.get(device, 0)))
    _set_meta(conn, PURGES_KEY, json.dumps(needed, sort_keys=True))


def _purges_need_snapshot(db: Database, io: ShareIO) -> bool:
    """True while the newest snapshot on the share may still hold data of a purged citizen (it does not
    contain every purge applied here). Forgets the purges a snapshot already contains."""
    with db.engine.connect() as conn:
        needed = json.loads(_meta(conn, PURGES_KEY) or "{}")
        conn.rollback()
    if not needed:
        return False
    snapshots = sync_snapshot.list_snapshots(io)
    newest = snapshots[0].covers if snapshots else None
    left = {device: seq for device, seq in needed.items() if newest is not None and newest.get(device, 0) < seq}
    if left != needed:
        with db.write() as conn:
            _set_meta(conn, PURGES_KEY, json.dumps(left, sort_keys=True) if left else None)
    return bool(left)


def apply_changes_now_understood(db: Database) -> int:
    """Changes kept from a newer version (``sync_unknown``) that this version now understands — after an
    upgrade — are applied: their rows are merged again from all their entries. Returns how many."""
    with db.write() as conn:
        rows = conn.exec_driver_sql(
            "SELECT u.change_id, u.table_name, u.row_id, c.op, c.field, c.value FROM sync_unknown AS u "
            "JOIN change_log AS c ON c.id = u.change_id"
        ).all()
        understood = []
        for change_id, table, row_id, op, field_name, value in rows:
            info = TABLES.get(table)
            if info is None:
                continue
            if op == "insert":
                if value is not None and not set(json.loads(value)) <= info.column_set:
                    continue
            elif op in ("update", "delete") and field_name not in info.column_set:
                continue
            understood.append((change_id, table, row_id))
        if not understood:
            return 0
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        Applier(conn).refold(sorted({(table, row_id) for _, table, row_id in understood}))
        conn.exec_driver_sql(
            "DELETE FROM sync_unknown WHERE change_id IN (SELECT value FROM json_each(?))",
            (json.dumps([change_id for change_id, _, _ in understood]),),
        )
    return len(understood)


def _snapshot_due(io: ShareIO, now_ms: int, slack_ms: int) -> bool:
    """No snapshot, the newest older than a day, or the newest stamped implausibly far ahead of this
    laptop's clock (a laptop whose clock ran ahead must not stop new snapshots until its time comes)."""
    newest = sync_snapshot.list_snapshots(io)
    if not newest:
        return True
    age = now_ms - newest[0].created_ms
    return age > SNAPSHOT_MAX_AGE_MS or -age > slack_ms


def _count_changes(db: Database) -> int:
    """Changes from other devices (after starting from a snapshot)."""
    with db.engine.connect() as conn:
        count = conn.exec_driver_sql(
            "SELECT count(*) FROM change_log WHERE device_id != ?", (db.device_id,)
        ).scalar_one()
        conn.rollback()
    return count


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
    with _device_lock(db), _no_cyclic_gc():
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
            before = _count_changes(db)
            used = sync_snapshot.bootstrap(db, share, io)
            if used is not None:
                round_.report.received += _count_changes(db) - before
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
            or (_count_changes(db) + round_.report.sent and _snapshot_due(io, wall_ms(), db.clock.max_ahead_ms or 0))
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
        with db.write() as conn:
            _set_meta(conn, "sync_last_success", db.now().isoformat(timespec="seconds"))
            round_.report.conflicts = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
        progress(1.0, "Færdig")
    round_.report.seconds = time.perf_counter() - started
    return round_.report


def device_names(db: Database) -> dict[str, str]:
    """Names of the other devices as they call themselves on the share (empty when unknown)."""
    with db.engine.connect() as conn:
        names = dict(conn.exec_driver_sql("SELECT device_id, name FROM sync_peers").all())
        conn.rollback()
    return names


def open_conflicts(db: Database) -> list[dict[str, Any]]:
    """The open conflicts, oldest first, as plain dicts (for the conflicts screen and tests). ``winner_by``
    and ``loser_by``: who made each change (``name (initials)``), None when not recorded (system work,
    or a change from before the person was recorded)."""
    with db.engine.connect() as conn:
        rows = (
            conn.exec_driver_sql(
                "SELECT k.loser_id, k.table_name, k.row_id, k.field, k.loser_value, k.loser_hlc, k.loser_device, "
                "k.winner_id, k.winner_value, k.winner_hlc, k.winner_device, "
                "ls.name || ' (' || ls.initials || ')' AS loser_by, ws.name || ' (' || ws.initials || ')' AS winner_by "
                "FROM sync_conflicts AS k "
                "LEFT JOIN change_log AS lc ON lc.id = k.loser_id LEFT JOIN staff AS ls ON ls.id = lc.staff_id "
                "LEFT JOIN change_log AS wc ON wc.id = k.winner_id LEFT JOIN staff AS ws ON ws.id = wc.staff_id "
                "ORDER BY k.loser_hlc, k.loser_id"
            )
            .mappings()
            .all()
        )
        conn.rollback()
    return [dict(row) for row in rows]

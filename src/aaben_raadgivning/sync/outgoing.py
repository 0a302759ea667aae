"""A round's own side: check our folder on the share against what we recorded (adopt, rewrite, refuse a
cloned disk), send our new changes, blank purged data in files already sent, merge old files into one.

Every file is sealed under the office key (``self.key``, sync/segments.py). A file in our folder that does
not open as ours — another key, or a header naming another device or other numbers (moved or renamed
there) — is damaged, and is written again; only a file that opens as ours with changes not made here is
evidence of a cloned disk."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.store.replica import (
    chunks,
)
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.bookkeeping import meta, note_purge_for_snapshot, set_meta
from aaben_raadgivning.sync.round_base import RoundBase, log
from aaben_raadgivning.sync.share_io import PublishConflict
from aaben_raadgivning.sync.snapshot import PARTIAL_KEY

SEGMENT_MAX_CHANGES = 20_000
COMPACT_AT = 24  # own live segments on the share before the older ones are merged into one


class OwnSegments(RoundBase):
    # own segments ----------------------------------------------------------------------------

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
                repairs.append(partial(self.io.remove, path))  # a compaction killed before recording
                continue
            if known is not None and not known[6]:
                stat = entry.stat()
                if (stat.st_size, stat.st_mtime_ns) == (known[3], known[4]) and first not in complaints:
                    continue
                data = self.io.read(path)
                if seg.checksum(data) == known[2]:
                    repairs.append(partial(self._note_stat, first, stat))
                    continue
                try:
                    found = seg.decode(data, self.key, device=self.me, name=entry.name)
                except seg.SegmentError:
                    # damaged on the share: write it again
                    repairs.append(partial(self._rewrite, first, json.loads(known[5])))
                    continue
                if self._is_own_rewrite(found, first, last):
                    # Our own rewrite (after a purge, or of a damaged file), killed before it was recorded;
                    # a purge since may have blanked more of it: write it from the change log as it is now.
                    repairs.append(partial(self._rewrite, first, json.loads(known[5]), damaged=False))
                    continue
                raise self._clone_error(f"own segment {entry.name} differs from what was recorded")
            if known is not None:
                repairs.append(partial(self.io.remove, path))  # removed as no longer needed; a crash left it
                continue
            data = self.io.read(path)
            try:
                segment = seg.decode(data, self.key, device=self.me, name=entry.name)
            except seg.SegmentError:
                # Ours, from a run killed before it could record it, and damaged since. What it held is
                # unknown here, and another device may have applied it while it was whole: this number
                # must never carry other changes. It becomes an empty segment; its changes (still unsent
                # as far as we know) go out in the next one, and a device that has them ignores repeats.
                repairs.append(partial(self._publish_empty, first, last))
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
            repairs.append(partial(self._adopt, first, last, segment, data, path))
            mine = max(mine, last)
        for first, known in recorded.items():
            if not known[6] and (first, known[1]) not in files:
                # missing from the share
                repairs.append(partial(self._rewrite, first, json.loads(known[5])))
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
            segment = seg.decode(self.io.read(path), self.key, device=self.me, name=path.name)
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
        data = seg.encode_lines(header, [], self.key)
        path = self.io.publish(self.own, seg.segment_name(first, last), data, replace=True, verify=self._verify)
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

    def _encode_own(self, first: int, header: dict) -> bytes:
        """Our segment ``first`` as it reads from the change log now (values blanked by a purge are blank)."""
        with self.db.engine.connect() as conn:
            changes = self._own_changes(conn, first)
            conn.rollback()
        return seg.encode_with_header(dict(header, count=len(changes)), changes, self.key)

    def _verify(self, data: bytes) -> None:
        """Check a file of ours as a reader will (publish's read-back check)."""
        seg.decode(data, self.key, device=self.me)

    def _rewrite(self, first: int, header: dict, *, damaged: bool = True) -> None:
        data = self._encode_own(first, header)
        name = seg.segment_name(first, header["last"])
        path = self.io.publish(self.own, name, data, replace=True, verify=self._verify)
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
            done = int(meta(conn, "sync_scrubbed_purges") or 0)
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
            set_meta(conn, "sync_scrubbed_purges", str(top))
        self.report.scrubbed += len(segments)
        return len(segments)

    def export(self, up_to: int | None = None) -> None:
        """Send our unsent changes (``up_to``: only those up to that outbox number, see write_snapshot)."""
        while True:
            with self.db.engine.connect() as conn:
                # SQLite writes each change's line (the JSON array of Change.line()) itself: that is
                # several times faster than building the objects and encoding them in Python.
                rows = (
                    _raw(conn)
                    .execute(  # plain tuples: this can be many rows
                        # (an entry of another device, relayed from a sync server, names its device last)
                        "SELECT o.seq, CASE WHEN c.device_id = ? THEN json_array(c.id, c.hlc, c.table_name, "
                        "c.row_id, c.op, c.field, c.value, b.base, c.staff_id) ELSE json_array(c.id, c.hlc, "
                        "c.table_name, c.row_id, c.op, c.field, c.value, b.base, c.staff_id, c.device_id) END, "
                        "c.op = 'purge' "
                        "FROM sync_outbox AS o JOIN change_log AS c ON c.id = o.change_id "
                        "LEFT JOIN sync_bases AS b ON b.change_id = c.id "
                        "WHERE o.segment IS NULL AND o.seq <= ? ORDER BY o.seq LIMIT ?",
                        (self.me, up_to if up_to is not None else 2**62, SEGMENT_MAX_CHANGES),
                    )
                    .fetchall()
                )
                if not rows:
                    conn.rollback()
                    return
                last = conn.exec_driver_sql("SELECT max(last_seq) FROM sync_own_segments").scalar() or 0
                applied: dict[str, int] = dict(
                    conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all()
                )
                # A segment applied in part (a round stopped between its batches) has rows here that an
                # edit below may build on: claim the whole of it, so a reader waits until it has it.
                for peer, seq in json.loads(meta(conn, PARTIAL_KEY) or "{}").items():
                    applied[peer] = max(applied.get(peer, 0), int(seq))
                conn.rollback()
            number = last + 1
            header = seg.Segment(self.me, number, number, (), applied, self.wall_ms()).header()
            header["count"] = len(rows)
            data = seg.encode_lines(header, [row[1] for row in rows], self.key)
            self.progress(0.1, f"Sender {count_text(len(rows), 'ændring', 'ændringer')}")
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
                    note_purge_for_snapshot(conn, self.me, number)
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
                rows = (
                    _raw(conn)
                    .execute(
                        "SELECT c.id, c.hlc, c.device_id, c.table_name, c.row_id, c.op, c.field, c.value, b.base, "
                        "c.staff_id FROM sync_outbox AS o JOIN change_log AS c ON c.id = o.change_id "
                        "LEFT JOIN sync_bases AS b ON b.change_id = c.id WHERE o.segment = ? ORDER BY o.seq",
                        (seq,),
                    )
                    .fetchall()
                )
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
        data = seg.encode(segment, self.key)
        self.progress(0.97, "Samler gamle filer")
        try:
            path = self.io.publish(self.own, seg.segment_name(first, last), data, verify=self._verify)
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


def _raw(conn: Connection) -> Any:
    """The sqlite3 connection under ``conn``: plain tuples for the bulk reads, without ORM objects."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # an open Connection always has one
    return dbapi

"""A round's receiving side: list the other devices' files, apply them in order (in batches, so a save made
meanwhile waits only a moment), report gaps, check clocks, and clean up files every device has applied.

A segment is applied only once it has opened under the office key and its authenticated header names the
folder and file name it was read from (sync/segments.py); anything else is skipped as damaged and named
in our state.json, so its owner writes it again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from aaben_raadgivning.changes import hlc as hlc_module
from aaben_raadgivning.store.audit_chain import verify_audit_chains
from aaben_raadgivning.store.replica import (
    Applier,
    apply_batches,
    fresh_rows,
    store_changes,
)
from aaben_raadgivning.sync import office_share as sync_share
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync import snapshot as sync_snapshot
from aaben_raadgivning.sync import state_file
from aaben_raadgivning.sync.bookkeeping import meta, note_purge_for_snapshot, set_meta
from aaben_raadgivning.sync.errors import Unappliable
from aaben_raadgivning.sync.round_base import RoundBase, log
from aaben_raadgivning.sync.snapshot import PARTIAL_KEY  # segments applied in part only (see _apply_batch)

# Changes applied per write transaction: small enough that a save made meanwhile waits only a moment.
APPLY_BATCH = 1_000
CLOCK_AHEAD_WARN_MS = 60 * 60 * 1000  # a remote clock more than an hour ahead is reported


class IncomingSegments(RoundBase):
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
            known = set(json.loads(meta(conn, "sync_known_devices") or "[]"))
            known |= set(conn.exec_driver_sql("SELECT device_id FROM sync_peers").scalars().all())
            conn.rollback()
        retired = sync_share.retired_devices(
            self.io, self.key, self.report.warnings
        )  # (no longer waited for; their files are still read)
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
                set_meta(conn, "sync_known_devices", json.dumps(sorted(known | listed)))
        self.known_devices = sorted((known | listed) - retired)
        return sorted(listed)

    def needs_snapshot(self) -> bool:
        """Whether the newest snapshot holds changes of another device that this laptop lacks and that are
        no longer on the share as files (removed once every device known then had applied them): a laptop
        given a new id by ``device reset`` after a restore from an old backup, or one the others did not
        know of when they cleaned up. Only the snapshot has them now; without it they would never arrive."""
        snapshots = sync_snapshot.list_snapshots(self.io, self.key)
        if not snapshots or snapshots[0].device_id == self.me:
            return False
        with self.db.engine.connect() as conn:
            applied: dict[str, int] = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
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
            applied: dict[str, int] = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
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
                        # (authenticated, and checked to be the file this folder and name say)
                        segment = seg.decode(data, self.key, device=peer, name=Path(path).name)
                        del data
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
            gaps: dict[str, int] = json.loads(meta(conn, "sync_gaps") or "{}")
            conn.rollback()
        before = dict(gaps)
        for peer in listed:
            if blocked.get(peer) == "gap":
                gaps[peer] = applied.get(peer, 0)
            elif peer in gaps and applied.get(peer, 0) > gaps[peer]:
                del gaps[peer]
        if gaps != before:
            with self.db.write() as conn:
                set_meta(conn, "sync_gaps", json.dumps(gaps, sort_keys=True) if gaps else None)
        for peer, have in sorted(gaps.items()):
            self.report.gaps.append(
                f"Der mangler ændringer fra computeren {self._peer_name(peer)} (efter fil nr. {have}), og de "
                "senere kan derfor ikke modtages endnu. Computeren sender dem igen, næste gang den "
                "synkroniserer; sker det ikke, så start den og synkronisér den."
            )

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
                applied: dict[str, int] = dict(
                    conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all()
                )
                found.append(f"header applied {segment.applied}, here {applied}, partial {meta(conn, PARTIAL_KEY)}")
                raise RollBack
        except RollBack:
            pass
        except Exception as exc:
            found.append(f"({type(exc).__name__})")
        return f"segment {segment.device_id}:{segment.first}-{segment.last}: " + "; ".join(found)

    def _verify_audit_chains(self, conn: Connection, changes: list[seg.Change]) -> None:
        """The audit rows just applied extend their devices' hash chains (store/audit_chain.py): a row changed,
        removed or slipped in on the way is reported (the full check is ``check``'s). Reported, not refused:
        the rows are the evidence, and the sync must not stop on someone else's tampering."""
        devices = {c.device_id for c in changes if c.table_name == "audit_log" and c.op == "insert"}
        if not devices:
            return
        for problem in verify_audit_chains(conn, devices, incremental=True).problems:
            log.warning("Audit chain problem (%s, %s)", problem.device_id, problem.kind)
            self.report.warnings.append(problem.message)

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
            self._verify_audit_chains(conn, changes)
            partial = json.loads(meta(conn, PARTIAL_KEY) or "{}")
            if not last:
                partial[peer] = max(int(partial.get(peer, 0)), segment.last)
            elif int(partial.get(peer, 0)) <= segment.last:  # (a snapshot may claim a later one in part)
                partial.pop(peer, None)
            set_meta(conn, PARTIAL_KEY, json.dumps(partial, sort_keys=True) if partial else None)
            if last:
                conn.exec_driver_sql(
                    "INSERT INTO sync_peers (device_id, applied_seq, name, last_hlc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(device_id) DO UPDATE SET applied_seq = excluded.applied_seq, name = excluded.name, "
                    "last_hlc = max(coalesce(last_hlc, ''), coalesce(excluded.last_hlc, ''))",
                    (peer, segment.last, name if name != peer[:8] else "", segment.max_hlc),
                )
                if any(change.op == "purge" for change in segment.changes):
                    note_purge_for_snapshot(conn, peer, segment.last)
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
        snapshots = sync_snapshot.list_snapshots(self.io, self.key)
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

    def publish_state(self) -> None:
        with self.db.engine.connect() as conn:
            applied: dict[str, int] = dict(conn.exec_driver_sql("SELECT device_id, applied_seq FROM sync_peers").all())
            own = conn.exec_driver_sql("SELECT max(last_seq) FROM sync_own_segments").scalar() or 0
            conn.rollback()
        content = state_file.make(self.me, own, applied, self.corrupt_seen)
        if self._read_state(self.own) != state_file.decode(content):  # (also rewrites a damaged copy)
            self.io.publish(self.own, state_file.NAME, self._state_bytes(self.own, content), replace=True)


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} dage"
    return "1 time" if round(hours) == 1 else f"{hours:.0f} timer"

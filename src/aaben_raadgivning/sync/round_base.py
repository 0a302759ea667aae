"""What every part of a sync round shares: the share, this device, the report, and the checks that refuse a
round before anything is written (a newer share format, a cloned disk).

Every file of the share is read and written here sealed under the laptop's office key (``self.key``;
sync/sealing.py): device.json and state.json through ``_seal``/``_open`` with their place on the share as
associated data, segments through sync/segments.py. A file that fails authentication reads as missing or
damaged, never as true."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import office_share as sync_share
from aaben_raadgivning.sync import sealing, state_file
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.bookkeeping import SyncReport, set_meta
from aaben_raadgivning.sync.errors import ShareUnreachable, SyncError, SyncRefused
from aaben_raadgivning.sync.share_io import ShareIO

log = logging.getLogger("aaben_raadgivning.sync.engine")  # one logger name for the whole round

Progress = Callable[[float, str], None]


class RoundBase:
    def __init__(self, db: Database, io: ShareIO, device_name: str, progress: Progress | None,
                 wall_ms: Callable[[], int]) -> None:  # fmt: skip
        self.db = db
        self.io = io
        self.me = db.device_id
        self.key = db.office_key  # None only for a plain (benchmark) laptop: format 1, unsealed
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
            fmt = seg.manifest_format(data, self.key)
        except seg.SegmentError as exc:
            raise SyncError(f"Fællesmappen kan ikke bruges: {exc}.") from None
        with self.db.write() as conn:
            if fmt > seg.FORMAT_VERSION:
                message = (
                    f"Fællesmappen er skrevet af en nyere version af Åben Rådgivning (format {fmt}). "
                    "Denne computer arbejder videre alene (sikker tilstand) og synkroniserer ikke, "
                    "før programmet er opdateret."
                )
                set_meta(conn, "sync_safe_mode", message)
            else:
                set_meta(conn, "sync_safe_mode", None)
        if fmt > seg.FORMAT_VERSION:
            raise SyncRefused(message, safe_mode=True)

    def prepare_own_folder(self) -> None:
        self.io.mkdir(self.own)
        for entry in self.io.listdir(self.own):
            if entry.name.startswith(seg.TMP_PREFIX):
                self.io.remove(Path(entry.path))  # left by a crashed run of ours
        if sync_share.device_info(self.io, self.key, self.me) != {"device": self.me, "name": self.device_name}:
            info = sync_share.device_info_bytes(self.key, self.me, self.device_name)
            self.io.publish(self.own, sync_share.DEVICE_INFO, info, replace=True)

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

    def _place(self, folder: Path, name: str) -> str:
        """A file's place on the share as sealed into it (``devices/<id>/state.json``)."""
        return f"{seg.DEVICES_DIR}/{folder.name}/{name}"

    def _read_state(self, folder: Path) -> dict[str, Any] | None:
        """A device's state.json, or None when it is missing, unreadable, fails authentication (a sealed
        share) or fails its checksum."""
        try:
            data = self.io.read(folder / state_file.NAME)
            return state_file.decode(
                sealing.open_json(self.key, data, sealing.ROLE_STATE, self._place(folder, state_file.NAME))
            )
        except sealing.SealError as exc:
            log.warning("Unusable %s of %s: %s", state_file.NAME, folder.name[:8], exc)
            return None
        except OSError:
            return None

    def _state_bytes(self, folder: Path, content: bytes) -> bytes:
        return sealing.seal_json(self.key, sealing.ROLE_STATE, self._place(folder, state_file.NAME), content)

    def _peer_name(self, peer: str) -> str:
        name = sync_share.device_info(self.io, self.key, peer).get("name") or ""
        return f"«{name}»" if name else peer[:8]

    def share_now(self) -> float:
        """The share's clock: the modification time of our state.json, written (or checked) just now."""
        try:
            return (self.own / "state.json").stat().st_mtime
        except OSError:
            return time.time()

    def _rewrite(self, first: int, header: dict, *, damaged: bool = True) -> None:
        """Write our segment ``first`` again from the change log (sync.outgoing.OwnSegments)."""
        raise NotImplementedError

"""What every part of a sync round shares: the share, this device, the report, and the checks that refuse a
round before anything is written (a newer share format, a cloned disk)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync import state_file
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
        info = (json.dumps({"device": self.me, "name": self.device_name}, ensure_ascii=False) + "\n").encode()
        try:
            current = self.io.read(self.own / "device.json")
        except FileNotFoundError:
            current = b""
        if current != info:
            self.io.publish(self.own, "device.json", info, replace=True)

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

    def _read_state(self, folder: Path) -> dict[str, Any] | None:
        """A device's state.json, or None when it is missing, unreadable or fails its checksum."""
        try:
            return state_file.decode(self.io.read(folder / state_file.NAME))
        except OSError:
            return None

    def _peer_name(self, peer: str) -> str:
        try:
            name = json.loads(self.io.read(self.devices / peer / "device.json")).get("name") or ""
        except (OSError, ValueError):
            name = ""
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

"""One laptop in the soak test (test_sync_soak.py): a long-lived process that edits its database and
syncs it with the share on command, until it is killed (SIGKILL) — by the test, or by itself at a
chosen step of a sync.

    python soak_worker.py DATABASE

Commands, one JSON object per line on stdin; one JSON reply per line on stdout:

    {"cmd": "edit", "n": 5, "seed": 1}
        n store actions (create_citizen, add_event, a field update through Tx) → {"done": n, "failed": [...]}
    {"cmd": "sync", "share": DIR, "kill_step": 7 | null, "empty_listing": false, "snapshot": "auto"}
        one real sync round → {"sent", "received", "gaps", "warnings"} or {"error": class name, "message"}.
        ``kill_step``: SIGKILL this process just before the share step of that number (no reply then).
        ``empty_listing``: the share's devices/ folder lists as empty (an SMB hiccup).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from pathlib import Path

SOAK_APPLY_BATCH = 40  # small batches, so kills land between the batches of one segment too
SOAK_COMPACT_AT = 4  # compact often, so kills and corruption hit compacted files too


def _share_io(share: Path, kill_step: int | None, empty_listing: bool):
    from aaben_raadgivning.sync.segments import DEVICES_DIR
    from aaben_raadgivning.sync.share_io import ShareIO

    devices = share / DEVICES_DIR

    class FaultyShareIO(ShareIO):
        steps = 0

        def step(self, name: str) -> None:
            self.steps += 1
            if self.steps == kill_step:
                os.kill(os.getpid(), signal.SIGKILL)

        def listdir(self, path: Path) -> list[os.DirEntry]:
            entries = super().listdir(path)
            return [] if empty_listing and path == devices else entries

    return FaultyShareIO(share)


def _edit(db, count: int, rng: random.Random) -> dict:
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.timeline import add_event
    from aaben_raadgivning.store.models import Citizen

    failed: list[str] = []
    for _ in range(count):
        with db.engine.connect() as conn:
            citizens = conn.exec_driver_sql("SELECT id FROM citizens").scalars().all()
            conn.rollback()
        roll = rng.random()
        try:
            if roll < 0.35 or not citizens:
                create_citizen(db, None, name=rng.choice(["Ada Holm", "Bo Berg", "Cai Dal"]), accept_duplicates=True)
            elif roll < 0.7:
                add_event(db, None, rng.choice(citizens), kind="samtale", summary=f"Samtale {rng.randrange(1000)}")
            else:
                with db.transaction() as tx:
                    citizen = tx.session.get(Citizen, rng.choice(citizens))
                    tx.update(citizen, housing_area=rng.choice(["Nord", "Syd", "Øst", "Vest"]),
                              benefit_type=rng.choice(["kontanthjælp", "uddannelseshjælp", None]))  # fmt: skip
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc}")
    return {"done": count, "failed": failed}


def _sync(db, command: dict) -> dict:
    from aaben_raadgivning.sync.engine import SyncError, sync

    share = Path(command["share"])
    io = _share_io(share, command.get("kill_step"), bool(command.get("empty_listing")))
    try:
        report = sync(db, share, io=io, snapshot=command.get("snapshot", "auto"), device_name=command.get("name", ""))
    except SyncError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    return {"sent": report.sent, "received": report.received, "gaps": report.gaps, "warnings": report.warnings}


def main() -> None:
    from aaben_raadgivning.security.key_store import environment_key
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.sync import incoming as sync_incoming
    from aaben_raadgivning.sync import outgoing as sync_outgoing

    sync_incoming.APPLY_BATCH = SOAK_APPLY_BATCH
    sync_outgoing.COMPACT_AT = SOAK_COMPACT_AT
    database = Path(sys.argv[1])
    db = open_database(database, database.parent / "backups", office_key=environment_key())
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "edit":
            reply = _edit(db, int(command["n"]), random.Random(command["seed"]))
        else:
            reply = _sync(db, command)
        print(json.dumps(reply, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

"""A device in the multi-process test: changes and syncs in a loop until it is killed (SIGKILL).

python sync_worker.py DATABASE SHARE SEED
"""

from __future__ import annotations

import random
import sys
from pathlib import Path


def main() -> None:
    database, share, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    from aaben_raadgivning.security.key_store import environment_key
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.models import Citizen, Event
    from aaben_raadgivning.sync import outgoing as sync_outgoing
    from aaben_raadgivning.sync.engine import SyncBusy, sync

    sync_outgoing.COMPACT_AT = 4  # compact often, so kills hit compaction too

    db = open_database(database, database.parent / "backups", office_key=environment_key())
    rng = random.Random(seed)
    while True:
        action = rng.random()
        with db.engine.connect() as conn:
            citizens = conn.exec_driver_sql("SELECT id FROM citizens WHERE deleted_at IS NULL").scalars().all()
            conn.rollback()
        if action < 0.3 or not citizens:
            create_citizen(db, None, name=rng.choice(["Ada", "Bo", "Cai"]), accept_duplicates=True)
        elif action < 0.6:
            with db.transaction() as tx:
                tx.update(
                    tx.session.get(Citizen, rng.choice(citizens)), housing_area=rng.choice(["Nord", "Syd", "Øst"])
                )
        elif action < 0.8:
            with db.transaction() as tx:
                tx.add(Event(citizen_id=rng.choice(citizens), kind="samtale", occurred_at=tx.now, recorded_at=tx.now,
                             summary="Samtale"))  # fmt: skip
        else:
            try:
                sync(db, share)
            except SyncBusy:
                pass


if __name__ == "__main__":
    main()

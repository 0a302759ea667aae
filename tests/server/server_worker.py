"""A laptop in the multi-process server test: changes and syncs through the server in a loop until it is
killed (SIGKILL). Every change it commits is reported (its id, one line each, in REPORT) right after the
commit; a change killed before its line is written is simply not reported.

python server_worker.py DATABASE URL SEED REPORT join|work   (join: its first start, which begins with a round)
"""

from __future__ import annotations

import random
import sys
from pathlib import Path


def main() -> None:
    database, url, seed, report_path = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    joining = sys.argv[5] == "join"
    from aaben_raadgivning.security.key_store import environment_key
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.purge import purge_citizen
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.models import Citizen, Event
    from aaben_raadgivning.store.search_index import unindex_citizen
    from aaben_raadgivning.sync.errors import SyncBusy
    from aaben_raadgivning.sync.server.connection import ServerUnreachable
    from aaben_raadgivning.sync.server.round import sync_server

    db = open_database(database, database.parent / "backups", office_key=environment_key())
    rng = random.Random(seed)
    report = open(report_path, "a", buffering=1)  # (a line reaches the file when written: SIGKILL keeps it)

    def own_after(stamp: str) -> list[tuple[str, str]]:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, hlc FROM change_log WHERE device_id = ? AND hlc > ? ORDER BY hlc", (db.device_id, stamp)
            ).all()
            conn.rollback()
        return [tuple(row) for row in rows]

    seen = max((hlc for _id, hlc in own_after("")), default="")

    def server_round() -> None:
        try:
            sync_server(db, url, device_name=database.parent.name, snapshot=rng.choice(["auto", "never", "always"]))
        except ServerUnreachable:
            print("server unreachable", file=sys.stderr, flush=True)  # (restarting: the changes wait here)
        except SyncBusy:
            pass

    if joining:
        server_round()  # a laptop joins with a round (a new one starts from the server's snapshot)
    while True:
        action = rng.random()
        with db.engine.connect() as conn:
            citizens = conn.exec_driver_sql("SELECT id FROM citizens WHERE deleted_at IS NULL").scalars().all()
            staff = conn.exec_driver_sql("SELECT id FROM staff WHERE role = 'jobkonsulent'").scalars().first()
            conn.rollback()
        if action < 0.25 or not citizens:
            create_citizen(db, None, name=rng.choice(["Ada", "Bo", "Cai"]), accept_duplicates=True)
        elif action < 0.5:
            with db.transaction() as tx:
                tx.update(
                    tx.session.get(Citizen, rng.choice(citizens)), housing_area=rng.choice(["Nord", "Syd", "Øst"])
                )
        elif action < 0.65:
            with db.transaction() as tx:
                tx.add(Event(citizen_id=rng.choice(citizens), kind="samtale", occurred_at=tx.now, recorded_at=tx.now,
                             summary="Samtale"))  # fmt: skip
        elif action < 0.67 and staff is not None:
            purge_citizen(db, staff, rng.choice(citizens), "Borgeren bad om sletning")
        elif action < 0.69:
            with db.transaction() as tx:
                citizen = tx.session.get(Citizen, rng.choice(citizens))
                tx.tombstone(citizen)
                unindex_citizen(tx.session, citizen.id)
        else:
            server_round()
        new = own_after(seen)
        if new:
            report.write("".join(f"{change_id}\n" for change_id, _hlc in new))
            seen = new[-1][1]


if __name__ == "__main__":
    main()

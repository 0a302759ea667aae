"""A save never fails because another connection wrote (issue 12 §2).

Laptop B receives a large segment in a separate process (as the app's background sync or a scheduled
command-line sync would) while a person on B saves new citizens and timeline events. Before writes began
IMMEDIATE, a save that had read first failed at once with «database is locked» (SQLITE_BUSY_SNAPSHOT)
whenever the sync committed meanwhile; now every save waits for the sync's current batch and succeeds.
The worst wait is measured in benchmarks/bench_concurrent_saves.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.models import Event
from aaben_raadgivning.sync.engine import sync
from support.replicas import new_device, template_database

SYNC_IN_CHILD = """
import sys
from pathlib import Path
from aaben_raadgivning.security.key_store import environment_key
from aaben_raadgivning.store.database import open_database
from aaben_raadgivning.sync.engine import sync
db = open_database(Path(sys.argv[1]), Path(sys.argv[1]).parent / "backups", office_key=environment_key())
print("started", flush=True)
report = sync(db, Path(sys.argv[2]), snapshot="never")
print("received", report.received, flush=True)
"""


def _fill(db, changes: int) -> None:
    citizen = create_citizen(db, None, name="Åse Østergaard")
    done = 0
    while done < changes:
        with db.transaction() as tx:
            for _ in range(min(2_000, changes - done)):
                tx.add(Event(citizen_id=citizen.id, kind="samtale", occurred_at=tx.now, recorded_at=tx.now,
                             summary="Opfølgende samtale"))  # fmt: skip
                done += 1


def test_saves_while_a_sync_applies_thousands_of_changes_all_succeed(tmp_path: Path, share_for) -> None:
    template = template_database(tmp_path / "template")
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    share = share_for(a, tmp_path / "share")
    _fill(a, 8_000)
    assert sync(a, share, snapshot="never").sent > 8_000
    b_path = tmp_path / "b" / "db.sqlite3"
    b = new_device(template, b_path)
    staff = create_staff(b, initials="JK", name="Jette Kofoed", role="jobkonsulent", password="hemmelig123")
    citizen = create_citizen(b, staff.id, name="Bo Berg")
    share_for(b, share)
    child = subprocess.Popen([sys.executable, "-c", SYNC_IN_CHILD, str(b_path), str(share)],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    failures: list[str] = []
    saves = 0
    while child.poll() is None or saves < 60:
        try:
            if saves % 2:
                create_citizen(b, staff.id, name=f"Borger {saves}", accept_duplicates=True)
            else:
                add_event(b, staff.id, citizen.id, kind="samtale", summary=f"Samtale {saves}")
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        saves += 1
        time.sleep(0.001)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    assert "received" in out and int(out.split()[-1]) > 8_000
    assert failures == []
    with b.engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
        conn.rollback()
    assert events == 8_000 + (saves + 1) // 2

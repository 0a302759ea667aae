"""Issue 15's erasure proof: after an erasure on laptop A and a sync between two laptops, the erased
citizen's name and CPR number are in no byte of any file of either laptop's data folder (database, its
write-ahead log, backups) nor of the share — neither as stored (encrypted) nor once decrypted: every table
of every database file, backup and snapshot is dumped through a keyed connection, and every segment and
JSON file on the share is opened with the office key. Only the fact of the erasure remains."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest
import share_files

from aaben_raadgivning.store import migrate, sqlite_driver
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.erasure import erase_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.backups import scrub_backups
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.store.models import Event
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.engine import sync
from aaben_raadgivning.sync.office_share import create_share
from support.keys import TEST_OFFICE_KEY, raw_connect
from support.keys import TEST_OFFICE_KEY as KEY
from support.replicas import new_device, template_database

NAME, SURNAME, CPR = "Frida Sletmig", "Sletmig", "0101901237"
NEEDLES = [NAME, SURNAME, CPR, f"{CPR[:6]}-{CPR[6:]}", "Fridas helbred"]


def _dump_database(path: Path, key: bytes | None = None) -> str:
    """Every value of every table (the search index's own tables too), decrypted."""
    connect = (lambda: sqlite_driver.connect(path, key)) if key else (lambda: raw_connect(path))
    with closing(connect()) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = [(table, row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')]
    return repr(rows)


def _decrypted(path: Path, share: Path | None) -> str:
    if path.suffix == ".sqlite3":
        key = KEY.snapshot_key if share is not None else None
        return _dump_database(path, key)
    if share is not None and seg.parse_name(path.name):
        return seg.unseal(path.read_bytes(), KEY).decode("utf-8", "replace")
    if share is not None and path.suffix == ".json" and not path.name.startswith("."):
        return json.dumps(share_files.read_json(share, path), ensure_ascii=False)
    return ""


def _hits(folder: Path, share: Path | None = None) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        found += [f"{path}: {n} (as stored)" for n in NEEDLES if n.encode() in raw or n.lower().encode() in raw]
        text = _decrypted(path, share).casefold()
        found += [f"{path}: {n} (decrypted)" for n in NEEDLES if n.casefold() in text]
    return found


@pytest.fixture
def office(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    sync(a, share, device_name="laptop-a")
    sync(b, share, device_name="laptop-b")
    yield a, b, share, staff
    a.close()
    b.close()


def test_after_an_erasure_and_a_sync_no_file_anywhere_holds_the_person(office, tmp_path):
    a, b, share, staff = office
    citizen = create_citizen(b, staff.id, name=NAME, cpr=CPR, phone="33333333")  # made on B
    with b.transaction() as tx:
        tx.add(Event(citizen_id=citizen.id, kind="samtale", occurred_at=tx.now, recorded_at=tx.now,
                     summary="Talte om Fridas helbred"))  # fmt: skip
    record_lookup(b, staff.id, citizen.id, SURNAME, "Borgere")
    other = create_citizen(a, staff.id, name="Bo Bliver", cpr="0202801236")
    sync(b, share, snapshot="always")  # in B's files and in a snapshot…
    sync(a, share)  # …and on A
    record_lookup(a, staff.id, citizen.id, f"{CPR[:6]}-{CPR[6:]}", "Åben rådgivning")
    with a.transaction() as tx:  # a search that only listed hits, typed with the full name
        tx.audit(staff.id, "search", "citizen", None, None, f"Borgere: søgning «{NAME}» (1 fundet)")
    for db in (a, b):  # backups taken before the erasure (as before a migration)
        migrate.backup_database(db.path, db.path.parent / "backups", "before-0007", db.database_key)
    assert _hits(tmp_path / "a") and _hits(tmp_path / "b") and _hits(share, share)  # the check can fail

    erase_citizen(a, staff.id, citizen.id, confirmation="1237", reason=f"{NAME} bad om sletning")
    scrub_backups(a, a.path.parent / "backups")  # as the app and the command line do after an erasure…
    for db in (a, b, a):
        sync(db, share)
        scrub_backups(db, db.path.parent / "backups")  # …and after every sync round (an erasure received)
    for db in (a, b):
        assert all(result.ok for result in run_checks(db, db.path.parent / "backups"))
        with db.engine.connect() as conn:
            facts = conn.exec_driver_sql("SELECT detail FROM audit_log WHERE action = 'purge'").scalars().all()
            conn.rollback()
        assert len(facts) == 1 and "[slettet] bad om sletning" in facts[0]  # only the fact remains
    a.close()
    b.close()
    assert _hits(tmp_path / "a") == []
    assert _hits(tmp_path / "b") == []
    assert _hits(share, share) == []
    assert "Bo Bliver" in _dump_database(tmp_path / "b" / "db.sqlite3")  # the others are still there
    assert other.id

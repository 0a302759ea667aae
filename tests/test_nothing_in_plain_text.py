"""Issue 14's proof: with demo data on two laptops that synced and wrote a snapshot, no demo citizen's
name or CPR number is readable in any byte of either data folder (database, write-ahead log, backups,
logs) or of the share. The same check on plain databases and a plain share (as before encryption) finds
them, so this test can fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aaben_raadgivning.demo.generator import generate_demo
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.database import Database, open_database
from aaben_raadgivning.sync.engine import sync
from aaben_raadgivning.sync.office_share import create_share
from support.keys import key_for

pytestmark = pytest.mark.slow
CITIZENS = 25


def _people(db: Database) -> list[tuple[str, str | None]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name, cpr FROM citizens").all()
        conn.rollback()
    return [(name, cpr) for name, cpr in rows]


def _needles(people: list[tuple[str, str | None]]) -> list[bytes]:
    needles: list[bytes] = []
    for name, cpr in people:
        needles.append(name.encode("utf-8"))
        needles += [part.encode("utf-8") for part in name.split() if len(part) >= 6]  # a surname alone
        if cpr:
            needles += [cpr.encode(), f"{cpr[:6]}-{cpr[6:]}".encode()]
    return needles


def _hits(folders: list[Path], needles: list[bytes]) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            for needle in needles:
                if needle in data:
                    found.append(f"{path.relative_to(folder.parent)}: {needle.decode(errors='replace')}")
    return found


def _laptop(root: Path, seed: int, *, encrypted: bool) -> Database:
    data = root / f"laptop{seed}"
    data.mkdir(parents=True)
    key = None
    if encrypted:
        from aaben_raadgivning.security.key_store import write_record
        from aaben_raadgivning.security.office_key import OfficeKey

        write_record(data, OfficeKey.demo())
        key = key_for(data)
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups", allow_new=True, office_key=key)
    generate_demo(db, citizens=CITIZENS, days=20, seed=seed)
    return db


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain-as-before"])
def test_no_citizen_is_readable_on_any_disk(tmp_path, encrypted):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, OfficeKey.demo() if encrypted else None)
    a, b = _laptop(tmp_path, 1, encrypted=encrypted), _laptop(tmp_path, 2, encrypted=encrypted)
    try:
        for db in (a, b, a):
            sync(db, share, snapshot="never")
        assert sync(b, share, snapshot="always").snapshot_written
        people = _people(a)
        assert len(people) >= 2 * CITIZENS  # both laptops' citizens, through the share
    finally:
        a.close()
        b.close()
    hits = _hits([tmp_path / "laptop1", tmp_path / "laptop2", share], _needles(people))
    if encrypted:
        assert hits == []
        assert not any(sqlite_driver.is_plain_file(p) for p in tmp_path.rglob("*.sqlite3"))
    else:
        assert len(hits) > len(people)  # the check finds what is readable
        assert any(re.search(r"share/devices/.*seg-", hit) for hit in hits)

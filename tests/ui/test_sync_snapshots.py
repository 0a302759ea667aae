"""How F9 looks with conflicts from two laptops (pytest-textual-snapshot)."""

from __future__ import annotations

import types
from datetime import UTC, date

import pytest

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.ui.app import AabenApp
from support.clock import LOCAL_NOW
from support.keys import TEST_OFFICE_KEY
from support.pilot import login
from support.settings import changed


@pytest.fixture
def pinned_hlc(monkeypatch):
    """Change stamps at the test clock's time (10.15), not the machine's: F9 shows them. Listed before
    ``world`` so the staff made there are stamped the same way."""
    from aaben_raadgivning.changes import hlc

    fixed_ns = int(to_utc(LOCAL_NOW).replace(tzinfo=UTC).timestamp()) * 10**9
    monkeypatch.setattr(hlc, "time", types.SimpleNamespace(time_ns=lambda: fixed_ns))


def test_sync_screen_with_conflicts(pinned_hlc, world, snap_compare, tmp_path):
    """F9 with three conflicts from two laptops: Danish dates, names for references, a hidden password."""
    from aaben_raadgivning.store.actions.staff import reset_password
    from aaben_raadgivning.store.models import Citizen
    from aaben_raadgivning.sync.engine import sync
    from support.keys import open_database

    world.runtime.settings = changed(world.runtime.settings, device_name="skranken")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    other = open_database(tmp_path / "other" / "db.sqlite3", tmp_path / "other" / "backups", now=world.clock)
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen")
    for db, name in ((world.db, "skranken"), (other, "beboerhuset"), (world.db, "skranken")):
        sync(db, share, device_name=name)
    for db, start, who, password in ((world.db, date(2026, 11, 2), world.jk.id, "fraskranken1"),
                                     (other, date(2026, 11, 9), world.jf.id, "frabeboerhuset1")):  # fmt: skip
        with db.transaction() as tx:
            tx.update(tx.session.get(Citizen, citizen.id), project_start=start, jobkonsulent_id=who)
            tx.audit(who, "update", "citizen", citizen.id, citizen.id)
        reset_password(db, initials="JF", password=password, actor_id=world.jk.id)  # (only JK may)
    sync(other, share, device_name="beboerhuset")
    sync(world.db, share, device_name="skranken")
    other.close()

    async def run_before(pilot) -> None:
        await login(pilot)
        await pilot.press("f9")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(100, 30), run_before=run_before)

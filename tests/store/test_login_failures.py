"""Failed log-ins are counted in this laptop's database (never synced), so the wait survives a restart."""

from __future__ import annotations

from sqlalchemy import select

from aaben_raadgivning.runtime import open_runtime
from aaben_raadgivning.store.actions.staff import authenticate, login_failures
from aaben_raadgivning.store.models import ChangeLogEntry


def test_failures_are_counted_kept_across_reopening_and_cleared_by_a_success(world, tmp_path):
    for _ in range(3):
        assert authenticate(world.db, "JK", "forkert") is None
    failures = login_failures(world.db)
    assert failures.count == 3 and failures.last == world.clock()
    assert failures.wait(world.clock()) == 4.0
    world.clock.advance(seconds=3)
    reopened = open_runtime(world.runtime.paths.data_dir, now=world.clock)
    assert login_failures(reopened.db).wait(world.clock()) == 1.0
    reopened.close()
    world.clock.advance(seconds=5)
    assert login_failures(world.db).wait(world.clock()) == 0.0
    with world.db.session() as session:  # local to this laptop: only the audit entries go to the others
        tables = session.scalars(select(ChangeLogEntry.table_name).distinct()).all()
        assert "local_meta" not in tables and "audit_log" in tables
    assert authenticate(world.db, "JK", "hemmelig1") is not None
    assert login_failures(world.db).count == 0

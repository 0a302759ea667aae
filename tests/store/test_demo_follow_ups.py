"""The demo's derived follow-up tasks: written in bulk exactly as the recompute would make them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from aaben_raadgivning.demo.follow_ups import (
    HANDLED_BEFORE_DAYS,
    add_derived_follow_ups,
)
from aaben_raadgivning.demo.generator import generate_demo
from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import ChangeLogEntry, FollowUpTask
from support.keys import open_database

LOCAL_NOW = datetime(2026, 11, 24, 10, 15)


def test_demo_has_derived_tasks_that_a_recompute_leaves_alone(tmp_path):
    db = open_database(tmp_path / "db.sqlite3", tmp_path / "backups", now=lambda: to_utc(LOCAL_NOW))
    summary = generate_demo(db, citizens=200, days=60, events_per_citizen=5, seed=3)
    with db.session() as session:
        derived = session.scalars(select(FollowUpTask).where(FollowUpTask.rule_key.is_not(None))).all()
        total = session.scalar(select(func.count()).select_from(FollowUpTask))
    assert derived and total == summary.follow_ups
    assert all(t.id == derived_id(t.citizen_id, t.rule_key) for t in derived)
    assert "inactivity" in {t.rule for t in derived}
    assert add_derived_follow_ups(db, today=LOCAL_NOW.date()) == 0  # citizens that have tasks are skipped
    # The bulk path made what the recompute makes: recomputing a demo citizen changes nothing.
    citizens = sorted({t.citizen_id for t in derived if t.due_date >= LOCAL_NOW.date()})[:20]
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(ChangeLogEntry))
    with db.transaction() as tx:
        results = [recompute_now(tx, c, calendar=WorkdayCalendar()) for c in citizens]
    with db.session() as session:
        after = session.scalar(select(func.count()).select_from(ChangeLogEntry))
    # Only the tasks the demo leaves out on purpose (due more than HANDLED_BEFORE_DAYS ago) are new; none moved.
    created = [(c, key) for c, r in zip(citizens, results, strict=True) for key in r.created]
    oldest = LOCAL_NOW.date() - timedelta(days=HANDLED_BEFORE_DAYS)
    with db.session() as session:
        assert all(session.get(FollowUpTask, derived_id(c, key)).due_date < oldest for c, key in created)
    assert not any(r.moved or r.removed for r in results)
    assert after - before == len(created)
    db.close()

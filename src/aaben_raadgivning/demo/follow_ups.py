"""Derived follow-up tasks for the demo data, in bulk.

The demo generator writes citizens and events straight into the tables (demo.generator); this adds the tasks
the follow-up engine derives for the citizens in the project, as the recompute would have made them
(``id = derived_id(citizen_id, rule_key)``, same kinds, reasons and assignees), each row with its
change-log insert entry. Tasks that fell due more than :data:`HANDLED_BEFORE_DAYS` days before the demo's
"today" are left out: in a real office they would have been handled long ago, and the queue should show
a believable day rather than months of backlog.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import insert, select

from aaben_raadgivning.domain.follow_up_rules import (
    RULE_SUB_GOAL,
    RULES_DERIVED,
    derive_tasks,
)
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id, new_id
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.facts import gather_many
from aaben_raadgivning.store.models import ChangeLogEntry, Citizen, FollowUpTask
from aaben_raadgivning.store.rows import dumps, to_plain

HANDLED_BEFORE_DAYS = 14
CHUNK = 500
COLUMNS = [column.name for column in FollowUpTask.__table__.columns]


def add_derived_follow_ups(db: Database, *, today: date, calendar: WorkdayCalendar | None = None) -> int:
    """Write the derived tasks of every citizen in the project that has none yet; returns how many."""
    calendar = calendar or WorkdayCalendar()
    rules = load_rules()
    oldest = today - timedelta(days=HANDLED_BEFORE_DAYS)
    written = 0
    with db.session() as session:
        ids = session.scalars(
            select(Citizen.id)
            .where(Citizen.project_start.is_not(None), Citizen.deleted_at.is_(None))
            .order_by(Citizen.id)
        ).all()
    for start in range(0, len(ids), CHUNK):
        with db.transaction() as tx:
            session = tx.session
            chunk = ids[start : start + CHUNK]
            have = set(
                session.scalars(
                    select(FollowUpTask.citizen_id).where(
                        FollowUpTask.citizen_id.in_(chunk),
                        FollowUpTask.rule.in_(RULES_DERIVED),
                    )
                )
            )
            citizens = [c for c in session.scalars(select(Citizen).where(Citizen.id.in_(chunk))) if c.id not in have]
            rows, log = [], []
            for citizen, facts in zip(citizens, gather_many(session, citizens, today), strict=True):
                assignee = citizen.jobformidler_id or citizen.jobkonsulent_id
                for task in derive_tasks(facts, rules, calendar):
                    if task.due < oldest:
                        continue
                    key = task.store_key
                    row = {
                        "id": derived_id(citizen.id, key), "citizen_id": citizen.id, "kind": task.kind, "rule": task.rule,
                        "rule_key": key, "reason": task.reason, "due_date": task.due, "assignee_id": assignee,
                        "status": "open", "subject_id": task.key.split(":", 1)[1] if task.rule == RULE_SUB_GOAL else None,
                        "created_at": tx.now, "note": "",
                    }  # fmt: skip
                    row = {name: row.get(name) for name in COLUMNS}  # whole row, as Tx.add logs it
                    rows.append(row)
                    plain = {name: to_plain(value) for name, value in row.items()}
                    log.append({"id": new_id(), "hlc": db.clock.now(), "device_id": db.device_id,
                                "table_name": "follow_up_tasks", "row_id": row["id"], "op": "insert", "field": None,
                                "value": dumps(plain)})  # fmt: skip
            if rows:
                session.execute(insert(FollowUpTask), rows)
                session.execute(insert(ChangeLogEntry), log)
            written += len(rows)
    return written


def with_derived_follow_ups(db: Database, summary, *, today: date, calendar: WorkdayCalendar | None = None):
    """The demo generator's hook: add the derived tasks and count them in the summary's follow-ups. The
    tasks are those of ``today``, so today counts as swept (store.actions.follow_up_sweep): the first start
    does not recompute every citizen and bring back the old tasks left out above."""
    from aaben_raadgivning.store.actions.follow_up_sweep import mark_swept

    mark_swept(db, today)
    return replace(summary, follow_ups=summary.follow_ups + add_derived_follow_ups(db, today=today, calendar=calendar))

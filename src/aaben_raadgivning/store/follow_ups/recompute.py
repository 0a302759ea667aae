"""Keep one citizen's derived follow-up tasks in step with the facts, inside the caller's transaction.

Idempotent by ``(citizen_id, rule_key)``: recomputing twice writes nothing the second time.

- A derived task the engine wants and the store lacks is created with ``id = derived_id(citizen_id,
  rule_key)``, so two laptops recomputing offline create the *same* row and the sync merges it.
- ``rule_key`` is the engine's key plus, for recurring rules, ``@<anchor date>`` (``monthly_contact@2026-10-12``,
  ``inactivity@…``, ``sub_goal:<id>@…``): a new contact or assessment starts a new occurrence, so a completed
  task stays done while the next one appears as a new row.
- An open task whose due date the engine moved is moved — unless a person rescheduled it (its ``note``
  starts with :data:`RESCHEDULED_PREFIX`, written by the reschedule action): their date is kept.
- An open task whose key the engine no longer wants is tombstoned (its need was met, e.g. by a contact).
- Done tasks are never touched; manual tasks (``rule = "manuel"``), tasks of other rules (e.g.
  ``agreement_plan``, made by the agreement actions) and legacy rows are never touched — except that an
  open legacy delmål task (``rule = "delmaal_vurdering"``, no key) is adopted as the ``sub_goal`` task.
- Assignee of a new task: the citizen's jobformidler, else jobkonsulent, else the person whose action
  triggered the recompute, else nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.follow_up_rules import (
    RULE_SUB_GOAL,
    RULES_DERIVED,
    DerivedTask,
    derive_tasks,
)
from aaben_raadgivning.domain.rules import Rules, load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.follow_ups.facts import gather_facts
from aaben_raadgivning.store.models import Citizen, FollowUpTask
from aaben_raadgivning.store.transaction import Tx

RESCHEDULED_PREFIX = "Flyttet "  # the reschedule action's note: "Flyttet fra 01.12.2026 til 03.12.2026: …"
LEGACY_SUB_GOAL_RULE = "delmaal_vurdering"  # the delmål action's rule before the engine took over


@dataclass
class RecomputeResult:
    created: list[str] = field(default_factory=list)  # rule keys
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # reason, kind or assignee of an open task changed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.moved or self.removed or self.updated)


def is_rescheduled(task: FollowUpTask) -> bool:
    return (task.note or "").startswith(RESCHEDULED_PREFIX)


def _default_assignee(citizen: Citizen, actor_id: str | None) -> str | None:
    return citizen.jobformidler_id or citizen.jobkonsulent_id or actor_id


def recompute_follow_ups(
    tx: Tx,
    citizen_id: str,
    *,
    rules: Rules,
    calendar: WorkdayCalendar,
    today: date,
    actor_id: str | None = None,
    previous_assignee: str | None = None,
    jobformidler_changed: bool = False,
    lab31: bool = True,
) -> RecomputeResult:
    """Create, move and remove the citizen's derived tasks. ``jobformidler_changed``: open derived tasks
    assigned to ``previous_assignee`` (the old jobformidler; None = there was none, so all of them) or to
    nobody move to the new jobformidler. Otherwise only unassigned open derived tasks get the default."""
    result = RecomputeResult()
    session = tx.session
    citizen = session.get(Citizen, citizen_id)
    rows = session.scalars(
        select(FollowUpTask).where(
            FollowUpTask.citizen_id == citizen_id,
            FollowUpTask.rule.in_((*RULES_DERIVED, LEGACY_SUB_GOAL_RULE)),
        )
    ).all()
    by_key = {row.rule_key: row for row in rows if row.rule_key and row.rule in RULES_DERIVED}
    legacy = {
        row.subject_id: row
        for row in rows
        if row.rule == LEGACY_SUB_GOAL_RULE
        and row.status == FollowUpStatus.OPEN
        and row.deleted_at is None
        and row.subject_id
    }
    derived: tuple[DerivedTask, ...] = ()
    if citizen is not None and citizen.deleted_at is None:
        derived = derive_tasks(gather_facts(session, citizen, today), rules, calendar, lab31=lab31)
    wanted: set[str] = set()
    assignee = _default_assignee(citizen, actor_id) if citizen is not None else None
    for task in derived:
        key = task.store_key
        wanted.add(key)
        subject = task.key.split(":", 1)[1] if task.rule == RULE_SUB_GOAL else None
        row = by_key.get(key)
        if row is None and subject is not None and subject in legacy:
            row = legacy.pop(subject)
            tx.update(row, rule=task.rule, rule_key=key)
        if row is None:
            tx.add(
                FollowUpTask(
                    id=derived_id(citizen_id, key),
                    citizen_id=citizen_id,
                    kind=task.kind,
                    rule=task.rule,
                    rule_key=key,
                    reason=task.reason,
                    due_date=task.due,
                    assignee_id=assignee,
                    status=FollowUpStatus.OPEN,
                    subject_id=subject,
                    created_by=actor_id,
                    created_at=tx.now,
                )
            )
            result.created.append(key)
            continue
        if row.status != FollowUpStatus.OPEN:
            continue  # done stays done
        changes: dict[str, object] = {"kind": task.kind, "reason": task.reason}
        if row.deleted_at is not None:
            changes["deleted_at"] = None  # needed again (e.g. the event that met it was corrected away)
            result.created.append(key)
        if not is_rescheduled(row) and row.due_date != task.due:
            changes["due_date"] = task.due
            result.moved.append(key)
        handed_over = jobformidler_changed and (previous_assignee is None or row.assignee_id == previous_assignee)
        if assignee and (row.assignee_id is None or handed_over):
            changes["assignee_id"] = assignee
        if tx.update(row, **changes) and key not in result.created and key not in result.moved:
            result.updated.append(key)
    for row in rows:
        if (
            row.status == FollowUpStatus.OPEN
            and row.deleted_at is None
            and row.rule in RULES_DERIVED
            and row.rule_key not in wanted
        ):
            tx.tombstone(row)
            result.removed.append(row.rule_key or row.id)
    return result


def recompute_now(
    tx: Tx,
    citizen_id: str,
    *,
    actor_id: str | None = None,
    previous_assignee: str | None = None,
    jobformidler_changed: bool = False,
    calendar: WorkdayCalendar | None = None,
) -> RecomputeResult:
    """Recompute with the shipped rules and today's Danish date from the transaction's clock. This is what
    every action that changes a citizen's follow-up facts calls, e.g. the agreement actions after saving
    (an active agreement's start date is the company course start of the monthly-contact rule)."""
    return recompute_follow_ups(
        tx,
        citizen_id,
        rules=load_rules(),
        calendar=calendar or tx.calendar or WorkdayCalendar(),
        today=local_date(tx.now),
        actor_id=actor_id,
        previous_assignee=previous_assignee,
        jobformidler_changed=jobformidler_changed,
    )

"""Delmål (sub-goals of the citizen's plan) and their regular progression assessments.

An assessment is a timeline event (kind ``delmaal``, ``subject_id`` = the delmål, score in ``data``);
each active delmål has exactly one open "assess progression" follow-up task, due every N weeks (data:
rules.delmaal_review_weeks). Saving an assessment moves that task rather than adding another.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.actions.citizen_record import (
    add_timeline_event,
    load_citizen,
)
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import FollowUpTask, SubGoal
from aaben_raadgivning.store.transaction import Tx

SCORES = {1: "Ingen fremgang", 2: "Lidt fremgang", 3: "Nogen fremgang", 4: "God fremgang", 5: "Nået"}
STATUSES = {"aktiv": "Aktiv", "naaet": "Nået", "opgivet": "Opgivet"}
RULE = "delmaal_vurdering"


def review_due(today: date, calendar: WorkdayCalendar) -> date:
    return calendar.next_working_day(today + timedelta(weeks=load_rules().delmaal_review_weeks))


def _open_review(tx: Tx, sub_goal_id: str) -> FollowUpTask | None:
    return tx.session.scalars(
        select(FollowUpTask).where(
            FollowUpTask.rule == RULE, FollowUpTask.subject_id == sub_goal_id, FollowUpTask.status == "open"
        )
    ).first()


def _schedule_review(tx: Tx, actor_id: str, goal: SubGoal, assignee_id: str, calendar: WorkdayCalendar) -> FollowUpTask:
    due = review_due(to_local(tx.now).date(), calendar)
    task = _open_review(tx, goal.id)
    if task is not None:
        tx.update(task, due_date=due)
        return task
    return tx.add(
        FollowUpTask(
            citizen_id=goal.citizen_id,
            kind="manuel",
            rule=RULE,
            reason=f"Vurdér progression i delmål «{goal.text}»",
            subject_id=goal.id,
            due_date=due,
            assignee_id=assignee_id,
            status="open",
            created_by=actor_id,
            created_at=tx.now,
        )
    )


def add_sub_goal(db: Database, actor_id: str, citizen_id: str, text: str, *, calendar: WorkdayCalendar) -> SubGoal:
    text = text.strip()
    if not text:
        raise ValidationError.single("text", "Skriv delmålet.")
    if len(text) > 500:
        raise ValidationError.single("text", "Delmålet er for langt (højst 500 tegn).")
    with db.transaction() as tx:
        citizen = load_citizen(tx, citizen_id)
        goal = tx.add(SubGoal(citizen_id=citizen.id, text=text, status="aktiv", created_at=tx.now, created_by=actor_id))
        task = _schedule_review(tx, actor_id, goal, citizen.jobformidler_id or actor_id, calendar)
        add_timeline_event(
            tx, actor_id, citizen.id, "delmaal", f"Nyt delmål: {text}",
            f"Første vurdering {format_date(task.due_date)}", subject_id=goal.id,
        )  # fmt: skip
        tx.audit(actor_id, "create", "sub_goal", goal.id, citizen.id, "Delmål oprettet")
    return goal


def assess_sub_goal(
    db: Database, actor_id: str, sub_goal_id: str, *, score: int, note: str, calendar: WorkdayCalendar, status: str = "aktiv"
) -> SubGoal:
    """Record a progression assessment (score 1–5 with a note); a reached or abandoned delmål gets no
    further assessments, an active one gets its next one in N weeks."""
    errors: dict[str, str] = {}
    if score not in SCORES:
        errors["score"] = "Vælg en vurdering fra 1 til 5."
    if status not in STATUSES:
        errors["status"] = "Ukendt status for delmålet."
    if not note.strip():
        errors["note"] = "Skriv en kort begrundelse for vurderingen."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        goal = tx.session.get(SubGoal, sub_goal_id)
        if goal is None or goal.deleted_at is not None:
            raise NotFoundError("Delmålet findes ikke.")
        citizen = load_citizen(tx, goal.citizen_id)
        if goal.status != "aktiv":
            raise ValidationError.single("status", f"Delmålet er {STATUSES[goal.status].lower()} og vurderes ikke mere.")
        tx.update(goal, status=status)
        add_timeline_event(
            tx, actor_id, citizen.id, "delmaal", f"Delmål vurderet: {score} – {SCORES[score]} («{goal.text}»)",
            note.strip(), subject_id=goal.id, data={"score": score, "status": status},
        )  # fmt: skip
        if status == "aktiv":
            _schedule_review(tx, actor_id, goal, citizen.jobformidler_id or actor_id, calendar)
        else:
            task = _open_review(tx, goal.id)
            if task is not None:
                tx.update(task, status="done", completed_at=tx.now)
        tx.audit(actor_id, "update", "sub_goal", goal.id, citizen.id, f"Delmål vurderet: {score}")
    return goal


def sub_goals_of(db: Database, citizen_id: str) -> list[SubGoal]:
    with db.session() as session:
        return list(
            session.scalars(
                select(SubGoal)
                .where(SubGoal.citizen_id == citizen_id, SubGoal.deleted_at.is_(None))
                .order_by(SubGoal.created_at)
            )
        )

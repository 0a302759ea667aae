"""Delmål (sub-goals of the citizen's plan) and their regular progression assessments.

An assessment is a timeline event (kind ``delmaal``, ``subject_id`` = the delmål, score in ``data``);
each active delmål has one open "assess progression" follow-up task, due N weeks after the last assessment
(data: rules.delmaal_review_weeks). The task is the follow-up engine's ``sub_goal:<id>`` rule
(store.follow_ups.recompute): saving an assessment completes the open task and the recompute derives the next.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import EventKind, FollowUpStatus, SubGoalStatus
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.follow_up_rules import RULE_SUB_GOAL
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, SHORT_TEXT_LENGTH, clean_text, too_long
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import (
    LEGACY_SUB_GOAL_RULE,
    recompute_now,
)
from aaben_raadgivning.store.models import FollowUpTask, SubGoal
from aaben_raadgivning.store.records import add_timeline_event, authorize, load_citizen
from aaben_raadgivning.store.transaction import Tx

SCORES = {1: "Ingen fremgang", 2: "Lidt fremgang", 3: "Nogen fremgang", 4: "God fremgang", 5: "Nået"}
STATUSES: dict[str, str] = {SubGoalStatus.AKTIV: "Aktiv", SubGoalStatus.NAAET: "Nået", SubGoalStatus.OPGIVET: "Opgivet"}
RULE = RULE_SUB_GOAL  # the review tasks are the follow-up engine's sub_goal:<id> tasks


def review_due(today: date, calendar: WorkdayCalendar) -> date:
    return calendar.next_working_day(today + timedelta(weeks=load_rules().delmaal_review_weeks))


def _open_review(tx: Tx, goal: SubGoal) -> FollowUpTask | None:
    """The open "assess progression" task of a delmål (the engine's ``sub_goal:<id>`` rule)."""
    return tx.session.scalars(
        select(FollowUpTask).where(
            FollowUpTask.citizen_id == goal.citizen_id,
            FollowUpTask.subject_id == goal.id,
            FollowUpTask.rule.in_((RULE_SUB_GOAL, LEGACY_SUB_GOAL_RULE)),
            FollowUpTask.status == FollowUpStatus.OPEN,
            FollowUpTask.deleted_at.is_(None),
        )
    ).first()


def add_sub_goal(
    db: Database,
    actor_id: str,
    citizen_id: str,
    text: str,
    *,
    calendar: WorkdayCalendar,
    agreement_id: str | None = None,
) -> SubGoal:
    """A new delmål (its assessment task comes from the follow-up recompute); ``agreement_id`` when it belongs
    to a company course."""
    text = clean_text(text, "text", multiline=True)
    if not text:
        raise ValidationError.single("text", "Skriv delmålet.")
    if problem := too_long(text, SHORT_TEXT_LENGTH, "Delmålet er for langt (højst {limit} tegn)."):
        raise ValidationError.single("text", problem)
    with db.transaction() as tx:
        authorize(tx, actor_id, "sub_goals")
        citizen = load_citizen(tx, citizen_id)
        goal = tx.add(
            SubGoal(
                citizen_id=citizen.id, text=text, status=SubGoalStatus.AKTIV, created_at=tx.now, created_by=actor_id,
                agreement_id=agreement_id,
            )
        )  # fmt: skip
        first = review_due(local_date(tx.now), calendar)
        add_timeline_event(
            tx, actor_id, citizen.id, EventKind.DELMAAL, f"Nyt delmål: {text}",
            f"Første vurdering {format_date(first)}", subject_id=goal.id,
        )  # fmt: skip
        recompute_now(tx, citizen.id, actor_id=actor_id, calendar=calendar)
        tx.audit(actor_id, "create", "sub_goal", goal.id, citizen.id, "Delmål oprettet")
    return goal


def assess_sub_goal(
    db: Database,
    actor_id: str,
    sub_goal_id: str,
    *,
    score: int,
    note: str,
    calendar: WorkdayCalendar,
    status: str = SubGoalStatus.AKTIV,
) -> SubGoal:
    """Record a progression assessment (score 1–5 with a note); a reached or abandoned delmål gets no
    further assessments, an active one gets its next one in N weeks."""
    errors: dict[str, str] = {}
    if score not in SCORES:
        errors["score"] = "Vælg en vurdering fra 1 til 5."
    if status not in STATUSES:
        errors["status"] = "Ukendt status for delmålet."
    note = clean_text(note, "note", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    if not note:
        errors["note"] = "Skriv en kort begrundelse for vurderingen."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "sub_goals")
        goal = tx.session.get(SubGoal, sub_goal_id)
        if goal is None or goal.deleted_at is not None:
            raise NotFoundError("Delmålet findes ikke.")
        citizen = load_citizen(tx, goal.citizen_id)
        if goal.status != SubGoalStatus.AKTIV:
            raise ValidationError.single(
                "status", f"Delmålet er {STATUSES[goal.status].lower()} og vurderes ikke mere."
            )
        tx.update(goal, status=status)
        event = add_timeline_event(
            tx, actor_id, citizen.id, EventKind.DELMAAL, f"Delmål vurderet: {score} – {SCORES[score]} («{goal.text}»)",
            note.strip(), subject_id=goal.id, data={"score": score, "status": status},
        )  # fmt: skip
        task = _open_review(tx, goal)
        if task is not None:  # the assessment completes the review; the next one is derived from it
            tx.update(
                task,
                status=FollowUpStatus.DONE,
                completed_at=tx.now,
                completed_by=actor_id,
                completed_event_id=event.id,
            )
        recompute_now(tx, citizen.id, actor_id=actor_id, calendar=calendar)
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

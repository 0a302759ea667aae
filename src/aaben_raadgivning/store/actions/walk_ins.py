"""User actions at the open-counsel counter (åben rådgivning): arrive, start, finish, link, cancel.

A walk-in row records the arrival and never changes; its progress is a list of transitions. A
finished walk-in of a known citizen becomes an "åben rådgivning" event on the citizen's timeline —
for an anonymous walk-in that happens when it is linked to a citizen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from aaben_raadgivning.domain.codes import EventKind, WalkInTransitionKind
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.domain.walk_ins import (
    CANCELLED,
    FINISHED,
    WAITING,
    linked_citizen,
    status_of,
)
from aaben_raadgivning.store.actions.follow_ups import FollowUpRequest, add_follow_up
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import (
    Citizen,
    Event,
    FollowUpTask,
    WalkIn,
    WalkInTransition,
)
from aaben_raadgivning.store.records import add_timeline_event, authorize
from aaben_raadgivning.store.transaction import Tx


def _check_reason(reason: str) -> None:
    if not load_reference().walk_in_reasons.has_active(reason):
        raise ValidationError.single("reason", "Vælg en årsag til henvendelsen.")


def _check_note(note: str, field: str = "note") -> str:
    return clean_text(note, field, max_length=LONG_TEXT_LENGTH, multiline=True)


def _citizen(tx: Tx, citizen_id: str) -> Citizen:
    citizen = tx.session.get(Citizen, citizen_id)
    if citizen is None or citizen.deleted_at is not None:
        raise NotFoundError("Borgeren findes ikke (længere).")
    return citizen


def _walk_in_state(tx: Tx, walk_in_id: str) -> tuple[WalkIn, list[WalkInTransition]]:
    walk_in = tx.session.get(WalkIn, walk_in_id)
    if walk_in is None:
        raise NotFoundError("Henvendelsen findes ikke.")
    transitions = list(
        tx.session.scalars(
            select(WalkInTransition).where(WalkInTransition.walk_in_id == walk_in_id).order_by(WalkInTransition.at)
        )
    )
    return walk_in, transitions


def register_walk_in(
    db: Database,
    actor_id: str,
    *,
    reason: str,
    citizen_id: str | None = None,
    note: str = "",
    office_id: str | None = None,
    arrived_at: datetime | None = None,
    search_criterion: str = "",
) -> WalkIn:
    """Register an arrival: a known citizen, or anonymous (``citizen_id=None``, with a free-text note).
    ``search_criterion`` is what was typed to find the citizen; it goes into the audit entry."""
    _check_reason(reason)
    note = _check_note(note)
    if citizen_id is None and not note:
        raise ValidationError.single("note", "Skriv en kort beskrivelse af den anonyme henvendelse.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "register_walk_in")
        if citizen_id is not None:
            _citizen(tx, citizen_id)
        walk_in = tx.add(
            WalkIn(
                office_id=office_id,
                citizen_id=citizen_id,
                reason=reason,
                note=note,
                arrived_at=arrived_at or tx.now,
                registered_by=actor_id,
            )
        )
        detail = f"Ankomst registreret: {reason}"
        if search_criterion:
            detail += f" (fundet ved søgning «{search_criterion}»)"
        tx.audit(actor_id, "create", "walk_in", walk_in.id, citizen_id, detail)
    return walk_in


def start_walk_in(db: Database, actor_id: str, walk_in_id: str) -> WalkInTransition:
    with db.transaction() as tx:
        authorize(tx, actor_id, "handle_walk_in")
        walk_in, transitions = _walk_in_state(tx, walk_in_id)
        if status_of(t.kind for t in transitions) != WAITING:
            raise ValidationError.single("status", "Borgeren venter ikke længere.")
        transition = tx.add(
            WalkInTransition(walk_in_id=walk_in_id, kind=WalkInTransitionKind.START, at=tx.now, staff_id=actor_id)
        )
        tx.audit(
            actor_id,
            "update",
            "walk_in",
            walk_in_id,
            linked_citizen(walk_in.citizen_id, transitions),
            "Henvendelse startet",
        )
    return transition


def cancel_walk_in(db: Database, actor_id: str, walk_in_id: str, note: str = "") -> WalkInTransition:
    """The person left before being helped."""
    note = _check_note(note)
    with db.transaction() as tx:
        authorize(tx, actor_id, "handle_walk_in")
        walk_in, transitions = _walk_in_state(tx, walk_in_id)
        if status_of(t.kind for t in transitions) in {FINISHED, CANCELLED}:
            raise ValidationError.single("status", "Henvendelsen er allerede afsluttet.")
        transition = tx.add(
            WalkInTransition(
                walk_in_id=walk_in_id, kind=WalkInTransitionKind.CANCEL, at=tx.now, staff_id=actor_id, note=note
            )
        )
        tx.audit(
            actor_id, "update", "walk_in", walk_in_id, linked_citizen(walk_in.citizen_id, transitions), "Gik uden hjælp"
        )
    return transition


def _timeline_event(tx: Tx, walk_in: WalkIn, citizen_id: str, outcome: str, staff_id: str | None) -> Event:
    label = load_reference().walk_in_reasons.label(walk_in.reason)
    first_line = outcome.splitlines()[0] if outcome else ""
    summary = f"{label}: {first_line}" if first_line else label
    details = "\n\n".join(part for part in (walk_in.note, outcome) if part)
    return add_timeline_event(
        tx, staff_id, citizen_id, EventKind.AABEN_RAADGIVNING, summary, details,
        occurred_at=walk_in.arrived_at, walk_in_id=walk_in.id,
    )  # fmt: skip


def finish_walk_in(
    db: Database,
    actor_id: str,
    walk_in_id: str,
    *,
    outcome: str,
    follow_up: FollowUpRequest | None = None,
) -> tuple[WalkInTransition, FollowUpTask | None]:
    """Finish with an outcome note; records the timeline event and, optionally, a follow-up task."""
    outcome = _check_note(outcome, "outcome")
    if not outcome:
        raise ValidationError.single("outcome", "Skriv kort, hvad henvendelsen endte med.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "handle_walk_in")
        walk_in, transitions = _walk_in_state(tx, walk_in_id)
        status = status_of(t.kind for t in transitions)
        if status in {FINISHED, CANCELLED}:
            raise ValidationError.single("status", "Henvendelsen er allerede afsluttet.")
        if status == WAITING:  # finishing straight away counts as being helped now
            tx.add(
                WalkInTransition(walk_in_id=walk_in_id, kind=WalkInTransitionKind.START, at=tx.now, staff_id=actor_id)
            )
        transition = tx.add(
            WalkInTransition(
                walk_in_id=walk_in_id, kind=WalkInTransitionKind.FINISH, at=tx.now, staff_id=actor_id, note=outcome
            )
        )
        citizen_id = linked_citizen(walk_in.citizen_id, transitions)
        if citizen_id is not None:
            _timeline_event(tx, walk_in, citizen_id, outcome, actor_id)
            recompute_now(tx, citizen_id, actor_id=actor_id)
        task = None
        if follow_up is not None:
            task = add_follow_up(tx, actor_id, follow_up, citizen_id=citizen_id, walk_in_id=walk_in_id)
        detail = "Henvendelse afsluttet" + (" med opfølgning" if task else "")
        tx.audit(actor_id, "update", "walk_in", walk_in_id, citizen_id, detail)
    return transition, task


def link_walk_in(db: Database, actor_id: str, walk_in_id: str, citizen_id: str) -> WalkInTransition:
    """Tie an anonymous walk-in to a citizen; a finished one then lands on the citizen's timeline."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "handle_walk_in")
        walk_in, transitions = _walk_in_state(tx, walk_in_id)
        if linked_citizen(walk_in.citizen_id, transitions) is not None:
            raise ValidationError.single("citizen", "Henvendelsen er allerede knyttet til en borger.")
        _citizen(tx, citizen_id)
        transition = tx.add(
            WalkInTransition(
                walk_in_id=walk_in_id,
                kind=WalkInTransitionKind.LINK,
                at=tx.now,
                staff_id=actor_id,
                citizen_id=citizen_id,
            )
        )
        finish = next((t for t in transitions if t.kind == WalkInTransitionKind.FINISH), None)
        if finish is not None:
            _timeline_event(tx, walk_in, citizen_id, finish.note, finish.staff_id)
            recompute_now(tx, citizen_id, actor_id=actor_id)
        tasks = tx.session.scalars(
            select(FollowUpTask).where(FollowUpTask.walk_in_id == walk_in_id, FollowUpTask.citizen_id.is_(None))
        )
        for task in tasks:
            tx.update(task, citizen_id=citizen_id)
        tx.audit(actor_id, "update", "walk_in", walk_in_id, citizen_id, "Anonym henvendelse knyttet til borger")
    return transition

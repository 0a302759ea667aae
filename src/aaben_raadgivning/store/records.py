"""Helpers every action on a citizen's record uses: load the citizen and the acting staff member, check the
authority, the record's step model (trin: a step of the office's step model), append a timeline event.

They sit below ``actions/`` and ``follow_ups/`` and import neither, so an action may recompute follow-ups
and the follow-up engine may read a record's step model without an import cycle.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.codes import EventKind
from aaben_raadgivning.domain.errors import NotFoundError
from aaben_raadgivning.domain.step_models import DEFAULT_STEP_MODEL, StepModel, load_step_model
from aaben_raadgivning.security import roles
from aaben_raadgivning.store.models import Citizen, Event, Staff
from aaben_raadgivning.store.transaction import Tx


def load_citizen(tx: Tx, citizen_id: str) -> Citizen:
    citizen = tx.session.get(Citizen, citizen_id)
    if citizen is None or citizen.deleted_at is not None:
        raise NotFoundError("Borgeren findes ikke (længere).")
    return citizen


def load_actor(tx: Tx, actor_id: str) -> Staff:
    actor = tx.session.get(Staff, actor_id)
    if actor is None:
        raise NotFoundError("Medarbejderen findes ikke.")
    return actor


def require_authority(actor: Staff, what: str) -> None:
    roles.require_authority(actor.role, what)


def citizen_model(citizen: Citizen) -> StepModel:
    """The step model the record was made under (never the office's current default)."""
    return load_step_model(citizen.step_model or DEFAULT_STEP_MODEL, citizen.step_model_version)


def add_timeline_event(
    tx: Tx,
    actor_id: str | None,
    citizen_id: str,
    kind: str,
    summary: str,
    details: str = "",
    *,
    data: dict | None = None,
    subject_id: str | None = None,
    occurred_at=None,
    corrects_id: str | None = None,
    walk_in_id: str | None = None,
) -> Event:
    """Append one event to a citizen's timeline inside an action's transaction."""
    return tx.add(
        Event(
            citizen_id=citizen_id,
            kind=kind,
            occurred_at=occurred_at or tx.now,
            recorded_at=tx.now,
            staff_id=actor_id,
            summary=summary[:300],
            details=details,
            corrects_id=corrects_id,
            subject_id=subject_id,
            walk_in_id=walk_in_id,
            data=json.dumps(data, ensure_ascii=False) if data is not None else None,
        )
    )


def jobformidler_changes(tx_or_session: Tx | Session, citizen_id: str) -> int:
    """How many times the citizen's jobformidler has been changed (each change is a «jobformidler» event)."""
    session = tx_or_session.session if isinstance(tx_or_session, Tx) else tx_or_session
    return (
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.citizen_id == citizen_id,
                Event.kind == EventKind.JOBFORMIDLER,
                Event.data.like('%"change": true%'),
            )
        )
        or 0
    )

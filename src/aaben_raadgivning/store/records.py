"""Helpers every action on a citizen's record uses: load the citizen and the acting staff member, check the
role's permission (``authorize``, the permission matrix in assets/permissions.toml), the record's step model (trin: a step of the office's step model), append a timeline event.

They sit below ``actions/`` and ``follow_ups/`` and import neither, so an action may recompute follow-ups
and the follow-up engine may read a record's step model without an import cycle.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import EventKind
from aaben_raadgivning.domain.consent import split_categories
from aaben_raadgivning.domain.errors import NotFoundError
from aaben_raadgivning.domain.step_models import DEFAULT_STEP_MODEL, StepModel, load_step_model
from aaben_raadgivning.security.permissions import PermissionDenied, load_permissions
from aaben_raadgivning.store.models import Citizen, Consent, Event, Staff
from aaben_raadgivning.store.transaction import Tx


def load_citizen(tx: Tx, citizen_id: str) -> Citizen:
    citizen = tx.session.get(Citizen, citizen_id)
    if citizen is None or citizen.deleted_at is not None:
        raise NotFoundError("Borgeren findes ikke (længere).")
    return citizen


def load_actor(tx: Tx, actor_id: str | None) -> Staff:
    """The acting staff member; an unknown, deleted or deactivated account may neither read nor write."""
    actor = tx.session.get(Staff, actor_id) if actor_id else None
    if actor is None or actor.deleted_at is not None or not actor.active:
        raise PermissionDenied("Medarbejderen findes ikke eller er deaktiveret.")
    return actor


def authorize(tx: Tx, actor_id: str | None, action: str) -> Staff | None:
    """The first step of every user action: load the acting staff member in the action's own transaction
    and raise ``PermissionDenied`` (Danish, nothing written) unless their role may do ``action``
    (assets/permissions.toml). An unknown, deleted or deactivated account may do nothing.

    ``actor_id`` None is not a person but the machine: the command line (run by whoever holds the office key,
    and audited with the OS user where it matters), the nightly sweep, the sync, an import. The app itself
    always acts as the person logged in, so every screen is held to that person's role."""
    if actor_id is None:
        return None
    actor = load_actor(tx, actor_id)
    load_permissions().require(actor.role, action)
    return actor


def _consented(tx: Tx, citizen_id: str) -> frozenset[str]:
    """The categories the citizen's valid consents name today (as queries.consent.consented_categories;
    records sits below queries, so it asks itself)."""
    on = local_date(tx.now)
    rows = tx.session.scalars(
        select(Consent.categories).where(
            Consent.citizen_id == citizen_id, Consent.deleted_at.is_(None), Consent.withdrawn_at.is_(None),
            Consent.given_on <= on, Consent.valid_until >= on,
        )
    )  # fmt: skip
    return frozenset(code for categories in rows for code in split_categories(categories))


def authorize_read(tx: Tx, actor_id: str, scope: str, citizen_id: str | None = None) -> Staff:
    """An audited read of one kind of personal data (a read scope of assets/permissions.toml): raise
    ``PermissionDenied`` unless the reader's role has ``scope`` — for a role that reads it only with
    consent, while the citizen's valid samtykke names its category."""
    actor = load_actor(tx, actor_id)
    permissions = load_permissions()
    consented: frozenset[str] = frozenset()
    if citizen_id is not None and permissions.needs_consent(actor.role):
        consented = _consented(tx, citizen_id)
    permissions.require_read(actor.role, scope, consented)
    return actor


def authorize_if_person(tx: Tx, actor_id: str | None, action: str) -> Staff | None:
    """The same as ``authorize`` (kept for the actions that say so explicitly)."""
    return authorize(tx, actor_id, action)


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

"""A citizen's exit outcome (udfald) as it counts now: the newest by outcome date (then recorded time, id) that
no other outcome corrects. The action (``store.actions.outcomes``) and the «Udfald» dialog read it from here,
so both agree on which outcome a correction replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import CitizenOutcome
from aaben_raadgivning.store.queries.viewer import CASE, Viewer


@dataclass(frozen=True)
class CurrentOutcome:
    outcome_id: str
    code: str
    label: str
    outcome_date: date
    note: str
    self_supporting: bool


def current_outcome_row(session: Session, citizen_id: str) -> CitizenOutcome | None:
    """The outcome that counts for the citizen (None: no outcome, or every one corrected away)."""
    rows = list(session.scalars(select(CitizenOutcome).where(CitizenOutcome.citizen_id == citizen_id)))
    corrected = {row.corrects_id for row in rows if row.corrects_id}
    live = [row for row in rows if row.id not in corrected]
    return max(live, key=lambda row: (row.outcome_date, row.created_at, row.id), default=None)


def is_corrected(session: Session, outcome_id: str) -> bool:
    """Whether a later outcome already corrects this one (a correction replaces one outcome once)."""
    return (
        session.scalar(select(CitizenOutcome.id).where(CitizenOutcome.corrects_id == outcome_id).limit(1)) is not None
    )


def current_outcome(db: Database, citizen_id: str, *, viewer: Viewer) -> CurrentOutcome | None:
    """The citizen's current outcome for a viewer who may read the case (None otherwise: a refused read
    returns nothing)."""
    with db.session() as session:
        if CASE not in viewer.scopes_for(session, citizen_id, local_date(db.now())):
            return None
        row = current_outcome_row(session, citizen_id)
        if row is None:
            return None
        term = load_reference().exit_outcomes.term(row.outcome)
        return CurrentOutcome(
            row.id,
            row.outcome,
            term.label if term else row.outcome,
            row.outcome_date,
            row.note or "",
            bool(term and term.self_supporting),
        )

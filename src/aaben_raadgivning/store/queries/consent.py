"""A citizen's samtykke (consent) as the permission checks need it: which categories are valid today.

A consent is valid from ``given_on`` through ``valid_until`` unless withdrawn (``withdrawn_at``) or
tombstoned; several may exist (a renewal with other categories): the valid ones' categories add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.consent import split_categories
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Consent


def _split(categories: str) -> set[str]:
    return {code.strip() for code in categories.split(",") if code.strip()}


def consented_categories(session: Session, citizen_id: str, on: date) -> frozenset[str]:
    """The categories a valid consent of the citizen names on day ``on`` (empty when there is none)."""
    rows = session.scalars(
        select(Consent.categories).where(
            Consent.citizen_id == citizen_id,
            Consent.deleted_at.is_(None),
            Consent.withdrawn_at.is_(None),
            Consent.given_on <= on,
            Consent.valid_until >= on,
        )
    )
    found: set[str] = set()
    for categories in rows:
        found |= _split(categories)
    return frozenset(found)


def consented_categories_for(session: Session, citizen_ids: Iterable[str], on: date) -> dict[str, frozenset[str]]:
    """``consented_categories`` for many citizens in one query (lists, search results)."""
    ids = list(citizen_ids)
    found: dict[str, set[str]] = {citizen_id: set() for citizen_id in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Consent.citizen_id, Consent.categories).where(
                Consent.citizen_id.in_(ids[start : start + 500]),
                Consent.deleted_at.is_(None),
                Consent.withdrawn_at.is_(None),
                Consent.given_on <= on,
                Consent.valid_until >= on,
            )
        )
        for citizen_id, categories in rows:
            found[citizen_id] |= _split(categories)
    return {citizen_id: frozenset(codes) for citizen_id, codes in found.items()}


@dataclass(frozen=True)
class ConsentState:
    """The consent F3 shows for a citizen: ``current`` is a valid one (the longest-running) or, without one,
    the latest given (expired or withdrawn); None when the citizen has never given consent."""

    current: Consent | None
    valid: bool
    categories: tuple[str, ...]  # of ``current``

    @property
    def withdrawn(self) -> bool:
        return self.current is not None and self.current.withdrawn_at is not None

    @property
    def renewable(self) -> bool:
        """A consent that can be renewed (not withdrawn): valid or expired."""
        return self.current is not None and self.current.withdrawn_at is None


def consent_state_in(session: Session, citizen_id: str, today: date) -> ConsentState:
    rows = list(
        session.scalars(
            select(Consent)
            .where(Consent.citizen_id == citizen_id, Consent.deleted_at.is_(None))
            .order_by(Consent.given_on, Consent.created_at, Consent.id)
        )
    )
    valid = [r for r in rows if r.withdrawn_at is None and r.given_on <= today <= r.valid_until]
    if valid:
        current = max(valid, key=lambda r: (r.valid_until, r.given_on, r.created_at, r.id))
        return ConsentState(current, True, split_categories(current.categories))
    if not rows:
        return ConsentState(None, False, ())
    current = rows[-1]
    return ConsentState(current, False, split_categories(current.categories))


def consent_state(db: Database, citizen_id: str, today: date) -> ConsentState:
    """The citizen's consent as F3 shows it (rows detached, read-only)."""
    with db.session() as session:
        return consent_state_in(session, citizen_id, today)

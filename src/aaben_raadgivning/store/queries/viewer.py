"""Who is reading: the ``Viewer`` every query of personal data takes, and what it may see of a citizen.

A viewer is built once at log-in (``Viewer.of(staff)``) and passed to the queries; they cut what they return
to the viewer's read scopes (assets/permissions.toml, ``[reads]``) — a refused read returns nothing, not
just a hidden widget. For a role that reads some scopes only with consent (the boligsociale
medarbejdere), the scopes of each citizen depend on that citizen's valid samtykke: one query for a whole
list (``scopes_for_many``), never one per row.

``Viewer.system()`` is the app itself (the sweep, the sync, the document builder's own reads): every scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from aaben_raadgivning.domain.cpr import mask_cpr
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.queries.consent import consented_categories, consented_categories_for

if TYPE_CHECKING:
    from aaben_raadgivning.store.models import Staff

# The read scopes (keys of [reads] in assets/permissions.toml) the queries cut by.
CONTACT = "contact"
CPR_FULL = "cpr_full"
CASE = "case"
AGREEMENTS = "agreements"
HEALTH = "health"
BENEFIT = "benefit"


@dataclass(frozen=True)
class Viewer:
    staff_id: str | None
    role: str | None

    @classmethod
    def of(cls, staff: Staff) -> Viewer:
        """The logged-in staff member as a reader (an inactive account reads nothing)."""
        active = staff.active and staff.deleted_at is None
        return cls(staff.id, staff.role if active else None)

    @classmethod
    def system(cls) -> Viewer:
        return cls(None, None)

    @property
    def is_system(self) -> bool:
        return self.staff_id is None

    @property
    def needs_consent(self) -> bool:
        """True when what this viewer sees of a citizen depends on the citizen's samtykke."""
        return not self.is_system and load_permissions().needs_consent(self.role)

    def scopes(self, consented: Iterable[str] = ()) -> frozenset[str]:
        """The read scopes for a citizen whose valid consent names ``consented``."""
        permissions = load_permissions()
        if self.is_system:
            return frozenset(permissions.reads)
        return permissions.read_scopes(self.role, consented)

    def may(self, action: str) -> bool:
        """May this viewer do the write action (the UI offers only what it may)."""
        return not self.is_system and load_permissions().may(self.role, action)

    def refusal(self, action: str) -> str | None:
        """Why this viewer may not do ``action`` (Danish), or None when it may."""
        return load_permissions().refusal(self.role, action)

    def scopes_for(self, session: Session, citizen_id: str, on: date) -> frozenset[str]:
        """The read scopes for one citizen (one consent query, only for roles that need it)."""
        if not self.needs_consent:
            return self.scopes()
        return self.scopes(consented_categories(session, citizen_id, on))

    def scopes_for_many(self, session: Session, citizen_ids: Iterable[str], on: date) -> dict[str, frozenset[str]]:
        """``scopes_for`` for a whole list in one query."""
        ids = list(dict.fromkeys(citizen_ids))
        if not self.needs_consent:
            same = self.scopes()
            return {citizen_id: same for citizen_id in ids}
        consented = consented_categories_for(session, ids, on)
        return {citizen_id: self.scopes(consented[citizen_id]) for citizen_id in ids}


def shown_cpr(cpr: str | None, scopes: frozenset[str]) -> str | None:
    """The CPR number as a viewer with ``scopes`` may get it: whole, or «DDMMÅÅ-xxxx» (birth date only)."""
    if cpr is None or CPR_FULL in scopes:
        return cpr
    try:
        return mask_cpr(cpr)
    except ValueError:
        return None

"""GDPR purge (sletning efter anmodning eller slettefrist): remove a citizen's personal data everywhere.

Unlike a tombstone, a purge removes the citizen row and every row that points at it (timeline, walk-ins,
follow-ups, delmål, agreements, hours…), blanks the values in the change log, and — through sync — does the
same on every other laptop, where late-arriving changes for those rows are blanked instead of applied.
What remains is the fact: a ``purge`` change-log entry and an audit entry without the person's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.records import authorize
from aaben_raadgivning.store.replica import Applier


@dataclass(frozen=True)
class PurgeResult:
    citizen_id: str
    rows_removed: int


def purge_citizen(db: Database, actor_id: str, citizen_id: str, reason: str) -> PurgeResult:
    """Purge a citizen (only a jobkonsulent, with a reason). Raises NotFoundError / ValidationError."""
    reason = clean_text(reason, "reason", max_length=LONG_TEXT_LENGTH, multiline=True)
    if not reason:
        raise ValidationError.single("reason", "Skriv hvorfor borgerens oplysninger slettes.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "purge_citizen")
        if tx.session.get(Citizen, citizen_id) is None:
            raise NotFoundError("Borgeren findes ikke (længere).")
        tx.purge("citizens", citizen_id)
        tx.session.flush()
        tx.session.expunge_all()  # the rows are removed below, outside the ORM
        removed = Applier(tx.session.connection()).purge("citizens", citizen_id)
        tx.audit(actor_id, "purge", "citizen", citizen_id, None, f"Personoplysninger slettet (GDPR): {reason[:200]}")
    return PurgeResult(citizen_id, removed)

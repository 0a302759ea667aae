"""The idle lock's audit rows: the screen locked, and a colleague logging in on a locked screen (which logs
the first person out). Unlocking is a log-in (``staff.authenticate``), audited as such."""

from __future__ import annotations

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Staff


def record_lock(db: Database, staff_id: str, minutes: int) -> None:
    with db.transaction() as tx:
        tx.audit(staff_id, "lock", "staff", staff_id, detail=f"Skærmen låst efter {minutes} minutter uden aktivitet")


def record_takeover(db: Database, first: Staff, colleague: Staff) -> None:
    """``colleague`` logged in on the screen ``first`` had left locked; ``first`` is logged out by it."""
    with db.transaction() as tx:
        tx.audit(
            colleague.id, "takeover", "staff", first.id,
            detail=f"{colleague.initials} loggede ind på den låste skærm; {first.initials} blev logget ud",
        )  # fmt: skip

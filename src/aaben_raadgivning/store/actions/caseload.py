"""Viewing a caseload («Mine borgere», F8) is a read of many citizens' case data: one audit row per list view,
naming the list, whose caseload and the filter as its criterion (Datatilsynet), not every name shown."""

from __future__ import annotations

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.queries.caseload import CaseloadFilter
from aaben_raadgivning.store.queries.viewer import CASE
from aaben_raadgivning.store.records import authorize_read


def describe_criterion(owner_label: str, flt: CaseloadFilter, step_label: str = "") -> str:
    """Whose caseload and the filter in Danish, e.g. «JF · Jakob Frederiksen, trin Trin 2, kun markerede»."""
    parts = [owner_label]
    if flt.step:
        parts.append(f"trin {step_label or flt.step}")
    if flt.flagged_only:
        parts.append("kun markerede")
    if flt.text.strip():
        parts.append(f"navn «{flt.text.strip()}»")
    return ", ".join(parts)


def record_caseload_read(db: Database, actor_id: str, owner_id: str, criterion: str, citizens: int) -> None:
    """Log that ``actor_id`` looked at ``owner_id``'s caseload with ``criterion`` (``citizens`` matched)."""
    with db.transaction() as tx:
        authorize_read(tx, actor_id, CASE)
        tx.audit(actor_id, "read", "caseload", owner_id, None, f"Mine borgere vist: {criterion} ({citizens} borgere)")

"""Resolving a sync conflict: keep the winner, take the losing value, or write a merged value.

The resolution is an ordinary change (the field update, if the value changes) plus a synced
``conflict_resolutions`` row per losing change of the field, so the conflict disappears on every laptop.
"""

from __future__ import annotations

import json
from typing import Any

from aaben_raadgivning.changes.merge import FINAL_FIELDS, is_frozen_field
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import ConflictChoice
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.store.conflict_values import FROZEN_REFUSAL, parse_merged
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Base, ConflictResolution
from aaben_raadgivning.store.records import authorize
from aaben_raadgivning.store.replica import recompute_conflicts

CHOICES = tuple(ConflictChoice)


def _model_for(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


def _python_value(model: Any, field: str, plain: Any) -> Any:
    from datetime import date, datetime

    column = model.__table__.columns[field]
    python_type = getattr(column.type, "python_type", None)
    if isinstance(plain, str) and python_type is datetime:
        return datetime.fromisoformat(plain)
    if isinstance(plain, str) and python_type is date:
        return date.fromisoformat(plain)
    return plain


def resolve_conflict(db: Database, actor_id: str, loser_id: str, choice: str, merged: Any = None) -> None:
    """``choice``: "vinder" (keep the current value), "taber" (take the losing value) or "flettet"
    (write ``merged``, the text as typed: only for the fields ``conflict_values`` allows, and parsed
    there). Resolves every open conflict of that field."""
    if choice not in CHOICES:
        raise ValidationError.single("choice", "Vælg at beholde den ene værdi eller skrive en samlet værdi.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "resolve_conflict")
        conn = tx.session.connection()
        conflict = conn.exec_driver_sql(
            "SELECT table_name, row_id, field, loser_value FROM sync_conflicts WHERE loser_id = ?", (loser_id,)
        ).first()
        if conflict is None:
            raise NotFoundError("Konflikten er allerede løst (måske på en anden computer).")
        table, row_id, field, loser_value = conflict
        model = _model_for(table)
        row = tx.session.get(model, row_id) if model is not None else None
        if row is None:
            raise NotFoundError("Posten findes ikke længere.")
        final = FINAL_FIELDS.get(table)
        if choice != ConflictChoice.VINDER and final and is_frozen_field(table, field) and getattr(row, final):
            raise ValidationError.single("choice", FROZEN_REFUSAL)  # M13: the frozen value always stays
        if choice == ConflictChoice.FLETTET:
            merged = parse_merged(table, field, str(merged or ""), local_date(db.now()))
        if choice != ConflictChoice.VINDER:
            plain = json.loads(loser_value) if choice == ConflictChoice.TABER and loser_value is not None else merged
            value = _python_value(model, field, plain)
            tx.update(row, **{field: value})
        losers = (
            conn.exec_driver_sql(
                "SELECT loser_id FROM sync_conflicts WHERE table_name = ? AND row_id = ? AND field = ?",
                (table, row_id, field),
            )
            .scalars()
            .all()
        )
        for loser in losers:
            tx.add(ConflictResolution(change_id=loser, table_name=table, row_id=row_id, field=field, choice=choice,
                                      resolved_at=tx.now, resolved_by=actor_id))  # fmt: skip
        tx.audit(actor_id, "resolve", table, row_id, row_id if table == "citizens" else None,
                 f"Konflikt i feltet {field} løst: {choice}")  # fmt: skip
        tx.session.flush()
        recompute_conflicts(conn, table, [row_id])

"""Resolving a sync conflict: keep the winner, take the losing value, or write a merged value.

The resolution is an ordinary change (the field update, if the value changes) plus a synced
``conflict_resolutions`` row per losing change of the field, so the conflict disappears on every laptop.
"""

from __future__ import annotations

import json
from typing import Any

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Base, ConflictResolution
from aaben_raadgivning.store.sync_apply import recompute_conflicts

CHOICES = ("vinder", "taber", "flettet")


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


def merge_refusal(table: str, field: str) -> str | None:
    """Why no merged value can be typed for this field (only one of the two sides can be kept), or None:
    a password hash, or a yes/no field."""
    if (table, field) == ("staff", "password_hash"):
        return "En adgangskode kan ikke skrives her. Behold en af de to, og giv evt. en ny adgangskode."
    model = _model_for(table)
    column = model.__table__.columns.get(field) if model is not None else None
    if column is not None and getattr(column.type, "python_type", None) is bool:
        return "Feltet er ja/nej: behold en af de to værdier."
    return None


def _mergeable(model: Any, table: str, field: str, merged: Any) -> Any:
    """The merged value as the column takes it (a number must be one), or a Danish refusal."""
    refusal = merge_refusal(table, field)
    if refusal:
        raise ValidationError.single("merged", refusal)
    column = model.__table__.columns.get(field)
    python_type = getattr(column.type, "python_type", None) if column is not None else None
    if python_type in (int, float) and isinstance(merged, str):
        try:
            return python_type(merged.strip().replace(",", "."))
        except ValueError:
            raise ValidationError.single("merged", f"«{merged}» er ikke et tal.") from None
    return merged


def resolve_conflict(db: Database, actor_id: str, loser_id: str, choice: str, merged: Any = None) -> None:
    """``choice``: "vinder" (keep the current value), "taber" (take the losing value) or "flettet"
    (write ``merged``, a plain value). Resolves every open conflict of that field."""
    if choice not in CHOICES:
        raise ValidationError.single("choice", "Vælg at beholde den ene værdi eller skrive en samlet værdi.")
    with db.transaction() as tx:
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
        if choice == "flettet":
            merged = _mergeable(model, table, field, merged)
        if choice != "vinder":
            plain = json.loads(loser_value) if choice == "taber" and loser_value is not None else merged
            value = _python_value(model, field, plain)
            tx.update(row, **{field: value})
        losers = conn.exec_driver_sql(
            "SELECT loser_id FROM sync_conflicts WHERE table_name = ? AND row_id = ? AND field = ?",
            (table, row_id, field),
        ).scalars().all()
        for loser in losers:
            tx.add(ConflictResolution(change_id=loser, table_name=table, row_id=row_id, field=field, choice=choice,
                                      resolved_at=tx.now, resolved_by=actor_id))  # fmt: skip
        tx.audit(actor_id, "resolve", table, row_id, row_id if table == "citizens" else None,
                 f"Konflikt i feltet {field} løst: {choice}")  # fmt: skip
        tx.session.flush()
        recompute_conflicts(conn, table, [row_id])

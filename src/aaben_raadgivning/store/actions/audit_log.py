"""Viewing the audit log is itself a read of personal data: it is audited, with the filter as its criterion."""

from __future__ import annotations

from aaben_raadgivning.security.permissions import PermissionDenied, load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Staff
from aaben_raadgivning.store.records import authorize_read

AUDIT_SCOPE = "audit"


def require_audit_reader(db: Database, actor_id: str) -> Staff:
    """The staff member, if their role may read the audit log; else PermissionDenied (Danish)."""
    with db.session() as session:
        actor = session.get(Staff, actor_id)
    role = actor.role if actor is not None else None
    if actor is None or not load_permissions().may_read(role, AUDIT_SCOPE):
        raise PermissionDenied("Kun jobkonsulenter og ledere kan se revisionssporet.")
    return actor


def record_audit_view(db: Database, actor_id: str | None, criterion: str, citizen_id: str | None = None) -> None:
    """Log that ``actor_id`` looked at the audit log filtered by ``criterion`` (Danish)."""
    with db.transaction() as tx:
        if actor_id is not None:  # (None: the command line at the machine, with the office key)
            authorize_read(tx, actor_id, "audit")
        tx.audit(actor_id, "audit_view", "audit_log", None, citizen_id, f"Revisionssporet vist: {criterion}")

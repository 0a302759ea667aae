"""Audited reads: looking a citizen up is itself logged, with the search criterion (Datatilsynet)."""

from __future__ import annotations

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.records import load_actor


def record_lookup(db: Database, actor_id: str, citizen_id: str, criterion: str, where: str) -> None:
    with db.transaction() as tx:
        load_actor(tx, actor_id)  # a deactivated account reads nothing
        tx.audit(actor_id, "search", "citizen", citizen_id, citizen_id, f"{where}: søgning «{criterion}»")

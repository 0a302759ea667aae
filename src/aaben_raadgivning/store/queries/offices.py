"""The office this database serves (the first one created; several offices come with sync)."""

from __future__ import annotations

from sqlalchemy import select

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Office


def default_office_id(db: Database) -> str | None:
    with db.session() as session:
        return session.scalar(select(Office.id).where(Office.deleted_at.is_(None)).order_by(Office.created_at).limit(1))

"""The local full-text index behind citizen search (an SQLite FTS5 table, never synced).

Terms are folded in Python (domain.text) so "ostergaard" finds "Østergaard" and "aa" finds "å";
FTS5 then gives fast prefix matching over 100 000 citizens. The FTS rowid is derived from the
citizen id, so a citizen's entry can be replaced without a lookup table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.text import index_terms


def search_rowid(citizen_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(citizen_id.encode(), digest_size=8).digest(), "big") >> 1


def citizen_terms(name: str, cpr: str | None, phone: str | None) -> str:
    return " ".join(index_terms(name, cpr or "", phone or ""))


def index_citizen(session: Session, citizen_id: str, name: str, cpr: str | None, phone: str | None) -> None:
    rowid = search_rowid(citizen_id)
    session.execute(text("DELETE FROM citizen_search WHERE rowid = :rowid"), {"rowid": rowid})
    session.execute(
        text("INSERT INTO citizen_search (rowid, citizen_id, terms) VALUES (:rowid, :id, :terms)"),
        {"rowid": rowid, "id": citizen_id, "terms": citizen_terms(name, cpr, phone)},
    )


def index_many(session: Session, rows: Iterable[tuple[str, str, str | None, str | None]]) -> None:
    """Bulk form for imports and demo data: rows of (id, name, cpr, phone) not indexed before."""
    session.execute(
        text("INSERT INTO citizen_search (rowid, citizen_id, terms) VALUES (:rowid, :id, :terms)"),
        [
            {"rowid": search_rowid(cid), "id": cid, "terms": citizen_terms(name, cpr, phone)}
            for cid, name, cpr, phone in rows
        ],
    )


def unindex_citizen(session: Session, citizen_id: str) -> None:
    session.execute(text("DELETE FROM citizen_search WHERE rowid = :rowid"), {"rowid": search_rowid(citizen_id)})


def rebuild(session: Session) -> int:
    """Recreate the whole index from the citizens table (used by `check --repair` and after sync)."""
    session.execute(text("DELETE FROM citizen_search"))
    rows = session.execute(text("SELECT id, name, cpr, phone FROM citizens WHERE deleted_at IS NULL")).all()
    if rows:
        index_many(session, [tuple(row) for row in rows])
    return len(rows)

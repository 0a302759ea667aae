"""Citizen search as you type: name, CPR or phone, case- and diacritics-insensitive, by prefix.

A hit is contact data (read scope ``contact``); the CPR number comes whole only to a viewer with
``cpr_full``, else masked «DDMMÅÅ-xxxx». Neither depends on consent, so a search costs no extra query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text

from aaben_raadgivning.domain.text import query_terms
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.queries.viewer import CONTACT, Viewer, shown_cpr

# FTS may match many rows for a short prefix; take this many candidates, then order by name.
CANDIDATES = 400


@dataclass(frozen=True)
class CitizenHit:
    id: str
    name: str
    cpr: str | None
    birth_date: date | None
    phone: str | None


def match_expression(query: str) -> str | None:
    terms = [term.replace('"', "") for term in query_terms(query)]
    terms = [term for term in terms if term]
    if not terms:
        return None
    return " AND ".join(f'"{term}"*' for term in terms)


# CROSS JOIN: SQLite keeps the hits as the outer loop and looks each citizen up by its key. With a plain JOIN it
# may scan every live citizen by ix_citizens_results (deleted_at leads it) and probe the hits: 40 ms, not 3.
_SEARCH_SQL = text(
    """
    SELECT c.id, c.name, c.cpr, c.birth_date, c.phone
    FROM (SELECT citizen_id FROM citizen_search WHERE citizen_search MATCH :match LIMIT :candidates) AS s
    CROSS JOIN citizens AS c ON c.id = s.citizen_id
    WHERE c.deleted_at IS NULL
    ORDER BY c.name
    LIMIT :limit
    """
)


def search_citizens(db: Database, query: str, limit: int = 20, *, viewer: Viewer) -> list[CitizenHit]:
    expression = match_expression(query)
    scopes = viewer.scopes()
    if expression is None or CONTACT not in scopes:
        return []
    with db.engine.connect() as connection:
        rows = connection.execute(_SEARCH_SQL, {"match": expression, "candidates": CANDIDATES, "limit": limit}).all()
    return [_hit(row, scopes) for row in rows]


def _hit(row, scopes: frozenset[str]) -> CitizenHit:
    birth = row.birth_date
    if isinstance(birth, str):
        birth = date.fromisoformat(birth)
    return CitizenHit(id=row.id, name=row.name, cpr=shown_cpr(row.cpr, scopes), birth_date=birth, phone=row.phone)


def citizen_hit(db: Database, citizen_id: str, *, viewer: Viewer) -> CitizenHit | None:
    scopes = viewer.scopes()
    if CONTACT not in scopes:
        return None
    with db.session() as session:
        row = session.execute(
            select(Citizen.id, Citizen.name, Citizen.cpr, Citizen.birth_date, Citizen.phone).where(
                Citizen.id == citizen_id, Citizen.deleted_at.is_(None)
            )
        ).first()
    return _hit(row, scopes) if row else None

"""Citizens who may already be the one about to be created (the «findes måske allerede» warning).

Asked before a new citizen is written: the same CPR number; the same name (folded as search folds it,
so «Imran Iqbal», «imran  iqbal» and «Imrån Iqbal» are one name) with the same birth date, the same birth
year, or no birth date to tell them apart; or the same phone number. Two people with the same name whose
CPR numbers give different birth years are taken to be two people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.text import fold
from aaben_raadgivning.store.models import Citizen

LIMIT = 50  # more than anyone reads in a warning

SAME_CPR = "samme CPR-nummer"
SAME_NAME_AND_BIRTH_DATE = "samme navn og fødselsdato"
SAME_NAME_AND_BIRTH_YEAR = "samme navn og fødselsår"
SAME_NAME = "samme navn"
SAME_PHONE = "samme telefonnummer"


@dataclass(frozen=True)
class PossibleDuplicate:
    """A plain snapshot (it outlives the rolled-back transaction that found it)."""

    citizen_id: str
    name: str
    cpr: str | None
    phone: str | None
    reason: str  # Danish, e.g. "samme CPR-nummer"


def _same_name_ids(session: Session, name: str) -> list[str]:
    """Citizens indexed under every word of the folded ``name`` (exact terms, not prefixes): the few
    candidates whose whole folded name is then compared."""
    words = [word.replace('"', "") for word in fold(name).split()]
    if not words:
        return []
    expression = " AND ".join(f'"{word}"' for word in words)
    rows = session.execute(
        text("SELECT citizen_id FROM citizen_search WHERE citizen_search MATCH :match LIMIT :limit"),
        {"match": expression, "limit": LIMIT * 4},
    )
    return [row[0] for row in rows]


def _name_reason(existing: date | None, new: date | None) -> str | None:
    if existing is None or new is None:
        return SAME_NAME
    if existing == new:
        return SAME_NAME_AND_BIRTH_DATE
    if existing.year == new.year:
        return SAME_NAME_AND_BIRTH_YEAR
    return None  # the CPR numbers tell them apart


def find_possible_duplicates(
    session: Session,
    *,
    name: str,
    cpr: str | None = None,
    birth_date: date | None = None,
    phone: str | None = None,
) -> list[PossibleDuplicate]:
    """The living citizens a new citizen (name as stored, CPR digits, birth date and normalised phone)
    may duplicate, each with the Danish reason; the strongest reason per citizen, by name."""
    conditions = []
    if cpr:
        conditions.append(Citizen.cpr == cpr)
    if phone:
        conditions.append(Citizen.phone == phone)
    same_name = _same_name_ids(session, name)
    if same_name:
        conditions.append(Citizen.id.in_(same_name))
    if not conditions:
        return []
    candidates = session.scalars(
        select(Citizen).where(Citizen.deleted_at.is_(None), or_(*conditions)).order_by(Citizen.name).limit(LIMIT)
    ).all()
    folded = fold(name)
    found: list[PossibleDuplicate] = []
    for citizen in candidates:
        reason: str | None = None
        if cpr and citizen.cpr == cpr:
            reason = SAME_CPR
        elif fold(citizen.name) == folded:
            reason = _name_reason(citizen.birth_date, birth_date)
        if reason is None and phone and citizen.phone == phone:
            reason = SAME_PHONE
        if reason is not None:
            found.append(PossibleDuplicate(citizen.id, citizen.name, citizen.cpr, citizen.phone, reason))
    return found

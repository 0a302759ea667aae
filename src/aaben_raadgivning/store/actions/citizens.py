"""User actions on citizens: create one with minimal data, warning about likely duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.cpr import CprError, CprInfo, parse_cpr
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.phone import normalize_phone
from aaben_raadgivning.domain.text import NAME_LENGTH, clean_text, fold, too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.records import authorize_if_person
from aaben_raadgivning.store.search_index import index_citizen


@dataclass(frozen=True)
class NewCitizen:
    """Validated input for a new citizen; ``cpr_warnings`` are shown but never block."""

    name: str
    cpr: CprInfo | None
    phone: str | None

    @property
    def cpr_warnings(self) -> tuple[str, ...]:
        return self.cpr.warnings if self.cpr else ()


@dataclass(frozen=True)
class PossibleDuplicate:
    """A plain snapshot (it outlives the rolled-back transaction that found it)."""

    citizen_id: str
    name: str
    cpr: str | None
    phone: str | None
    reason: str  # Danish, e.g. "samme CPR-nummer"


class DuplicateCitizenWarning(Exception):
    """Likely duplicates exist; the caller must show them and ask before creating anyway."""

    def __init__(self, duplicates: list[PossibleDuplicate]) -> None:
        self.duplicates = duplicates
        super().__init__("Borgeren findes måske allerede.")


def validate_new_citizen(name: str, cpr_text: str = "", phone_text: str = "") -> NewCitizen:
    errors: dict[str, str] = {}
    clean_name = clean_text(name, "name", errors=errors)
    if not clean_name:
        errors["name"] = "Navn mangler."
    elif problem := too_long(clean_name, NAME_LENGTH, "Navnet er for langt (højst {limit} tegn)."):
        errors["name"] = problem
    cpr = None
    if cpr_text.strip():
        try:
            cpr = parse_cpr(cpr_text)
        except CprError as exc:
            errors["cpr"] = exc.message
    phone = None
    try:
        phone = normalize_phone(phone_text)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return NewCitizen(clean_name, cpr, phone)


def find_possible_duplicates(session: Session, new: NewCitizen) -> list[PossibleDuplicate]:
    conditions = []
    if new.cpr:
        conditions.append(Citizen.cpr == new.cpr.digits)
        conditions.append(Citizen.birth_date == new.cpr.birth_date)
    if new.phone:
        conditions.append(Citizen.phone == new.phone)
    if not conditions:
        return []
    candidates = session.scalars(select(Citizen).where(Citizen.deleted_at.is_(None), or_(*conditions)).limit(50)).all()
    found: list[PossibleDuplicate] = []
    for citizen in candidates:
        if new.cpr and citizen.cpr == new.cpr.digits:
            reason = "samme CPR-nummer"
        elif new.cpr and citizen.birth_date == new.cpr.birth_date and fold(citizen.name) == fold(new.name):
            reason = "samme navn og fødselsdato"
        elif new.phone and citizen.phone == new.phone:
            reason = "samme telefonnummer"
        else:
            continue
        found.append(PossibleDuplicate(citizen.id, citizen.name, citizen.cpr, citizen.phone, reason))
    return found


def create_citizen(
    db: Database,
    actor_id: str | None,
    *,
    name: str,
    cpr: str = "",
    phone: str = "",
    housing_area: str = "",
    office_id: str | None = None,
    accept_duplicates: bool = False,
) -> Citizen:
    """Create a citizen from minimal counter data. Raises ValidationError (nothing written) or
    DuplicateCitizenWarning (nothing written) unless ``accept_duplicates``."""
    new = validate_new_citizen(name, cpr, phone)
    housing_area = clean_text(housing_area, "housing_area", max_length=NAME_LENGTH)
    with db.transaction() as tx:
        authorize_if_person(tx, actor_id, "create_citizen")  # None: made at the machine (an import, the CLI)
        duplicates = find_possible_duplicates(tx.session, new)
        if duplicates and not accept_duplicates:
            raise DuplicateCitizenWarning(duplicates)
        citizen = tx.add(
            Citizen(
                name=new.name,
                cpr=new.cpr.digits if new.cpr else None,
                birth_date=new.cpr.birth_date if new.cpr else None,
                sex=new.cpr.sex if new.cpr else None,
                phone=new.phone,
                housing_area=housing_area,
                office_id=office_id,
                created_at=tx.now,
            )
        )
        index_citizen(tx.session, citizen.id, citizen.name, citizen.cpr, citizen.phone)
        detail = "Borger oprettet ved skranken"
        if duplicates:
            detail += " trods advarsel om mulig dublet: " + ", ".join(d.reason for d in duplicates)
        tx.audit(actor_id, "create", "citizen", citizen.id, citizen.id, detail)
    return citizen

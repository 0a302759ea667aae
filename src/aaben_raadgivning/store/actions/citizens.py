"""User actions on citizens: create one with minimal data, warning about likely duplicates
(store/queries/duplicates.py finds them)."""

from __future__ import annotations

from dataclasses import dataclass

from aaben_raadgivning.domain.cpr import CprError, CprInfo, parse_cpr
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.phone import normalize_phone
from aaben_raadgivning.domain.text import NAME_LENGTH, clean_text, too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.queries.duplicates import PossibleDuplicate, find_possible_duplicates
from aaben_raadgivning.store.records import authorize_if_person
from aaben_raadgivning.store.search_index import index_citizen

__all__ = ["DuplicateCitizenWarning", "NewCitizen", "PossibleDuplicate", "create_citizen", "validate_new_citizen"]


@dataclass(frozen=True)
class NewCitizen:
    """Validated input for a new citizen; ``cpr_warnings`` are shown but never block."""

    name: str
    cpr: CprInfo | None
    phone: str | None

    @property
    def cpr_warnings(self) -> tuple[str, ...]:
        return self.cpr.warnings if self.cpr else ()


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
        duplicates = find_possible_duplicates(
            tx.session,
            name=new.name,
            cpr=new.cpr.digits if new.cpr else None,
            birth_date=new.cpr.birth_date if new.cpr else None,
            phone=new.phone,
        )
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

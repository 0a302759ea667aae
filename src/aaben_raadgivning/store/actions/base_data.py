"""The citizen's base data (stamdata), edited on F3 («Stamdata», key b): one action per save.

What may be edited, and by whom (assets/permissions.toml):

- ``edit_contact_data`` — name, phone, address, language and whether an interpreter (tolk) is needed: what the
  counter keeps up to date (the boligsocial medarbejder too);
- ``edit_base_data`` — CPR (add a missing one, correct a wrong one; the CPR stays an attribute, never a key),
  benefit type and since when, readiness, match group, housing area, the jobkonsulent.

The caller passes only the fields its form shows (a role that may not read the benefit fields never sends
them, so a blanked value can never overwrite a stored one); each is validated (Danish messages per field,
nothing written on any error), and only the fields whose value really changes are written — one change-log
entry per field, one audit entry naming the fields (never their values). A changed name, CPR or phone
refreshes the citizen's search terms. Years on benefit are not stored: they follow from ``benefit_since``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.cpr import CprError, CprInfo, parse_cpr
from aaben_raadgivning.domain.dates import DateInputError, format_date, parse_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.phone import normalize_phone
from aaben_raadgivning.domain.reference import Vocabulary, load_reference
from aaben_raadgivning.domain.text import NAME_LENGTH, SHORT_TEXT_LENGTH, clean_text, too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Citizen, Staff
from aaben_raadgivning.store.records import authorize, load_citizen
from aaben_raadgivning.store.search_index import index_citizen

CONTACT_FIELDS = ("name", "phone", "address", "language", "interpreter_needed")
BASE_FIELDS = ("cpr", "benefit_type", "benefit_since", "readiness", "match_group", "housing_area", "jobkonsulent_id")
EDITABLE = (*CONTACT_FIELDS, *BASE_FIELDS)
SEARCHED = frozenset({"name", "cpr", "phone"})
FIELD_LABELS = {
    "name": "navn", "phone": "telefon", "address": "adresse", "language": "sprog", "interpreter_needed": "tolk",
    "cpr": "CPR-nummer", "birth_date": "fødselsdato", "sex": "køn", "benefit_type": "ydelse",
    "benefit_since": "ydelse siden", "readiness": "parathed", "match_group": "matchgruppe",
    "housing_area": "boligområde", "jobkonsulent_id": "jobkonsulent",
}  # fmt: skip
# The vocabulary (reference.toml) of each coded field.
_VOCABULARIES = {
    "benefit_type": "benefit_types", "readiness": "readiness", "match_group": "match_groups", "language": "languages",
}  # fmt: skip
_UNKNOWN_CODE = {
    "benefit_type": "Ukendt ydelse «{code}». Vælg en ydelse fra listen.",
    "readiness": "Ukendt parathed «{code}». Vælg aktivitetsparat eller jobparat.",
    "match_group": "Ukendt matchgruppe «{code}». Vælg en fra listen.",
    "language": "Ukendt sprog «{code}». Vælg et sprog fra listen.",
}  # fmt: skip


@dataclass(frozen=True)
class BaseDataSaved:
    changed: tuple[str, ...]  # the columns written (a new CPR also writes birth date and sex)
    warnings: tuple[str, ...] = ()  # shown, never blocking (e.g. a CPR failing modulus 11)

    @property
    def message(self) -> str:
        if not self.changed:
            return "Stamdata er uændrede."
        text = "Stamdata gemt: " + ", ".join(FIELD_LABELS.get(name, name) for name in self.changed) + "."
        return " ".join((text, *self.warnings))


def _code(vocabulary: Vocabulary, field: str, text: object, current: str | None, errors: dict[str, str]) -> str | None:
    code = str(text or "").strip()
    if not code:
        return None
    if code != current and not vocabulary.has_active(code):  # a retired code the record already has is kept
        errors[field] = _UNKNOWN_CODE[field].format(code=code)
    return code


def _benefit_since(text: object, today: date, birth: date | None, errors: dict[str, str]) -> date | None:
    if isinstance(text, date):
        since: date | None = text
    elif not str(text or "").strip():
        return None
    else:
        try:
            since = parse_date(str(text), today)
        except DateInputError as exc:
            errors["benefit_since"] = exc.message
            return None
    assert since is not None
    if since > today:
        errors["benefit_since"] = f"Datoen {format_date(since)} ligger i fremtiden. Skriv den dag, ydelsen begyndte."
    elif birth is not None and since < birth:
        errors["benefit_since"] = f"Datoen {format_date(since)} ligger før borgerens fødselsdato."
    return since


def validate_base_data(
    tx_citizen: Citizen, typed: dict[str, Any], today: date, session
) -> tuple[dict[str, Any], CprInfo | None]:
    """The typed values as columns; ValidationError (every field's problem at once) when any is wrong. Also
    used by the import (store/actions/citizen_import.py), with a new, unsaved ``Citizen()`` for a new row."""
    reference = load_reference()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    cpr: CprInfo | None = None
    if "name" in typed:
        name = clean_text(str(typed["name"] or ""), "name", errors=errors)
        if not name and "name" not in errors:
            errors["name"] = "Navn mangler."
        elif problem := too_long(name, NAME_LENGTH, "Navnet er for langt (højst {limit} tegn)."):
            errors["name"] = problem
        values["name"] = name
    if "phone" in typed:
        try:
            values["phone"] = normalize_phone(str(typed["phone"] or ""))
        except ValidationError as exc:
            errors.update(exc.errors)
    if "address" in typed:
        values["address"] = clean_text(str(typed["address"] or ""), "address", max_length=SHORT_TEXT_LENGTH,
                                       errors=errors)  # fmt: skip
    if "housing_area" in typed:
        values["housing_area"] = clean_text(str(typed["housing_area"] or ""), "housing_area", max_length=NAME_LENGTH,
                                            errors=errors)  # fmt: skip
    for field, name in _VOCABULARIES.items():
        if field in typed:
            vocabulary = getattr(reference, name)
            values[field] = _code(vocabulary, field, typed[field], getattr(tx_citizen, field), errors)
    if "interpreter_needed" in typed:
        values["interpreter_needed"] = bool(typed["interpreter_needed"])
    if "cpr" in typed:
        text = str(typed["cpr"] or "").strip()
        if text:
            try:
                cpr = parse_cpr(text, today)
            except CprError as exc:
                errors["cpr"] = exc.message
            else:
                other = session.scalar(
                    select(Citizen.id).where(
                        Citizen.cpr == cpr.digits, Citizen.id != tx_citizen.id, Citizen.deleted_at.is_(None)
                    )
                )
                if other is not None:
                    errors["cpr"] = (
                        "En anden borger er allerede registreret med dette CPR-nummer. Søg borgeren frem (F3); "
                        "er det samme person, skal den ene registrering slettes."
                    )
        values["cpr"] = cpr.digits if cpr else None
        if cpr is not None:
            values["birth_date"], values["sex"] = cpr.birth_date, cpr.sex
    if "benefit_since" in typed:
        birth = cpr.birth_date if cpr else tx_citizen.birth_date
        values["benefit_since"] = _benefit_since(typed["benefit_since"], today, birth, errors)
    if "jobkonsulent_id" in typed:
        staff_id = str(typed["jobkonsulent_id"] or "").strip() or None
        if staff_id is not None and staff_id != tx_citizen.jobkonsulent_id:
            staff = session.get(Staff, staff_id)
            if staff is None or not staff.active or staff.deleted_at is not None or staff.role != "jobkonsulent":
                errors["jobkonsulent_id"] = "Vælg en aktiv jobkonsulent."
        values["jobkonsulent_id"] = staff_id
    if errors:
        raise ValidationError(errors)
    return values, cpr


def update_base_data(db: Database, actor_id: str | None, citizen_id: str, **typed: Any) -> BaseDataSaved:
    """Save the citizen's base data from what was typed (only the keys given; see the module text). Codes
    and the jobkonsulent as ids ("" = none), ``benefit_since`` as typed (Danish date) or a date,
    ``interpreter_needed`` a bool. Raises ValidationError / PermissionDenied with nothing written."""
    unknown = set(typed) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not base data: {', '.join(sorted(unknown))}")
    with db.transaction() as tx:
        if any(field in typed for field in CONTACT_FIELDS):
            authorize(tx, actor_id, "edit_contact_data")
        if any(field in typed for field in BASE_FIELDS):
            authorize(tx, actor_id, "edit_base_data")
        citizen = load_citizen(tx, citizen_id)
        had_cpr = citizen.cpr
        values, cpr = validate_base_data(citizen, typed, local_date(tx.now), tx.session)
        changed = tx.update(citizen, **values)
        if not changed:
            return BaseDataSaved(())
        if SEARCHED & set(changed):
            index_citizen(tx.session, citizen.id, citizen.name, citizen.cpr, citizen.phone)
        if {"benefit_since", "benefit_type"} & set(changed):  # LAB § 31 counts from the benefit's start
            recompute_now(tx, citizen.id, actor_id=actor_id)
        labels = [FIELD_LABELS.get(name, name) for name in changed if name not in ("birth_date", "sex", "cpr")]
        if "cpr" in changed:  # the audit says what happened to the CPR number, never the number itself
            labels.append("CPR-nummer " + ("tilføjet" if had_cpr is None else "fjernet" if cpr is None else "rettet"))
        tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, "Stamdata ændret: " + ", ".join(labels))
    return BaseDataSaved(tuple(changed), cpr.warnings if cpr is not None and "cpr" in changed else ())

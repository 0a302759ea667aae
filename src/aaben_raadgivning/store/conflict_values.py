"""The values of a sync conflict as a person sees and types them.

Shown: dates the Danish way, yes/no, references by name, a password hash never. Typed: a merged value
(«Skriv samlet») is only taken for free text and a few plain dates. Every other field has rules that
only its own form checks (a CPR number, a status, an agreement's schedule, a reference to another
record), so there only one of the two sides can be kept, and the form can correct it afterwards.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from aaben_raadgivning.domain.consent import load_consent_vocabulary, split_categories
from aaben_raadgivning.domain.dates import DateInputError, format_date, format_datetime, parse_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.text import too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.integrity import TABLE_NAMES
from aaben_raadgivning.store.models import Base

FREE_TEXT: dict[str, frozenset[str]] = {
    "offices": frozenset({"name", "housing_area"}),
    "staff": frozenset({"name"}),
    "citizens": frozenset({"name", "housing_area", "address", "job_goal", "resources", "barriers"}),
    "companies": frozenset({"name", "address", "industry", "suitable_tasks", "notes"}),
    "company_contacts": frozenset({"name", "role"}),  # phone and e-mail have their form's checks
    "agreements": frozenset({"status_reason", "tasks", "health_notes", "praktik_assessment", "praktik_expectations"}),
    "follow_up_tasks": frozenset({"reason", "note"}),
    "sub_goals": frozenset({"text"}),
}
PLAIN_DATES: dict[str, frozenset[str]] = {
    "citizens": frozenset({"project_start", "step_since", "benefit_since"}),
    "follow_up_tasks": frozenset({"due_date"}),
}
HIDDEN = frozenset({("staff", "password_hash")})
# What a reference is shown by: the referenced table → SQL giving its display name.
_NAMES = {
    "staff": "SELECT name || ' (' || initials || ')' FROM staff WHERE id = ?",
    "citizens": "SELECT name FROM citizens WHERE id = ?",
    "companies": "SELECT name FROM companies WHERE id = ?",
    "company_contacts": "SELECT name FROM company_contacts WHERE id = ?",
    "offices": "SELECT name FROM offices WHERE id = ?",
}


# What a conflicting record is called on F9: its kind and, where it has one, its name.
_RECORDS = {
    "citizens": ("Borger", _NAMES["citizens"]),
    "staff": ("Medarbejder", _NAMES["staff"]),
    "companies": ("Virksomhed", _NAMES["companies"]),
    "company_contacts": ("Kontaktperson", _NAMES["company_contacts"]),
    "offices": ("Kontor", _NAMES["offices"]),
    "agreements": ("Aftale", "SELECT c.name || ' hos ' || v.name FROM agreements AS a JOIN citizens AS c ON "
                             "c.id = a.citizen_id JOIN companies AS v ON v.id = a.company_id WHERE a.id = ?"),
    "follow_up_tasks": ("Opfølgning", "SELECT c.name || ': ' || t.reason FROM follow_up_tasks AS t JOIN citizens "
                                      "AS c ON c.id = t.citizen_id WHERE t.id = ?"),
    "sub_goals": ("Delmål", "SELECT c.name || ': ' || g.text FROM sub_goals AS g JOIN citizens AS c ON "
                            "c.id = g.citizen_id WHERE g.id = ?"),
    "consents": ("Samtykke", "SELECT c.name FROM consents AS s JOIN citizens AS c ON c.id = s.citizen_id "
                             "WHERE s.id = ?"),
}  # fmt: skip


def record_label(db: Database, table: str, row_id: str) -> str:
    """«Borger: Åse Hansen», «Aftale: Åse Hansen hos Netto» …: which record a conflict is about."""
    if table not in _RECORDS:
        return TABLE_NAMES.get(table, table).capitalize()
    kind, sql = _RECORDS[table]
    with db.engine.connect() as conn:
        name = conn.exec_driver_sql(sql, (row_id,)).scalar()
        conn.rollback()
    return f"{kind}: {name or row_id[:8]}"


def _column(table: str, field: str) -> Any:
    model_table = Base.metadata.tables.get(table)
    return model_table.columns.get(field) if model_table is not None else None


FROZEN_REFUSAL = (
    "Samtykket er trukket tilbage, og en tilbagetrækning vinder altid over en fornyelse (hensynet til borgerens "
    "data går forud). Behold den nuværende værdi. Giver borgeren samtykke igen, registreres et nyt samtykke "
    "(F3, tast k)."
)


def merge_refusal(table: str, field: str) -> str | None:
    """Why no merged value can be typed for this field, or None when one can."""
    if table == "consents":
        return "Et samtykke kan ikke skrives her: behold en af de to værdier, og ret det bagefter under Samtykke (F3)."
    if (table, field) in HIDDEN:
        return "En adgangskode kan ikke skrives her. Behold en af de to, og giv evt. en ny adgangskode."
    if field in FREE_TEXT.get(table, ()) or field in PLAIN_DATES.get(table, ()):
        return None
    column = _column(table, field)
    if column is not None and getattr(column.type, "python_type", None) is bool:
        return "Feltet er ja/nej: behold en af de to værdier."
    return "Feltet kan ikke skrives frit her: behold en af de to værdier, og ret det bagefter i sin formular."


def parse_merged(table: str, field: str, text: str, today: date) -> Any:
    """A typed merged value as the column takes it; ValidationError (Danish) when it cannot be used."""
    refusal = merge_refusal(table, field)
    if refusal:
        raise ValidationError.single("merged", refusal)
    if field in PLAIN_DATES.get(table, ()):
        try:
            return parse_date(text, today)
        except DateInputError as exc:
            raise ValidationError.single("merged", exc.message) from None
    column = _column(table, field)
    value = text.strip()
    if not value:  # an empty field is one of the two sides or a form's job, never a "merge"
        raise ValidationError.single("merged", "Skriv værdien, eller behold en af de to.")
    limit = getattr(column.type, "length", None) if column is not None else None
    if limit and (problem := too_long(value, limit, "Teksten er for lang: højst {limit} tegn.")):
        raise ValidationError.single("merged", problem)
    return value


def display_value(db: Database, table: str, field: str, text: str | None) -> str:
    """One side's value as shown on the conflicts screen."""
    if (table, field) in HIDDEN:
        return "(skjult)"
    value = json.loads(text) if text is not None else None
    if value in (None, ""):
        return "(tom)"
    if (table, field) == ("consents", "categories") and isinstance(value, str):
        return ", ".join(load_consent_vocabulary().category_labels(split_categories(value))) or "(tom)"
    column = _column(table, field)
    python_type = getattr(column.type, "python_type", None) if column is not None else None
    try:
        if python_type is bool:
            return "ja" if value else "nej"
        if python_type is date and isinstance(value, str):
            return format_date(date.fromisoformat(value[:10]))
        if python_type is datetime and isinstance(value, str):
            return format_datetime(datetime.fromisoformat(value))
    except ValueError:
        return str(value)  # not what this version writes: shown as it came
    if column is not None and column.foreign_keys and isinstance(value, str):
        parent = next(iter(column.foreign_keys)).column.table.name
        if parent in _NAMES:
            with db.engine.connect() as conn:
                name = conn.exec_driver_sql(_NAMES[parent], (value,)).scalar()
                conn.rollback()
            return name or f"(ukendt, {value[:8]})"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(tom)"
    if isinstance(value, dict):
        return "(se posten)"
    return str(value)


def editable_value(table: str, field: str, text: str | None) -> str:
    """The value put in the merged-value field to start from (dates typed the Danish way)."""
    value = json.loads(text) if text is not None else None
    if value is None:
        return ""
    if field in PLAIN_DATES.get(table, ()) and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return str(value)

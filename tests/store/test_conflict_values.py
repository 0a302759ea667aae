"""How a conflict's values are shown on F9, and which typed merged values are taken (table-driven)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.conflict_values import (
    display_value,
    editable_value,
    merge_refusal,
    parse_merged,
    record_label,
)
from support.agreements import add_plan_visit, citizen_with_agreement

TODAY = date(2026, 11, 24)


def _logged(value) -> str:
    return json.dumps(value)


@pytest.mark.parametrize(
    ("table", "field", "value", "shown"),
    [
        ("citizens", "housing_area", "Nord", "Nord"),
        ("citizens", "housing_area", "", "(tom)"),
        ("citizens", "phone", None, "(tom)"),
        ("citizens", "self_supporting", True, "ja"),
        ("staff", "active", False, "nej"),
        ("citizens", "project_start", "2026-12-01", "01.12.2026"),
        ("follow_up_tasks", "due_date", "2026-02-03", "03.02.2026"),
        ("citizens", "deleted_at", "2026-11-24T10:15:00", "24.11.2026 10.15"),
        ("staff", "password_hash", "scrypt$16384$8$1$aa$bb", "(skjult)"),
        ("citizens", "project_start", "ikke en dato", "ikke en dato"),  # not ours: shown as it came
    ],
)
def test_values_are_shown_the_danish_way(world, table, field, value, shown):
    assert display_value(world.db, table, field, None if value is None else _logged(value)) == shown


def test_references_are_shown_by_name(world):
    assert display_value(world.db, "citizens", "jobkonsulent_id", _logged(world.jk.id)) == "Jette Kristensen (JK)"
    assert display_value(world.db, "citizens", "jobkonsulent_id", _logged("0123456789abcdef")) == "(ukendt, 01234567)"


@pytest.mark.parametrize(
    ("table", "field", "typed", "taken"),
    [
        ("citizens", "housing_area", "  Nord og Syd ", "Nord og Syd"),
        ("agreements", "tasks", "Lager og kasse", "Lager og kasse"),
        ("citizens", "project_start", "1.12.2026", date(2026, 12, 1)),
        ("follow_up_tasks", "due_date", "fredag", date(2026, 11, 27)),
    ],
)
def test_typed_merged_values_that_are_taken(table, field, typed, taken):
    assert parse_merged(table, field, typed, TODAY) == taken


@pytest.mark.parametrize(
    ("table", "field", "typed", "message", "whole_field"),
    [
        ("citizens", "project_start", "31.02.2026", "«31.02.2026» er ikke en gyldig dato.", False),
        ("follow_up_tasks", "due_date", "", "Dato mangler.", False),
        ("citizens", "name", " ", "Skriv værdien, eller behold en af de to.", False),
        ("citizens", "housing_area", "", "Skriv værdien, eller behold en af de to.", False),
        ("citizens", "name", "Å" * 201, "Teksten er for lang: højst 200 tegn.", False),
        ("company_contacts", "email", "ikke en adresse", "Feltet kan ikke skrives frit her", True),
        ("citizens", "cpr", "010203-1234", "Feltet kan ikke skrives frit her", True),
        ("citizens", "jobkonsulent_id", "JK", "Feltet kan ikke skrives frit her", True),
        ("agreements", "schedule", "mandag 8-12", "Feltet kan ikke skrives frit her", True),
        ("agreements", "status", "aktiv", "Feltet kan ikke skrives frit her", True),
        ("citizens", "self_supporting", "ja", "Feltet er ja/nej", True),
        ("staff", "password_hash", "hemmelig", "En adgangskode kan ikke skrives her", True),
    ],
)
def test_typed_merged_values_that_are_refused(table, field, typed, message, whole_field):
    """``whole_field``: no typed value is ever taken (F9 does not even open the dialog)."""
    with pytest.raises(ValidationError) as refused:
        parse_merged(table, field, typed, TODAY)
    assert message in refused.value.errors["merged"]
    assert (merge_refusal(table, field) is not None) == whole_field


@pytest.mark.parametrize(
    ("table", "field", "value", "start"),
    [
        ("citizens", "project_start", "2026-12-01", "01.12.2026"),
        ("citizens", "housing_area", "Nord", "Nord"),
        ("citizens", "housing_area", None, ""),
    ],
)
def test_the_merged_value_starts_from_the_value_in_force_as_one_would_type_it(table, field, value, start):
    assert editable_value(table, field, None if value is None else _logged(value)) == start


def test_which_record_a_conflict_is_about(world):
    from datetime import date as day

    citizen, company, contact, agreement = citizen_with_agreement(world)
    task = add_plan_visit(world.db, agreement, day(2026, 12, 1))
    labels = {
        table: record_label(world.db, table, row_id)
        for table, row_id in [("citizens", citizen.id), ("staff", world.jf.id), ("companies", company.id),
                              ("company_contacts", contact.id), ("agreements", agreement.id),
                              ("follow_up_tasks", task.id), ("walk_ins", "x")]
    }  # fmt: skip
    assert labels == {
        "citizens": "Borger: Amina Hussein",
        "staff": "Medarbejder: Jakob Frederiksen (JF)",
        "companies": "Virksomhed: Bilka Tilst",
        "company_contacts": f"Kontaktperson: {contact.name}",
        "agreements": "Aftale: Amina Hussein hos Bilka Tilst",
        "follow_up_tasks": f"Opfølgning: Amina Hussein: {task.reason}",
        "walk_ins": "Henvendelser",
    }
    assert record_label(world.db, "citizens", "0123456789abcdef") == "Borger: 01234567"  # purged meanwhile

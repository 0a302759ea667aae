"""Names and free text reach the database only as clean text: no control characters, no direction
overrides, no broken characters, no endless names; phone numbers with the digits 0–9."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.companies import CompanyInput, create_company
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import Citizen, Company, Event, Staff, WalkIn

BAD = [("\x00", "kontroltegn"), ("\x1b[2J", "kontroltegn"), ("\u202e", "skriveretningen"), ("\udcff", "ødelagt tegn")]


def _count(world, model) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_a_staff_name_with_a_bad_character_is_refused(world, bad, says):
    before = _count(world, Staff)
    with pytest.raises(ValidationError) as excinfo:
        create_staff(world.db, initials="CD", name=f"Carl{bad}Dam", role="leder", password="hemmelig1")
    assert says in excinfo.value.errors["name"] and _count(world, Staff) == before


def test_a_staff_name_has_a_length_limit(world):
    with pytest.raises(ValidationError, match="højst 200 tegn"):
        create_staff(world.db, initials="CD", name="C" * 201, role="leder", password="hemmelig1")


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_a_citizen_name_or_housing_area_with_a_bad_character_is_refused(world, bad, says):
    with pytest.raises(ValidationError, match=says):
        create_citizen(world.db, world.jk.id, name=f"Ali{bad} Hassan")
    with pytest.raises(ValidationError, match=says):
        create_citizen(world.db, world.jk.id, name="Ali Hassan", housing_area=f"Vollsmose{bad}")
    assert _count(world, Citizen) == 0


def test_a_housing_area_has_a_length_limit(world):
    with pytest.raises(ValidationError, match="højst 200 tegn"):
        create_citizen(world.db, world.jk.id, name="Ali Hassan", housing_area="V" * 201)
    assert _count(world, Citizen) == 0


def test_clean_names_are_stored_tidy_and_phones_with_ascii_digits(world):
    citizen = create_citizen(world.db, world.jk.id, name="  A\u030ase   Nielsen ", phone="٢٠ ٣٠ ٤٠ ٥٠",
                             housing_area=" Vollsmose ")  # fmt: skip
    with world.db.session() as session:
        stored = session.get(Citizen, citizen.id)
        assert (stored.name, stored.phone, stored.housing_area) == ("Åse Nielsen", "20304050", "Vollsmose")


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_free_text_with_a_bad_character_is_refused(world, bad, says):
    citizen = create_citizen(world.db, world.jk.id, name="Ali Hassan")
    events = _count(world, Event)
    with pytest.raises(ValidationError, match=says):
        add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale", details=f"Et\nto{bad}")
    with pytest.raises(ValidationError, match=says):
        register_walk_in(world.db, world.jk.id, citizen_id=citizen.id, reason="job", note=f"x{bad}")
    with pytest.raises(ValidationError, match=says):
        create_company(world.db, world.jk.id, CompanyInput(cvr="", name=f"Firma{bad} ApS"))
    assert _count(world, Event) == events and _count(world, WalkIn) == 0 and _count(world, Company) == 0

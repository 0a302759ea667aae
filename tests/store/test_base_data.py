"""The citizen's base data (stamdata): validation in Danish with nothing written, only changed fields written
(one change-log entry each), one audit entry, search terms refreshed, permissions and read scopes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Citizen
from aaben_raadgivning.store.queries.citizen import citizen_summary
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from support.clock import PASSWORD

TODAY = date(2026, 11, 24)


def counts(db) -> dict[str, int]:
    with db.session() as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
                for m in (Citizen, ChangeLogEntry, AuditEntry)}  # fmt: skip


def updated_fields(db, citizen_id) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(ChangeLogEntry.field)
                .where(ChangeLogEntry.row_id == citizen_id, ChangeLogEntry.op == "update")
                .order_by(ChangeLogEntry.hlc)
            )
        )


def get(db, citizen_id) -> Citizen:
    with db.session() as session:
        return session.get(Citizen, citizen_id)


@pytest.fixture
def citizen(world):
    return create_citizen(world.db, world.jk.id, name="Amina Hussein", phone="12345678")


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"cpr": "320190-1234"}, "cpr", "CPR"),
        ({"cpr": "12345"}, "cpr", "10 cifre"),
        ({"phone": "12 34"}, "phone", "er ikke et telefonnummer"),
        ({"name": "   "}, "name", "Navn mangler"),
        ({"name": "x" * 300}, "name", "for langt"),
        ({"benefit_type": "borgerloen"}, "benefit_type", "Ukendt ydelse «borgerloen»"),
        ({"readiness": "klar"}, "readiness", "Ukendt parathed"),
        ({"match_group": "9"}, "match_group", "Ukendt matchgruppe"),
        ({"language": "klingon"}, "language", "Ukendt sprog"),
        ({"benefit_since": "01.01.2027"}, "benefit_since", "ligger i fremtiden"),
        ({"benefit_since": "i går i forgårs"}, "benefit_since", "Skriv fx"),
        ({"cpr": "010190-1234", "benefit_since": "01.01.1985"}, "benefit_since", "før borgerens fødselsdato"),
        ({"jobkonsulent_id": "no-such-staff"}, "jobkonsulent_id", "aktiv jobkonsulent"),
        ({"address": "Vej 1\x07"}, "address", ""),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_is_written(world, citizen, typed, field, message):
    before = counts(world.db)
    with pytest.raises(ValidationError) as excinfo:
        update_base_data(world.db, world.jk.id, citizen.id, **{"name": "Amina Ali", **typed})
    assert field in excinfo.value.errors
    assert message in excinfo.value.errors[field]
    assert counts(world.db) == before
    assert get(world.db, citizen.id).name == "Amina Hussein"  # the valid change in the same save is not written


def test_a_jobformidler_is_not_a_jobkonsulent(world, citizen):
    with pytest.raises(ValidationError, match="jobkonsulent"):
        update_base_data(world.db, world.jk.id, citizen.id, jobkonsulent_id=world.jf.id)


def test_only_changed_fields_are_written_each_with_its_change_log_entry_and_one_audit(world, citizen):
    before = counts(world.db)
    saved = update_base_data(
        world.db, world.jk.id, citizen.id,
        name="Amina Hussein", phone="12 34 56 78",  # unchanged (the phone as typed, normalised the same)
        address="Vibeholmparken 12, 2. th.", language="somali", interpreter_needed=True,
        benefit_type="kontanthjaelp", benefit_since="1.3.2019", readiness="aktivitetsparat", match_group="3",
        jobkonsulent_id=world.jk.id,
    )  # fmt: skip
    expected = ["address", "language", "interpreter_needed", "benefit_type", "benefit_since", "readiness",
                "match_group", "jobkonsulent_id"]  # fmt: skip
    assert sorted(saved.changed) == sorted(expected)
    assert sorted(updated_fields(world.db, citizen.id)) == sorted(expected)
    after = counts(world.db)
    assert after["change_log"] - before["change_log"] == len(expected) + 1  # + the audit row's insert
    assert after["audit_log"] - before["audit_log"] == 1
    stored = get(world.db, citizen.id)
    assert (stored.benefit_since, stored.match_group, stored.interpreter_needed) == (date(2019, 3, 1), "3", True)
    with world.db.session() as session:
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.chain_seq.desc())).first()
    assert audit.action == "update" and audit.citizen_id == citizen.id
    assert "adresse" in audit.detail and "matchgruppe" in audit.detail
    # Saving the same again writes nothing at all.
    again = update_base_data(world.db, world.jk.id, citizen.id, address="Vibeholmparken 12, 2. th.", match_group="3")
    assert again.changed == () and again.message == "Stamdata er uændrede."
    assert counts(world.db) == after


def test_adding_and_correcting_the_cpr_is_audited_without_the_number_and_refreshes_search(world, citizen):
    saved = update_base_data(world.db, world.jk.id, citizen.id, cpr="010190-1234")
    assert set(saved.changed) == {"cpr", "birth_date", "sex"}
    stored = get(world.db, citizen.id)
    assert (stored.cpr, stored.birth_date, stored.sex) == ("0101901234", date(1990, 1, 1), "K")
    update_base_data(world.db, world.jk.id, citizen.id, cpr="150375-3341", name="Amina Ali", phone="87654321")
    with world.db.session() as session:
        details = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.citizen_id == citizen.id)))
    assert any("CPR-nummer tilføjet" in d for d in details)
    assert any("CPR-nummer rettet" in d for d in details)
    assert not any("0101901234" in d or "1503753341" in d for d in details)
    viewer = Viewer.of(world.jk)
    assert [hit.id for hit in search_citizens(world.db, "Amina Ali", viewer=viewer)] == [citizen.id]
    assert [hit.id for hit in search_citizens(world.db, "87654321", viewer=viewer)] == [citizen.id]
    assert search_citizens(world.db, "12345678", viewer=viewer) == []
    assert search_citizens(world.db, "Hussein", viewer=viewer) == []


def test_a_cpr_another_citizen_has_is_refused(world, citizen):
    create_citizen(world.db, world.jk.id, name="Ole Olsen", cpr="010190-1234")
    with pytest.raises(ValidationError, match="En anden borger"):
        update_base_data(world.db, world.jk.id, citizen.id, cpr="0101901234")


def test_a_retired_benefit_type_the_record_has_is_kept(world, citizen):
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen.id), benefit_type="uddannelseshjaelp")
    assert update_base_data(world.db, world.jk.id, citizen.id, benefit_type="uddannelseshjaelp").changed == ()
    with pytest.raises(ValidationError, match="Ukendt ydelse"):
        update_base_data(world.db, world.jk.id, world_other(world).id, benefit_type="uddannelseshjaelp")


def world_other(world):
    return create_citizen(world.db, world.jk.id, name="Karl Berg")


@pytest.mark.parametrize(
    ("role", "typed", "allowed"),
    [
        ("boligsocial", {"phone": "23456789", "interpreter_needed": True}, True),
        ("boligsocial", {"benefit_type": "kontanthjaelp"}, False),
        ("boligsocial", {"cpr": "010190-1234"}, False),
        ("leder", {"phone": "23456789"}, False),
        ("jobformidler", {"readiness": "jobparat", "phone": "23456789"}, True),
    ],
)
def test_permissions(world, citizen, role, typed, allowed):
    actor = create_staff(world.db, initials="XX", name="Xenia", role=role, password=PASSWORD)
    before = counts(world.db)
    if allowed:
        assert update_base_data(world.db, actor.id, citizen.id, **typed).changed
    else:
        with pytest.raises(PermissionDenied, match="Som "):
            update_base_data(world.db, actor.id, citizen.id, **typed)
        assert counts(world.db) == before


def test_benefit_fields_follow_the_benefit_read_scope_and_contact_fields_the_contact_scope(world, citizen):
    update_base_data(world.db, world.jk.id, citizen.id, benefit_since="01.03.2019", match_group="4",
                     address="Parkvej 3", interpreter_needed=True, language="arabisk")  # fmt: skip
    boligsocial = create_staff(world.db, initials="BM", name="Bashir", role="boligsocial", password=PASSWORD)
    seen = citizen_summary(world.db, citizen.id, TODAY, viewer=Viewer.of(boligsocial)).citizen
    assert (seen.benefit_since, seen.match_group) == (None, None)
    assert (seen.address, seen.interpreter_needed, seen.language) == ("Parkvej 3", True, "arabisk")
    full = citizen_summary(world.db, citizen.id, TODAY, viewer=Viewer.of(world.jf)).citizen
    assert (full.benefit_since, full.match_group) == (date(2019, 3, 1), "4")


def test_visitation_into_the_project_puts_the_citizen_in_the_jobkonsulents_caseload(world, citizen):
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    assert get(world.db, citizen.id).jobkonsulent_id == world.jk.id
    other_jk = create_staff(world.db, initials="KK", name="Karen", role="jobkonsulent", password=PASSWORD)
    second = world_other(world)
    update_base_data(world.db, world.jk.id, second.id, jobkonsulent_id=other_jk.id)
    record_visitation(world.db, world.jk.id, second.id, "projekt")
    assert get(world.db, second.id).jobkonsulent_id == other_jk.id  # an existing jobkonsulent is kept
    third = create_citizen(world.db, world.jk.id, name="Rehab Borger")
    record_visitation(world.db, world.jk.id, third.id, "rehab")
    assert get(world.db, third.id).jobkonsulent_id is None  # not into the project: no caseload

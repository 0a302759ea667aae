"""Stamdata and udfald across laptops: a base-data edit and an exit outcome (with its efterværn tasks) made on
one laptop reach the other; concurrent edits of the same new field conflict like any edit and are shown on F9,
edits of different fields merge."""

from __future__ import annotations

from datetime import date

import pytest

from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.outcomes import record_outcome
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Citizen, CitizenOutcome, FollowUpTask
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.sync.engine import open_conflicts, sync
from aaben_raadgivning.sync.office_share import create_share
from support.keys import TEST_OFFICE_KEY
from support.replicas import new_device, replica_state, template_database


@pytest.fixture
def office(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    citizen = create_citizen(a, staff.id, name="Åse Hansen")
    sync(a, share, device_name="laptop-a")
    sync(b, share, device_name="laptop-b")
    sync(a, share)
    yield a, b, share, staff, citizen
    a.close()
    b.close()


def _exchange(share, *dbs) -> None:
    for _ in range(2):
        for db in dbs:
            sync(db, share)


def _citizen(db, citizen_id) -> Citizen:
    with db.session() as session:
        return session.get(Citizen, citizen_id)


def test_base_data_and_an_outcome_made_on_one_laptop_reach_the_other(office):
    a, b, share, staff, citizen = office
    update_base_data(a, staff.id, citizen.id, name="Åse Hansen Ali", address="Parkvej 3", language="arabisk",
                     interpreter_needed=True, benefit_since="01.03.2019", match_group="3", cpr="010190-1234")  # fmt: skip
    saved = record_outcome(a, staff.id, citizen.id, outcome="job_fuldtid", outcome_date="02.11.2026")
    _exchange(share, a, b)
    there = _citizen(b, citizen.id)
    assert (there.name, there.address, there.language, there.interpreter_needed) == (
        "Åse Hansen Ali", "Parkvej 3", "arabisk", True)  # fmt: skip
    assert (there.benefit_since, there.match_group, there.cpr) == (date(2019, 3, 1), "3", "0101901234")
    assert there.self_supporting
    with b.session() as session:
        assert session.get(CitizenOutcome, saved.outcome_id).outcome == "job_fuldtid"
        aftercare = session.query(FollowUpTask).filter_by(citizen_id=citizen.id, rule="aftercare").count()
    assert aftercare == 3
    # The search on laptop B finds the new name (the index is rebuilt from the synced rows).
    hits = search_citizens(b, "Ali", viewer=Viewer.system())
    assert [hit.id for hit in hits] == [citizen.id]
    assert replica_state(a) == replica_state(b)


def test_concurrent_edits_of_a_new_field_conflict_and_of_different_fields_merge(office):
    a, b, share, staff, citizen = office
    update_base_data(a, staff.id, citizen.id, match_group="3", address="Parkvej 3")
    update_base_data(b, staff.id, citizen.id, match_group="4", language="somali")
    _exchange(share, a, b)
    assert replica_state(a) == replica_state(b)
    merged = _citizen(a, citizen.id)
    assert (merged.address, merged.language) == ("Parkvej 3", "somali")  # different fields: both kept
    shown = [c for c in open_conflicts(a) if c["table_name"] == "citizens"]
    assert [c["field"] for c in shown] == ["match_group"]  # the same field: one wins, the other is shown
    assert merged.match_group in ("3", "4")

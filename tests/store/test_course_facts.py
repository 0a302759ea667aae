"""Trin 2 and trin 3 exit facts computed from agreements and hours reports (not only by override)."""

from __future__ import annotations

from datetime import date

import pytest

from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import evaluate_exit
from aaben_raadgivning.store.actions.citizen_record import advance_step, record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.models import Citizen, CompanyContact
from aaben_raadgivning.store.queries.step_facts import citizen_facts
from aaben_raadgivning.store.records import citizen_model
from support.agreements import add_plan_visit, make_agreement, make_company


def facts_of(world, citizen_id: str) -> dict:
    with world.db.session() as session:
        return citizen_facts(session.get(Citizen, citizen_id), session)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("nothing", {"active_agreement": False, "follow_up_plan": False, "company_contact_person": False}),
        ("draft", {"active_agreement": False, "follow_up_plan": False, "company_contact_person": False}),
        ("active_bare", {"active_agreement": True, "follow_up_plan": False, "company_contact_person": False}),
        ("active_contact", {"active_agreement": True, "follow_up_plan": False, "company_contact_person": True}),
        ("active_plan_text", {"active_agreement": True, "follow_up_plan": True, "company_contact_person": False}),
        ("active_plan_tasks", {"active_agreement": True, "follow_up_plan": True, "company_contact_person": True}),
        ("empty_plan_json", {"active_agreement": True, "follow_up_plan": False, "company_contact_person": True}),
        ("deleted_contact", {"active_agreement": True, "follow_up_plan": False, "company_contact_person": False}),
        ("ended", {"active_agreement": False, "follow_up_plan": False, "company_contact_person": False}),
    ],
)
def test_trin2_facts(world, setup, expected):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    company, contact = make_company(world.db)
    if setup == "draft":
        make_agreement(world.db, citizen.id, company, contact, status="udkast", follow_up_plan='{"cadence": []}')
    elif setup == "active_bare":
        make_agreement(world.db, citizen.id, company, None)
    elif setup == "active_contact":
        make_agreement(world.db, citizen.id, company, contact)
    elif setup == "active_plan_text":
        make_agreement(world.db, citizen.id, company, None, follow_up_plan='{"weekly_weeks": 4}')
    elif setup == "active_plan_tasks":
        add_plan_visit(world.db, make_agreement(world.db, citizen.id, company, contact), date(2026, 12, 1))
    elif setup == "empty_plan_json":
        make_agreement(world.db, citizen.id, company, contact, follow_up_plan="{}")
    elif setup == "deleted_contact":
        make_agreement(world.db, citizen.id, company, contact)
        with world.db.transaction() as tx:
            tx.tombstone(tx.session.get(CompanyContact, contact.id))
    elif setup == "ended":
        make_agreement(world.db, citizen.id, company, contact, status="afsluttet", follow_up_plan='{"x": 1}')
    facts = facts_of(world, citizen.id)
    assert {key: facts[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("reports", "best"),
    [
        ([], 0),
        ([("2026-10", 1800, 0)], 30),
        ([("2026-10", 600, 9000), ("2026-11", 1230, 0)], 20.5),  # praktik never counts
        ([("2026-08", 2400, 0), ("2026-11", 600, 0)], 10),  # months before the current step do not count
    ],
)
def test_trin3_best_month_since_the_step(world, reports, best):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    company, contact = make_company(world.db)
    agreement = make_agreement(world.db, citizen.id, company, contact, start=date(2026, 6, 1))
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen.id), step="trin3", step_since=date(2026, 9, 15))
    for month, ordinary, praktik in reports:
        year, number = map(int, month.split("-"))
        register_hours(world.db, world.jf.id, agreement.id, date(year, number, 1), ordinary=ordinary, praktik=praktik)
    assert facts_of(world, citizen.id)["ordinary_hours_best_month"] == best


def test_trin2_and_trin3_exit_without_override_from_real_data(world):
    db, jk = world.db, world.jk.id
    citizen = create_citizen(db, jk, name="Amina Hussein")
    record_visitation(db, jk, citizen.id, "projekt")
    with db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen.id), step="trin2")
    company, contact = make_company(db)
    agreement = make_agreement(db, citizen.id, company, contact)
    with db.session() as session:
        row = session.get(Citizen, citizen.id)
        evaluation = evaluate_exit(citizen_model(row), "trin2", citizen_facts(row, session), load_rules())
    assert evaluation.missing == ("Der er ingen opfølgningsplan",)
    add_plan_visit(db, agreement, date(2026, 12, 1))
    assert advance_step(db, jk, citizen.id).to_step == "trin3"
    register_hours(db, world.jf.id, agreement.id, date(2026, 11, 1), ordinary=1800)
    decision = advance_step(db, jk, citizen.id)
    assert decision.to_step == "afsluttet" and not decision.overridden

"""Shared set-up for agreement tests: a company with a contact person and a citizen in trin 3 (aktivitetsparat,
the projects' target group, so the aktivitetsparate praktik limits apply)."""

from __future__ import annotations

from aaben_raadgivning.domain.agreements import AgreementInput
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import (
    advance_step,
    record_visitation,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.companies import (
    CompanyInput,
    ContactInput,
    create_company,
)
from aaben_raadgivning.store.queries.companies import company_contacts


def make_company(world, cvr="10150817", name="Østergårds Bageri"):
    company = create_company(
        world.db, world.jf.id, CompanyInput(cvr=cvr, name=name), (ContactInput(name="Lise Holm", role="Indehaver"),)
    )
    return company, company_contacts(world.db, company.id)[0]


def make_citizen(world, name="Amina Hussein", cpr="010190-1234", step="trin3", readiness="aktivitetsparat"):
    citizen = create_citizen(world.db, world.jk.id, name=name, cpr=cpr)
    if readiness is not None:
        update_base_data(world.db, world.jk.id, citizen.id, readiness=readiness)
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    while step != "trin1":
        decision = advance_step(world.db, world.jk.id, citizen.id, override_reason="Test: kriterierne er vurderet")
        if decision.to_step == step:
            break
    return citizen


def agreement_input(world, citizen, company, contact, **changes) -> AgreementInput:
    base = {
        "citizen_id": citizen.id, "company_id": company.id, "course_kind": "kombination",
        "tasks": "Opfyldning af varer og rengøring af bageriet", "contact_id": contact.id,
        "jobformidler_id": world.jf.id, "start_date": "1.12.2026", "end_date": "26.2.2027",
        "schedule": {"ordinary": ["2", "", "2"], "praktik": ["", "5", "", "5"]},
        "praktik_purpose": "traening", "praktik_expectations": "Lære bageriets faste opgaver; besked ved fravær",
    }  # fmt: skip
    base.update(changes)
    return AgreementInput(**base)

"""Issue 17: an agreement's new fields (whether and when ordinary hours are expected, seed 000 KE 7; the
praktik's purpose and agreed expectations, seed 002) sync field by field between two laptops."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aaben_raadgivning.domain.agreements import AgreementInput
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.actions.agreements import input_of, save_agreement
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.companies import CompanyInput, ContactInput, create_company
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Agreement
from aaben_raadgivning.store.queries.companies import company_contacts
from aaben_raadgivning.sync.engine import sync
from aaben_raadgivning.sync.office_share import create_share
from support.keys import TEST_OFFICE_KEY
from support.replicas import new_device, template_database


@pytest.fixture
def office(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    sync(a, share, device_name="laptop-a")
    sync(b, share, device_name="laptop-b")
    yield a, b, share, staff
    a.close()
    b.close()


def exchange(share, *dbs) -> None:
    for _ in range(2):
        for db in dbs:
            sync(db, share)


def stored(db, agreement_id: str) -> tuple:
    with db.session() as session:
        row = session.get(Agreement, agreement_id)
        return row.ordinary_expected, row.ordinary_expected_from, row.praktik_purpose, row.praktik_expectations


def test_the_expectation_fields_sync_both_ways(office):
    a, b, share, staff = office
    calendar = WorkdayCalendar()
    citizen = create_citizen(a, staff.id, name="Amina Hussein", cpr="010190-1234")
    update_base_data(a, staff.id, citizen.id, readiness="aktivitetsparat")
    company = create_company(
        a, staff.id, CompanyInput(cvr="10150817", name="Østergårds Bageri"), (ContactInput(name="Lise"),)
    )
    contact = company_contacts(a, company.id)[0]
    data = AgreementInput(
        citizen_id=citizen.id, company_id=company.id, course_kind="virksomhedspraktik", tasks="Opfyldning",
        schedule={"praktik": ["", "5", "", "5"]}, contact_id=contact.id, start_date="1.12.2026",
        end_date="26.2.2027", ordinary_expected="ja", ordinary_expected_from="marts 2027",
        praktik_purpose="traening", praktik_expectations="Faste opgaver om morgenen",
    )  # fmt: skip
    agreement = save_agreement(a, staff.id, data, calendar=calendar).agreement
    exchange(share, a, b)
    expected = (True, date(2027, 3, 1), "traening", "Faste opgaver om morgenen")
    assert stored(b, agreement.id) == expected
    with b.session() as session:  # B edits: the answer changes, the praktik is now a recruitment
        on_b = input_of(session.get(Agreement, agreement.id))
    save_agreement(
        b, staff.id, replace(on_b, ordinary_expected_from="1.4.2027", praktik_purpose="rekruttering"),
        calendar=calendar, agreement_id=agreement.id,
    )  # fmt: skip
    exchange(share, a, b)
    changed = (True, date(2027, 4, 1), "rekruttering", "Faste opgaver om morgenen")
    assert stored(a, agreement.id) == stored(b, agreement.id) == changed

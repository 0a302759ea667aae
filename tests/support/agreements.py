"""Companies and agreements made directly in the database for tests of hours, facts and the printable
agreement (the agreement editor's own actions live elsewhere)."""

from __future__ import annotations

import json
from datetime import date

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import (
    Agreement,
    Company,
    CompanyContact,
    FollowUpTask,
    SubGoal,
)


def make_company(db, name: str = "Bilka Tilst", cvr: str = "12345674") -> tuple[Company, CompanyContact]:
    with db.transaction() as tx:
        company = tx.add(
            Company(cvr=cvr, name=name, address="Agerøvej 7, 8381 Tilst", industry="Detailhandel", created_at=tx.now)
        )
        contact = tx.add(
            CompanyContact(
                company_id=company.id, name="Søren Østergaard", role="Lagerchef", phone="86 12 34 56",
                email="soren@bilka.example", created_at=tx.now,
            )
        )  # fmt: skip
    return company, contact


def make_agreement(
    db,
    citizen_id: str,
    company: Company,
    contact: CompanyContact | None = None,
    *,
    status: str = "aktiv",
    course_kind: str = "kombination",
    start: date | None = date(2026, 9, 1),
    end: date | None = date(2027, 2, 28),
    ordinary: list[int] | None = None,
    praktik: list[int] | None = None,
    jobformidler_id: str | None = None,
    health_notes: str = "",
    follow_up_plan: str = "",
    version: int = 1,
    previous_id: str | None = None,
    tasks: str = "Varemodtagelse og opfyldning af hylder",
    praktik_purpose: str | None = None,
    praktik_expectations: str = "",
    ordinary_expected: bool | None = None,
    ordinary_expected_from: date | None = None,
) -> Agreement:
    schedule = {
        "ordinary": ordinary if ordinary is not None else [120, 0, 120, 0, 0, 0, 0],
        "praktik": praktik if praktik is not None else [240, 240, 0, 240, 0, 0, 0],
        "loentilskud": [0] * 7,
    }
    with db.transaction() as tx:
        return tx.add(
            Agreement(
                citizen_id=citizen_id, company_id=company.id, course_kind=course_kind, status=status,
                tasks=tasks, schedule=json.dumps(schedule), health_notes=health_notes,
                contact_id=contact.id if contact else None, jobformidler_id=jobformidler_id,
                start_date=start, end_date=end, follow_up_plan=follow_up_plan, version=version,
                previous_id=previous_id, created_at=tx.now, praktik_purpose=praktik_purpose,
                praktik_expectations=praktik_expectations, ordinary_expected=ordinary_expected,
                ordinary_expected_from=ordinary_expected_from,
            )
        )  # fmt: skip


def add_plan_visit(db, agreement: Agreement, due: date, status: str = "open") -> FollowUpTask:
    with db.transaction() as tx:
        return tx.add(
            FollowUpTask(
                citizen_id=agreement.citizen_id, kind="aftaleopfoelgning", rule="agreement_plan",
                reason="Opfølgning på virksomheden", due_date=due, status=status, agreement_id=agreement.id,
                rule_key=f"agreement:{agreement.id}:{due.isoformat()}", created_at=tx.now,
            )
        )  # fmt: skip


def add_agreement_goal(db, agreement: Agreement, text: str) -> SubGoal:
    with db.transaction() as tx:
        return tx.add(SubGoal(citizen_id=agreement.citizen_id, text=text, agreement_id=agreement.id, created_at=tx.now))


def citizen_with_agreement(world, name: str = "Amina Hussein", **kwargs) -> tuple:
    citizen = create_citizen(world.db, world.jk.id, name=name, cpr="010190-1234")
    company, contact = make_company(world.db)
    agreement = make_agreement(world.db, citizen.id, company, contact, jobformidler_id=world.jf.id, **kwargs)
    return citizen, company, contact, agreement

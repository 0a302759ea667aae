"""Companies and contact persons: actions (rows, change log, audit), search and the company page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.companies import (
    CompanyInput,
    ContactInput,
    add_contact,
    create_company,
    remove_contact,
    update_company,
    update_contact,
)
from aaben_raadgivning.store.models import (
    AuditEntry,
    ChangeLogEntry,
    Company,
    CompanyContact,
)
from aaben_raadgivning.store.queries.companies import (
    company_contacts,
    company_detail,
    search_companies,
)
from aaben_raadgivning.store.queries.viewer import Viewer


def counts(db) -> dict[str, int]:
    with db.session() as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Company, CompanyContact, ChangeLogEntry, AuditEntry)
        }


@pytest.fixture
def company(world):
    return create_company(
        world.db, world.jf.id, CompanyInput(cvr="DK 10 15 08 17", name="Østergårds Bageri", industry="Bageri"),
        (ContactInput(name="Lise Holm", role="Indehaver", phone="12 34 56 78", email="lise@bageri.dk"),),
    )  # fmt: skip


def test_create_company_with_contact(world, company):
    assert company.cvr == "10150817"
    contacts = company_contacts(world.db, company.id)
    assert [(c.name, c.phone, c.email) for c in contacts] == [("Lise Holm", "12345678", "lise@bageri.dk")]
    with world.db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity == "company")).one()
        logged = session.scalars(select(ChangeLogEntry.table_name).where(ChangeLogEntry.op == "insert")).all()
    assert audit.detail == "Virksomhed oprettet: Østergårds Bageri (CVR 10150817)"
    assert "companies" in logged and "company_contacts" in logged


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (CompanyInput(cvr="12345678", name="X"), {"cvr"}),
        (CompanyInput(cvr="", name=""), {"cvr", "name"}),
        (CompanyInput(cvr="25313763", name="Y" * 201), {"name"}),
    ],
)
def test_bad_company_writes_nothing(world, data, errors):
    before = counts(world.db)
    with pytest.raises(ValidationError) as caught:
        create_company(world.db, world.jf.id, data)
    assert set(caught.value.errors) == errors
    assert counts(world.db) == before


def test_bad_contact_refuses_the_whole_company(world):
    before = counts(world.db)
    with pytest.raises(ValidationError) as caught:
        create_company(
            world.db,
            world.jf.id,
            CompanyInput(cvr="25313763", name="Netto"),
            (ContactInput(name="A", email="ikke-mail"),),
        )
    assert caught.value.errors == {"email": "«ikke-mail» er ikke en e-mailadresse."}
    assert counts(world.db) == before


def test_cvr_is_unique(world, company):
    with pytest.raises(ValidationError) as caught:
        create_company(world.db, world.jf.id, CompanyInput(cvr="10150817", name="Kopi"))
    assert caught.value.errors == {"cvr": "CVR-nummeret er allerede registreret: Østergårds Bageri."}


def test_update_company_and_contacts(world, company):
    changed = update_company(
        world.db,
        world.jf.id,
        company.id,
        CompanyInput(cvr="10150817", name="Østergårds Bageri", industry="Bager", address="Torvet 1"),
    )
    assert changed == ["address", "industry"]
    contact = add_contact(world.db, world.jf.id, company.id, ContactInput(name="Ole Berg", role="Værkfører"))
    assert update_contact(world.db, world.jf.id, contact.id, ContactInput(name="Ole Berg", role="Mester")) == ["role"]
    remove_contact(world.db, world.jf.id, contact.id)
    assert [c.name for c in company_contacts(world.db, company.id)] == ["Lise Holm"]
    with world.db.session() as session:
        assert session.get(CompanyContact, contact.id).deleted_at is not None  # a tombstone, not a DELETE
        actions = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.at, AuditEntry.id)).all()
    assert "Kontaktperson fjernet: Ole Berg" in actions


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("øster", ["Østergårds Bageri"]),
        ("oster", ["Østergårds Bageri"]),
        ("OESTER", ["Østergårds Bageri"]),
        ("bageri øst", ["Østergårds Bageri"]),
        ("1015", ["Østergårds Bageri"]),
        ("DK 10 15", ["Østergårds Bageri"]),
        ("2531", ["Netto Brønshøj"]),
        ("brøns", ["Netto Brønshøj"]),
        ("bager netto", []),
        ("", ["Netto Brønshøj", "Østergårds Bageri"]),
    ],
)
def test_search(world, company, query, names):
    create_company(world.db, world.jf.id, CompanyInput(cvr="25313763", name="Netto Brønshøj"))
    assert [hit.name for hit in search_companies(world.db, query)] == names


def test_company_detail(world, company):
    detail = company_detail(world.db, company.id, viewer=Viewer.system())
    assert detail.company.name == "Østergårds Bageri"
    assert [c.name for c in detail.contacts] == ["Lise Holm"]
    assert detail.active == [] and detail.past == [] and detail.active_count == 0
    assert company_detail(world.db, "nope", viewer=Viewer.system()) is None

"""Companies (virksomheder) and their contact persons: one function per user action, each one transaction
with its change log and audit entry. A contact person is removed by a tombstone (agreements that name
them still show who it was)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from aaben_raadgivning.domain.cvr import CvrError, normalize_cvr
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.phone import normalize_phone
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, NAME_LENGTH, clean_text, too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Company, CompanyContact
from aaben_raadgivning.store.records import authorize
from aaben_raadgivning.store.transaction import Tx

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class CompanyInput:
    cvr: str
    name: str
    address: str = ""
    industry: str = ""
    suitable_tasks: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ContactInput:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


def _limited(value: str, name: str, limit: int, errors: dict[str, str]) -> str:
    return clean_text(value, name, max_length=limit, multiline=limit > NAME_LENGTH, errors=errors)


def validate_company(data: CompanyInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    cvr = ""
    try:
        cvr = normalize_cvr(data.cvr)
    except CvrError as exc:
        errors["cvr"] = exc.message
    name = _limited(data.name, "name", NAME_LENGTH, errors)
    if not name:
        errors["name"] = "Skriv virksomhedens navn."
    fields = {
        "cvr": cvr,
        "name": name,
        "address": _limited(data.address, "address", LONG_TEXT_LENGTH, errors),
        "industry": _limited(data.industry, "industry", NAME_LENGTH, errors),
        "suitable_tasks": _limited(data.suitable_tasks, "suitable_tasks", LONG_TEXT_LENGTH, errors),
        "notes": _limited(data.notes, "notes", LONG_TEXT_LENGTH, errors),
    }
    if errors:
        raise ValidationError(errors)
    return fields


def validate_contact(data: ContactInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = _limited(data.name, "name", NAME_LENGTH, errors)
    if not name:
        errors["name"] = "Skriv kontaktpersonens navn."
    phone = data.phone.strip()
    if phone:
        try:
            phone = normalize_phone(phone) or ""
        except ValidationError as exc:
            errors.update(exc.errors)
    email = data.email.strip()
    if email and not _EMAIL_RE.fullmatch(email):
        errors["email"] = f"«{email}» er ikke en e-mailadresse."
    if problem := too_long(email, NAME_LENGTH, "E-mailadressen er for lang."):
        errors["email"] = problem
    fields = {"name": name, "role": _limited(data.role, "role", NAME_LENGTH, errors), "phone": phone, "email": email}
    if errors:
        raise ValidationError(errors)
    return fields


def _cvr_taken(tx: Tx, cvr: str, except_id: str | None) -> Company | None:
    query = select(Company).where(Company.cvr == cvr, Company.deleted_at.is_(None))
    if except_id:
        query = query.where(Company.id != except_id)
    return tx.session.scalars(query).first()


def load_company(tx: Tx, company_id: str) -> Company:
    company = tx.session.get(Company, company_id)
    if company is None or company.deleted_at is not None:
        raise NotFoundError("Virksomheden findes ikke (længere).")
    return company


def create_company(db: Database, actor_id: str, data: CompanyInput, contacts: tuple[ContactInput, ...] = ()) -> Company:
    fields = validate_company(data)
    cleaned = [validate_contact(contact) for contact in contacts]
    with db.transaction() as tx:
        authorize(tx, actor_id, "companies")
        other = _cvr_taken(tx, fields["cvr"], None)
        if other is not None:
            raise ValidationError.single("cvr", f"CVR-nummeret er allerede registreret: {other.name}.")
        company = tx.add(Company(**fields, created_at=tx.now, created_by=actor_id))
        for contact in cleaned:
            tx.add(CompanyContact(company_id=company.id, **contact, created_at=tx.now))
        tx.audit(
            actor_id, "create", "company", company.id, None, f"Virksomhed oprettet: {company.name} (CVR {company.cvr})"
        )
    return company


def update_company(db: Database, actor_id: str, company_id: str, data: CompanyInput) -> list[str]:
    fields = validate_company(data)
    with db.transaction() as tx:
        authorize(tx, actor_id, "companies")
        company = load_company(tx, company_id)
        other = _cvr_taken(tx, fields["cvr"], company.id)
        if other is not None:
            raise ValidationError.single("cvr", f"CVR-nummeret er allerede registreret: {other.name}.")
        changed = tx.update(company, **fields)
        if changed:
            tx.audit(actor_id, "update", "company", company.id, None, "Virksomhed ændret: " + ", ".join(changed))
    return changed


def add_contact(db: Database, actor_id: str, company_id: str, data: ContactInput) -> CompanyContact:
    fields = validate_contact(data)
    with db.transaction() as tx:
        authorize(tx, actor_id, "companies")
        company = load_company(tx, company_id)
        contact = tx.add(CompanyContact(company_id=company.id, **fields, created_at=tx.now))
        tx.audit(
            actor_id,
            "create",
            "company_contact",
            contact.id,
            None,
            f"Kontaktperson tilføjet hos {company.name}: {contact.name}",
        )
    return contact


def _load_contact(tx: Tx, contact_id: str) -> CompanyContact:
    contact = tx.session.get(CompanyContact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFoundError("Kontaktpersonen findes ikke (længere).")
    return contact


def update_contact(db: Database, actor_id: str, contact_id: str, data: ContactInput) -> list[str]:
    fields = validate_contact(data)
    with db.transaction() as tx:
        authorize(tx, actor_id, "companies")
        contact = _load_contact(tx, contact_id)
        changed = tx.update(contact, **fields)
        if changed:
            tx.audit(
                actor_id, "update", "company_contact", contact.id, None, "Kontaktperson ændret: " + ", ".join(changed)
            )
    return changed


def remove_contact(db: Database, actor_id: str, contact_id: str) -> None:
    """Tombstone a contact person; an active agreement that names them keeps the name until renegotiated."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "companies")
        contact = _load_contact(tx, contact_id)
        tx.tombstone(contact)
        tx.audit(actor_id, "delete", "company_contact", contact.id, None, f"Kontaktperson fjernet: {contact.name}")

"""User actions on staff accounts: create one, and log in."""

from __future__ import annotations

from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.security.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Staff


def normalize_initials(initials: str) -> str:
    return initials.strip().upper()


def create_staff(
    db: Database, *, initials: str, name: str, role: str, password: str, actor_id: str | None = None
) -> Staff:
    initials = normalize_initials(initials)
    errors: dict[str, str] = {}
    if not initials or not initials.isalnum() or len(initials) > 12:
        errors["initials"] = "Initialer skal være 1–12 bogstaver eller cifre."
    if not name.strip():
        errors["name"] = "Navn mangler."
    if not load_reference().roles.has_active(role):
        roles = ", ".join(term.code for term in load_reference().roles.active())
        errors["role"] = f"Ukendt rolle «{role}». Vælg en af: {roles}."
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Adgangskoden skal have mindst {MIN_PASSWORD_LENGTH} tegn."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        taken = tx.session.scalar(
            select(func.count()).select_from(Staff).where(Staff.initials == initials, Staff.deleted_at.is_(None))
        )
        if taken:
            raise ValidationError.single("initials", f"Initialerne {initials} er allerede i brug.")
        staff = tx.add(
            Staff(
                initials=initials,
                name=name.strip(),
                role=role,
                password_hash=hash_password(password),
                active=True,
                created_at=tx.now,
            )
        )
        tx.audit(actor_id, "create", "staff", staff.id, detail=f"Medarbejder {initials} oprettet ({role})")
    return staff


def authenticate(db: Database, initials: str, password: str) -> Staff | None:
    """The staff member if initials and password match an active account; every attempt is audited."""
    initials = normalize_initials(initials)
    with db.transaction() as tx:
        staff = tx.session.scalar(
            select(Staff).where(Staff.initials == initials, Staff.active, Staff.deleted_at.is_(None))
        )
        # Verify even for unknown initials so the time taken does not reveal which initials exist.
        stored = staff.password_hash if staff else "scrypt$16384$8$1$00$00"
        ok = verify_password(password, stored) and staff is not None
        if ok:
            tx.audit(staff.id, "login", "staff", staff.id)
            return staff
        tx.audit(None, "login_failed", "staff", None, detail=f"Initialer: {initials}")
        return None


def list_staff(db: Database) -> list[Staff]:
    with db.session() as session:
        return list(
            session.scalars(select(Staff).where(Staff.active, Staff.deleted_at.is_(None)).order_by(Staff.initials))
        )


def count_staff(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Staff).where(Staff.deleted_at.is_(None))) or 0

"""User actions on staff accounts: create one, log in and out, change or reset a password, deactivate one.

Staff rows sync like any other record, so a new password or a deactivation reaches every laptop at
its next sync: after a lost laptop or a colleague leaving, this is how access is cut everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.errors import NotFoundError, UserError, ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.text import NAME_LENGTH, clean_text
from aaben_raadgivning.security.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_hash,
    hash_password,
    login_delay,
    needs_rehash,
    rehash_password,
    verify_password,
)
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import LocalMeta, Staff
from aaben_raadgivning.store.records import authorize_if_person

# local_meta (this laptop only, never synced): consecutive failed log-ins and when the last one was,
# as "<count> <ISO time>", so the growing wait survives closing and reopening the app.
LOGIN_FAILURES_KEY = "login_failures"


def normalize_initials(initials: str) -> str:
    return initials.strip().upper()


def first_account_role() -> str:
    """The role of the office's first account, made in the app (assets/permissions.toml ``first_account``)."""
    return load_permissions().first_account_role


def create_staff(
    db: Database,
    *,
    initials: str,
    name: str,
    role: str,
    password: str,
    actor_id: str | None = None,
    repeat: str | None = None,
    first: bool = False,
) -> Staff:
    """A staff account. ``repeat``: the password typed again (a form), checked to be the same. ``first``: the
    office's first account, made in the app without anyone logged in — refused once any account exists
    (also one received by a sync meanwhile), and only as ``first_account_role()``."""
    initials = normalize_initials(initials)
    errors: dict[str, str] = {}
    if not initials or not initials.isalnum() or len(initials) > 12:
        errors["initials"] = "Initialer skal være 1–12 bogstaver eller cifre."
    name = clean_text(name, "name", max_length=NAME_LENGTH, errors=errors)
    if not name:
        errors["name"] = "Navn mangler."
    if not load_reference().roles.has_active(role):
        roles = ", ".join(term.code for term in load_reference().roles.active())
        errors["role"] = f"Ukendt rolle «{role}». Vælg en af: {roles}."
    if first and role != first_account_role():
        label = load_reference().roles.label(first_account_role()).lower()
        errors["role"] = f"Den første medarbejder skal være {label}."
    errors.update(_password_errors(password, repeat))
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize_if_person(tx, actor_id, "manage_staff")
        if first and tx.session.scalar(select(func.count()).select_from(Staff).where(Staff.deleted_at.is_(None))):
            raise UserError("Der er allerede medarbejdere i databasen: log ind med dine initialer i stedet.")
        taken = tx.session.scalar(
            select(func.count()).select_from(Staff).where(Staff.initials == initials, Staff.deleted_at.is_(None))
        )
        if taken:
            raise ValidationError.single("initials", f"Initialerne {initials} er allerede i brug.")
        staff = tx.add(
            Staff(
                initials=initials,
                name=name,
                role=role,
                password_hash=hash_password(password),
                active=True,
                created_at=tx.now,
            )
        )
        tx.audit(actor_id, "create", "staff", staff.id, detail=f"Medarbejder {initials} oprettet ({role})")
    return staff


def _password_errors(password: str, repeat: str | None = None) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"Adgangskoden skal have mindst {MIN_PASSWORD_LENGTH} tegn."}
    if repeat is not None and repeat != password:
        return {"repeat": "Adgangskoderne er ikke ens."}
    return {}


def _account(session, initials: str) -> Staff:
    """The (not deleted) account with these initials, active or not; NotFoundError (Danish) if none."""
    staff = session.scalar(
        select(Staff).where(Staff.initials == normalize_initials(initials), Staff.deleted_at.is_(None))
    )
    if staff is None:
        raise NotFoundError(f"Der er ingen medarbejder med initialerne {normalize_initials(initials)}.")
    return staff


def require_account(db: Database, initials: str) -> Staff:
    """Check that an account exists before asking for anything else (the command line asks for a new
    password only then)."""
    with db.session() as session:
        return _account(session, initials)


def change_own_password(db: Database, staff_id: str, *, current: str, new: str, repeat: str) -> None:
    """The logged-in person changes their own password: the current one must be right. A wrong current
    password is audited (someone may be trying at a screen left open) and changes nothing."""
    errors = _password_errors(new, repeat)
    if not errors and new == current:
        errors["password"] = "Den nye adgangskode skal være en anden end den nuværende."
    with db.transaction() as tx:
        staff = tx.session.get(Staff, staff_id)
        if staff is None or staff.deleted_at is not None or not staff.active:
            raise NotFoundError("Medarbejderen findes ikke længere.")
        if not verify_password(current, staff.password_hash):
            tx.audit(staff_id, "password_change_failed", "staff", staff_id)
            errors = {"current": "Den nuværende adgangskode er forkert.", **errors}
        elif not errors:
            tx.update(staff, password_hash=hash_password(new))
            tx.audit(staff_id, "password_changed", "staff", staff_id, detail="Adgangskode skiftet")
            return
    raise ValidationError(errors)


def reset_password(
    db: Database, *, initials: str, password: str, actor_id: str | None = None, os_user: str | None = None
) -> Staff:
    """Give an account a new password (the command line, e.g. for a colleague who forgot theirs).

    Audited with who did it: ``actor_id`` when a logged-in person did, else ``os_user``, the operating
    system's user name of whoever ran the command line (which has no logged-in person)."""
    errors = _password_errors(password)
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize_if_person(tx, actor_id, "manage_staff")
        staff = _account(tx.session, initials)
        tx.update(staff, password_hash=hash_password(password))
        detail = f"Ny adgangskode til {staff.initials}"
        if os_user is not None:
            detail += f" (fra kommandolinjen af brugeren «{_printable(os_user)}» på computeren)"
        tx.audit(actor_id, "password_reset", "staff", staff.id, detail=detail)
    return staff


def _printable(text: str, limit: int = 64) -> str:
    """A name from outside the app (the OS user name) made safe to store and show: printable, short."""
    cleaned = "".join(char for char in text if char.isprintable())  # drops control and surrogate characters
    return cleaned[:limit] or "?"


def set_staff_active(db: Database, *, initials: str, active: bool, actor_id: str | None = None) -> Staff:
    """Deactivate an account (can no longer log in, anywhere, once synced) or activate it again.
    Its name stays on everything it wrote."""
    with db.transaction() as tx:
        authorize_if_person(tx, actor_id, "manage_staff")
        staff = _account(tx.session, initials)
        if staff.active == active:
            state = "aktiv" if active else "deaktiveret"
            raise ValidationError.single("initials", f"{staff.initials} er allerede {state}.")
        if not active:
            others = tx.session.scalar(
                select(func.count()).select_from(Staff)
                .where(Staff.active, Staff.deleted_at.is_(None), Staff.id != staff.id)
            )  # fmt: skip
            if not others:
                raise ValidationError.single(
                    "initials", f"{staff.initials} er den eneste aktive medarbejder; opret en anden først."
                )
        tx.update(staff, active=active)
        action, word = ("activate", "aktiveret igen") if active else ("deactivate", "deaktiveret")
        tx.audit(actor_id, action, "staff", staff.id, detail=f"Medarbejder {staff.initials} {word}")
    return staff


@dataclass(frozen=True)
class LoginFailures:
    """Consecutive failed log-ins on this laptop since the last successful one."""

    count: int = 0
    last: datetime | None = None

    def wait(self, now: datetime) -> float:
        """Seconds still to wait before the next attempt (0 when it may be made now)."""
        if self.last is None:
            return 0.0
        return max(0.0, login_delay(self.count) - max(0.0, (now - self.last).total_seconds()))


def _login_failures(session: Session) -> LoginFailures:
    meta = session.get(LocalMeta, LOGIN_FAILURES_KEY)
    if meta is None:
        return LoginFailures()
    try:
        count, last = meta.value.split(" ", 1)
        return LoginFailures(int(count), datetime.fromisoformat(last))
    except ValueError:  # unreadable: count it as one failure now rather than none
        return LoginFailures(1, None)


def login_failures(db: Database) -> LoginFailures:
    with db.session() as session:
        return _login_failures(session)


def authenticate(db: Database, initials: str, password: str) -> Staff | None:
    """The staff member if initials and password match an active account; every attempt is audited.
    A failure is counted on this laptop (``login_failures``), a success clears the count. A success on a
    hash made at a lower cost than today's stores a new hash (it syncs like a changed password)."""
    initials = normalize_initials(initials)
    with db.transaction() as tx:
        staff = tx.session.scalar(
            select(Staff).where(Staff.initials == initials, Staff.active, Staff.deleted_at.is_(None))
        )
        # Verify even for unknown initials so the time taken does not reveal which initials exist.
        stored = staff.password_hash if staff else dummy_hash()
        ok = verify_password(password, stored)
        failures = tx.session.get(LocalMeta, LOGIN_FAILURES_KEY)
        if ok and staff is not None:
            if failures is not None:
                tx.session.delete(failures)
            if needs_rehash(stored):  # made at an older, lower cost: store it again at today's
                tx.update(staff, password_hash=rehash_password(password, stored))
                tx.audit(staff.id, "password_rehash", "staff", staff.id, detail="Adgangskodens hash styrket")
            tx.audit(staff.id, "login", "staff", staff.id)
            return staff
        count = _login_failures(tx.session).count + 1
        tx.session.merge(LocalMeta(key=LOGIN_FAILURES_KEY, value=f"{count} {tx.now.isoformat()}"))
        tx.audit(None, "login_failed", "staff", None, detail=f"Initialer: {initials}")
        return None


def log_out(db: Database, staff_id: str) -> None:
    """End a session at a shared laptop (audited like the log-in, so the log shows who worked when)."""
    with db.transaction() as tx:
        tx.audit(staff_id, "logout", "staff", staff_id)


def list_staff(db: Database, *, include_inactive: bool = False) -> list[Staff]:
    query = select(Staff).where(Staff.deleted_at.is_(None)).order_by(Staff.initials)
    if not include_inactive:
        query = query.where(Staff.active)
    with db.session() as session:
        return list(session.scalars(query))


def count_staff(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Staff).where(Staff.deleted_at.is_(None))) or 0

"""Samtykke (consent): register, renew and withdraw a citizen's consent to share categories of their data with
the housing organisation's staff.

Each is one transaction: the permission check (assets/permissions.toml, action ``consent``), validation
(domain.consent), the row, its change-log entries, a timeline event (kind ``samtykke``), the follow-up
recompute (the «Samtykke udløber» task appears, moves or disappears) and the audit entry.

Sync: a renewal changes the same row (never a new one), and a withdrawal sets ``withdrawn_at`` last, after
``valid_until`` (the day of withdrawal) and ``withdrawn_by``. The merge freezes a withdrawn consent at the
withdrawal (changes/merge.py, M13): a renewal made offline on another laptop can never un-withdraw it; it
loses, and the sync conflicts screen (F9) shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import EventKind
from aaben_raadgivning.domain.consent import (
    ConsentTerms,
    load_consent_vocabulary,
    split_categories,
    validate_terms,
)
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Consent
from aaben_raadgivning.store.records import add_timeline_event, authorize, load_citizen
from aaben_raadgivning.store.transaction import Tx

PERMISSION = "consent"  # assets/permissions.toml [actions.consent]


def _labels(categories: str) -> str:
    return ", ".join(label.lower() for label in load_consent_vocabulary().category_labels(split_categories(categories)))


def _terms(
    tx: Tx,
    categories: Iterable[str],
    given_how: str,
    given_on: date | str | None,
    valid_until: date | str | None,
) -> ConsentTerms:
    return validate_terms(
        categories=categories,
        given_how=given_how,
        given_on=given_on,
        valid_until=valid_until,
        today=local_date(tx.now),
        rules=load_rules(),
    )


def _data(action: str, consent: Consent) -> dict:
    return {
        "action": action,
        "categories": list(split_categories(consent.categories)),
        "given_how": consent.given_how,
        "given_on": consent.given_on.isoformat(),
        "valid_until": consent.valid_until.isoformat(),
    }


def _how(terms_how: str, given_on: date) -> str:
    how = load_consent_vocabulary().given_how.label(terms_how).lower()
    return f"Givet {how} den {format_date(given_on)}."


def _load(tx: Tx, consent_id: str) -> Consent:
    consent = tx.session.get(Consent, consent_id)
    if consent is None or consent.deleted_at is not None:
        raise NotFoundError("Samtykket findes ikke (længere).")
    return consent


def register_consent(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    categories: Iterable[str],
    given_how: str,
    given_on: date | str | None,
    valid_until: date | str | None = None,
) -> Consent:
    """A new consent. Refused while the citizen has a valid one (renew that instead: a second row would let a
    renewal escape a withdrawal of the first)."""
    with db.transaction() as tx:
        authorize(tx, actor_id, PERMISSION)
        citizen = load_citizen(tx, citizen_id)
        terms = _terms(tx, categories, given_how, given_on, valid_until)
        today = local_date(tx.now)
        current = tx.session.scalars(
            select(Consent).where(
                Consent.citizen_id == citizen.id,
                Consent.deleted_at.is_(None),
                Consent.withdrawn_at.is_(None),
                Consent.valid_until >= today,
            )
        ).first()
        if current is not None:
            raise ValidationError.single(
                "general",
                f"Borgeren har allerede et gyldigt samtykke (gyldigt til {format_date(current.valid_until)}). "
                "Forny det i stedet.",
            )
        consent = tx.add(
            Consent(
                citizen_id=citizen.id,
                categories=terms.categories,
                given_how=terms.given_how,
                given_on=terms.given_on,
                valid_until=terms.valid_until,
                registered_by=actor_id,
                created_at=tx.now,
            )
        )
        add_timeline_event(
            tx, actor_id, citizen.id, EventKind.SAMTYKKE,
            f"Samtykke registreret: {_labels(terms.categories)} · gyldigt til {format_date(terms.valid_until)}",
            _how(terms.given_how, terms.given_on), data=_data("register", consent), subject_id=consent.id,
        )  # fmt: skip
        recompute_now(tx, citizen.id, actor_id=actor_id)
        tx.audit(actor_id, "create", "consent", consent.id, citizen.id, f"Samtykke registreret: {terms.categories}")
    return consent


def renew_consent(
    db: Database,
    actor_id: str,
    consent_id: str,
    *,
    categories: Iterable[str],
    given_how: str,
    given_on: date | str | None,
    valid_until: date | str | None = None,
) -> Consent:
    """The citizen gives the consent again (possibly for other categories): the same row gets the new terms,
    so a withdrawal on another laptop still wins over it after sync. A withdrawn consent is not renewed."""
    with db.transaction() as tx:
        authorize(tx, actor_id, PERMISSION)
        consent = _load(tx, consent_id)
        citizen = load_citizen(tx, consent.citizen_id)
        if consent.withdrawn_at is not None:
            raise ValidationError.single(
                "general",
                f"Samtykket blev trukket tilbage {format_date(local_date(consent.withdrawn_at))} og kan ikke "
                "fornys. Registrér et nyt samtykke, hvis borgeren giver det igen.",
            )
        terms = _terms(tx, categories, given_how, given_on, valid_until)
        if terms.given_on < consent.given_on:
            raise ValidationError.single(
                "given_on",
                f"Fornyelsen kan ikke være givet før det samtykke, den fornyer ({format_date(consent.given_on)}).",
            )
        before = f"{_labels(consent.categories)} · gyldigt til {format_date(consent.valid_until)}"
        tx.update(
            consent,
            categories=terms.categories,
            given_how=terms.given_how,
            given_on=terms.given_on,
            valid_until=terms.valid_until,
            registered_by=actor_id,
        )
        add_timeline_event(
            tx, actor_id, citizen.id, EventKind.SAMTYKKE,
            f"Samtykke fornyet: {_labels(terms.categories)} · gyldigt til {format_date(terms.valid_until)}",
            f"{_how(terms.given_how, terms.given_on)} Før: {before}.", data=_data("renew", consent),
            subject_id=consent.id,
        )  # fmt: skip
        recompute_now(tx, citizen.id, actor_id=actor_id)
        tx.audit(actor_id, "update", "consent", consent.id, citizen.id, f"Samtykke fornyet: {terms.categories}")
    return consent


def withdraw_consent(db: Database, actor_id: str, consent_id: str, *, note: str = "") -> Consent:
    """The citizen withdraws the consent: it ends at once (``valid_until`` = today at the latest). Written
    field by field with ``withdrawn_at`` last (the merge's final field, M13)."""
    errors: dict[str, str] = {}
    note = clean_text(note, "note", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, PERMISSION)
        consent = _load(tx, consent_id)
        citizen = load_citizen(tx, consent.citizen_id)
        if consent.withdrawn_at is not None:
            raise ValidationError.single(
                "general",
                f"Samtykket er allerede trukket tilbage ({format_date(local_date(consent.withdrawn_at))}).",
            )
        today = local_date(tx.now)
        before = f"{_labels(consent.categories)} · gyldigt til {format_date(consent.valid_until)}"
        tx.update(consent, valid_until=min(consent.valid_until, today))
        tx.update(consent, withdrawn_by=actor_id)
        tx.update(consent, withdrawn_at=tx.now)  # last: the final field (changes/merge.py, M13)
        details = f"Samtykket gjaldt: {before}. Det gælder ikke længere, fra i dag."
        if note.strip():
            details += f"\n\n{note.strip()}"
        add_timeline_event(
            tx, actor_id, citizen.id, EventKind.SAMTYKKE, "Samtykke trukket tilbage", details,
            data=_data("withdraw", consent), subject_id=consent.id,
        )  # fmt: skip
        recompute_now(tx, citizen.id, actor_id=actor_id)
        tx.audit(actor_id, "update", "consent", consent.id, citizen.id, "Samtykke trukket tilbage")
    return consent

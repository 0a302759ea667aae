"""Samtykke (consent): the vocabularies (assets/consent.toml) and the rules a consent's terms must meet.

A citizen's consent lets the housing organisation's staff (boligsociale medarbejdere, a private party) see
certain *categories* of the citizen's data. It is voluntary, specific (which categories), given in a way
(skriftligt or mundtligt), valid from the day it is given until ``valid_until`` (by default
``rules.consent_valid_months`` later, never longer), and can be withdrawn at any time. Codes are stored,
labels shown; an unknown code (from a newer version on another laptop) shows as itself.

Pure: no database here. The store's consent actions call :func:`validate_terms` before they write.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from dateutil.relativedelta import relativedelta

from aaben_raadgivning.domain.dates import DateInputError, format_date, parse_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.reference import Term, Vocabulary
from aaben_raadgivning.domain.rules import Rules


@dataclass(frozen=True)
class ConsentVocabulary:
    categories: Vocabulary
    given_how: Vocabulary

    def category_labels(self, codes: Iterable[str]) -> list[str]:
        """Labels in the vocabulary's order (unknown codes last, as themselves)."""
        wanted = set(codes)
        known = [term.label for term in self.categories.terms if term.code in wanted]
        return known + sorted(wanted - {term.code for term in self.categories.terms})


def parse_consent_vocabulary(text: str) -> ConsentVocabulary:
    data = tomllib.loads(text)

    def vocabulary(name: str) -> Vocabulary:
        rows = data.get(name, [])
        if not rows:
            raise ValueError(f"consent.toml: [[{name}]] is empty")
        return Vocabulary(name, tuple(Term(**row) for row in rows))

    return ConsentVocabulary(vocabulary("categories"), vocabulary("given_how"))


@cache
def load_consent_vocabulary() -> ConsentVocabulary:
    text = resources.files("aaben_raadgivning.assets").joinpath("consent.toml").read_text(encoding="utf-8")
    return parse_consent_vocabulary(text)


def split_categories(stored: str) -> tuple[str, ...]:
    """The codes of a stored ``categories`` value (comma-separated)."""
    return tuple(code.strip() for code in stored.split(",") if code.strip())


def join_categories(codes: Iterable[str]) -> str:
    """Codes as stored: in the vocabulary's order, each once, comma-separated."""
    wanted = set(codes)
    order = [term.code for term in load_consent_vocabulary().categories.terms]
    return ",".join([code for code in order if code in wanted] + sorted(wanted - set(order)))


def default_valid_until(given_on: date, rules: Rules) -> date:
    """The last day of a consent given on ``given_on``: ``consent_valid_months`` later (07.12.2026 → 07.12.2027)."""
    return given_on + relativedelta(months=rules.consent_valid_months)


def expiry_warning_date(valid_until: date, rules: Rules) -> date:
    """The day the «Samtykke udløber» follow-up appears: ``consent_expiry_warning_days`` before the end."""
    return valid_until - relativedelta(days=rules.consent_expiry_warning_days)


@dataclass(frozen=True)
class ConsentTerms:
    """Validated terms of a consent, ready to store."""

    categories: str  # codes, comma-separated (join_categories)
    given_how: str
    given_on: date
    valid_until: date


def _date(value: date | str | None, field: str, today: date, errors: dict[str, str], *, missing: str) -> date | None:
    if isinstance(value, date):
        return value
    if value is None or not value.strip():
        if missing:
            errors[field] = missing
        return None
    try:
        return parse_date(value, today)
    except DateInputError as exc:
        errors[field] = exc.message
        return None


def validate_terms(
    *,
    categories: Iterable[str],
    given_how: str,
    given_on: date | str | None,
    valid_until: date | str | None,
    today: date,
    rules: Rules,
) -> ConsentTerms:
    """Check a consent's terms; ``ValidationError`` (Danish, by field) lists every problem. Dates may be given as
    typed (``dd.mm.åååå`` and the short forms); an empty ``valid_until`` is ``consent_valid_months`` after
    ``given_on``."""
    vocabulary = load_consent_vocabulary()
    errors: dict[str, str] = {}
    codes = {code.strip() for code in categories if code and code.strip()}
    unknown = sorted(code for code in codes if not vocabulary.categories.has_active(code))
    if not codes:
        errors["categories"] = "Vælg mindst én slags oplysninger, samtykket omfatter."
    elif unknown:
        errors["categories"] = f"Ukendt kategori: {', '.join(unknown)}."
    if not vocabulary.given_how.has_active(given_how or ""):
        errors["given_how"] = "Vælg, hvordan samtykket er givet (skriftligt eller mundtligt)."
    start = _date(given_on, "given_on", today, errors, missing="Skriv datoen, samtykket er givet.")
    if start is not None and start > today:
        errors["given_on"] = (
            f"Datoen {format_date(start)} ligger i fremtiden. Registrér samtykket, når borgeren har givet det."
        )
        start = None
    end = _date(valid_until, "valid_until", today, errors, missing="")
    if start is not None and "valid_until" not in errors:
        longest = default_valid_until(start, rules)
        if end is None:
            end = longest
        elif end <= start:
            errors["valid_until"] = f"«Gyldigt til» skal ligge efter datoen, samtykket er givet ({format_date(start)})."
        elif end > longest:
            errors["valid_until"] = (
                f"Et samtykke kan højst gælde i {rules.consent_valid_months} måneder: senest {format_date(longest)}."
            )
        elif end < today:
            errors["valid_until"] = f"Samtykket er allerede udløbet ({format_date(end)}). Skriv en senere dato."
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None
    return ConsentTerms(join_categories(codes), given_how, start, end)


def describe_consent(
    *,
    categories: Iterable[str],
    valid_until: date | None,
    withdrawn_on: date | None,
    valid: bool,
    today: date,
    rules: Rules,
) -> str:
    """The consent at a glance, as F3 shows it: «Samtykke: forløb og plan, aftaler og timer · gyldigt til
    07.12.2027», «Intet samtykke», «Samtykke trukket tilbage 07.12.2026», «Samtykke udløbet 07.12.2026»."""
    if valid_until is None:
        return "Intet samtykke"
    if withdrawn_on is not None:
        return f"Samtykke trukket tilbage {format_date(withdrawn_on)}"
    labels = ", ".join(label.lower() for label in load_consent_vocabulary().category_labels(categories))
    if not valid:
        return f"Samtykke udløbet {format_date(valid_until)} ({labels})"
    text = f"Samtykke: {labels} · gyldigt til {format_date(valid_until)}"
    days = (valid_until - today).days
    if today >= expiry_warning_date(valid_until, rules):
        text += " · udløber i dag" if days == 0 else f" · udløber om {days} dag{'e' if days != 1 else ''}"
    return text

"""Samtykke (consent): the vocabularies, the terms' validation (table-driven) and the text F3 shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aaben_raadgivning.domain.consent import (
    default_valid_until,
    describe_consent,
    expiry_warning_date,
    join_categories,
    load_consent_vocabulary,
    split_categories,
    validate_terms,
)
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.rules import load_rules

TODAY = date(2026, 12, 7)
RULES = load_rules()


def test_vocabularies_come_from_consent_toml():
    vocabulary = load_consent_vocabulary()
    assert [t.code for t in vocabulary.categories.terms] == ["kontakt", "forloeb", "aftaler", "helbred"]
    assert [t.code for t in vocabulary.given_how.terms] == ["skriftligt", "mundtligt"]
    assert vocabulary.category_labels(["aftaler", "forloeb", "ny"]) == ["Forløb og plan", "Aftaler og timer", "ny"]


def test_categories_are_stored_in_vocabulary_order_once():
    assert join_categories(["helbred", "kontakt", "helbred"]) == "kontakt,helbred"
    assert split_categories(" kontakt, helbred ,") == ("kontakt", "helbred")


def test_validity_and_warning_come_from_the_rules():
    assert RULES.consent_valid_months == 12 and RULES.consent_expiry_warning_days == 30
    assert default_valid_until(TODAY, RULES) == date(2027, 12, 7)
    assert default_valid_until(date(2028, 2, 29), RULES) == date(2029, 2, 28)
    assert expiry_warning_date(date(2027, 12, 7), RULES) == date(2027, 11, 7)
    shorter = replace(RULES, consent_valid_months=6)
    assert default_valid_until(TODAY, shorter) == date(2027, 6, 7)


GOOD = dict(categories=["forloeb", "kontakt"], given_how="mundtligt", given_on="7.12.2026", valid_until=None)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, ("kontakt,forloeb", "mundtligt", TODAY, date(2027, 12, 7)), id="default 12 months"),
        pytest.param(dict(given_on=TODAY, valid_until="1.6.2027"), ("kontakt,forloeb", "mundtligt", TODAY,
                     date(2027, 6, 1)), id="shorter than the rule"),
        pytest.param(dict(given_on="1.12.2026", valid_until=""), ("kontakt,forloeb", "mundtligt", date(2026, 12, 1),
                     date(2027, 12, 1)), id="given some days ago, empty end = default"),
        pytest.param(dict(given_on="i dag", given_how="skriftligt", categories=["helbred"]),
                     ("helbred", "skriftligt", TODAY, date(2027, 12, 7)), id="relative date, written"),
    ],
)  # fmt: skip
def test_valid_terms(changes, expected):
    terms = validate_terms(**{**GOOD, **changes}, today=TODAY, rules=RULES)
    assert (terms.categories, terms.given_how, terms.given_on, terms.valid_until) == expected


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        pytest.param(dict(categories=[]), "categories", "mindst én", id="no category"),
        pytest.param(dict(categories=["  "]), "categories", "mindst én", id="blank category"),
        pytest.param(dict(categories=["skostørrelse"]), "categories", "Ukendt kategori: skostørrelse",
                     id="unknown category"),
        pytest.param(dict(given_how=""), "given_how", "skriftligt eller mundtligt", id="how missing"),
        pytest.param(dict(given_how="telepatisk"), "given_how", "skriftligt eller mundtligt", id="how unknown"),
        pytest.param(dict(given_on=""), "given_on", "Skriv datoen", id="date missing"),
        pytest.param(dict(given_on="32.12.2026"), "given_on", "ikke en gyldig dato", id="date unreadable"),
        pytest.param(dict(given_on="8.12.2026"), "given_on", "fremtiden", id="given tomorrow"),
        pytest.param(dict(valid_until="7.12.2026"), "valid_until", "efter datoen", id="ends the day it is given"),
        pytest.param(dict(valid_until="1.1.2026"), "valid_until", "efter datoen", id="ends before it is given"),
        pytest.param(dict(valid_until="8.12.2027"), "valid_until", "højst gælde i 12 måneder", id="too long"),
        pytest.param(dict(valid_until="x"), "valid_until", "ikke en gyldig dato", id="end unreadable"),
        pytest.param(dict(given_on="1.1.2026", valid_until="1.6.2026"), "valid_until", "allerede udløbet",
                     id="already expired"),
    ],
)  # fmt: skip
def test_refused_terms(changes, field, fragment):
    with pytest.raises(ValidationError) as caught:
        validate_terms(**{**GOOD, **changes}, today=TODAY, rules=RULES)
    assert fragment in caught.value.errors[field]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        validate_terms(categories=[], given_how="", given_on="", valid_until=None, today=TODAY, rules=RULES)
    assert set(caught.value.errors) == {"categories", "given_how", "given_on"}


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        (dict(categories=(), valid_until=None, withdrawn_on=None, valid=False), "Intet samtykke"),
        (dict(categories=("forloeb", "aftaler"), valid_until=date(2027, 12, 7), withdrawn_on=None, valid=True),
         "Samtykke: forløb og plan, aftaler og timer · gyldigt til 07.12.2027"),
        (dict(categories=("kontakt",), valid_until=date(2026, 12, 20), withdrawn_on=None, valid=True),
         "Samtykke: kontaktoplysninger · gyldigt til 20.12.2026 · udløber om 13 dage"),
        (dict(categories=("kontakt",), valid_until=TODAY, withdrawn_on=None, valid=True),
         "Samtykke: kontaktoplysninger · gyldigt til 07.12.2026 · udløber i dag"),
        (dict(categories=("kontakt",), valid_until=date(2026, 12, 1), withdrawn_on=None, valid=False),
         "Samtykke udløbet 01.12.2026 (kontaktoplysninger)"),
        (dict(categories=("kontakt",), valid_until=TODAY, withdrawn_on=TODAY, valid=False),
         "Samtykke trukket tilbage 07.12.2026"),
    ],
)  # fmt: skip
def test_describe_consent(kwargs, text):
    assert describe_consent(**kwargs, today=TODAY, rules=RULES) == text

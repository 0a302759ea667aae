"""Phone numbers are stored with the digits 0–9, however they were typed."""

from __future__ import annotations

import pytest

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.phone import format_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12 34 56 78", "12345678"),
        ("+45 12 34 56 78", "12345678"),
        ("٢٠ ٣٠ ٤٠ ٥٠", "20304050"),  # Arabic-Indic digits
        ("۲۰۳۰۴۰۵۰", "20304050"),  # Persian digits
        ("＋４５ １２３４ ５６７８", "12345678"),  # full-width
        ("٠٠٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨", "+442079460958"),
        ("", None),
    ],
)
def test_numbers_are_stored_with_ascii_digits(typed, stored):
    assert normalize_phone(typed) == stored
    assert stored is None or stored.lstrip("+").isascii()


def test_a_stored_number_is_shown_in_pairs():
    assert format_phone(normalize_phone("٢٠٣٠٤٠٥٠")) == "20 30 40 50"


@pytest.mark.parametrize("typed", ["1234567²", "12 34 56 7", "tlf 12345678"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError, match="er ikke et telefonnummer"):
        normalize_phone(typed)

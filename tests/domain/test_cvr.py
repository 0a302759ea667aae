"""CVR numbers: 8 digits, modulus 11 (weights 2,7,6,5,4,3,2,1), typed with spaces or a DK prefix."""

from __future__ import annotations

import pytest

from aaben_raadgivning.domain.cvr import (
    CvrError,
    checksum_ok,
    format_cvr,
    normalize_cvr,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10150817", "10150817"),
        ("DK10150817", "10150817"),
        ("dk 10 15 08 17", "10150817"),
        ("DK-25313763", "25313763"),
        ("  29403473 ", "29403473"),
        ("20.75.64.38", "20756438"),
    ],
)
def test_valid_numbers(typed, stored):
    assert normalize_cvr(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Skriv virksomhedens CVR-nummer"),
        ("   ", "Skriv virksomhedens CVR-nummer"),
        ("1234567", "har 8 cifre; «1234567» har 7"),
        ("123456789", "har 8 cifre"),
        ("12345678", "kontrolcifferet passer ikke"),
        ("10150818", "kontrolcifferet passer ikke"),
        ("01234567", "begynder aldrig med 0"),
        ("ABCDEFGH", "er ikke et CVR-nummer"),
        ("1015O817", "er ikke et CVR-nummer"),
        ("١٠١٥٠٨١٧", "er ikke et CVR-nummer"),  # Arabic-Indic digits are not CVR digits
    ],
)
def test_invalid_numbers_explain_in_danish(typed, message):
    with pytest.raises(CvrError) as caught:
        normalize_cvr(typed)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("10150817", True), ("25313763", True), ("30712803", True), ("12345678", False), ("1015081", False), ("", False)],
)
def test_checksum(digits, ok):
    assert checksum_ok(digits) is ok


@pytest.mark.parametrize(("digits", "shown"), [("10150817", "10 15 08 17"), ("", ""), ("abc", "abc")])
def test_format(digits, shown):
    assert format_cvr(digits) == shown

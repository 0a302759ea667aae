"""Danish counts: the noun agrees with the number, and thousands are separated by «.»."""

from __future__ import annotations

import pytest

from aaben_raadgivning.domain.grammar import count_text, thousands


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 ændringer"), (1, "1 ændring"), (2, "2 ændringer"), (1000, "1.000 ændringer"), (-1, "-1 ændring"),
     (1234567, "1.234.567 ændringer")],
)  # fmt: skip
def test_count_text(n, expected):
    assert count_text(n, "ændring", "ændringer") == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "0"), (999, "999"), (1000, "1.000"), (12345, "12.345")])
def test_thousands(n, expected):
    assert thousands(n) == expected

"""Danish counts: the number with a thousands separator and the noun in singular or plural.

    count_text(1, "ændring", "ændringer")     -> "1 ændring"
    count_text(1000, "ændring", "ændringer")  -> "1.000 ændringer"

Danish takes the singular for one only (also "-1"); zero and every other number take the plural.
"""

from __future__ import annotations


def thousands(n: int) -> str:
    """``12345`` as ``12.345`` (Danish thousands separator)."""
    return f"{n:,}".replace(",", ".")


def count_text(n: int, singular: str, plural: str) -> str:
    """The count and the noun that agrees with it: «1 ændring», «0 ændringer», «1.000 ændringer»."""
    return f"{thousands(n)} {singular if abs(n) == 1 else plural}"

"""CVR numbers (Det Centrale Virksomhedsregister): 8 digits with a modulus-11 check.

The weights are 2, 7, 6, 5, 4, 3, 2, 1; the weighted digit sum of a valid number is divisible by 11.
People paste numbers as "DK 12 34 56 78", "DK-12345678" or "12345678"; all are accepted and stored as
the plain 8 digits.
"""

from __future__ import annotations

import re

from aaben_raadgivning.domain.errors import UserError

WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_SEPARATORS_RE = re.compile(r"[\s.\-]+")


class CvrError(UserError, ValueError):
    """An unusable CVR number; ``message`` is Danish and shown as is."""


def checksum_ok(digits: str) -> bool:
    return (
        len(digits) == 8
        and digits.isdigit()
        and sum(w * int(d) for w, d in zip(WEIGHTS, digits, strict=True)) % 11 == 0
    )


def normalize_cvr(text: str) -> str:
    """The 8 digits of a CVR number typed or pasted by a person; raises CvrError with a Danish message."""
    raw = text.strip()
    if not raw:
        raise CvrError("Skriv virksomhedens CVR-nummer (8 cifre).")
    cleaned = _SEPARATORS_RE.sub("", raw).upper()
    if cleaned.startswith("DK"):
        cleaned = cleaned[2:]
    if not cleaned.isascii() or not cleaned.isdigit():
        raise CvrError(f"«{raw}» er ikke et CVR-nummer. Et CVR-nummer er 8 cifre, fx 10150817.")
    if len(cleaned) != 8:
        raise CvrError(f"Et CVR-nummer har 8 cifre; «{raw}» har {len(cleaned)}.")
    if cleaned[0] == "0":
        raise CvrError("Et CVR-nummer begynder aldrig med 0.")
    if not checksum_ok(cleaned):
        raise CvrError(f"CVR-nummeret {cleaned} findes ikke (kontrolcifferet passer ikke). Tjek for tastefejl.")
    return cleaned


def format_cvr(digits: str) -> str:
    """ "12345678" → "12 34 56 78" as on invoices; anything else is shown as is."""
    if len(digits) == 8 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    return digits

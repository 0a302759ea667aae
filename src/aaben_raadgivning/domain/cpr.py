"""Danish CPR numbers (personnummer): parsing, the century rule, masking and demo-data generation.

A failed modulus-11 check is only a warning: since 2007 the CPR office issues numbers that do not
satisfy it, so rejecting them would lock real citizens out.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from aaben_raadgivning.domain.errors import UserError

_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_CPR_RE = re.compile(r"(\d{6})[- ]?(\d{4})", re.ASCII)
_MASKED_RE = re.compile(r"(\d{6})-xxxx", re.ASCII)
_PREFIX_RE = re.compile(r"\d{1,6}|\d{6}-\d{0,4}|\d{7,10}", re.ASCII)
_DIGITS_RE = re.compile(r"\d{10}", re.ASCII)
_FORMAT_HINT = "CPR-nummer skal have 10 cifre: DDMMÅÅ-SSSS"
MODULUS11_WARNING = (
    "CPR-nummeret består ikke modulus 11-kontrollen. Det kan stadig være gyldigt (numre udstedt efter 2007)."
)


class CprError(UserError, ValueError):
    """A CPR number that cannot be right; ``message`` is Danish and shown as is."""


@dataclass(frozen=True)
class CprInfo:
    digits: str
    formatted: str
    birth_date: date
    sex: str  # "M" (mand) or "K" (kvinde)
    modulus11_ok: bool
    replacement: bool  # erstatningspersonnummer: day of month + 60
    warnings: tuple[str, ...] = ()


def modulus11_ok(digits: str) -> bool:
    """True if the 10 digits satisfy the classic weighted checksum (sum % 11 == 0)."""
    if not _DIGITS_RE.fullmatch(digits):
        return False
    return sum(int(c) * w for c, w in zip(digits, _WEIGHTS, strict=True)) % 11 == 0


def century_year(yy: int, seventh_digit: int) -> int:
    """The full birth year from the two-digit year and the 7th digit (the CPR office's table)."""
    if seventh_digit <= 3:
        return 1900 + yy
    if seventh_digit in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


def parse_cpr(text: str, today: date | None = None) -> CprInfo:
    """Parse "DDMMYY-SSSS", "DDMMYYSSSS" or "DDMMYY SSSS"; raise CprError with a Danish message."""
    raw = text.strip()
    if not raw:
        raise CprError("CPR-nummer mangler.")
    match = _CPR_RE.fullmatch(raw)
    if match is None:
        raise CprError(f"«{raw}» er ikke et CPR-nummer. {_FORMAT_HINT}")
    digits = match.group(1) + match.group(2)
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    replacement = day > 60
    if replacement:
        day -= 60
    year = century_year(yy, int(digits[6]))
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise CprError(f"«{raw}» er ikke en gyldig dato i et CPR-nummer ({digits[:6]} skal være DDMMÅÅ).") from None
    if birth_date > (today or date.today()):
        raise CprError(f"«{raw}» giver fødselsdatoen {birth_date:%d.%m.%Y}, som ligger i fremtiden. Tjek cifrene.")
    mod_ok = modulus11_ok(digits)
    return CprInfo(
        digits=digits,
        formatted=f"{digits[:6]}-{digits[6:]}",
        birth_date=birth_date,
        sex="M" if int(digits[9]) % 2 else "K",
        modulus11_ok=mod_ok,
        replacement=replacement,
        warnings=() if mod_ok else (MODULUS11_WARNING,),
    )


def mask_cpr(digits_or_formatted: str) -> str:
    """ "0101901234" or "010190-1234" → "010190-xxxx": birth date visible, serial hidden. An already masked
    "010190-xxxx" (what the store gives a role that may not see the whole number) stays as it is."""
    match = _CPR_RE.fullmatch(digits_or_formatted.strip()) or _MASKED_RE.fullmatch(digits_or_formatted.strip())
    if match is None:
        raise CprError(_FORMAT_HINT)
    return f"{match.group(1)}-xxxx"


def looks_like_cpr_prefix(text: str) -> bool:
    """True for the start of a CPR number as typed ("0101", "010190-12"): search by CPR, not by name."""
    return _PREFIX_RE.fullmatch(text.strip()) is not None


@cache
def _seventh_digits(year: int) -> tuple[int, ...]:
    """The 7th digits that map the year's two digits back to exactly this year."""
    options = tuple(d for d in range(10) if century_year(year % 100, d) == year)
    if not options:
        raise ValueError(f"Der kan ikke dannes CPR-numre for fødselsåret {year} (kun 1858–2057).")
    return options


def generate_cpr(birth_date: date, sex: str, rng: random.Random, modulus11: bool = True) -> str:
    """A plausible "DDMMYY-SSSS" for demo data; with ``modulus11=False`` the checksum is left to chance."""
    if sex not in ("M", "K"):
        raise ValueError(f"Køn skal være «M» eller «K», ikke «{sex}».")
    year = birth_date.year
    sevenths = _seventh_digits(year)
    head = f"{birth_date:%d%m}{year % 100:02d}"
    parity = 1 if sex == "M" else 0
    rand = rng.random
    if not modulus11:
        tail = f"{sevenths[int(rand() * len(sevenths))]}{int(rand() * 100):02d}{2 * int(rand() * 5) + parity}"
        return f"{head}-{tail}"
    head_sum = sum(int(c) * w for c, w in zip(head, _WEIGHTS, strict=False))
    while True:
        # Pick digits 7, 8 and 10 freely, then solve for digit 9 (weight 2; 6 is 2's inverse mod 11).
        d7 = sevenths[int(rand() * len(sevenths))]
        d8 = int(rand() * 10)
        d10 = 2 * int(rand() * 5) + parity
        d9 = (-(head_sum + 4 * d7 + 3 * d8 + d10) * 6) % 11
        if d9 < 10:
            return f"{head}-{d7}{d8}{d9}{d10}"

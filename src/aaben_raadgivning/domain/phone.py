"""Phone numbers as typed at the counter: Danish 8-digit numbers, optionally +45, or foreign +CC numbers."""

from __future__ import annotations

import re

from aaben_raadgivning.domain.errors import ValidationError


def normalize_phone(text: str) -> str | None:
    """``None`` for empty input; a Danish number as 8 digits; a foreign one as ``+`` and digits."""
    raw = text.strip()
    if not raw:
        return None
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+45"):
        digits = digits[3:]
    if re.fullmatch(r"\d{8}", digits):
        return digits
    if re.fullmatch(r"\+\d{6,15}", digits):
        return digits
    raise ValidationError.single(
        "phone", f"«{raw}» er ikke et telefonnummer. Skriv 8 cifre, fx 12 34 56 78, eller +landekode og nummer."
    )


def format_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) == 8 and phone.isdigit():
        return " ".join(phone[i : i + 2] for i in range(0, 8, 2))
    return phone

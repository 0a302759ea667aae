"""Phone numbers as typed at the counter: Danish 8-digit numbers, optionally +45, or foreign +CC numbers."""

from __future__ import annotations

import re
import unicodedata

from aaben_raadgivning.domain.errors import ValidationError


def _ascii_digits(text: str) -> str:
    """Digits from any script (Arabic-Indic "٠١٢", full-width "１２") as 0–9; other characters unchanged."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def normalize_phone(text: str) -> str | None:
    """``None`` for empty input; a Danish number as 8 digits (0–9); a foreign one as ``+`` and digits."""
    raw = text.strip()
    if not raw:
        return None
    digits = re.sub(r"[\s\-().]", "", _ascii_digits(raw).replace("＋", "+"))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+45"):
        digits = digits[3:]
    if re.fullmatch(r"[0-9]{8}", digits):
        return digits
    if re.fullmatch(r"\+[0-9]{6,15}", digits):
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

"""Danish date, time and number input and display ("24.12.2026", "14.30", "7,5").

Parsing is hand-written rather than dateutil.parser: the parser silently reads "12/24/2026" as
month-first and fills in missing parts, and at the counter a wrong date is worse than an error.
dateutil's relativedelta does the weekday arithmetic.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from dateutil.relativedelta import weekday as RelWeekday

from aaben_raadgivning.domain.errors import UserError

WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WEEKDAY_SHORT = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
_REL_WEEKDAYS: tuple[RelWeekday, ...] = (MO, TU, WE, TH, FR, SA, SU)

_DATE_HINT = "Skriv fx 24.12.2026 eller 24/12."
_TIME_HINT = "Skriv fx 14.30 eller 9."
_RELATIVE_DAYS = {
    "i dag": 0, "idag": 0,
    "i morgen": 1, "imorgen": 1,
    "i overmorgen": 2, "iovermorgen": 2, "overmorgen": 2,
    "i går": -1, "igår": -1,
    "i forgårs": -2, "iforgårs": -2,
}  # fmt: skip
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\.?")
_COMPACT_RE = re.compile(r"(\d{2})(\d{2})(\d{2}|\d{4})")  # "241226", "24122026"
_OFFSET_RE = re.compile(r"([+-])\s*(\d{1,4})")
_TIME_RE = re.compile(r"(?:kl\.?\s*)?(\d{1,2})(?:[.:](\d{1,2}))?")
_COMPACT_TIME_RE = re.compile(r"(?:kl\.?\s*)?(\d{1,2})(\d{2})")  # "930", "1430"
_DECIMAL_RE = re.compile(r"[+-]?\d*[.,]?\d+")
_GROUPED_RE = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")  # "1.234,5" as written by format_decimal


class DateInputError(UserError, ValueError):
    """Unreadable date or time input; ``message`` is Danish and shown as is."""


class NumberInputError(UserError, ValueError):
    """Unreadable number input; ``message`` is Danish and shown as is."""


def _normalize(text: str) -> str:
    # NFC so a decomposed "å" (as some terminals send it) matches "i går".
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def _full_year(year_text: str, today: date) -> int:
    """Four digits as written; two digits to the year within 50 years of today (like dateutil)."""
    year = int(year_text)
    if len(year_text) == 4:
        return year
    year += today.year // 100 * 100
    if year >= today.year + 50:
        year -= 100
    elif year < today.year - 50:
        year += 100
    return year


def parse_date(text: str, today: date) -> date:
    """A Danish date as typed: day first always, relative words, "+3", weekday names or ISO."""
    raw = text.strip()
    norm = _normalize(text)
    if not norm:
        raise DateInputError(f"Dato mangler. {_DATE_HINT}")
    if norm in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[norm])
    if norm in WEEKDAY_NAMES:
        # The next such day, never today: "fredag" said on a Friday means next week.
        return today + relativedelta(days=1, weekday=_REL_WEEKDAYS[WEEKDAY_NAMES.index(norm)])
    if match := _OFFSET_RE.fullmatch(norm):
        days = int(match.group(2))
        return today + timedelta(days=days if match.group(1) == "+" else -days)
    if match := _ISO_RE.fullmatch(norm):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _DMY_RE.fullmatch(norm) or _COMPACT_RE.fullmatch(norm):
        day, month = int(match.group(1)), int(match.group(2))
        year = _full_year(match.group(3), today) if match.group(3) else today.year
    else:
        raise DateInputError(f"«{raw}» er ikke en gyldig dato. {_DATE_HINT}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError(f"«{raw}» er ikke en gyldig dato. {_DATE_HINT}") from None


def parse_time(text: str) -> time:
    """A clock time as typed: "14.30", "14:30", "1430", "9", "kl. 9.05"; minutes need two digits."""
    raw = text.strip()
    norm = _normalize(text)
    if not norm:
        raise DateInputError(f"Klokkeslæt mangler. {_TIME_HINT}")
    match = _TIME_RE.fullmatch(norm) or _COMPACT_TIME_RE.fullmatch(norm)
    if match is None:
        raise DateInputError(f"«{raw}» er ikke et gyldigt klokkeslæt. {_TIME_HINT}")
    minutes_text = match.group(2) or "00"
    if len(minutes_text) == 1:
        # "9.5" could mean 9.05 or 9.50; refuse to guess.
        raise DateInputError(f"«{raw}»: skriv minutterne med to cifre, fx 9.05 eller 9.50.")
    hour, minute = int(match.group(1)), int(minutes_text)
    if hour > 23:
        raise DateInputError(f"«{raw}» er ikke et gyldigt klokkeslæt: timer skal være 0–23. {_TIME_HINT}")
    if minute > 59:
        raise DateInputError(f"«{raw}» er ikke et gyldigt klokkeslæt: minutter skal være 00–59. {_TIME_HINT}")
    return time(hour, minute)


def parse_datetime(text: str, today: date) -> datetime:
    """A date followed by an optional time ("24.12.2026 14.30", "i dag kl. 9.15"); no time means 00.00."""
    try:
        return datetime.combine(parse_date(text, today), time())
    except DateInputError:
        words = _normalize(text).split()
        if len(words) < 2:
            raise
    date_words, time_word = words[:-1], words[-1]
    if date_words[-1] in ("kl", "kl."):
        date_words = date_words[:-1]
    if not date_words:
        raise DateInputError(f"«{text.strip()}» er ikke en gyldig dato. {_DATE_HINT}")
    # Report whichever half is wrong, so the message points at the mistake.
    return datetime.combine(parse_date(" ".join(date_words), today), parse_time(time_word))


def format_date(d: date) -> str:
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def format_date_short(d: date) -> str:
    return f"{d.day:02d}.{d.month:02d}"


def weekday_name(d: date) -> str:
    return WEEKDAY_NAMES[d.weekday()]


def weekday_short(d: date) -> str:
    return WEEKDAY_SHORT[d.weekday()]


def iso_week_label(d: date) -> str:
    return f"uge {d.isocalendar().week}"


def format_date_long(d: date) -> str:
    return f"{weekday_name(d)} {format_date(d)} · {iso_week_label(d)}"


def format_time(t: time) -> str:
    return f"{t.hour:02d}.{t.minute:02d}"


def format_datetime(dt: datetime) -> str:
    return f"{format_date(dt.date())} {format_time(dt.time())}"


def parse_decimal(text: str) -> Decimal:
    """A number with decimal comma or point ("7,5", "7.5", "1.234,5"); one decimal separator only."""
    raw = text.strip()
    if not raw:
        raise NumberInputError("Tal mangler. Skriv fx 7,5.")
    if _DECIMAL_RE.fullmatch(raw):
        cleaned = raw.replace(",", ".")
    elif _GROUPED_RE.fullmatch(raw):
        cleaned = raw.replace(".", "").replace(",", ".")
    else:
        raise NumberInputError(f"«{raw}» er ikke et tal. Skriv fx 7,5.")
    return Decimal(cleaned)  # the patterns above only let valid numbers through


def format_decimal(value: Decimal | int | float, places: int = 1) -> str:
    """Danish notation: "1.234,5". Rounds half up, as people expect on paper."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,0"
    english = f"{rounded:,.{places}f}"
    return english.replace(",", "_").replace(".", ",").replace("_", ".")

"""Ordinary hours (ordinære timer): reading Danish hour and month input, and progress against the monthly goal.

Hours are kept as whole minutes so sums are exact. Only *ordinary*, unsupported hours count towards the
goal (``rules.ordinary_hours_goal``); hours in virksomhedspraktik or løntilskud are reported next to them
but never added in. Pure Python: the store sums the reports, this module reads input and judges progress.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from aaben_raadgivning.domain.errors import UserError

HOUR_KINDS = ("ordinary", "praktik", "loentilskud")
HOUR_KIND_LABELS = {"ordinary": "Ordinære timer", "praktik": "Virksomhedspraktik", "loentilskud": "Løntilskud"}

MONTH_NAMES = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
MONTH_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

_HOURS_HINT = "Skriv fx 7,5 eller 7:30."
_MONTH_HINT = "Skriv fx 11.2026, nov 2026 eller «sidste måned»."
_HOURS_RE = re.compile(r"(\d{1,4})(?:[.,](\d{1,4}))?")
_CLOCK_RE = re.compile(r"(\d{1,4}):(\d{1,2})")
_NUMERIC_MONTH_RE = re.compile(r"(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})")
_ISO_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})")
_NAMED_MONTH_RE = re.compile(r"([a-zæøå]+)\.?(?:\s+(\d{4}|\d{2}))?")


class HoursInputError(UserError, ValueError):
    """Unreadable hour or month input; ``message`` is Danish and shown as is."""


def _normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def max_minutes_in_month(month: date) -> int:
    """Every hour of the month: nobody can have worked more."""
    return days_in_month(month) * 24 * 60


def parse_hours(text: str, month: date | None = None) -> int:
    """Danish hour input → minutes: "7,5", "7.5", "7:30", "30", "" (= 0). With ``month``, more hours than
    the month has are refused."""
    raw = _normalize(text).removesuffix("timer").removesuffix("t").strip()
    if not raw:
        return 0
    if raw.startswith("-"):
        raise HoursInputError("Timetallet kan ikke være negativt.")
    clock = _CLOCK_RE.fullmatch(raw)
    decimal = _HOURS_RE.fullmatch(raw)
    if clock:
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        if minutes >= 60:
            raise HoursInputError(f"«{text.strip()}»: minutterne skal være under 60. {_HOURS_HINT}")
        total = hours * 60 + minutes
    elif decimal:
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise HoursInputError(f"«{text.strip()}» er ikke et timetal. {_HOURS_HINT}") from None
        total = int((value * 60).to_integral_value())
    else:
        raise HoursInputError(f"«{text.strip()}» er ikke et timetal. {_HOURS_HINT}")
    if month is not None and total > max_minutes_in_month(month):
        limit = days_in_month(month) * 24
        raise HoursInputError(f"{format_hours(total)} timer er mere end en hel måned ({limit} timer).")
    return total


def format_hours(minutes: int | Decimal, places: int = 2) -> str:
    """Minutes as Danish hours without needless decimals: 150 → "2,5", 435 → "7,25", 1800 → "30"."""
    value = (Decimal(minutes) / 60).quantize(Decimal(1).scaleb(-places))
    text = f"{value:f}".replace(".", ",")
    return text.rstrip("0").rstrip(",") if "," in text else text


def _year(text: str | None, default: int) -> int:
    if text is None:
        return default
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def parse_month(text: str, today: date) -> date:
    """Danish month input → the first day of the month: "11.2026", "11/26", "2026-11", "nov 2026", "november",
    "denne måned", "sidste måned", "forrige måned". A month name without a year means the latest such month
    that is not in the future."""
    norm = _normalize(text)
    this_month = month_start(today)
    if not norm:
        raise HoursInputError(f"Måned mangler. {_MONTH_HINT}")
    if norm in ("denne måned", "i denne måned", "nu", "den her måned"):
        return this_month
    if norm in ("sidste måned", "forrige måned", "sidste mdr", "forrige mdr"):
        return add_months(this_month, -1)
    month = year = None
    if m := _ISO_MONTH_RE.fullmatch(norm):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _NUMERIC_MONTH_RE.fullmatch(norm):
        month, year = int(m.group(1)), _year(m.group(2), today.year)
    elif m := _NAMED_MONTH_RE.fullmatch(norm):
        name = m.group(1)
        matches = [i for i, full in enumerate(MONTH_NAMES, 1) if len(name) >= 3 and full.startswith(name)]
        if len(matches) != 1:
            raise HoursInputError(f"«{text.strip()}» er ikke en måned. {_MONTH_HINT}")
        month = matches[0]
        if m.group(2) is not None:
            year = _year(m.group(2), today.year)
        else:
            year = today.year if month <= today.month else today.year - 1
    else:
        raise HoursInputError(f"«{text.strip()}» er ikke en måned. {_MONTH_HINT}")
    if not 1 <= month <= 12:
        raise HoursInputError(f"Måneden skal være 1–12. {_MONTH_HINT}")
    if not 1900 <= year <= 2200:
        raise HoursInputError(f"Året {year} er ikke gyldigt. {_MONTH_HINT}")
    return date(year, month, 1)


def format_month(month: date) -> str:
    """ "november 2026"."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def format_month_short(month: date) -> str:
    """ "nov 26"."""
    return f"{MONTH_SHORT[month.month - 1]} {month.year % 100:02d}"


@dataclass(frozen=True)
class MonthHours:
    """One calendar month's hours (minutes), summed over a citizen's agreements, corrections applied."""

    month: date
    ordinary: int = 0
    praktik: int = 0
    loentilskud: int = 0
    reported: bool = False  # at least one report exists for the month

    def goal_met(self, goal_hours: float) -> bool:
        return self.ordinary >= goal_minutes(goal_hours)

    def percent_of_goal(self, goal_hours: float) -> int:
        return round(100 * self.ordinary / goal_minutes(goal_hours)) if goal_hours > 0 else 0


def goal_minutes(goal_hours: float) -> int:
    return round(goal_hours * 60)


def month_range(last: date, count: int) -> list[date]:
    """The ``count`` months ending with ``last`` (oldest first)."""
    last = month_start(last)
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def month_series(totals: dict[date, MonthHours], last: date, count: int) -> list[MonthHours]:
    """A gap-free series of ``count`` months ending with ``last``: months without reports are zero."""
    return [totals.get(month, MonthHours(month)) for month in month_range(last, count)]


def best_month(series: list[MonthHours]) -> MonthHours | None:
    """The month with the most ordinary hours (the earliest on a tie); None without any reports."""
    reported = [m for m in series if m.reported]
    return max(reported, key=lambda m: (m.ordinary, -m.month.toordinal())) if reported else None


@dataclass(frozen=True)
class Progress:
    """Where the citizen stands against the monthly goal."""

    goal_hours: float
    months: tuple[MonthHours, ...]

    @property
    def met_months(self) -> tuple[MonthHours, ...]:
        return tuple(m for m in self.months if m.goal_met(self.goal_hours))

    @property
    def goal_reached(self) -> bool:
        return bool(self.met_months)

    @property
    def best(self) -> MonthHours | None:
        return best_month(list(self.months))


def progress(series: list[MonthHours], goal_hours: float) -> Progress:
    return Progress(goal_hours, tuple(series))


def bar(minutes: int, goal_hours: float, width: int) -> str:
    """A text bar of ``width`` cells where the full width is 1½ × the goal, so the goal sits at ⅔;
    eighth-blocks give the fine steps."""
    scale = goal_minutes(goal_hours) * 1.5 or 1
    eighths = min(width * 8, round(minutes / scale * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int], top: int) -> str:
    """One character per value, scaled to ``top`` (e.g. the goal): ``top`` or more is a full block; nothing
    reported is a space-like dot."""
    chars = []
    for value in values:
        if value <= 0:
            chars.append("·")
        else:
            index = min(len(SPARK) - 1, int(value * (len(SPARK) - 1) / top) if top else len(SPARK) - 1)
            chars.append(SPARK[index])
    return "".join(chars)

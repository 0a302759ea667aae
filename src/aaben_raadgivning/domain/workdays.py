"""Working days in Denmark: weekends, public holidays (the `holidays` package) and local extra days off.

Deadlines that land on a day off move to the next working day. Municipalities usually also close on
grundlovsdag, juleaftensdag and nytårsaftensdag, which are not public holidays, so those are configurable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

EXTRA_DAYS_OFF: dict[str, tuple[int, int]] = {
    "grundlovsdag": (6, 5),
    "juleaftensdag": (12, 24),
    "nytaarsaftensdag": (12, 31),
}
EXTRA_DAY_OFF_NAMES: dict[str, str] = {
    "grundlovsdag": "Grundlovsdag",
    "juleaftensdag": "Juleaftensdag",
    "nytaarsaftensdag": "Nytårsaftensdag",
}
EXTRA_DATE_NAME = "Lukkedag"
_WEEKEND_NAMES = {5: "Lørdag", 6: "Søndag"}
_STORE_BEDEDAG_ABOLISHED = 2024  # Abolished by law from 2024; guard in case the package lags behind.


def _public_holidays(year: int) -> dict[date, str]:
    import holidays  # loads many modules; only needed when a date is first asked about

    calendar = holidays.country_holidays("DK", years=year, language="da")
    return {
        day: name
        for day, name in calendar.items()
        if not (year >= _STORE_BEDEDAG_ABOLISHED and "bededag" in name.lower())
    }


class WorkdayCalendar:
    """Answers "is this a working day?" quickly; each year's days off are computed once."""

    def __init__(
        self,
        extra_days_off: Iterable[str] = ("grundlovsdag", "juleaftensdag", "nytaarsaftensdag"),
        extra_dates: Iterable[date] = (),
    ) -> None:
        keys = (extra_days_off,) if isinstance(extra_days_off, str) else tuple(extra_days_off)
        unknown = [key for key in keys if key not in EXTRA_DAYS_OFF]
        if unknown:
            known = ", ".join(EXTRA_DAYS_OFF)
            raise ValueError(f"Ukendt fridag: {', '.join(unknown)}. Mulige: {known}.")
        self.extra_days_off: tuple[str, ...] = keys
        self.extra_dates: frozenset[date] = frozenset(extra_dates)
        self._years: dict[int, dict[date, str]] = {}

    def _days_off(self, year: int) -> dict[date, str]:
        days = self._years.get(year)
        if days is None:
            days = {d: EXTRA_DATE_NAME for d in self.extra_dates if d.year == year}
            for key in self.extra_days_off:
                month, day = EXTRA_DAYS_OFF[key]
                days[date(year, month, day)] = EXTRA_DAY_OFF_NAMES[key]
            days.update(_public_holidays(year))  # a public holiday's own name wins
            self._years[year] = days
        return days

    def holiday_name(self, d: date) -> str | None:
        """The public holiday or configured day off on ``d``, ignoring weekends."""
        return self._days_off(d.year).get(d)

    def day_off_name(self, d: date) -> str | None:
        """Why ``d`` is not a working day ("Juledag", "Lørdag", …), or None if it is one."""
        return self.holiday_name(d) or _WEEKEND_NAMES.get(d.weekday())

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self._days_off(d.year)

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """Count ``n`` working days from ``d`` (not counting ``d``); negative ``n`` counts backwards."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

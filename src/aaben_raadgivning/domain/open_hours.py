"""The counter's open hours, as configured per Danish weekday ("09.00-12.00, 13.00-15.30")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from aaben_raadgivning.domain.dates import (
    WEEKDAY_NAMES,
    DateInputError,
    format_time,
    parse_time,
)
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.workdays import WorkdayCalendar

Interval = tuple[time, time]
_INTERVAL_SEP_RE = re.compile(r"[,;]")
_RANGE_SEP_RE = re.compile(r"\s*[-–]\s*")
_CLOSED_WORDS = ("", "lukket")
_LOOKAHEAD_DAYS = 31  # far enough to get past Christmas and any run of configured closing days


class OpenHoursError(UserError, ValueError):
    """Open hours in the settings that cannot be right; ``message`` is Danish."""


def _parse_day(day_name: str, text: str) -> tuple[Interval, ...]:
    if text.strip().lower() in _CLOSED_WORDS:
        return ()
    intervals: list[Interval] = []
    for part in _INTERVAL_SEP_RE.split(text):
        bounds = _RANGE_SEP_RE.split(part.strip())
        if len(bounds) != 2:
            raise OpenHoursError(f"{day_name.capitalize()}: «{part.strip()}» skal skrives som fx 09.00-12.00.")
        try:
            start, end = parse_time(bounds[0]), parse_time(bounds[1])
        except DateInputError as exc:
            raise OpenHoursError(f"{day_name.capitalize()}: {exc.message}") from None
        if start >= end:
            raise OpenHoursError(f"{day_name.capitalize()}: «{part.strip()}» slutter før det begynder.")
        intervals.append((start, end))
    intervals.sort()
    merged: list[Interval] = []
    for start, end in intervals:
        if merged and start < merged[-1][1]:
            raise OpenHoursError(f"{day_name.capitalize()}: tidsrummene overlapper ({text.strip()}).")
        if merged and start == merged[-1][1]:  # "09.00-12.00, 12.00-14.00" is one stretch
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class OpenHours:
    """Intervals per weekday (Monday first). With a calendar, holidays and extra days off are closed."""

    weekly: tuple[tuple[Interval, ...], ...]
    calendar: WorkdayCalendar | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, mapping: Mapping[str, str], calendar: WorkdayCalendar | None = None) -> OpenHours:
        """Read settings keyed by Danish weekday name; a missing or empty day is closed."""
        weekly: list[tuple[Interval, ...]] = [()] * 7
        for key, text in mapping.items():
            name = key.strip().lower()
            if name not in WEEKDAY_NAMES:
                raise OpenHoursError(f"Ukendt ugedag i åbningstiderne: «{key}». Brug mandag … søndag.")
            weekly[WEEKDAY_NAMES.index(name)] = _parse_day(name, text)
        return cls(tuple(weekly), calendar)

    def as_mapping(self) -> dict[str, str]:
        """The settings form again, e.g. for showing or saving."""
        return {
            name: ", ".join(f"{format_time(a)}-{format_time(b)}" for a, b in day)
            for name, day in zip(WEEKDAY_NAMES, self.weekly, strict=True)
        }

    def closed_reason(self, d: date) -> str | None:
        """The holiday or day off that closes the counter on an otherwise open day."""
        if self.calendar is None or not self.weekly[d.weekday()]:
            return None
        return self.calendar.holiday_name(d)

    def intervals_on(self, d: date) -> list[Interval]:
        if self.closed_reason(d):
            return []
        return list(self.weekly[d.weekday()])

    def is_open(self, at: datetime) -> bool:
        now = at.time()
        return any(start <= now < end for start, end in self.intervals_on(at.date()))

    def next_opening(self, at: datetime) -> datetime | None:
        """When the counter next opens after ``at`` (None if it never does)."""
        now = at.time()
        for offset in range(_LOOKAHEAD_DAYS + 1):
            day = at.date() + timedelta(days=offset)
            for start, _ in self.intervals_on(day):
                if offset or start > now:
                    return datetime.combine(day, start)
        return None

    def status_text(self, at: datetime) -> str:
        """One line for the status bar: "Åbent nu · lukker 12.00", "Lukket · åbner mandag 09.00", …"""
        today = at.date()
        now = at.time()
        for start, end in self.intervals_on(today):
            if start <= now < end:
                return f"Åbent nu · lukker {format_time(end)}"
        reason = self.closed_reason(today)
        if reason:
            head = f"Lukket i dag ({reason})"
        elif not self.intervals_on(today):
            head = "Lukket i dag"
        else:
            head = "Lukket"
        opening = self.next_opening(at)
        if opening is None:
            return f"{head} · ingen åbningstider"
        return f"{head} · åbner {_when(opening.date(), today)}{format_time(opening.time())}"

    def hours_span(self, d: date) -> list[int]:
        """Whole hours the day's intervals touch (9–12 and 13–15.30 → 9, 10, 11, 13, 14, 15)."""
        hours: set[int] = set()
        for start, end in self.intervals_on(d):
            last = end.hour if end.minute else end.hour - 1
            hours.update(range(start.hour, last + 1))
        return sorted(hours)


def _when(day: date, today: date) -> str:
    """ "" today, "i morgen ", a weekday within a week, else weekday and date."""
    days = (day - today).days
    if days == 0:
        return ""
    if days == 1:
        return "i morgen "
    name = WEEKDAY_NAMES[day.weekday()]
    if days < 7:
        return f"{name} "
    return f"{name} {day.day:02d}.{day.month:02d} "

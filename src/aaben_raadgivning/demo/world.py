"""The generator's shared state: the random source, the clock, the writer and the office being filled."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from faker import Faker

from aaben_raadgivning.config import CounterSettings
from aaben_raadgivning.demo.bulk import BulkWriter
from aaben_raadgivning.demo.texts import JOBS, LANGUAGES, MONTHS, SUBGOALS
from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.domain.open_hours import OpenHours
from aaben_raadgivning.domain.workdays import WorkdayCalendar

T = TypeVar("T")

# --- helpers ----------------------------------------------------------------------------------


def weighted(rng: random.Random, weights: Mapping[str, float]) -> Callable[[], str]:
    """A fast weighted chooser (cumulative weights computed once)."""
    keys = list(weights)
    cumulative: list[float] = []
    total = 0.0
    for key in keys:
        total += weights[key]
        cumulative.append(total)

    def choose() -> str:
        return keys[min(bisect_right(cumulative, rng.random() * total), len(keys) - 1)]

    return choose


class Clock:
    """Danish local wall-clock times to stored naive UTC, with each day's offset computed once."""

    def __init__(self) -> None:
        self._offsets: dict[date, timedelta] = {}

    def utc(self, local: datetime) -> datetime:
        day = local.date()
        offset = self._offsets.get(day)
        if offset is None:
            noon = datetime.combine(day, time(12))
            offset = self._offsets[day] = to_utc(noon) - noon
        return local + offset


def default_open_hours(calendar: WorkdayCalendar) -> OpenHours:
    return OpenHours.parse(CounterSettings().open_hours, calendar)


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass
class World:
    """Everything the generators share."""

    rng: random.Random
    fake: Faker
    writer: BulkWriter
    clock: Clock
    staff: dict[str, str]  # initials → id
    office_id: str
    housing_area: str
    today: date
    first_day: date
    now_local: datetime
    work_days: list[date]  # past working days within the window, for timeline events
    companies: list[str]
    addresses: list[str]
    course_citizens: list[tuple[str, str]] = field(default_factory=list)  # (citizen id, step) in trin 2/3
    readiness: dict[str, str | None] = field(default_factory=dict)  # course citizens' readiness: praktik limits
    project_days: list[date] = field(default_factory=list)  # past working days a project may have started on
    created_days: list[date] = field(default_factory=list)  # each written citizen's creation day (local)
    no_show: dict[tuple[str, date], float] = field(default_factory=dict)  # (initials, month) → chance of udeblivelse
    # The base data and exit outcomes (added later) draw from their own source, so the rest of a seed's
    # demo stays what it was.
    extra_rng: random.Random = field(default_factory=lambda: random.Random(0))

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.random() * len(options))]

    def fill(self, template: str) -> str:
        return template.format_map(Blanks(self)) if "{" in template else template


class Blanks(dict):
    """Values for a text template's blanks, each made only when the template uses it."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def __missing__(self, key: str) -> Any:
        world, rng = self.world, self.world.rng
        if key == "company":
            value: Any = world.pick(world.companies)
        elif key == "job":
            value = world.pick(JOBS)
        elif key == "language":
            value = world.pick(LANGUAGES)
        elif key == "address":
            value = world.pick(world.addresses)
        elif key == "day":
            soon = world.today + timedelta(days=rng.randint(1, 14))
            value = f"{soon.day:02d}.{soon.month:02d}"
        elif key == "clock":
            value = f"{rng.choice((9, 10, 11, 13, 14))}.{rng.choice(('00', '30'))}"
        elif key in ("hours", "ordinary"):  # drawn together: ordinary hours are part of the hours
            hours = rng.randint(4, 30)
            self["hours"], self["ordinary"] = hours, rng.randint(0, min(hours, 10))
            return self[key]
        elif key == "weeks":
            value = rng.choice((4, 6, 8, 13))
        elif key == "month":
            value = MONTHS[(world.today.month - 2) % 12]
        elif key == "subgoal":
            value = world.pick(SUBGOALS)
        else:
            raise KeyError(key)
        self[key] = value
        return value

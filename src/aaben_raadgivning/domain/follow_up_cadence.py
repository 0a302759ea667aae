"""The follow-up plan (opfølgningsplan) of a company course: a cadence of visits as data.

The default plan is ``assets/follow_up_cadence.toml`` (weekly the first 4 weeks, every 2 weeks until 3
months, monthly until 12 months). Each agreement keeps its own copy in ``agreements.follow_up_plan`` as
JSON::

    {"phases": [{"every": 1, "every_unit": "uge", "until": 4, "until_unit": "uge"}, ...]}

Units are "uge" (weeks) and "maaned" (calendar months). A phase starts at the last visit of the phase
before it (the course's first day for the first phase) and places a visit every ``every`` until
``until`` counted from the first day; month steps keep the day of the month (31 → the month's last day).
The editor shows and edits a plan as short Danish text: ``1 uge til 4 uger; 2 uger til 3 mdr; 1 md til 12 mdr``.

A plan must keep at least the contact of rules.toml (``follow_up_contact_interval_months``) for the first
``follow_up_first_period_months``. Visits that land on a weekend, helligdag or local day off move to the
next working day (two visits landing on the same day become one).
"""

from __future__ import annotations

import calendar as _calendar
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.rules import Rules, load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

UNITS = ("uge", "maaned")
DAYS_PER_MONTH = 30.4375
MAX_PHASES = 12
MAX_MONTHS = 60
_UNIT_WORDS = {
    "u": "uge", "uge": "uge", "uger": "uge", "ug": "uge",
    "m": "maaned", "md": "maaned", "mdr": "maaned", "måned": "maaned", "måneder": "maaned",
    "maaned": "maaned", "maaneder": "maaned", "mnd": "maaned",
}  # fmt: skip
_PHASE_RE = re.compile(r"(?:hver\s+)?(\d{1,3})\.?\s*([a-zæøå]+)\.?\s*(?:til|-|–|→)\s*(\d{1,3})\s*([a-zæøå]+)\.?")


class PlanError(UserError, ValueError):
    """A follow-up plan that cannot be read or used; ``message`` is Danish and shown as is."""


@dataclass(frozen=True)
class Phase:
    every: int
    every_unit: str
    until: int
    until_unit: str

    def every_days(self) -> float:
        return self.every * (7 if self.every_unit == "uge" else DAYS_PER_MONTH)

    def until_days(self) -> float:
        return self.until * (7 if self.until_unit == "uge" else DAYS_PER_MONTH)


@dataclass(frozen=True)
class Plan:
    phases: tuple[Phase, ...]

    def to_json(self) -> str:
        return json.dumps({"phases": [p.__dict__ for p in self.phases]}, separators=(",", ":"))

    def to_text(self) -> str:
        return "; ".join(
            f"{p.every} {_unit_text(p.every, p.every_unit)} til {p.until} {_unit_text(p.until, p.until_unit)}"
            for p in self.phases
        )

    def describe(self) -> str:
        """Danish prose for the editor: "hver uge til uge 4, hver 2. uge til 3 måneder, …"."""
        parts = []
        for p in self.phases:
            every = (
                ("hver " + ("uge" if p.every_unit == "uge" else "måned"))
                if p.every == 1
                else f"hver {p.every}. {'uge' if p.every_unit == 'uge' else 'måned'}"
            )
            parts.append(f"{every} til {p.until} {_unit_text(p.until, p.until_unit)}")
        return ", ".join(parts)


def _unit_text(n: int, unit: str) -> str:
    if unit == "uge":
        return "uge" if n == 1 else "uger"
    return "md" if n == 1 else "mdr"


def _phase(row: dict) -> Phase:
    try:
        phase = Phase(int(row["every"]), str(row["every_unit"]), int(row["until"]), str(row["until_unit"]))
    except (KeyError, TypeError, ValueError):
        raise PlanError("Opfølgningsplanen kan ikke læses.") from None
    return phase


def validate_plan(plan: Plan, rules: Rules | None = None) -> Plan:
    """Raise PlanError (Danish) unless the plan is well-formed and keeps the minimum contact."""
    rules = rules or load_rules()
    if not plan.phases:
        raise PlanError("Opfølgningsplanen er tom. Skriv fx «1 uge til 4 uger; 1 md til 12 mdr».")
    if len(plan.phases) > MAX_PHASES:
        raise PlanError(f"Højst {MAX_PHASES} perioder i opfølgningsplanen.")
    first_period = rules.follow_up_first_period_months
    interval = rules.follow_up_contact_interval_months
    previous_until = 0.0
    for number, phase in enumerate(plan.phases, start=1):
        if phase.every_unit not in UNITS or phase.until_unit not in UNITS:
            raise PlanError(f"Periode {number}: brug enheden uge eller måned.")
        if phase.every < 1 or phase.until < 1:
            raise PlanError(f"Periode {number}: tallene skal være mindst 1.")
        if phase.until_days() > MAX_MONTHS * DAYS_PER_MONTH:
            raise PlanError(f"Periode {number}: planen kan højst række {MAX_MONTHS} måneder frem.")
        if phase.until_days() <= previous_until:
            raise PlanError(f"Periode {number} skal slutte senere end perioden før den.")
        if previous_until < first_period * DAYS_PER_MONTH and phase.every_days() > interval * 31:
            raise PlanError(
                f"Periode {number}: mindst én opfølgning hver {_months_text(interval)} de første {first_period} måneder."
            )
        previous_until = phase.until_days()
    if previous_until + 2 < first_period * DAYS_PER_MONTH:  # 52 weeks count as a year
        raise PlanError(f"Planen skal dække mindst de første {first_period} måneder af forløbet.")
    return plan


def _months_text(n: int) -> str:
    return "måned" if n == 1 else f"{n}. måned"


def parse_plan_text(text: str, rules: Rules | None = None) -> Plan:
    """The editor's plan text → a validated Plan; phases separated by ";" or new lines."""
    phases = []
    for number, part in enumerate((p.strip() for p in re.split(r"[;\n]", text.lower())), start=1):
        if not part:
            continue
        match = _PHASE_RE.fullmatch(part)
        if not match or match.group(2) not in _UNIT_WORDS or match.group(4) not in _UNIT_WORDS:
            raise PlanError(f"Periode {number} («{part}») kan ikke læses. Skriv fx «2 uger til 3 mdr».")
        phases.append(
            Phase(int(match.group(1)), _UNIT_WORDS[match.group(2)], int(match.group(3)), _UNIT_WORDS[match.group(4)])
        )
    return validate_plan(Plan(tuple(phases)), rules)


def plan_from_json(text: str | None) -> Plan:
    """A stored plan; an empty one is the default plan."""
    if not text:
        return default_plan()
    try:
        data = json.loads(text)
        rows = data["phases"]
    except (ValueError, KeyError, TypeError):
        raise PlanError("Opfølgningsplanen kan ikke læses.") from None
    if not isinstance(rows, list):
        raise PlanError("Opfølgningsplanen kan ikke læses.")
    return Plan(tuple(_phase(row) for row in rows if isinstance(row, dict)))


def parse_plan_data(text: str) -> Plan:
    return Plan(tuple(_phase(row) for row in tomllib.loads(text).get("phases", [])))


@cache
def default_plan() -> Plan:
    text = resources.files("aaben_raadgivning.assets").joinpath("follow_up_cadence.toml").read_text(encoding="utf-8")
    return parse_plan_data(text)


def add_months(d: date, months: int) -> date:
    year, month = divmod(d.month - 1 + months, 12)
    year += d.year
    return date(year, month + 1, min(d.day, _calendar.monthrange(year, month + 1)[1]))


def _after(d: date, n: int, unit: str) -> date:
    return d + timedelta(weeks=n) if unit == "uge" else add_months(d, n)


@dataclass(frozen=True)
class Visit:
    index: int  # position in the plan's nominal sequence; stable while the plan and first day stay
    planned: date  # the date the cadence gives
    due: date  # moved to the next working day

    @property
    def moved(self) -> bool:
        return self.due != self.planned


def plan_visits(plan: Plan, start: date, end: date | None, calendar: WorkdayCalendar) -> list[Visit]:
    """The dated visits of a plan for a course from ``start`` to ``end`` (None: no end; the plan's length)."""
    visits: list[Visit] = []
    anchor = start
    index = 0
    seen: set[date] = set()
    for phase in plan.phases:
        limit = _after(start, phase.until, phase.until_unit)
        step = 1
        while True:
            planned = _after(anchor, phase.every * step, phase.every_unit)
            if planned > limit or (end is not None and planned > end):
                break
            due = calendar.next_working_day(planned)
            if due not in seen:
                seen.add(due)
                visits.append(Visit(index, planned, due))
            index += 1
            step += 1
        if visits:
            anchor = max(anchor, visits[-1].planned)
    return visits

"""The stagnation rule (issue 17): ordinary hours not rising for ``hours_not_rising_months`` months in a
company course raise a task to renegotiate the agreement or consider another company — seed 000 KE 9 and
seed 003 KE 6 («mellem forløbene genforhandles aftalen … ingen udsigt til ordinære timer → overvej en anden
virksomhed»). The definition is the one «Mine borgere» (F8) flags with (``hours_not_rising``).

Today is Tue 24.11.2026: last month is October, compared with July (3 months). Goal 30 h = 1 800 minutes.
Due: 5 working days after 01.11 (Sun) = Fri 06.11."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aaben_raadgivning.domain.follow_up_rules import (
    RULE_STAGNATION,
    CitizenFollowUpFacts,
    derive_tasks,
    hours_not_rising,
    month_boundary_crossed,
    stagnation_months,
)
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

RULES = load_rules()
CAL = WorkdayCalendar()
TODAY = date(2026, 11, 24)
JUL, AUG, SEP, OCT, NOV = (date(2026, m, 1) for m in (7, 8, 9, 10, 11))


def facts(hours: dict[date, int], *, today: date = TODAY, **kw) -> CitizenFollowUpFacts:
    kw.setdefault("in_project", True)
    kw.setdefault("in_company_course", True)
    return CitizenFollowUpFacts(citizen_id="c1", today=today, ordinary_minutes=tuple(sorted(hours.items())), **kw)


def stagnation(f: CitizenFollowUpFacts, rules=RULES):
    return [t for t in derive_tasks(f, rules, CAL) if t.rule == RULE_STAGNATION]


# name → (ordinary minutes per month, other facts, expected task or None)
CASES = {
    "seed 000 KE 9: 10 h in July and in October — not rising": ({JUL: 600, OCT: 600}, {}, True),
    "seed 000 KE 9: fewer hours than in July": ({JUL: 600, OCT: 300}, {}, True),
    "seed 000 KE 9: no October report counts 0 hours": ({JUL: 600, SEP: 700}, {}, True),
    "seed 003 KE 6: one more minute is rising": ({JUL: 600, OCT: 601}, {}, False),
    "seed 003 KE 6: at the goal (30 h) the course is done, not stalled": ({JUL: 1800, OCT: 1800}, {}, False),
    "too new to judge: no report in July or earlier": ({AUG: 300, OCT: 300}, {}, False),
    "an earlier report than July is enough to judge": ({date(2026, 5, 1): 60, SEP: 200, OCT: 0}, {}, True),
    "the month in progress does not count": ({JUL: 600, OCT: 600, NOV: 1800}, {}, True),
    "not in a company course": ({JUL: 600, OCT: 600}, {"in_company_course": False}, False),
    "left the project (self-supporting, route, terminal step)": ({JUL: 600, OCT: 600}, {"in_project": False}, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_stagnation_seed_000_ke9_003_ke6(name):
    hours, extra, expected = CASES[name]
    tasks = stagnation(facts(hours, **extra))
    assert bool(tasks) is expected
    if expected:
        (task,) = tasks
        assert (task.store_key, task.kind, task.due) == ("stagnation@2026-10", "aftaleopfoelgning", date(2026, 11, 6))


def test_stagnation_reason_says_the_hours_and_the_months_in_danish():
    (task,) = stagnation(facts({JUL: 600, OCT: 570}))
    assert task.reason == (
        "Ordinære timer ikke steget i 3 måneder: 9,5 t i oktober 2026 mod 10 t i juli 2026 (mål 30 t) — "
        "genforhandl aftalen om flere ordinære timer, eller overvej en anden virksomhed (projektets regel)"
    )


@pytest.mark.parametrize(
    ("months", "working_days", "base", "due"),
    [(3, 5, JUL, date(2026, 11, 6)), (1, 5, SEP, date(2026, 11, 6)), (2, 0, AUG, date(2026, 11, 2))],
)
def test_stagnation_numbers_are_data(months, working_days, base, due):
    """``hours_not_rising_months`` and ``stagnation_follow_up_working_days`` (rules.toml): the base month and
    the due date follow them (0 working days: the first working day of the month, Mon 02.11)."""
    rules = replace(RULES, hours_not_rising_months=months, stagnation_follow_up_working_days=working_days)
    assert stagnation_months(TODAY, rules) == (OCT, base)
    (task,) = stagnation(facts({base: 600, OCT: 600}), rules)
    assert task.due == due
    assert f"i {months} måned" in task.reason


@pytest.mark.parametrize("day", [date(2026, 11, 1), date(2026, 11, 2), TODAY, date(2026, 11, 30)])
def test_stagnation_reads_today_only_through_its_month(day):
    """The «Time» rule of the engine: within a month the task (key, due, text) is the same every day; the 1st of
    the next month is the boundary where it may change (a new occurrence for the next month)."""
    assert stagnation(facts({JUL: 600, OCT: 600}, today=day)) == stagnation(facts({JUL: 600, OCT: 600}))
    (december,) = stagnation(facts({AUG: 600, NOV: 600}, today=date(2026, 12, 1)))
    assert december.store_key == "stagnation@2026-11"


@pytest.mark.parametrize(
    ("lo", "hi", "crossed"),
    [
        (date(2026, 11, 23), date(2026, 11, 24), False),
        (date(2026, 11, 30), date(2026, 12, 1), True),
        (date(2026, 12, 1), date(2026, 12, 2), False),  # (lo, hi]: the 1st itself was swept already
        (date(2026, 10, 15), date(2026, 11, 15), True),
    ],
)
def test_month_boundary_for_the_sweep(lo, hi, crossed):
    assert month_boundary_crossed(lo, hi) is crossed


@pytest.mark.parametrize(
    ("last", "base", "goal", "stalled"),
    [(600, 600, 1800, True), (601, 600, 1800, False), (1800, 1000, 1800, False), (0, 0, 1800, True)],
)
def test_hours_not_rising_is_one_definition_for_numbers(last, base, goal, stalled):
    assert all(hours_not_rising(last, base, goal)) is stalled


def test_seed_003_ke6_an_unbroken_stretch_keeps_one_task_then_raises_a_new_one():
    """10 h every month from March: not rising as seen on 01.07 (June vs March) and every month since. The
    task of July (stagnation@2026-06) stays through September — a task done stays done — and every
    ``hours_not_rising_months`` (3) months of the stretch a new one is raised: October, then January."""
    hours = {date(2026, m, 1): 600 for m in range(3, 13)}

    def key_on(day: date) -> tuple[str, date]:
        (task,) = stagnation(facts(hours, today=day))
        return task.store_key, task.due

    assert key_on(date(2026, 7, 15)) == key_on(date(2026, 9, 30)) == ("stagnation@2026-06", date(2026, 7, 8))
    assert key_on(date(2026, 10, 1)) == key_on(TODAY) == ("stagnation@2026-09", date(2026, 10, 8))
    assert key_on(date(2027, 1, 4)) == ("stagnation@2026-12", date(2027, 1, 8))
    (task,) = stagnation(facts(hours))  # the text is the stretch's month's, the same on every day of it
    assert "10 t i september 2026 mod 10 t i juni 2026" in task.reason

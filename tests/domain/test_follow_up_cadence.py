"""The follow-up plan: cadence data → dated visits (weekends, helligdage and days off move to the next
working day), the plan text of the editor, and the minimum contact rule."""

from __future__ import annotations

from datetime import date

import pytest

from aaben_raadgivning.domain.follow_up_cadence import (
    Phase,
    Plan,
    PlanError,
    add_months,
    default_plan,
    parse_plan_text,
    plan_from_json,
    plan_visits,
    validate_plan,
)
from aaben_raadgivning.domain.workdays import WorkdayCalendar

CAL = WorkdayCalendar()


def test_default_plan_is_data():
    plan = default_plan()
    assert plan.phases == (Phase(1, "uge", 4, "uge"), Phase(2, "uge", 3, "maaned"), Phase(1, "maaned", 12, "maaned"))
    assert plan.to_text() == "1 uge til 4 uger; 2 uger til 3 mdr; 1 md til 12 mdr"
    assert plan_from_json(plan.to_json()) == plan
    assert plan_from_json("") == plan
    validate_plan(plan)


def test_default_plan_dates_for_a_course_starting_tuesday_1_december_2026():
    visits = plan_visits(default_plan(), date(2026, 12, 1), None, CAL)
    assert [v.due for v in visits[:9]] == [
        date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22), date(2026, 12, 29),  # weekly 4 weeks
        date(2027, 1, 12), date(2027, 1, 26), date(2027, 2, 9), date(2027, 2, 23),  # every 2 weeks to 3 months
        date(2027, 3, 23),  # then monthly from the last visit
    ]  # fmt: skip
    assert visits[-1].planned == date(2027, 11, 23)
    assert len(visits) == 17
    assert [v.index for v in visits] == list(range(17))
    # the gaps never exceed a month in the first year
    days = [date(2026, 12, 1)] + [v.planned for v in visits]
    assert max((b - a).days for a, b in zip(days, days[1:], strict=False)) <= 31


@pytest.mark.parametrize(
    ("start", "plan_text", "planned", "due"),
    [
        # a visit on a Saturday moves to Monday
        (date(2026, 12, 5), "1 uge til 12 mdr", date(2026, 12, 12), date(2026, 12, 14)),
        # juleaftensdag (local day off), 1. and 2. juledag → Monday 28 December
        (date(2026, 11, 24), "1 md til 12 mdr", date(2026, 12, 24), date(2026, 12, 28)),
        # nytårsdag (Friday 1 January 2027) → Monday 4 January
        (date(2026, 12, 1), "1 md til 12 mdr", date(2027, 1, 1), date(2027, 1, 4)),
        # skærtorsdag/langfredag/2. påskedag 2027 (25, 26, 29 March) → Tuesday 30 March
        (date(2027, 2, 25), "1 md til 12 mdr", date(2027, 3, 25), date(2027, 3, 30)),
        # grundlovsdag (Saturday 5 June 2027 anyway) → Monday 7 June
        (date(2027, 5, 5), "1 md til 12 mdr", date(2027, 6, 5), date(2027, 6, 7)),
        # month end: 31 January + 1 month = 28 February (a Sunday in 2027) → Monday 1 March
        (date(2027, 1, 31), "1 md til 12 mdr", date(2027, 2, 28), date(2027, 3, 1)),
        # a leap year keeps 29 February
        (date(2028, 1, 31), "1 md til 12 mdr", date(2028, 2, 29), date(2028, 2, 29)),
    ],
)
def test_visits_move_to_the_next_working_day(start, plan_text, planned, due):
    visits = plan_visits(parse_plan_text(plan_text), start, None, CAL)
    visit = next(v for v in visits if v.planned == planned)
    assert visit.due == due
    assert visit.moved is (planned != due)


def test_month_steps_keep_the_day_of_month_after_a_short_month():
    visits = plan_visits(
        parse_plan_text("1 md til 12 mdr"), date(2027, 1, 31), None, WorkdayCalendar(extra_days_off=())
    )
    assert [v.planned for v in visits[:3]] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]


def test_visits_stop_at_the_end_date_and_indices_stay():
    full = plan_visits(default_plan(), date(2026, 12, 1), None, CAL)
    short = plan_visits(default_plan(), date(2026, 12, 1), date(2027, 1, 31), CAL)
    assert [v.due for v in short] == [v.due for v in full[:6]]
    assert [v.index for v in short] == [v.index for v in full[:6]]


def test_two_visits_moved_onto_one_day_become_one():
    calendar = WorkdayCalendar(extra_days_off=(), extra_dates=[date(2027, 1, 5), date(2027, 1, 6)])
    visits = plan_visits(parse_plan_text("1 uge til 4 uger; 1 md til 12 mdr"), date(2026, 12, 29), None, calendar)
    assert visits[0].due == date(2027, 1, 7)  # Tuesday 5 Jan off, Wednesday off → Thursday


@pytest.mark.parametrize(
    ("text", "phases"),
    [
        ("1 uge til 4 uger; 2 uger til 3 mdr; 1 md til 12 mdr", 3),
        ("hver 1 uge til 4 uger\nhver 2. uge til 3 måneder\n1 måned til 12 måneder", 3),
        ("1u til 4u; 1m til 12m", 2),
        ("2 uger - 12 mdr", 1),
        ("4 uger til 52 uger", 1),
    ],
)
def test_plan_text(text, phases):
    assert len(parse_plan_text(text).phases) == phases


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Opfølgningsplanen er tom"),
        ("hver tirsdag", "Periode 1 («hver tirsdag») kan ikke læses"),
        ("1 uge til 4 dage", "kan ikke læses"),
        ("2 mdr til 12 mdr", "Periode 1: mindst én opfølgning hver måned de første 12 måneder."),
        ("5 uger til 12 mdr", "mindst én opfølgning hver måned"),
        ("1 uge til 4 uger; 1 md til 11 mdr", "Planen skal dække mindst de første 12 måneder af forløbet."),
        ("1 uge til 4 uger; 1 uge til 2 uger; 1 md til 12 mdr", "Periode 2 skal slutte senere"),
        ("0 uger til 12 mdr", "tallene skal være mindst 1"),
        ("1 md til 61 mdr", "højst række 60 måneder"),
        ("1 md til 12 mdr; 3 mdr til 24 mdr", None),  # after the first year contact may be rarer
    ],
)
def test_plan_rules(text, message):
    if message is None:
        parse_plan_text(text)
        return
    with pytest.raises(PlanError) as caught:
        parse_plan_text(text)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months(d, months, expected):
    assert add_months(d, months) == expected


def test_describe_plan():
    assert default_plan().describe() == "hver uge til 4 uger, hver 2. uge til 3 mdr, hver måned til 12 mdr"
    assert Plan(()).phases == ()

"""Ordinary hours: Danish hour and month input, progress against the monthly goal (table-driven)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.domain.agreements import Schedule
from aaben_raadgivning.domain.hours import (
    HOUR_KINDS,
    HoursInputError,
    MonthHours,
    add_months,
    bar,
    best_month,
    format_hours,
    format_month,
    month_series,
    parse_hours,
    parse_month,
    progress,
    sparkline,
)

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("7,5", 450), ("7.5", 450), ("7:30", 450), ("30", 1800), (" 12 ", 720), ("0", 0), ("", 0),
        ("0,25", 15), ("1:05", 65), ("7,5 timer", 450), ("10t", 600), ("100,0", 6000),
    ],
)  # fmt: skip
def test_parse_hours(text, minutes):
    assert parse_hours(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3", "negativt"),
        ("abc", "ikke et timetal"),
        ("7,5,5", "ikke et timetal"),
        ("7:75", "under 60"),
        ("2 1/2", "ikke et timetal"),
    ],
)
def test_parse_hours_refuses_with_danish_message(text, message):
    with pytest.raises(HoursInputError) as caught:
        parse_hours(text)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("month", "text", "ok"),
    [
        (date(2026, 2, 1), "672", True),  # 28 days × 24
        (date(2026, 2, 1), "672,5", False),
        (date(2026, 1, 1), "744", True),
        (date(2026, 1, 1), "745", False),
    ],
)
def test_parse_hours_refuses_more_than_the_month_has(month, text, ok):
    if ok:
        assert parse_hours(text, month) == int(text) * 60
    else:
        with pytest.raises(HoursInputError, match="mere end en hel måned"):
            parse_hours(text, month)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11.2026", date(2026, 11, 1)), ("11/2026", date(2026, 11, 1)), ("1-2026", date(2026, 1, 1)),
        ("10.26", date(2026, 10, 1)), ("2026-09", date(2026, 9, 1)), ("nov 2026", date(2026, 11, 1)),
        ("November", date(2026, 11, 1)), ("december", date(2025, 12, 1)), ("okt.", date(2026, 10, 1)),
        ("maj 25", date(2025, 5, 1)), ("denne måned", date(2026, 11, 1)), ("sidste måned", date(2026, 10, 1)),
        ("forrige måned", date(2026, 10, 1)), ("Sidste  Måned", date(2026, 10, 1)),
    ],
)  # fmt: skip
def test_parse_month(text, expected):
    assert parse_month(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Måned mangler"),
        ("13.2026", "1–12"),
        ("ma", "ikke en måned"),
        ("blah", "ikke en måned"),
        ("24.12.2026", "ikke en måned"),
    ],
)
def test_parse_month_refuses(text, message):
    with pytest.raises(HoursInputError) as caught:
        parse_month(text, TODAY)
    assert message in caught.value.message


def test_sidste_maaned_in_january_is_december_last_year():
    assert parse_month("sidste måned", date(2027, 1, 5)) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("minutes", "text"), [(450, "7,5"), (1800, "30"), (0, "0"), (65, "1,08"), (20, "0,33"), (435, "7,25")]
)
def test_format_hours(minutes, text):
    assert format_hours(minutes) == text


def test_format_month_and_add_months():
    assert format_month(date(2026, 11, 1)) == "november 2026"
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


@pytest.mark.parametrize(
    ("ordinary_minutes", "goal", "met", "percent"),
    [(1800, 30, True, 100), (1799, 30, False, 100), (900, 30, False, 50), (0, 30, False, 0), (1500, 25, True, 100)],
)
def test_goal_met_is_ordinary_hours_only(ordinary_minutes, goal, met, percent):
    month = MonthHours(date(2026, 10, 1), ordinary=ordinary_minutes, praktik=6000, loentilskud=6000, reported=True)
    assert month.goal_met(goal) is met
    assert month.percent_of_goal(goal) == percent


def test_series_fills_gaps_and_progress_finds_the_best_month():
    totals = {
        date(2026, 9, 1): MonthHours(date(2026, 9, 1), 600, 3000, 0, True),
        date(2026, 11, 1): MonthHours(date(2026, 11, 1), 1860, 0, 0, True),
    }
    series = month_series(totals, date(2026, 11, 1), 3)
    assert [m.month for m in series] == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert series[1] == MonthHours(date(2026, 10, 1))
    result = progress(series, 30)
    assert result.goal_reached and result.best.month == date(2026, 11, 1)
    assert [m.month for m in result.met_months] == [date(2026, 11, 1)]
    assert best_month([MonthHours(date(2026, 1, 1))]) is None


def test_praktik_alone_never_reaches_the_goal():
    series = [MonthHours(date(2026, 11, 1), 0, 100 * 60, 100 * 60, True)]
    assert not progress(series, 30).goal_reached


@pytest.mark.parametrize(("minutes", "width", "cells"), [(0, 12, 0), (1800, 12, 8), (2700, 12, 12), (9999, 12, 12)])
def test_bar_puts_the_goal_at_two_thirds(minutes, width, cells):
    assert len(bar(minutes, 30, width)) == cells


def test_sparkline():
    assert sparkline([0, 900, 1800, 3600], 1800) == "·▄██"


def test_stored_schedule_is_read_leniently():
    """A schedule written by a newer or buggy writer: unknown keys and bad values count as nothing."""
    schedule = Schedule.from_json('{"ordinary": ["x", -5, true, 60], "praktik": [240, 240, 240], "junk": 3}')
    assert [schedule.week_minutes(kind) for kind in HOUR_KINDS] == [60, 720, 0]
    assert schedule.month_minutes("ordinary") == 260  # 1 h/week × 52/12


@given(st.text(max_size=20))
def test_any_hour_input_is_minutes_or_a_danish_refusal(text):
    try:
        minutes = parse_hours(text, date(2026, 2, 1))
    except HoursInputError as exc:
        assert exc.message and exc.message[0].isupper() or exc.message.startswith("«")
    else:
        assert 0 <= minutes <= 28 * 24 * 60


@given(st.text(max_size=20))
def test_any_month_input_is_a_first_of_month_or_a_danish_refusal(text):
    try:
        month = parse_month(text, TODAY)
    except HoursInputError as exc:
        assert exc.message
    else:
        assert month.day == 1


@given(st.integers(min_value=0, max_value=744 * 60))
def test_format_then_parse_round_trips_to_the_tenth(minutes):
    assert abs(parse_hours(format_hours(minutes)) - minutes) <= 3

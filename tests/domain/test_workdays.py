from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.domain.workdays import EXTRA_DAYS_OFF, WorkdayCalendar

CAL = WorkdayCalendar()


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2026, 1, 1), "Nytårsdag"),
        (date(2026, 4, 2), "Skærtorsdag"),
        (date(2026, 4, 3), "Langfredag"),
        (date(2026, 4, 6), "Anden påskedag"),
        (date(2026, 5, 14), "Kristi himmelfartsdag"),
        (date(2026, 5, 25), "Anden pinsedag"),
        (date(2026, 6, 5), "Grundlovsdag"),
        (date(2026, 12, 24), "Juleaftensdag"),
        (date(2026, 12, 25), "Juledag"),
        (date(2026, 12, 31), "Nytårsaftensdag"),
        (date(2026, 3, 21), "Lørdag"),
        (date(2026, 3, 22), "Søndag"),
        (date(2026, 12, 26), "Anden juledag"),  # a Saturday: the holiday name is more telling
        (date(2023, 5, 5), "Store bededag"),
    ],
)
def test_days_off(d: date, name: str) -> None:
    assert not CAL.is_working_day(d)
    assert CAL.day_off_name(d) == name


@pytest.mark.parametrize("d", [date(2026, 3, 18), date(2026, 12, 23), date(2026, 12, 28), date(2026, 5, 1)])
def test_working_days(d: date) -> None:
    assert CAL.is_working_day(d)
    assert CAL.day_off_name(d) is None


def test_store_bededag_abolished_from_2024() -> None:
    # Fourth Friday after Easter: 2023-05-05 was a holiday, 2024-04-26 and 2026-05-01 are ordinary Fridays.
    assert not CAL.is_working_day(date(2023, 5, 5))
    assert CAL.is_working_day(date(2024, 4, 26))
    assert CAL.is_working_day(date(2025, 5, 16))
    assert CAL.is_working_day(date(2026, 5, 1))


def test_holidays_package_agrees_on_store_bededag() -> None:
    # Documents what the package returns; our calendar filters "bededag" from 2024 either way.
    denmark = holidays.country_holidays("DK", years=[2023, 2024], language="da")
    assert denmark.get(date(2023, 5, 5)) == "Store bededag"
    assert date(2024, 4, 26) not in denmark


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 3, 18), date(2026, 3, 18)),  # a working day stays
        (date(2026, 3, 21), date(2026, 3, 23)),  # Saturday → Monday
        (date(2026, 3, 22), date(2026, 3, 23)),
        (date(2026, 4, 2), date(2026, 4, 7)),  # skærtorsdag → past Easter to Tuesday
        (date(2026, 4, 3), date(2026, 4, 7)),  # langfredag
        (date(2026, 6, 5), date(2026, 6, 8)),  # grundlovsdag (Friday) → Monday
        (date(2026, 12, 24), date(2026, 12, 28)),  # juleaften → past juledag, anden juledag, Sunday
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2026, 12, 31), date(2027, 1, 4)),  # nytårsaften → nytårsdag (Friday) → Monday
        (date(2026, 5, 14), date(2026, 5, 15)),
    ],
)
def test_next_working_day(d: date, expected: date) -> None:
    assert CAL.next_working_day(d) == expected


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2026, 3, 18), 0, date(2026, 3, 18)),
        (date(2026, 3, 18), 1, date(2026, 3, 19)),
        (date(2026, 3, 18), 3, date(2026, 3, 23)),  # over a weekend
        (date(2026, 3, 21), 1, date(2026, 3, 23)),  # from a Saturday
        (date(2026, 3, 31), 5, date(2026, 4, 10)),  # over Easter
        (date(2026, 12, 22), 2, date(2026, 12, 28)),
        (date(2026, 3, 23), -1, date(2026, 3, 20)),
        (date(2026, 4, 7), -1, date(2026, 4, 1)),
    ],
)
def test_add_working_days(d: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(d, n) == expected


def test_extra_days_off_are_configurable() -> None:
    plain = WorkdayCalendar(extra_days_off=())
    assert plain.is_working_day(date(2026, 6, 5))
    assert plain.is_working_day(date(2026, 12, 24))
    assert plain.day_off_name(date(2026, 12, 24)) is None
    only_christmas = WorkdayCalendar(extra_days_off=["juleaftensdag"])
    assert not only_christmas.is_working_day(date(2026, 12, 24))
    assert only_christmas.is_working_day(date(2026, 12, 31))


def test_extra_dates() -> None:
    cal = WorkdayCalendar(extra_dates=[date(2026, 5, 15)])  # the Friday after Kristi himmelfart
    assert not cal.is_working_day(date(2026, 5, 15))
    assert cal.day_off_name(date(2026, 5, 15)) == "Lukkedag"
    assert cal.next_working_day(date(2026, 5, 14)) == date(2026, 5, 18)
    assert CAL.is_working_day(date(2026, 5, 15))


def test_unknown_extra_day_off() -> None:
    with pytest.raises(ValueError, match="Ukendt fridag: julefrokost"):
        WorkdayCalendar(extra_days_off=["julefrokost"])


def test_single_string_is_one_key() -> None:
    cal = WorkdayCalendar(extra_days_off="grundlovsdag")
    assert not cal.is_working_day(date(2026, 6, 5))
    assert cal.is_working_day(date(2026, 12, 24))  # a Thursday, and juleaftensdag was not chosen


def test_extra_day_keys() -> None:
    assert EXTRA_DAYS_OFF == {"grundlovsdag": (6, 5), "juleaftensdag": (12, 24), "nytaarsaftensdag": (12, 31)}


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), st.integers(0, 60))
def test_add_working_days_properties(d: date, n: int) -> None:
    end = CAL.add_working_days(d, n)
    if n:
        assert CAL.is_working_day(end)
    counted = sum(CAL.is_working_day(d + timedelta(days=i)) for i in range(1, (end - d).days + 1))
    assert counted == n
    if CAL.is_working_day(d):
        assert CAL.add_working_days(end, -n) == d


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)))
def test_next_working_day_properties(d: date) -> None:
    nxt = CAL.next_working_day(d)
    assert nxt >= d and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(d + timedelta(days=i)) for i in range((nxt - d).days))
    assert (CAL.day_off_name(d) is None) == (nxt == d)

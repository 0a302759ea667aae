from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.domain.dates import (
    DateInputError,
    NumberInputError,
    format_date,
    format_date_long,
    format_date_short,
    format_datetime,
    format_decimal,
    format_time,
    iso_week_label,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_time,
    weekday_name,
    weekday_short,
)

TODAY = date(2026, 3, 18)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24.12.2026", date(2026, 12, 24)),
        ("24-12-2026", date(2026, 12, 24)),
        ("24/12/2026", date(2026, 12, 24)),
        ("24.12.26", date(2026, 12, 24)),
        ("24/12", date(2026, 12, 24)),
        ("24.12", date(2026, 12, 24)),
        ("24.12.", date(2026, 12, 24)),
        ("1.5", date(2026, 5, 1)),
        ("01.05.2026", date(2026, 5, 1)),
        ("  3/4 ", date(2026, 4, 3)),  # day first: 3 April, never 4 March
        ("12/11", date(2026, 11, 12)),
        ("2026-12-24", date(2026, 12, 24)),
        ("24122026", date(2026, 12, 24)),
        ("241226", date(2026, 12, 24)),
        ("31.1", date(2026, 1, 31)),
        ("31.01.2027", date(2027, 1, 31)),
        ("29.2.2028", date(2028, 2, 29)),
        ("29.02.2000", date(2000, 2, 29)),
        ("1.1.80", date(1980, 1, 1)),  # two-digit years land within 50 years of today
        ("1.1.75", date(2075, 1, 1)),
    ],
)
def test_numeric_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i dag", TODAY),
        ("idag", TODAY),
        ("I DAG", TODAY),
        ("  i   dag ", TODAY),
        ("i morgen", date(2026, 3, 19)),
        ("imorgen", date(2026, 3, 19)),
        ("I Morgen", date(2026, 3, 19)),
        ("i går", date(2026, 3, 17)),
        ("igår", date(2026, 3, 17)),
        ("i ga\u030ar", date(2026, 3, 17)),  # decomposed å
        ("i overmorgen", date(2026, 3, 20)),
        ("+3", date(2026, 3, 21)),
        ("+ 14", date(2026, 4, 1)),
        ("+0", TODAY),
        ("-1", date(2026, 3, 17)),
        ("mandag", date(2026, 3, 23)),
        ("tirsdag", date(2026, 3, 24)),
        ("onsdag", date(2026, 3, 25)),  # today is Wednesday: next week's
        ("torsdag", date(2026, 3, 19)),
        ("Fredag", date(2026, 3, 20)),
        ("LØRDAG", date(2026, 3, 21)),
        ("søndag", date(2026, 3, 22)),
    ],
)
def test_relative_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_plus_days_crosses_year_end() -> None:
    assert parse_date("+3", date(2026, 12, 30)) == date(2027, 1, 2)


@pytest.mark.parametrize(
    "text",
    ["31.02.2026", "29.02.2026", "32.1", "0.1", "1.0", "1.13", "31.4", "abc", "24.12.026", "12/24/2026",
     "2026-02-30", "24.12.2026.1", "1..5", "mandagx", "2412", "+", "i"],
)  # fmt: skip
def test_invalid_dates(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(text, TODAY)
    assert caught.value.message == f"«{text}» er ikke en gyldig dato. Skriv fx 24.12.2026 eller 24/12."


@pytest.mark.parametrize("text", ["", "   "])
def test_missing_date(text: str) -> None:
    with pytest.raises(DateInputError, match="Dato mangler"):
        parse_date(text, TODAY)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_date_round_trip(d: date) -> None:
    assert parse_date(format_date(d), TODAY) == d


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
def test_short_date_round_trip_in_current_year(d: date) -> None:
    assert parse_date(format_date_short(d), TODAY) == d


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.30", time(14, 30)),
        ("14:30", time(14, 30)),
        ("1430", time(14, 30)),
        ("930", time(9, 30)),
        ("9", time(9, 0)),
        ("09", time(9, 0)),
        ("0", time(0, 0)),
        ("9.05", time(9, 5)),
        ("23.59", time(23, 59)),
        ("00.00", time(0, 0)),
        (" kl. 8.15 ", time(8, 15)),
        ("kl 8", time(8, 0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("9.5", "to cifre"),
        ("24.00", "0–23"),
        ("2400", "0–23"),
        ("12.60", "00–59"),
        ("1260", "00–59"),
        ("abc", "ikke et gyldigt klokkeslæt"),
        ("14.30.00", "ikke et gyldigt klokkeslæt"),
        ("12345", "ikke et gyldigt klokkeslæt"),
        ("", "Klokkeslæt mangler"),
    ],
)
def test_invalid_times(text: str, fragment: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_time(text)
    assert fragment in caught.value.message


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_time_round_trip(t: time) -> None:
    assert parse_time(format_time(t)) == t


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24.12.2026 14.30", datetime(2026, 12, 24, 14, 30)),
        ("i dag 9.15", datetime(2026, 3, 18, 9, 15)),
        ("i dag kl. 9.15", datetime(2026, 3, 18, 9, 15)),
        ("i morgen kl 9", datetime(2026, 3, 19, 9, 0)),
        ("fredag 1300", datetime(2026, 3, 20, 13, 0)),
        ("24.12", datetime(2026, 12, 24, 0, 0)),
        ("+ 3", datetime(2026, 3, 21, 0, 0)),
        ("i dag", datetime(2026, 3, 18, 0, 0)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("24.12.2026 25.00", "0–23"),
        ("31.02.2026 14.30", "«31.02.2026» er ikke en gyldig dato"),
        ("kl. 9", "ikke en gyldig dato"),
        ("14.30", "ikke en gyldig dato"),
        ("", "Dato mangler"),
    ],
)
def test_invalid_datetimes(text: str, fragment: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_datetime(text, TODAY)
    assert fragment in caught.value.message


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda dt: dt.replace(second=0, microsecond=0)
))  # fmt: skip
def test_datetime_round_trip(dt: datetime) -> None:
    assert parse_datetime(format_datetime(dt), TODAY) == dt


@pytest.mark.parametrize(
    ("d", "name", "short", "week"),
    [
        (date(2026, 12, 21), "mandag", "man", "uge 52"),
        (date(2026, 12, 22), "tirsdag", "tir", "uge 52"),
        (date(2026, 12, 23), "onsdag", "ons", "uge 52"),
        (date(2026, 12, 24), "torsdag", "tor", "uge 52"),
        (date(2026, 12, 25), "fredag", "fre", "uge 52"),
        (date(2026, 12, 26), "lørdag", "lør", "uge 52"),
        (date(2026, 12, 27), "søndag", "søn", "uge 52"),
        (date(2026, 12, 28), "mandag", "man", "uge 53"),
        (date(2027, 1, 1), "fredag", "fre", "uge 53"),  # ISO week belongs to 2026
        (date(2027, 1, 4), "mandag", "man", "uge 1"),
    ],
)
def test_weekday_and_week(d: date, name: str, short: str, week: str) -> None:
    assert weekday_name(d) == name
    assert weekday_short(d) == short
    assert iso_week_label(d) == week


def test_display_formats() -> None:
    assert format_date(date(2026, 5, 1)) == "01.05.2026"
    assert format_date_short(date(2026, 5, 1)) == "01.05"
    assert format_date_long(date(2026, 12, 24)) == "torsdag 24.12.2026 · uge 52"
    assert format_time(time(9, 5)) == "09.05"
    assert format_datetime(datetime(2026, 12, 24, 14, 30)) == "24.12.2026 14.30"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7,5", Decimal("7.5")),
        ("7.5", Decimal("7.5")),
        ("7", Decimal("7")),
        (" 7,50 ", Decimal("7.50")),
        ("-2,25", Decimal("-2.25")),
        (",5", Decimal("0.5")),
        ("1.234", Decimal("1.234")),  # a single point is a decimal point, as in "7.5"
        ("1.234,5", Decimal("1234.5")),
        ("1.234.567", Decimal("1234567")),
    ],
)
def test_parse_decimal(text: str, expected: Decimal) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["7,5,1", "abc", "", "  ", "7,", "1.23,4", "1,234.5", "7 5", "nan", "1e3"])
def test_invalid_decimals(text: str) -> None:
    with pytest.raises(NumberInputError) as caught:
        parse_decimal(text)
    assert "Skriv fx 7,5" in caught.value.message


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("7.5"), 1, "7,5"),
        (7, 1, "7,0"),
        (7.25, 1, "7,3"),  # half up, not banker's rounding
        (Decimal("1234.5"), 1, "1.234,5"),
        (Decimal("1234567.891"), 2, "1.234.567,89"),
        (Decimal("999.95"), 1, "1.000,0"),
        (Decimal("-1234.5"), 1, "-1.234,5"),
        (Decimal("-0.04"), 1, "0,0"),
        (Decimal("12.5"), 0, "13"),
    ],
)
def test_format_decimal(value: Decimal | int | float, places: int, expected: str) -> None:
    assert format_decimal(value, places) == expected


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_round_trip(value: Decimal) -> None:
    assert parse_decimal(format_decimal(value, 2)) == value

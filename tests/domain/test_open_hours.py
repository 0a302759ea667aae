from datetime import date, datetime, time

import pytest

from aaben_raadgivning.domain.open_hours import OpenHours, OpenHoursError
from aaben_raadgivning.domain.workdays import WorkdayCalendar

SETTINGS = {
    "mandag": "09.00-12.00, 13.00-15.30",
    "tirsdag": "09.00-12.00",
    "onsdag": "",
    "torsdag": "13.00-17.00",
    "fredag": "09.00-12.00",
    "lørdag": "",
    "søndag": "",
}
HOURS = OpenHours.parse(SETTINGS)
# 2026-03-16 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 3, 16 + i) for i in range(7))


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def test_parse_intervals() -> None:
    assert HOURS.intervals_on(MON) == [(time(9), time(12)), (time(13), time(15, 30))]
    assert HOURS.intervals_on(WED) == []
    assert HOURS.intervals_on(THU) == [(time(13), time(17))]


def test_parse_is_lenient_about_spelling() -> None:
    hours = OpenHours.parse({"Mandag": " 13:00 – 15:00 ;9-12 ", "tirsdag": "Lukket"})
    assert hours.intervals_on(MON) == [(time(9), time(12)), (time(13), time(15))]
    assert hours.intervals_on(TUE) == []
    assert hours.intervals_on(SUN) == []  # days not mentioned are closed


def test_touching_intervals_merge() -> None:
    hours = OpenHours.parse({"mandag": "09.00-12.00, 12.00-14.00"})
    assert hours.intervals_on(MON) == [(time(9), time(14))]


def test_as_mapping_round_trip() -> None:
    assert OpenHours.parse(HOURS.as_mapping()) == HOURS
    assert HOURS.as_mapping()["mandag"] == "09.00-12.00, 13.00-15.30"


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({"mandag": "12.00-09.00"}, "Mandag: «12.00-09.00» slutter før det begynder."),
        ({"mandag": "09.00-09.00"}, "slutter før det begynder"),
        ({"tirsdag": "09.00-12.00, 11.00-13.00"}, "Tirsdag: tidsrummene overlapper"),
        ({"mandag": "09.00-12.00, 09.30-10.00"}, "overlapper"),
        ({"onsdag": "09.00"}, "Onsdag: «09.00» skal skrives som fx 09.00-12.00."),
        ({"onsdag": "09.00-12.00-13.00"}, "skal skrives som"),
        ({"torsdag": "09.00-24.00"}, "Torsdag: «24.00»"),
        ({"fredag": "9.5-12"}, "to cifre"),
        ({"fredag": "09.00-12.00,"}, "skal skrives som"),
        ({"moandag": "09.00-12.00"}, "Ukendt ugedag i åbningstiderne: «moandag»"),
        ({"monday": "09.00-12.00"}, "Ukendt ugedag"),
    ],
)
def test_parse_errors(mapping: dict[str, str], fragment: str) -> None:
    with pytest.raises(OpenHoursError) as caught:
        OpenHours.parse(mapping)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(MON, 8, 59), False),
        (at(MON, 9), True),
        (at(MON, 11, 59), True),
        (at(MON, 12), False),  # closing time is exclusive
        (at(MON, 12, 30), False),
        (at(MON, 13), True),
        (at(MON, 15, 29), True),
        (at(MON, 15, 30), False),
        (at(WED, 10), False),
        (at(SAT, 10), False),
        (at(THU, 16, 59), True),
    ],
)
def test_is_open(moment: datetime, open_: bool) -> None:
    assert HOURS.is_open(moment) is open_


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at(MON, 10), "Åbent nu · lukker 12.00"),
        (at(MON, 12, 15), "Lukket · åbner 13.00"),
        (at(MON, 8), "Lukket · åbner 09.00"),
        (at(MON, 14), "Åbent nu · lukker 15.30"),
        (at(MON, 16), "Lukket · åbner i morgen 09.00"),
        (at(TUE, 12), "Lukket · åbner torsdag 13.00"),
        (at(WED, 10), "Lukket i dag · åbner i morgen 13.00"),
        (at(FRI, 12), "Lukket · åbner mandag 09.00"),
        (at(SAT, 10), "Lukket i dag · åbner mandag 09.00"),
        (at(SUN, 10), "Lukket i dag · åbner i morgen 09.00"),
    ],
)
def test_status_text(moment: datetime, text: str) -> None:
    assert HOURS.status_text(moment) == text


def test_status_when_never_open() -> None:
    assert OpenHours.parse({}).status_text(at(MON, 10)) == "Lukket i dag · ingen åbningstider"


def test_status_far_ahead_shows_date() -> None:
    hours = OpenHours.parse({"mandag": "09.00-12.00"})
    assert hours.status_text(at(MON, 13)) == "Lukket · åbner mandag 23.03 09.00"


def test_calendar_closes_holidays() -> None:
    hours = OpenHours.parse(SETTINGS, calendar=WorkdayCalendar())
    langfredag = date(2026, 4, 3)
    assert not hours.is_open(at(langfredag, 10))
    assert hours.intervals_on(langfredag) == []
    assert hours.hours_span(langfredag) == []
    # Skærtorsdag, langfredag and Easter Monday are closed; Tuesday 7 April has hours.
    assert hours.status_text(at(date(2026, 4, 2), 14)) == "Lukket i dag (Skærtorsdag) · åbner tirsdag 09.00"
    assert HOURS.is_open(at(langfredag, 10))  # without a calendar only the weekly hours count


def test_calendar_christmas() -> None:
    hours = OpenHours.parse(SETTINGS, calendar=WorkdayCalendar())
    assert hours.status_text(at(date(2026, 12, 24), 10)) == "Lukket i dag (Juleaftensdag) · åbner mandag 09.00"


@pytest.mark.parametrize(
    ("d", "hours"),
    [
        (MON, [9, 10, 11, 13, 14, 15]),
        (TUE, [9, 10, 11]),
        (WED, []),
        (THU, [13, 14, 15, 16]),
    ],
)
def test_hours_span(d: date, hours: list[int]) -> None:
    assert HOURS.hours_span(d) == hours


def test_hours_span_partial_hours() -> None:
    hours = OpenHours.parse({"mandag": "08.45-09.15, 10.00-10.01"})
    assert hours.hours_span(MON) == [8, 9, 10]

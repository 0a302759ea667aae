"""Agreements: hours typed in the schedule, hours per week and month per type, course kinds, internship
limits (data from rules.toml) and the editor's validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aaben_raadgivning.domain.agreements import (
    AgreementInput,
    Schedule,
    check_praktik,
    load_agreement_data,
    parse_day_hours,
    parse_schedule,
    schedule_cells,
    schedule_errors,
    validate_agreement,
)
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.hours import HoursInputError, format_hours
from aaben_raadgivning.domain.rules import load_rules

TODAY = date(2026, 11, 24)
RULES = load_rules()


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("", 0), ("0", 0), ("3", 180), ("3,5", 210), ("3.5", 210), ("7.25", 435), ("7,25", 435), ("2:30", 150),
     ("0:45", 45), ("24", 1440), (" 4 ", 240), ("1,333", 80)],
)  # fmt: skip
def test_parse_day_hours(typed, minutes):
    assert parse_day_hours(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "message"),
    [("25", "Højst 24 timer på en dag"), ("24:01", "Højst 24 timer"), ("2:75", "under 60"), ("-1", "negativt"),
     ("tre", "er ikke et timetal"), ("3,5,5", "er ikke et timetal"), ("1e3", "er ikke et timetal")],
)  # fmt: skip
def test_parse_day_hours_rejects(typed, message):
    with pytest.raises(HoursInputError) as caught:
        parse_day_hours(typed)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("minutes", "shown"), [(0, "0"), (180, "3"), (150, "2,5"), (435, "7,25"), (80, "1,33"), (2220, "37")]
)
def test_format_hours(minutes, shown):
    assert format_hours(minutes) == shown


def test_week_and_month_per_type_kept_apart():
    schedule = Schedule({"ordinary": (120, 120, 0, 0, 120, 0, 0), "praktik": (300, 300, 300, 0, 0, 0, 0)})
    assert schedule.week_minutes("ordinary") == 360
    assert schedule.week_minutes("praktik") == 900
    assert schedule.week_minutes("loentilskud") == 0
    assert schedule.month_minutes("ordinary") == Decimal(360) * 52 / 12  # 26 hours a month
    assert format_hours(schedule.month_minutes("ordinary")) == "26"
    assert schedule.used_types() == ("ordinary", "praktik")


def test_schedule_json_round_trip_and_lenient_read():
    schedule = Schedule({"ordinary": (60, 0, 0, 0, 0, 0, 30)})
    assert Schedule.from_json(schedule.to_json()) == Schedule(
        {"ordinary": (60, 0, 0, 0, 0, 0, 30), "praktik": (0,) * 7, "loentilskud": (0,) * 7}
    )
    assert Schedule.from_json('{"ordinary": [60, "x", -5], "ukendt": [1]}').day("ordinary") == (60, 0, 0, 0, 0, 0, 0)
    assert Schedule.from_json("ikke json").is_empty()
    assert Schedule.from_json(None).is_empty()


def test_parse_schedule_names_the_cell():
    schedule, errors = parse_schedule({"ordinary": ["2", "", "x"], "praktik": ["", "25"]})
    assert schedule.day("ordinary")[0] == 120
    assert errors == {
        "schedule.ordinary.2": "Onsdag, ordinære: «x» er ikke et timetal. Skriv fx 7,5 eller 7:30.",
        "schedule.praktik.1": "Tirsdag, praktik: Højst 24 timer på en dag (skrevet: 25).",
    }
    assert schedule_cells(Schedule({"ordinary": (150, 0, 0, 0, 0, 0, 0)}))["ordinary"][:2] == ["2,5", ""]


@pytest.mark.parametrize(
    ("kind", "cells", "message"),
    [
        (
            "virksomhedspraktik",
            {"praktik": ["8", "8", "8", "8", "8"]},
            "40 timers praktik om ugen er for meget – højst 37 timer.",
        ),
        ("virksomhedspraktik", {"praktik": ["7,4"] * 5}, None),
        ("ordinaere_timer", {"praktik": ["2"]}, "Et forløb med ordinære timer kan ikke have virksomhedspraktik."),
        ("virksomhedspraktik", {"ordinary": ["2"]}, "Et forløb med virksomhedspraktik kan ikke have ordinære timer."),
        ("kombination", {"ordinary": ["2"], "praktik": ["10"]}, None),
        ("kombination", {"ordinary": ["14"], "praktik": ["12"]}, "Mandag: 26 timer i alt – højst 24 timer på en dag."),
        ("loentilskud", {"loentilskud": ["7"], "ordinary": ["1"]}, None),
        ("loentilskud", {"praktik": ["7"]}, "kan ikke have virksomhedspraktik"),
    ],
)
def test_schedule_rules(kind, cells, message):
    data = load_agreement_data()
    schedule, cell_errors = parse_schedule(cells)
    assert not cell_errors
    errors = schedule_errors(schedule, data.course_kind(kind), data)
    if message is None:
        assert errors == {}
    else:
        assert message in errors["schedule"]


def test_course_kinds_and_statuses_are_data():
    data = load_agreement_data()
    assert [k.code for k in data.course_kinds] == [
        "ordinaere_timer",
        "virksomhedspraktik",
        "kombination",
        "loentilskud",
    ]
    assert data.course_kind("kombination").hour_types == ("ordinary", "praktik")
    assert (
        data.can_move("udkast", "aktiv") and data.can_move("aktiv", "afbrudt") and data.can_move("aktiv", "afsluttet")
    )
    assert not data.can_move("afsluttet", "aktiv") and not data.can_move("udkast", "afsluttet")


W = 7  # days


@pytest.mark.parametrize(
    ("days", "assessment", "earlier", "warning", "errors"),
    [
        (12 * W, "", 0, "", {}),
        (13 * W, "", 0, "Praktikken når grænsen på 13 uger.", {}),
        (
            13 * W + 1,
            "",
            0,
            "over grænsen på 13 uger",
            {"praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."},
        ),
        (20 * W, "Konkret vurdering: behov for længere oplæring", 0, "forlænget efter konkret vurdering", {}),
        (26 * W, "Vurderet", 0, "forlænget", {}),
        (
            26 * W + 1,
            "Vurderet",
            0,
            "",
            {"end_date": "Virksomhedspraktik kan højst vare 26 uger; planen er 26,1 uger. Vælg en tidligere slutdato."},
        ),
        (
            8 * W,
            "",
            6 * W,
            "over grænsen",
            {"praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."},
        ),
    ],
)
def test_praktik_limits(days, assessment, earlier, warning, errors):
    start = date(2027, 1, 4)
    end = date.fromordinal(start.toordinal() + days - 1)
    check = check_praktik(start, end, 600, assessment, RULES, earlier)
    assert warning in check.warning
    assert bool(warning) == bool(check.warning)
    assert check.errors == errors


def test_praktik_limits_only_with_praktik_hours():
    assert check_praktik(date(2027, 1, 1), date(2028, 1, 1), 0, "", RULES).errors == {}
    assert check_praktik(date(2027, 1, 1), None, 60, "", RULES).errors == {
        "end_date": "Virksomhedspraktik skal have en slutdato."
    }


def full_input(**changes) -> AgreementInput:
    base = {
        "citizen_id": "c1", "company_id": "co1", "course_kind": "kombination", "tasks": "Opfyldning af varer",
        "schedule": {"ordinary": ["2", "", "2"], "praktik": ["", "5", "", "5"]}, "contact_id": "k1",
        "jobformidler_id": "s1", "start_date": "1.12.2026", "end_date": "28.2.2027",
    }  # fmt: skip
    base.update(changes)
    return AgreementInput(**base)


@pytest.mark.parametrize(
    ("changes", "complete", "errors"),
    [
        ({}, True, {}),
        ({"tasks": "  "}, True, {"tasks": "Beskriv arbejdsopgaverne."}),
        ({"tasks": "  "}, False, {}),
        ({"contact_id": None}, True, {"contact": "Vælg virksomhedens faste kontaktperson."}),
        ({"jobformidler_id": None}, True, {"jobformidler": "Vælg jobformidleren."}),
        ({"end_date": "1.11.2026"}, True, {"end_date": "Slutdatoen 01.11.2026 ligger før startdatoen 01.12.2026."}),
        ({"start_date": "32.13.2026"}, False, {"start_date": None}),
        ({"start_date": ""}, True, {"start_date": "Skriv startdatoen."}),
        ({"course_kind": "x"}, False, {"course_kind": "Vælg forløbstype."}),
        (
            {"citizen_id": None, "company_id": None},
            False,
            {"citizen": "Vælg borgeren.", "company": "Vælg virksomheden."},
        ),
        ({"schedule": {}}, True, {"schedule": "Skriv timerne i ugeskemaet."}),
        ({"schedule": {}}, False, {}),
        (
            {"schedule": {"ordinary": ["25"]}},
            False,
            {"schedule": "Mandag, ordinære: Højst 24 timer på en dag (skrevet: 25)."},
        ),
        (
            {"follow_up_plan": "1 md til 6 mdr"},
            True,
            {"follow_up_plan": "Planen skal dække mindst de første 12 måneder af forløbet."},
        ),
        ({"follow_up_plan": "hver tirsdag"}, True, {"follow_up_plan": None}),
        (
            {"end_date": "15.4.2027"},
            True,
            {"praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."},
        ),
    ],
)
def test_validate_agreement(changes, complete, errors):
    if not errors:
        clean = validate_agreement(full_input(**changes), today=TODAY, rules=RULES, complete=complete)
        assert clean.start_date in (date(2026, 12, 1), None)
        return
    with pytest.raises(ValidationError) as caught:
        validate_agreement(full_input(**changes), today=TODAY, rules=RULES, complete=complete)
    assert set(caught.value.errors) == set(errors)
    for field, message in errors.items():
        if message is not None:
            assert caught.value.errors[field] == message


def test_validate_agreement_warns_at_the_limit():
    clean = validate_agreement(full_input(end_date="1.3.2027"), today=TODAY, rules=RULES, complete=True)
    assert clean.warnings == ("Praktikken når grænsen på 13 uger.",)
    assert clean.schedule.week_minutes("ordinary") == 240 and clean.schedule.week_minutes("praktik") == 600

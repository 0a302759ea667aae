"""Agreements: hours typed in the schedule, hours per week and month per type, course kinds, internship
limits (data from rules.toml) and the editor's validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aaben_raadgivning.domain.agreements import (
    AgreementInput,
    PraktikLimits,
    Schedule,
    check_praktik,
    load_agreement_data,
    parse_agreement_data,
    parse_day_hours,
    parse_schedule,
    praktik_limits,
    schedule_cells,
    schedule_errors,
    validate_agreement,
)
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.hours import HoursInputError, format_hours
from aaben_raadgivning.domain.rules import load_rules, parse_rules

TODAY = date(2026, 11, 24)
RULES = load_rules()
AP = "aktivitetsparat"


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
    """LAB § 61 for aktivitetsparate: 13 weeks, 26 after a written, concrete assessment."""
    start = date(2027, 1, 4)
    end = date.fromordinal(start.toordinal() + days - 1)
    check = check_praktik(start, end, 600, assessment, RULES, earlier, readiness="aktivitetsparat")
    assert warning in check.warning
    assert bool(warning) == bool(check.warning)
    assert check.errors == errors


def test_praktik_limits_only_with_praktik_hours():
    assert check_praktik(date(2027, 1, 1), date(2028, 1, 1), 0, "", RULES, readiness="jobparat").errors == {}
    assert check_praktik(date(2027, 1, 1), None, 60, "", RULES, readiness="aktivitetsparat").errors == {
        "end_date": "Virksomhedspraktik skal have en slutdato."
    }


def full_input(**changes) -> AgreementInput:
    base = {
        "citizen_id": "c1", "company_id": "co1", "course_kind": "kombination", "tasks": "Opfyldning af varer",
        "schedule": {"ordinary": ["2", "", "2"], "praktik": ["", "5", "", "5"]}, "contact_id": "k1",
        "jobformidler_id": "s1", "start_date": "1.12.2026", "end_date": "28.2.2027",
        "praktik_purpose": "afklaring", "praktik_expectations": "Afklare om lager er et realistisk jobmål",
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
        clean = validate_agreement(full_input(**changes), today=TODAY, rules=RULES, complete=complete, readiness=AP)
        assert clean.start_date in (date(2026, 12, 1), None)
        return
    with pytest.raises(ValidationError) as caught:
        validate_agreement(full_input(**changes), today=TODAY, rules=RULES, complete=complete, readiness=AP)
    assert set(caught.value.errors) == set(errors)
    for field, message in errors.items():
        if message is not None:
            assert caught.value.errors[field] == message


def test_validate_agreement_warns_at_the_limit():
    clean = validate_agreement(full_input(end_date="1.3.2027"), today=TODAY, rules=RULES, complete=True, readiness=AP)
    assert clean.warnings == ("Praktikken når grænsen på 13 uger.",)
    assert clean.schedule.week_minutes("ordinary") == 240 and clean.schedule.week_minutes("praktik") == 600


# --- issue 17: praktik limits by readiness (LAB § 61), ordinary hours expected (seed 000 KE 7), the praktik's
# purpose and expectations (seed 002) ------------------------------------------------------------------------

UNKNOWN = "Borgerens parathed er ikke registreret, så grænsen for jobparate gælder: højst 4 uger"


@pytest.mark.parametrize(
    ("readiness", "days", "assessment", "strict", "warning", "errors"),
    [
        # LAB § 61, stk. 1: jobparate up to 4 weeks; stk. 2's extension is for aktivitetsparate only
        ("jobparat", 3 * W, "", True, "", {}),
        ("jobparat", 4 * W, "", True, "Praktikken når grænsen på 4 uger for jobparate.", {}),
        ("jobparat", 4 * W + 1, "Konkret vurdering", True, "",
         {"end_date": "Virksomhedspraktik for jobparate kan højst vare 4 uger; planen er 4,1 uger. "
                      "Vælg en tidligere slutdato."}),
        ("jobparat", 4 * W + 1, "", False, "", {"end_date": None}),  # a draft too: the law allows no extension
        # LAB § 61, stk. 1–2: aktivitetsparate 13 weeks, 26 after a concrete assessment
        ("aktivitetsparat", 4 * W + 1, "", True, "", {}),
        ("aktivitetsparat", 13 * W + 1, "", True, "over grænsen på 13 uger",
         {"praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."}),
        # no readiness recorded: the stricter jobparate limit on a complete agreement, a warning on a draft
        (None, 4 * W, "", True, "Praktikken når grænsen på 4 uger", {}),
        (None, 5 * W, "", True, "", {"end_date": UNKNOWN + " (planen er 5 uger). Registrér parathed i borgerens "
                                                "stamdata, eller vælg en tidligere slutdato."}),
        (None, 5 * W, "", False, UNKNOWN, {}),
        (None, 14 * W, "", False, UNKNOWN,
         {"praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."}),
        (None, 27 * W, "Vurderet", False, UNKNOWN, {"end_date": None}),
        ("", 5 * W, "", True, "", {"end_date": None}),
    ],
)  # fmt: skip
def test_lab_61_praktik_limit_by_readiness(readiness, days, assessment, strict, warning, errors):
    start = date(2027, 1, 4)
    end = date.fromordinal(start.toordinal() + days - 1)
    check = check_praktik(start, end, 600, assessment, RULES, readiness=readiness, strict=strict)
    assert warning in check.warning
    assert bool(warning) == bool(check.warning)
    assert set(check.errors) == set(errors)
    for name, message in errors.items():
        if message is not None:
            assert check.errors[name] == message


def test_lab_61_limits_are_data():
    """The weeks are rules (a municipality's override file changes them); which readiness codes count as
    jobparate is reference data."""
    rules = parse_rules("praktik_jobparate_limit_weeks = 6", defaults=RULES)
    assert praktik_limits("jobparat", rules) == PraktikLimits(6, 6, "jobparate")
    assert praktik_limits("aktivitetsparat", rules) == PraktikLimits(13, 26, "aktivitetsparate")
    assert praktik_limits(None, rules) == PraktikLimits(6, 6, "jobparate", readiness_known=False)
    data = parse_agreement_data('[agreement_limits]\njobparate_readiness = ["jobparat", "mg1"]\n')
    assert praktik_limits("mg1", RULES, data).group == "jobparate"
    assert praktik_limits("mg3", RULES, data).limit == 13
    assert RULES.note("praktik_jobparate_limit_weeks").source.startswith("LAB § 61")


def test_lab_61_validate_uses_the_citizens_readiness():
    """Three weeks of praktik from 1.12.2026 to 28.2.2027 is fine for an aktivitetsparat citizen, too long for a
    jobparat one; with no readiness a draft saves with a warning and activation is refused."""
    data = full_input()
    validate_agreement(data, today=TODAY, rules=RULES, complete=True, readiness=AP)
    with pytest.raises(ValidationError) as caught:
        validate_agreement(data, today=TODAY, rules=RULES, complete=False, readiness="jobparat")
    assert "for jobparate kan højst vare 4 uger" in caught.value.errors["end_date"]
    draft = validate_agreement(data, today=TODAY, rules=RULES, complete=False, readiness=None)
    assert any("parathed er ikke registreret" in w for w in draft.warnings)
    with pytest.raises(ValidationError) as caught:
        validate_agreement(data, today=TODAY, rules=RULES, complete=True, readiness=None)
    assert "Registrér parathed" in caught.value.errors["end_date"]


PRAKTIK_ONLY = {"course_kind": "virksomhedspraktik", "schedule": {"praktik": ["", "5", "", "5"]}}
ASK = "Aftalen har ingen ordinære timer: svar på, om der forventes ordinære timer (ja eller nej)."
WHEN = "Skriv hvornår der forventes ordinære timer – en dato eller en måned, fx 1.3.2027 eller marts 2027."


@pytest.mark.parametrize(
    ("changes", "complete", "stored", "errors"),
    [
        ({}, True, (None, None), {"ordinary_expected": ASK}),
        ({}, False, (None, None), {"ordinary_expected": ASK}),  # a draft with hours must answer too
        ({"ordinary_expected": "ja"}, True, None, {"ordinary_expected_from": WHEN}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "marts 2027"}, True, (True, date(2027, 3, 1)), {}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "3.2027"}, True, (True, date(2027, 3, 1)), {}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "15.2.2027"}, True, (True, date(2027, 2, 15)), {}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "december 2026"}, True, (True, date(2026, 12, 1)), {}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "1.10.2026"}, True, None,
         {"ordinary_expected_from": "Ordinære timer kan ikke forventes før forløbet starter (01.12.2026)."}),
        ({"ordinary_expected": "ja", "ordinary_expected_from": "snart"}, True, None,
         {"ordinary_expected_from": "«snart» er hverken en dato eller en måned. Skriv fx 1.3.2027 eller marts 2027."}),
        ({"ordinary_expected": "nej", "ordinary_expected_from": "marts 2027"}, True, (False, None), {}),
        ({"ordinary_expected": "måske"}, True, None, {"ordinary_expected": ASK}),
        # ordinary hours in the schedule: the question does not apply and a stale answer is dropped
        ({"course_kind": "kombination", "schedule": {"ordinary": ["2"], "praktik": ["", "5"]},
          "ordinary_expected": "nej"}, True, (None, None), {}),
        ({"schedule": {}, "ordinary_expected": "ja"}, False, (None, None), {}),  # an empty draft: not yet
    ],
)  # fmt: skip
def test_seed_000_ke7_no_ordinary_hours_says_whether_and_when(changes, complete, stored, errors):
    """Seed 000 KE 7 (003 KE 4): "Hvis ordinære timer ikke er muligt fra start, skal der etableres en
    virksomhedspraktik, og det skal drøftes hvorvidt og hvornår, der er mulighed for at få ordinære timer"."""
    data = full_input(**{**PRAKTIK_ONLY, **changes})
    if errors:
        with pytest.raises(ValidationError) as caught:
            validate_agreement(data, today=TODAY, rules=RULES, complete=complete, readiness=AP)
        assert caught.value.errors == errors
        return
    clean = validate_agreement(data, today=TODAY, rules=RULES, complete=complete, readiness=AP)
    assert (clean.ordinary_expected, clean.ordinary_expected_from) == stored
    no_prospect = any("overvej en anden virksomhed" in w for w in clean.warnings)
    assert no_prospect == (clean.ordinary_expected is False)


PURPOSE = "Vælg formålet med praktikken (afklaring, træning, rekruttering)."
EXPECT = "Skriv de forventninger til praktikken, der er aftalt med virksomheden."


@pytest.mark.parametrize(
    ("changes", "stored", "errors"),
    [
        ({}, ("afklaring", "Afklare om lager er et realistisk jobmål"), {}),
        ({"praktik_purpose": "rekruttering", "praktik_expectations": "  Ansættelse ved god praktik \n"},
         ("rekruttering", "Ansættelse ved god praktik"), {}),
        ({"praktik_purpose": ""}, None, {"praktik_purpose": PURPOSE}),
        ({"praktik_purpose": "ferie"}, None, {"praktik_purpose": PURPOSE}),
        ({"praktik_expectations": "   "}, None, {"praktik_expectations": EXPECT}),
        ({"praktik_purpose": "", "praktik_expectations": ""}, None,
         {"praktik_purpose": PURPOSE, "praktik_expectations": EXPECT}),
        ({"praktik_expectations": "x" * 4001}, None, {"praktik_expectations": "Teksten er for lang (højst 4000 tegn)."}),
        # no praktik hours: neither is asked for, and what was left in the fields is not stored
        ({"course_kind": "ordinaere_timer", "schedule": {"ordinary": ["4"]}}, (None, ""), {}),
    ],
)  # fmt: skip
def test_seed_002_praktik_has_a_purpose_and_agreed_expectations(changes, stored, errors):
    """Seed 002 (New Insight): "formålet med praktikken [skal stå] klart for både borger og arbejdsgiver" –
    afklaring, træning or rekruttering – and "en gensidig forventningsafstemning mellem borger, jobcenter og
    virksomhed"."""
    data = full_input(**changes)
    for complete in (False, True):
        if errors:
            with pytest.raises(ValidationError) as caught:
                validate_agreement(data, today=TODAY, rules=RULES, complete=complete, readiness=AP)
            assert caught.value.errors == errors
            continue
        clean = validate_agreement(data, today=TODAY, rules=RULES, complete=complete, readiness=AP)
        assert (clean.praktik_purpose, clean.praktik_expectations) == stored


def test_seed_002_praktik_purposes_are_data():
    data = load_agreement_data()
    assert [(p.code, p.label) for p in data.praktik_purposes] == [
        ("afklaring", "Afklaring"), ("traening", "Træning"), ("rekruttering", "Rekruttering"),
    ]  # fmt: skip
    assert all(p.description for p in data.praktik_purposes)
    assert data.purpose_label("ukendt") == "ukendt"  # a code from a newer laptop shows as itself

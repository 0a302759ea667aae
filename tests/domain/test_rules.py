import dataclasses

import pytest

from aaben_raadgivning.domain.rules import Rules, RulesError, load_rules, parse_rules

# The seeds' (and the law's) numbers, written out independently of rules.toml.
SEED_VALUES = {
    "ordinary_hours_goal": 30,  # 000 KE 9 / 003 KE 6
    "hours_not_rising_months": 3,  # «Mine borgere»: a project default, not from the seeds or the law
    "follow_up_contact_interval_months": 1,  # "mindst en gang i måneden i det første år"
    "follow_up_first_period_months": 12,
    "jobsamtaler_minimum": 4,  # LAB § 31
    "jobsamtaler_period_months": 6,
    "first_jobsamtale_within_days": 7,
    "delmaal_review_weeks": 6,  # Skanderborg (002)
    "praktik_limit_weeks": 13,
    "praktik_extended_limit_weeks": 26,  # LAB § 61, stk. 2 (aktivitetsparate, after a concrete assessment)
    "praktik_jobparate_limit_weeks": 4,  # LAB § 61, stk. 1: jobparate, no extension
    "inactivity_days_before_outreach": 30,
    "attendance_goal_percent": 70,  # Slagelse (004)
    "self_supporting_goal_percent": 40,
    "self_supporting_after_months": 12,
    "aftercare_months": 3,  # efterværn: Slagelse (004) coaches in the first 3 months in work
    "aftercare_interval_months": 1,  # a project default: monthly
    "no_show_follow_up_working_days": 1,
    "max_clock_ahead_minutes": 60,  # technical (sync), not from the seeds
    "retention_years": 5,  # slettefrist: the municipality's retention rule (typically 5 years), not the seeds
    "consent_valid_months": 12,  # samtykke: renewed yearly in practice (Datatilsynet), a project default
    "consent_expiry_warning_days": 30,  # project default, not law
    "underretning_follow_up_days": 14,  # seed 003 (trin 1, gruppe 3) gives no number: a project default
    "rehab_preparation_days": 14,  # seeds 000 KE 9 / 003: "hurtigst muligt", no number: a project default
    "stagnation_follow_up_working_days": 5,  # seeds 000 KE 9 / 003 give no number: a project default
}


def full_text(**overrides: object) -> str:
    """A complete rules file with the seed values, some replaced (None drops the rule)."""
    values = {**SEED_VALUES, **overrides}
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        literal = f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else value
        parts.append(f'[{key}]\nvalue = {literal}\nlabel = "Etiket for {key}"\nsource = "Kilde"\n')
    return "\n".join(parts)


def test_the_rules_cover_exactly_the_seed_numbers():
    assert set(Rules.keys()) == set(SEED_VALUES)


@pytest.mark.parametrize(("key", "expected"), SEED_VALUES.items())
def test_shipped_defaults_equal_the_seeds(key, expected):
    rules = load_rules()
    assert rules.value(key) == expected
    assert getattr(rules, key) == expected


@pytest.mark.parametrize("key", SEED_VALUES)
def test_every_shipped_rule_has_a_danish_label_unit_and_source(key):
    note = load_rules().note(key)
    assert note.key == key
    assert note.label and note.label != key
    assert note.unit
    assert len(note.source) > 20


@pytest.mark.parametrize(
    ("key", "kind"),
    [("ordinary_hours_goal", float), ("jobsamtaler_minimum", int), ("attendance_goal_percent", int)],
)
def test_values_are_typed(key, kind):
    assert type(load_rules().value(key)) is kind


def test_the_ordinary_hours_note_says_praktik_and_loentilskud_never_count():
    source = load_rules().note("ordinary_hours_goal").source
    assert "praktik" in source and "løntilskud" in source and "aldrig" in source


def test_a_full_file_parses():
    rules = parse_rules(full_text(ordinary_hours_goal=22.5))
    assert rules.ordinary_hours_goal == 22.5
    assert rules.note("jobsamtaler_minimum").label == "Etiket for jobsamtaler_minimum"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (full_text(ordinary_hours_goal=None), "Reglen «ordinary_hours_goal» mangler."),
        (full_text(ordinary_hours_goal="tredive"), "værdien skal være et tal, ikke «tredive»"),
        (full_text(jobsamtaler_minimum=True), "værdien skal være et tal"),
        (full_text(jobsamtaler_minimum=4.5), "værdien skal være et helt tal, ikke 4.5"),
        (full_text(delmaal_review_weeks=0), "værdien 0 skal være mindst 1"),
        (full_text(ordinary_hours_goal=-5), "værdien -5 skal være mindst 0.5"),
        (full_text(attendance_goal_percent=170), "skal være mindst 0 og højst 100"),
        (full_text(praktik_extended_limit_weeks=8), "Den forlængede praktikgrænse (8 uger) må ikke være kortere"),
        (full_text() + "\n[weekly_hours_goal]\nvalue = 5\n", "Ukendt regel «weekly_hours_goal»"),
        ("ordinary_hours_goal_x = 5\n" + full_text(), "Ukendt regel «ordinary_hours_goal_x»"),
        (full_text().replace("value = 30\n", "", 1), "(Etiket for ordinary_hours_goal) mangler en værdi (value)"),
        (full_text().replace('label = "Etiket for delmaal_review_weeks"', 'label = ""'), "mangler en dansk label"),
        (full_text().replace('source = "Kilde"', 'kilde = "x"', 1), "har ukendte felter: kilde"),
        ("ordinary_hours_goal = 30\n" + full_text(ordinary_hours_goal=None), "skal skrives som en tabel"),
        ("[ordinary_hours_goal\nvalue = 30", "Filen er ikke gyldig TOML"),
    ],
    ids=[
        "missing-rule", "text-value", "bool-value", "fraction-for-int", "zero-interval", "negative-goal",
        "percent-over-100", "extension-shorter", "unknown-table", "unknown-key", "missing-value", "empty-label",
        "unknown-field", "short-form-without-defaults", "bad-toml",
    ],
)  # fmt: skip
def test_invalid_rules_are_refused_in_danish(text, message):
    with pytest.raises(RulesError) as caught:
        parse_rules(text)
    assert message in caught.value.message
    assert caught.value.message.startswith("Reglerne kan ikke bruges:")


def test_every_problem_is_reported_at_once():
    with pytest.raises(RulesError) as caught:
        parse_rules(full_text(ordinary_hours_goal=None, delmaal_review_weeks="seks"))
    assert len(caught.value.problems) == 2


def test_a_municipal_override_file_keeps_the_defaults_for_the_rest():
    rules = parse_rules("ordinary_hours_goal = 25\n", defaults=load_rules())
    assert rules.ordinary_hours_goal == 25
    assert rules.jobsamtaler_minimum == 4
    assert rules.note("ordinary_hours_goal") == load_rules().note("ordinary_hours_goal")
    assert rules != load_rules()


def test_an_override_table_may_replace_label_and_source():
    text = '[inactivity_days_before_outreach]\nvalue = 21\nsource = "Byrådet, 2026"\n'
    rules = parse_rules(text, defaults=load_rules())
    assert rules.inactivity_days_before_outreach == 21
    note = rules.note("inactivity_days_before_outreach")
    assert note.source == "Byrådet, 2026"
    assert note.label == load_rules().note("inactivity_days_before_outreach").label


def test_an_empty_override_file_is_the_defaults():
    assert parse_rules("", defaults=load_rules()) == load_rules()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ordinary_hours_goal = 0\n", "skal være mindst 0.5"),
        ("praktik_limit_weeks = 30\n", "Den forlængede praktikgrænse (26 uger)"),
        ("self_supporting_goal_percent = 'fyrre'\n", "skal være et tal"),
    ],
)
def test_an_override_file_is_validated_too(text, message):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, defaults=load_rules())
    assert message in caught.value.message


def test_notes_do_not_take_part_in_equality():
    rules = load_rules()
    assert dataclasses.replace(rules, notes=()) == rules


def test_unknown_keys_are_lookup_errors():
    with pytest.raises(KeyError):
        load_rules().value("hours")
    with pytest.raises(KeyError):
        load_rules().note("hours")

import dataclasses
from decimal import Decimal

import pytest

from aaben_raadgivning.domain import step_models
from aaben_raadgivning.domain.rules import load_rules, parse_rules
from aaben_raadgivning.domain.step_models import (
    DEFAULT_STEP_MODEL,
    FACTS,
    FactValueError,
    StepModelError,
    available_step_models,
    evaluate_exit,
    load_step_model,
    parse_step_model,
    plan_advance,
    plan_break_off,
    plan_visitation,
)

RULES = load_rules()
THREE_STEP_MODELS = ("flere_skal_med", "jobgaranti")
ALL_MODELS = ("flere_skal_med", "jobgaranti", "trappemodel")

# --- Shape of the shipped models -----------------------------------------------------------------------

EXPECTED_STEPS = {
    "flere_skal_med": [
        ("trin1", "Trin 1 – Afklaring"),
        ("trin2", "Trin 2 – På vej mod job"),
        ("trin3", "Trin 3 – Virksomhedsforløb"),
    ],
    "jobgaranti": [
        ("trin1", "Trin 1 – Afklaring"),
        ("trin2", "Trin 2 – På vej mod job"),
        ("trin3", "Trin 3 – Virksomhedsforløb"),
    ],
    "trappemodel": [
        ("trin0", "Trin 0 – Sygdomsafklaring og motivation"),
        ("trin1", "Trin 1 – Vejledning og opkvalificering"),
        ("trin2", "Trin 2 – Virksomhedspraktik"),
        ("trin3", "Trin 3 – Løntilskud"),
        ("trin4", "Trin 4 – Ordinært job"),
    ],
}
WORKING_STEPS = [(model, code) for model, steps in EXPECTED_STEPS.items() for code, _ in steps]


def test_the_default_is_flere_skal_med_and_listed_first():
    models = available_step_models()
    assert DEFAULT_STEP_MODEL == "flere_skal_med"
    assert [m.code for m in models][0] == DEFAULT_STEP_MODEL
    assert sorted(m.code for m in models) == sorted(ALL_MODELS)


@pytest.mark.parametrize("code", ALL_MODELS)
def test_each_model_has_its_steps_in_order_and_ends_in_afsluttet(code):
    model = load_step_model(code)
    assert model.code == code and model.version == 1
    assert [(s.code, s.label) for s in model.steps] == EXPECTED_STEPS[code]
    assert model.terminal.code == "afsluttet" and model.terminal.terminal
    assert [s.code for s in model.all_steps][-1] == "afsluttet"
    assert model.first_step.code == EXPECTED_STEPS[code][0][0]
    assert model.label and model.description and model.source


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
def test_next_step_walks_the_model_to_afsluttet(code, step):
    model = load_step_model(code)
    codes = [c for c, _ in EXPECTED_STEPS[code]] + ["afsluttet"]
    following = model.next_step(step)
    assert following is not None and following.code == codes[codes.index(step) + 1]
    assert model.step(step).exit, "every working step has exit criteria"


@pytest.mark.parametrize("code", ALL_MODELS)
def test_nothing_follows_afsluttet(code):
    assert load_step_model(code).next_step("afsluttet") is None


@pytest.mark.parametrize(
    ("code", "starts"), [("flere_skal_med", ["trin1"]), ("jobgaranti", ["trin1"]), ("trappemodel", ["trin0", "trin1"])]
)
def test_start_steps(code, starts):
    assert [s.code for s in load_step_model(code).start_steps] == starts


@pytest.mark.parametrize("code", ALL_MODELS)
def test_three_visitation_outcomes(code):
    outcomes = load_step_model(code).visitation_outcomes
    assert [(o.code, o.enters_project) for o in outcomes] == [
        ("projekt", True),
        ("rehab", False),
        ("underretning", False),
    ]
    rehab = load_step_model(code).visitation_outcome("rehab")
    assert "rehabiliteringsteamet" in rehab.description and "2025" in rehab.description
    assert "underretning" in load_step_model(code).visitation_outcome("underretning").action.lower()


JOBGARANTI_ELEMENTS = {
    1: "etablering",
    2: "etablering",
    3: "etablering",
    4: "trin1",
    5: "trin1",
    6: "trin2",
    7: "trin2",
    8: "trin2",
    9: "trin3",
}
FLERE_SKAL_MED_ELEMENTS = {1: "trin1", 2: "trin1", 3: "trin2", 4: "trin2", 5: "trin2", 6: "trin3"}


@pytest.mark.parametrize(
    ("code", "mapping"), [("jobgaranti", JOBGARANTI_ELEMENTS), ("flere_skal_med", FLERE_SKAL_MED_ELEMENTS)]
)
def test_kerneelementer_are_named_and_mapped_to_steps(code, mapping):
    model = load_step_model(code)
    assert {e.number: e.step for e in model.core_elements} == mapping
    assert all(len(e.label) > 10 for e in model.core_elements)


def test_jobgaranti_has_etablering_as_a_phase_not_a_citizen_step():
    model = load_step_model("jobgaranti")
    assert model.establishment is not None and model.establishment.label == "Etablering"
    assert not model.has_step("etablering")
    assert [e.number for e in model.core_elements_for("etablering")] == [1, 2, 3]
    assert "åben rådgivning" in model.core_elements_for("etablering")[1].label


def test_step_label_tolerates_unknown_codes_but_step_does_not():
    model = load_step_model(DEFAULT_STEP_MODEL)
    assert model.step_label("trin2") == "Trin 2 – På vej mod job"
    assert model.step_label("trin9") == "trin9"
    assert model.step_label(None) == ""
    with pytest.raises(StepModelError, match="Trinnet «trin9» findes ikke i trinmodellen «Flere skal med»"):
        model.step("trin9")


# --- Exit criteria, every step of every model --------------------------------------------------------

ALL_MET = {
    "trin1": {"visitation": "projekt", "cv_status": "faerdig", "job_goal_set": True, "jobformidler_assigned": True},
    "trin2": {"active_agreement": True, "follow_up_plan": True, "company_contact_person": True},
    "trin3": {"ordinary_hours_best_month": 30, "self_supporting": False},
}
TRAPPE_ALL_MET = {
    "trin0": {"visitation": "projekt", "health_clarified": True, "plan_made": True},
    "trin1": {"visitation": "projekt", "cv_status": "faerdig", "job_goal_set": True, "active_praktik": True},
    "trin2": {"active_loentilskud": True, "ordinary_employment": False},
    "trin3": {"ordinary_employment": True, "self_supporting": False},
    "trin4": {"self_supporting": True},
}


def all_met(code, step):
    return dict((TRAPPE_ALL_MET if code == "trappemodel" else ALL_MET)[step])


# (step, changes to the all-met facts, the missing texts expected) for the two three-step models.
THREE_STEP_GAPS = [
    ("trin1", {"cv_status": "i_gang"}, ["CV er ikke færdigt"]),
    ("trin1", {"cv_status": "mangler"}, ["CV er ikke færdigt"]),
    ("trin1", {"job_goal_set": False}, ["Jobmål eller jobområde er ikke sat"]),
    ("trin1", {"jobformidler_assigned": False}, ["Der er ikke tilknyttet en personlig jobformidler"]),
    ("trin1", {"visitation": "rehab"}, ["Borgeren er ikke visiteret til projektet"]),
    ("trin1", {"visitation": "underretning"}, ["Borgeren er ikke visiteret til projektet"]),
    ("trin1", {"visitation": ""}, ["Borgeren er ikke visiteret til projektet"]),
    ("trin1", {"visitation": None, "cv_status": None}, ["Borgeren er ikke visiteret til projektet", "CV er ikke færdigt"]),
    ("trin2", {"active_agreement": False}, ["Der er ingen aftale mellem borger og virksomhed"]),
    ("trin2", {"follow_up_plan": False}, ["Der er ingen opfølgningsplan"]),
    ("trin2", {"company_contact_person": False}, ["Der er ikke udpeget en fast kontaktperson på virksomheden"]),
    ("trin2", {"follow_up_plan": None, "company_contact_person": None}, ["Der er ingen opfølgningsplan", "Der er ikke udpeget en fast kontaktperson på virksomheden"]),
    ("trin3", {"ordinary_hours_best_month": 29.5}, ["Målet for ordinære timer er ikke nået, og borgeren er ikke selvforsørgende"]),
    ("trin3", {"ordinary_hours_best_month": 0}, ["Målet for ordinære timer er ikke nået, og borgeren er ikke selvforsørgende"]),
    ("trin3", {"ordinary_hours_best_month": None}, ["Målet for ordinære timer er ikke nået, og borgeren er ikke selvforsørgende"]),
]  # fmt: skip
TRAPPE_GAPS = [
    ("trin0", {"visitation": "rehab"}, ["Borgeren er ikke visiteret til jobenheden"]),
    ("trin0", {"health_clarified": False}, ["Sygdomsafklaringen er ikke afsluttet"]),
    ("trin0", {"plan_made": False}, ["Der er ikke lagt en plan med borgeren"]),
    ("trin1", {"visitation": None}, ["Borgeren er ikke visiteret til jobenheden"]),
    ("trin1", {"cv_status": "i_gang"}, ["CV er ikke færdigt"]),
    ("trin1", {"job_goal_set": False}, ["Jobmål eller jobområde er ikke sat"]),
    ("trin1", {"active_praktik": False}, ["Der er ikke aftalt en virksomhedspraktik"]),
    ("trin2", {"active_loentilskud": False}, ["Der er hverken aftalt løntilskud eller ordinært job"]),
    ("trin3", {"ordinary_employment": False}, ["Borgeren er hverken ordinært ansat eller selvforsørgende"]),
    ("trin4", {"self_supporting": False}, ["Borgeren er ikke selvforsørgende"]),
    ("trin4", {"self_supporting": None}, ["Borgeren er ikke selvforsørgende"]),
]
GAPS = [(m, *gap) for m in THREE_STEP_MODELS for gap in THREE_STEP_GAPS] + [("trappemodel", *g) for g in TRAPPE_GAPS]

# Other ways to meet a step than the all-met facts above.
ALSO_MET = [
    *[(m, "trin3", {"ordinary_hours_best_month": 0, "self_supporting": True}) for m in THREE_STEP_MODELS],
    *[(m, "trin3", {"ordinary_hours_best_month": 45.5}) for m in THREE_STEP_MODELS],
    *[(m, "trin3", {"ordinary_hours_best_month": Decimal("30.0")}) for m in THREE_STEP_MODELS],
    ("trappemodel", "trin2", {"active_loentilskud": False, "ordinary_employment": True}),
    ("trappemodel", "trin3", {"ordinary_employment": False, "self_supporting": True}),
]


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
def test_all_criteria_met(code, step):
    evaluation = evaluate_exit(load_step_model(code), step, all_met(code, step), RULES)
    assert evaluation.all_met
    assert evaluation.missing == ()
    assert all(r.met and r.missing == "" and r.label for r in evaluation.results)
    assert evaluation.step.code == step and evaluation.model_code == code


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
def test_no_facts_at_all_meets_nothing(code, step):
    model = load_step_model(code)
    evaluation = evaluate_exit(model, step, {}, RULES)
    assert not evaluation.all_met
    assert evaluation.missing == tuple(c.missing for c in model.step(step).exit)


@pytest.mark.parametrize(("code", "step", "changes", "expected"), GAPS)
def test_criteria_unmet(code, step, changes, expected):
    facts = all_met(code, step) | changes
    evaluation = evaluate_exit(load_step_model(code), step, facts, RULES)
    assert not evaluation.all_met
    assert list(evaluation.missing) == expected
    assert len(evaluation.results) == len(load_step_model(code).step(step).exit)


@pytest.mark.parametrize(("code", "step", "changes"), ALSO_MET)
def test_criteria_met_another_way(code, step, changes):
    assert evaluate_exit(load_step_model(code), step, all_met(code, step) | changes, RULES).all_met


@pytest.mark.parametrize("code", THREE_STEP_MODELS)
def test_trin3_details_name_the_numbers_in_danish(code):
    evaluation = evaluate_exit(load_step_model(code), "trin3", {"ordinary_hours_best_month": 12.5}, RULES)
    (result,) = evaluation.results
    hours, self_supporting = result.children
    assert hours.label == "Mindst 30 ordinære timer i en kalendermåned"
    assert hours.missing == "Bedste måned: 12,5 ordinære timer af 30"
    assert not self_supporting.met and self_supporting.missing == "Borgeren er ikke selvforsørgende"


@pytest.mark.parametrize("code", THREE_STEP_MODELS)
@pytest.mark.parametrize(
    ("goal", "hours", "met"), [(25, 27, True), (30, 27, False), (25, 24.5, False), (22.5, 22.5, True), (40, 30, False)]
)
def test_a_municipalitys_own_hours_goal_is_honoured(code, goal, hours, met):
    rules = dataclasses.replace(RULES, ordinary_hours_goal=goal)
    evaluation = evaluate_exit(load_step_model(code), "trin3", {"ordinary_hours_best_month": hours}, rules)
    assert evaluation.all_met is met
    assert evaluation.results[0].children[0].label.startswith(f"Mindst {str(goal).replace('.', ',')} ordinære")


def test_an_override_file_goal_flows_into_advancing():
    rules = parse_rules("ordinary_hours_goal = 25\n", defaults=RULES)
    model = load_step_model(DEFAULT_STEP_MODEL)
    assert plan_advance(model, "trin3", {"ordinary_hours_best_month": 26}, rules).allowed
    assert not plan_advance(model, "trin3", {"ordinary_hours_best_month": 26}, RULES).allowed


def test_the_terminal_step_has_no_criteria():
    evaluation = evaluate_exit(load_step_model(DEFAULT_STEP_MODEL), "afsluttet", {}, RULES)
    assert evaluation.results == () and evaluation.step.terminal


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"cv_done": True}, "Ukendt faktum «cv_done»"),
        ({"job_goal_set": "ja"}, "Faktum «job_goal_set» skal være ja/nej"),
        ({"job_goal_set": 1}, "Faktum «job_goal_set» skal være ja/nej"),
        ({"ordinary_hours_best_month": True}, "skal være tal"),
        ({"ordinary_hours_best_month": "30"}, "skal være tal"),
        ({"cv_status": False}, "skal være tekst"),
    ],
)
def test_facts_of_the_wrong_name_or_type_are_caller_bugs(facts, message):
    with pytest.raises(FactValueError, match=message):
        evaluate_exit(load_step_model(DEFAULT_STEP_MODEL), "trin1", facts, RULES)


def test_every_fact_is_documented_in_danish_with_a_type():
    assert {"visitation", "cv_status", "job_goal_set", "jobformidler_assigned", "active_agreement",
            "follow_up_plan", "company_contact_person", "ordinary_hours_best_month", "self_supporting"} <= set(FACTS)  # fmt: skip
    for name, fact in FACTS.items():
        assert fact.name == name
        assert fact.type in ("bool", "text", "number")
        assert len(fact.description) > 15
    assert FACTS["cv_status"].choices == ("mangler", "i_gang", "faerdig")
    assert "praktik" in FACTS["ordinary_hours_best_month"].description


# --- Advancing -----------------------------------------------------------------------------------------

# For every step: facts with one overridable criterion unmet.
OVERRIDABLE_GAP = {
    ("flere_skal_med", "trin1"): {"cv_status": "i_gang"},
    ("flere_skal_med", "trin2"): {"follow_up_plan": False},
    ("flere_skal_med", "trin3"): {"ordinary_hours_best_month": 12},
    ("jobgaranti", "trin1"): {"jobformidler_assigned": False},
    ("jobgaranti", "trin2"): {"company_contact_person": False},
    ("jobgaranti", "trin3"): {"ordinary_hours_best_month": 29},
    ("trappemodel", "trin0"): {"health_clarified": False},
    ("trappemodel", "trin1"): {"active_praktik": False},
    ("trappemodel", "trin2"): {"active_loentilskud": False},
    ("trappemodel", "trin3"): {"ordinary_employment": False},
    ("trappemodel", "trin4"): {"self_supporting": False},
}
STEPS_WITH_VISITATION = [
    ("flere_skal_med", "trin1"),
    ("jobgaranti", "trin1"),
    ("trappemodel", "trin0"),
    ("trappemodel", "trin1"),
]


def test_the_gap_table_covers_every_step():
    assert set(OVERRIDABLE_GAP) == set(WORKING_STEPS)


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
@pytest.mark.parametrize("reason", [None, "", "Begrundelse, der ikke skal bruges"])
def test_advancing_with_every_criterion_met(code, step, reason):
    model = load_step_model(code)
    decision = plan_advance(model, step, all_met(code, step), RULES, reason)
    following = model.next_step(step)
    assert decision.allowed and decision.kind == "advance"
    assert (decision.from_step, decision.to_step) == (step, following.code)
    assert decision.override_reason is None and not decision.overridden
    assert decision.message == f"Borgeren går fra «{model.step(step).label}» til «{following.label}»."
    assert (decision.model_code, decision.model_version) == (code, 1)


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
def test_unmet_without_a_reason_is_refused_listing_what_is_missing(code, step):
    model = load_step_model(code)
    decision = plan_advance(model, step, all_met(code, step) | OVERRIDABLE_GAP[code, step], RULES)
    assert not decision.allowed and decision.to_step is None
    (missing,) = decision.missing
    assert decision.message.startswith(f"«{model.step(step).label}» kan ikke afsluttes endnu. Mangler: {missing}.")
    assert "Skriv en begrundelse" in decision.message


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
@pytest.mark.parametrize("reason", ["", "   ", "\t\n "])
def test_an_empty_or_blank_reason_is_refused(code, step, reason):
    decision = plan_advance(
        load_step_model(code), step, all_met(code, step) | OVERRIDABLE_GAP[code, step], RULES, reason
    )
    assert not decision.allowed
    assert "Begrundelsen er tom: skriv, hvorfor borgeren alligevel skal videre." in decision.message
    assert decision.override_reason is None


@pytest.mark.parametrize(("code", "step"), WORKING_STEPS)
def test_a_written_reason_overrides_unmet_criteria(code, step):
    model = load_step_model(code)
    facts = all_met(code, step) | OVERRIDABLE_GAP[code, step]
    decision = plan_advance(model, step, facts, RULES, "  Borgeren starter i job på mandag.  ")
    assert decision.allowed and decision.overridden
    assert decision.to_step == model.next_step(step).code
    assert decision.override_reason == "Borgeren starter i job på mandag."
    assert f"trods manglende kriterier: {decision.missing[0]}." in decision.message
    assert decision.message.endswith("Begrundelse: Borgeren starter i job på mandag.")
    assert decision.evaluation is not None and not decision.evaluation.all_met


@pytest.mark.parametrize(("code", "step"), STEPS_WITH_VISITATION)
@pytest.mark.parametrize("visitation", [None, "", "rehab", "underretning"])
def test_missing_visitation_cannot_be_overridden(code, step, visitation):
    model = load_step_model(code)
    gap = OVERRIDABLE_GAP[code, step]
    (other_missing,) = evaluate_exit(model, step, all_met(code, step) | gap, RULES).missing
    facts = all_met(code, step) | gap | {"visitation": visitation}
    decision = plan_advance(model, step, facts, RULES, "Vi prøver alligevel")
    assert not decision.allowed and decision.to_step is None
    assert "ikke visiteret" in decision.message
    assert "kan ikke erstattes af en begrundelse" in decision.message
    assert decision.message.endswith(f"Mangler også: {other_missing}.")


@pytest.mark.parametrize("code", ALL_MODELS)
def test_nothing_to_advance_to_from_afsluttet(code):
    decision = plan_advance(load_step_model(code), "afsluttet", {}, RULES, "begrundelse")
    assert not decision.allowed
    assert decision.message == "Forløbet er afsluttet; der er intet trin efter «Afsluttet»."


def test_advancing_from_an_unknown_step_is_an_error():
    with pytest.raises(StepModelError, match="Trinnet «trin7» findes ikke"):
        plan_advance(load_step_model(DEFAULT_STEP_MODEL), "trin7", {}, RULES)


# --- Breaking off a company course ---------------------------------------------------------------------

BREAK_OFF_CASES = [
    *[
        (m, step, rehab, None)
        for m in THREE_STEP_MODELS
        for step in ("trin1", "trin2", "afsluttet")
        for rehab in (False, True)
    ],
    *[(m, "trin3", False, "trin2") for m in THREE_STEP_MODELS],
    *[(m, "trin3", True, "afsluttet") for m in THREE_STEP_MODELS],
    *[("trappemodel", step, rehab, None) for step in ("trin0", "trin1", "afsluttet") for rehab in (False, True)],
    *[("trappemodel", step, False, "trin2") for step in ("trin2", "trin3", "trin4")],
    *[("trappemodel", step, True, "afsluttet") for step in ("trin2", "trin3", "trin4")],
]


@pytest.mark.parametrize(("code", "step", "rehab", "to_step"), BREAK_OFF_CASES)
def test_break_off(code, step, rehab, to_step):
    model = load_step_model(code)
    decision = plan_break_off(model, step, rehab_target_group=rehab)
    assert decision.kind == "break_off"
    assert decision.to_step == to_step
    assert decision.allowed is (to_step is not None)
    if to_step is None:
        assert decision.message.startswith(f"Der er intet virksomhedsforløb at afbryde i «{model.step_label(step)}».")
    elif rehab:
        assert decision.route == "rehab"
        assert model.visitation_outcome("rehab").label in decision.message
        assert "forløbet i projektet stopper" in decision.message
    else:
        assert decision.route is None
        assert f"går tilbage til «{model.step_label(to_step)}»" in decision.message


def test_flere_skal_med_goes_back_to_trin_2_after_a_break_off():
    model = load_step_model(DEFAULT_STEP_MODEL)
    assert model.on_break_off.back_to == "trin2"
    assert model.on_break_off.rehab_route == "rehab"


# --- Visitation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ALL_MODELS)
@pytest.mark.parametrize(
    ("outcome", "to_step", "route"),
    [("projekt", None, None), ("rehab", "afsluttet", "rehab"), ("underretning", "afsluttet", "underretning")],
)
def test_visitation_outcomes(code, outcome, to_step, route):
    model = load_step_model(code)
    start = model.first_step.code
    decision = plan_visitation(model, start, outcome)
    assert decision.allowed
    assert decision.to_step == (to_step or start)
    assert decision.route == route
    assert model.visitation_outcome(outcome).action in decision.message


def test_an_unknown_visitation_outcome_is_an_error():
    with pytest.raises(StepModelError, match="Ukendt visitationsudfald «job»"):
        plan_visitation(load_step_model(DEFAULT_STEP_MODEL), "trin1", "job")


def test_visitation_after_afsluttet_is_refused():
    assert not plan_visitation(load_step_model(DEFAULT_STEP_MODEL), "afsluttet", "projekt").allowed


# --- Validating model files ----------------------------------------------------------------------------

VALID = """
code = "test"
version = 2
label = "Testmodel"
source = "Test"
start_steps = ["a"]

[establishment]
code = "etablering"
label = "Etablering"

[terminal]
code = "slut"
label = "Afsluttet"

[on_break_off]
from_steps = ["b"]
back_to = "a"
rehab_route = "rehab"

[[visitation_outcomes]]
code = "projekt"
label = "Projekt"
enters_project = true
action = "Fortsæt."

[[visitation_outcomes]]
code = "rehab"
label = "Rehab"
enters_project = false
action = "Forbered sagen."

[[core_elements]]
number = 1
step = "etablering"
label = "Partnerskab"

[[core_elements]]
number = 2
step = "a"
label = "Jobmål"

[[steps]]
code = "a"
label = "Trin A"

[[steps.exit]]
kind = "equals"
fact = "cv_status"
value = "faerdig"
label = "CV er færdigt"
missing = "CV mangler"

[[steps]]
code = "b"
label = "Trin B"

[[steps.exit]]
kind = "any_of"
label = "Timer eller job"
missing = "Hverken timer eller job"

[[steps.exit.criteria]]
kind = "at_least"
fact = "ordinary_hours_best_month"
value = "rules.ordinary_hours_goal"
label = "Mindst {target} timer"
missing = "Kun {value} af {target} timer"

[[steps.exit.criteria]]
kind = "is_true"
fact = "self_supporting"
label = "Selvforsørgende"
missing = "Ikke selvforsørgende"
"""


def mutate(old: str, new: str) -> str:
    assert VALID.count(old) == 1, f"the test model must contain {old!r} exactly once"
    return VALID.replace(old, new)


def test_the_valid_test_model_parses():
    model = parse_step_model(VALID)
    assert [s.code for s in model.all_steps] == ["a", "b", "slut"]
    assert model.step("b").exit[0].criteria[0].rule_key == "ordinary_hours_goal"
    assert model.step("a").short_label == "Trin A"


def test_a_step_may_have_a_time_limit():
    model = parse_step_model(mutate('label = "Trin A"', 'label = "Trin A"\nmax_days = 60'))
    assert (model.step("a").max_days, model.step("b").max_days) == (60, None)


@pytest.mark.parametrize(
    ("code", "limits"),
    [("flere_skal_med", {"trin1": 60, "trin2": 120, "trin3": 365}),
     ("trappemodel", {"trin0": 180, "trin1": 120, "trin2": 91, "trin3": 182, "trin4": None})],
)  # fmt: skip
def test_the_shipped_step_limits(code, limits):
    model = load_step_model(code)
    assert {step.code: step.max_days for step in model.steps} == limits
    assert model.terminal.max_days is None


def test_a_literal_at_least_value_works():
    model = parse_step_model(mutate('value = "rules.ordinary_hours_goal"', "value = 10"))
    evaluation = evaluate_exit(model, "b", {"ordinary_hours_best_month": 10}, RULES)
    assert evaluation.all_met
    assert evaluation.results[0].children[0].label == "Mindst 10 timer"


def test_all_of_needs_every_child():
    model = parse_step_model(mutate('kind = "any_of"', 'kind = "all_of"'))
    facts = {"ordinary_hours_best_month": 40, "self_supporting": False}
    assert not evaluate_exit(model, "b", facts, RULES).all_met
    assert evaluate_exit(model, "b", facts | {"self_supporting": True}, RULES).all_met


INVALID_MODELS = [
    ("unknown-kind", 'kind = "is_true"', 'kind = "at_most"', "ukendt kriterietype «at_most»"),
    ("unknown-fact", 'fact = "self_supporting"', 'fact = "selfsupporting"', "ukendt faktum «selfsupporting»"),
    ("duplicate-step", 'code = "b"', 'code = "a"', "trinkoden «a» er brugt mere end én gang"),
    ("step-clashes-with-terminal", 'code = "slut"', 'code = "b"', "trinkoden «b» er brugt mere end én gang"),
    ("unknown-rule", '"rules.ordinary_hours_goal"', '"rules.hours_goal"', "ukendt regel «rules.hours_goal»"),
    ("rule-without-prefix", '"rules.ordinary_hours_goal"', '"ordinary_hours_goal"', "ukendt regel «ordinary_hours_goal»"),
    ("at-least-text", 'value = "rules.ordinary_hours_goal"', "value = true", "kræver «value» som et tal eller en regel"),
    ("is-true-on-number", 'fact = "self_supporting"', 'fact = "ordinary_hours_best_month"', "«is_true» kræver et ja/nej-faktum"),
    ("at-least-on-bool", 'fact = "ordinary_hours_best_month"', 'fact = "self_supporting"', "«at_least» kræver et tal-faktum"),
    ("bad-choice", 'value = "faerdig"', 'value = "done"', "«done» er ikke en gyldig værdi for «cv_status»"),
    ("bad-visitation", 'fact = "cv_status"\nvalue = "faerdig"', 'fact = "visitation"\nvalue = "job"', "«job» er ikke en gyldig værdi for «visitation»"),
    ("equals-wrong-type", 'value = "faerdig"', "value = 3", "«value» skal være tekst for faktum «cv_status»"),
    ("equals-without-value", 'value = "faerdig"\n', "", "«equals» kræver en «value»"),
    ("missing-label", 'label = "CV er færdigt"\n', "", "«label» mangler"),
    ("missing-missing-text", 'missing = "CV mangler"\n', "", "«missing» mangler"),
    ("unknown-placeholder", "Mindst {target} timer", "Mindst {goal} timer", "ukendt pladsholder {goal}"),
    ("unbalanced-brace", "Mindst {target} timer", "Mindst {target timer", "ubalancerede krøllede parenteser"),
    ("placeholder-in-group", 'missing = "Hverken timer eller job"', 'missing = "Hverken {target} eller job"', "ukendt pladsholder {target}"),
    ("empty-group", "[[steps.exit.criteria]]\nkind = \"is_true\"", "[[steps.exit.criteriaX]]\nkind = \"is_true\"", "ukendte felter: criteriaX"),
    ("nested-overridable", 'label = "Selvforsørgende"', 'label = "Selvforsørgende"\noverridable = false', "ukendte felter: overridable"),
    ("overridable-not-bool", 'missing = "CV mangler"', 'missing = "CV mangler"\noverridable = "nej"', "«overridable» skal være true eller false"),
    ("unknown-back-to", 'back_to = "a"', 'back_to = "x"', "«back_to» peger på det ukendte trin «x»"),
    ("back-to-terminal", 'back_to = "a"', 'back_to = "slut"', "«back_to» peger på det ukendte trin «slut»"),
    ("back-to-after-from", 'from_steps = ["b"]\nback_to = "a"', 'from_steps = ["a"]\nback_to = "b"', "ligger efter et af trinnene"),
    ("unknown-from-step", 'from_steps = ["b"]', 'from_steps = ["c"]', "«from_steps» nævner det ukendte trin «c»"),
    ("unknown-rehab-route", 'rehab_route = "rehab"', 'rehab_route = "rehabteam"', "ukendte visitationsudfald «rehabteam»"),
    ("rehab-route-into-project", 'rehab_route = "rehab"', 'rehab_route = "projekt"', "skal være et udfald uden for projektet"),
    ("no-break-off", "[on_break_off]", "[on_break_offX]", "«on_break_off»"),
    ("no-terminal", "[terminal]", "[terminalX]", "sluttrinnet ([terminal], fx «afsluttet») mangler"),
    ("no-project-outcome", "enters_project = true", "enters_project = false", "mindst ét udfald med enters_project = true"),
    ("duplicate-outcome", 'code = "rehab"', 'code = "projekt"', "koden «projekt» er brugt mere end én gang"),
    ("unknown-start-step", 'start_steps = ["a"]', 'start_steps = ["z"]', "«start_steps» nævner det ukendte trin «z»"),
    ("duplicate-core-element", "number = 2", "number = 1", "nummer 1 er brugt mere end én gang"),
    ("core-element-unknown-step", 'step = "etablering"', 'step = "opstart"', "«step» peger på det ukendte trin «opstart»"),
    ("version-zero", "version = 2", "version = 0", "«version» skal være et helt tal på mindst 1"),
    ("version-text", "version = 2", 'version = "2"', "«version» skal være et helt tal på mindst 1"),
    ("bad-code", 'code = "test"', 'code = "Test model"', "koden «Test model» må kun indeholde små bogstaver"),
    ("unknown-top-level", 'source = "Test"', 'source = "Test"\nkilde = "x"', "Trinmodellen: ukendte felter: kilde"),
    ("no-source", 'source = "Test"\n', "", "«source» mangler"),
    ("bad-toml", 'label = "Testmodel"', 'label = "Testmodel', "Filen er ikke gyldig TOML"),
    ("max-days-zero", 'label = "Trin A"', 'label = "Trin A"\nmax_days = 0', "«max_days» skal være et helt antal dage"),
    ("max-days-text", 'label = "Trin A"', 'label = "Trin A"\nmax_days = "60"', "«max_days» skal være et helt antal dage"),
    ("max-days-on-terminal", 'label = "Afsluttet"', 'label = "Afsluttet"\nmax_days = 9', "ukendte felter: max_days"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"), [case[1:] for case in INVALID_MODELS], ids=[c[0] for c in INVALID_MODELS]
)
def test_malformed_model_files_are_refused_in_danish(old, new, message):
    with pytest.raises(StepModelError) as caught:
        parse_step_model(mutate(old, new))
    assert message in caught.value.message
    first_line = caught.value.message.splitlines()[0]
    assert first_line.startswith("Trinmodellen") and "kan ikke" in first_line


def test_no_steps_at_all():
    text = VALID.split("[[steps]]")[0].replace('from_steps = ["b"]', 'from_steps = ["a"]')
    with pytest.raises(StepModelError, match="der skal være mindst ét trin"):
        parse_step_model(text)


def test_all_problems_are_listed_together():
    text = mutate('fact = "self_supporting"', 'fact = "selfsupporting"').replace('back_to = "a"', 'back_to = "x"')
    with pytest.raises(StepModelError) as caught:
        parse_step_model(text)
    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("Trin 2 «b», kriterium 1.2: ukendt faktum")


# --- Loading and versions ------------------------------------------------------------------------------


@pytest.fixture
def model_folder(tmp_path, monkeypatch):
    """Point the loader at a temporary step_models folder."""
    monkeypatch.setattr(step_models, "_folder", lambda: tmp_path)
    step_models._load_file.cache_clear()
    load_step_model.cache_clear()
    yield tmp_path
    step_models._load_file.cache_clear()
    load_step_model.cache_clear()


def test_an_archived_version_is_loaded_for_old_records(model_folder):
    (model_folder / "test.toml").write_text(VALID, encoding="utf-8")
    old = VALID.replace("version = 2", "version = 1").replace('label = "Trin A"', 'label = "Gammelt trin A"')
    (model_folder / "test.v1.toml").write_text(old, encoding="utf-8")
    assert load_step_model("test").version == 2
    assert load_step_model("test", 2).step_label("a") == "Trin A"
    assert load_step_model("test", 1).version == 1
    assert load_step_model("test", 1).step_label("a") == "Gammelt trin A"
    assert [m.code for m in available_step_models()] == ["test"]


@pytest.mark.parametrize("version", [1, 3, 99])
def test_a_version_without_an_archive_reads_with_the_current_model(model_folder, version):
    (model_folder / "test.toml").write_text(VALID, encoding="utf-8")
    assert load_step_model("test", version).version == 2


def test_an_archive_must_hold_the_version_its_name_says(model_folder):
    (model_folder / "test.toml").write_text(VALID, encoding="utf-8")
    (model_folder / "test.v1.toml").write_text(VALID, encoding="utf-8")
    with pytest.raises(StepModelError, match="test.v1.toml indeholder «test» version 2"):
        load_step_model("test", 1)


def test_a_file_must_hold_the_model_its_name_says(model_folder):
    (model_folder / "other.toml").write_text(VALID, encoding="utf-8")
    with pytest.raises(StepModelError, match="other.toml indeholder trinmodellen «test»"):
        load_step_model("other")


def test_a_broken_shipped_file_names_the_file(model_folder):
    (model_folder / "test.toml").write_text(mutate('kind = "is_true"', 'kind = "at_most"'), encoding="utf-8")
    with pytest.raises(StepModelError) as caught:
        load_step_model("test")
    assert caught.value.message.startswith("Filen step_models/test.toml kan ikke bruges:")


@pytest.mark.parametrize("code", ["ukendt", "../rules", "Flere_Skal_Med", ""])
def test_unknown_model_codes(code):
    with pytest.raises(StepModelError, match=f"Trinmodellen «{code}» findes ikke."):
        load_step_model(code)


@pytest.mark.parametrize("code", ALL_MODELS)
def test_the_current_version_is_returned_for_its_own_number(code):
    assert load_step_model(code, 1) is load_step_model(code)

"""The routes out of the project (visitation outcomes 2 and 3) and the personal monthly contact: one table per
rule, each naming its seed and section. Domain only: facts in, tasks out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aaben_raadgivning.domain.follow_up_policy import load_policy
from aaben_raadgivning.domain.follow_up_rules import (
    RULES_DERIVED,
    CitizenFollowUpFacts,
    DerivedTask,
    derive_tasks,
    monthly_completion_problem,
)
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

RULES = load_rules()
CAL = WorkdayCalendar()
TODAY = date(2026, 11, 24)
DECIDED = date(2026, 11, 10)  # a Tuesday


def facts(**kw) -> CitizenFollowUpFacts:
    kw.setdefault("in_project", False)
    kw.setdefault("today", TODAY)
    return CitizenFollowUpFacts(citizen_id="c1", **kw)


def keyed(tasks: tuple[DerivedTask, ...]) -> dict[str, date]:
    return {t.store_key: t.due for t in tasks}


# --- Underretning (visitation outcome 3) — seed 003, trin 1, gruppe 3 ----------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # decided 10.11; no contact since: opsøgende kontakt 30 days on (10.12), the underretning followed up
        # 14 days on (24.11)
        ({}, {"underretning@2026-11-10": date(2026, 11, 24), "inactivity@2026-11-10": date(2026, 12, 10)}),
        # a contact after the decision moves the ordinary contact on, not the underretning follow-up
        (
            {"contact_dates": (date(2026, 11, 20),)},
            {"underretning@2026-11-10": date(2026, 11, 24), "inactivity@2026-11-20": date(2026, 12, 21)},
        ),
        # LAB § 31 keeps running in the benefit period (benefit from 02.11: first jobsamtale by 09.11)
        (
            {"benefit_since": date(2026, 11, 2)},
            {
                "underretning@2026-11-10": date(2026, 11, 24),
                "inactivity@2026-11-10": date(2026, 12, 10),
                "lab31:1": date(2026, 11, 9),
            },
        ),  # fmt: skip
        # a citizen on benefit for years: no LAB § 31, the ordinary contact and the follow-up all the same
        (
            {"benefit_since": date(2019, 5, 1)},
            {"underretning@2026-11-10": date(2026, 11, 24), "inactivity@2026-11-10": date(2026, 12, 10)},
        ),
        # follow-up on a Saturday (decided 14.11 + 14 = 28.11) → Monday
        (
            {"route_since": date(2026, 11, 14)},
            {"underretning@2026-11-14": date(2026, 11, 30), "inactivity@2026-11-14": date(2026, 12, 14)},
        ),
        # a no-show is followed up as for anyone
        (
            {"no_show_dates": (date(2026, 11, 20),)},
            {
                "underretning@2026-11-10": date(2026, 11, 24),
                "inactivity@2026-11-10": date(2026, 12, 10),
                "no_show:2026-11-20": date(2026, 11, 23),
            },
        ),  # fmt: skip
    ],
    ids=["decided", "contact-after", "lab31-runs", "years-on-benefit", "weekend", "no-show"],
)
def test_underretning_keeps_the_ordinary_offer_and_follows_the_underretning_up(extra, expected):
    """Seed 003 (trin 1, gruppe 3): the citizen is not visited into the project, an underretning goes to the
    social administration, and the citizen keeps getting the ordinary offer — so the ordinary contact rules
    keep running and a task follows the underretning up (``underretning_follow_up_days`` = 14)."""
    f = facts(**{"route": "underretning", "route_since": DECIDED, **extra})
    tasks = derive_tasks(f, RULES, CAL)
    assert keyed(tasks) == expected
    (task,) = [t for t in tasks if t.rule == "underretning"]
    assert task.kind in {t.code for t in load_reference().follow_up_kinds.terms}
    assert task.reason.startswith(f"Underretning til socialforvaltningen {f.route_since:%d.%m.%Y}")
    assert "ordinære tilbud" in task.reason
    (outreach,) = [t for t in tasks if t.rule == "inactivity"]
    assert outreach.reason.endswith("(det ordinære tilbud efter underretning)") and "LAB" not in outreach.reason


def test_underretning_days_is_a_rule():
    """Seed 003 gives no number: the days are data (rules.toml ``underretning_follow_up_days``)."""
    f = facts(route="underretning", route_since=DECIDED)
    rules = replace(RULES, underretning_follow_up_days=3)
    assert keyed(derive_tasks(f, rules, CAL))["underretning@2026-11-10"] == date(2026, 11, 13)


def test_underretning_tasks_do_not_depend_on_today():
    """The route rules read no ``today`` (the sweep's boundary-date contract): the same tasks before, on and
    long after the decision, as long as no event lies between."""
    f = facts(route="underretning", route_since=DECIDED)
    seen = {tuple(derive_tasks(replace(f, today=day), RULES, CAL)) for day in
            (date(2026, 11, 1), DECIDED, date(2027, 6, 1), date(2030, 1, 1))}  # fmt: skip
    assert len(seen) == 1


# --- Rehab route (visitation outcome 2, or a broken-off course) — seed 000 KE 9, seed 003 trin 1 / KE 6 -------


@pytest.mark.parametrize(
    ("route_since", "days", "expected"),
    [
        (DECIDED, 14, {"rehab_preparation@2026-11-10": date(2026, 11, 24)}),
        (date(2026, 12, 10), 14, {"rehab_preparation@2026-12-10": date(2026, 12, 28)}),  # 24.12 → 28.12
        (DECIDED, 0, {"rehab_preparation@2026-11-10": date(2026, 11, 10)}),  # the same day
        (date(2026, 11, 14), 7, {"rehab_preparation@2026-11-14": date(2026, 11, 23)}),  # Sat + 7 = Sat → Mon
    ],
)
def test_rehab_route_prepares_the_case_for_the_rehab_team(route_since, days, expected):
    """Seed 003 trin 1 (and KE 6, seed 000 KE 9): the case goes to the rehab team and «rehabiliteringsplanens
    forberedende del» is started as soon as possible — a task with a deadline (``rehab_preparation_days``).
    No project cadence (monthly contact, outreach) on this route."""
    f = facts(route="rehab", route_since=route_since, contact_dates=(date(2026, 9, 1),), project_start=date(2026, 5, 1))
    tasks = derive_tasks(f, replace(RULES, rehab_preparation_days=days), CAL)
    assert keyed(tasks) == expected
    (task,) = tasks
    assert task.rule == "rehab_preparation" and task.key == "rehab_preparation"
    assert task.reason.startswith(f"Sendt til rehabiliteringsteamet {route_since:%d.%m.%Y}")
    assert "rehabiliteringsplanens forberedende del" in task.reason


def test_rehab_route_keeps_the_law_and_the_event_driven_tasks():
    f = facts(route="rehab", route_since=DECIDED, benefit_since=date(2026, 10, 1), no_show_dates=(date(2026, 11, 20),),
              active_sub_goals=(("g", date(2026, 11, 1)),))  # fmt: skip
    assert {t.rule for t in derive_tasks(f, RULES, CAL)} == {"rehab_preparation", "lab31", "no_show", "sub_goal"}


@pytest.mark.parametrize("route", ["", "rehab", "underretning"])
def test_route_rules_only_on_their_route_and_never_in_the_project(route):
    """A citizen in the project (no route) gets neither route task; each route its own."""
    f = facts(route=route, route_since=DECIDED if route else None, in_project=not route, project_start=DECIDED)
    rules = {t.rule for t in derive_tasks(f, RULES, CAL)}
    assert ("underretning" in rules) == (route == "underretning")
    assert ("rehab_preparation" in rules) == (route == "rehab")
    assert rules <= RULES_DERIVED


# --- Personal monthly contact — seed 000 KE 7, seed 003 KE 4 ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "assigned", "counts"),
    [
        ("telefon", "jobformidler", False, True),  # a jobformidler (e.g. covering) phones the citizen
        ("personligt_moede", "jobformidler", True, True),
        ("opsoegende", "jobformidler", True, True),  # home visit
        ("samtale", "jobformidler", False, True),
        ("sms", "jobformidler", True, False),  # an SMS is not personal contact
        ("virksomhedsbesoeg", "jobformidler", True, False),  # a company visit says nothing of the citizen
        ("note", "jobformidler", True, False),
        ("telefon", "boligsocial", False, False),  # the housing organisation's worker is not the jobformidler
        ("telefon", "jobkonsulent", False, False),  # nor the jobkonsulent …
        ("telefon", "jobkonsulent", True, True),  # … unless they are the citizen's own jobformidler (seed 003)
        ("telefon", None, False, False),  # nobody recorded: does not count
    ],
)
def test_which_contacts_count_as_the_monthly_contact(kind, role, assigned, counts):
    """Seeds 000 KE 7 / 003 KE 4: «kontakt mellem jobformidler og borger» at least monthly — personal
    (meeting, phone, home visit), by the jobformidler. Defaults from follow_up_policy.toml."""
    policy = load_policy().monthly_contact
    assert policy.counts(kind, role, by_assigned_jobformidler=assigned) is counts
    problem = monthly_completion_problem(kind, role, by_assigned_jobformidler=assigned, policy=load_policy())
    assert (problem is None) is counts
    if kind == "sms":
        assert problem is not None and problem.startswith("Den månedlige kontakt skal være personlig")
    if kind == "telefon" and not counts:
        assert problem is not None and "jobformidleren" in problem

"""The derived follow-up rules: one table per rule, plus determinism and key uniqueness."""

from __future__ import annotations

import ast
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from aaben_raadgivning.domain.follow_up_rules import (
    CitizenFollowUpFacts,
    DerivedTask,
    derive_tasks,
)
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

RULES = load_rules()
CAL = WorkdayCalendar()


def facts(today: date, **kw) -> CitizenFollowUpFacts:
    kw.setdefault("in_project", True)
    return CitizenFollowUpFacts(citizen_id="c1", today=today, **kw)


def by_rule(tasks: tuple[DerivedTask, ...], rule: str) -> list[DerivedTask]:
    return [t for t in tasks if t.rule == rule]


def due_of(tasks, rule: str) -> date | None:
    found = by_rule(tasks, rule)
    assert len(found) <= 1
    return found[0].due if found else None


def test_defaults_the_tests_rely_on():
    # The tables below assume the shipped numbers; tests with other numbers use replace(RULES, ...).
    assert (RULES.follow_up_contact_interval_months, RULES.follow_up_first_period_months) == (1, 12)
    assert (RULES.no_show_follow_up_working_days, RULES.delmaal_review_weeks) == (1, 6)
    assert RULES.inactivity_days_before_outreach == 30
    assert (RULES.jobsamtaler_minimum, RULES.jobsamtaler_period_months, RULES.first_jobsamtale_within_days) == (4, 6, 7)
    assert (RULES.underretning_follow_up_days, RULES.rehab_preparation_days) == (14, 14)


# --- (1) monthly contact during the first period of a company course -------------------------------------


@pytest.mark.parametrize(
    ("course_start", "today", "contacts", "rules", "expected"),
    [
        # month ends: 31 Jan + 1 month = end of February
        (date(2028, 1, 31), date(2028, 2, 10), (), RULES, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), date(2027, 2, 10), (), RULES, date(2027, 3, 1)),  # 28.02.2027 is a Sunday
        (date(2026, 3, 31), date(2026, 4, 2), (), RULES, date(2026, 4, 30)),  # 31 Mar → 30 Apr
        # a contact exactly on the due day: the next task counts from it (12.12.2026 is a Saturday)
        (date(2026, 10, 12), date(2026, 11, 12), (date(2026, 11, 12),), RULES, date(2026, 12, 14)),
        # the latest contact counts, contacts before the course start do not
        (date(2026, 10, 12), date(2026, 10, 20), (date(2026, 10, 1),), RULES, date(2026, 11, 12)),
        (date(2026, 10, 12), date(2026, 11, 2), (date(2026, 10, 20), date(2026, 10, 30)), RULES, date(2026, 11, 30)),
        # planned (future) contacts do not count
        (date(2026, 10, 12), date(2026, 10, 20), (date(2026, 10, 30),), RULES, date(2026, 11, 12)),
        # due on juleaftensdag → next working day after the Christmas days and the weekend
        (date(2026, 11, 24), date(2026, 11, 30), (), RULES, date(2026, 12, 28)),
        # course 11 months old: still in the first year
        (date(2025, 12, 1), date(2026, 11, 1), (date(2026, 10, 20),), RULES, date(2026, 11, 20)),
        # course 13 months old: ordinary contact course, no task
        (date(2025, 10, 1), date(2026, 11, 1), (date(2026, 10, 20),), RULES, None),
        # the next contact would fall after the first year: no task
        (date(2025, 12, 1), date(2026, 11, 10), (date(2026, 11, 5),), RULES, None),
        # no course
        (None, date(2026, 11, 1), (date(2026, 10, 20),), RULES, None),
        # a course not started yet: the first contact is due a month after its start (1.1.2027 is nytårsdag)
        (date(2026, 12, 1), date(2026, 11, 1), (), RULES, date(2027, 1, 4)),
        (date(2026, 12, 1), date(2026, 11, 1), (date(2026, 10, 20),), RULES, date(2027, 1, 4)),
        # the interval is a rule, not a literal
        (
            date(2026, 10, 12),
            date(2026, 10, 13),
            (),
            replace(RULES, follow_up_contact_interval_months=2),
            date(2026, 12, 14),
        ),
    ],
)
def test_monthly_contact(course_start, today, contacts, rules, expected):
    """Seed 000 KE 7, seed 003 KE 4: personal contact with the jobformidler at least monthly in year one."""
    f = facts(today, company_course_start=course_start, contact_dates=contacts, monthly_contact_dates=contacts)
    tasks = derive_tasks(f, rules, CAL, lab31=False)
    assert due_of(tasks, "monthly_contact") == expected
    if expected is not None:
        (task,) = by_rule(tasks, "monthly_contact")
        assert task.key == "monthly_contact"
        assert task.kind == "personlig_kontakt"
        assert "virksomhedsforløbet" in task.reason
        assert task.reason.endswith("(projektets regel)") and "LAB" not in task.reason


def test_monthly_contact_reason_names_the_last_personal_contact_and_says_it_is_the_projects_rule():
    day = date(2026, 10, 12)
    f = facts(date(2026, 10, 20), company_course_start=date(2026, 9, 1), contact_dates=(day,),
              monthly_contact_dates=(day,))  # fmt: skip
    (task,) = by_rule(derive_tasks(f, RULES, CAL, lab31=False), "monthly_contact")
    assert task.reason == (
        "Sidste personlige kontakt 12.10.2026 — personlig kontakt med jobformidler mindst månedlig i de første "
        "12 måneder af virksomhedsforløbet (projektets regel)"
    )


@pytest.mark.parametrize(
    ("contacts", "monthly", "expected"),
    [
        # an SMS (or a contact by another staff member) on 20.10: contact, but not the monthly contact
        ((date(2026, 10, 20),), (), date(2026, 11, 12)),
        # the same day as a counting contact: the task counts from it
        ((date(2026, 10, 20),), (date(2026, 10, 20),), date(2026, 11, 20)),
        # an SMS after the last personal contact does not move the task
        ((date(2026, 10, 14), date(2026, 10, 28)), (date(2026, 10, 14),), date(2026, 11, 16)),
    ],
)
def test_monthly_contact_counts_only_personal_contact_with_the_jobformidler(contacts, monthly, expected):
    """Seeds 000 KE 7 / 003 KE 4: «kontakt mellem jobformidler og borger» — only ``monthly_contact_dates``
    (what follow_up_policy.toml counts) meet it; any other contact leaves the task where it was."""
    f = facts(date(2026, 10, 30), company_course_start=date(2026, 10, 12), contact_dates=contacts,
              monthly_contact_dates=monthly)  # fmt: skip
    (task,) = by_rule(derive_tasks(f, RULES, CAL, lab31=False), "monthly_contact")
    assert task.due == expected


# --- (2) udeblivelse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("no_shows", "personal", "other_contacts", "working_days", "expected"),
    [
        ((date(2026, 11, 20),), (), (), 1, {"no_show:2026-11-20": date(2026, 11, 23)}),  # Friday → Monday
        ((date(2026, 11, 20),), (date(2026, 11, 20),), (), 1, {}),  # personal contact the same day closes it
        ((date(2026, 11, 20),), (date(2026, 11, 23),), (), 1, {}),
        ((date(2026, 11, 20),), (date(2026, 11, 19),), (), 1, {"no_show:2026-11-20": date(2026, 11, 23)}),
        (
            (date(2026, 11, 20),),
            (),
            (date(2026, 11, 23),),
            1,
            {"no_show:2026-11-20": date(2026, 11, 23)},
        ),  # SMS is not personal
        ((date(2026, 12, 23),), (), (), 1, {"no_show:2026-12-23": date(2026, 12, 28)}),  # over jul
        ((date(2026, 11, 21),), (), (), 0, {"no_show:2026-11-21": date(2026, 11, 23)}),  # a Saturday, same day
        ((date(2026, 11, 16),), (), (), 3, {"no_show:2026-11-16": date(2026, 11, 19)}),
        (
            (date(2026, 11, 10), date(2026, 11, 20)),
            (date(2026, 11, 12),),
            (),
            1,
            {"no_show:2026-11-20": date(2026, 11, 23)},
        ),
        (
            (date(2026, 11, 10), date(2026, 11, 20), date(2026, 11, 20)),
            (),
            (),
            1,
            {"no_show:2026-11-10": date(2026, 11, 11), "no_show:2026-11-20": date(2026, 11, 23)},
        ),
    ],
)
def test_no_show(no_shows, personal, other_contacts, working_days, expected):
    rules = replace(RULES, no_show_follow_up_working_days=working_days)
    f = facts(
        date(2026, 12, 30),
        no_show_dates=no_shows,
        personal_contact_dates=personal,
        contact_dates=personal + other_contacts,
    )
    tasks = by_rule(derive_tasks(f, rules, CAL, lab31=False), "no_show")
    assert {t.key: t.due for t in tasks} == expected
    assert all(t.kind == "personlig_kontakt" and "Udeblivelse" in t.reason for t in tasks)


def test_future_no_show_is_ignored():
    f = facts(date(2026, 11, 24), no_show_dates=(date(2026, 11, 25),))
    assert by_rule(derive_tasks(f, RULES, CAL), "no_show") == []


# --- (3) delmål -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("goals", "weeks", "expected"),
    [
        ((("g1", date(2026, 10, 12)),), 6, {"sub_goal:g1": date(2026, 11, 23)}),
        ((("g1", date(2026, 11, 13)),), 6, {"sub_goal:g1": date(2026, 12, 28)}),  # 25.12 → 28.12
        ((("g1", date(2026, 10, 12)),), 2, {"sub_goal:g1": date(2026, 10, 26)}),
        (
            (("g1", date(2026, 10, 12)), ("g2", date(2026, 10, 19)), ("g1", date(2026, 11, 2))),
            6,
            {"sub_goal:g1": date(2026, 12, 14), "sub_goal:g2": date(2026, 11, 30)},
        ),
        ((), 6, {}),
    ],
)
def test_sub_goals(goals, weeks, expected):
    rules = replace(RULES, delmaal_review_weeks=weeks)
    tasks = by_rule(derive_tasks(facts(date(2026, 11, 1), active_sub_goals=goals), rules, CAL, lab31=False), "sub_goal")
    assert {t.key: t.due for t in tasks} == expected
    assert all(t.kind == "delmaal_vurdering" for t in tasks)


# --- (4) inactivity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "contacts", "project_start", "in_project", "expected"),
    [
        (date(2026, 10, 30), (date(2026, 10, 1),), None, True, date(2026, 11, 2)),  # N-1 days: a task for later
        (date(2026, 10, 31), (date(2026, 10, 1),), None, True, date(2026, 11, 2)),  # N days (a Saturday)
        (date(2026, 11, 1), (date(2026, 10, 1),), None, True, date(2026, 11, 2)),  # N+1 days
        (
            date(2026, 11, 1),
            (date(2026, 9, 1), date(2026, 10, 5)),
            None,
            True,
            date(2026, 11, 4),
        ),  # latest contact counts
        (date(2026, 11, 1), (), date(2026, 10, 1), True, date(2026, 11, 2)),  # no contact: from project start
        (date(2026, 11, 1), (), None, True, None),
        (date(2026, 11, 1), (date(2026, 10, 1),), None, False, None),  # not in the project
    ],
)
def test_inactivity(today, contacts, project_start, in_project, expected):
    f = facts(today, contact_dates=contacts, project_start=project_start, in_project=in_project)
    tasks = derive_tasks(f, RULES, CAL, lab31=False)
    assert due_of(tasks, "inactivity") == expected
    if expected is not None:
        (task,) = by_rule(tasks, "inactivity")
        assert task.key == "inactivity" and "opsøgende kontakt" in task.reason


def test_inactivity_days_is_a_rule():
    f = facts(date(2026, 10, 11), contact_dates=(date(2026, 10, 1),))
    assert due_of(derive_tasks(f, RULES, CAL), "inactivity") == date(2026, 11, 2)  # 31.10 is a Saturday
    assert due_of(derive_tasks(f, replace(RULES, inactivity_days_before_outreach=10), CAL), "inactivity") == date(
        2026, 10, 12
    )


# --- (5) LAB § 31 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "today", "held", "enabled", "expected"),
    [
        # started 3 days ago: first jobsamtale within 7 days
        (date(2026, 11, 17), date(2026, 11, 20), (), True, {"lab31:1": date(2026, 11, 24)}),
        # first deadline on juleaftensdag
        (date(2026, 12, 17), date(2026, 12, 18), (), True, {"lab31:1": date(2026, 12, 28)}),
        # started 7 months ago: the period is over
        (date(2026, 4, 20), date(2026, 11, 20), (), True, {}),
        # switched off
        (date(2026, 11, 17), date(2026, 11, 20), (), False, {}),
        # one held: the remaining 3 are spread over what is left (last day 16.05.2027; 177 days // 3 = 59)
        (date(2026, 11, 17), date(2026, 11, 25), (date(2026, 11, 20),), True, {"lab31:2": date(2027, 1, 18)}),
        # a samtale before the start does not count
        (date(2026, 11, 17), date(2026, 11, 20), (date(2026, 11, 1),), True, {"lab31:1": date(2026, 11, 24)}),
        # minimum reached
        (
            date(2026, 11, 17),
            date(2027, 3, 1),
            (date(2026, 11, 20), date(2026, 12, 15), date(2027, 1, 20), date(2027, 2, 25)),
            True,
            {},
        ),
        (None, date(2026, 11, 20), (), True, {}),
    ],
    ids=["first-within-7-days", "juleaften", "period-over", "switched-off", "spread", "before-start", "done",
         "no-benefit-start"],
)  # fmt: skip
@pytest.mark.parametrize("in_project", [True, False], ids=["in-project", "not-in-project"])
def test_lab31(start, today, held, enabled, expected, in_project):
    """LAB § 31 (law): 4 jobsamtaler in the first 6 months of the *benefit period* (``benefit_since``), the
    first within 7 days — whether or not the citizen is in the project."""
    f = facts(today, benefit_since=start, jobsamtale_dates=held, contact_dates=(today,), in_project=in_project)
    tasks = by_rule(derive_tasks(f, RULES, CAL, lab31=enabled), "lab31")
    assert {t.key: t.due for t in tasks} == expected
    assert all(t.reason.endswith("(LAB § 31)") and t.kind == "jobsamtale" for t in tasks)
    assert all("Ydelse siden" in t.reason for t in tasks if t.key == "lab31:1")


@pytest.mark.parametrize(
    ("project_start", "benefit_since", "expected"),
    [
        # Flere skal med: 5+ years on benefit, visited into the project last week: the law's window is long over
        (date(2026, 11, 17), date(2020, 3, 1), {}),
        # benefit started 2 months ago, visited into the project today: the law counts from the benefit start
        (date(2026, 11, 20), date(2026, 9, 21), {"lab31:1": date(2026, 9, 28)}),
        # benefit start known, not (yet) in the project: the law applies all the same
        (None, date(2026, 11, 16), {"lab31:1": date(2026, 11, 23)}),
        # no benefit start recorded (or self-supporting): no LAB § 31 task, whatever the project start
        (date(2026, 11, 17), None, {}),
    ],
    ids=["5-years-on-benefit", "recent-benefit", "not-in-project", "unknown"],
)
def test_lab31_counts_from_the_benefit_start_not_the_project_start(project_start, benefit_since, expected):
    """LAB § 31 applies to the first months of a benefit period; a citizen whose benefit started years ago
    gets no LAB § 31 task on entering the project (it used to count from the project start)."""
    f = facts(date(2026, 11, 20), in_project=project_start is not None, project_start=project_start,
              benefit_since=benefit_since)  # fmt: skip
    assert {t.key: t.due for t in by_rule(derive_tasks(f, RULES, CAL), "lab31")} == expected


def test_lab31_minimum_is_a_rule():
    f = facts(date(2026, 11, 25), benefit_since=date(2026, 11, 17), jobsamtale_dates=(date(2026, 11, 20),))
    assert by_rule(derive_tasks(f, replace(RULES, jobsamtaler_minimum=1), CAL), "lab31") == []


# --- whole engine ---------------------------------------------------------------------------------------


def _rich_facts() -> CitizenFollowUpFacts:
    return facts(
        date(2026, 11, 25),
        project_start=date(2026, 9, 1),
        benefit_since=date(2026, 9, 1),
        contact_dates=(date(2026, 9, 15), date(2026, 10, 20)),
        monthly_contact_dates=(date(2026, 10, 20),),
        personal_contact_dates=(date(2026, 10, 20),),
        jobsamtale_dates=(date(2026, 9, 5),),
        company_course_start=date(2026, 10, 1),
        no_show_dates=(date(2026, 11, 18), date(2026, 11, 20)),
        active_sub_goals=(("a", date(2026, 10, 1)), ("b", date(2026, 11, 10))),
    )


def test_every_rule_fires_on_rich_facts_and_keys_are_unique():
    tasks = derive_tasks(_rich_facts(), RULES, CAL)
    keys = [t.key for t in tasks]
    assert len(keys) == len(set(keys))
    assert set(keys) == {
        "monthly_contact", "no_show:2026-11-18", "no_show:2026-11-20", "sub_goal:a", "sub_goal:b", "lab31:2",
    }  # fmt: skip
    # Without the company course, inactivity takes over from the monthly contact.
    keys = {t.key for t in derive_tasks(replace(_rich_facts(), company_course_start=None), RULES, CAL)}
    assert "inactivity" in keys and "monthly_contact" not in keys
    assert list(tasks) == sorted(tasks, key=lambda t: (t.due, t.key))
    known_kinds = {term.code for term in load_reference().follow_up_kinds.terms}
    assert {t.kind for t in tasks} <= known_kinds
    assert all(CAL.is_working_day(t.due) for t in tasks)


def test_deterministic_and_independent_of_input_order():
    base = _rich_facts()
    first = derive_tasks(base, RULES, CAL)
    assert derive_tasks(base, RULES, CAL) == first
    rng = random.Random(7)
    for _ in range(5):
        shuffled = replace(
            base,
            contact_dates=tuple(rng.sample(base.contact_dates, len(base.contact_dates))),
            no_show_dates=tuple(rng.sample(base.no_show_dates, len(base.no_show_dates))),
            active_sub_goals=tuple(rng.sample(base.active_sub_goals, len(base.active_sub_goals))),
        )
        assert derive_tasks(shuffled, RULES, CAL) == first


def test_not_in_project_keeps_only_the_event_driven_tasks_and_the_law():
    tasks = derive_tasks(replace(_rich_facts(), in_project=False), RULES, CAL)
    assert {t.rule for t in tasks} == {"no_show", "sub_goal", "lab31"}
    tasks = derive_tasks(replace(_rich_facts(), in_project=False, benefit_since=None), RULES, CAL)
    assert {t.rule for t in tasks} == {"no_show", "sub_goal"}


@pytest.mark.parametrize(
    ("rule", "kind"),
    [("monthly_contact", "personlig_kontakt"), ("no_show", "personlig_kontakt"), ("sub_goal", "delmaal_vurdering"),
     ("inactivity", "opsoegende_kontakt"), ("lab31", "jobsamtale")],
)  # fmt: skip
def test_each_rule_has_its_kind(rule, kind):
    for f in (_rich_facts(), replace(_rich_facts(), company_course_start=None)):
        assert {t.kind for t in derive_tasks(f, RULES, CAL) if t.rule == rule} <= {kind}


def test_recurring_rules_carry_their_anchor_in_the_store_key():
    keys = {t.rule: t.store_key for t in derive_tasks(_rich_facts(), RULES, CAL)}
    keys["inactivity"] = next(
        t.store_key
        for t in derive_tasks(replace(_rich_facts(), company_course_start=None), RULES, CAL)
        if t.rule == "inactivity"
    )
    assert keys["monthly_contact"].startswith("monthly_contact@") and keys["inactivity"].startswith("inactivity@")
    assert keys["sub_goal"].startswith("sub_goal:") and "@" in keys["sub_goal"]
    assert "@" not in keys["no_show"] and "@" not in keys["lab31"]


def test_derived_task_is_frozen():
    task = derive_tasks(_rich_facts(), RULES, CAL)[0]
    with pytest.raises(AttributeError):
        task.due = date(2030, 1, 1)  # type: ignore[misc]


def test_engine_is_pure_python():
    path = Path(__file__).resolve().parents[2] / "src" / "aaben_raadgivning" / "domain" / "follow_up_rules.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not {m for m in modules if m and m.split(".")[0] in ("sqlalchemy", "textual")}
    assert not {m for m in modules if m and m.startswith(("aaben_raadgivning.store", "aaben_raadgivning.ui"))}

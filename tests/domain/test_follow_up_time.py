"""Time in the follow-up rules: the tasks change between two days only when a boundary date lies between them
(what the daily sweep relies on to pick its citizens)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aaben_raadgivning.domain.follow_up_rules import (
    CitizenFollowUpFacts,
    add_period,
    date_boundaries,
    derive_tasks,
)
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar

RULES = load_rules()
CAL = WorkdayCalendar()
BASE = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 5, 25), 6, date(2026, 11, 25)),
        (date(2025, 11, 25), 12, date(2026, 11, 25)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # the month's last day when it has no 31st
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_period(start, months, end):
    assert add_period(start, months) == end


@pytest.mark.parametrize(
    ("project_start", "benefit_since", "courses", "expected"),
    [
        (None, None, (), ()),
        (date(2026, 5, 25), None, (), (date(2026, 5, 25),)),  # the project start (inactivity counts from it)
        (None, date(2026, 5, 25), (), (date(2026, 5, 25), date(2026, 11, 25))),  # LAB § 31: benefit + 6 months
        (None, None, (date(2025, 11, 25),), (date(2025, 11, 25), date(2026, 11, 25))),  # course: first 12 months
    ],
)
def test_date_boundaries(project_start, benefit_since, courses, expected):
    assert date_boundaries(project_start, courses, RULES, benefit_since=benefit_since) == expected


days = st.integers(-420, 60).map(lambda n: BASE + timedelta(days=n))
facts_st = st.builds(
    CitizenFollowUpFacts,
    citizen_id=st.just("c"),
    today=st.just(BASE),
    in_project=st.booleans(),
    project_start=st.one_of(st.none(), days),
    contact_dates=st.lists(days, max_size=4).map(tuple),
    jobsamtale_dates=st.lists(days, max_size=4).map(tuple),
    company_course_start=st.one_of(st.none(), days),
    no_show_dates=st.lists(days, max_size=3).map(tuple),
    personal_contact_dates=st.lists(days, max_size=3).map(tuple),
    active_sub_goals=st.lists(st.tuples(st.sampled_from(["g1", "g2"]), days), max_size=2).map(tuple),
    monthly_contact_dates=st.lists(days, max_size=3).map(tuple),
    benefit_since=st.one_of(st.none(), days),
    route=st.sampled_from(["", "", "rehab", "underretning"]),
    route_since=st.one_of(st.none(), days),
)


@settings(max_examples=400, deadline=None)
@given(facts=facts_st, d1=days, d2=days)
def test_tasks_change_only_across_a_boundary(facts, d1, d2):
    lo, hi = sorted((d1, d2))
    courses = (facts.company_course_start,) if facts.company_course_start else ()
    boundaries = [
        *date_boundaries(facts.project_start, courses, RULES, benefit_since=facts.benefit_since),
        *facts.contact_dates, *facts.jobsamtale_dates, *facts.no_show_dates, *facts.personal_contact_dates,
        *facts.monthly_contact_dates,
    ]  # fmt: skip
    first = derive_tasks(replace(facts, today=d1), RULES, CAL)
    second = derive_tasks(replace(facts, today=d2), RULES, CAL)
    if not any(lo < b <= hi for b in boundaries):
        assert first == second

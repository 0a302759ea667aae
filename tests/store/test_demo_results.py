"""Demo data give a living results screen (F6): inflow every month, caseload per step from the step events,
attendance and self-support around their goals — some met, some missed (issue 16)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from aaben_raadgivning.demo.generator import generate_demo
from aaben_raadgivning.domain.clock import to_local, to_utc
from aaben_raadgivning.store.models import Citizen, Event
from aaben_raadgivning.store.queries.results import month_results, results_trend
from aaben_raadgivning.store.queries.viewer import Viewer
from support.keys import open_database

LOCAL_NOW = datetime(2026, 11, 24, 10, 15)  # a Tuesday, like test_demo
LAST_MONTH = date(2026, 10, 1)  # the last complete month
GOAL = 70.0  # rules.toml attendance_goal_percent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo_results")
    db = open_database(path / "db.sqlite3", path / "backups", now=lambda: to_utc(LOCAL_NOW))
    generate_demo(db, citizens=2_000, days=120, events_per_citizen=6, seed=11)
    trend = results_trend(db, LAST_MONTH, viewer=Viewer.system(), months=12)
    yield db, trend
    db.close()


def test_the_trend_ends_with_the_month_itself(demo):
    db, trend = demo
    assert trend.months[-1] == month_results(db, LAST_MONTH, viewer=Viewer.system())


def test_inflow_in_most_months(demo):
    _, trend = demo
    inflow = [m.inflow for m in trend.months]
    assert sum(n > 0 for n in inflow) >= 10, inflow
    assert trend.months[-1].inflow > 0


def test_caseload_per_step_from_the_step_events(demo):
    _, trend = demo
    steps = {c.step: c for c in trend.months[-1].caseload if c.end > 0}
    assert {"trin1", "trin2", "trin3"} <= set(steps), steps


def test_step_events_carry_the_step_data_and_match_the_record(demo):
    db, _ = demo
    with db.session() as session:
        citizens = {c.id: c for c in session.scalars(select(Citizen).where(Citizen.project_start.is_not(None)))}
        events = session.execute(
            select(Event.citizen_id, Event.kind, Event.occurred_at, Event.data)
            .where(Event.kind.in_(("visitation", "trin")))
            .order_by(Event.citizen_id, Event.occurred_at)
        ).all()
    assert citizens
    by_citizen: dict[str, list] = {}
    for citizen_id, kind, occurred, data in events:
        assert data, "a step event without its step data"
        by_citizen.setdefault(citizen_id, []).append((kind, occurred, json.loads(data)))
    assert set(by_citizen) == set(citizens)
    for citizen_id, steps in by_citizen.items():
        citizen = citizens[citizen_id]
        kind, occurred, first = steps[0]
        assert kind == "visitation" and first["from"] == first["to"] == "trin1"
        assert to_local(occurred).date() == citizen.project_start
        assert citizen.created_at < occurred < to_utc(LOCAL_NOW)
        for (_, _, before), (_, _, after) in zip(steps, steps[1:], strict=False):
            assert after["from"] == before["to"]
        _, last_at, last = steps[-1]
        assert last["to"] == citizen.step and to_local(last_at).date() == citizen.step_since


def test_attendance_around_the_goal(demo):
    _, trend = demo
    rates = []
    for month in trend.months:
        if month.attendance.denominator:
            assert 50 <= month.attendance.percent <= 95, (month.month, month.attendance)
            rates.append(month.attendance.percent)
            rates += [row.rate.percent for row in month.attendance_by_staff if row.rate.denominator >= 20]
    assert len(rates) >= 3
    assert min(rates) < GOAL <= max(rates), rates


def test_hours_and_follow_ups_have_figures(demo):
    _, trend = demo
    last = trend.months[-1]
    assert last.hours.reported > 0 and 0 < last.hours.reached < last.hours.reported
    on_time = last.follow_ups.on_time
    assert on_time.denominator > 0 and 60 <= on_time.percent < 100


def test_self_support_cohorts_some_met_some_missed(demo):
    _, trend = demo
    rates = [m.self_support.rate for m in trend.months if m.self_support.rate.denominator >= 20]
    assert len(rates) >= 6
    percents = [rate.percent for rate in rates]
    assert all(15 <= p <= 65 for p in percents), percents
    assert any(rate.missed for rate in rates) and not all(rate.missed for rate in rates), percents
    overall = 100 * sum(r.numerator for r in rates) / sum(r.denominator for r in rates)
    assert 25 <= overall <= 50, overall

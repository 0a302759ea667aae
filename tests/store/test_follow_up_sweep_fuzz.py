"""The sweep's candidate query misses no citizen: over random small caseloads (project and course starts near
the rule boundaries, events before, between and after the two sweep days, actions on the days between,
deletions arriving by sync), the sweep leaves every citizen exactly as a brute-force recompute of everyone
on the new day would — the brute force finds nothing left to change."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaben_raadgivning.domain.clock import to_local, to_utc
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.runtime import open_runtime
from aaben_raadgivning.store.actions.follow_up_sweep import mark_swept, sweep_follow_ups
from aaben_raadgivning.store.follow_ups.recompute import recompute_follow_ups
from aaben_raadgivning.store.models import Agreement, Citizen, Company, Event, Staff
from aaben_raadgivning.store.transaction import Tx

D1 = date(2026, 11, 24)
KINDS = ["telefon", "sms", "jobsamtale", "udeblivelse", "note", "samtale"]
RULES = load_rules()
CAL = WorkdayCalendar()


class Clock:
    def __init__(self) -> None:
        self.utc = to_utc(datetime.combine(D1, time(8)))

    def __call__(self) -> datetime:
        return self.utc

    def set_day(self, day: date, hour: int = 8) -> None:
        self.utc = to_utc(datetime.combine(day, time(hour)))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated, empty data dir, copied for every example (migrating each time would be slow)."""
    root = tmp_path_factory.mktemp("sweep-template") / "data"
    open_runtime(root).close()
    return root


def _day_near(boundary_months: int):
    """A start date whose boundary (the start itself or start + months) falls near the sweep days."""
    return st.one_of(
        st.integers(-3, 45).map(lambda j: D1 + timedelta(days=j)),
        st.integers(-3, 45).map(lambda j: D1 + timedelta(days=j) - relativedelta(months=boundary_months)),
        st.integers(-500, 45).map(lambda j: D1 + timedelta(days=j)),
    )


# kind, day, recorded before, by the jobformidler (else by nobody recorded)
event_st = st.tuples(st.sampled_from(KINDS), st.integers(-60, 45), st.integers(0, 40), st.booleans())
citizen_st = st.fixed_dictionaries(
    {
        "project_start": st.one_of(_day_near(RULES.jobsamtaler_period_months), st.none()),
        "benefit_since": st.one_of(_day_near(RULES.jobsamtaler_period_months), st.none()),
        "route": st.sampled_from([None] * 6 + ["rehab", "underretning"]),
        "agreements": st.lists(
            st.tuples(
                _day_near(RULES.follow_up_first_period_months),
                st.sampled_from(["aktiv", "aktiv", "aktiv", "afsluttet", "genforhandlet"]),
                st.booleans(),
            ),
            max_size=2,
        ),  # fmt: skip
        "events": st.lists(event_st, max_size=5),
        "deleted": st.sampled_from([False] * 7 + [True]),
    }
)
action_st = st.tuples(st.integers(0, 3), st.integers(1, 45), st.sampled_from(KINDS), st.integers(-10, 10))


def _event(
    tx, citizen_id: str, kind: str, occurred: date, recorded: datetime, hour: int = 10, staff_id: str | None = None
) -> None:
    tx.add(Event(citizen_id=citizen_id, kind=kind, occurred_at=to_utc(datetime.combine(occurred, time(hour))),
                 recorded_at=recorded, summary=kind, staff_id=staff_id))  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    citizens=st.lists(citizen_st, min_size=1, max_size=4),
    step=st.one_of(st.integers(1, 45), st.integers(-5, -1), st.integers(150, 400)),
    actions=st.lists(action_st, max_size=4),
)
def test_sweep_equals_a_brute_force_recompute_of_everyone(template, tmp_path_factory, citizens, step, actions):
    root = tmp_path_factory.mktemp("sweep") / "data"
    shutil.copytree(template, root)
    clock = Clock()
    runtime = open_runtime(root, now=clock)
    db = runtime.db
    try:
        ids: list[str] = []
        with db.transaction() as tx:
            firm = tx.add(Company(cvr="12345678", name="Netto", created_at=tx.now))
            jf = tx.add(Staff(initials="JF", name="Jakob", role="jobformidler", password_hash="x", created_at=tx.now))
            for n, spec in enumerate(citizens):
                citizen = tx.add(Citizen(name=f"Borger {n}", created_at=tx.now, project_start=spec["project_start"],
                                         route=spec["route"], benefit_since=spec["benefit_since"],
                                         step_since=spec["project_start"]))  # fmt: skip
                ids.append(citizen.id)
                previous = None
                for start, status, chained in spec["agreements"]:
                    agreement = tx.add(Agreement(citizen_id=citizen.id, company_id=firm.id, course_kind="ordinaere_timer",
                                                 status=status, start_date=start, created_at=tx.now,
                                                 previous_id=previous.id if chained and previous else None))  # fmt: skip
                    previous = agreement
                for kind, offset, recorded_before, by_jf in spec["events"]:
                    occurred = D1 + timedelta(days=offset)
                    recorded = to_utc(datetime.combine(min(occurred, D1) - timedelta(days=recorded_before), time(9)))
                    _event(tx, citizen.id, kind, occurred, recorded, staff_id=jf.id if by_jf else None)
            # D1: every citizen as the actions and the last sweep left them.
            for citizen_id in ids:
                recompute_follow_ups(tx, citizen_id, rules=RULES, calendar=CAL, today=D1)
            for citizen_id, spec in zip(ids, citizens, strict=True):
                if spec["deleted"]:  # arrives by sync: no recompute
                    tx.tombstone(tx.session.get(Citizen, citizen_id))
        mark_swept(db, D1)
        d2 = D1 + timedelta(days=step)
        # Actions on the days in between: an event (any date up to 10 days either side) and its recompute.
        for who, day_offset, kind, occurred_offset in sorted(actions, key=lambda a: a[1]):
            day = D1 + timedelta(days=day_offset)
            if not D1 < day <= d2:
                continue
            clock.set_day(day, 11)
            with db.transaction() as tx:
                citizen_id = ids[who % len(ids)]
                _event(tx, citizen_id, kind, day + timedelta(days=occurred_offset), tx.now, hour=9, staff_id=jf.id)
                recompute_follow_ups(tx, citizen_id, rules=RULES, calendar=CAL, today=day)

        clock.set_day(d2)
        sweep_follow_ups(db)

        with db.session() as session:  # a read session: the brute force is rolled back
            tx = Tx(session, db.clock, db.device_id, db.now())
            left = {
                citizen_id: recompute_follow_ups(tx, citizen_id, rules=RULES, calendar=CAL, today=d2)
                for citizen_id in ids
            }
        missed = {citizen_id: result for citizen_id, result in left.items() if result.changed}
        assert not missed, f"the sweep from {D1} to {d2} missed {missed}"
        assert to_local(clock.utc).date() == d2
    finally:
        runtime.close()
        shutil.rmtree(root.parent, ignore_errors=True)


@pytest.mark.parametrize("months", [1, 6, 12])
def test_the_sql_window_for_month_periods_holds_every_start_it_must(months):
    """Every start S with S + months in (lo, hi] lies in the SQL window (month ends clip: 31.08 + 6 = 28.02)."""
    from aaben_raadgivning.store.follow_ups.sweep import _period_window

    first = date(2026, 1, 1)
    starts = [first + timedelta(days=n) for n in range(800)]
    for lo_offset in range(0, 800, 7):
        for width in (1, 2, 5, 31):
            lo = first + timedelta(days=lo_offset)
            hi = lo + timedelta(days=width)
            window_lo, window_hi = _period_window(lo, hi, months)
            for start in starts:
                if lo < start + relativedelta(months=months) <= hi:
                    assert window_lo <= start <= window_hi, (start, lo, hi)

"""The daily follow-up sweep: each time-dependent rule with a fixed clock moving across its boundary (what the
queue shows before and after), idempotence, the local sweep date, and tombstoned citizens."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.follow_up_sweep import mark_swept, sweep_follow_ups
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.follow_ups.sweep import (
    SWEEP_DATE_KEY,
    last_sweep_date,
    rules_fingerprint,
    sweep_candidates,
)
from aaben_raadgivning.store.models import AuditEntry, Citizen, FollowUpTask, LocalMeta
from aaben_raadgivning.store.queries.follow_up_queue import (
    SORT_CITIZEN,
    UNASSIGNED,
    QueueFilter,
    housing_areas,
    load_queue,
)
from aaben_raadgivning.store.queries.viewer import Viewer
from support.follow_ups import (
    TODAY,
    add_agreement,
    change_count,
    citizen_in_project,
    recompute,
    tasks,
)


def queue_rows(world, citizen_id: str, flt: QueueFilter | None = None) -> dict[str, str]:
    """What F5 «Alle» shows for one citizen: rule → reason."""
    today = to_local(world.clock.utc).date()
    view = load_queue(world.db, flt or QueueFilter(), today, limit=500, viewer=Viewer.system())
    return {row.rule: row.reason for row in view.rows if row.citizen_id == citizen_id}


def move_to(world, day: date) -> None:
    world.clock.advance(days=(day - to_local(world.clock.utc).date()).days)


def on_benefit(world, citizen_id: str, day: date) -> str:
    """The citizen's benefit period starts on ``day`` (stamdata; written straight, as a sync may bring a date
    the base-data action would refuse), recomputed as the action does."""
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen_id), benefit_since=day)
    recompute(world, citizen_id)
    return citizen_id


# --- one case per time-dependent rule ------------------------------------------------------------------


def _course_year_ends(world):
    """A company course started 25.11.2025 with nothing recorded: the monthly-contact task is open until the
    course's first year ends (25.11.2026); then the inactivity rule takes over."""
    citizen = citizen_in_project(world, "Karin Holm", date(2025, 1, 6))
    add_agreement(world, citizen.id, date(2025, 11, 25))
    recompute(world, citizen.id)
    return citizen.id


def _lab31_period_ends(world, name: str = "Lars Vang"):
    """On benefit (and in the project) since Mon 25.05.2026, no jobsamtale: the LAB § 31 task stays until the
    benefit period's first six months end."""
    return on_benefit(world, citizen_in_project(world, name, date(2026, 5, 25)).id, date(2026, 5, 25))


def _course_starts(world):
    """A course agreed to start tomorrow: the task says it starts; from that day, no contact since the start."""
    citizen = citizen_in_project(world, "Nina Dahl", date(2025, 1, 6))
    add_agreement(world, citizen.id, date(2026, 11, 25))
    recompute(world, citizen.id)
    return citizen.id


def _event_just_after_midnight(world):
    """A phone call registered at 23:58 as 00:02 the next day (clocks differ a little): it counts from that day."""
    citizen = citizen_in_project(world, "Ole Krag", date(2026, 10, 15))
    on_benefit(world, citizen.id, date(2026, 10, 15))
    world.clock.advance(hours=13, minutes=43)  # 23:58
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet",
              occurred_at=datetime(2026, 11, 25, 0, 2))  # fmt: skip
    return citizen.id


def _project_start_later(world):
    """A project start for a later day, as a sync from another laptop may bring it: nothing until that day."""
    citizen = create_citizen(world.db, world.jk.id, name="Pia Lund")
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen.id), project_start=date(2026, 11, 26))
    recompute(world, citizen.id)
    return citizen.id


def _benefit_start_later(world):
    """A benefit start on a later day (e.g. brought by a sync): no LAB § 31 task until that day."""
    return on_benefit(world, create_citizen(world.db, world.jk.id, name="Rita Holm").id, date(2026, 11, 26))


def _five_years_on_benefit(world):
    """Flere skal med: on benefit since 2020, into the project on 25.05.2026: LAB § 31 never applies; the
    project's outreach rule does (it was a LAB § 31 task counted from the project start before issue 17)."""
    return on_benefit(world, citizen_in_project(world, "Sara Lind", date(2026, 5, 25)).id, date(2020, 3, 2))


# (setup, sweep day, rules shown before, rules shown after, a reason fragment shown after)
CASES = {
    "company course: monthly contact ends after the first year, inactivity takes over": (
        _course_year_ends, date(2026, 11, 25), {"monthly_contact"}, {"inactivity"},
        "Ingen kontakt siden start i projektet 06.01.2025",
    ),
    "LAB § 31: the jobsamtale task ends with the six months": (
        _lab31_period_ends, date(2026, 11, 25), {"lab31", "inactivity"}, {"inactivity"}, "opsøgende kontakt",
    ),
    "company course starting tomorrow: the reason changes on the day": (
        _course_starts, date(2026, 11, 25), {"monthly_contact"}, {"monthly_contact"},
        "Ingen personlig kontakt siden start i virksomhedsforløb 25.11.2026",
    ),
    "an event dated after midnight counts from its day": (
        _event_just_after_midnight, date(2026, 11, 25), {"lab31", "inactivity"}, {"lab31", "inactivity"},
        "Sidste kontakt 25.11.2026",
    ),
    "a project start on a later day: the outreach rule counts from it": (
        _project_start_later, date(2026, 11, 26), set(), {"inactivity"},
        "Ingen kontakt siden start i projektet 26.11.2026 — opsøgende kontakt efter 30 dage uden kontakt "
        "(projektets regel)",
    ),
    "a benefit start on a later day: LAB § 31 appears on it": (
        _benefit_start_later, date(2026, 11, 26), set(), {"lab31"},
        "Ydelse siden 26.11.2026 — første jobsamtale inden for 7 dage (LAB § 31)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_sweep_moves_each_rule_across_its_boundary(world, case):
    setup, day, before, after, fragment = CASES[case]
    citizen_id = setup(world)
    mark_swept(world.db, to_local(world.clock.utc).date())
    assert set(queue_rows(world, citizen_id)) == before
    shown_before = queue_rows(world, citizen_id)

    move_to(world, day - timedelta(days=1))  # the day before: nothing for this citizen has changed yet
    if day - timedelta(days=1) > TODAY:
        sweep_follow_ups(world.db)
        assert queue_rows(world, citizen_id) == shown_before
    move_to(world, day)
    result = sweep_follow_ups(world.db)

    shown = queue_rows(world, citizen_id)
    assert set(shown) == after
    assert any(fragment in reason for reason in shown.values()), shown
    assert result.changed_citizens == 1 and result.candidates >= 1
    with world.db.session() as session:
        assert last_sweep_date(session) == day
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "sweep")).all()
    assert [(a.staff_id, a.entity) for a in audit] == [(None, "follow_up_task")]  # the system, one per batch


def test_recompute_of_every_citizen_after_the_sweep_changes_nothing(world):
    ids = [setup(world) for setup, *_ in CASES.values()]
    mark_swept(world.db, TODAY)
    move_to(world, date(2026, 11, 27))
    sweep_follow_ups(world.db)
    before = change_count(world)
    for citizen_id in ids:
        recompute(world, citizen_id)
    assert change_count(world) == before


def test_second_sweep_the_same_day_writes_nothing(world):
    citizen_id = _lab31_period_ends(world)
    move_to(world, date(2026, 11, 25))
    first = sweep_follow_ups(world.db)
    assert first.changed and "lab31" not in queue_rows(world, citizen_id)
    before = change_count(world)
    second = sweep_follow_ups(world.db)
    assert second.already_done and not second.changed
    assert change_count(world) == before


def test_a_day_with_nothing_due_writes_no_change_log(world):
    citizen_in_project(world, "Rasmus Bak", date(2026, 10, 15))
    move_to(world, date(2026, 11, 25))
    before = change_count(world)
    result = sweep_follow_ups(world.db)
    assert (result.candidates, result.changed_citizens) == (0, 0)
    assert change_count(world) == before
    with world.db.session() as session:
        # local only, never in the change log; with the fingerprint of the rules it was made with
        assert session.get(LocalMeta, SWEEP_DATE_KEY).value == f"2026-11-25 {rules_fingerprint()}"


def test_never_swept_means_every_citizen_once(world):
    a = citizen_in_project(world, "Sofie Winther", date(2026, 10, 15))
    b = create_citizen(world.db, world.jk.id, name="Tom Riis")
    with world.db.session() as session:
        session.execute(LocalMeta.__table__.delete())  # a laptop made from a snapshot: no local_meta
        session.commit()
        assert sweep_candidates(session, None, TODAY, _rules()) == sorted([a.id, b.id])
    result = sweep_follow_ups(world.db)
    assert (result.since, result.candidates, result.changed_citizens) == (None, 2, 0)


def test_the_clock_going_back_is_swept_too(world):
    citizen_id = _lab31_period_ends(world)
    move_to(world, date(2026, 11, 25))
    sweep_follow_ups(world.db)
    assert "lab31" not in queue_rows(world, citizen_id)
    move_to(world, date(2026, 11, 24))  # the computer's date was wrong and is put right
    sweep_follow_ups(world.db)
    assert "lab31" in queue_rows(world, citizen_id)


def test_batches_commit_separately_with_one_audit_entry_each(world):
    names = ("Lars Vang", "Lise Vang", "Leo Vang", "Lone Vang", "Lukas Vang")  # one name twice is a warning now
    ids = [_lab31_period_ends(world, name) for name in names]
    move_to(world, date(2026, 11, 25))
    result = sweep_follow_ups(world.db, batch_size=2)
    assert (result.candidates, result.batches, result.changed_citizens) == (5, 3, 5)
    with world.db.session() as session:
        audits = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "sweep"))
    assert audits == 3
    assert all("lab31" not in queue_rows(world, i) for i in ids)


def _rules():
    from aaben_raadgivning.domain.rules import load_rules

    return load_rules()


# --- tombstoned citizens -------------------------------------------------------------------------------


def _tombstone(world, citizen_id: str) -> None:
    """A deletion as it arrives from another laptop: the row is tombstoned, nothing is recomputed."""
    with world.db.transaction() as tx:
        tx.tombstone(tx.session.get(Citizen, citizen_id))


def _manual(world, citizen_id, *, assignee=None, due=TODAY):
    with world.db.transaction() as tx:
        return tx.add(FollowUpTask(citizen_id=citizen_id, kind="manuel", rule="manuel", reason="Ring tilbage",
                                   due_date=due, assignee_id=assignee, status="open", created_at=tx.now))  # fmt: skip


FILTERS = {
    "Alle": QueueFilter(),
    "Mine (JK)": "jk",
    "uden ansvarlig": QueueFilter(assignee_id=UNASSIGNED),
    "slags": QueueFilter(kind="manuel"),
    "boligområde": QueueFilter(housing_area="Motalavej"),
    "efter borger": QueueFilter(sort=SORT_CITIZEN),
    "boligområde efter borger": QueueFilter(housing_area="Motalavej", sort=SORT_CITIZEN),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_tombstoned_citizens_are_hidden_in_every_view(world, name):
    flt = FILTERS[name]
    if flt == "jk":
        flt = QueueFilter(assignee_id=world.jk.id)
    gone = citizen_in_project(world, "Ulla Gone", date(2026, 10, 15), housing_area="Motalavej")
    kept = citizen_in_project(world, "Vera Kept", date(2026, 10, 15), housing_area="Motalavej")
    for citizen in (gone, kept):
        _manual(world, citizen.id, assignee=world.jk.id)
        _manual(world, citizen.id)
    anonymous = _manual(world, None)  # a walk-in without a citizen stays visible
    before = load_queue(world.db, flt, TODAY, limit=500, viewer=Viewer.system())
    _tombstone(world, gone.id)
    after = load_queue(world.db, flt, TODAY, limit=500, viewer=Viewer.system())

    assert gone.id in {r.citizen_id for r in before.rows}
    assert gone.id not in {r.citizen_id for r in after.rows}
    assert {r.citizen_id for r in after.rows} == {r.citizen_id for r in before.rows} - {gone.id}
    hidden = sum(1 for r in before.rows if r.citizen_id == gone.id)
    assert after.total == before.total - hidden  # the header counts agree with the rows
    assert len(after.rows) == after.total
    if name in ("Alle", "efter borger"):
        assert anonymous.id in {r.id for r in after.rows}


def test_housing_area_filter_lists_no_area_of_only_tombstoned_citizens(world):
    gone = create_citizen(world.db, world.jk.id, name="Ulla Gone", housing_area="Skovparken")
    _manual(world, gone.id)
    assert "Skovparken" in housing_areas(world.db)
    _tombstone(world, gone.id)
    assert "Skovparken" not in housing_areas(world.db)


def test_sweep_removes_open_derived_tasks_of_a_tombstoned_citizen_and_recompute_adds_none(world):
    gone = citizen_in_project(world, "Ulla Gone", date(2026, 10, 15))
    on_benefit(world, gone.id, date(2026, 10, 15))
    manual = _manual(world, gone.id)
    assert {"lab31:1", "inactivity@2026-10-15"} <= set(tasks(world, gone.id))
    _tombstone(world, gone.id)
    move_to(world, date(2026, 11, 25))
    with world.db.session() as session:
        assert gone.id in sweep_candidates(session, TODAY, date(2026, 11, 25), _rules())
    sweep_follow_ups(world.db)
    left = tasks(world, gone.id)
    assert set(left) == {manual.id}  # the manual task is kept (hidden in the queue), derived ones tombstoned
    before = change_count(world)
    recompute(world, gone.id)
    assert tasks(world, gone.id).keys() == left.keys() and change_count(world) == before


# --- rules changed since the last sweep ----------------------------------------------------------------


@pytest.mark.parametrize(
    "recorded", ["2026-11-24", "2026-11-24 0000000000000000"], ids=["before-fingerprints", "other"]
)
def test_a_sweep_under_other_rules_recomputes_every_citizen_once(world, recorded):
    """A database swept by an older app (or under other numbers) still holds tasks of the old rules — e.g. a
    LAB § 31 task counted from the project start for a citizen on benefit for years. The next sweep does not
    trust the old date: it recomputes everyone once, and the stale task goes; the sweep after is a day step."""
    citizen_id = _five_years_on_benefit(world)
    with world.db.transaction() as tx:  # what the old engine left behind
        tx.add(
            FollowUpTask(
                citizen_id=citizen_id,
                kind="jobsamtale",
                rule="lab31",
                rule_key="lab31:2",
                reason="… (LAB § 31)",
                due_date=date(2026, 11, 24),
                status="open",
                created_at=tx.now,
            )
        )
        tx.session.merge(LocalMeta(key=SWEEP_DATE_KEY, value=recorded))  # fmt: skip
    with world.db.session() as session:
        assert last_sweep_date(session) is None
    assert "lab31" in queue_rows(world, citizen_id)
    move_to(world, date(2026, 11, 25))
    result = sweep_follow_ups(world.db)
    assert result.since is None and citizen_id in _all_candidates(world) and result.changed_citizens == 1
    assert set(queue_rows(world, citizen_id)) == {"inactivity"}
    with world.db.session() as session:
        assert last_sweep_date(session) == date(2026, 11, 25)
    move_to(world, date(2026, 11, 26))
    assert sweep_follow_ups(world.db).since == date(2026, 11, 25)


def _all_candidates(world) -> list[str]:
    with world.db.session() as session:
        return sweep_candidates(session, None, date(2026, 11, 25), _rules())


def test_the_fingerprint_follows_the_rules_and_the_policy():
    from dataclasses import replace

    from aaben_raadgivning.domain.follow_up_policy import load_policy

    rules, policy = _rules(), load_policy()
    assert rules_fingerprint(rules, policy) == rules_fingerprint()
    assert rules_fingerprint(replace(rules, jobsamtaler_minimum=3), policy) != rules_fingerprint()
    fewer = replace(policy, monthly_contact=replace(policy.monthly_contact, event_kinds=frozenset({"telefon"})))
    assert rules_fingerprint(rules, fewer) != rules_fingerprint()

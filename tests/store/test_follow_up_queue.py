"""The follow-up queue query: groups around today and the week's end, counts, filters, sorting, paging."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import FollowUpTask
from aaben_raadgivning.store.queries.follow_up_queue import (
    LATER,
    OVERDUE,
    SORT_CITIZEN,
    THIS_WEEK,
    UNASSIGNED,
    QueueFilter,
    group_of,
    load_queue,
    week_end,
)
from aaben_raadgivning.store.queries.follow_up_queue import TODAY as TODAY_GROUP
from aaben_raadgivning.store.queries.viewer import Viewer
from support.follow_ups import TODAY, add_agreement, citizen_in_project


@pytest.mark.parametrize(
    ("due", "today", "group"),
    [
        (date(2026, 11, 23), date(2026, 11, 24), OVERDUE),
        (date(2026, 11, 24), date(2026, 11, 24), TODAY_GROUP),
        (date(2026, 11, 25), date(2026, 11, 24), THIS_WEEK),
        (date(2026, 11, 29), date(2026, 11, 24), THIS_WEEK),  # Sunday ends the ISO week
        (date(2026, 11, 30), date(2026, 11, 24), LATER),
        (date(2026, 11, 30), date(2026, 11, 29), LATER),  # on Sunday, Monday is next week
        (date(2026, 11, 29), date(2026, 11, 29), TODAY_GROUP),
        (date(2027, 1, 3), date(2026, 12, 31), THIS_WEEK),  # ISO week 53 runs over the new year
    ],
)
def test_group_of(due, today, group):
    assert group_of(due, today) == group


def test_week_end_is_sunday():
    assert [week_end(date(2026, 11, d)).isoformat() for d in (23, 24, 29)] == ["2026-11-29"] * 3


def _manual(world, citizen_id, due: date, *, assignee=None, kind="manuel", reason="x", agreement_id=None):
    with world.db.transaction() as tx:
        return tx.add(FollowUpTask(citizen_id=citizen_id, kind=kind, rule="manuel", reason=reason, due_date=due,
                                   assignee_id=assignee, status="open", created_at=tx.now,
                                   agreement_id=agreement_id))  # fmt: skip


@pytest.fixture
def caseload(world):
    a = create_citizen(world.db, world.jk.id, name="Anna Andersen", housing_area="Motalavej")
    b = create_citizen(world.db, world.jk.id, name="Bo Bech", housing_area="Ringparken")
    agreement = add_agreement(world, b.id, date(2026, 10, 1), company="Netto Slagelse")
    plan = [
        (a, -3, world.jf.id, "manuel"), (b, -1, world.jk.id, "personlig_kontakt"), (a, 0, world.jf.id, "manuel"),
        (b, 1, world.jf.id, "manuel"), (a, 5, None, "jobsamtale"), (b, 6, world.jf.id, "manuel"),
        (a, 40, world.jf.id, "manuel"),
    ]  # fmt: skip
    rows = [_manual(world, c.id, TODAY + timedelta(days=d), assignee=s, kind=k, reason=f"{c.name} {d}",
                    agreement_id=agreement.id if c is b and d == 1 else None) for c, d, s, k in plan]  # fmt: skip
    return a, b, rows


@pytest.mark.parametrize(
    ("flt", "counts"),
    [
        ("alle", {OVERDUE: 2, TODAY_GROUP: 1, THIS_WEEK: 2, LATER: 2}),
        ("jf", {OVERDUE: 1, TODAY_GROUP: 1, THIS_WEEK: 1, LATER: 2}),
        ("none", {OVERDUE: 0, TODAY_GROUP: 0, THIS_WEEK: 1, LATER: 0}),  # +5 days is Sunday 29.11
        ("jobsamtale", {OVERDUE: 0, TODAY_GROUP: 0, THIS_WEEK: 1, LATER: 0}),
        ("ringparken", {OVERDUE: 1, TODAY_GROUP: 0, THIS_WEEK: 1, LATER: 1}),
    ],
)
def test_counts_per_group_with_filters(world, caseload, flt, counts):
    filters = {
        "alle": QueueFilter(),
        "jf": QueueFilter(assignee_id=world.jf.id),
        "none": QueueFilter(assignee_id=UNASSIGNED),
        "jobsamtale": QueueFilter(kind="jobsamtale"),
        "ringparken": QueueFilter(housing_area="Ringparken"),
    }
    view = load_queue(world.db, filters[flt], TODAY, viewer=Viewer.system())
    assert view.counts == counts
    assert len(view.rows) == view.total  # one page holds them all here
    assert all(r.due_date >= view.rows[i - 1].due_date for i, r in enumerate(view.rows) if i)


def test_rows_carry_what_the_screen_shows(world, caseload):
    _, b, _ = caseload
    row = next(
        r for r in load_queue(world.db, QueueFilter(), TODAY, viewer=Viewer.system()).rows if r.reason == "Bo Bech 1"
    )
    assert (row.citizen_name, row.company_name, row.kind_label, row.assignee_initials) == (
        "Bo Bech",
        "Netto Slagelse",
        "Opfølgning",
        "JF",
    )
    assert row.due_label == "25.11 ons uge 48" and row.group == THIS_WEEK
    assert row.last_contact is None


def test_sort_by_citizen_keeps_the_groups(world, caseload):
    rows = load_queue(world.db, QueueFilter(sort=SORT_CITIZEN), TODAY, viewer=Viewer.system()).rows
    assert [(r.group, r.citizen_name) for r in rows] == [
        (OVERDUE, "Anna Andersen"), (OVERDUE, "Bo Bech"), (TODAY_GROUP, "Anna Andersen"),
        (THIS_WEEK, "Anna Andersen"), (THIS_WEEK, "Bo Bech"), (LATER, "Anna Andersen"), (LATER, "Bo Bech"),
    ]  # fmt: skip


def test_paging_reads_every_task_once(world, caseload):
    seen = []
    offset = 0
    while True:
        page = load_queue(world.db, QueueFilter(), TODAY, offset=offset, limit=3, viewer=Viewer.system()).rows
        seen += [r.id for r in page]
        offset += len(page)
        if len(page) < 3:
            break
    assert len(seen) == len(set(seen)) == 7


def test_done_and_tombstoned_tasks_are_not_in_the_queue(world, caseload):
    a, _, rows = caseload
    with world.db.transaction() as tx:
        tx.update(tx.session.get(FollowUpTask, rows[0].id), status="done")
        tx.tombstone(tx.session.get(FollowUpTask, rows[1].id))
    assert load_queue(world.db, QueueFilter(), TODAY, viewer=Viewer.system()).total == 5


def test_last_contact_of_the_citizen(world):
    from aaben_raadgivning.store.actions.timeline import add_event
    from support.follow_ups import local

    ole = citizen_in_project(world, "Ole Berg", date(2026, 10, 1))
    add_event(world.db, world.jk.id, ole.id, kind="sms", summary="SMS", occurred_at=local(date(2026, 11, 2)))
    add_event(world.db, world.jk.id, ole.id, kind="note", summary="Note", occurred_at=local(date(2026, 11, 20)))
    rows = load_queue(world.db, QueueFilter(), TODAY, viewer=Viewer.system()).rows
    assert rows and {r.last_contact for r in rows} == {date(2026, 11, 2)}  # a note is not a contact


def test_the_last_contacts_of_a_page_come_by_the_citizen_index(world):
    """The page's «last contact» per citizen reads those citizens' events by ix_events_citizen_occurred. An index
    led by the event kind (the results' first version, migration 0008) was chosen instead and made the first
    page 8× slower on 1 000 000 events: the planner has no statistics to tell that a kind is not selective."""
    from sqlalchemy import event as sqlalchemy_event

    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM events" in statement:
            statements.append((statement, parameters))

    for number in range(30):  # a page of many citizens: the planner weighs 30 citizens against 8 kinds
        citizen_in_project(world, f"Borger {number}", TODAY - timedelta(days=40))
    sqlalchemy_event.listen(world.db.engine, "before_cursor_execute", remember)
    try:
        view = load_queue(world.db, QueueFilter(), TODAY, viewer=Viewer.system())
    finally:
        sqlalchemy_event.remove(world.db.engine, "before_cursor_execute", remember)
    assert len({row.citizen_id for row in view.rows}) >= 20 and statements
    with world.db.engine.connect() as connection:
        for sql, params in statements:
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "ix_events_citizen_occurred" in plan, plan

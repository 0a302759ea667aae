"""Pilot tests of the follow-up queue (F5): each flow asserted on the screen and in the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from textual.widgets import DataTable, Select, TextArea

from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.models import AuditEntry, Event, FollowUpTask
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from aaben_raadgivning.ui.screens.follow_up_dialogs import (
    CompleteTaskDialog,
    ReassignDialog,
    RescheduleDialog,
)
from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen
from support.caseload import fill_caseload
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (80, 24)


def notified(app) -> str:
    return "\n".join(notification.message for notification in app._notifications)


def task(db, task_id: str) -> FollowUpTask:
    with db.session() as session:
        return session.get(FollowUpTask, task_id)


async def open_queue(pilot, initials: str = "JF") -> None:
    await login(pilot, initials)
    await pilot.press("f5")
    await wait_for_text(pilot, "Opfølgning · ")  # the header is written once the first page is read
    await pilot.pause()


def cursor_on(app, task_id: str) -> None:
    screen = app.screen
    index = next(i for i, r in enumerate(screen.rows) if r is not None and r.id == task_id)
    screen.query_one("#fu-table", DataTable).move_cursor(row=index)


async def test_f5_shows_my_tasks_grouped_with_counts(world):
    fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        assert isinstance(app.screen, FollowUpQueueScreen)
        text = screen_text(app)
        assert "Mine (JF) · Overskredet 1 · I dag 1 · Denne uge 2 · Senere 3" in text
        assert "!23.11 man uge 48" in text and "Ole Berg" in text  # overdue, marked
        assert "Netto Sl" in text  # the agreement's company
        assert "første jobsamtale inden for 7 dage (LAB § 31)" in text  # the selected task's reason
        await pilot.press("m")  # Alle: the same tasks (all are JF's) — and the staff filter is enabled
        await pilot.pause()
        assert "Alle · Overskredet 1" in screen_text(app)
        assert not app.screen.query_one("#fu-staff", Select).disabled
        app.screen.query_one("#fu-area", Select).value = "Ringparken"
        await pilot.pause()
        text = screen_text(app)
        assert "Mette Jensen" in text and "Ole Berg" not in text
        assert "Overskredet 0 · I dag 0 · Denne uge 1 · Senere 1" in text


async def test_f5_is_hidden_before_log_in(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        assert not isinstance(app.screen, FollowUpQueueScreen)


async def test_complete_records_the_contact_and_the_next_task_appears(world):
    people = fill_caseload(world)
    ole = people["ole"]
    lab31 = derived_id(ole.id, "lab31:1")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, lab31)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, CompleteTaskDialog)
        assert app.screen.query_one("#kind", Select).value == "jobsamtale"  # what the LAB § 31 task asks for
        app.screen.query_one("#kind", Select).value = "sms"
        await pilot.press("ctrl+s")  # no note, wrong kind
        await pilot.pause()
        assert "Skriv kort, hvad kontakten gav." in screen_text(app)
        assert task(world.db, lab31).status == "open"
        app.screen.query_one("#kind", Select).value = "jobsamtale"
        app.screen.query_one("#note", TextArea).focus()
        await type_text(pilot, "Jobmål aftalt")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
        assert "Opfølgning udført · Jobsamtale registreret på Ole Bergs tidslinje." in notified(app)
        text = screen_text(app)
        assert "Overskredet 0" in text and "!23.11" not in text
    done = task(world.db, lab31)
    assert (done.status, done.completed_by) == ("done", world.jf.id)
    with world.db.session() as session:
        event = session.get(Event, done.completed_event_id)
        assert (event.kind, event.citizen_id, event.details) == ("jobsamtale", ole.id, "Jobmål aftalt")
        following = session.get(FollowUpTask, derived_id(ole.id, "lab31:2"))
        assert following.status == "open" and following.due_date > date(2026, 11, 24)


async def test_reschedule_to_a_weekend_moves_on_with_a_notice(world):
    people = fill_caseload(world)
    lab31 = derived_id(people["ole"].id, "lab31:1")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, lab31)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, RescheduleDialog)
        await type_text(pilot, "2.12.2025")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Fristen 02.12.2025 ligger før i dag." in text and "Skriv hvorfor fristen flyttes." in text
        assert task(world.db, lab31).due_date == date(2026, 11, 23)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "28.11.2026")  # a Saturday
        await pilot.press("tab")
        await type_text(pilot, "Borgeren er syg")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
        assert "28.11.2026 er ikke en arbejdsdag; fristen er flyttet til 30.11.2026." in notified(app)
        assert "Overskredet 0" in screen_text(app)
    moved = task(world.db, lab31)
    assert moved.due_date == date(2026, 11, 30) and moved.note.startswith("Flyttet fra 23.11.2026 til 30.11.2026")
    with world.db.session() as session:
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.entity_id == lab31))
            .one()
            .detail.endswith("Borgeren er syg")
        )


async def test_reassign_gives_the_task_to_another_and_it_leaves_mine(world):
    people = fill_caseload(world)
    lab31 = derived_id(people["ole"].id, "lab31:1")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, lab31)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ReassignDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Vælg hvem opgaven skal overdrages til." in screen_text(app)
        app.screen.query_one("#assignee", Select).value = world.jk.id
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Opgaven er givet videre til JK · Jette Kristensen." in notified(app)
        text = screen_text(app)
        assert "Mine (JF) · Overskredet 0" in text and "!23.11" not in text
    assert task(world.db, lab31).assignee_id == world.jk.id


async def test_open_citizen_from_the_queue(world):
    people = fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, derived_id(people["ole"].id, "lab31:1"))
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Ole Berg" in screen_text(app)
    with world.db.session() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.citizen_id == people["ole"].id, AuditEntry.action == "search")
        ).all()
        assert any(entry.detail.startswith("Opfølgning:") for entry in audit)  # the opening is logged


def test_queue_snapshot(world, snap_compare):
    fill_caseload(world)

    async def run_before(pilot) -> None:
        await open_queue(pilot)

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)


async def test_the_list_loads_more_rows_when_scrolled_to_the_end(world):
    from aaben_raadgivning.store.actions.citizens import create_citizen

    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    with world.db.transaction() as tx:
        for n in range(120):
            tx.add(FollowUpTask(citizen_id=citizen.id, kind="manuel", rule="manuel", reason=f"Opgave {n:03d}",
                                due_date=date(2026, 12, 1), assignee_id=world.jf.id, status="open",
                                created_at=tx.now))  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        screen = app.screen
        assert screen.loaded == 50 and "Senere 120" in screen_text(app)
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.loaded == 50  # one page down is not yet near the end
        for _ in range(3):
            await pilot.press("ctrl+end")
            await pilot.pause()
        assert screen.loaded == 120 and screen.exhausted
        assert len({r.id for r in screen.rows if r is not None}) == 120


async def test_a_manual_task_from_the_citizen_screen_lands_in_the_queue(world):
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.ui.screens.follow_up_dialogs import NewTaskDialog

    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        app.open_citizen(citizen.id)
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, NewTaskDialog)
        await pilot.press("ctrl+s")  # nothing filled in: Danish messages, nothing written
        await pilot.pause()
        assert "Skriv hvad der skal følges op på." in screen_text(app)
        await type_text(pilot, "28.11")  # a Saturday: moved to Monday
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Ring om CV")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("f5")
        await wait_for_text(pilot, "30.11 man uge 49 Ole Berg")
    with world.db.session() as session:
        task = session.scalars(select(FollowUpTask).where(FollowUpTask.rule == "manuel")).one()
    assert (task.citizen_id, task.due_date, task.reason, task.assignee_id) == (
        citizen.id,
        date(2026, 11, 30),
        "Ring om CV",
        world.jf.id,
    )


async def test_tab_in_the_completion_dialog_never_makes_the_typed_note_vanish(world):
    """Tab from the note used to land on «Fortryd», where Enter threw the note away."""
    people = fill_caseload(world)
    lab31 = derived_id(people["ole"].id, "lab31:1")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, lab31)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, CompleteTaskDialog)
        await type_text(pilot, "Talt om jobmål")
        seen = []
        for _ in range(3):  # round the dialog: never onto «Fortryd»
            await pilot.press("tab")
            await pilot.pause()
            seen.append(app.screen.focused.id)
            assert app.screen.query_one("#note", TextArea).text == "Talt om jobmål"
        assert seen == ["save", "kind", "note"]
        await pilot.press("escape")  # Esc with a typed note asks first; nej keeps it
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CompleteTaskDialog)
        assert app.screen.query_one("#note", TextArea).text == "Talt om jobmål"
        await pilot.press("tab", "enter")  # Tab, Enter: saved, not thrown away
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
    with world.db.session() as session:
        assert session.get(Event, task(world.db, lab31).completed_event_id).details == "Talt om jobmål"


async def test_esc_in_the_completion_dialog_with_a_note_closes_only_after_ja(world):
    people = fill_caseload(world)
    lab31 = derived_id(people["ole"].id, "lab31:1")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_queue(pilot)
        cursor_on(app, lab31)
        await pilot.press("u")
        await pilot.pause()
        await type_text(pilot, "Kladde")
        await pilot.press("escape")
        await pilot.pause()
        assert "Luk uden at gemme noten?" in screen_text(app)
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
    assert task(world.db, lab31).status == "open"

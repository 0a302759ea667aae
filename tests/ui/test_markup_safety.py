"""Text people type is shown as typed on every main screen: a citizen named ``Markup [/bold] Testesen`` once
crashed the counter right after log-in (Rich markup error), and a note ``[b]x[/b]`` was shown as a bold «x»."""

from __future__ import annotations

from datetime import date, datetime

from textual.widgets import DataTable
from textual.widgets._data_table import default_cell_formatter

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.follow_ups import (
    add_manual_follow_up,
    validate_follow_up,
)
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.sync.engine import sync
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen
from aaben_raadgivning.ui.screens.sync_conflicts import SyncScreen
from aaben_raadgivning.ui.screens.walk_in_dialogs import FinishWalkInDialog
from support.agreements import make_agreement, make_company
from support.keys import TEST_OFFICE_KEY, open_database
from support.pilot import login, screen_text, type_text, wait_for_text
from support.settings import changed

SIZE = (100, 30)
NAME = "Markup [/bold] Testesen"
NOTE = "[b]x[/b]"


def notified(app) -> str:
    return "\n".join(n.message for n in app._notifications)


def cell_text(app, table_id: str, row: int, column: int) -> str:
    """A DataTable cell's whole text as the table renders it (a str cell is read as markup)."""
    cell = app.screen.query_one(table_id, DataTable).get_row_at(row)[column]
    return default_cell_formatter(cell).plain


def _citizen(world) -> Citizen:
    return create_citizen(world.db, world.jk.id, name=NAME)


async def test_counter_shows_names_and_notes_as_typed(world):
    citizen = _citizen(world)
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    register_walk_in(world.db, world.jk.id, reason="post", note=NOTE)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert isinstance(app.screen, CounterScreen)
        text = screen_text(app)
        assert NAME[:22] in text and f"Anonym: {NOTE}" in text  # the column cuts the name at 22 characters
        assert [cell_text(app, "#queue", row, 2) for row in (0, 1)] == [NAME, f"Anonym: {NOTE}"]
        await type_text(pilot, "Markup")  # the search's list of matches
        await wait_for_text(pilot, f"{NAME}")
        await pilot.press("escape")
        await pilot.press("ctrl+t")  # take the first waiting: the citizen
        await pilot.pause()
        assert f"Du hjælper nu {NAME}" in notified(app)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, FinishWalkInDialog)
        assert f"Afslut henvendelse · {NAME}" in screen_text(app)


async def test_citizen_screen_shows_the_name_and_the_timeline_as_typed(world):
    citizen = _citizen(world)
    add_event(world.db, world.jk.id, citizen.id, kind="note", summary=NOTE, details=f"{NOTE} [/i] detaljer",
              occurred_at=datetime(2026, 11, 20, 10, 0))  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.open_citizen(citizen.id)
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        text = screen_text(app)
        assert NAME in text and NOTE in text
        await pilot.press("enter")  # the event's details
        await pilot.pause()
        assert f"{NOTE} [/i] detaljer" in screen_text(app)


async def test_agreements_show_company_citizen_and_tasks_as_typed(world):
    citizen = _citizen(world)
    company, _contact = make_company(world.db, name=f"{NOTE} ApS")
    agreement = make_agreement(world.db, citizen.id, company, tasks=f"Opfyldning {NOTE}")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.open_agreement(agreement.id)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        text = screen_text(app)
        assert NAME in text and f"{NOTE} ApS" in text and f"Opfyldning {NOTE}" in text
        await pilot.press("escape")
        await pilot.pause()
        text = screen_text(app)
        assert f"{NOTE} ApS" in text and NAME in text  # the company and its agreements


async def test_follow_up_queue_shows_name_and_reason_as_typed(world):
    citizen = _citizen(world)
    create_staff(world.db, initials="BB", name="Bo [/b] Berg", role="jobformidler", password="hemmelig1")
    request = validate_follow_up("26.11.2026", world.jk.id, f"Ring om {NOTE}", date(2026, 11, 24),
                                 world.runtime.calendar)  # fmt: skip
    add_manual_follow_up(world.db, world.jk.id, citizen.id, request)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, FollowUpQueueScreen)
        text = await wait_for_text(pilot, NAME)
        assert f"Ring om {NOTE}" in text
        await pilot.press("g")  # give the task to a colleague: the staff list holds names as typed
        await pilot.pause()
        await pilot.click("#assignee")
        await pilot.pause()
        assert "Bo [/b] Berg" in screen_text(app)


async def test_sync_conflicts_show_both_values_as_typed(world, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    world.runtime.settings = changed(world.runtime.settings, sync_share=str(share), device_name="skranken")
    citizen = _citizen(world)
    sync(world.db, share, device_name="skranken")
    other = open_database(tmp_path / "other" / "db.sqlite3", tmp_path / "other" / "backups")
    sync(other, share, device_name="beboerhuset")
    for db, area in ((world.db, f"Nord {NOTE}"), (other, "Syd [/]")):
        with db.transaction() as tx:
            tx.update(tx.session.get(Citizen, citizen.id), housing_area=area)
    sync(other, share, device_name="beboerhuset")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)
        text = screen_text(app)
        assert "Borger: Markup [/bold]" in text and cell_text(app, "#conflicts", 0, 0) == f"Borger: {NAME}"
        assert f"Nord {NOTE}" in text and "Syd [/]" in text  # in the table and side by side below it
    other.close()

"""Pilot tests of the walk-in counter: each flow asserted on the screen and in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.widgets import DataTable, Input

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import (
    AuditEntry,
    Citizen,
    Event,
    FollowUpTask,
    WalkIn,
)
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.new_citizen import NewCitizenDialog
from support.pilot import login, run_from_palette, screen_text, type_text

SIZE = (80, 24)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def queue_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#queue", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_known_citizen_is_registered_in_few_keystrokes(world):
    create_citizen(world.db, world.jk.id, name="Jens Østergaard", cpr="010190-1234")
    create_citizen(world.db, world.jk.id, name="Mette Jensen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert isinstance(app.screen, CounterScreen)
        await type_text(pilot, "oster")  # the first letters of the name, no ø needed
        await pilot.pause()
        assert "Jens Østergaard" in screen_text(app)
        await pilot.press("enter", "2")  # pick the match, pick reason 2: 2 keystrokes
        await pilot.pause()
        assert queue_rows(app)[0][2:5] == [
            "Jens Østergaard",
            "Brev og e-Boks",
            "Venter",
        ]  # the short label (reference.toml)
        assert app.screen.query_one("#search-input", Input).value == ""
    with world.db.session() as session:
        walk_in = session.scalars(select(WalkIn)).one()
        assert walk_in.reason == "post"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == walk_in.id)).one()
        assert "oster" in audit.detail


async def test_take_and_finish_with_follow_up(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    world.clock.advance(minutes=7)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert queue_rows(app)[0][1] == "7 min"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert queue_rows(app)[0][4] == "JK hjælper"
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_text(pilot, "CV opdateret")
        await pilot.click("#with-follow-up")
        await pilot.pause()
        await type_text(pilot, "fredag")
        await pilot.click("#follow-up-reason")
        await type_text(pilot, "Ring om ansøgning")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        assert queue_rows(app)[0][4].startswith("✓ JK")
    with world.db.session() as session:
        event = session.scalars(select(Event)).one()
        assert event.summary == "Jobsøgning og CV: CV opdateret"
        task = session.scalars(select(FollowUpTask)).one()
        assert (task.reason, task.assignee_id, task.due_date.isoformat()) == (
            "Ring om ansøgning",
            world.jk.id,
            "2026-11-27",
        )


async def test_invalid_follow_up_date_shows_danish_message_and_writes_nothing(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    register_walk_in(world.db, world.jk.id, reason="akut", citizen_id=citizen.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_text(pilot, "Talt om husleje")
        await pilot.click("#with-follow-up")
        await pilot.pause()
        await type_text(pilot, "31.02")
        await pilot.click("#follow-up-reason")
        await type_text(pilot, "Ring")
        await pilot.press("enter")
        await pilot.pause()
        assert "er ikke en gyldig dato" in screen_text(app)
        assert app.screen.__class__.__name__ == "FinishWalkInDialog"  # still open, nothing lost
    assert count(world.db, Event) == 0
    assert count(world.db, FollowUpTask) == 0


async def test_new_citizen_with_duplicate_warning(world):
    create_citizen(world.db, world.jk.id, name="Jens Hansen", cpr="010190-1234")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_text(pilot, "0101901234")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, NewCitizenDialog)
        assert app.screen.query_one("#cpr", Input).value == "0101901234"  # what was typed is carried over
        await pilot.click("#name")
        await type_text(pilot, "Jens Peter Hansen")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Borgeren findes måske allerede" in text and "samme CPR-nummer" in text
        assert count(world.db, Citizen) == 1
        await pilot.press("ctrl+s")  # create anyway
        await pilot.pause()
        await pilot.press("1")  # reason
        await pilot.pause()
        assert queue_rows(app)[0][2] == "Jens Peter Hansen"
    assert count(world.db, Citizen) == 2


async def test_new_citizen_duplicate_can_pick_existing(world):
    existing = create_citizen(world.db, world.jk.id, name="Jens Hansen", phone="20304050")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "J Hansen")
        await pilot.click("#phone")
        await type_text(pilot, "20 30 40 50")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # the highlighted existing citizen
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert queue_rows(app)[0][2] == "Jens Hansen"
    assert count(world.db, Citizen) == 1
    with world.db.session() as session:
        assert session.scalars(select(WalkIn)).one().citizen_id == existing.id


async def test_invalid_cpr_shows_message_and_writes_nothing(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "Hans Ibsen")
        await pilot.click("#cpr")
        await type_text(pilot, "310290-1234")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "ikke en gyldig dato" in screen_text(app)
        assert isinstance(app.screen, NewCitizenDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
    assert count(world.db, Citizen) == 0
    assert count(world.db, WalkIn) == 0


async def test_anonymous_walk_in_then_link_to_citizen(world):
    create_citizen(world.db, world.jk.id, name="Fatima Ali")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.click("#note")
        await type_text(pilot, "Kvinde med brev")
        await pilot.press("enter")  # no reason chosen yet
        await pilot.pause()
        assert "Vælg en årsag" in screen_text(app)
        assert count(world.db, WalkIn) == 0
        await pilot.click("#reason")
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert queue_rows(app)[0][2] == "Anonym: Kvinde med brev"
        table = app.screen.query_one("#queue", DataTable)
        table.focus()
        await pilot.press("ctrl+k")
        await pilot.pause()
        await type_text(pilot, "fatima")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert queue_rows(app)[0][2] == "Fatima Ali"
    with world.db.session() as session:
        walk_in = session.scalars(select(WalkIn)).one()
        assert walk_in.citizen_id is None and walk_in.note == "Kvinde med brev"  # append-only: arrival unchanged


async def test_counter_shows_open_status_and_todays_figures(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ib Madsen")
    for reason in ("post", "post", "job"):
        register_walk_in(world.db, world.jk.id, reason=reason, citizen_id=citizen.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        text = screen_text(app)
        assert "Lukket · åbner 13.00" in text  # Tuesday 10.15; open 13.00–16.00 by default settings
        assert "I dag: 3 henvendelser · 3 venter" in text
        assert "Brev og e-Boks 2" in text


async def test_every_counter_action_is_in_the_danish_command_palette(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await run_from_palette(pilot, "Anonym")
        assert app.screen.__class__.__name__ == "AnonymousWalkInDialog"
        await pilot.press("escape")
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in (
            "Ny borger",
            "Anonym",
            "Tag næste",
            "Afslut henv.",
            "Knyt",
            "Gik",
            "Åben rådgivning",
            "Afslut programmet",
        ):
            assert title in titles


async def test_search_asks_for_more_letters_when_there_are_more_matches(world):
    for first in ("Anna", "Bo", "Carl", "Dorte", "Eva", "Finn", "Gitte", "Hans", "Ib"):
        create_citizen(world.db, world.jk.id, name=f"{first} Hansen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await type_text(pilot, "hansen")
        await pilot.pause()
        assert "Der er flere træf" in screen_text(app)
        await type_text(pilot, " ib")
        await pilot.pause()
        text = screen_text(app)
        assert "Ib Hansen" in text and "Der er flere træf" not in text


async def test_ctrl_t_takes_the_one_who_has_waited_longest_whatever_row_is_highlighted(world):
    first = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    second = create_citizen(world.db, world.jk.id, name="Bo Larsen")
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=first.id)
    world.clock.advance(minutes=5)
    register_walk_in(world.db, world.jk.id, reason="post", citizen_id=second.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        table = app.screen.query_one("#queue", DataTable)
        table.focus()
        table.move_cursor(row=1)  # Bo Larsen, who came last, is highlighted
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        rows = {row[2]: row[4] for row in queue_rows(app)}
        assert rows == {"Amina Hussein": "JK hjælper", "Bo Larsen": "Venter"}


async def test_ctrl_g_asks_before_the_walk_in_is_marked_as_gone(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    register_walk_in(world.db, world.jk.id, reason="akut", citizen_id=citizen.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        app.screen.query_one("#queue", DataTable).focus()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Gik Ole Berg uden hjælp?" in screen_text(app)
        await pilot.press("escape")  # nej
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        assert queue_rows(app)[0][4] == "Venter"
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("j")  # ja
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        assert queue_rows(app)[0][4] == "Gik"


async def test_same_name_without_cpr_warns_and_the_existing_citizen_can_be_chosen(world):
    existing = create_citizen(world.db, world.jk.id, name="Imran Iqbal")
    create_citizen(world.db, world.jk.id, name="Imran Iqbal Khan")  # another name: not listed
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "imran  IQBAL")  # folded as search folds it
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Borgeren findes måske allerede" in text and "Imran Iqbal  (samme navn)" in text
        assert "Imran Iqbal Khan" not in text
        assert count(world.db, Citizen) == 2
        await pilot.press("enter")  # go on with the existing one
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert queue_rows(app)[0][2] == "Imran Iqbal"
    assert count(world.db, Citizen) == 2
    with world.db.session() as session:
        assert session.scalars(select(WalkIn)).one().citizen_id == existing.id


async def test_esc_in_the_duplicate_list_returns_to_the_form_with_its_text(world):
    create_citizen(world.db, world.jk.id, name="Imran Iqbal")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "Imran Iqbal")
        await pilot.click("#phone")
        await type_text(pilot, "20304050")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Borgeren findes måske allerede" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, NewCitizenDialog)  # still the form, nothing typed is lost
        assert "Borgeren findes måske allerede" not in screen_text(app)
        assert app.screen.query_one("#name", Input).value == "Imran Iqbal"
        assert app.screen.query_one("#phone", Input).value == "20304050"
        assert app.screen.query_one("#name", Input).has_focus
        await pilot.press("escape")  # from the form, Esc cancels
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
    assert count(world.db, Citizen) == 1

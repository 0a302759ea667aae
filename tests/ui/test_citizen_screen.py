"""Pilot tests of the citizen screen (F3): each flow asserted on the screen and in the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import Input, Select

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.store.actions.citizen_record import (
    assign_jobformidler,
    record_visitation,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import (
    AuditEntry,
    Citizen,
    Event,
    FollowUpTask,
    SubGoal,
)
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.citizen_dialogs import (
    EventDetailScreen,
    EventDialog,
)
from aaben_raadgivning.ui.widgets.timeline import Timeline
from support.clock import LOCAL_NOW, PASSWORD
from support.pilot import login, screen_text, type_text

SIZE = (80, 24)


def events_of(db, citizen_id: str, kind: str | None = None) -> list[Event]:
    with db.session() as session:
        query = select(Event).where(Event.citizen_id == citizen_id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(session.scalars(query.order_by(Event.occurred_at)))


def citizen_row(db, citizen_id: str) -> Citizen:
    with db.session() as session:
        return session.get(Citizen, citizen_id)


async def open_citizen(pilot, query: str, initials: str = "JK") -> None:
    """Log in, press F3, search and pick the first match."""
    await login(pilot, initials)
    await pilot.press("f3")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def notified(app) -> str:
    """The notifications raised so far (a toast wraps its text on screen)."""
    return "\n".join(notification.message for notification in app._notifications)


def choose(app, selector: str, value) -> None:
    app.screen.query_one(selector, Select).value = value


def at(world, **ago) -> None:
    """Move the fixed clock to LOCAL_NOW minus ``ago`` (events are stamped with it)."""
    world.clock.utc = world.clock.__class__(LOCAL_NOW - timedelta(**ago)).utc


async def test_search_shows_the_record_with_masked_cpr_and_logs_the_lookup(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein", cpr="010190-1234")
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Første samtale")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina")
        assert isinstance(app.screen, CitizenScreen)
        text = screen_text(app)
        assert "Amina Hussein" in text and "010190-xxxx" in text and "010190-1234" not in text
        assert "ikke visiteret endnu" in text
        assert "Første samtale" in text and "24.11.2026" in text and "tir" in text
        assert "Fremmøde 100 %" in text and "Aktive delmål 0" in text
        for key in ("Visitation", "Jobformidler", "Udeblivelse", "Sanktion", "Ret hændelse", "Vurdér delmål"):
            assert key in text  # every action is in the footer
        timeline = app.screen.query_one(Timeline)
        assert timeline.has_focus  # so the letter keys work at once
        await pilot.press("escape")
        assert app.screen.query_one("#search-input", Input).has_focus
        await pilot.press("escape")  # an empty search: back to the timeline
        assert timeline.has_focus
    with world.db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).one()
        assert audit.citizen_id == citizen.id and "amina" in audit.detail


async def test_visitation_into_the_project_shows_the_step_and_criteria(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("v")
        await pilot.pause()
        assert "Visitation · Ole Berg" in screen_text(app)
        await pilot.press("enter")  # the first outcome: into the project
        assert "Borgeren fortsætter i projektet." in screen_text(app)  # what the outcome means
        await pilot.press("tab")
        await type_text(pilot, "Klar")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Trin 1 – Afklaring" in text
        assert "✓ Visiteret til projektet" in text and "✗ CV er ikke færdigt" in text
        assert "Visiteret til projektet. Borgeren" in text  # the timeline's new event
    saved = citizen_row(world.db, citizen.id)
    assert (saved.visitation, saved.step) == ("projekt", "trin1")
    assert [e.details for e in events_of(world.db, citizen.id, "visitation")] == ["Klar"]


async def test_visitation_is_not_offered_to_a_jobformidler_and_the_key_says_why(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole", initials="JF")
        assert app.screen.check_action("visitation", ()) is False  # hidden from the footer
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)  # no dialog
        assert any("Som jobformidler kan du ikke visitere en borger." in n.message for n in app._notifications)
    assert citizen_row(world.db, citizen.id).step is None
    assert events_of(world.db, citizen.id) == []


async def test_plan_is_saved(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("p")
        await pilot.pause()
        assert "som borgeren selv beskriver dem" in screen_text(app)
        await type_text(pilot, "Lagermedarbejder")
        await pilot.press("tab", "enter", "down", "down", "enter")  # CV-status: Færdig
        await pilot.press("tab")
        await type_text(pilot, "Stabil")
        await pilot.press("tab")
        await type_text(pilot, "Ryg")
        await pilot.press("tab", "space")  # the first parallel effort
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Jobmål Lagermedarbejder" in text and "CV Færdig" in text
        assert "Planen er gemt." in notified(app)
    saved = citizen_row(world.db, citizen.id)
    assert (saved.job_goal, saved.cv_status, saved.resources, saved.barriers, saved.parallel_efforts) == (
        "Lagermedarbejder", "faerdig", "Stabil", "Ryg", "gaeldsraadgivning",
    )  # fmt: skip
    assert [e.kind for e in events_of(world.db, citizen.id)] == ["jobmaal", "cv"]


async def test_changing_jobformidler_needs_a_reason_and_shows_the_count(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)  # the first: not a change
    other = create_staff(world.db, initials="MK", name="Mona Kjær", role="jobformidler", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        assert "Jakob Frederiksen (0 skift)" in screen_text(app)
        await pilot.press("j")
        await pilot.pause()
        text = screen_text(app)
        assert "mindsker" in text and "chance for job" in text and "0 skift indtil nu" in text
        choose(app, "#staff", other.id)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Skriv hvorfor jobformidleren skiftes" in screen_text(app)
        assert citizen_row(world.db, citizen.id).jobformidler_id == world.jf.id  # nothing written
        await pilot.click("#reason")
        await type_text(pilot, "Barsel")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Mona Kjær (1 skift)" in screen_text(app)
    assert citizen_row(world.db, citizen.id).jobformidler_id == other.id
    changes = events_of(world.db, citizen.id, "jobformidler")
    assert [e.details for e in changes] == ["", "Barsel"]


async def test_no_show_is_one_key_and_creates_the_follow_up(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.query_one("#what", Input).value == "Samtale"
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Udeblev: Samtale" in text
        assert "Opfølgning oprettet: personlig kontakt senest onsdag 25.11.2026 (JK · Jette Kristensen)" in notified(
            app
        )
        assert "Fremmøde 0 %" in text and "Næste opfølgning 25.11.2026" in text
    assert [e.summary for e in events_of(world.db, citizen.id)] == ["Udeblev: Samtale"]
    with world.db.session() as session:
        task = session.scalars(select(FollowUpTask)).one()
        assert (task.kind, task.due_date.isoformat(), task.citizen_id) == (
            "personlig_kontakt",
            "2026-11-25",
            citizen.id,
        )


async def test_sanction_is_refused_for_a_jobformidler(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole", initials="JF")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)  # the dialog is not offered to a jobformidler
        assert any("Som jobformidler kan du ikke registrere en sanktion." in n.message for n in app._notifications)
    assert events_of(world.db, citizen.id, "sanktion") == []


async def test_sanction_lists_what_is_missing_without_guidance_and_contact(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    record_no_show(world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert "ikke skriftligt vejledt om kravet" in text
        assert "forsøg på personlig kontakt" in text and "udeblivelsen 24.11.2026" in text
        assert "Kun en jobkonsulent" not in text
        assert not app.screen.query("#assessment")  # no form to fill in
    assert events_of(world.db, citizen.id, "sanktion") == []


async def test_sanction_is_registered_once_guidance_and_contact_exist(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    at(world, days=10)
    add_event(world.db, world.jk.id, citizen.id, kind="skriftlig_vejledning", summary="Vejledt om mødepligt")
    at(world, days=5)
    record_no_show(world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar)
    at(world, days=4)
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op, ingen svar")
    at(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("s")
        await pilot.pause()
        assert "Kravene er opfyldt" in screen_text(app)
        await pilot.press("ctrl+s")  # nothing filled in
        await pilot.pause()
        assert "Skriv den konkrete vurdering" in screen_text(app)
        assert events_of(world.db, citizen.id, "sanktion") == []
        choose(app, "#kind", "punktsanktion")
        await pilot.click("#assessment")
        await type_text(pilot, "Kan møde")
        await pilot.click("#grounds")
        await type_text(pilot, "Ingen")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Punktsanktion" in screen_text(app)
    (sanction,) = events_of(world.db, citizen.id, "sanktion")
    assert sanction.details == "Konkret vurdering: Kan møde\n\nRimelige grunde overvejet: Ingen"


async def test_next_step_is_refused_without_a_reason_and_taken_with_one(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("t")
        await pilot.pause()
        text = screen_text(app)
        assert "Mangler:" in text and "✗ CV er ikke færdigt" in text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "kan ikke afsluttes endnu" in screen_text(app)
        assert citizen_row(world.db, citizen.id).step == "trin1"
        await type_text(pilot, "Starter i praktik")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Trin 2 – På vej mod job" in screen_text(app)
    assert citizen_row(world.db, citizen.id).step == "trin2"
    (step,) = events_of(world.db, citizen.id, "trin")
    assert step.details == "Starter i praktik"


async def test_break_off_without_a_company_course_is_refused(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("a")
        await pilot.pause()
        assert "målgruppen for rehabilitering (jobkonsulentens vurdering)" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Skriv hvorfor forløbet er afbrudt." in screen_text(app)
        await type_text(pilot, "Stoppet")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Der er intet virksomhedsforløb at afbryde" in screen_text(app)
    assert citizen_row(world.db, citizen.id).step == "trin1"


async def test_add_an_event_then_correct_it(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("n")
        await pilot.pause()
        choose(app, "#kind", "telefon")
        await pilot.click("#occurred-at")
        await type_text(pilot, "i går 14.30")
        await pilot.press("enter")  # to the summary
        await type_text(pilot, "Praktik i Netto")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Praktik i Netto" in screen_text(app) and "23.11.2026" in screen_text(app)
        (original,) = events_of(world.db, citizen.id)
        assert to_local(original.occurred_at).strftime("%d.%m %H:%M") == "23.11 14:30"
        await pilot.press("enter")  # the whole event
        await pilot.pause()
        assert isinstance(app.screen, EventDetailScreen)
        assert "Registreret 24.11.2026 10.15 af JK · Jette Kristensen" in screen_text(app)
        await pilot.press("r")  # correct it from the detail view
        await pilot.pause()
        assert isinstance(app.screen, EventDialog) and app.screen.query_one("#summary", Input).value == original.summary
        await pilot.press("ctrl+u")  # clear the field (Input: delete to the start)
        await type_text(pilot, "Praktik i Føtex")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Rettelse: Praktik i Føtex" in text and "(rettet) Praktik i Netto" in text
    old, new = events_of(world.db, citizen.id)
    assert (old.id, old.summary) == (original.id, "Praktik i Netto")  # unchanged, still there
    assert (new.corrects_id, new.kind, new.occurred_at) == (old.id, "telefon", old.occurred_at)


async def test_a_correction_with_nothing_changed_is_refused_and_keeps_the_time_to_the_second(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    original = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op",
                         occurred_at=LOCAL_NOW - timedelta(hours=2, seconds=-37))  # 08.15.37  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, EventDialog)
        await pilot.press("ctrl+s")  # nothing changed
        await pilot.pause()
        assert "Intet er ændret." in screen_text(app)
        assert isinstance(app.screen, EventDialog)  # still open
        assert len(events_of(world.db, citizen.id)) == 1
        await pilot.press("end")  # the field comes with its text selected
        await type_text(pilot, ", aftalt møde")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, EventDialog)
    old, new = events_of(world.db, citizen.id)
    assert old.id == original.id and new.summary == "Ringet op, aftalt møde"
    assert new.occurred_at == old.occurred_at and old.occurred_at.second == 37  # the dialog shows minutes only


async def test_bad_date_in_the_event_dialog_writes_nothing(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("n")
        await pilot.pause()
        choose(app, "#kind", "note")
        await pilot.click("#occurred-at")
        await type_text(pilot, "31.02")
        await pilot.click("#summary")
        await type_text(pilot, "Noget")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "«31.02» er ikke en gyldig dato" in screen_text(app)
        assert isinstance(app.screen, EventDialog)  # still open, nothing lost
        await pilot.click("#occurred-at")
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "i morgen")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Tidspunktet ligger i fremtiden" in screen_text(app)
    assert events_of(world.db, citizen.id) == []


async def test_revealing_the_cpr_is_audited(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg", cpr="010190-1234")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        assert "010190-1234" not in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert "CPR 010190-1234" in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert "CPR 010190-1234" not in screen_text(app) and "010190-xxxx" in screen_text(app)
    with world.db.session() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "read")).all()
    assert [(a.citizen_id, a.staff_id, a.detail) for a in reads] == [(citizen.id, world.jk.id, "Fuldt CPR-nummer vist")]


async def test_timeline_loads_a_page_at_a_time(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    for number in range(250):  # number 0 is the newest
        occurred = LOCAL_NOW - timedelta(hours=number + 1)
        add_event(world.db, world.jk.id, citizen.id, kind="note", summary=f"Note {number}", occurred_at=occurred)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        timeline = app.screen.query_one(Timeline)
        assert len(timeline.rows_loaded) == 100
        assert timeline.rows_loaded[0].summary == "Note 0"
        assert "Note 0" in screen_text(app) and "100+ hændelser" in screen_text(app)
        await pilot.press("end")  # to the last loaded row: the next page comes
        await pilot.pause()
        assert len(timeline.rows_loaded) == 200
        timeline.scroll_end(animate=False)  # as with the mouse wheel or the scrollbar
        await pilot.pause()
        assert len(timeline.rows_loaded) == 250 and timeline.exhausted
        assert timeline.row_count == 250
        await pilot.press("end")  # now the true end
        await pilot.pause()
        assert "Note 249" in screen_text(app) and "250 hændelser" in screen_text(app)
        summaries = [row.summary for row in timeline.rows_loaded]
        assert summaries == [f"Note {n}" for n in range(250)]  # newest first, none twice, none missing


async def test_filter_by_kind_and_period(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="telefon",
        summary="Gammelt opkald",
        occurred_at=LOCAL_NOW - timedelta(days=30),
    )
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="telefon",
        summary="Nyt opkald",
        occurred_at=LOCAL_NOW - timedelta(days=1),
    )
    add_event(world.db, world.jk.id, citizen.id, kind="note", summary="En note")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        timeline = app.screen.query_one(Timeline)
        choose(app, "#filter-kind", "telefon")
        await pilot.pause()
        assert [row.summary for row in timeline.rows_loaded] == ["Nyt opkald", "Gammelt opkald"]
        await pilot.click("#filter-from")
        await type_text(pilot, "1.11.2026")
        await pilot.press("enter")
        await pilot.pause()
        assert [row.summary for row in timeline.rows_loaded] == ["Nyt opkald"]
        await pilot.click("#filter-to")
        await type_text(pilot, "30.02")
        await pilot.press("enter")
        await pilot.pause()
        assert "«30.02» er ikke en gyldig dato" in screen_text(app)
        assert [row.summary for row in timeline.rows_loaded] == ["Nyt opkald"]  # the last good filter stays


async def test_slash_searches_the_timeline_text_folded_and_esc_clears_it(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op",
              details="Talte om praktik hos Østergård Bageri", occurred_at=LOCAL_NOW - timedelta(days=3))  # fmt: skip
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale om CV",
              occurred_at=LOCAL_NOW - timedelta(days=2))  # fmt: skip
    add_event(world.db, world.jk.id, citizen.id, kind="note", summary="Bageriet ringede tilbage",
              occurred_at=LOCAL_NOW - timedelta(days=1))  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        timeline = app.screen.query_one(Timeline)
        assert len(timeline.rows_loaded) == 3
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one("#filter-text", Input).has_focus
        await type_text(pilot, "ostergard")  # no ø or å needed: folded as the citizen search folds
        await pilot.pause()
        assert [row.summary for row in timeline.rows_loaded] == ["Ringet op"]  # found in the details
        await pilot.press("ctrl+u")
        await type_text(pilot, "bager")
        await pilot.pause()
        assert [row.summary for row in timeline.rows_loaded] == ["Bageriet ringede tilbage", "Ringet op"]
        await pilot.press("enter")  # to the filtered timeline
        await pilot.pause()
        assert timeline.has_focus and "2 hændelser" in screen_text(app)
        await pilot.press("escape")  # clears the search
        await pilot.pause()
        assert app.screen.query_one("#filter-text", Input).value == ""
        assert len(timeline.rows_loaded) == 3 and timeline.has_focus


async def test_sub_goal_added_then_assessed(world):
    create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("d")
        await pilot.pause()
        await type_text(pilot, "Møde til tiden")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Nyt delmål: Møde til tiden" in text and "Aktive delmål 1" in text
        assert "Første vurdering 05.01.2027" in notified(app)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")  # no score, no note
        await pilot.pause()
        assert "Vælg en vurdering fra 1 til 5." in screen_text(app)
        choose(app, "#score", "5")
        choose(app, "#status", "naaet")
        await pilot.click("#note")
        await type_text(pilot, "Mødt")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Delmål vurderet: 5 – Nået" in text and "Aktive delmål 0" in text
        assert "Delmål vurderet: 5 – Nået · Nået" in notified(app)
    with world.db.session() as session:
        assert session.scalars(select(SubGoal)).one().status == "naaet"


async def test_assess_preselects_the_delmaal_of_the_selected_event(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    add_sub_goal(world.db, world.jk.id, citizen.id, "Første delmål", calendar=world.runtime.calendar)
    world.clock.advance(minutes=1)
    second = add_sub_goal(world.db, world.jk.id, citizen.id, "Andet delmål", calendar=world.runtime.calendar)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "ole")
        await pilot.press("e")  # the cursor is on the newest event: «Nyt delmål: Andet delmål»
        await pilot.pause()
        assert app.screen.query_one("#goal", Select).value == second.id


async def test_counter_opens_the_selected_citizen_on_f3(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Amina Hussein" in screen_text(app)
        await pilot.press("f2", "f3")  # back and forth: the same citizen is shown again
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen) and "Amina Hussein" in screen_text(app)
    with world.db.session() as session:
        lookups = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
        assert [a.citizen_id for a in lookups] == [citizen.id]


async def test_a_citizen_sent_to_the_rehab_route_shows_where_the_case_went_and_its_deadline(world):
    """Issue 17, seeds 000 KE 9 / 003 KE 6: the case is visibly «sent to the rehab route», not just gone."""
    citizen = create_citizen(world.db, world.jk.id, name="Rikke Holm")
    record_visitation(world.db, world.jk.id, citizen.id, "rehab")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await open_citizen(pilot, "rikke")
        text = screen_text(app)
        assert "Spor Sendt til rehabiliteringsteamet 24.11.2026" in text
        assert "Næste opfølgning 08.12.2026" in text  # preparing the case (the rehab plan's first part)

"""Pilot tests of F4 Aftaler: companies, and the agreement editor's create, activate, renegotiate and
break-off flows — each asserted on the screen and in the database."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, RadioSet, Select, TextArea

from aaben_raadgivning.store.actions.agreements import (
    activate_agreement,
    save_agreement,
)
from aaben_raadgivning.store.actions.citizen_record import assign_jobformidler
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    CompanyContact,
    FollowUpTask,
)
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
from aaben_raadgivning.ui.screens.agreements import AgreementsScreen
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from support.agreement_input import agreement_input, make_citizen, make_company
from support.clock import PASSWORD
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (80, 24)


def rows(db, model, *where):
    with db.session() as session:
        return list(session.scalars(select(model).where(*where)))


def notified(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def focus_type(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    for _ in range(40):  # focus lands on a later refresh when the machine is busy
        await pilot.pause()
        if pilot.app.focused is widget:
            break
    assert pilot.app.focused is widget, f"{selector} never got focus"
    if isinstance(widget, Input):
        widget.value = ""
    await type_text(pilot, text)
    await pilot.pause()
    if isinstance(widget, Input):
        assert widget.value == text, (selector, widget.value)


async def open_company(pilot, query: str) -> None:
    await pilot.press("f4")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_create_company_with_a_wrong_cvr_then_right(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, AgreementsScreen)
        assert "Søg efter en virksomhed" in screen_text(app)
        app.screen.query_one("#company-list").focus()  # keys work outside the search field
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "12345678")
        await focus_type(pilot, "#name", "Østergårds Bageri")
        await focus_type(pilot, "#contact-name", "Lise Holm")
        await focus_type(pilot, "#contact-phone", "12 34 56 78")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "kontrolcifferet passer ikke" in screen_text(app)
        assert rows(world.db, Company) == []
        await focus_type(pilot, "#cvr", "DK 10150817")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Østergårds Bageri" in text and "10 15 08 17" in text and "Lise Holm" in text
        assert "Østergårds Bageri er oprettet." in notified(app)
        [company] = rows(world.db, Company)
        assert company.cvr == "10150817"
        assert [c.phone for c in rows(world.db, CompanyContact)] == ["12345678"]


async def test_create_and_activate_an_agreement(world):
    company, contact = make_company(world)
    citizen = make_citizen(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        await open_company(pilot, "øster")
        await pilot.press("a")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, AgreementEditor)
        assert "Ny aftale (gemmes som udkast)" in screen_text(app)
        await type_text(pilot, "amina")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "Borger valgt: Amina Hussein" in notified(app)
        editor.query_one("#course-kind", Select).value = "kombination"
        editor.query_one("#contact", Select).value = contact.id
        await focus_type(pilot, "#tasks", "Opfyldning af brød")
        await focus_type(pilot, "#cell-ordinary-0", "2,5")
        await focus_type(pilot, "#cell-ordinary-2", "2:30")
        await focus_type(pilot, "#cell-praktik-1", "5")
        await focus_type(pilot, "#start-date", "1.12.2026")
        await focus_type(pilot, "#end-date", "26.2.2027")
        text = await wait_for_text(pilot, "Praktik 5 t/uge · 21,7 t/md")  # live totals, kept apart
        assert "Ordinære 5 t/uge · 21,7 t/md" in text
        editor.query_one("#praktik-purpose", Select).value = "traening"  # seed 002: praktik hours need both
        await focus_type(pilot, "#praktik-expectations", "Lære bageriets faste opgaver")
        await pilot.press("ctrl+s")
        await pilot.pause()
        [agreement] = rows(world.db, Agreement)
        assert (agreement.status, agreement.citizen_id, agreement.contact_id) == ("udkast", citizen.id, contact.id)
        assert '"ordinary":[150,0,150,0,0,0,0]' in agreement.schedule
        assert "Aftale · version 1 · Udkast" in screen_text(app)
        assert rows(world.db, FollowUpTask, FollowUpTask.rule == "agreement_plan") == []
        editor.query_one("#editor-body").scroll_end(animate=False)
        await pilot.pause()
        assert "8 opfølgninger: 08.12 · 15.12" in screen_text(app)  # the plan's dates before activation
        await pilot.press("f6")
        await pilot.pause()
        assert "Aftale · version 1 · Aktiv" in screen_text(app)
        assert "Aftalen er sat i gang; 8 opfølgninger" in notified(app)
        assert rows(world.db, Agreement)[0].status == "aktiv"
        tasks = rows(world.db, FollowUpTask, FollowUpTask.rule == "agreement_plan")
        assert len(tasks) == 8 and {t.assignee_id for t in tasks} == {world.jf.id}
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AgreementsScreen)
        text = screen_text(app)
        assert "Amina Hussein" in text and "Aktiv" in text and "Aftaler: 1 aktiv/udkast" in text


async def test_a_failed_save_shows_field_errors_and_writes_nothing(world):
    company, contact = make_company(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        await open_company(pilot, "øster")
        await pilot.press("a")
        await pilot.pause()
        await focus_type(pilot, "#start-date", "1.12.2026")
        await focus_type(pilot, "#end-date", "1.11.2026")
        await focus_type(pilot, "#cell-praktik-0", "25")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Aftalen er ikke gemt" in notified(app)
        app.screen.query_one("#editor-body").scroll_home(animate=False)
        await pilot.pause()
        text = screen_text(app)
        assert "Vælg borgeren." in text and "Vælg forløbstype." in text
        assert rows(world.db, Agreement) == []
        await pilot.press("escape")  # unsaved changes: the first Esc warns
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        assert "Ændringerne er ikke gemt" in notified(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AgreementsScreen)
        assert rows(world.db, Agreement) == []


def active_agreement(world, **changes):
    company, contact = make_company(world)
    citizen = make_citizen(world)
    saved = save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact, **changes),
        calendar=world.runtime.calendar,
    )
    activate_agreement(world.db, world.jf.id, saved.agreement.id, calendar=world.runtime.calendar)
    return saved.agreement, citizen


async def test_renegotiate_shows_the_changes_and_the_trend(world):
    agreement, citizen = active_agreement(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        app.open_agreement(agreement.id)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        assert "Aftale · version 1 · Aktiv" in screen_text(app)
        await pilot.press("f9")
        await pilot.pause()
        assert "Genforhandling · ny version 2" in screen_text(app)
        await focus_type(pilot, "#start-date", "4.1.2027")
        await focus_type(pilot, "#cell-ordinary-0", "4")
        await focus_type(pilot, "#cell-ordinary-2", "4")
        await focus_type(pilot, "#cell-praktik-1", "")
        await focus_type(pilot, "#cell-praktik-3", "")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Ny version 2 er i kraft" in notified(app)
        app.clear_notifications()
        versions = sorted(rows(world.db, Agreement), key=lambda a: a.version)
        assert [(a.version, a.status, a.status_reason) for a in versions] == [
            (1, "afsluttet", "genforhandlet"),
            (2, "aktiv", ""),
        ]
        assert versions[1].previous_id == versions[0].id
        open_tasks = rows(
            world.db, FollowUpTask, FollowUpTask.status == "open", FollowUpTask.deleted_at.is_(None),
            FollowUpTask.rule == "agreement_plan",
        )  # fmt: skip
        assert open_tasks and {t.agreement_id for t in open_tasks} == {versions[1].id}
        app.screen.query_one("#editor-body").scroll_end(animate=False)
        await pilot.pause()
        text = screen_text(app)
        assert "Aftale · version 2 · Aktiv" in text
        assert "Ændret fra version 1 til 2:" in text
        assert "4 t/uge (ma 2 on 2) → 8 t/uge (ma 4 on 4)" in text
        assert "v1 fra 01.12.2026" in text and "v2 fra 04.01.2027" in text


async def test_break_off_back_to_trin_2(world):
    agreement, citizen = active_agreement(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        app.open_agreement(agreement.id)
        await pilot.pause()
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        assert "Afbryd aftale · Amina Hussein · Østergårds Bageri" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Skriv hvorfor forløbet er afbrudt." in screen_text(app)
        await type_text(pilot, "Borgeren blev syg")
        app.screen.query_one("#route", RadioSet).focus()
        await pilot.press("enter")  # the first choice: back to trin 2
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        assert "Aftale · version 1 · Afbrudt (Borgeren blev syg)" in screen_text(app)
        assert "Aftalen er afbrudt." in notified(app)
        [row] = rows(world.db, Agreement)
        assert (row.status, row.status_reason) == ("afbrudt", "Borgeren blev syg")
        assert rows(world.db, Citizen, Citizen.id == citizen.id)[0].step == "trin2"
        assert rows(world.db, FollowUpTask, FollowUpTask.deleted_at.is_(None)) == [] or all(
            t.rule != "agreement_plan" for t in rows(world.db, FollowUpTask, FollowUpTask.deleted_at.is_(None))
        )
        assert TextArea  # imported for the dialog's field type


async def test_arrows_in_the_search_and_contact_persons(world):
    make_company(world)
    make_company(world, cvr="25313763", name="Netto Brønshøj")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("down", "enter")  # the list is sorted by name: Netto, then Østergårds
        await pilot.pause()
        screen = app.screen
        assert screen.detail.company.name == "Østergårds Bageri"
        await pilot.press("k")
        await pilot.pause()
        await type_text(pilot, "Ole Berg")
        await focus_type(pilot, "#contact-email", "ole@bageri")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "«ole@bageri» er ikke en" in screen_text(app)  # the message wraps in the dialog
        await focus_type(pilot, "#contact-email", "ole@bageri.dk")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Kontaktperson Ole Berg er tilføjet." in notified(app)
        assert "Ole Berg" in screen_text(app)
        ole = next(c for c in rows(world.db, CompanyContact) if c.name == "Ole Berg")
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one("#contact", Select).value = ole.id
        await pilot.pause()
        assert app.screen.query_one("#contact-email", Input).value == "ole@bageri.dk"
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Fjern kontaktperson Ole Berg fra Østergårds Bageri?" in screen_text(app)
        await pilot.press("n")  # nej: nothing removed, back in the contact dialog
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ContactDialog"
        assert rows(world.db, CompanyContact, CompanyContact.id == ole.id)[0].deleted_at is None
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("enter")  # ja
        await pilot.pause()
        assert "Kontaktperson Ole Berg er fjernet." in notified(app)
        assert rows(world.db, CompanyContact, CompanyContact.id == ole.id)[0].deleted_at is not None
        app.clear_notifications()
        await pilot.pause()
        assert "Ole Berg" not in screen_text(app)


async def test_a_new_agreement_defaults_to_the_citizens_jobformidler(world):
    make_company(world)
    citizen = make_citizen(world)
    other = create_staff(world.db, initials="MK", name="Mona Kjær", role="jobformidler", password=PASSWORD)
    assign_jobformidler(world.db, world.jk.id, citizen.id, other.id)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")  # another jobformidler writes the agreement
        await open_company(pilot, "øster")
        await pilot.press("a")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, AgreementEditor)
        assert editor.query_one("#jobformidler", Select).value == world.jf.id  # no citizen yet
        await type_text(pilot, "amina")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert editor.query_one("#jobformidler", Select).value == other.id  # the citizen's own

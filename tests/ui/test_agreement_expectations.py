"""Pilot tests of the agreement editor's casework rules (issue 17): an agreement without ordinary hours says
whether and when ordinary hours are expected (seed 000 KE 7), a praktik has a purpose and expectations agreed
with the company (seed 002), and the praktik limit follows the citizen's readiness (LAB § 61). At 80×24."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from textual.widgets import Input, Select, Static, TextArea

from aaben_raadgivning.store.models import Agreement
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
from support.agreement_input import make_citizen, make_company
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (80, 24)


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


async def open_company(pilot, query: str) -> None:
    await pilot.press("f4")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def agreements(db) -> list[Agreement]:
    with db.session() as session:
        return list(session.scalars(select(Agreement)))


async def new_agreement(pilot, citizen_name: str) -> AgreementEditor:
    await open_company(pilot, "øster")
    await pilot.press("a")
    await pilot.pause()
    editor = pilot.app.screen
    assert isinstance(editor, AgreementEditor)
    await type_text(pilot, citizen_name)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    return editor


def error(editor: AgreementEditor, name: str) -> str:
    return str(editor.query_one(f"#error-{name}", Static).render())


async def see(pilot, editor: AgreementEditor, selector: str) -> str:
    editor.query_one("#editor-body").scroll_to_widget(editor.query_one(selector), animate=False)
    await pilot.pause()
    return screen_text(pilot.app)


async def test_seed_000_ke7_and_002_praktik_without_ordinary_hours_needs_the_answers(world):
    """Seed 000 KE 7: no ordinary hours → «Forventes ordinære timer?» and from when; seed 002: the praktik's
    purpose and the expectations agreed with the company. A missing answer is refused in Danish, what was typed
    stays, and the saved agreement holds the values."""
    company, contact = make_company(world)
    make_citizen(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        editor = await new_agreement(pilot, "amina")
        assert not editor.query_one("#ordinary-expected-row").display  # no hours yet: nothing to ask
        assert not editor.query_one("#praktik-terms").display
        editor.query_one("#course-kind", Select).value = "virksomhedspraktik"
        editor.query_one("#contact", Select).value = contact.id
        await focus_type(pilot, "#tasks", "Opfyldning af brød")
        await focus_type(pilot, "#cell-praktik-1", "5")
        await focus_type(pilot, "#start-date", "1.12.2026")
        await focus_type(pilot, "#end-date", "26.2.2027")
        assert editor.query_one("#ordinary-expected-row").display
        assert editor.query_one("#praktik-terms").display
        text = await see(pilot, editor, "#praktik-terms")
        assert "Ingen ordinære timer: forventes de?" in text and "Praktikkens formål" in text
        await focus_type(pilot, "#praktik-expectations", "Faste opgaver om morgenen")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Aftalen er ikke gemt" in notified(app)
        assert agreements(world.db) == []
        assert error(editor, "ordinary_expected") == (
            "Aftalen har ingen ordinære timer: svar på, om der forventes ordinære timer (ja eller nej)."
        )
        assert error(editor, "praktik_purpose") == "Vælg formålet med praktikken (afklaring, træning, rekruttering)."
        assert error(editor, "praktik_expectations") == ""
        text = await see(pilot, editor, "#ordinary-expected-row")
        assert "Aftalen har ingen ordinære timer: svar" in text and "(ja eller nej)." in text  # on screen too
        assert editor.query_one("#praktik-expectations", TextArea).text == "Faste opgaver om morgenen"  # kept
        assert editor.query_one("#tasks", TextArea).text == "Opfyldning af brød"
        editor.query_one("#ordinary-expected", Select).value = "ja"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error(editor, "ordinary_expected_from").startswith("Skriv hvornår der forventes ordinære timer")
        assert error(editor, "ordinary_expected") == ""
        await focus_type(pilot, "#ordinary-expected-from", "marts 2027")
        editor.query_one("#praktik-purpose", Select).value = "afklaring"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [agreement] = agreements(world.db)
        assert (agreement.status, agreement.ordinary_expected, agreement.ordinary_expected_from) == (
            "udkast", True, date(2027, 3, 1),
        )  # fmt: skip
        assert (agreement.praktik_purpose, agreement.praktik_expectations) == (
            "afklaring", "Faste opgaver om morgenen",
        )  # fmt: skip
        assert "Aftale · version 1 · Udkast" in screen_text(app)
        assert app.screen.query_one("#ordinary-expected-from", Input).value == "01.03.2027"  # read back as stored


async def test_lab_61_a_jobparat_citizens_praktik_limit_is_4_weeks(world):
    """LAB § 61: virksomhedspraktik for a jobparat citizen lasts at most 4 weeks, without extension; the editor
    shows it while typing and the save is refused."""
    make_company(world)
    make_citizen(world, readiness="jobparat")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        editor = await new_agreement(pilot, "amina")
        editor.query_one("#course-kind", Select).value = "kombination"
        await focus_type(pilot, "#cell-ordinary-0", "3")
        await focus_type(pilot, "#cell-praktik-1", "5")
        await focus_type(pilot, "#start-date", "1.12.2026")
        await focus_type(pilot, "#end-date", "26.2.2027")
        editor.query_one("#editor-body").scroll_to_widget(editor.query_one("#praktik-warning"), animate=False)
        await wait_for_text(pilot, "for jobparate kan højst vare 4 uger")
        assert not editor.query_one("#ordinary-expected-row").display  # there are ordinary hours
        editor.query_one("#praktik-purpose", Select).value = "rekruttering"
        await focus_type(pilot, "#praktik-expectations", "Ansættelse efter praktikken")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Aftalen er ikke gemt" in notified(app)
        assert agreements(world.db) == []
        await focus_type(pilot, "#end-date", "28.12.2026")  # 4 weeks
        await pilot.press("ctrl+s")
        await pilot.pause()
        [agreement] = agreements(world.db)
        assert agreement.praktik_purpose == "rekruttering" and agreement.ordinary_expected is None
        assert "Praktikken når grænsen på 4 uger for jobparate." in notified(app)

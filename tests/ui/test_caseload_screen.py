"""Pilot tests of «Mine borgere» (F8): open, sort, filter, Enter opens F3, the leder and boligsocial roles,
each asserted on the screen and, for the audited read, in the database."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Checkbox, Input, Select

from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.caseload import CaseloadScreen
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from support.caseload import fill_caseload
from support.clock import PASSWORD
from support.pilot import login, run_from_palette, screen_text, type_text, wait_for_text

SIZE = (80, 24)


def notified(app) -> str:
    return "\n".join(notification.message for notification in app._notifications)


def names(app) -> list[str]:
    return [row.name for row in app.screen.rows if row is not None]


def caseload_reads(db) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry.detail).where(AuditEntry.entity == "caseload")))


async def open_caseload(pilot, initials: str = "JF") -> None:
    await login(pilot, initials)
    await pilot.press("f8")
    await wait_for_text(pilot, "Mine borgere · ")
    await pilot.pause()


async def test_f8_shows_my_caseload_with_marks_and_audits_the_view(world):
    fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_caseload(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        text = screen_text(app)
        assert "Mine borgere · JF · 3 borgere · overskredet 1 · for længe 1 · timer i stå 0" in text
        assert names(app) == ["Amina Hussein", "Mette Jensen", "Ole Berg"]
        assert "!204" in text  # Mette: 204 days in trin 1 (limit 60)
        assert "!23.11" in text  # Ole: the first jobsamtale was due yesterday
        assert "Borger▲" in text  # sorted by name
        assert caseload_reads(world.db) == ["Mine borgere vist: JF · Jakob Frederiksen (3 borgere)"]
        await pilot.press("s")  # next order: step — the same view, not audited again
        await wait_for_text(pilot, "Trin▲")
        assert len(caseload_reads(world.db)) == 1


async def test_sorting_by_key_and_by_clicking_a_header(world):
    fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await open_caseload(pilot)
        await pilot.press("s", "s")  # name → step → days in step
        await wait_for_text(pilot, "Dage▲")
        assert names(app) == ["Mette Jensen", "Amina Hussein", "Ole Berg"]  # most days first
        await pilot.press("r")
        await wait_for_text(pilot, "Dage▼")
        assert names(app) == ["Ole Berg", "Amina Hussein", "Mette Jensen"]
        await pilot.click("#cl-table", offset=(33, 0))  # the «Trin» header (the name column is 31 wide)
        await wait_for_text(pilot, "Trin▲")
        await pilot.click("#cl-table", offset=(3, 0))  # «Borger»
        await wait_for_text(pilot, "Borger▲")
        await pilot.click("#cl-table", offset=(3, 0))  # again: reversed
        await wait_for_text(pilot, "Borger▼")
        assert names(app) == ["Ole Berg", "Mette Jensen", "Amina Hussein"]


async def test_filters_and_enter_opens_the_citizen_on_f3(world):
    people = fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await open_caseload(pilot)
        await pilot.press("k")  # kun markerede
        await wait_for_text(pilot, "2 af 3 borgere")
        assert app.screen.query_one("#cl-flagged", Checkbox).value
        assert names(app) == ["Mette Jensen", "Ole Berg"]
        await pilot.press("slash")
        await type_text(pilot, "jens")
        await wait_for_text(pilot, "1 af 3 borgere")
        assert names(app) == ["Mette Jensen"]
        await pilot.press("enter")  # back to the list
        assert isinstance(app.focused, type(app.screen.table()))
        app.screen.query_one("#cl-flagged", Checkbox).value = False
        app.screen.query_one("#cl-text", Input).value = ""
        app.screen.query_one("#cl-step", Select).value = "trin1"
        await wait_for_text(pilot, "· 3 borgere")
        app.screen.table().move_cursor(row=2)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert app.current_citizen_id == people["ole"].id
        assert "Ole Berg" in screen_text(app)
        with world.db.session() as session:
            lookups = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "search")).all()
        assert "Mine borgere: søgning «åbnet fra skærmen»" in lookups


async def test_the_palette_opens_it(world):
    fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "JF")
        await run_from_palette(pilot, "Mine borgere")
        await wait_for_text(pilot, "Mine borgere · JF")


async def test_a_leder_chooses_the_staff_member(world):
    fill_caseload(world)
    create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await open_caseload(pilot, "LE")
        assert "Vælg en medarbejder." in screen_text(app)
        assert caseload_reads(world.db) == []
        staff = app.screen.query_one("#cl-staff", Select)
        assert staff.display
        staff.value = world.jf.id
        await wait_for_text(pilot, "Mine borgere · JF · 3 borgere")
        assert names(app) == ["Amina Hussein", "Mette Jensen", "Ole Berg"]
        assert caseload_reads(world.db) == ["Mine borgere vist: JF · Jakob Frederiksen (3 borgere)"]


async def test_a_boligsocial_medarbejder_is_told_why_not(world):
    fill_caseload(world)
    create_staff(world.db, initials="BM", name="Bente Madsen", role="boligsocial", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "BM")
        await pilot.press("f8")
        await pilot.pause()
        assert not isinstance(app.screen, CaseloadScreen)
        assert "Som boligsocial medarbejder kan du ikke se borgerens forløb og plan." in notified(app)
        assert caseload_reads(world.db) == []

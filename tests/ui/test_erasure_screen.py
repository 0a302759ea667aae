"""Erasure (GDPR) in the app: from F3 with the typed confirmation (jobkonsulent only), and from the
retention list («Slettefrist»)."""

from __future__ import annotations

from datetime import date

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.erasure import EraseCitizenDialog, RetentionScreen
from support.pilot import login, run_from_palette, screen_text, type_text, wait_for_text

SIZE = (80, 24)


def exists(world, citizen_id: str) -> bool:
    with world.db.session() as session:
        return session.get(Citizen, citizen_id) is not None


async def open_on_f3(pilot, citizen_id: str, initials: str = "JK") -> None:
    """Log in and show the citizen on F3 (as a pick from the search does)."""
    await login(pilot, initials)
    pilot.app.open_citizen(citizen_id, "Borgere")
    await pilot.pause()


async def test_erase_from_f3_needs_the_typed_confirmation(world):
    citizen = create_citizen(world.db, world.jk.id, name="Frida Sletmig", cpr="0101901237")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_on_f3(pilot, citizen.id)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, EraseCitizenDialog)
        await type_text(pilot, "Borgerens anmodning")
        await pilot.press("enter")
        await type_text(pilot, "1238")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EraseCitizenDialog)  # wrong digits: still open, nothing erased
        assert "sidste 4 cifre" in screen_text(app) and exists(world, citizen.id)
        await pilot.click("#confirmation")
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "1237")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not exists(world, citizen.id)
        assert isinstance(app.screen, CitizenScreen)
        await wait_for_text(pilot, "Borgeren er slettet")
        assert app.current_citizen_id is None


async def test_a_jobformidler_is_not_offered_erasure(world):
    citizen = create_citizen(world.db, world.jk.id, name="Frida Sletmig", cpr="0101901237")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_on_f3(pilot, citizen.id, initials="JF")
        assert not app.screen.check_action("erase", ())
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, EraseCitizenDialog) and exists(world, citizen.id)


async def test_the_retention_list_erases_a_case_closed_long_ago(world):
    old = create_citizen(world.db, world.jk.id, name="Gammel Sag", cpr="0202801236")
    create_citizen(world.db, world.jk.id, name="Ny Borger", cpr="0303801235")
    with world.db.transaction() as tx:
        row = tx.session.get(Citizen, old.id)
        tx.update(row, step_model="flere_skal_med", step_model_version=1, step="afsluttet",
                  step_since=date(2020, 3, 1))  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot)
        await run_from_palette(pilot, "Slettefrist")
        assert isinstance(app.screen, RetentionScreen)
        text = screen_text(app)
        assert "Gammel Sag" in text and "01.03.2020" in text and "Ny Borger" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EraseCitizenDialog)
        await type_text(pilot, "Slettefrist udløbet")
        await pilot.press("enter")
        await type_text(pilot, "Gammel Sag")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RetentionScreen)
        assert not exists(world, old.id)
        assert app.screen.rows == [] and "Gammel Sag" not in screen_text(app)  # the list is read again

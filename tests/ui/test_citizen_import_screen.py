"""«Importér borgere» from the command palette: the dry run's report (nothing saved), then the import in a
worker with a progress bar; what landed in the database; a role without ``import_citizens`` is not offered it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.widgets import Input, ProgressBar

from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen_import import CitizenImportDialog
from support.pilot import login, run_from_palette, screen_text, wait_for_text

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "import" / "borgere_eksempel.csv"


def _names(db) -> list[str]:
    with db.session() as session:
        return sorted(session.scalars(select(Citizen.name)))


async def _settled(pilot) -> str:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen_text(pilot.app)


async def test_dry_run_then_import_from_the_palette(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await login(pilot, "JK")
        await run_from_palette(pilot, "Importér borgere")
        dialog = app.screen
        assert isinstance(dialog, CitizenImportDialog)
        assert dialog.query_one("#import-run").disabled  # no import before a dry run
        dialog.query_one("#import-path", Input).value = str(SAMPLE)
        await pilot.pause()
        await pilot.click("#import-dry-run")
        text = await _settled(pilot)
        text = await wait_for_text(pilot, "Prøvekørslen er færdig")
        assert "5 rækker i borgere_eksempel.csv vil give: 5 nye borgere" in text
        assert "linje 2: Aase Østergaard" in text
        assert _names(world.db) == []  # the dry run saved nothing
        assert not dialog.query_one("#import-run").disabled
        await pilot.click("#import-run")
        await _settled(pilot)
        await wait_for_text(pilot, "Importen er færdig")
        assert dialog.query_one("#import-progress", ProgressBar).progress == 100
        assert _names(world.db) == ["Aase Østergaard", "Ayşe Prøve", "Bilal Eksempel", "Dorte Demo", "Erik Fiktiv"]
        assert dialog.query_one("#import-run").disabled  # a second import needs a new dry run
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CitizenImportDialog)
        assert any("5 nye borgere" in n.message for n in app._notifications)


async def test_a_bad_file_is_explained_and_nothing_is_saved(world, tmp_path):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40)) as pilot:
        await login(pilot, "JK")
        await run_from_palette(pilot, "Importér borgere")
        app.screen.query_one("#import-path", Input).value = str(tmp_path / "findes-ikke.csv")
        await pilot.pause()
        await pilot.click("#import-dry-run")
        await _settled(pilot)
        text = await wait_for_text(pilot, "findes ikke")
        assert "Intet er importeret" in text
        assert app.screen.query_one("#import-run").disabled


async def test_a_jobformidler_is_not_offered_the_import(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40)) as pilot:
        await login(pilot, "JF")
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Importér borgere" not in commands
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40)) as pilot:
        await login(pilot, "JK")
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Importér borgere" in commands

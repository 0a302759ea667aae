"""The main screens at 80×24 in the light theme (issue 20): the same content as the default theme's snapshots,
in colours that keep 4.5:1 contrast on a light background (tests/ui/test_contrast.py checks the numbers; these
show the result). Update with --snapshot-update."""

from __future__ import annotations

from test_citizen_snapshots import amina, open_amina
from test_counter_snapshots import fill_day
from test_results_snapshots import open_results

from aaben_raadgivning.ui.app import AabenApp
from support.pilot import login, type_text
from support.results import fill_results

SIZE = (80, 24)
LIGHT = "textual-light"


def light_app(world) -> AabenApp:
    app = AabenApp(world.runtime)
    app.theme = LIGHT
    return app


def test_counter_screen_light(world, snap_compare):
    fill_day(world)

    async def run_before(pilot) -> None:
        assert pilot.app.theme == LIGHT
        await login(pilot)
        await type_text(pilot, "jens")
        await pilot.pause()

    assert snap_compare(light_app(world), terminal_size=SIZE, run_before=run_before)


def test_citizen_screen_light(world, snap_compare):
    amina(world)
    assert snap_compare(light_app(world), terminal_size=SIZE, run_before=open_amina)


def test_results_screen_light(world, snap_compare):
    fill_results(world)
    assert snap_compare(light_app(world), terminal_size=SIZE, run_before=open_results)

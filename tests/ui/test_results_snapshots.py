"""Snapshot test of «Resultater» (F6) at 80×24 on the fixed clock's world. Update with --snapshot-update."""

from __future__ import annotations

from aaben_raadgivning.ui.app import AabenApp
from support.pilot import login, wait_for_text
from support.results import fill_results

SIZE = (80, 24)


async def open_results(pilot) -> None:
    """F6 as a leder, once the trend (computed in a worker) is drawn."""
    await login(pilot, "LE")
    await pilot.press("f6")
    await wait_for_text(pilot, "Resultater · oktober 2026")
    await pilot.app.workers.wait_for_complete()
    await wait_for_text(pilot, "Fremmøde · 12 mdr.")
    await pilot.pause()


def test_results_screen(world, snap_compare):
    fill_results(world)
    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=open_results)

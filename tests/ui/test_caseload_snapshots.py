"""Snapshot test of «Mine borgere» (F8) at 80×24. Update with --snapshot-update."""

from __future__ import annotations

from aaben_raadgivning.ui.app import AabenApp
from support.caseload import fill_caseload
from support.pilot import login, wait_for_text

SIZE = (80, 24)


def test_caseload_screen(world, snap_compare):
    fill_caseload(world)

    async def run_before(pilot) -> None:
        await login(pilot, "JF")
        await pilot.press("f8")
        await wait_for_text(pilot, "Mine borgere · ")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)

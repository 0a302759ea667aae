"""Snapshot test of the samtykke dialog (F3, key k) at 80×24. Update with --snapshot-update."""

from __future__ import annotations

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.ui.app import AabenApp
from support.clock import LOCAL_NOW
from support.pilot import login, type_text, wait_for_text

SIZE = (80, 24)
TODAY = LOCAL_NOW.date()


async def open_citizen(pilot, query: str) -> None:
    await login(pilot)
    await pilot.press("f3")
    await pilot.pause()
    await type_text(pilot, query)
    await wait_for_text(pilot, "Åse Hansen")
    await pilot.press("enter")
    await wait_for_text(pilot, "Samtykke: ")


def test_consent_dialog_snapshot(world, snap_compare):
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen")
    register_consent(world.db, world.jf.id, citizen.id, categories=["kontakt", "forloeb"], given_how="mundtligt",
                     given_on=TODAY)  # fmt: skip

    async def run_before(pilot) -> None:
        await open_citizen(pilot, "hansen")
        await pilot.press("k")
        await wait_for_text(pilot, "Forny samtykke")

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)

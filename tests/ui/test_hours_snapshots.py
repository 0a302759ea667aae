"""Snapshot tests of ordinary hours on the citizen screen (F3) at 80×24. Update with --snapshot-update."""

from __future__ import annotations

from datetime import date

from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.ui.app import AabenApp
from support.agreements import add_plan_visit, citizen_with_agreement, make_agreement
from support.pilot import login, type_text

SIZE = (80, 24)


def amina_in_trin3(world) -> None:
    """A citizen in trin 3 with a renegotiated agreement and eight months of hours (praktik apart)."""
    citizen, company, contact, first = citizen_with_agreement(world, start=date(2026, 3, 1), end=date(2026, 8, 31))
    with world.db.transaction() as tx:
        tx.update(tx.session.get(type(first), first.id), status="afsluttet")
        tx.update(
            tx.session.get(Citizen, citizen.id), step_model="flere_skal_med", step_model_version=1, step="trin3",
            step_since=date(2026, 3, 1), visitation="projekt", jobformidler_id=world.jf.id,
        )  # fmt: skip
    second = make_agreement(
        world.db, citizen.id, company, contact, version=2, previous_id=first.id, start=date(2026, 9, 1),
        course_kind="ordinaere_timer", jobformidler_id=world.jf.id,
    )  # fmt: skip
    add_plan_visit(world.db, second, date(2026, 12, 1))
    for month, ordinary, praktik in [
        (3, 240, 2400),
        (4, 480, 2400),
        (5, 600, 2100),
        (6, 720, 1800),
        (7, 900, 1200),
        (8, 1080, 600),
    ]:
        register_hours(world.db, world.jf.id, first.id, date(2026, month, 1), ordinary=ordinary, praktik=praktik)
    register_hours(world.db, world.jf.id, second.id, date(2026, 9, 1), ordinary=1380)
    register_hours(world.db, world.jf.id, second.id, date(2026, 10, 1), ordinary=1650)


async def open_amina(pilot) -> None:
    await login(pilot)
    await pilot.press("f3")
    await type_text(pilot, "amina")
    await pilot.press("enter")
    await pilot.pause()


def test_citizen_screen_with_hours(world, snap_compare):
    amina_in_trin3(world)
    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=open_amina)


def test_agreements_and_hours_overview(world, snap_compare):
    amina_in_trin3(world)

    async def run_before(pilot) -> None:
        await open_amina(pilot)
        await pilot.press("o")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)


def test_hours_dialog(world, snap_compare):
    amina_in_trin3(world)

    async def run_before(pilot) -> None:
        await open_amina(pilot)
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)

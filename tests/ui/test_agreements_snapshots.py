"""Snapshot tests of F4 Aftaler at 80×24: the company page and the agreement editor. Update with
--snapshot-update (and look at the SVG before accepting)."""

from __future__ import annotations

from aaben_raadgivning.store.actions.agreements import (
    activate_agreement,
    renegotiate_agreement,
    save_agreement,
)
from aaben_raadgivning.store.actions.companies import (
    CompanyInput,
    ContactInput,
    create_company,
)
from aaben_raadgivning.ui.app import AabenApp
from support.agreement_input import agreement_input, make_citizen, make_company
from support.pilot import login, type_text

SIZE = (80, 24)


def bakery(world) -> str:
    """A company with two contacts, an active renegotiated agreement and a draft; returns the active id."""
    company, contact = make_company(world)
    create_company(world.db, world.jf.id, CompanyInput(cvr="25313763", name="Netto Brønshøj", industry="Dagligvarer"))
    amina = make_citizen(world)
    omar = make_citizen(world, name="Omar Said", cpr="020290-2345")
    calendar = world.runtime.calendar
    first = save_agreement(
        world.db, world.jf.id, agreement_input(world, amina, company, contact), calendar=calendar
    ).agreement
    activate_agreement(world.db, world.jf.id, first.id, calendar=calendar)
    second = renegotiate_agreement(
        world.db, world.jf.id, first.id,
        agreement_input(world, amina, company, contact, start_date="4.1.2027", end_date="30.6.2027", course_kind="ordinaere_timer",
                        schedule={"ordinary": ["3", "", "3", "", "2"]}),
        calendar=calendar,
    ).agreement  # fmt: skip
    save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, omar, company, contact, tasks="Rengøring", contact_id=None),
        calendar=calendar,
    )
    return second.id


async def open_bakery(pilot) -> None:
    await login(pilot, "JF")
    await pilot.press("f4")
    await type_text(pilot, "øster")
    await pilot.press("enter")
    await pilot.pause()


def test_company_page(world, snap_compare):
    bakery(world)
    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=open_bakery)


def test_agreement_editor(world, snap_compare):
    bakery(world)

    async def run_before(pilot) -> None:
        await open_bakery(pilot)
        await pilot.press("enter")  # the newest agreement first: the active version 2
        await pilot.pause()
        await pilot.pause()
        pilot.app.screen.query_one("#editor-body").scroll_to(y=10, animate=False)
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)


def test_agreement_editor_history(world, snap_compare):
    bakery(world)

    async def run_before(pilot) -> None:
        await open_bakery(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        pilot.app.screen.query_one("#editor-body").scroll_end(animate=False)
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)


def test_company_dialog(world, snap_compare):
    async def run_before(pilot) -> None:
        await login(pilot, "JF")
        await pilot.press("f4")
        await pilot.pause()
        pilot.app.screen.query_one("#company-list").focus()
        await pilot.press("n")
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)
    assert ContactInput  # the dialog's first contact person

"""A boligsocial medarbejder (employed by the housing organisation) on F3: name and contact only, until the
citizen's samtykke names more; decisions are never offered, and a key pressed anyway says why."""

from __future__ import annotations

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.ui.app import AabenApp
from support.clock import LOCAL_NOW, PASSWORD
from support.pilot import login, screen_text, wait_for_text

SIZE = (100, 30)


def _citizen(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein", cpr="0101901237", phone="12345678")
    create_staff(world.db, initials="BM", name="Bente Madsen", role="boligsocial", password=PASSWORD)
    return citizen


async def _f3(pilot, citizen_id: str) -> str:
    await login(pilot, "BM")
    pilot.app.open_citizen(citizen_id, "Borgere")
    await pilot.pause()
    return screen_text(pilot.app)


async def test_without_consent_only_name_and_contact_and_no_decisions(world):
    citizen = _citizen(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        shown = await _f3(pilot, citizen.id)
        assert "Amina Hussein" in shown and "010190-xxxx" in shown
        assert "0101901237" not in shown and "010190-1237" not in shown
        assert "vises kun med borgerens samtykke" in shown
        for action in ("toggle_cpr", "advance", "jobformidler", "visitation", "sanction", "erase"):
            assert not app.screen.check_action(action, ()), action
        await pilot.press("t")  # pressed anyway: refused in Danish, nothing changes
        await wait_for_text(pilot, "Som boligsocial medarbejder kan du ikke flytte")


async def test_with_consent_to_forloeb_the_plan_is_shown(world):
    citizen = _citizen(world)
    register_consent(world.db, world.jk.id, citizen.id, categories=["kontakt", "forloeb"], given_how="skriftligt",
                     given_on=LOCAL_NOW.date())  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        shown = await _f3(pilot, citizen.id)
        assert "vises kun med borgerens samtykke" not in shown
        assert "Trin" in shown and "Samtykke" in shown
        assert not app.screen.check_action("advance", ())  # consent opens reading, never decisions

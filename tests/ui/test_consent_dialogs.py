"""Samtykke on F3 (key k and the command palette): register, then F3 shows it; a refused save keeps what was
typed; renew and withdraw from the same dialog (its look: test_consent_snapshots.py)."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, RadioButton, RadioSet, SelectionList

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.models import Consent, Event
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.consent_dialogs import ConsentDialog, WithdrawConsentDialog
from support.clock import LOCAL_NOW
from support.pilot import login, run_from_palette, screen_text, type_text

SIZE = (80, 24)
TODAY = LOCAL_NOW.date()


async def open_citizen(pilot, query: str) -> None:
    await login(pilot)
    await pilot.press("f3")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_register_consent_then_f3_shows_it(world):
    create_citizen(world.db, world.jk.id, name="Åse Hansen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "åse")
        assert "Intet samtykke" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConsentDialog) and "Nyt samtykke · Åse Hansen" in screen_text(app)
        # Nothing chosen, a date in the future: refused, and what was typed stays.
        given_on = dialog.query_one("#given-on", Input)
        given_on.value = "1.12.2027"
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = {name: str(dialog.query_one(f"#error-{name}").render()) for name in ("categories", "given_on")}
        assert "Vælg mindst én slags oplysninger" in errors["categories"]
        assert "ligger i fremtiden" in errors["given_on"]
        assert isinstance(app.screen, ConsentDialog) and given_on.value == "1.12.2027"
        categories = dialog.query_one("#categories", SelectionList)
        categories.select("forloeb")
        categories.select("aftaler")
        dialog.query_one("#given-how", RadioSet).query(RadioButton).last().value = True
        given_on.value = "i dag"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConsentDialog)
        text = screen_text(app)
        assert "Samtykke: forløb og plan, aftaler og timer · gyldigt til 24.11.2027" in text
        assert "Samtykke registreret" in text  # the timeline event
    with world.db.session() as session:
        consent = session.scalars(select(Consent)).one()
        assert (consent.categories, consent.given_how, consent.given_on) == ("forloeb,aftaler", "mundtligt", TODAY)
        assert session.scalars(select(Event).where(Event.kind == "samtykke")).one().subject_id == consent.id


async def test_renew_and_withdraw_from_the_palette(world):
    citizen = create_citizen(world.db, world.jk.id, name="Bo Berg")
    register_consent(world.db, world.jf.id, citizen.id, categories=["kontakt"], given_how="skriftligt",
                     given_on=TODAY)  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "bo berg")
        assert "Samtykke: kontaktoplysninger · gyldigt til 24.11.2027" in screen_text(app)
        await run_from_palette(pilot, "Samtykke")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConsentDialog) and "Forny samtykke" in screen_text(app)
        assert list(dialog.query_one("#categories", SelectionList).selected) == ["kontakt"]
        dialog.query_one("#valid-until", Input).value = "1.6.2027"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "gyldigt til 01.06.2027" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, WithdrawConsentDialog)
        await type_text(pilot, "Ringede")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = screen_text(app)
        assert "Samtykke trukket tilbage 24.11.2026" in text
        assert not isinstance(app.screen, ConsentDialog | WithdrawConsentDialog)
    with world.db.session() as session:
        assert session.scalars(select(Consent)).one().withdrawn_at is not None

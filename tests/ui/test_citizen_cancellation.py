"""F3: an afbud (the citizen cancelled in advance) is one key, Shift+U, beside the no-show's u (issue 17,
«Fremmøde»). It lands on the timeline and in the fremmøde beside the figure; it is not a no-show: no
follow-up task, no sanction ground. Fits at 80×24."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.models import AuditEntry, Event, FollowUpTask
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from support.clock import PASSWORD
from support.pilot import login, screen_text, type_text

SIZE = (80, 24)


async def _open_citizen(pilot, query: str, initials: str = "JK") -> None:
    await login(pilot, initials)
    await pilot.press("f3")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_afbud_is_shift_u_and_is_recorded_without_a_follow_up(world):
    """Seed 004 (fremmødeprocent): an afbud leaves the denominator — one samtale kept and one afbud is 100 %."""
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open_citizen(pilot, "ole")
        await pilot.press("U")
        await pilot.pause()
        assert "Afbud" in screen_text(app)
        assert "ikke en udeblivelse" in screen_text(app)
        what = app.screen.query_one("#what", Input)
        assert what.value == "Samtale"
        what.value = "Jobsamtale hos Netto"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        text = screen_text(app)
        assert "Afbud: Jobsamtale hos Netto" in text
        assert "Fremmøde 100 % (1 afbud)" in text
        messages = "\n".join(n.message for n in app._notifications)
        assert "Afbud registreret (Jobsamtale hos Netto). Ingen opfølgning." in messages
    with world.db.session() as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.citizen_id == citizen.id))]
        assert sorted(kinds) == ["afbud", "samtale"]
        assert session.scalars(select(FollowUpTask).where(FollowUpTask.citizen_id == citizen.id)).all() == []
        assert session.scalars(select(AuditEntry.detail).where(AuditEntry.detail.like("Afbud registreret%"))).all() == [
            "Afbud registreret: Jobsamtale hos Netto"
        ]


async def test_afbud_key_is_refused_for_boligsocial(world):
    """Only the roles with «record_cancellation» (assets/permissions.toml) are offered the key."""
    create_staff(world.db, initials="BS", name="Bo Social", role="boligsocial", password=PASSWORD)
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open_citizen(pilot, "ole", initials="BS")
        await pilot.press("U")
        await pilot.pause()
        assert not app.screen.query("#what")
    with world.db.session() as session:
        assert session.scalars(select(Event).where(Event.citizen_id == citizen.id, Event.kind == "afbud")).all() == []

"""The idle lock: after ``idle_lock_minutes`` without keys, a lock screen covers everything; the same person
unlocks with the password and finds a half-filled form as it was; a colleague may log in instead only when
no unsaved work would be lost."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import AuditEntry, Citizen
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.citizen_dialogs import EventDialog
from aaben_raadgivning.ui.screens.lock import LockScreen
from support.clock import PASSWORD
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (80, 24)


class IdleClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def flat(text: str) -> str:
    """The screen's text with the dialog's frame and line breaks gone (a message wraps in the box)."""
    return " ".join(text.replace("│", " ").split())


def make_app(world) -> tuple[AabenApp, IdleClock]:
    app = AabenApp(world.runtime)
    clock = IdleClock()
    app.idle_clock = clock
    return app, clock


async def no_wait(_self, _seconds: float) -> None:
    return None


async def go_idle(pilot, clock: IdleClock, minutes: float = 10) -> None:
    clock.now += minutes * 60
    pilot.app.check_idle_lock()
    await pilot.pause()


async def half_filled_event(pilot, world) -> None:
    """F3 on Frida Sletmig, a new event with a summary typed but not saved."""
    await login(pilot)
    with world.db.session() as session:
        (citizen_id,) = session.scalars(select(Citizen.id).where(Citizen.name == "Frida Sletmig"))
    pilot.app.open_citizen(citizen_id, "Borgere")
    await pilot.pause()
    await pilot.press("n")
    await pilot.pause()
    await pilot.click("#summary")
    await type_text(pilot, "Halvt skrevet note")


def audit_actions(world) -> list[str]:
    with world.db.session() as session:
        return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id))]


async def test_the_lock_appears_after_idle_time_and_hides_the_screen(world):
    create_citizen(world.db, world.jk.id, name="Frida Sletmig", cpr="0101901237")
    app, clock = make_app(world)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await half_filled_event(pilot, world)
        await go_idle(pilot, clock, minutes=9)
        assert not isinstance(app.screen, LockScreen)  # not yet (10 minutes by default)
        await pilot.press("left")  # a key: activity
        await go_idle(pilot, clock, minutes=9)
        assert not isinstance(app.screen, LockScreen)
        app.notify("Frida Sletmig er tilføjet køen", title="Kø")  # a notice naming a citizen, before…
        await go_idle(pilot, clock, minutes=10)
        assert isinstance(app.screen, LockScreen)
        app.notify("Synkroniseret med Frida Sletmig", title="Sync")  # …and while locked
        await pilot.pause()
        text = screen_text(app)
        assert "Skærmen er låst" in text and "Jette Kristensen (JK)" in text
        for hidden in ("Frida", "Sletmig", "Halvt skrevet", "Ny hændelse", "Borgere"):
            assert hidden not in text, hidden
        assert "Jette Kristensen (JK) har et ufærdigt skema åbent. Kun JK kan låse op." in flat(text)
        await pilot.press("f3", "f12", "ctrl+p")  # nothing reaches the app under the lock
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and app.staff is not None
    assert "lock" in audit_actions(world)


async def test_unlock_with_the_right_password_keeps_the_half_filled_form(world, monkeypatch):
    create_citizen(world.db, world.jk.id, name="Frida Sletmig", cpr="0101901237")
    monkeypatch.setattr(LockScreen, "_sleep", no_wait)
    app, clock = make_app(world)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await half_filled_event(pilot, world)
        await go_idle(pilot, clock)
        assert isinstance(app.screen, LockScreen)
        await type_text(pilot, "forkert12")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Forkert adgangskode." in screen_text(app)
        assert isinstance(app.screen, LockScreen)
        await pilot.click("#lock-password")
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, EventDialog)
        assert app.screen.query_one("#summary", Input).value == "Halvt skrevet note"
        assert app.staff is not None and app.staff.initials == "JK"
    actions = audit_actions(world)
    assert actions.count("login") == 2 and "login_failed" in actions and "logout" not in actions


async def test_a_colleague_is_refused_while_a_form_is_open(world):
    create_citizen(world.db, world.jk.id, name="Frida Sletmig", cpr="0101901237")
    app, clock = make_app(world)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await half_filled_event(pilot, world)
        await go_idle(pilot, clock)
        lock = app.screen
        assert isinstance(lock, LockScreen) and lock.unsaved
        assert not lock.query("#colleague-initials")  # no colleague log-in is offered
        lock._try("JF", PASSWORD, "#lock-message", "#lock-password", "x")  # and none gets through
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is lock and app.staff.initials == "JK"
        assert "Jette Kristensen (JK) har et ufærdigt skema åbent. Kun JK kan låse op." in flat(screen_text(app))


async def test_a_colleague_logs_in_when_nothing_is_open_and_the_first_is_logged_out(world):
    app, clock = make_app(world)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await pilot.pause()
        await go_idle(pilot, clock)
        assert isinstance(app.screen, LockScreen) and not app.screen.unsaved
        await pilot.click("#colleague-initials")
        await type_text(pilot, "JF")
        await pilot.press("enter")
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.locked and app.staff is not None and app.staff.initials == "JF"
        assert not isinstance(app.screen, CitizenScreen)  # the colleague starts at the counter
        await wait_for_text(pilot, "JK er logget ud")
    actions = audit_actions(world)
    assert "takeover" in actions and "logout" in actions


def test_lock_screen_snapshot(world, snap_compare):
    async def run_before(pilot) -> None:
        pilot.app.idle_clock = IdleClock()
        await login(pilot)
        pilot.app.idle_clock.now += 3600
        pilot.app.check_idle_lock()
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=SIZE, run_before=run_before)

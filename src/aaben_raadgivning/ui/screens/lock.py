"""The idle lock: after ``idle_lock_minutes`` without keys or mouse, this screen covers the whole app.

It is pushed on top of whatever was open (nothing is dismissed), so typed, unsaved work in a dialog or an
editor is still there after unlocking. Its background is opaque: nothing of the screens under it shows.
The person who was logged in unlocks with their password (checked in a worker: the hash takes about half
a second; wrong attempts wait longer each time, as at the log-in). A colleague may log in instead only
when no unsaved work would be lost; that logs the first person out and is audited.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Label, Static

from aaben_raadgivning.security.passwords import login_delay
from aaben_raadgivning.ui.base import AppModalScreen

if TYPE_CHECKING:
    from aaben_raadgivning.store.models import Staff

WRONG = "Forkert adgangskode."
WRONG_COLLEAGUE = "Forkerte initialer eller adgangskode."


def open_work_message(staff: Staff) -> str:
    return f"{staff.name} ({staff.initials}) har et ufærdigt skema åbent. Kun {staff.initials} kan låse op."


class LockScreen(AppModalScreen[None]):
    """``staff``: who is logged in; ``unsaved``: a dialog or editor is open under the lock."""

    AUTO_FOCUS = "#lock-password"
    DEFAULT_CSS = """
    LockScreen { align: center middle; }
    LockScreen #lock-box { width: 60; max-width: 100%; height: auto; border: round $primary; padding: 0 2;
                           background: $surface; }
    LockScreen #lock-title { text-style: bold; color: $fg-accent; }
    LockScreen #lock-message, LockScreen #colleague-message { color: $fg-error; height: auto; }
    LockScreen #colleague { height: auto; margin-top: 1; }
    LockScreen #open-work { color: $fg-warning; height: auto; margin-top: 1; }
    LockScreen Input { background: $boost; }
    """

    def __init__(self, staff: Staff, *, unsaved: bool) -> None:
        super().__init__()
        self.locked_staff = staff
        self.unsaved = unsaved

    def compose(self) -> ComposeResult:
        staff = self.locked_staff
        with Center(), Vertical(id="lock-box"):
            yield Static("Skærmen er låst", id="lock-title")
            yield Static(Text(f"Logget ind: {staff.name} ({staff.initials})"), id="lock-who")
            yield Label(f"Adgangskode for {staff.initials}")
            yield Input(id="lock-password", password=True, compact=True)
            yield Button("Lås op", id="unlock", variant="primary", compact=True)
            yield Static("", id="lock-message")
            if self.unsaved:
                yield Static(Text(open_work_message(staff)), id="open-work")
            else:
                with Vertical(id="colleague"):
                    yield Static(f"Eller log ind som en anden ({staff.initials} bliver logget ud):")
                    yield Label("Initialer")
                    yield Input(id="colleague-initials", max_length=12, compact=True)
                    yield Label("Adgangskode")
                    yield Input(id="colleague-password", password=True, compact=True)
                    yield Button("Log ind", id="colleague-login", compact=True)
                    yield Static("", id="colleague-message")

    def on_mount(self) -> None:
        # Opaque, set inline: the dialogs' see-through background (dialogs.tcss) must never apply here, or the
        # screens under the lock would show through. Textual then does not even render them.
        self.styles.background = self.app.theme_variables.get("background", "black")

    def _set_busy(self, busy: bool) -> None:
        for widget in self.query("Input, Button"):
            widget.disabled = busy

    # --- the same person --------------------------------------------------------------------------

    @on(Input.Submitted, "#lock-password")
    @on(Button.Pressed, "#unlock")
    def _unlock_submitted(self) -> None:
        password = self.query_one("#lock-password", Input).value
        if not password:
            self.query_one("#lock-message", Static).update("Skriv din adgangskode.")
            return
        self._try(self.locked_staff.initials, password, "#lock-message", "#lock-password", WRONG)

    # --- a colleague ------------------------------------------------------------------------------

    @on(Input.Submitted, "#colleague-initials")
    def _to_colleague_password(self) -> None:
        self.query_one("#colleague-password", Input).focus()

    @on(Input.Submitted, "#colleague-password")
    @on(Button.Pressed, "#colleague-login")
    def _colleague_submitted(self) -> None:
        initials = self.query_one("#colleague-initials", Input).value
        password = self.query_one("#colleague-password", Input).value
        if not initials.strip() or not password:
            self.query_one("#colleague-message", Static).update("Skriv initialer og adgangskode.")
            return
        self._try(initials, password, "#colleague-message", "#colleague-password", WRONG_COLLEAGUE)

    @work(exclusive=True, group="unlock")
    async def _try(self, initials: str, password: str, message_id: str, password_id: str, wrong: str) -> None:
        from aaben_raadgivning.store.actions.staff import authenticate, login_failures, normalize_initials

        message = self.query_one(message_id, Static)
        same = normalize_initials(initials) == self.locked_staff.initials
        if not same and self.unsaved:  # (the colleague's fields are not shown then; never let it through)
            message.update(Text(open_work_message(self.locked_staff)))
            return
        self._set_busy(True)
        message.update("Kontrollerer …")
        db = self.db
        staff = await asyncio.to_thread(authenticate, db, initials, password)
        if staff is not None:
            message.update("")
            self._set_busy(False)
            if staff.id == self.locked_staff.id:
                self.app.unlocked(self)
            else:
                self.app.taken_over(self, staff)
            return
        failures = (await asyncio.to_thread(login_failures, db)).count
        delay = login_delay(failures)
        if delay:
            message.update(f"{wrong} Vent {math.ceil(delay):g} sekunder.")
            await self._sleep(delay)
        message.update(wrong)
        self._set_busy(False)
        field = self.query_one(password_id, Input)
        field.value = ""
        field.focus()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

"""The log-in screen: initials and password. A wrong attempt says only that, and each further
wrong attempt waits longer before the next try (slows guessing on a lost laptop). The count is kept
in the database, so closing and reopening the app does not start the wait over."""

from __future__ import annotations

import asyncio
import math

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from aaben_raadgivning.security.passwords import login_delay as failure_delay
from aaben_raadgivning.ui.base import AppScreen

WRONG = "Forkerte initialer eller adgangskode."
DEMO_NOTICE = "DEMODATA · kun til afprøvning og oplæring"


class LoginScreen(AppScreen):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#initials"

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0  # consecutive failures on this laptop, as the database counts them

    def compose(self) -> ComposeResult:
        app = self.app
        with Center(), Vertical(id="login-box"):
            yield Static("Åben Rådgivning", id="login-title")
            yield Static(Text(app.settings.office_name), id="login-office")  # as written in the settings file
            yield Static(DEMO_NOTICE, id="login-demo")  # shown for demo data (see _show_demo)
            yield Label("Initialer")
            yield Input(id="initials", max_length=12, compact=True)
            yield Label("Adgangskode")
            yield Input(id="password", password=True, compact=True)
            yield Button("Log ind", id="login", variant="primary")
            yield Static("", id="login-message")
        yield Footer()

    def on_mount(self) -> None:
        self._show_demo()
        if self.app.runtime_ready.is_set():
            self.refresh_state()

    def _show_demo(self) -> None:
        """Demo data says so before anyone logs in (a demo folder is known as such once it is open)."""
        self.query_one("#login-demo", Static).display = self.app.demo

    def refresh_state(self) -> None:
        """Called by the app when the database has opened (or failed to)."""
        self._show_demo()
        message = self.query_one("#login-message", Static)
        if self.app.runtime_error:
            # plain text: the message names the database's path, and a "[" or "\\" in it would be read as markup
            message.update(Text(self.app.runtime_error + "\nTryk Ctrl+Q for at lukke."))
            self._set_busy(True)
            return
        from aaben_raadgivning.store.actions.staff import count_staff, login_failures

        db = self.db
        if count_staff(db) == 0:
            message.update(
                "Der er ingen medarbejdere endnu. Opret den første med:\n"
                'aaben-raadgivning user add --initials AB --name "Navn" --role jobkonsulent'
            )
            return
        failures = login_failures(db)
        self.failures = failures.count
        remaining = failures.wait(db.now())
        if remaining > 0:  # wrong attempts before the app was closed: their wait is not over
            self._wait_before_next_try(remaining)

    @work(exclusive=True, group="login")
    async def _wait_before_next_try(self, seconds: float) -> None:
        message = self.query_one("#login-message", Static)
        self._set_busy(True)
        message.update(f"{WRONG} Vent {math.ceil(seconds):g} sekunder.")
        await self._sleep(seconds)
        message.update("")
        self._set_busy(False)
        self.query_one("#initials", Input).focus()

    @on(Input.Submitted, "#initials")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        initials = self.query_one("#initials", Input).value
        password = self.query_one("#password", Input).value
        if not initials.strip() or not password:
            self.query_one("#login-message", Static).update("Skriv dine initialer og din adgangskode.")
            return
        self._try_login(initials, password)

    def _set_busy(self, busy: bool) -> None:
        for widget in self.query("Input, Button"):
            widget.disabled = busy

    @work(exclusive=True, group="login")
    async def _try_login(self, initials: str, password: str) -> None:
        from aaben_raadgivning.store.actions.staff import authenticate, login_failures

        message = self.query_one("#login-message", Static)
        self._set_busy(True)
        await self.app.runtime_ready.wait()  # typing usually takes longer than opening the database
        if self.app.runtime_error:
            self.refresh_state()
            return
        db = self.db
        staff = await asyncio.to_thread(authenticate, db, initials, password)
        if staff is not None:
            self.failures = 0
            self.app.logged_in(staff)
            return
        self.failures = (await asyncio.to_thread(login_failures, db)).count
        delay = failure_delay(self.failures)
        if delay:
            message.update(f"{WRONG} Vent {delay:g} sekunder.")
            await self._sleep(delay)
        message.update(WRONG)
        self._set_busy(False)
        password_input = self.query_one("#password", Input)
        password_input.value = ""
        password_input.focus()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

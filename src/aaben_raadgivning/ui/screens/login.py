"""The log-in screen: initials and password. A wrong attempt says only that, and each further
wrong attempt waits longer before the next try (slows guessing on a lost laptop). The count is kept
in the database, so closing and reopening the app does not start the wait over."""

from __future__ import annotations

import asyncio
import math

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Static

from aaben_raadgivning.security.passwords import login_delay as failure_delay
from aaben_raadgivning.ui.base import AppScreen

WRONG = "Forkerte initialer eller adgangskode."
NO_STAFF = "Der er ingen medarbejdere endnu."
CLI_FIRST_USER = 'aaben-raadgivning user add --initials AB --name "Navn" --role jobkonsulent'
DEMO_NOTICE = "DEMODATA · kun til afprøvning og oplæring"


class LoginScreen(AppScreen):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#initials"
    BINDINGS = [
        Binding("ctrl+n", "first_account", "Opret den første medarbejder"),  # only without staff
        # Priority: acted on as the key is read, before the keys after it are handed to a field. Keys typed
        # while the program starts arrive in one chunk; as plain bindings (or the form's own Submitted message)
        # Tab and Enter would move on only after the password had gone into «Initialer».
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
        Binding("enter,ctrl+j", "enter", show=False, priority=True),  # ctrl+j: Enter typed before the start
    ]

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0  # consecutive failures on this laptop, as the database counts them
        self.no_staff = False  # the database has no staff: the first account can be made here
        self._first_account_open = False

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

    def show_demo_setup(self, setup: Widget) -> None:
        """The demo data's progress above the form (the app's first start on demo data), in the place of the
        demo line (the banner says DEMODATA), so the form fits 24 rows; refresh_state shows the line again."""
        self.query_one("#login-demo", Static).display = False
        self.query_one("#login-box").mount(setup, before="#login-demo")

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
            if self.app.demo:  # not expected: the demo data's staff are made before runtime_ready (DemoSetup)
                message.update(f"{NO_STAFF} Opret den første med:\n{CLI_FIRST_USER}")
            elif self.app.settings.sync_share or self.app.settings.sync_server or self.app.joined_office:
                # the office's staff come with a sync
                message.update(
                    f"{NO_STAFF} Hent kontorets medarbejdere fra fællesmappen eller serveren med «aaben-raadgivning "
                    "sync», eller "
                    f"opret den første med:\n{CLI_FIRST_USER}"
                )
            else:  # the office's first laptop: the first account is made here
                self.no_staff = True
                self.refresh_bindings()
                message.update(f"{NO_STAFF} Tryk Ctrl+N for at oprette den første.")
                self.action_first_account()
            return
        self.no_staff = False
        failures = login_failures(db)
        self.failures = failures.count
        remaining = failures.wait(db.now())
        if remaining > 0:  # wrong attempts before the app was closed: their wait is not over
            self._wait_before_next_try(remaining)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "first_account":
            return self.no_staff
        return True

    def action_first_account(self) -> None:
        """The office's first account (ui/screens/account_dialogs.py); made, the person is logged in."""
        from aaben_raadgivning.ui.screens.account_dialogs import FirstAccount, FirstAccountDialog

        if not self.no_staff or self._first_account_open:
            return

        def made(account: FirstAccount | None) -> None:
            self._first_account_open = False
            if account is None:
                return
            self.no_staff = False
            self.refresh_bindings()
            self.query_one("#initials", Input).value = account.initials
            self._try_login(account.initials, account.password)

        self._first_account_open = True
        self.app.push_screen(FirstAccountDialog(), made)

    @work(exclusive=True, group="login")
    async def _wait_before_next_try(self, seconds: float) -> None:
        message = self.query_one("#login-message", Static)
        self._set_busy(True)
        message.update(f"{WRONG} Vent {math.ceil(seconds):g} sekunder.")
        await self._sleep(seconds)
        message.update("")
        self._set_busy(False)
        self.query_one("#initials", Input).focus()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_enter(self) -> None:
        """Enter in «Initialer» goes on to the password; in the password (or on the button) it logs in."""
        focused = self.focused
        if focused is not None and focused.id == "initials":
            self.query_one("#password", Input).focus()
        elif focused is not None and focused.id in ("password", "login"):
            # In the field's own queue: after the keys typed before Enter, which it may not have handled yet.
            focused.call_later(self._submit)

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
        if not self.app.runtime_ready.is_set() and self.app.demo:
            message.update("Du logges ind, når demodata er klar …")
        await self.app.runtime_ready.wait()  # typing usually takes longer than opening the database
        message.update("")
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

"""Accounts: the logged-in person changes the password (command palette: «Skift adgangskode»); the office's
first account is made on the log-in screen of a database without staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from aaben_raadgivning.store.actions.staff import change_own_password, create_staff, first_account_role
from aaben_raadgivning.ui.widgets.form import Field, attempt_action
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog


class ChangePasswordDialog(FormDialog[str]):
    """Current password, the new one twice. On success the dialog closes with the staff id."""

    def compose(self) -> ComposeResult:
        staff = self.staff
        with Vertical(classes="dialog"):
            yield Static(f"Skift adgangskode · {staff.initials} ({staff.name})", classes="dialog-title", markup=False)
            yield Static(
                "Den nye adgangskode gælder på de andre computere, når de har synkroniseret.", classes="dialog-hint"
            )
            yield Field("Nuværende adgangskode", Input(id="current", password=True, compact=True), "current")
            yield Field("Ny adgangskode", Input(id="new", password=True, compact=True), "password")
            yield Field("Gentag den nye", Input(id="repeat", password=True, compact=True), "repeat")
            yield Static("", id="form-error")
            yield from self.buttons("Skift")

    def on_mount(self) -> None:
        self.query_one("#current", Input).focus()

    @on(Input.Submitted, "#current")
    @on(Input.Submitted, "#new")
    def _next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#repeat")
    def action_save(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value for name in ("current", "new", "repeat")}
        if self.attempt(change_own_password, **values) is FAILED:
            # never leave a typed password standing in a refused form
            for name in ("current", "new", "repeat"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#current", Input).focus()
            return
        self.dismiss(self.staff_id)


@dataclass(frozen=True)
class FirstAccount:
    """The first account just made: what the log-in screen logs in with."""

    initials: str
    password: str = field(repr=False)  # never in a log line or a traceback


class FirstAccountDialog(FormDialog[FirstAccount]):
    """The office's first account, offered on the log-in screen when the database has no staff (and no office
    share to fetch them from): a jobkonsulent, the authority, as the command line's «user add» makes it
    (store.actions.staff.create_staff, ``first=True``). On success the dialog closes and the person is logged in."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Der er ingen medarbejdere endnu · opret den første", classes="dialog-title")
            yield Static(
                "Den første medarbejder er jobkonsulent (myndigheden) og kan bagefter oprette de andre "
                "(aaben-raadgivning user add).",
                classes="dialog-hint",
            )
            yield Field("Initialer", Input(id="initials", max_length=12, compact=True), "initials")
            yield Field("Fulde navn", Input(id="name", compact=True), "name")
            yield Field("Adgangskode", Input(id="password", password=True, compact=True), "password")
            yield Field("Gentag adgangskoden", Input(id="repeat", password=True, compact=True), "repeat")
            yield Static("", id="form-error")
            yield from self.buttons("Opret og log ind")

    def on_mount(self) -> None:
        self.query_one("#initials", Input).focus()

    @on(Input.Submitted, "#initials")
    @on(Input.Submitted, "#name")
    @on(Input.Submitted, "#password")
    def _next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#repeat")
    def action_save(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value for name in ("initials", "name", "password", "repeat")}
        created = attempt_action(self, create_staff, self.db, role=first_account_role(), first=True, **values)
        if created is FAILED:
            for name in ("password", "repeat"):  # never leave a typed password standing in a refused form
                self.query_one(f"#{name}", Input).value = ""
            return
        self.dismiss(FirstAccount(created.initials, values["password"]))

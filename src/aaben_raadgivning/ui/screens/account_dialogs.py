"""The logged-in person's own account: change the password (command palette: «Skift adgangskode»)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from aaben_raadgivning.store.actions.staff import change_own_password
from aaben_raadgivning.ui.widgets.form import Field
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

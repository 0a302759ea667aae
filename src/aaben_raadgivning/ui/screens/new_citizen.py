"""Create a citizen at the counter with minimal data (name; CPR and phone optional).

Likely duplicates (same CPR; same name, with the same birth date or year or none to tell them apart;
same phone; store/queries/duplicates.py) are shown before anything is written: the user picks the
existing citizen, creates a new one anyway, or goes back to the form with Esc.
"""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from aaben_raadgivning.domain.cpr import parse_cpr
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.citizens import (
    DuplicateCitizenWarning,
    PossibleDuplicate,
    create_citizen,
)
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.citizen_search import citizen_label
from aaben_raadgivning.ui.widgets.form import STORAGE_ERRORS, Field, clear_errors, refusal_errors, show_errors


def prefill_from_query(query: str) -> dict[str, str]:
    """Put what was typed in the search field where it belongs."""
    text = query.strip()
    digits = re.sub(r"[\s\-+]", "", text)
    if digits.isdigit() and len(digits) == 10:
        return {"cpr": text}
    if digits.isdigit() and len(digits) >= 8:
        return {"phone": text}
    if text and not digits.isdigit():
        return {"name": text}
    return {}


def duplicate_label(duplicate: PossibleDuplicate) -> str:
    return f"Brug  {citizen_label(duplicate.name, duplicate.cpr, duplicate.phone)}  ({duplicate.reason})"


class NewCitizenDialog(AppModalScreen[str | None]):
    """Returns the id of the created (or chosen existing) citizen, or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Fortryd"),
        Binding("ctrl+s", "save", "Gem", priority=True),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.prefill = prefill_from_query(query)
        self.duplicates: list[PossibleDuplicate] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Ny borger", classes="dialog-title")
            yield Field("Navn", Input(self.prefill.get("name", ""), id="name", compact=True), "name")
            yield Field(
                "CPR-nummer (valgfrit)",
                Input(self.prefill.get("cpr", ""), id="cpr", placeholder="DDMMÅÅ-SSSS", compact=True),
                "cpr",
            )
            yield Field("Telefon (valgfrit)", Input(self.prefill.get("phone", ""), id="phone", compact=True), "phone")
            yield Static("", id="form-error")
            with Vertical(id="duplicates"):
                yield Static("Borgeren findes måske allerede:", classes="dialog-title")
                yield OptionList(id="duplicate-list", markup=False)  # names as typed
                yield Static(
                    "Vælg den rigtige borger med Enter, tryk Ctrl+S for at oprette en ny alligevel, "
                    "eller Esc for at rette i felterne.",
                    classes="dialog-hint",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fortryd", id="cancel", compact=True)
                yield Button("Opret (Ctrl+S)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        empty = next((name for name in ("name", "cpr", "phone") if not self.prefill.get(name)), "name")
        self.query_one(f"#{empty}", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        order = ["name", "cpr", "phone"]
        current = event.input.id or ""
        if current in order and current != order[-1]:
            self.query_one(f"#{order[order.index(current) + 1]}", Input).focus()
        else:
            self.action_save()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self._create(accept_duplicates=bool(self.duplicates))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Esc: from the «findes måske allerede» list back to the form with what was typed; else cancel."""
        if self.duplicates:
            self._hide_duplicates()
            self.query_one("#name", Input).focus()
            return
        self.dismiss(None)

    def _values(self) -> dict[str, str]:
        return {name: self.query_one(f"#{name}", Input).value for name in ("name", "cpr", "phone")}

    def _create(self, accept_duplicates: bool) -> None:
        app = self.app
        values = self._values()
        try:
            citizen = create_citizen(
                self.db,
                self.staff_id,
                name=values["name"],
                cpr=values["cpr"],
                phone=values["phone"],
                housing_area=app.runtime.settings.housing_area,
                accept_duplicates=accept_duplicates,
            )
        except ValidationError as exc:
            show_errors(self, exc.errors)
            first = next(iter(exc.errors))
            if first in ("name", "cpr", "phone"):
                self.query_one(f"#{first}", Input).focus()
            return
        except DuplicateCitizenWarning as warning:
            clear_errors(self)
            self._show_duplicates(warning.duplicates)
            return
        except STORAGE_ERRORS as exc:
            show_errors(self, refusal_errors(exc))
            return
        if citizen.cpr:
            for message in parse_cpr(citizen.cpr).warnings:
                self.notify(message, title="CPR-advarsel", severity="warning", timeout=8)
        self.dismiss(citizen.id)

    def _show_duplicates(self, duplicates: list[PossibleDuplicate]) -> None:
        self.duplicates = duplicates
        options = self.query_one("#duplicate-list", OptionList)
        options.clear_options()
        options.add_options(Option(duplicate_label(d), id=d.citizen_id) for d in duplicates)
        self.query_one("#duplicates").add_class("-visible")
        self.query_one("#save", Button).label = "Opret alligevel (Ctrl+S)"
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#duplicate-list")
    def _use_existing(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Changed)
    def _input_changed(self) -> None:
        # The duplicate check was for the old values; check again on the next save.
        if self.duplicates:
            self._hide_duplicates()

    def _hide_duplicates(self) -> None:
        self.duplicates = []
        self.query_one("#duplicates").remove_class("-visible")
        self.query_one("#save", Button).label = "Opret (Ctrl+S)"

"""The base of the app's form dialogs: Esc cancels, Ctrl+S (or the button) saves, buttons at the bottom."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button

from aaben_raadgivning.ui.widgets.form import FAILED, attempt_action

__all__ = ["FAILED", "FormDialog"]


class FormDialog(ModalScreen[str | None]):
    """Subclasses compose their fields, call ``buttons()`` last and implement ``action_save``."""

    CSS_PATH = "../screens/dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Fortryd"),
        Binding("ctrl+s", "save", "Gem", priority=True),
    ]

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def attempt(self, action: Callable, *args, **kwargs) -> object:
        """Run a store action as the logged-in staff member; on refusal or a failed save show why and
        return FAILED (the dialog stays open)."""
        app = self.app
        return attempt_action(self, action, app.runtime.db, app.staff.id, *args, **kwargs)

    def buttons(self, save_label: str) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Fortryd", id="cancel", compact=True)
            yield Button(f"{save_label} (Ctrl+S)", id="save", variant="primary", compact=True)

"""The base of the app's form dialogs: Esc cancels, Ctrl+S (or the button) saves, buttons at the bottom."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.ui.widgets.form import show_errors

FAILED = object()  # what ``attempt`` returns when the action was refused (the reasons are on the form)


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
        """Run a store action as the logged-in staff member; on refusal show why and return FAILED."""
        app = self.app
        try:
            return action(app.runtime.db, app.staff.id, *args, **kwargs)
        except ValidationError as exc:
            show_errors(self, exc.errors)
        except NotFoundError as exc:
            show_errors(self, {"general": exc.message})
        return FAILED

    def buttons(self, save_label: str) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Fortryd", id="cancel", compact=True)
            yield Button(f"{save_label} (Ctrl+S)", id="save", variant="primary", compact=True)

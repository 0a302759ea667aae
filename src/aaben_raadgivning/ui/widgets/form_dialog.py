"""The base of the app's form dialogs: Esc cancels, Ctrl+S (or the button) saves, buttons at the bottom.

A dialog's outcome is what it passes to ``dismiss()`` (None when cancelled), typed by ``FormDialog[T]``; the
caller reads nothing else off the dialog object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from textual import on
from textual._path import CSSPathType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button

from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.form import FAILED, Failed, attempt_action

__all__ = ["FAILED", "FormDialog"]

ResultT = TypeVar("ResultT")  # what a saved dialog returns
ActionT = TypeVar("ActionT")  # what a store action returns


class FormDialog(AppModalScreen[ResultT | None]):
    """Subclasses compose their fields, call ``buttons()`` last and implement ``action_save``, which ends in
    ``dismiss(result)``; cancelling dismisses with None."""

    # Typed as Textual's own, so that dialogs may name several style sheets.
    CSS_PATH: ClassVar[CSSPathType | None] = "../screens/dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Fortryd"),
        Binding("ctrl+s", "save", "Gem", priority=True),
    ]

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()  # a dialog that overrides action_cancel (Esc) gets the button too

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def attempt(self, action: Callable[..., ActionT], *args: Any, **kwargs: Any) -> ActionT | Literal[Failed.FAILED]:
        """Run a store action as the logged-in staff member; on refusal or a failed save show why and
        return FAILED (the dialog stays open)."""
        return attempt_action(self, action, self.db, self.staff_id, *args, **kwargs)

    def buttons(self, save_label: str) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Fortryd", id="cancel", compact=True)
            yield Button(f"{save_label} (Ctrl+S)", id="save", variant="primary", compact=True)

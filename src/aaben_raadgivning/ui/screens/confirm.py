"""A small yes/no question before an action that cannot be taken back from the screen.

Enter or «j» answers ja, Esc or «n» answers nej (the buttons do the same for the mouse); the dialog
returns True for ja and False for nej, so the caller acts only on True.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from aaben_raadgivning.ui.base import AppModalScreen


class ConfirmDialog(AppModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("enter,j", "answer(True)", "Ja", priority=True),
        Binding("escape,n", "answer(False)", "Nej", priority=True),
    ]

    def __init__(self, question: str, detail: str = "", *, title: str = "Er du sikker?") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            if self.detail:
                yield Static(self.detail, classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Nej (Esc/n)", id="no", compact=True)
                yield Button("Ja (Enter/j)", id="yes", variant="primary", compact=True)

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False  # Enter always answers ja, whatever was clicked before

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

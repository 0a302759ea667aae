"""Pick the reason for a walk-in: a numbered list, one digit picks (fast at the counter)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from aaben_raadgivning.domain.reference import Term, load_reference
from aaben_raadgivning.ui.base import AppModalScreen


class ReasonPicker(AppModalScreen[str | None]):
    """Returns the chosen reason code, or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "dismiss_none", "Fortryd")]

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who
        self.reasons: tuple[Term, ...] = load_reference().walk_in_reasons.active()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Årsag til henvendelsen · {self.who}", classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(f"{number}  {term.label}", id=term.code) for number, term in enumerate(self.reasons, 1)),
                id="reason-list",
                markup=False,
            )
            yield Static("Tast nummeret, eller vælg med pilene og Enter. Esc fortryder.", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.reasons):
                event.stop()
                self.dismiss(self.reasons[index].code)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

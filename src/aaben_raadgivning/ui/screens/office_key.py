"""The office key at start-up, when this computer has none for the data folder (issue 14).

A folder that was never set up gets ``OfficeKeySetupDialog``: create the office's key (its first
computer; the recovery code is shown once, ``NewOfficeKeyDialog``) or type the recovery code of an office
that has one (``RecoveryCodeDialog``). A folder that was set up but whose key this computer lacks (a new
user account, a lost credential store, a computer without one) gets ``RecoveryCodeDialog`` at once.

Each dialog ends with an ``OfficeKeyChoice`` (None when cancelled); the app keeps the key and opens the
database with it (ui/app.py). Nothing here stores anything, and the recovery code is never logged or
notified: it is shown on the screen once, and typed text stays in its input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from aaben_raadgivning.security.key_store import OfficeRecord, WrongOfficeKey, check_key
from aaben_raadgivning.security.office_key import OfficeKey, RecoveryCodeError
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.form import Field, show_errors

GROUPS_PER_ROW = 4
CODE_HINT = "55 tegn i 11 grupper. Mellemrum, bindestreger og små bogstaver er ligegyldige."
DEMO_REFUSED = (
    "Det er demo-nøglens kode; den kan ikke bruges til rigtige sager. Brug kontorets egen gendannelseskode "
    "(start med --demo for at prøve programmet med demodata)."
)

OFFICE_KEY_CSS = """
#office-key-choices { height: auto; }
#office-key-choices Button { width: 100%; margin-top: 1; }
#office-key-choices .dialog-hint { margin-left: 2; }
#recovery-code {
    border: heavy $warning; padding: 1 2; margin: 1 0; width: 100%;
    text-style: bold; content-align: center middle; text-align: left;
}
#shown-once { text-style: bold; color: $fg-warning; }
#code-written { margin-left: 2; }
"""


@dataclass(frozen=True)
class OfficeKeyChoice:
    """What the user chose: the key, and whether it was created just now (its record and credential store
    entry are then written before the database is opened, as ``office init`` does)."""

    key: OfficeKey = field(repr=False)
    created: bool = False


def code_rows(code: str) -> str:
    """The recovery code as it is shown to be written down: groups of five, four groups a row."""
    groups = code.split("-")
    rows = ["   ".join(groups[i : i + GROUPS_PER_ROW]) for i in range(0, len(groups), GROUPS_PER_ROW)]
    return "\n".join(rows)


class OfficeKeySetupDialog(AppModalScreen[OfficeKeyChoice | None]):
    """A folder never set up for an office: create the office's key, or type an existing office's code."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = OFFICE_KEY_CSS
    BINDINGS = [Binding("escape", "cancel", "Fortryd")]
    AUTO_FOCUS = "#create"

    def __init__(self, data_dir: Path, *, can_create: bool = True) -> None:
        """``can_create`` is False where the folder already holds an encrypted database (a new key could
        never open it): then only the recovery code is offered."""
        super().__init__()
        self.data_dir = data_dir
        self.can_create = can_create

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Kontorets nøgle", classes="dialog-title")
            yield Static(
                "Databasen på denne computer krypteres med kontorets nøgle, og computeren har ikke nøglen endnu.",
                classes="dialog-hint",
            )
            yield Static(Text(f"Datamappe: {self.data_dir}"), classes="dialog-hint")
            with Vertical(id="office-key-choices"):
                yield Button("Opret kontorets nøgle", id="create", variant="primary", compact=True,
                             disabled=not self.can_create)  # fmt: skip
                if self.can_create:
                    hint = "Kontorets første computer: en ny nøgle oprettes, og dens gendannelseskode vises én gang."
                else:
                    hint = ("Der ligger allerede en krypteret database i mappen; en ny nøgle kan ikke åbne den. "
                            "Skriv kontorets gendannelseskode.")  # fmt: skip
                yield Static(hint, classes="dialog-hint")
                yield Button("Skriv gendannelseskoden", id="enter-code", compact=True)
                yield Static("Kontoret har allerede en nøgle: skriv koden fra papiret ind.", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fortryd (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        if not self.can_create:
            self.query_one("#enter-code", Button).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        key = OfficeKey.generate()  # kept only once its code is written down; Esc there throws it away

        def confirmed(written: bool | None) -> None:
            if written:
                self.dismiss(OfficeKeyChoice(key, created=True))

        self.app.push_screen(NewOfficeKeyDialog(key), confirmed)

    @on(Button.Pressed, "#enter-code")
    def _enter_code(self) -> None:
        def entered(choice: OfficeKeyChoice | None) -> None:
            if choice is not None:
                self.dismiss(choice)

        self.app.push_screen(RecoveryCodeDialog(self.data_dir, None, cancel_label="Tilbage"), entered)


class NewOfficeKeyDialog(AppModalScreen[bool]):
    """The new key's recovery code, shown this once; closes with True when the user says it is written down,
    False to go back (the key is then thrown away, nothing is stored)."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = OFFICE_KEY_CSS
    BINDINGS = [Binding("escape", "back", "Tilbage")]
    AUTO_FOCUS = "#back"  # Enter must not confirm by accident: the confirming button is chosen on purpose

    def __init__(self, key: OfficeKey) -> None:
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Kontorets gendannelseskode", classes="dialog-title")
            yield Static(code_rows(self.key.recovery_code), id="recovery-code", markup=False)
            yield Static("Den vises kun én gang.", id="shown-once")
            yield Static(
                "Skriv koden ned på papir, tydeligt og tegn for tegn, og lås papiret inde. Koden skal bruges, "
                "når en ny computer sættes op, og hvis denne computers nøgle går tabt. Uden koden kan kontorets "
                "data ikke læses – heller ikke af support."
            )
            yield Static(
                f"Tegnene er 0–9 og A–Z uden I, L, O og U (0 er et nul). Nøglens kendetegn (ikke hemmeligt): "
                f"{self.key.key_id}",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Tilbage (Esc)", id="back", compact=True)
                yield Button("Jeg har skrevet koden ned", id="code-written", variant="warning", compact=True)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#code-written")
    def _written(self) -> None:
        self.dismiss(True)


class RecoveryCodeDialog(AppModalScreen[OfficeKeyChoice | None]):
    """Type the office's recovery code. A code that cannot be right, or one of another office, is refused
    on the dialog's error line and the typed text stays for correcting."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = OFFICE_KEY_CSS
    BINDINGS = [
        Binding("escape", "cancel", "Fortryd"),
        Binding("ctrl+s", "use_code", "Brug koden", priority=True),
    ]
    AUTO_FOCUS = "#code"

    def __init__(self, data_dir: Path, record: OfficeRecord | None, *, cancel_label: str = "Fortryd") -> None:
        super().__init__()
        self.data_dir = data_dir
        self.record = record
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Skriv kontorets gendannelseskode", classes="dialog-title")
            if self.record is not None:
                yield Static(
                    Text(f"Kontornøglen til {self.data_dir} (nøgle {self.record.key_id}) findes ikke på denne "
                         "computer. Koden står på det papir, der blev skrevet, da kontorets nøgle blev oprettet."),
                    classes="dialog-hint",
                )  # fmt: skip
            else:
                yield Static(
                    "Koden står på det papir, der blev skrevet, da kontorets nøgle blev oprettet på kontorets "
                    "første computer.",
                    classes="dialog-hint",
                )
            yield Field("Gendannelseskode", Input(id="code", max_length=120, compact=True), "code")
            yield Static(CODE_HINT, classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.cancel_label} (Esc)", id="cancel", compact=True)
                yield Button("Brug koden (Enter)", id="use-code", variant="primary", compact=True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#use-code")
    def action_use_code(self) -> None:
        text = self.query_one("#code", Input).value
        if not text.strip():
            show_errors(self, {"code": "Skriv gendannelseskoden."})
            return
        try:
            key = OfficeKey.from_recovery_code(text)
            if key.is_demo:
                show_errors(self, {"code": DEMO_REFUSED})
                return
            check_key(self.record, key, self.data_dir)
        except (RecoveryCodeError, WrongOfficeKey) as exc:
            show_errors(self, {"code": exc.message})
            self.query_one("#code", Input).focus()
            return
        self.dismiss(OfficeKeyChoice(key))

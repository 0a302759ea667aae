"""Print «Min plan» for the citizen on the screen (key m on F3): where to save the PDF, and whether an
existing file may be replaced. The print is checked and audited by the store (store/documents/plan.py)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Static

from aaben_raadgivning.store.documents.plan import default_file_name, print_plan
from aaben_raadgivning.ui.screens.agreement_export import default_export_dir
from aaben_raadgivning.ui.widgets.form import Field
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog


class PlanPrintDialog(FormDialog[str]):
    """Returns the Danish notification text (with the path written) on success, None when cancelled."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]

    def __init__(self, citizen_id: str, citizen_name: str, directory: Path | None = None) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.citizen_name = citizen_name
        self.directory = directory

    def compose(self) -> ComposeResult:
        directory = self.directory or default_export_dir(self.app.runtime.paths.data_dir)
        path = directory / default_file_name(self.citizen_name)
        with Vertical(classes="dialog", id="plan-print-dialog"):
            yield Static(f"Udskriv «Min plan» · {self.citizen_name}", classes="dialog-title", markup=False)
            yield Static(
                "Borgerens egen plan i et enkelt sprog: jobmål, delmål, aftale, næste aftaler og kontaktpersoner "
                "(aldrig helbredsoplysninger). Udskriften logges.",
                classes="dialog-hint",
            )
            yield Field("Gem som", Input(str(path), id="path", compact=True), "path")
            yield Checkbox("Erstat filen, hvis den findes", False, id="force", compact=True)
            yield Static("", id="form-error")
            yield from self.buttons("Udskriv")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def action_save(self) -> None:
        path = self.attempt(
            print_plan, self.citizen_id, self.query_one("#path", Input).value,
            force=self.query_one("#force", Checkbox).value,
        )  # fmt: skip
        if path is FAILED:
            return
        self.dismiss(f"Min plan er gemt som PDF: {path}")

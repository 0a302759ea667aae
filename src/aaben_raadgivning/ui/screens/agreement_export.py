"""Export an agreement as a printable document: format (PDF or Markdown), whether to include the health
notes (default no: they are sensitive), and where to save it (default: the user's documents folder, or
the app's data folder when there is none). The export is audited by the store action."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Static

from aaben_raadgivning.store.actions.agreement_export import (
    FORMAT_LABELS,
    FORMATS,
    default_file_name,
    export_agreement,
)
from aaben_raadgivning.store.models import Agreement, Citizen, Company
from aaben_raadgivning.ui.widgets.form import Field
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog

FORMAT_ORDER = ("pdf", "md")


def default_export_dir(data_dir: Path) -> Path:
    """The user's documents folder when it exists, else an «aftaler» folder in the app's data folder."""
    documents = Path(platformdirs.user_documents_dir())
    return documents if documents.is_dir() else data_dir / "aftaler"


class AgreementExportDialog(FormDialog[str]):
    """Returns the Danish notification text (with the path written) on success, None when cancelled."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]

    def __init__(self, agreement_id: str, directory: Path | None = None) -> None:
        super().__init__()
        self.agreement_id = agreement_id
        self.directory = directory

    def compose(self) -> ComposeResult:
        with self.db.session() as session:
            agreement = session.get(Agreement, self.agreement_id)
            citizen = session.get(Citizen, agreement.citizen_id) if agreement else None
            company = session.get(Company, agreement.company_id) if agreement else None
            names = (
                citizen.name if citizen else "",
                company.name if company else "",
                agreement.version if agreement else 1,
            )
        self.names = names
        directory = self.directory or default_export_dir(self.app.runtime.paths.data_dir)
        path = directory / default_file_name(names[0], names[1], names[2], "pdf")
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(f"Udskriv aftale · {names[1]} · {names[0]}", classes="dialog-title", markup=False)
            yield Static(
                "Et dokument borgeren, virksomhedens kontaktperson og jobformidleren kan læse og skrive under på. "
                "Udskriften logges.",
                classes="dialog-hint",
            )
            yield Field(
                "Format",
                RadioSet(
                    *(RadioButton(FORMAT_LABELS[f], value=f == "pdf") for f in FORMAT_ORDER), id="format", compact=True
                ),
                "format",
            )
            yield Checkbox(
                "Medtag hensyn til helbred (fortrolige helbredsoplysninger)", False, id="health", compact=True
            )
            yield Field("Gem som", Input(str(path), id="path", compact=True), "path")
            yield Checkbox("Erstat filen, hvis den findes", False, id="force", compact=True)
            yield Static("", id="form-error")
            yield from self.buttons("Udskriv")

    def on_mount(self) -> None:
        self.query_one("#format", RadioSet).focus()

    def _format(self) -> str:
        index = self.query_one("#format", RadioSet).pressed_index
        return FORMAT_ORDER[index] if 0 <= index < len(FORMAT_ORDER) else "pdf"

    @on(RadioSet.Changed, "#format")
    def _format_changed(self) -> None:
        """Keep the file name's ending in step with the format."""
        field = self.query_one("#path", Input)
        path = Path(field.value.strip())
        if field.value.strip() and path.suffix.lower() in FORMATS.values():
            field.value = str(path.with_suffix(FORMATS[self._format()]))

    @on(Input.Submitted, "#path")
    def action_save(self) -> None:
        fmt = self._format()
        path = self.attempt(
            export_agreement, self.agreement_id, self.query_one("#path", Input).value,
            fmt=fmt, include_health=self.query_one("#health", Checkbox).value,
            force=self.query_one("#force", Checkbox).value,
        )  # fmt: skip
        if path is FAILED:
            return
        self.dismiss(f"Aftalen er gemt som {FORMAT_LABELS[fmt]}: {path}")

"""«Importér borgere» (command palette; permission ``import_citizens``): a caseload from a CSV or XLSX file.

The same store action as ``aaben-raadgivning import borgere``: first «Prøvekørsel» (the Danish report with line
numbers; nothing saved), then «Importér» — offered only after a dry run of the same file and choices. Both run
in a worker thread with a progress bar, so the app never freezes; the dialog cannot be closed while one runs
(the import stops between rows only when the app does, and a re-run completes it)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, ProgressBar, Static

from aaben_raadgivning.domain.citizen_import import ImportReport
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store.actions.citizen_import import import_citizens
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.form import Field

PERMISSION = "import_citizens"


def default_import_path() -> str:
    """The user's documents folder (where a file from the jobcenter's system usually lands), as a start."""
    documents = Path(platformdirs.user_documents_dir())
    return str(documents / "borgere.csv") if documents.is_dir() else ""


def open_citizen_import(app) -> None:
    """For the command palette: the dialog, or the Danish refusal for a role that may not import."""
    viewer = app.viewer
    refusal = viewer.refusal(PERMISSION) if viewer is not None else "Du er ikke logget ind."
    if refusal is not None:
        app.notify(refusal, title="Ikke tilladt", severity="warning")
        return
    app.push_screen(CitizenImportDialog())


class CitizenImportDialog(AppModalScreen[str | None]):
    """Returns the summary of an import done, None when closed without one."""

    CSS_PATH = ["dialogs.tcss"]
    DEFAULT_CSS = """
    #import-dialog { width: 100; height: 90%; }
    #import-report { height: 1fr; min-height: 5; border: round $primary 50%; padding: 0 1; }
    #import-progress { margin-top: 1; }
    #import-step { color: $fg-muted; }
    """
    BINDINGS = [Binding("escape", "close", "Luk")]

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.start_path = path if path is not None else default_import_path()
        self.checked: tuple[str, bool] | None = None  # the file and choice of the last clean dry run
        self.running = False
        self.result: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Static("Importér borgere", classes="dialog-title")
            yield Static(
                "En CSV- eller XLSX-fil med en linje pr. borger og overskrifter i første linje (fx CPR, Navn, Tlf, "
                "Ydelse, Parathed, Jobkonsulent, Jobformidler, Boligområde). Lav først en prøvekørsel: den viser, "
                "hvad der vil ske, og intet gemmes. Borgere genkendes på CPR-nummeret; en tom celle ændrer intet.",
                classes="dialog-hint",
            )
            yield Field("Fil", Input(self.start_path, id="import-path", compact=True), "path")
            yield Checkbox("Importér mulige dubletter som nye borgere", False, id="import-duplicates", compact=True)
            yield Static("", id="form-error")
            yield ProgressBar(total=100, show_eta=False, id="import-progress")
            yield Static("", id="import-step", markup=False)
            with VerticalScroll(id="import-report"):
                yield Static("", id="import-report-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Prøvekørsel", id="import-dry-run", variant="primary", compact=True)
                yield Button("Importér", id="import-run", variant="success", disabled=True, compact=True)
                yield Button("Luk", id="import-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def _choice(self) -> tuple[str, bool]:
        return self.query_one("#import-path", Input).value.strip(), self.query_one("#import-duplicates", Checkbox).value

    @on(Input.Changed, "#import-path")
    @on(Checkbox.Changed, "#import-duplicates")
    def _changed(self) -> None:
        """Another file or choice needs its own dry run before it can be imported."""
        self.query_one("#import-run", Button).disabled = self.running or self.checked != self._choice()

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-dry-run")
    def action_dry_run(self) -> None:
        self._start(dry_run=True)

    @on(Button.Pressed, "#import-run")
    def action_import(self) -> None:
        if self.checked == self._choice():
            self._start(dry_run=False)

    @on(Button.Pressed, "#import-close")
    def action_close(self) -> None:
        if self.running:
            self.notify("Importen kører. Vent, til den er færdig.", severity="warning")
            return
        self.dismiss(self.result)

    def _start(self, *, dry_run: bool) -> None:
        if self.running:
            return
        path, duplicates = self._choice()
        if not path:
            self.query_one("#form-error", Static).update("Skriv filens navn (med mappe).")
            return
        self.running = True
        for button in self.query(Button):
            button.disabled = button.id != "import-close"
        self.query_one("#form-error", Static).update("")
        self._show(0.0, "Kontrollerer …" if dry_run else "Importerer …")
        self._run(path, duplicates, dry_run)

    def _progress(self, fraction: float, step: str) -> None:
        self.app.call_from_thread(self._show, fraction, step)

    def _show(self, fraction: float, step: str) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=round(fraction * 100))
        self.query_one("#import-step", Static).update(step)

    @work(thread=True, exclusive=True, group="citizen-import")
    def _run(self, path: str, duplicates: bool, dry_run: bool) -> None:
        try:
            report = import_citizens(self.db, self.staff_id, path, dry_run=dry_run, accept_duplicates=duplicates,
                                     progress=self._progress)  # fmt: skip
        except UserError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self._done, report, (path, duplicates))

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#form-error", Static).update(message)
        self._show(0.0, "")
        self._enable()

    def _done(self, report: ImportReport, choice: tuple[str, bool]) -> None:
        self.running = False
        self.query_one("#import-report-text", Static).update("\n".join(report.lines()))
        if report.dry_run:
            self.checked = choice
            self._show(1.0, "Prøvekørslen er færdig. Intet er gemt. Tryk «Importér» for at importere.")
        else:
            self.checked = None
            self.result = report.summary()
            self._show(1.0, "Importen er færdig.")
            self.notify(report.summary(), title="Import af borgere")
        self._enable()

    def _enable(self) -> None:
        for button in self.query(Button):
            button.disabled = False
        self._changed()

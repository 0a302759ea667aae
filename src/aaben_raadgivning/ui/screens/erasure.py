"""Erasure (GDPR) in the app: the dialog with the typed confirmation (from F3 and from the retention list),
and the retention list («Slettefrist»): citizens whose case closed more than ``retention_years`` ago.
Both only for a role that may erase (``purge_citizen``: the jobkonsulent)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Static

from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.store.actions.erasure import ErasureResult, erase_citizen
from aaben_raadgivning.store.queries.retention import RetentionRow, citizens_past_retention
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.form import Field
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter


def erased_message(result: ErasureResult) -> str:
    return (
        f"Borgeren er slettet ({result.rows_removed} rækker om borgeren, {result.audit_rows_removed} logrækker). "
        "De andre computere og fællesmappen sletter ved næste synkronisering."
    )


class EraseCitizenDialog(FormDialog[ErasureResult]):
    """Erase one citizen: says what goes, asks why, and for the full name or the last 4 CPR digits."""

    def __init__(self, citizen_id: str, name: str, has_cpr: bool) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.citizen_name = name
        self.has_cpr = has_cpr

    def compose(self) -> ComposeResult:
        confirm = "borgerens fulde navn" + (" eller de sidste 4 cifre i CPR-nummeret" if self.has_cpr else "")
        with Vertical(classes="dialog"):
            yield Static(f"Slet borger (GDPR) · {self.citizen_name}", classes="dialog-title", markup=False)
            yield Static(
                "Alt om borgeren slettes på denne computer, på de andre computere og i fællesmappen ved næste "
                "synkronisering: sagen, tidslinjen, aftaler, timer, opfølgning, samtykke og logrækker om "
                "borgeren. Det kan ikke fortrydes. Kun det, at der er slettet, bliver stående i loggen.",
                classes="dialog-hint",
            )
            yield Field("Hvorfor slettes oplysningerne?", Input(id="reason", compact=True), "reason")
            yield Field(f"Bekræft: skriv {confirm}", Input(id="confirmation", compact=True), "confirmation")
            yield Static("", id="form-error")
            yield from self.buttons("Slet borgeren")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _to_confirmation(self) -> None:
        self.query_one("#confirmation", Input).focus()

    @on(Input.Submitted, "#confirmation")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        result = self.attempt(
            erase_citizen,
            self.citizen_id,
            confirmation=self.query_one("#confirmation", Input).value,
            reason=self.query_one("#reason", Input).value,
        )
        if result is not FAILED:
            self.dismiss(result)


class RetentionScreen(AppModalScreen[None]):
    """«Slettefrist»: the citizens whose case closed more than N years ago (N from rules.toml), oldest first;
    Enter erases the one under the cursor (with the same dialog and confirmation as on F3)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "close", "Luk"),
        Binding("enter", "erase", "Slet borger"),
    ]
    DEFAULT_CSS = """
    RetentionScreen #retention { width: 90; max-width: 100%; height: 80%; }
    RetentionScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RetentionRow] = []

    def compose(self) -> ComposeResult:
        years = load_rules().retention_years
        with Vertical(classes="dialog", id="retention"):
            yield Static("Slettefrist", classes="dialog-title")
            yield Static(
                f"Borgere, hvis sag blev afsluttet for mere end {years} år siden (slettefristen i rules.toml). "
                "Intet slettes af sig selv: vælg en borger og tryk Enter for at slette.",
                classes="dialog-hint",
            )
            yield DataTable(id="retention-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="retention-count")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Luk (Esc)", id="close", compact=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Navn", "CPR (sidste 4)", "Afsluttet")
        self.reload()
        table.focus()

    def reload(self) -> None:
        from aaben_raadgivning.store.actions.erasure import record_retention_list

        table = self.query_one(DataTable)
        table.clear()
        try:
            self.rows = citizens_past_retention(self.db, self.staff_id, self.today())
        except UserError as exc:
            self.query_one("#retention-count", Static).update(exc.message)
            return
        record_retention_list(self.db, self.staff_id, len(self.rows))
        for row in self.rows:
            table.add_row(row.name, row.cpr_tail or "–", format_date(row.closed_on), key=row.citizen_id)
        count = len(self.rows)
        self.query_one("#retention-count", Static).update(
            "Ingen borgere har overskredet slettefristen." if not count else f"{count} borger(e) over slettefristen."
        )

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:  # Enter on a row (the table takes the key before the screen's binding)
        self.action_erase()

    def action_erase(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or not 0 <= table.cursor_row < len(self.rows):
            return
        row = self.rows[table.cursor_row]

        def done(result: ErasureResult | None) -> None:
            if result is not None:
                self.app.erasure_done(result)
                self.reload()

        self.app.push_screen(EraseCitizenDialog(row.citizen_id, row.name, bool(row.cpr_tail)), done)

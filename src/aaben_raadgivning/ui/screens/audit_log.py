"""F7 · Revisionsspor: who searched, read, changed, extracted or deleted personal data, and when — for the leder
(and the jobkonsulent): the roles with the «audit» read scope. Newest first, a page at a time (keyset, from
store/queries/audit_log.py), filtered by staff member, citizen (a search by name, CPR or phone), period and kind
of action. Viewing the log is itself audited, with the filter as its criterion.

Also the indsigt dialog (GDPR art. 15), opened from F3 with «i»: the citizen's report as PDF and CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from aaben_raadgivning.domain.dates import format_date, parse_date
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.store.actions.audit_log import record_audit_view
from aaben_raadgivning.store.documents.indsigt import write_indsigt
from aaben_raadgivning.store.queries.audit_log import (
    ACTION_KINDS,
    PAGE_SIZE,
    AuditFilter,
    AuditRow,
    audit_page,
    staff_choices,
)
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.agreement_export import default_export_dir
from aaben_raadgivning.ui.styles import MUTED, themed
from aaben_raadgivning.ui.widgets.form import Field, attempt_action
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.paged_table import Page, PagedTable, TableRow
from aaben_raadgivning.ui.widgets.plain import plain_cells, plain_options

LOAD_MORE_MARGIN = 5
CITIZEN_MATCHES = 20  # citizens a search in the filter may match
_COLUMNS = (("Tidspunkt", "at", 17), ("Medarb.", "who", 8), ("Handling", "action", 20), ("Borger", "citizen", 18))
_SPARE = 4


def _cell(text: str, width: int) -> Text:
    cell = Text(" ".join(text.split()), no_wrap=True)
    cell.truncate(max(1, width - 1), overflow="ellipsis")
    return cell


class AuditLogScreen(AppScreen):
    CSS_PATH = "audit_log.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.filter = AuditFilter()
        self.citizen_query = ""
        self.detail_width = 20
        self.problem = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="al-header", markup=False)
        with Horizontal(id="al-filters"):
            yield Select([], prompt="Alle medarbejdere", id="al-staff", compact=True)
            yield Select(plain_options((k.label, k.code) for k in ACTION_KINDS), prompt="Alle handlinger",
                         id="al-kind", compact=True)  # fmt: skip
        with Horizontal(id="al-filters2"):
            yield Input(placeholder="Borger: navn, CPR eller telefon", id="al-citizen", compact=True)
            yield Input(placeholder="Fra dd.mm.åååå", id="al-from", compact=True)
            yield Input(placeholder="Til dd.mm.åååå", id="al-to", compact=True)
        yield PagedTable(self._table_rows, load_margin=LOAD_MORE_MARGIN, id="al-table", cursor_type="row",
                         zebra_stripes=True, cell_padding=0)  # fmt: skip
        yield Static("", id="al-detail", markup=False)
        yield KeyFooter()

    def table(self) -> PagedTable[AuditRow]:
        return self.query_one("#al-table", PagedTable)

    @property
    def rows(self) -> Sequence[AuditRow | None]:
        return self.table().row_items

    def on_mount(self) -> None:
        table = self.table()
        self.detail_width = max(20, self.size.width - _SPARE - sum(w for *_, w in _COLUMNS))
        for label, key, width in _COLUMNS:
            table.add_column(label, key=key, width=width)
        table.add_column("Hvad", key="detail", width=self.detail_width)
        self.query_one("#al-staff", Select).set_options(plain_options(staff_choices(self.db)))
        self.reload()
        table.focus()

    # --- reading -------------------------------------------------------------------------------

    def _read_filter(self) -> AuditFilter | None:
        """The filter from the fields; None (with the reason shown) when a date cannot be read."""
        staff = self.query_one("#al-staff", Select).value
        kind = self.query_one("#al-kind", Select).value
        dates = []
        for selector, label in (("#al-from", "Fra"), ("#al-to", "Til")):
            text = self.query_one(selector, Input).value.strip()
            try:
                dates.append(parse_date(text, self.today()) if text else None)
            except UserError as exc:
                self.problem = f"{label}: {exc.message}"
                return None
        if dates[0] and dates[1] and dates[0] > dates[1]:
            self.problem = "Fra-datoen skal ligge før til-datoen."
            return None
        self.problem = ""
        query = self.query_one("#al-citizen", Input).value.strip()
        citizen_ids: tuple[str, ...] | None = None
        if query:
            citizen_ids = tuple(
                hit.id for hit in search_citizens(self.db, query, limit=CITIZEN_MATCHES, viewer=Viewer.of(self.staff))
            )
        self.citizen_query = query
        return AuditFilter(
            staff_id=staff if isinstance(staff, str) else None,
            citizen_ids=citizen_ids,
            date_from=dates[0],
            date_to=dates[1],
            kind=kind if isinstance(kind, str) else None,
        )

    def reload(self) -> None:
        flt = self._read_filter()
        if flt is None:
            self.query_one("#al-detail", Static).update(self.problem)
            return
        self.filter = flt
        staff_label = ""
        if flt.staff_id:
            staff_label = next((label for label, value in staff_choices(self.db) if value == flt.staff_id), "")
        citizen_label = f"søgning «{self.citizen_query}»" if self.citizen_query else ""
        criterion = flt.describe(staff_label.split(" · ")[0], citizen_label)
        record_audit_view(self.db, self.staff_id, criterion)  # viewing the log is itself a logged read
        self.query_one("#al-header", Static).update(f"Revisionsspor · {criterion}")
        table = self.table()
        first = audit_page(self.db, self.staff.role, flt)
        table.start(self._next_page, Page.of(first, PAGE_SIZE))
        if not self.rows:
            table.add_note_row(
                "", "", Text("Ingen registreringer med de valgte filtre.", style=themed(MUTED)), key="empty"
            )
        table.move_cursor(row=0)
        self._show_detail()

    def _next_page(self, loaded: Sequence[AuditRow]) -> Page[AuditRow]:
        after = loaded[-1] if loaded else None
        return Page.of(audit_page(self.db, self.staff.role, self.filter, after), PAGE_SIZE)

    def _table_rows(self, row: AuditRow, previous: AuditRow | None) -> list[TableRow[AuditRow]]:
        when = row.local_time.strftime("%d.%m.%Y %H:%M")
        citizen = row.citizen_name or ("" if row.citizen_id is None else "(slettet)")
        detail = row.detail if row.chained else f"{row.detail} [før kæden]"
        cells = [_cell(text, width) for text, (*_, width) in zip((when, row.who, row.action_label, citizen),
                                                                   _COLUMNS, strict=True)]  # fmt: skip
        return [TableRow(plain_cells(*cells, _cell(detail, self.detail_width)), key=row.id, item=row)]

    @on(DataTable.RowHighlighted, "#al-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.table().cursor_item
        detail = self.query_one("#al-detail", Static)
        if row is None:
            detail.update(self.problem)
            return
        who = f"{row.staff_initials} · {row.staff_name}" if row.staff_id else "Programmet selv (ingen medarbejder)"
        lines = [f"{format_date(row.local_time.date())} kl. {row.local_time:%H:%M:%S} · {who} · {row.action_label}"]
        if row.citizen_name:
            lines[0] += f" · {row.citizen_name}"
        lines.append(row.detail)
        if not row.chained:
            lines.append("Fra før kæden: rækken er skrevet før revisionssporet blev sikret med en hashkæde.")
        detail.update("\n".join(lines))

    @on(Select.Changed)
    def _select_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.reload()
        self.table().focus()


class IndsigtDialog(FormDialog[str]):
    """The citizen's indsigt report (GDPR art. 15) as PDF and CSV in a folder; returns the notification text."""

    CSS_PATH = ["dialogs.tcss", "audit_log.tcss"]

    def __init__(self, citizen_id: str, citizen_name: str, directory: Path | None = None) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.citizen_name = citizen_name
        self.directory = directory

    def compose(self) -> ComposeResult:
        directory = self.directory or default_export_dir(self.app.runtime.paths.data_dir)
        stamp = self.db.now().strftime("%Y%m%d-%H%M")
        base = directory / f"indsigt-{stamp}-{self.citizen_id[-8:]}"
        with Vertical(classes="dialog", id="indsigt-dialog"):
            yield Static(f"Indsigt · {self.citizen_name}", classes="dialog-title", markup=False)
            yield Static(
                "Borgerens ret til indsigt (GDPR art. 15): hvert opslag og hver ændring af borgerens oplysninger – "
                "hvem, hvornår og hvad – som PDF og CSV. Rapporten logges.",
                classes="dialog-hint",
            )
            yield Field("PDF", Input(str(base.with_suffix(".pdf")), id="pdf", compact=True), "pdf")
            yield Field("CSV", Input(str(base.with_suffix(".csv")), id="csv", compact=True), "csv")
            yield Static("", id="form-error")
            yield from self.buttons("Gem rapport")

    def on_mount(self) -> None:
        self.query_one("#pdf", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        pdf = self.query_one("#pdf", Input).value.strip() or None
        csv_file = self.query_one("#csv", Input).value.strip() or None
        for value in (pdf, csv_file):
            if value:
                try:
                    Path(value).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError:
                    pass  # the report's own write says why, in Danish
        result = attempt_action(
            self, write_indsigt, self.db, self.citizen_id, pdf=pdf and Path(pdf).expanduser(),
            csv_file=csv_file and Path(csv_file).expanduser(), actor_id=self.staff_id,
        )  # fmt: skip
        if result is FAILED:
            return
        self.dismiss(
            f"Indsigtsrapporten ({len(result.report.rows)} registreringer) er gemt: {' og '.join(result.files)}"
        )

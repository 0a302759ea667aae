"""F4 · Aftaler: the company register and the agreements with each company.

Search at the top (name or CVR); the matching companies on the left; the highlighted company's page on
the right (CVR, address, industry, tasks that suit a few ordinary hours, contact persons) with its
agreements, active first, then past. Enter on an agreement opens the editor (agreement_editor.py).
Letter keys work when the cursor is not in the search field; Esc goes back to the search.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from aaben_raadgivning.domain.agreements import Schedule, load_agreement_data
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.cvr import format_cvr
from aaben_raadgivning.domain.dates import format_date_short
from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.domain.hours import format_hours
from aaben_raadgivning.domain.phone import format_phone
from aaben_raadgivning.store.queries.companies import (
    PAST_STATUSES,
    CompanyDetail,
    company_detail,
    search_companies,
)
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.agreement_dialogs import CompanyDialog, CompanySaved, ContactDialog
from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
from aaben_raadgivning.ui.styles import MUTED, themed
from aaben_raadgivning.ui.widgets.form_dialog import FormDialog
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.plain import plain_cells

COMPANY_ACTIONS = frozenset({"edit_company", "contacts", "new_agreement", "open_agreement"})
HINT = "Søg efter en virksomhed ovenfor (navn eller CVR), eller tryk n for en ny virksomhed."
MAX_HITS = 50
PAGE = 100  # agreements shown per group (active / past)


class AgreementsScreen(AppScreen):
    CSS_PATH = "agreements.tcss"
    # The permission each key's action needs (assets/permissions.toml): not offered to a role without it
    # (check_action), and pressed anyway it says why (on_key). Opening an agreement is a read.
    ACTION_PERMISSIONS = {
        "new_company": "companies", "edit_company": "companies", "contacts": "companies",
        "new_agreement": "agreements",
    }  # fmt: skip
    BINDINGS = [
        Binding("n", "new_company", "Ny virksomhed"),
        Binding("r", "edit_company", "Ret virksomhed"),
        Binding("k", "contacts", "Kontaktpersoner"),
        Binding("a", "new_agreement", "Ny aftale"),
        Binding("enter", "open_agreement", "Åbn aftale", show=False),
        Binding("escape", "back_to_search", "Søg", show=False),
    ]

    def __init__(self, company_id: str | None = None) -> None:
        super().__init__()
        self.company_id = company_id
        self.detail: CompanyDetail | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Søg virksomhed: navn eller CVR", id="company-search", compact=True)
        with Horizontal(id="company-main"):
            yield OptionList(id="company-list")
            with Vertical(id="company-pane"):
                yield Static(HINT, id="company-info")
                yield Static("", id="agreements-count")
                yield DataTable(id="agreement-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Borger", "Status", "Ord. t/uge", "Forløb", "Periode")
        self._search("")
        if self.company_id:
            self.show_company(self.company_id)
        self.query_one("#company-search", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.permitted(action):
            return False
        if action in COMPANY_ACTIONS and self.detail is None:
            return None
        return True

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role may not do is hidden; pressed anyway, it says why in Danish."""
        self.refuse_key(event)

    @property
    def shown(self) -> CompanyDetail:
        """The company on the screen, for the actions on it (check_action disables them while there is none)."""
        if self.detail is None:
            raise RuntimeError("no company is shown")
        return self.detail

    # --- search -----------------------------------------------------------------------------------

    @on(Input.Changed, "#company-search")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        hits = search_companies(self.db, query, limit=MAX_HITS)
        options = self.query_one("#company-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(Text.assemble(hit.name, "\n", (f"CVR {format_cvr(hit.cvr)}", themed(MUTED))), id=hit.id)
            for hit in hits
        )
        if hits:
            options.highlighted = 0

    @on(Input.Submitted, "#company-search")
    def _submitted(self) -> None:
        options = self.query_one("#company-list", OptionList)
        if options.option_count and options.highlighted is not None:
            self.show_company(options.get_option_at_index(options.highlighted).id)
            self.query_one(DataTable).focus()

    @on(OptionList.OptionSelected, "#company-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.show_company(event.option.id)
        self.query_one(DataTable).focus()

    @on(OptionList.OptionHighlighted, "#company-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.query_one("#company-list", OptionList).has_focus:
            self.show_company(event.option.id)

    def key_down(self) -> None:
        """Down in the search moves through the companies without leaving the field."""
        search = self.query_one("#company-search", Input)
        if search.has_focus:
            self.query_one("#company-list", OptionList).action_cursor_down()

    def key_up(self) -> None:
        search = self.query_one("#company-search", Input)
        if search.has_focus:
            self.query_one("#company-list", OptionList).action_cursor_up()

    def action_back_to_search(self) -> None:
        search = self.query_one("#company-search", Input)
        if not search.has_focus:
            search.focus()
        elif search.value:
            search.value = ""

    # --- the company ------------------------------------------------------------------------------

    def show_company(self, company_id: str | None) -> None:
        self.company_id = company_id
        self.detail = company_detail(self.db, company_id, limit=PAGE, viewer=self.viewer) if company_id else None
        info = self.query_one("#company-info", Static)
        table = self.query_one(DataTable)
        table.clear()
        if self.detail is None:
            info.update(HINT)
            self.query_one("#agreements-count", Static).update("")
            self.refresh_bindings()
            return
        info.update(company_text(self.detail))
        data = load_agreement_data()
        for row in [*self.detail.active, *self.detail.past]:
            status = data.status_label(row.status)
            if row.status_reason == "genforhandlet":
                status = f"Genforh. v{row.version}"
            elif row.version > 1:
                status += f" v{row.version}"
            period = f"{format_date_short(row.start_date) if row.start_date else '–'}–{format_date_short(row.end_date) if row.end_date else ''}"
            ordinary = Schedule.from_json(row.schedule).week_minutes("ordinary")
            style = (
                "bold"
                if row.status == AgreementStatus.AKTIV
                else (themed(MUTED) if row.status in PAST_STATUSES else "")
            )
            table.add_row(
                *plain_cells(Text(row.citizen_name, style=style), status, format_hours(ordinary) if ordinary else "–",
                             data.course_short(row.course_kind), period), key=row.id,
            )  # fmt: skip
        d = self.detail
        shown = len(d.active) + len(d.past)
        more = f" · viser de {shown} nyeste" if shown < d.active_count + d.past_count else ""
        self.query_one("#agreements-count", Static).update(
            f"Aftaler: {count_text(d.active_count, 'aktiv/udkast', 'aktive/udkast')} · "
            f"{count_text(d.past_count, 'afsluttet', 'afsluttede')}{more}"
        )
        self.refresh_bindings()

    def _open(self, dialog: FormDialog[str], title: str) -> None:
        def done(message: str | None) -> None:
            if message:
                self._saved(message, title)

        self.app.push_screen(dialog, done)

    def _saved(self, message: str, title: str) -> None:
        self.notify(message, title=title, timeout=6, markup=False)  # it may name the company
        self._search(self.query_one("#company-search", Input).value)
        self.show_company(self.company_id)

    def _open_company(self, dialog: CompanyDialog) -> None:
        def done(saved: CompanySaved | None) -> None:
            if saved is not None:
                if saved.created_id is not None:
                    self.company_id = saved.created_id  # show the new company
                self._saved(saved.message, "Virksomhed")

        self.app.push_screen(dialog, done)

    def action_new_company(self) -> None:
        self._open_company(CompanyDialog())

    def action_edit_company(self) -> None:
        self._open_company(CompanyDialog(self.shown.company))

    def action_contacts(self) -> None:
        self._open(ContactDialog(self.shown.company), "Kontaktperson")

    def action_new_agreement(self) -> None:
        if not self.shown.contacts:
            self.notify(
                "Virksomheden har ingen kontaktpersoner. Tilføj en med k – aftalen skal have en fast kontaktperson.",
                severity="warning",
            )
        self.open_editor(AgreementEditor(company_id=self.shown.company.id))

    @on(DataTable.RowSelected, "#agreement-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_editor(AgreementEditor(event.row_key.value))

    def action_open_agreement(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("Virksomheden har ingen aftaler endnu. Tryk a for en ny aftale.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.open_editor(AgreementEditor(key))

    def open_editor(self, editor: AgreementEditor) -> None:
        def closed(_result) -> None:
            if editor.company_id and editor.company_id != self.company_id:
                self.company_id = editor.company_id
            self.show_company(self.company_id)

        self.app.push_screen(editor, closed)


def company_text(detail: CompanyDetail) -> Text:
    company = detail.company
    head = Text.assemble((company.name, "bold"), ("  CVR ", themed(MUTED)), format_cvr(company.cvr) or "–")
    if company.industry:
        head.append(f"  ·  {company.industry}")
    lines = [head]
    if company.address:
        lines.append(Text(company.address))
    if company.suitable_tasks:
        lines.append(Text.assemble(("Egnede opgaver: ", themed(MUTED)), company.suitable_tasks.replace("\n", " ")))
    if detail.contacts:
        people = []
        for contact in detail.contacts:
            extra = ", ".join(
                filter(None, [contact.role, format_phone(contact.phone) if contact.phone else "", contact.email])
            )
            people.append(f"{contact.name} ({extra})" if extra else contact.name)
        lines.append(Text.assemble(("Kontakt: ", themed(MUTED)), " · ".join(people)))
    else:
        lines.append(Text("Ingen kontaktpersoner – tryk k for at tilføje en.", style="italic"))
    return Text("\n").join(lines)

"""F8 · Mine borgere: the logged-in jobkonsulent's or jobformidler's caseload (sagsstamme).

One row per citizen: step and days in it, next follow-up, last personal contact, ordinary hours last month
against the goal, consent. Marks (with «!» and the theme's warning/error colours): an overdue follow-up, too
long in the step, ordinary hours not rising. Filter bar: step, «kun markerede», part of the name; a leder
chooses the staff member. Sort with «s» (next column) and «r» (reverse) or by clicking a column header.
Enter opens the citizen on F3. Rows are read a page at a time from SQL; each list view is audited once.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.domain.hours import format_hours, format_month
from aaben_raadgivning.store.actions.caseload import describe_criterion, record_caseload_read
from aaben_raadgivning.store.queries.caseload import (
    CONSENT_EXPIRED,
    CONSENT_LABELS,
    CONSENT_PENDING,
    CONSENT_VALID,
    CONSENT_WITHDRAWN,
    PAGE_SIZE,
    SORT_CONTACT,
    SORT_DAYS,
    SORT_HOURS,
    SORT_NAME,
    SORT_NEXT,
    SORT_STEP,
    SORTS,
    CaseloadFilter,
    CaseloadRow,
    CaseloadView,
    caseload_staff,
    caseload_steps,
    load_caseload,
)
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.styles import ERROR, MUTED, WARNING, themed
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.paged_table import Page, PagedTable, TableRow
from aaben_raadgivning.ui.widgets.plain import escape, plain_options

LOAD_MORE_MARGIN = 5
WHERE = "Mine borgere"
# (header, column key, sort) — widths below fit 80 columns (each includes the space after the text).
_COLUMNS = (("Borger", "name", SORT_NAME), ("Trin", "step", SORT_STEP), ("Dage", "days", SORT_DAYS),
            ("Næste", "next", SORT_NEXT), ("Kontakt", "contact", SORT_CONTACT), ("Timer", "hours", SORT_HOURS),
            ("Samt.", "consent", None))  # fmt: skip
_NARROW = (16, 8, 5, 7, 9, 8, 6)
_SPARE = 4  # left margin, scrollbar and rounding
_CONSENT_SHORT = {CONSENT_VALID: "ja", CONSENT_EXPIRED: "udl.", CONSENT_WITHDRAWN: "tilb.", CONSENT_PENDING: "snart"}


def column_widths(screen_width: int) -> tuple[int, ...]:
    """The 80-column layout; any extra width goes to the name."""
    extra = max(0, screen_width - _SPARE - sum(_NARROW) - 2)
    return (_NARROW[0] + extra, *_NARROW[1:])


def _cell(text: str, width: int, style: Style | str = "", *, right: bool = False) -> Text:
    cell = Text(text, style=style, no_wrap=True, justify="right" if right else "left")
    cell.truncate(max(1, width - 1), overflow="ellipsis")
    if right:
        cell = Text(" " * max(0, width - 1 - cell.cell_len)) + cell
    return cell


def short_date(day, today) -> str:
    """«02.11», or «02.11.25» for another year."""
    return f"{day:%d.%m}" if day.year == today.year else f"{day:%d.%m.%y}"


def hours_text(minutes: int, goal_hours: float) -> str:
    """«12/30»: whole hours of the month against the goal."""
    return f"{minutes // 60}/{goal_hours:g}"


def header_text(view: CaseloadView, flt: CaseloadFilter) -> str:
    counts = view.counts
    who = f"{escape(view.owner.initials)}" if view.owner else "ingen medarbejder"
    shown = count_text(counts.total, "borger", "borgere")
    if counts.matching != counts.total:
        shown = f"{counts.matching} af {shown}"
    return (
        f"[b]Mine borgere[/b] · {who} · {shown} · overskredet {counts.overdue} · "
        f"for længe {counts.too_long} · timer i stå {counts.hours_stalled}"
    )


def flag_lines(row: CaseloadRow, view: CaseloadView) -> list[str]:
    """The marks of a row in words (the detail line)."""
    lines = []
    if row.overdue and row.next_follow_up is not None:
        lines.append(f"Opfølgning overskredet (frist {format_date(row.next_follow_up)})")
    if row.too_long:
        lines.append(
            f"For længe på {row.step_short}: {count_text(row.days_in_step or 0, 'dag', 'dage')} (højst {row.step_limit_days})"
        )
    if row.hours_stalled:
        lines.append(f"Ordinære timer ikke steget i {view.stall_months} måneder")
    return lines


class CaseloadScreen(AppScreen):
    CSS_PATH = "caseload.tcss"
    BINDINGS = [
        Binding("enter", "open_citizen", "Åbn borger"),
        Binding("s", "next_sort", "Sortér"),
        Binding("r", "reverse", "Omvendt"),
        Binding("k", "toggle_flagged", "Kun markerede"),
        Binding("slash", "search", "Søg navn"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = SORT_NAME
        self.descending = False
        self.view: CaseloadView | None = None
        self.widths: tuple[int, ...] = _NARROW
        self._audited: tuple[str, CaseloadFilter] | None = None  # the list view last audited

    def compose(self) -> ComposeResult:
        yield Static("", id="cl-header")
        with Horizontal(id="cl-filters"):
            yield Select([], prompt="Vælg medarbejder", id="cl-staff", compact=True)
            yield Select(caseload_steps(), prompt="Alle trin", id="cl-step", compact=True)
            yield Checkbox("Kun markerede", id="cl-flagged", compact=True)
            yield Input(placeholder="Søg navn …", id="cl-text", compact=True)
        yield PagedTable(
            self._table_rows,
            load_margin=LOAD_MORE_MARGIN,
            id="cl-table",
            cursor_type="row",
            zebra_stripes=True,
            cell_padding=0,
        )
        yield Static("", id="cl-detail")
        yield KeyFooter()

    def on_key(self, event: events.Key) -> None:
        self.refuse_key(event)

    def table(self) -> PagedTable[CaseloadRow]:
        return self.query_one("#cl-table", PagedTable)

    @property
    def rows(self) -> Sequence[CaseloadRow | None]:
        return self.table().row_items

    @property
    def is_leder(self) -> bool:
        return self.staff.role == "leder"

    def on_mount(self) -> None:
        table = self.table()
        self.widths = column_widths(self.size.width)
        for (label, key, _sort), width in zip(_COLUMNS, self.widths, strict=True):
            table.add_column(label, key=key, width=width)
        staff = self.query_one("#cl-staff", Select)
        staff.set_options(plain_options(caseload_staff(self.db)))
        staff.display = self.is_leder  # the others see their own caseload
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.reload())
        self.reload()
        table.focus()

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self.widths and self.view is not None:
            for column, width in zip(self.table().columns.values(), widths, strict=True):
                column.width = width
            self.widths = widths
            self.reload()

    # --- reading -------------------------------------------------------------------------------

    def current_filter(self) -> CaseloadFilter:
        step = self.query_one("#cl-step", Select).value
        owner = self.query_one("#cl-staff", Select).value if self.is_leder else None
        return CaseloadFilter(
            owner_id=owner if isinstance(owner, str) else None,
            step=step if isinstance(step, str) else None,
            flagged_only=self.query_one("#cl-flagged", Checkbox).value,
            text=self.query_one("#cl-text", Input).value,
            sort=self.sort,
            descending=self.descending,
        )

    def reload(self) -> None:
        flt = self.current_filter()
        table = self.table()
        selected = table.cursor_item
        view = load_caseload(self.db, flt, self.today(), viewer=self.viewer)
        self.view = view
        self._mark_sorted_column()
        header = self.query_one("#cl-header", Static)
        if view.refusal:
            header.update("[b]Mine borgere[/b]")
            table.start(None)
            table.add_note_row(Text(view.refusal, style=themed(MUTED)), key="refused")
            self._show_detail()
            return
        header.update(header_text(view, flt))
        self._audit(view, flt)
        table.start(self._next_page, Page.of(view.rows, PAGE_SIZE))
        if not self.rows:
            note = (
                "Vælg en medarbejder."
                if view.owner is None and self.is_leder
                else "Ingen borgere med de valgte filtre."
            )
            if view.owner is None and not self.is_leder:
                note = "Du har ingen sagsstamme (kun jobkonsulenter og jobformidlere har borgere)."
            table.add_note_row(Text(note, style=themed(MUTED)), key="empty")
        keep = selected.citizen_id if selected else None
        index = next((i for i, r in enumerate(self.rows) if r is not None and r.citizen_id == keep), 0)
        table.move_cursor(row=index)
        self._show_detail()

    def _audit(self, view: CaseloadView, flt: CaseloadFilter) -> None:
        """One audit row per list view: when shown and when the criterion changes (not for a new order)."""
        if view.owner is None:
            return
        criterion_filter = CaseloadFilter(view.owner.id, flt.step, flt.flagged_only, flt.text.strip())
        if self._audited == (view.owner.id, criterion_filter):
            return
        self._audited = (view.owner.id, criterion_filter)
        step_label = dict((code, label) for label, code in caseload_steps()).get(flt.step or "", "")
        criterion = describe_criterion(f"{view.owner.initials} · {view.owner.name}", flt, step_label)
        record_caseload_read(self.db, self.staff_id, view.owner.id, criterion, view.counts.matching)

    def _next_page(self, loaded: Sequence[CaseloadRow]) -> Page[CaseloadRow]:
        view = load_caseload(self.db, self.current_filter(), self.today(), offset=len(loaded), viewer=self.viewer)
        return Page.of(view.rows, PAGE_SIZE)

    def _styles(self) -> tuple[Style, Style]:
        """The theme's error and warning colours for text (ui/styles.py, never fixed colours): overdue, and
        the other marks."""
        return themed(ERROR, bold=True), themed(WARNING, bold=True)

    def _table_rows(self, row: CaseloadRow, previous: CaseloadRow | None) -> list[TableRow[CaseloadRow]]:
        error, warning = self._styles()
        today = self.today()
        view = self.view
        goal = view.goal_hours if view else 30
        w = self.widths
        days = "" if row.days_in_step is None else ("!" if row.too_long else "") + str(row.days_in_step)
        if row.next_follow_up is None:
            next_due = "–"
        else:
            next_due = ("!" if row.overdue else " ") + short_date(row.next_follow_up, today)
        contact = short_date(row.last_contact, today) if row.last_contact else "–"
        if row.hours_minutes is None or (not row.in_course and not row.hours_minutes):
            hours = "–"  # no course, no hours: nothing to measure
        else:
            hours = ("!" if row.hours_stalled else "") + hours_text(row.hours_minutes, goal)
        consent = _CONSENT_SHORT.get(row.consent or "", "–")
        cells = (
            _cell(row.name, w[0]),
            _cell(row.step_short or "–", w[1]),
            _cell(days, w[2], warning if row.too_long else "", right=True),
            _cell(next_due, w[3], error if row.overdue else ""),
            _cell(contact, w[4]),
            _cell(hours, w[5], warning if row.hours_stalled else "", right=True),
            _cell(consent, w[6]),
        )
        return [TableRow(cells, key=row.citizen_id, item=row)]

    def _mark_sorted_column(self) -> None:
        """The sorted column's header shows ▲ (or ▼ reversed)."""
        table = self.table()
        for (label, _key, sort), column in zip(_COLUMNS, table.columns.values(), strict=True):
            mark = ("▼" if self.descending else "▲") if sort == self.sort else ""
            column.label = Text(label + mark)
        table.refresh()

    @on(DataTable.RowHighlighted, "#cl-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#cl-detail", Static)
        row = self.table().cursor_item
        view = self.view
        if row is None or view is None:
            detail.update("")
            return
        since = (
            f" siden {format_date(row.step_since)} ({count_text(row.days_in_step or 0, 'dag', 'dage')})"
            if row.step_since
            else ""
        )
        contact = format_date(row.last_contact) if row.last_contact else "ingen registreret"
        next_due = format_date(row.next_follow_up) if row.next_follow_up else "ingen"
        text = Text.assemble((row.name, "bold"), f" · {row.step_label or 'ikke visiteret'}{since}")
        text.append(f"\nNæste opfølgning {next_due} · sidste personlige kontakt {contact}\n")
        marks = flag_lines(row, view)
        if marks:
            _error, warning = self._styles()
            text.append(" · ".join(marks) + " · ", style=warning)
        if row.hours_minutes is not None:
            month = format_month(view.hours_month).capitalize()
            text.append(f"{month}: {format_hours(row.hours_minutes)} af {view.goal_hours:g} ordinære timer")
        if row.consent:
            until = f" til {format_date(row.consent_until)}" if row.consent_until else ""
            text.append(f" · samtykke {CONSENT_LABELS[row.consent]}{until}")
        detail.update(text)

    # --- filters and order ---------------------------------------------------------------------

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    @on(Input.Changed, "#cl-text")
    def _text_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    @on(Input.Submitted, "#cl-text")
    def _text_done(self) -> None:
        self.table().focus()

    @on(DataTable.HeaderSelected, "#cl-table")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        sort = _COLUMNS[event.column_index][2]
        if sort is None:
            return
        if sort == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = sort, False
        self.reload()

    def action_next_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = False
        self.reload()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload()

    def action_toggle_flagged(self) -> None:
        box = self.query_one("#cl-flagged", Checkbox)
        box.value = not box.value  # Checkbox.Changed reloads

    def action_search(self) -> None:
        self.query_one("#cl-text", Input).focus()

    @on(DataTable.RowSelected, "#cl-table")
    def _row_selected(self) -> None:
        self.action_open_citizen()

    def action_open_citizen(self) -> None:
        row = self.table().cursor_item
        if row is None:
            self.notify("Vælg en borger i listen.")
            return
        self.app.open_citizen(row.citizen_id, WHERE)

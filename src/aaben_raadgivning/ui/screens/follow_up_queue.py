"""F5 · Opfølgning: the follow-up queue where a jobformidler starts the day.

"Mine" (the logged-in user's tasks) or "Alle", grouped as overdue (red), today, this week and later with
the count per group in the header; filters for staff member, kind and housing area; sorted by due date or
citizen. Rows are read a page at a time from SQL; moving the cursor near the end loads the next page.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from aaben_raadgivning.domain.dates import format_date, format_date_short
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.queries.follow_up_queue import (
    GROUP_LABELS,
    GROUPS,
    OVERDUE,
    PAGE_SIZE,
    SORT_CITIZEN,
    SORT_DUE,
    TODAY,
    UNASSIGNED,
    QueueFilter,
    QueueRow,
    housing_areas,
    load_queue,
    staff_choices,
)
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.follow_up_dialogs import (
    CompleteTaskDialog,
    NewTaskDialog,
    ReassignDialog,
    RescheduleDialog,
)
from aaben_raadgivning.ui.styles import ERROR, MUTED, WARNING, themed
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.paged_table import Page, PagedTable, TableRow
from aaben_raadgivning.ui.widgets.plain import escape, plain_cells, plain_options

LOAD_MORE_MARGIN = 5  # rows from the end when the next page is read
_GROUP_STYLE = {OVERDUE: ERROR, TODAY: WARNING}  # ui/styles.py, bold
_COLUMNS = (("Frist", "due"), ("Borger", "who"), ("Slags", "kind"), ("Årsag", "reason"),
            ("Firma", "company"), ("Sidst", "contact"))  # fmt: skip
# Widths that fit an 80-column terminal (no cell padding; each width includes the space after the text): the
# reason, the column people read, gets more than the kind, which is cut («Personlig k…»; the line under the
# table has both whole). Names stay whole.
_NARROW = (18, 15, 12, 16, 10, 5)
_FULL_KIND = 18  # «Personlig kontakt»
_SPARE = 4  # left margin, scrollbar and rounding


def column_widths(screen_width: int) -> tuple[int, ...]:
    """Column widths for the terminal: the 80-column layout; extra width first gives the kind its whole label,
    then goes mostly to the reason, then to citizen and company names."""
    extra = max(0, screen_width - _SPARE - sum(_NARROW) - 2)
    due, who, kind, reason, company, contact = _NARROW
    more_kind = min(extra, _FULL_KIND - kind)
    extra -= more_kind
    return (due, who + extra // 5, kind + more_kind, reason + extra - 2 * (extra // 5), company + extra // 5, contact)


def _cell(text: str, width: int) -> Text:
    """The text cut to leave one space before the next column (DataTable would otherwise run them together)."""
    cell = Text(text, no_wrap=True)
    cell.truncate(max(1, width - 1), overflow="ellipsis")
    return cell


def header_text(mine: bool, initials: str, counts: dict[str, int], sort: str) -> str:
    who = f"Mine ({escape(initials)})" if mine else "Alle"
    parts = [f"{GROUP_LABELS[g]} {counts.get(g, 0)}" for g in GROUPS]
    order = "" if sort == SORT_DUE else " · efter borger"
    return f"[b]Opfølgning[/b] · {who} · " + " · ".join(parts) + order


class FollowUpQueueScreen(AppScreen):
    CSS_PATH = "follow_up_queue.tcss"
    # The permission each key's action needs (assets/permissions.toml): not offered to a role without it
    # (check_action), and pressed anyway it says why (on_key). Opening a citizen or an agreement is a read.
    ACTION_PERMISSIONS = {
        "complete": "follow_ups", "reschedule": "follow_ups", "reassign": "follow_ups", "new_task": "follow_ups",
    }  # fmt: skip
    BINDINGS = [
        Binding("u", "complete", "Udfør"),
        Binding("f", "reschedule", "Flyt frist"),
        Binding("g", "reassign", "Giv videre"),
        Binding("b", "open_citizen", "Borger"),
        Binding("a", "open_agreement", "Aftale"),
        Binding("n", "new_task", "Ny opgave"),
        Binding("m", "toggle_mine", "Mine/Alle"),
        Binding("s", "toggle_sort", "Sortér"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = True
        self.sort = SORT_DUE
        self.counts: dict[str, int] = {}
        self.widths: tuple[int, ...] = _NARROW

    def compose(self) -> ComposeResult:
        yield Static("", id="fu-header")
        with Horizontal(id="fu-filters"):
            yield Select([], prompt="Alle medarbejdere", id="fu-staff", compact=True)
            kinds = [(t.label, t.code) for t in load_reference().follow_up_kinds.active()]
            yield Select(kinds, prompt="Alle slags", id="fu-kind", compact=True)
            yield Select([], prompt="Alle boligområder", id="fu-area", compact=True)
        yield PagedTable(
            self._table_rows,
            load_margin=LOAD_MORE_MARGIN,
            id="fu-table",
            cursor_type="row",
            zebra_stripes=True,
            cell_padding=0,
        )
        yield Static("", id="fu-detail")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.permitted(action)

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role may not do is hidden; pressed anyway, it says why in Danish."""
        self.refuse_key(event)

    def table(self) -> PagedTable[QueueRow]:
        return self.query_one("#fu-table", PagedTable)

    @property
    def rows(self) -> Sequence[QueueRow | None]:
        """The task of each table row; None for a group heading or the "no tasks" line."""
        return self.table().row_items

    @property
    def loaded(self) -> int:
        return len(self.table().items)

    @property
    def exhausted(self) -> bool:
        return not self.table().has_more

    def on_mount(self) -> None:
        table = self.table()
        self.widths = column_widths(self.size.width)
        for (label, key), width in zip(_COLUMNS, self.widths, strict=True):
            table.add_column(label, key=key, width=width)
        db = self.db
        staff = self.query_one("#fu-staff", Select)
        staff.set_options(plain_options([*staff_choices(db), ("Uden ansvarlig", "__none__")]))
        staff.disabled = True  # "Mine" shows the user's own tasks
        self.query_one("#fu-area", Select).set_options(plain_options((area, area) for area in housing_areas(db)))
        self.reload()
        table.focus()

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self.widths and self.rows:
            table = self.table()
            for column, width in zip(table.columns.values(), widths, strict=True):
                column.width = width
            self.widths = widths
            self.reload()  # cells are cut to the column widths when added

    # --- reading -------------------------------------------------------------------------------

    def current_filter(self) -> QueueFilter:
        def value(selector: str) -> str | None:
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else None

        assignee: str | None
        if self.mine:
            assignee = self.staff_id
        else:
            chosen = value("#fu-staff")
            assignee = UNASSIGNED if chosen == "__none__" else chosen
        return QueueFilter(assignee_id=assignee, kind=value("#fu-kind"), housing_area=value("#fu-area"), sort=self.sort)

    def reload(self, keep_task: str | None = None) -> None:
        table = self.table()
        if keep_task is None:
            selected = self.selected()
            keep_task = selected.id if selected else None
        view = load_queue(self.db, self.current_filter(), self.today(), viewer=self.viewer)
        self.counts = view.counts  # before the rows: the group headings show them
        header = header_text(self.mine, self.staff.initials, view.counts, self.sort)
        self.query_one("#fu-header", Static).update(header)
        table.start(self._next_page, Page.of(view.rows, PAGE_SIZE))
        if not self.rows:
            table.add_note_row("", Text("Ingen åbne opgaver med de valgte filtre.", style=themed(MUTED)), key="empty")
        index = next((i for i, r in enumerate(self.rows) if r is not None and r.id == keep_task), None)
        if index is None:
            index = next((i for i, r in enumerate(self.rows) if r is not None), 0)
        table.move_cursor(row=index)
        self._show_detail()

    def _next_page(self, loaded: Sequence[QueueRow]) -> Page[QueueRow]:
        # The filter is read now, as the first page's was: any change of it reloads the whole list.
        view = load_queue(self.db, self.current_filter(), self.today(), offset=len(loaded), viewer=self.viewer)
        return Page.of(view.rows, PAGE_SIZE)

    def _table_rows(self, row: QueueRow, previous: QueueRow | None) -> list[TableRow[QueueRow]]:
        """The task's row, after a heading with the group's count when it starts a group."""
        rows: list[TableRow[QueueRow]] = []
        if previous is None or row.group != previous.group:
            style = themed(_GROUP_STYLE[row.group], bold=True) if row.group in _GROUP_STYLE else "bold"
            label = f"{GROUP_LABELS[row.group]} ({self.counts.get(row.group, 0)})"
            key = f"group-{row.group}-{self.table().row_count}"  # the heading's table row: unique per load
            rows.append(TableRow((Text(" " + label, style=style),), key=key))
        overdue = row.group == OVERDUE
        due = Text(("!" if overdue else " ") + row.due_label, style=themed(ERROR, bold=True) if overdue else "")
        contact = format_date_short(row.last_contact) if row.last_contact else "–"
        cells = (row.citizen_name, row.kind_label, row.reason, row.company_name)
        texts = [_cell(text, width) for text, width in zip(cells, self.widths[1:5], strict=True)]
        rows.append(TableRow(plain_cells(due, *texts, contact), key=row.id, item=row))
        return rows

    def selected(self) -> QueueRow | None:
        return self.table().cursor_item

    @on(DataTable.RowHighlighted, "#fu-table")
    def _highlighted(self) -> None:
        self._show_detail()  # the table reads the next page itself when the cursor nears the end

    def _show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#fu-detail", Static)
        if row is None:
            detail.update("")
            return
        contact = format_date(row.last_contact) if row.last_contact else "ingen registreret"
        text = Text.assemble(
            (row.citizen_name, "bold"),
            f" · {row.kind_label} · frist {format_date(row.due_date)}"
            f" · ansvarlig {row.assignee_initials or 'ingen'} · sidste kontakt {contact}",
        )
        if row.company_name:
            text.append(f" · {row.company_name}")
        for line in (row.reason, row.note):
            if line:
                text.append("\n" + line)
        detail.update(text)

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    # --- actions -------------------------------------------------------------------------------

    def _chosen(self) -> QueueRow | None:
        row = self.selected()
        if row is None:
            self.notify("Vælg en opgave i listen.")
        return row

    def _after(self, message: str | None) -> None:
        if message:
            self.notify(message, title="Opfølgning")
            self.reload()
            self.table().focus()

    def action_complete(self) -> None:
        row = self._chosen()
        if row is not None:
            self.app.push_screen(CompleteTaskDialog(row), self._after)

    def action_reschedule(self) -> None:
        row = self._chosen()
        if row is not None:
            self.app.push_screen(RescheduleDialog(row), self._after)

    def action_reassign(self) -> None:
        row = self._chosen()
        if row is not None:
            self.app.push_screen(ReassignDialog(row), self._after)

    def action_new_task(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.citizen_id is None:
            self.notify("Opgaven har ingen borger. Vælg en opgave for den borger, den nye opgave gælder.")
            return
        self.app.push_screen(NewTaskDialog(row.citizen_id, row.citizen_name), self._after)

    def action_open_citizen(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.citizen_id is None:
            self.notify("Opgaven hører til en anonym henvendelse uden borger.")
            return
        self.app.open_citizen(row.citizen_id, "Opfølgning")

    def action_open_agreement(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.agreement_id is None:
            self.notify("Opgaven hører ikke til en aftale.")
            return
        if not hasattr(self.app, "open_agreement"):
            self.notify("Aftaler kan ikke åbnes i denne version.", severity="warning")
            return
        self.app.open_agreement(row.agreement_id)

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.query_one("#fu-staff", Select).disabled = self.mine
        self.reload()

    def action_toggle_sort(self) -> None:
        self.sort = SORT_CITIZEN if self.sort == SORT_DUE else SORT_DUE
        self.reload()

"""A citizen's timeline: one line per event, newest first, loaded a page at a time.

The widget never loads all events: it asks for the next page (keyset paging on the last row's ``key``)
when the cursor or the view comes near the last loaded row, so a citizen with thousands of events opens
at once. Enter posts DataTable.RowSelected as usual; ``selected`` is the row under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding

from aaben_raadgivning.domain.dates import format_date, weekday_short
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.queries.citizen import TimelineRow
from aaben_raadgivning.ui.styles import MUTED, themed
from aaben_raadgivning.ui.widgets.paged_table import Page, PagedTable, PageLoader, TableRow

PAGE_SIZE = 100
LOAD_MARGIN = 15  # rows from the end of what is loaded: then the next page is fetched

# Fetches up to ``limit`` rows after the keyset ``after`` (None: the newest).
Fetch = Callable[[tuple[datetime, str] | None, int], list[TimelineRow]]

_FIXED = (("date", "Dato", 10), ("day", "Dag", 3), ("kind", "Hændelse", 16), ("who", "Af", 3))


def summary_text(row: TimelineRow) -> Text:
    """The summary with its marks: «Rettelse:» for a correction, «(rettet)» and dimmed for a corrected event."""
    text = Text()
    if row.corrected:
        text.append("(rettet) ", style="bold")
    if row.corrects_id:
        text.append("Rettelse: ", style="bold")
    text.append(row.summary, style=themed(MUTED) if row.corrected else "")
    return text


def row_cells(row: TimelineRow, summary_width: int) -> tuple[object, ...]:
    day = row.occurred_at.date()
    summary = summary_text(row)
    summary.truncate(summary_width, overflow="ellipsis")
    style = themed(MUTED) if row.corrected else ""
    return (
        Text(format_date(day), style=style),
        Text(weekday_short(day), style=style),
        Text(load_reference().event_kinds.label(row.kind), style=style, overflow="ellipsis", no_wrap=True),
        Text(row.staff_initials or "", style=style),
        summary,
    )


class Timeline(PagedTable[TimelineRow]):
    BINDINGS = [
        Binding("enter", "select_cursor", "Vis"),
        Binding("end", "scroll_bottom", "Sidste", show=False),
        Binding("home", "scroll_top", "Første", show=False),
    ]

    DEFAULT_CSS = """
    Timeline { scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, page_size: int = PAGE_SIZE, **kwargs) -> None:
        # Scrolling reads the next page at the same point as before PagedTable: there the test was "scroll_y
        # + height >= rows - LOAD_MARGIN", and max_scroll_y = rows + 1 (the header line) - height.
        super().__init__(
            self._table_rows,
            load_margin=LOAD_MARGIN,
            scroll_margin=LOAD_MARGIN + 1,
            cursor_type="row",
            zebra_stripes=True,
            **kwargs,
        )
        self.page_size = page_size
        self._summary_width = 0

    def _table_rows(self, row: TimelineRow, _previous: TimelineRow | None) -> list[TableRow[TimelineRow]]:
        return [TableRow(row_cells(row, self._summary_width), key=row.id, item=row)]

    # --- columns ------------------------------------------------------------------------------------

    def _wanted_summary_width(self) -> int:
        width = self.size.width or self.app.size.width
        fixed = sum(w for _, _, w in _FIXED) + 2 * (len(_FIXED) + 1) + 1  # cell padding and the scrollbar
        return max(20, width - fixed)

    def _build_columns(self) -> None:
        self._summary_width = self._wanted_summary_width()
        self.clear(columns=True)
        for key, label, width in _FIXED:
            self.add_column(label, key=key, width=width)
        self.add_column("Overskrift", key="summary", width=self._summary_width)

    def on_mount(self) -> None:
        self._build_columns()

    def on_resize(self, event: events.Resize) -> None:
        if self._wanted_summary_width() != self._summary_width:
            cursor = self.cursor_row
            with self.loading_paused():  # the rows are the same, only cut to the new width
                self._build_columns()
                self.redraw()
            if self.items:
                self.move_cursor(row=min(cursor, len(self.items) - 1))

    # --- loading ------------------------------------------------------------------------------------

    def show(self, fetch: Fetch | None) -> None:
        """Start over with a new source (a citizen and a filter); None shows nothing."""
        self.start(None if fetch is None else self._pages(fetch))
        if self.items:
            self.move_cursor(row=0)

    def _pages(self, fetch: Fetch) -> PageLoader[TimelineRow]:
        def load(loaded: Sequence[TimelineRow]) -> Page[TimelineRow]:
            after = loaded[-1].key if loaded else None  # keyset paging on the last row: no offset to drift
            return Page.of(fetch(after, self.page_size), self.page_size)

        return load

    @property
    def rows_loaded(self) -> list[TimelineRow]:
        """The events loaded so far, newest first (the event view steps through them)."""
        return list(self.items)

    @property
    def exhausted(self) -> bool:
        return not self.has_more

    @property
    def selected(self) -> TimelineRow | None:
        return self.cursor_item

    def counter_text(self) -> str:
        count = len(self.items)
        if count == 0:
            return "Ingen hændelser"
        more = "" if self.exhausted else "+"
        return f"{count}{more} hændelse{'r' if count != 1 or more else ''}"

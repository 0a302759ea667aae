"""A citizen's timeline: one line per event, newest first, loaded a page at a time.

The widget never loads all events: it asks for the next page (keyset paging on the last row's ``key``)
when the cursor or the view comes near the last loaded row, so a citizen with thousands of events opens
at once. Enter posts DataTable.RowSelected as usual; ``selected`` is the row under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from aaben_raadgivning.domain.dates import format_date, weekday_short
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.queries.citizen import TimelineRow

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
    text.append(row.summary, style="dim" if row.corrected else "")
    return text


def row_cells(row: TimelineRow, summary_width: int) -> tuple[object, ...]:
    day = row.occurred_at.date()
    summary = summary_text(row)
    summary.truncate(summary_width, overflow="ellipsis")
    style = "dim" if row.corrected else ""
    return (
        Text(format_date(day), style=style),
        Text(weekday_short(day), style=style),
        Text(load_reference().event_kinds.label(row.kind), style=style, overflow="ellipsis", no_wrap=True),
        Text(row.staff_initials or "", style=style),
        summary,
    )


class Timeline(DataTable):
    BINDINGS = [
        Binding("enter", "select_cursor", "Vis"),
        Binding("end", "scroll_bottom", "Sidste", show=False),
        Binding("home", "scroll_top", "Første", show=False),
    ]

    DEFAULT_CSS = """
    Timeline { scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, page_size: int = PAGE_SIZE, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.page_size = page_size
        self.rows_loaded: list[TimelineRow] = []
        self.exhausted = True
        self._fetch: Fetch | None = None
        self._loading = False
        self._summary_width = 0

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
            self._build_columns()
            for row in self.rows_loaded:
                self.add_row(*row_cells(row, self._summary_width), key=row.id)
            if self.rows_loaded:
                self.move_cursor(row=min(cursor, len(self.rows_loaded) - 1))

    # --- loading ------------------------------------------------------------------------------------

    def show(self, fetch: Fetch | None) -> None:
        """Start over with a new source (a citizen and a filter); None shows nothing."""
        self._fetch = None  # clearing moves the cursor: nothing may load before the first page
        self.rows_loaded = []
        self.clear()
        self._fetch = fetch
        self.exhausted = fetch is None
        self.load_more()
        if self.rows_loaded:
            self.move_cursor(row=0)

    def load_more(self) -> None:
        if self._fetch is None or self.exhausted or self._loading:
            return
        self._loading = True  # adding rows moves the view, which must not ask for the same page again
        try:
            after = self.rows_loaded[-1].key if self.rows_loaded else None
            page = self._fetch(after, self.page_size)
            self.exhausted = len(page) < self.page_size
            self.rows_loaded.extend(page)
            for row in page:
                self.add_row(*row_cells(row, self._summary_width), key=row.id)
        finally:
            self._loading = False

    def _near_end(self, row: int) -> None:
        if self.rows_loaded and not self.exhausted and row >= len(self.rows_loaded) - LOAD_MARGIN:
            self.load_more()

    def watch_cursor_coordinate(self, old_coordinate: Coordinate, new_coordinate: Coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        self._near_end(new_coordinate.row)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._near_end(int(new_value) + self.size.height)  # the last row in view (mouse wheel, scrollbar)

    @property
    def selected(self) -> TimelineRow | None:
        if not self.rows_loaded or self.row_count == 0:
            return None
        row = self.cursor_row
        return self.rows_loaded[row] if 0 <= row < len(self.rows_loaded) else None

    def counter_text(self) -> str:
        count = len(self.rows_loaded)
        if count == 0:
            return "Ingen hændelser"
        more = "" if self.exhausted else "+"
        return f"{count}{more} hændelse{'r' if count != 1 or more else ''}"

"""A DataTable for lists too long to read at once: it asks a loader for one page of items at a time.

The next page is read when the cursor comes within ``load_margin`` rows of the last row, or the view is
scrolled within ``scroll_margin`` lines of its end (mouse wheel, scrollbar, End). The loader says whether
more items follow, so a short or empty page ends the reading. Each page is read once: the loader is not
asked again while a page is being added (adding rows moves the cursor, which would ask for the same page).

An item becomes one or more table rows through a renderer, so a list can carry group headings; a heading
(or a note such as "no rows") is a row without an item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from textual.coordinate import Coordinate
from textual.widgets import DataTable

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page from a loader, and whether the loader has more items after it."""

    items: Sequence[ItemT]
    more: bool

    @classmethod
    def of(cls, items: Sequence[ItemT], limit: int) -> Page[ItemT]:
        """The page read with ``limit``: only a full page can have more after it."""
        return cls(items, more=len(items) >= limit)


@dataclass(frozen=True)
class TableRow(Generic[ItemT]):
    """A row to add to the table; ``item`` is None for a heading or a note (nothing to act on)."""

    cells: Sequence[object]
    key: str
    item: ItemT | None = None


# Reads the page after the items loaded so far (an offset is len(loaded); a keyset is loaded[-1]).
PageLoader = Callable[[Sequence[ItemT]], Page[ItemT]]
# The table rows for an item, given the item before it (None for the first): headings first, then its own.
RowRenderer = Callable[[ItemT, ItemT | None], Iterable[TableRow[ItemT]]]


class PagedTable(DataTable[Any], Generic[ItemT]):
    def __init__(
        self,
        render: RowRenderer[ItemT],
        *,
        load_margin: int,
        scroll_margin: int | None = None,
        **kwargs: Any,
    ) -> None:
        # Set before DataTable's setup, so the cursor and scroll watchers below never find them missing.
        self._row_renderer = render
        self.load_margin = load_margin
        self.scroll_margin = load_margin if scroll_margin is None else scroll_margin
        self._loader: PageLoader[ItemT] | None = None
        self._items: list[ItemT] = []
        self._row_items: list[ItemT | None] = []
        self._paused = False
        self.has_more = False
        super().__init__(**kwargs)

    # --- what is loaded -----------------------------------------------------------------------------

    @property
    def items(self) -> Sequence[ItemT]:
        """The items loaded so far, in order. A new list on start(), so a caller may keep the old one."""
        return self._items

    @property
    def row_items(self) -> Sequence[ItemT | None]:
        """The item of each table row (None for a heading or a note)."""
        return self._row_items

    def item_at(self, row: int) -> ItemT | None:
        return self._row_items[row] if 0 <= row < len(self._row_items) else None

    @property
    def cursor_item(self) -> ItemT | None:
        return self.item_at(self.cursor_row) if self.row_count else None

    # --- reading ------------------------------------------------------------------------------------

    def start(self, loader: PageLoader[ItemT] | None, first: Page[ItemT] | None = None) -> None:
        """Start over with a new source. ``first`` is the first page when the caller has read it already
        (e.g. together with counts for a header); otherwise the loader reads it. None shows no rows."""
        with self.loading_paused():  # clearing moves the cursor and the view: nothing may load before page one
            self._loader = None
            self._items = []
            self.clear()
            self._loader = loader
            self.has_more = loader is not None
        if loader is not None and first is not None:
            self._add_page(first)
        else:
            self.load_next_page()

    def load_next_page(self) -> bool:
        """Read and add the next page, if there is one and none is being added; True if a page was read."""
        if self._loader is None or not self.has_more or self._paused:
            return False
        with self.loading_paused():
            self._add_page(self._loader(self._items))
        return True

    def _add_page(self, page: Page[ItemT]) -> None:
        with self.loading_paused():
            self.has_more = page.more
            for item in page.items:
                self._add_rows(self._row_renderer(item, self._items[-1] if self._items else None))
                self._items.append(item)

    def add_note_row(self, *cells: object, key: str) -> None:
        """A row that stands for no item, e.g. a message that the list is empty."""
        self._add_rows([TableRow(cells, key)])

    def redraw(self) -> None:
        """Clear the rows and add those of every loaded item again (after a change of column widths,
        say); nothing is read."""
        with self.loading_paused():
            self.clear()
            previous: ItemT | None = None
            for item in self._items:
                self._add_rows(self._row_renderer(item, previous))
                previous = item

    @contextmanager
    def loading_paused(self) -> Iterator[None]:
        """No page is read inside: for changes that clear and refill the table (which move the cursor)."""
        was, self._paused = self._paused, True
        try:
            yield
        finally:
            self._paused = was

    def _add_rows(self, rows: Iterable[TableRow[ItemT]]) -> None:
        for row in rows:
            self.add_row(*row.cells, key=row.key)
            self._row_items.append(row.item)

    def clear(self, columns: bool = False) -> Self:
        self._row_items = []
        return super().clear(columns)

    # --- when to read -------------------------------------------------------------------------------

    def _near_end(self) -> None:
        if self._items:  # before the first page there is no end to be near
            self.load_next_page()

    def watch_cursor_coordinate(self, old_coordinate: Coordinate, new_coordinate: Coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        if new_coordinate.row >= self.row_count - self.load_margin:
            self._near_end()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y - self.scroll_margin:  # the mouse wheel and the scrollbar move no cursor
            self._near_end()

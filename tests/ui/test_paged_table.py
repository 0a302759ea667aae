"""Pilot tests of PagedTable on its own: a fake loader of 250 items in pages of 50."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult

from aaben_raadgivning.ui.widgets.paged_table import Page, PagedTable, TableRow

TOTAL = 250
PAGE = 50
MARGIN = 5


class FakeLoader:
    """Items 0..249; remembers every offset it was asked for."""

    def __init__(self, total: int = TOTAL) -> None:
        self.total = total
        self.offsets: list[int] = []

    def __call__(self, loaded: Sequence[int]) -> Page[int]:
        offset = len(loaded)
        self.offsets.append(offset)
        items = list(range(offset, min(offset + PAGE, self.total)))
        return Page(items, more=offset + len(items) < self.total)


def one_row(item: int, _previous: int | None) -> list[TableRow[int]]:
    return [TableRow((f"Række {item}",), key=str(item), item=item)]


def with_headings(item: int, previous: int | None) -> list[TableRow[int]]:
    """A heading before every hundred, as the follow-up queue has before each group."""
    rows: list[TableRow[int]] = []
    if previous is None or item // 100 != previous // 100:
        rows.append(TableRow((f"Fra {item}",), key=f"heading-{item}"))
    rows.append(TableRow((f"Række {item}",), key=str(item), item=item))
    return rows


class TableApp(App[None]):
    def __init__(self, loader: FakeLoader, render=one_row, scroll_margin: int | None = None) -> None:
        super().__init__()
        self.loader = loader
        self.render_rows = render
        self.scroll_margin = scroll_margin

    def compose(self) -> ComposeResult:
        yield PagedTable(self.render_rows, load_margin=MARGIN, scroll_margin=self.scroll_margin, cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_column("Tekst", key="text")
        table.start(self.loader)
        table.focus()


async def test_the_next_page_comes_when_the_cursor_nears_the_end_and_stops_at_the_last():
    loader = FakeLoader()
    app = TableApp(loader, scroll_margin=0)  # only the very bottom of the view reads: this is about the cursor
    async with app.run_test(size=(40, 20)) as pilot:
        table: PagedTable[int] = app.query_one(PagedTable)
        assert list(table.items) == list(range(PAGE)) and table.has_more
        assert loader.offsets == [0]
        await pilot.press("pagedown")  # one page down is not near the end yet
        await pilot.pause()
        assert loader.offsets == [0]
        table.move_cursor(row=PAGE - MARGIN - 1)  # one row before the margin
        await pilot.pause()
        assert loader.offsets == [0]
        await pilot.press("down")  # into the margin: the second page
        await pilot.pause()
        assert loader.offsets == [0, PAGE] and len(table.items) == 2 * PAGE
        for _ in range(6):  # to the bottom, again and again
            await pilot.press("ctrl+end")
            await pilot.pause()
        assert loader.offsets == [0, 50, 100, 150, 200]  # each page read once, none after the last
        assert not table.has_more
        assert list(table.items) == list(range(TOTAL)) and table.row_count == TOTAL
        assert table.cursor_item == TOTAL - 1
        await pilot.press("up", "down", "ctrl+home", "ctrl+end")
        await pilot.pause()
        assert loader.offsets == [0, 50, 100, 150, 200]


async def test_scrolling_to_the_end_reads_the_next_page():
    loader = FakeLoader()
    app = TableApp(loader)
    async with app.run_test(size=(40, 20)) as pilot:
        table: PagedTable[int] = app.query_one(PagedTable)
        table.scroll_end(animate=False)  # as with the mouse wheel or the scrollbar: the cursor stays
        await pilot.pause()
        assert loader.offsets[:2] == [0, PAGE] and table.cursor_row == 0
        assert len(set(loader.offsets)) == len(loader.offsets)


async def test_start_over_and_a_first_page_read_by_the_caller():
    loader = FakeLoader()
    app = TableApp(loader)
    async with app.run_test(size=(40, 20)) as pilot:
        table: PagedTable[int] = app.query_one(PagedTable)
        kept = table.items
        again = FakeLoader(total=3)
        table.start(again, Page([0, 1, 2], more=False))
        await pilot.pause()
        assert again.offsets == []  # the first page was given: the loader is not asked for it
        assert list(table.items) == [0, 1, 2] and not table.has_more
        assert list(kept) == list(range(PAGE))  # a caller's list of the old items is left alone
        table.start(None)
        assert table.row_count == 0 and table.cursor_item is None and not table.has_more
        table.add_note_row("Ingen rækker", key="empty")
        assert table.row_items == [None] and table.cursor_item is None


async def test_headings_are_rows_without_an_item():
    loader = FakeLoader()
    app = TableApp(loader, render=with_headings)
    async with app.run_test(size=(40, 20)) as pilot:
        table: PagedTable[int] = app.query_one(PagedTable)
        for _ in range(6):
            await pilot.press("ctrl+end")
            await pilot.pause()
        assert loader.offsets == [0, 50, 100, 150, 200]
        assert table.row_count == TOTAL + 3  # headings before 0, 100 and 200
        assert [i for i, item in enumerate(table.row_items) if item is None] == [0, 101, 202]
        assert table.item_at(0) is None and table.item_at(1) == 0 and table.item_at(102) == 100
        table.redraw()  # e.g. after new column widths: same rows, nothing read
        assert table.row_count == TOTAL + 3 and loader.offsets == [0, 50, 100, 150, 200]

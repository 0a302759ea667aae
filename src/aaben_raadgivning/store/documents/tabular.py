"""Tables for people's spreadsheets: one CSV file or one XLSX sheet from headings and rows.

Shared by the export for people (``export --csv/--xlsx``) and the results report. Danish Excel is the reader:

- CSV: ``;``-separated, UTF-8 with a byte-order mark, CRLF; dates ``dd.mm.åååå`` (times ``dd.mm.åååå tt:mm``),
  decimal comma, ``ja``/``nej`` for yes/no, a month as ``mm.åååå``.
- XLSX (openpyxl, write-only mode, so 100 000 rows never sit in memory as cells): dates and times are real
  date cells with a Danish number format, numbers are numbers; the heading row is bold and frozen.

Rows are iterables of cell values (``Cell``); the writers stream them and return how many they wrote.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from openpyxl import Workbook


class Month(date):
    """The first day of a month that stands for the whole month (hours are reported per month)."""


Cell = str | int | float | date | datetime | None
Row = Sequence[Cell]
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
MONTH_FORMAT = "mm.yyyy"
BOM = "\ufeff"


def decimal_comma(value: float, places: int = 2) -> str:
    """``7.5`` as ``7,5``; at most ``places`` decimals, no trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").replace(".", ",")


_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER_LIKE = re.compile(r"[+-][\d ().,/-]*")


def _defused(text: str) -> str:
    """A text Excel would run as a formula (``=HYPERLINK(…)``, ``@SUM(…)``) gets a leading apostrophe;
    a phone number such as «+45 12 34 56 78» is left alone."""
    return text if _NUMBER_LIKE.fullmatch(text) else "'" + text


def csv_text(value: Cell) -> str:
    """A cell as CSV text for Danish Excel."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _defused(value) if value[:1] in _FORMULA_START else value
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, Month):
        return f"{value:%m.%Y}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return decimal_comma(value)
    return str(value)


def write_csv(
    out: TextIO, headings: Sequence[str], rows: Iterable[Row], tick: Callable[[int], None] | None = None
) -> int:
    """Write a byte-order mark, the headings and ``rows`` to ``out`` (opened with ``newline=""``); the row
    count. ``tick(n)`` is called every 5 000 rows (progress)."""
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    text = csv_text
    count = 0
    for row in rows:
        writer.writerow([text(value) for value in row])
        count += 1
        if tick is not None and count % 5_000 == 0:
            tick(count)
    return count


def new_workbook() -> Workbook:
    """An empty write-only workbook (``add_sheet`` for each table, then ``book.save(file)``)."""
    from openpyxl import Workbook  # imported here: only the spreadsheet exports need it

    return Workbook(write_only=True)


def add_sheet(
    book: Workbook,
    title: str,
    headings: Sequence[str],
    rows: Iterable[Row],
    *,
    widths: Sequence[float] = (),
    tick: Callable[[int], None] | None = None,
) -> int:
    """Append a sheet with a bold, frozen heading row and ``rows``; the row count. Dates (and times, and
    months) become date cells with a Danish format; booleans «ja»/«nej»."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title=title[:31])  # Excel's limit for a sheet name
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        if width:
            sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    heading_cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        heading_cells.append(cell)
    sheet.append(heading_cells)

    def cell_of(value: Cell) -> Any:
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, Month):
                cell.value = date(value.year, value.month, 1)
                cell.number_format = MONTH_FORMAT
            else:
                cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, bool):
            return "ja" if value else "nej"
        if isinstance(value, str):  # «=…» is text here, never a formula
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    count = 0
    for row in rows:
        sheet.append(
            [cell_of(v) if isinstance(v, date | bool) or (isinstance(v, str) and v[:1] == "=") else v for v in row]
        )
        count += 1
        if tick is not None and count % 5_000 == 0:
            tick(count)
    return count

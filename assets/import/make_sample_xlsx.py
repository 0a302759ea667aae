"""Write ``borgere_eksempel.xlsx`` from ``borgere_eksempel.csv`` (the same rows), as a spreadsheet program would
save it: «Ydelse siden» as real dates, the rest as text. ``tests/test_assets.py`` checks that the two files give
the same typed rows, so run this after changing the CSV:

    python assets/import/make_sample_xlsx.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))


def write_sample(target: Path = HERE / "borgere_eksempel.xlsx", source: Path = HERE / "borgere_eksempel.csv") -> Path:
    from datetime import date

    from openpyxl import Workbook

    from aaben_raadgivning.domain.dates import parse_date

    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    since = rows[0].index("Ydelse siden")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Borgere"
    for number, row in enumerate(rows):
        cells: list[object] = list(row)
        if number and cells[since]:
            cells[since] = parse_date(str(cells[since]), date(2026, 12, 7))
        sheet.append([cell if cell != "" else None for cell in cells])
    for cell in sheet["F"][1:]:
        cell.number_format = "DD.MM.YYYY"
    # A fixed timestamp, so that the file only changes when its content does.
    from datetime import datetime

    workbook.properties.created = workbook.properties.modified = datetime(2026, 12, 7)
    workbook.save(target)
    return target


if __name__ == "__main__":
    print(write_sample())

"""``report --month … --out …``: the month's results as CSV, XLSX and PDF — the same figures as
``month_results`` — refusing to overwrite without --force and writing only regular files; the extract audited."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.documents.results_report import HEADINGS, danish_number, report_rows
from aaben_raadgivning.store.queries.results import month_results
from aaben_raadgivning.store.queries.viewer import Viewer
from support.clock import FixedClock
from support.keys import raw_connect

NOV = date(2026, 11, 1)


@pytest.fixture
def data(tmp_path) -> Path:
    """Two citizens visited in November 2026; Åse kept a samtale and missed one: fremmøde 1 / 2 = 50 %."""
    from aaben_raadgivning.runtime import open_runtime

    folder = tmp_path / "data"
    folder.mkdir()
    clock = FixedClock(datetime(2026, 11, 3, 9))
    runtime = open_runtime(folder, now=clock)
    db = runtime.db
    jk = create_staff(db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password="hemmelig1")
    for name in ("Åse Østergård", "Bjørn Ærø"):
        citizen = create_citizen(db, jk.id, name=name, housing_area="Vestparken")
        record_visitation(db, jk.id, citizen.id, "projekt")
    clock.utc = to_utc(datetime(2026, 11, 10, 12))
    add_event(db, jk.id, citizen.id, kind="samtale", summary="Samtale", occurred_at=datetime(2026, 11, 10, 10))
    record_no_show(db, jk.id, citizen.id, calendar=WorkdayCalendar(), occurred_at=datetime(2026, 11, 10, 11))
    runtime.close()
    return folder


def _expected(data: Path, **kwargs) -> list[tuple]:
    from aaben_raadgivning.runtime import open_runtime

    runtime = open_runtime(data)
    try:
        results = month_results(runtime.db, NOV, viewer=Viewer.system(), **kwargs)
    finally:
        runtime.close()
    return [row.values() for row in report_rows(results)]


def _exports(data: Path) -> list[str]:
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        return [
            r[0] for r in conn.execute("SELECT detail FROM audit_log WHERE action = 'export' AND entity = 'results'")
        ]


def test_csv_is_semicolon_separated_with_decimal_comma_and_bom(run, data, tmp_path):
    out = tmp_path / "resultater.csv"
    code, stdout, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out))
    assert code == 0, err
    assert f"Resultater for november 2026 skrevet til {out}." in stdout
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == HEADINGS
    expected = [[v if isinstance(v, str) else danish_number(v) for v in row] for row in _expected(data)]
    assert rows[1:] == expected
    assert ["Fremmøde", "Alle (fremmødt / aftalte møder)", "1", "2", "50,0", "≥ 70 %", "Ikke nået"] in rows
    assert ["Tilgang", "Visiteret til projektet i måneden", "2", "", "", "", ""] in rows
    [detail] = _exports(data)
    assert "Resultatrapport: november 2026 (0 borgere) skrevet som CSV" in detail and "kommandolinjen" in detail


def test_xlsx_holds_the_same_figures_as_numbers(run, data, tmp_path):
    out = tmp_path / "resultater.xlsx"
    code, _, err = run("--data-dir", str(data), "report", "--month", "11.2026", "--out", str(out), "--per-citizen")
    assert code == 0, err
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "Resultater for november 2026"
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    start = values.index(HEADINGS)
    expected = _expected(data, per_citizen=True)
    assert [tuple(v if v != "" else None for v in row) for row in values[start + 1 :]] == [
        tuple(v if v != "" else None for v in row) for row in expected
    ]
    assert ("Fremmøde pr. borger", "Bjørn Ærø", 1, 2, 50.0, "≥ 70 %", "Ikke nået") in values
    assert "(1 borgere) skrevet som XLSX" in _exports(data)[0]


def test_pdf_is_a_pdf_with_the_figures(run, data, tmp_path):
    out = tmp_path / "resultater.pdf"
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out))
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF-")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())  # cells wrap
    for label in ("Resultater for november 2026", "Bestand ved månedens start", "Fremmøde", "Selvforsørgelse",
                  "Ordinære timer", "Ikke nået", "50,0"):  # fmt: skip
        assert label in text


def test_refuses_to_overwrite_and_writes_only_regular_files(run, data, tmp_path):
    out = tmp_path / "resultater.csv"
    out.write_text("gammel")
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out))
    assert code == 1 and "findes allerede" in err and "--force" in err
    assert out.read_text() == "gammel"
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out), "--force")
    assert code == 0, err
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    folder = tmp_path / "mappe.csv"
    folder.mkdir()
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(folder), "--force")
    assert code == 1 and "er en mappe" in err
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(pipe), "--force")
    assert code == 1 and "ikke en almindelig fil" in err
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(tmp_path / "r.txt"))
    assert code == 1 and ".csv, .xlsx eller .pdf" in err
    assert len(_exports(data)) == 1  # only the one file written


def test_bad_month_and_unknown_staff_are_danish_errors(run, data, tmp_path):
    out = tmp_path / "r.csv"
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-13", "--out", str(out))
    assert code == 1 and "Måneden" in err
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out), "--staff", "XX")
    assert code == 1 and "Ingen medarbejder har initialerne XX" in err
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out),
                       "--step-model", "ukendt")  # fmt: skip
    assert code == 1 and "findes ikke" in err
    assert not out.exists()
    code, _, err = run("--data-dir", str(data), "report", "--month", "2026-11", "--out", str(out), "--staff", "jk",
                       "--housing-area", "Vestparken")  # fmt: skip
    assert code == 0, err
    assert "november 2026, boligområde Vestparken, medarbejder JK" in _exports(data)[0]
    assert "Udvalg: boligområde Vestparken, medarbejder JK" not in out.read_text("utf-8-sig")  # CSV: figures only

"""The month's results as a file: CSV, XLSX or PDF, from the very figures ``queries.results.month_results``
returns (``report_rows`` is the one table all three formats write).

CSV: ``;``-separated, decimal comma, UTF-8 with a byte-order mark, so Danish Excel opens it. XLSX: openpyxl,
numbers as numbers. PDF: fpdf2 with DejaVu Sans embedded, as every printed document (see pdf.py). The file is
an extract of data (with the fremmøde per citizen, of personal data): it is audited, and written under a
temporary name that is renamed into place only after the audit entry is committed (as the JSON export does).
Only a new file, or with ``overwrite`` a regular file, is ever replaced.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.hours import format_month
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.documents.export import ExportError, _check_target, describe_os_error
from aaben_raadgivning.store.documents.tabular import write_csv
from aaben_raadgivning.store.queries.results import MonthResults, Rate

FORMATS = ("csv", "xlsx", "pdf")
HEADINGS = ("Afsnit", "Nøgletal", "Antal", "Af", "Procent", "Mål", "Status")
TITLE = "Resultater"

Value = int | float | str | None


@dataclass(frozen=True)
class ReportRow:
    section: str
    label: str
    count: int | float | None
    of: int | None = None
    percent: float | None = None
    goal: str = ""
    status: str = ""  # «Nået» / «Ikke nået» / ""

    def values(self) -> tuple[Value, ...]:
        return (self.section, self.label, self.count, self.of, self.percent, self.goal, self.status)


def _rate_row(section: str, label: str, rate: Rate, goal_text: str = "") -> ReportRow:
    percent = round(rate.percent, 1) if rate.percent is not None else None
    goal = goal_text or (f"≥ {rate.goal_percent:g} %" if rate.goal_percent is not None else "")
    status = "" if rate.missed is None else ("Ikke nået" if rate.missed else "Nået")
    return ReportRow(section, label, rate.numerator, rate.denominator, percent, goal, status)


def report_rows(results: MonthResults) -> list[ReportRow]:
    """Every figure of the month, one row each, in the order the screen shows them."""
    rows: list[ReportRow] = []
    for step in results.caseload:
        rows.append(ReportRow("Bestand ved månedens start", step.label, step.start))
    rows.append(ReportRow("Bestand ved månedens start", "I alt", results.caseload_start))
    for step in results.caseload:
        rows.append(ReportRow("Bestand ved månedens slutning", step.label, step.end))
    rows.append(ReportRow("Bestand ved månedens slutning", "I alt", results.caseload_end))
    rows.append(ReportRow("Tilgang", "Visiteret til projektet i måneden", results.inflow))
    for row in results.left:
        rows.append(ReportRow("Afgang fra bestanden", row.label, row.count))
    for row in results.outflow:
        rows.append(ReportRow("Afgang efter udfald", row.label, row.count))
    rows.append(ReportRow("Afgang efter udfald", "I alt", results.outflow_total))
    cohort = results.self_support
    label = f"Henvist i {format_month(cohort.cohort_month)}, selvforsørgende efter {cohort.after_months} måneder"
    if not cohort.complete:
        label += " (foreløbigt)"
    rows.append(_rate_row("Selvforsørgelse", label, cohort.rate))
    rows.append(_rate_row("Fremmøde", "Alle (fremmødt / aftalte møder)", results.attendance))
    for section, group in (
        ("Fremmøde pr. kontor", results.attendance_by_office),
        ("Fremmøde pr. medarbejder", results.attendance_by_staff),
        ("Fremmøde pr. borger", results.attendance_by_citizen),
    ):
        rows.extend(_rate_row(section, line.label, line.rate) for line in group)
    hours = results.hours
    rows.append(
        ReportRow(
            "Ordinære timer", f"Borgere med mindst {hours.goal_hours:g} ordinære timer", hours.reached,
            hours.reported, round(100.0 * hours.reached / hours.reported, 1) if hours.reported else None,
            f"≥ {hours.goal_hours:g} timer pr. borger",
        )
    )  # fmt: skip
    for row in results.walk_ins:
        rows.append(ReportRow("Henvendelser i åben rådgivning", row.label, row.count))
    rows.append(ReportRow("Henvendelser i åben rådgivning", "I alt", results.walk_ins_total))
    rows.append(ReportRow("Henvendelser i åben rådgivning", "Heraf gået uden hjælp", results.walk_ins_cancelled))
    follow_ups = results.follow_ups
    rows.append(_rate_row("Opfølgning", "Udført senest på fristen", follow_ups.on_time))
    rows.append(ReportRow("Opfølgning", "Udført efter fristen", follow_ups.late))
    rows.append(ReportRow("Opfølgning", "Ikke udført, fristen overskredet", follow_ups.overdue))
    rows.append(ReportRow("Skift af jobformidler", "Skift i måneden", results.jobformidler_changes))
    rows.append(ReportRow("Skift af jobformidler", "Borgere med skift", results.jobformidler_change_citizens))
    return rows


def danish_number(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _heading(results: MonthResults, filters_text: str) -> list[str]:
    lines = [f"{TITLE} for {format_month(results.month)}"]
    if filters_text:
        lines.append(f"Udvalg: {filters_text}")
    return lines


def render_csv(results: MonthResults, made_text: str, filters_text: str = "") -> bytes:
    out = io.StringIO()
    rows = ([v if isinstance(v, str) else danish_number(v) for v in row.values()] for row in report_rows(results))
    write_csv(out, HEADINGS, rows)  # ; and a byte-order mark, for Danish Excel (tabular.py)
    return out.getvalue().encode("utf-8")


def render_xlsx(results: MonthResults, made_text: str, filters_text: str = "") -> bytes:
    from openpyxl import Workbook  # imported here: only the report needs it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{results.month:%Y-%m}"
    lines = [*_heading(results, filters_text), made_text]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(HEADINGS))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in report_rows(results):
        sheet.append(list(row.values()))
    for column, width in zip("ABCDEFG", (30, 60, 9, 9, 9, 22, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_pdf(results: MonthResults, made_text: str, filters_text: str = "") -> bytes:
    from aaben_raadgivning.store.documents.pdf import DocumentPdf, clean  # only the report needs fpdf2

    pdf = DocumentPdf(f"{TITLE} for {format_month(results.month)}")
    heading = _heading(results, filters_text)
    pdf.text_block(heading[0], 15, "B", 8)
    for line in [*heading[1:], made_text]:
        pdf.text_block(line, 9.5)
    pdf.ln(3)
    pdf.font(8.5)
    with pdf.table(
        col_widths=(3.2, 5.4, 1.1, 1.1, 1.2, 2.2, 1.5), text_align="LEFT", line_height=4.4, padding=1.2,
        first_row_as_headings=True,
    ) as table:  # fmt: skip
        table.row(tuple(clean(h) for h in HEADINGS))
        for row in report_rows(results):
            table.row(tuple(clean(v if isinstance(v, str) else danish_number(v)) for v in row.values()))
    return pdf.to_bytes()


_RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}


def report_format(path: str | Path) -> str:
    """The format named by the file's ending (.csv, .xlsx, .pdf); ExportError (Danish) otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in _RENDERERS:
        raise ExportError(f"Filen {path} skal ende på .csv, .xlsx eller .pdf. Der er ikke skrevet nogen fil.")
    return suffix


def write_results_report(
    db: Database,
    results: MonthResults,
    target: str | Path,
    *,
    actor_id: str | None = None,
    overwrite: bool = False,
    criterion: str = "",
    filters_text: str = "",
    via: str = "",
) -> Path:
    """Write ``results`` to ``target`` (format by its ending) and audit the extract; the path written."""
    path = Path(target).absolute()
    kind = report_format(path)
    _check_target(path, overwrite)
    made = to_local(db.now())
    made_text = f"Udskrevet {format_date(made.date())} kl. {made:%H:%M}."
    content = _RENDERERS[kind](results, made_text, filters_text)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
    except OSError as exc:
        raise ExportError(
            f"Rapporten kunne ikke skrives til {path}: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
        ) from exc
    try:
        _check_target(path, overwrite)  # again: something may have appeared there meanwhile
        citizens = len(results.attendance_by_citizen)
        detail = f"Resultatrapport: {criterion} ({citizens} borgere) skrevet som {kind.upper()} til {path}{via}"
        with db.transaction() as tx:
            tx.audit(actor_id, "export", "results", None, None, detail)
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return path

"""Indsigt (GDPR art. 15): a citizen's report of every look-up and change of their data — who, when, what.

Read from the audit log (every row about the citizen, oldest first) and written as PDF (fpdf2 with DejaVu Sans
embedded, as every printed document: see pdf.py) and/or CSV (``;``-separated, UTF-8
with a byte-order mark so Excel reads æøå, Danish headings). The report is itself an extract of personal data,
so it is audited; the files are written under temporary names and renamed into place only after the audit
entry is committed, as the JSON export does: never a half file, nor a report the audit log does not know of.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import NotFoundError
from aaben_raadgivning.security.permissions import PermissionDenied, load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.documents.export import ExportError, _check_target, describe_os_error
from aaben_raadgivning.store.models import Staff
from aaben_raadgivning.store.queries.audit_log import AUDIT_SCOPE, AuditRow, audit_row

CSV_HEADINGS = ("Dato", "Tid", "Medarbejder", "Medarbejderens navn", "Handling", "Hvad")
TITLE = "Indsigt: opslag og ændringer af dine oplysninger"

_SELECT = (
    "SELECT a.id, a.at, a.staff_id, s.initials, s.name, a.action, a.entity, a.entity_id, a.citizen_id, c.name, "
    "a.detail, a.device_id, a.chain_seq FROM audit_log AS a INDEXED BY ix_audit_log_citizen_at "
    "LEFT JOIN staff AS s ON s.id = a.staff_id LEFT JOIN citizens AS c ON c.id = a.citizen_id "
    "WHERE a.citizen_id = ? ORDER BY a.at, a.id"
)


@dataclass(frozen=True)
class IndsigtReport:
    citizen_id: str
    citizen_name: str
    cpr: str | None  # formatted DDMMÅÅ-SSSS
    made_at: datetime  # naive UTC
    rows: tuple[AuditRow, ...]

    @property
    def before_chain(self) -> int:
        return sum(1 for row in self.rows if not row.chained)


@dataclass(frozen=True)
class IndsigtResult:
    report: IndsigtReport
    files: tuple[str, ...]


def build_report(conn: Connection, citizen_id: str, made_at: datetime) -> IndsigtReport:
    citizen = conn.exec_driver_sql("SELECT name, cpr FROM citizens WHERE id = ?", (citizen_id,)).first()
    if citizen is None:
        raise NotFoundError("Borgeren findes ikke (længere).")
    cpr = str(citizen[1]) if citizen[1] else None
    rows = tuple(audit_row(r) for r in conn.exec_driver_sql(_SELECT, (citizen_id,)).all())
    return IndsigtReport(citizen_id, str(citizen[0]), f"{cpr[:6]}-{cpr[6:]}" if cpr else None, made_at, rows)


def _cells(row: AuditRow) -> tuple[str, str, str, str, str, str]:
    local = to_local(row.at)
    return (format_date(local.date()), local.strftime("%H:%M:%S"), row.staff_initials or "system",
            row.staff_name or ("Automatisk (programmet)" if not row.staff_id else ""), row.action_label,
            row.detail)  # fmt: skip


def render_csv(report: IndsigtReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for row in report.rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _intro(report: IndsigtReport) -> list[str]:
    made = to_local(report.made_at)
    who = report.citizen_name + (f", CPR {report.cpr}" if report.cpr else "")
    lines = [
        f"Borger: {who}",
        f"Udskrevet {format_date(made.date())} kl. {made:%H:%M}.",
        "Rapporten viser hver gang, en medarbejder har søgt dig frem, set, ændret, udskrevet eller udtrukket "
        "dine oplysninger i Åben Rådgivning: hvem, hvornår og hvad (databeskyttelsesforordningen artikel 15).",
        f"Antal registreringer: {len(report.rows)}.",
    ]
    if report.before_chain:
        lines.append(
            f"{report.before_chain} af registreringerne er fra før revisionssporet blev sikret mod ændringer "
            "(hashkæde)."
        )
    return lines


def render_pdf(report: IndsigtReport) -> bytes:
    from aaben_raadgivning.store.documents.pdf import DocumentPdf, clean  # only the report needs fpdf2

    pdf = DocumentPdf(f"{TITLE} – {report.citizen_name}", footer_title=TITLE)
    pdf.text_block(TITLE, 15, "B", 8)
    for line in _intro(report):
        pdf.text_block(line, 9.5)
    pdf.ln(3)
    if not report.rows:
        pdf.text_block("Der er ingen registrerede opslag eller ændringer af dine oplysninger.", 10)
        return pdf.to_bytes()
    pdf.font(8.5)
    with pdf.table(
        col_widths=(1.9, 1.3, 2.8, 2.2, 5.5), text_align="LEFT", line_height=4.4, padding=1.2,
        first_row_as_headings=True,
    ) as table:  # fmt: skip
        table.row(("Dato og tid", "Medarbejder", "Navn", "Handling", "Hvad"))
        for row in report.rows:
            day, time, initials, name, action, detail = _cells(row)
            table.row(tuple(clean(cell) for cell in (f"{day} {time[:5]}", initials, name, action, detail)))
    return pdf.to_bytes()


def _require_reader(conn: Connection, actor_id: str | None) -> None:
    """A person (not the command line, which has the database key) must have the «audit» read scope."""
    if actor_id is None:
        return
    role = conn.exec_driver_sql("SELECT role FROM staff WHERE id = ?", (actor_id,)).scalar()
    if not load_permissions().may_read(role, AUDIT_SCOPE):
        raise PermissionDenied("Kun jobkonsulenter og ledere kan lave en indsigtsrapport.")


def write_indsigt(
    db: Database,
    citizen_id: str,
    *,
    pdf: str | Path | None = None,
    csv_file: str | Path | None = None,
    actor_id: str | None = None,
    overwrite: bool = False,
    via: str = "",
) -> IndsigtResult:
    """Write the citizen's indsigt report to ``pdf`` and/or ``csv_file`` and audit it. An existing file is
    replaced only with ``overwrite`` (and only a regular file). ``via``: how it was asked for (the CLI says so)."""
    targets: list[tuple[Path, str]] = []
    if pdf is not None:
        targets.append((Path(pdf).absolute(), "pdf"))
    if csv_file is not None:
        targets.append((Path(csv_file).absolute(), "csv"))
    if not targets:
        raise ExportError("Angiv en fil til rapporten (PDF og/eller CSV).")
    if len({path for path, _ in targets}) < len(targets):
        raise ExportError("PDF og CSV skal skrives til hver sin fil.")
    for path, _ in targets:
        _check_target(path, overwrite)
    with db.engine.connect() as conn:
        _require_reader(conn, actor_id)
        report = build_report(conn, citizen_id, db.now())
        conn.rollback()
    temps: list[tuple[str, Path]] = []
    try:
        for path, kind in targets:
            content = render_pdf(report) if kind == "pdf" else render_csv(report)
            try:
                fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(fd, "wb") as out:
                    out.write(content)
            except OSError as exc:
                raise ExportError(
                    f"Rapporten kunne ikke skrives til {path}: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
                ) from exc
            temps.append((temp, path))
        for path, _ in targets:
            _check_target(path, overwrite)  # again: something may have appeared there meanwhile
        files = " og ".join(f"{kind.upper()} til {path}" for path, kind in targets)
        detail = f"Indsigtsrapport (GDPR art. 15) med {len(report.rows)} registreringer: {files}{via}"
        with db.transaction() as tx:
            tx.audit(actor_id, "indsigt", "citizen", citizen_id, citizen_id, detail)
        for temp, path in temps:
            os.replace(temp, path)
        temps = []
    finally:
        for temp, _ in temps:
            Path(temp).unlink(missing_ok=True)
    return IndsigtResult(report, tuple(str(path) for path, _ in targets))


def staff_label(db: Database, staff_id: str) -> str:
    with db.session() as session:
        staff = session.get(Staff, staff_id)
    return f"{staff.initials} · {staff.name}" if staff else staff_id


def citizen_by_cpr(db: Database, cpr: str) -> list[tuple[str, str]]:
    """(id, name) of the citizens (not deleted) with this CPR number (digits only)."""
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, name FROM citizens WHERE cpr = ? AND deleted_at IS NULL ORDER BY name", (cpr,)
        ).all()
        conn.rollback()
    return [(str(r[0]), str(r[1])) for r in rows]

"""The printable agreement (aftale): a Danish document the citizen, the company's contact person and the
jobformidler can read and sign — parties, tasks, weekly schedule with ordinary vs. internship hours, delmål,
follow-up dates, contacts and signature lines. Rendered to Markdown and to PDF (fpdf2).

Health notes (helbredsoplysninger) are sensitive: they are gathered only when the user chooses to include them.

The PDF is set in DejaVu Sans, embedded (store/documents/pdf.py): every name prints as it is written — «Ayşe
Yılmaz», «Łukasz Wójcik», «Nguyễn Văn An» — and so do typographic characters (– “ ” … →).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.agreements import Schedule, load_agreement_data
from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.dates import WEEKDAY_NAMES, format_date, weekday_name
from aaben_raadgivning.domain.errors import NotFoundError
from aaben_raadgivning.domain.hours import HOUR_KINDS, format_hours
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    CompanyContact,
    FollowUpTask,
    Office,
    Staff,
    SubGoal,
)

KIND_COLUMNS = {"ordinary": "Ordinære timer", "praktik": "Virksomhedspraktik", "loentilskud": "Løntilskud"}


def status_label(code: str) -> str:
    """The agreement status's Danish label from reference.toml."""
    return load_agreement_data().status_label(code)


def course_kind_label(code: str) -> str:
    """The course kind's Danish label from reference.toml (``[[course_kinds]]``)."""
    return load_agreement_data().course_label(code)


@dataclass(frozen=True)
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""

    def lines(self) -> list[str]:
        parts = [self.name + (f", {self.role}" if self.role else "")]
        if self.phone:
            parts.append(f"Telefon {self.phone}")
        if self.email:
            parts.append(self.email)
        return parts


@dataclass(frozen=True)
class FollowUpDate:
    due: date
    what: str
    done: bool


@dataclass(frozen=True)
class AgreementDocument:
    agreement_id: str
    course_kind: str
    status: str
    version: int
    printed_on: date
    citizen_name: str
    citizen_phone: str
    office: str
    company_name: str
    company_cvr: str
    company_address: str
    contact: Contact | None
    jobformidler: str
    start_date: date | None
    end_date: date | None
    tasks: str
    schedule: dict[str, list[int]]  # kind → minutes Mon..Sun
    goal_hours: float
    sub_goals: tuple[str, ...] = ()
    follow_ups: tuple[FollowUpDate, ...] = ()
    health_notes: str | None = None  # None: not included (the user did not choose to)
    previous_version: int | None = None
    status_reason: str = ""
    praktik_purpose: str = ""  # the purpose's Danish label (seed 002); "" without praktik
    praktik_expectations: str = ""  # agreed with the company (seed 002)
    ordinary_expected: bool | None = None  # seed 000 KE 7: None when the agreement has ordinary hours
    ordinary_expected_from: date | None = None
    extra: dict = field(default_factory=dict)

    @property
    def weekly(self) -> dict[str, int]:
        return {kind: sum(days) for kind, days in self.schedule.items()}

    @property
    def monthly(self) -> dict[str, Decimal]:
        schedule = Schedule({kind: tuple(days) for kind, days in self.schedule.items()})
        return {kind: schedule.month_minutes(kind) for kind in self.schedule}

    @property
    def title(self) -> str:
        return f"Aftale om virksomhedsforløb – {self.company_name}"

    @property
    def period(self) -> str:
        start = format_date(self.start_date) if self.start_date else "ikke fastsat"
        end = format_date(self.end_date) if self.end_date else "ikke fastsat"
        return f"{start} – {end}"

    @property
    def subtitle(self) -> str:
        return (
            f"{course_kind_label(self.course_kind)} · version {self.version} · "
            f"{status_label(self.status)} · udskrevet {format_date(self.printed_on)}"
        )

    @property
    def hours_note(self) -> str:
        goal = format_hours(round(self.goal_hours * 60))
        return (
            f"Kun ordinære, ustøttede timer tæller med i målet på {goal} ordinære timer om måneden. "
            "Timer i virksomhedspraktik og løntilskud tæller ikke med. En måned regnes som 52/12 uger."
        )


def build_agreement_document(
    session: Session, agreement_id: str, *, include_health: bool, today: date
) -> AgreementDocument:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or agreement.deleted_at is not None:
        raise NotFoundError("Aftalen findes ikke (længere).")
    citizen = session.get(Citizen, agreement.citizen_id)
    company = session.get(Company, agreement.company_id)
    contact_row = session.get(CompanyContact, agreement.contact_id) if agreement.contact_id else None
    contact = (
        Contact(contact_row.name, contact_row.role, contact_row.phone, contact_row.email)
        if contact_row is not None and contact_row.deleted_at is None
        else None
    )
    jobformidler = session.get(Staff, agreement.jobformidler_id) if agreement.jobformidler_id else None
    office = session.get(Office, citizen.office_id) if citizen and citizen.office_id else None
    previous = session.get(Agreement, agreement.previous_id) if agreement.previous_id else None
    schedule = Schedule.from_json(agreement.schedule)
    goals = session.scalars(
        select(SubGoal.text)
        .where(SubGoal.agreement_id == agreement.id, SubGoal.deleted_at.is_(None))
        .order_by(SubGoal.created_at, SubGoal.id)
    ).all()
    tasks = session.scalars(
        select(FollowUpTask)
        .where(FollowUpTask.agreement_id == agreement.id, FollowUpTask.deleted_at.is_(None))
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
    ).all()
    kinds = load_reference().follow_up_kinds
    follow_ups = tuple(
        FollowUpDate(task.due_date, kinds.label(task.kind) or task.reason, task.status == FollowUpStatus.DONE)
        for task in tasks
    )
    return AgreementDocument(
        agreement_id=agreement.id,
        course_kind=agreement.course_kind,
        status=agreement.status,
        version=agreement.version,
        printed_on=today,
        citizen_name=citizen.name if citizen else "",
        citizen_phone=(citizen.phone or "") if citizen else "",
        office=office.name if office else "",
        company_name=company.name if company else "",
        company_cvr=company.cvr if company else "",
        company_address=company.address if company else "",
        contact=contact,
        jobformidler=jobformidler.name if jobformidler else "",
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        tasks=agreement.tasks.strip(),
        schedule={kind: list(schedule.day(kind)) for kind in HOUR_KINDS},
        goal_hours=load_rules().ordinary_hours_goal,
        sub_goals=tuple(goals),
        follow_ups=follow_ups,
        health_notes=agreement.health_notes.strip() if include_health else None,
        previous_version=previous.version if previous else None,
        status_reason=agreement.status_reason.strip(),
        praktik_purpose=_purpose_text(agreement.praktik_purpose),
        praktik_expectations=agreement.praktik_expectations.strip(),
        ordinary_expected=agreement.ordinary_expected,
        ordinary_expected_from=agreement.ordinary_expected_from,
    )


def _purpose_text(code: str | None) -> str:
    purpose = load_agreement_data().praktik_purpose(code)
    if purpose is None:
        return code or ""
    return f"{purpose.label} – {purpose.description.lower()}" if purpose.description else purpose.label


# --- shared wording -----------------------------------------------------------------------------------------


def _hours(minutes: int | Decimal, places: int = 2) -> str:
    return format_hours(minutes, places) if minutes else "–"


def schedule_rows(doc: AgreementDocument) -> list[list[str]]:
    """Header, the days with any hours (all seven if none), the weekly and the monthly totals."""
    kinds = [kind for kind in HOUR_KINDS if kind == "ordinary" or doc.weekly[kind]]
    rows = [["Dag", *(KIND_COLUMNS[kind] for kind in kinds)]]
    days = [i for i in range(7) if any(doc.schedule[kind][i] for kind in kinds)] or list(range(7))
    for day in days:
        rows.append([WEEKDAY_NAMES[day].capitalize(), *(_hours(doc.schedule[kind][day]) for kind in kinds)])
    rows.append(["I alt pr. uge", *(_hours(doc.weekly[kind]) for kind in kinds)])
    rows.append(["Ca. pr. måned", *(_hours(doc.monthly[kind], 1) for kind in kinds)])
    return rows


def expectation_lines(doc: AgreementDocument) -> list[str]:
    """Whether and when ordinary hours are expected (seed 000 KE 7); the praktik's purpose and the
    expectations agreed with the company (seed 002). Empty when none applies."""
    lines = []
    if doc.ordinary_expected is True:
        when = f" fra {format_date(doc.ordinary_expected_from)}" if doc.ordinary_expected_from else ""
        lines.append(f"Ordinære timer: aftalen har ingen endnu; de forventes{when}.")
    elif doc.ordinary_expected is False:
        lines.append("Ordinære timer: aftalen har ingen, og de forventes ikke i dette forløb.")
    if doc.praktik_purpose:
        lines.append(f"Praktikkens formål: {doc.praktik_purpose}.")
    if doc.praktik_expectations:
        lines.append(f"Forventninger aftalt med virksomheden: {doc.praktik_expectations}")
    return lines


def party_blocks(doc: AgreementDocument) -> list[tuple[str, list[str]]]:
    citizen = [doc.citizen_name] + ([f"Telefon {doc.citizen_phone}"] if doc.citizen_phone else [])
    company = [doc.company_name, f"CVR {doc.company_cvr}"] + ([doc.company_address] if doc.company_address else [])
    if doc.contact:
        company.append(f"Fast kontaktperson: {doc.contact.lines()[0]}")
        company.extend(doc.contact.lines()[1:])
    else:
        company.append("Fast kontaktperson: ikke udpeget")
    jobcenter = [doc.jobformidler or "Ikke tilknyttet"] + ([doc.office] if doc.office else [])
    return [("Borger", citizen), ("Virksomhed", company), ("Jobformidler", jobcenter)]


def signature_parties(doc: AgreementDocument) -> list[tuple[str, str]]:
    return [
        ("Borger", doc.citizen_name),
        ("Virksomhedens kontaktperson", doc.contact.name if doc.contact else ""),
        ("Jobformidler", doc.jobformidler),
    ]


def follow_up_line(item: FollowUpDate) -> str:
    return f"{weekday_name(item.due).capitalize()} {format_date(item.due)}: {item.what}" + (
        " (gennemført)" if item.done else ""
    )


# --- Markdown -----------------------------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(doc: AgreementDocument) -> str:
    out = [f"# {doc.title}", "", f"*{doc.subtitle}*", ""]
    if doc.previous_version:
        out += [f"Genforhandlet aftale: erstatter version {doc.previous_version}.", ""]
    out += ["## Parter", ""]
    for heading, lines in party_blocks(doc):
        out.append(f"**{heading}:** " + " · ".join(lines) + "  ")
    out += ["", "## Periode", "", doc.period, "", "## Arbejdsopgaver", "", doc.tasks or "Ikke beskrevet.", ""]
    out += ["## Arbejdstid (timer)", ""]
    rows = schedule_rows(doc)
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|")
    out += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in rows[1:]]
    out += ["", doc.hours_note, ""]
    if expectations := expectation_lines(doc):
        out += ["## Forventninger", "", *(f"- {_md_escape(line)}" for line in expectations), ""]
    out += ["## Delmål", ""]
    out += [f"- {_md_escape(goal)}" for goal in doc.sub_goals] or ["Ingen delmål aftalt endnu."]
    out += ["", "## Opfølgning", ""]
    out += [f"- {follow_up_line(item)}" for item in doc.follow_ups] or ["Ingen opfølgningsdatoer planlagt endnu."]
    out += ["", "## Kontakt", ""]
    if doc.contact:
        out.append("- Virksomhedens kontaktperson: " + ", ".join(doc.contact.lines()))
    out.append(f"- Jobformidler: {doc.jobformidler or 'ikke tilknyttet'}" + (f", {doc.office}" if doc.office else ""))
    if doc.health_notes is not None:
        out += ["", "## Hensyn til helbred (fortroligt)", "", doc.health_notes or "Ingen særlige hensyn noteret."]
    out += ["", "## Underskrifter", ""]
    for role, name in signature_parties(doc):
        out += [f"**{role}:** {name}", "", "Dato: ____________  Underskrift: ________________________________", ""]
    return "\n".join(out).rstrip() + "\n"


# --- PDF ----------------------------------------------------------------------------------------------------


def render_pdf(doc: AgreementDocument) -> bytes:
    from fpdf.enums import XPos, YPos

    from aaben_raadgivning.store.documents.pdf import DocumentPdf, bold_face, clean  # only the export needs fpdf2

    pdf = DocumentPdf(doc.title, author=doc.jobformidler)
    width = pdf.width
    text = pdf.text_block

    text(doc.title, 16, "B", 8)
    pdf.muted(doc.subtitle)
    if doc.previous_version:
        pdf.muted(f"Genforhandlet aftale: erstatter version {doc.previous_version}.")

    pdf.heading("Parter")
    blocks = party_blocks(doc)
    pdf.font(9.5)
    with pdf.table(
        col_widths=(1, 1.3, 1), text_align="LEFT", line_height=5, padding=1.5, first_row_as_headings=True
    ) as table:
        header = table.row()
        for title, _lines in blocks:
            header.cell(clean(title))
        row = table.row()
        for _title, lines in blocks:
            row.cell(clean("\n".join(lines)))

    pdf.heading("Periode")
    text(doc.period)
    pdf.heading("Arbejdsopgaver")
    text(doc.tasks or "Ikke beskrevet.")

    pdf.heading("Arbejdstid (timer)")
    rows = schedule_rows(doc)
    pdf.font(9.5)
    columns = (1.3,) + (1,) * (len(rows[0]) - 1)
    with pdf.table(
        col_widths=columns, text_align=("LEFT",) + ("RIGHT",) * (len(rows[0]) - 1), line_height=5.2, padding=1
    ) as table:
        for index, values in enumerate(rows):
            total = index >= len(rows) - 2
            row = table.row()
            for value in values:
                row.cell(clean(value), style=bold_face() if total else None)
    pdf.ln(1)
    pdf.muted(doc.hours_note, 8.5, 4.5)

    if expectations := expectation_lines(doc):
        pdf.heading("Forventninger")
        pdf.bullets(expectations, "")

    pdf.heading("Delmål")
    pdf.bullets(list(doc.sub_goals), "Ingen delmål aftalt endnu.")
    pdf.heading("Opfølgning")
    pdf.bullets([follow_up_line(item) for item in doc.follow_ups], "Ingen opfølgningsdatoer planlagt endnu.")

    pdf.heading("Kontakt")
    if doc.contact:
        text("Virksomhedens kontaktperson: " + ", ".join(doc.contact.lines()))
    text(f"Jobformidler: {doc.jobformidler or 'ikke tilknyttet'}" + (f", {doc.office}" if doc.office else ""))

    if doc.health_notes is not None:
        pdf.heading("Hensyn til helbred (fortroligt)")
        text(doc.health_notes or "Ingen særlige hensyn noteret.")

    if pdf.get_y() > pdf.h - 85:
        pdf.add_page()
    pdf.heading("Underskrifter")
    text("Vi har læst aftalen og er enige i den.", 9.5)
    for role, name in signature_parties(doc):
        pdf.ln(12)
        y = pdf.get_y()
        pdf.set_draw_color(0)
        pdf.line(pdf.l_margin, y, pdf.l_margin + 40, y)
        pdf.line(pdf.l_margin + 50, y, pdf.l_margin + width, y)
        pdf.font(8.5)
        pdf.set_xy(pdf.l_margin, y + 0.8)
        pdf.cell(40, 4, "Dato")
        pdf.set_xy(pdf.l_margin + 50, y + 0.8)
        label = f"{role}" + (f": {name}" if name else "")
        pdf.cell(width - 50, 4, clean(f"Underskrift – {label}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.to_bytes()

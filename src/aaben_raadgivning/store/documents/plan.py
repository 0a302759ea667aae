"""«Min plan»: the citizen's own plan on paper, in plain Danish addressed to the citizen — job goal, what they
are good at, what may stand in the way (in their own words), parallel efforts, delmål with status, the active
agreement with a company (hours a week, period, contact person), the next appointments and who to call.

Printing it is a read of personal data: the ``print_plan`` permission (assets/permissions.toml) and the «case»
read scope are checked, the agreement is included only with the «agreements» scope, nothing of health
(helbredsoplysninger) is ever printed, and the print is audited. As every export: the file is written under a
temporary name next to the target and renamed into place only after the audit entry is committed; an
existing file is replaced only with ``force`` and only when it is a regular file (never a folder, a device
or a pipe).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.agreements import Schedule, load_agreement_data
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus, FollowUpStatus, SubGoalStatus
from aaben_raadgivning.domain.dates import format_date, weekday_name
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.hours import format_hours
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.database import Database
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
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, CASE, CONTACT, Viewer
from aaben_raadgivning.store.records import authorize, authorize_read

PERMISSION = "print_plan"
MAX_APPOINTMENTS = 6
# The delmål's status as the citizen reads it.
GOAL_STATUS: dict[str, str] = {
    SubGoalStatus.AKTIV: "Vi arbejder på det",
    SubGoalStatus.NAAET: "Nået",
    SubGoalStatus.OPGIVET: "Droppet",
}
HOUR_LABELS = {"ordinary": "almindelige timer", "praktik": "timer i virksomhedspraktik",
               "loentilskud": "timer med løntilskud"}  # fmt: skip
UI_FORCE_HINT = "sæt kryds ved «Erstat filen, hvis den findes»"
CLI_FORCE_HINT = "brug --force"


@dataclass(frozen=True)
class Person:
    role: str  # e.g. «Jobformidler»
    name: str
    details: tuple[str, ...] = ()  # phone, e-mail, office

    @property
    def line(self) -> str:
        return ", ".join((f"{self.role}: {self.name}", *self.details))


@dataclass(frozen=True)
class PlanAgreement:
    company: str
    course_kind: str
    start: date | None
    end: date | None
    weekly_minutes: dict[str, int]  # kind → minutes a week (only kinds with hours)
    tasks: str

    @property
    def period(self) -> str:
        start = format_date(self.start) if self.start else "ikke fastsat"
        end = format_date(self.end) if self.end else "ikke fastsat"
        return f"{start} – {end}"

    @property
    def hours_line(self) -> str:
        parts = [
            f"{format_hours(minutes)} {HOUR_LABELS.get(kind, kind)}" for kind, minutes in self.weekly_minutes.items()
        ]
        return ("Om ugen: " + ", ".join(parts) + ".") if parts else "Timerne er ikke aftalt endnu."


@dataclass(frozen=True)
class Appointment:
    on: date
    what: str
    with_whom: str = ""

    @property
    def line(self) -> str:
        who = f" (med {self.with_whom})" if self.with_whom else ""
        return f"{weekday_name(self.on).capitalize()} {format_date(self.on)}: {self.what}{who}"


@dataclass(frozen=True)
class PlanDocument:
    citizen_id: str
    citizen_name: str
    printed_on: date
    office: str
    job_goal: str
    resources: str
    barriers: str
    parallel_efforts: tuple[str, ...]
    sub_goals: tuple[tuple[str, str], ...]  # (text, status as the citizen reads it)
    agreement: PlanAgreement | None
    agreement_shown: bool  # False: the reader may not see agreements (nothing is said about them)
    appointments: tuple[Appointment, ...]
    contacts: tuple[Person, ...]

    @property
    def title(self) -> str:
        return f"Min plan – {self.citizen_name}"


def build_plan(session: Session, citizen_id: str, *, today: date, scopes: frozenset[str]) -> PlanDocument:
    """The plan of ``citizen_id`` as a reader with ``scopes`` may have it (``case`` is required)."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.deleted_at is not None or CONTACT not in scopes or CASE not in scopes:
        raise NotFoundError("Borgeren findes ikke (længere).")
    reference = load_reference()
    names = {staff.id: staff.name for staff in session.scalars(select(Staff)) if staff.deleted_at is None}
    office = session.get(Office, citizen.office_id) if citizen.office_id else None
    goals = session.scalars(
        select(SubGoal)
        .where(SubGoal.citizen_id == citizen_id, SubGoal.deleted_at.is_(None))
        .order_by(SubGoal.created_at, SubGoal.id)
    ).all()
    sub_goals = tuple((goal.text.strip(), GOAL_STATUS.get(goal.status, goal.status)) for goal in goals)
    efforts = tuple(
        reference.parallel_efforts.label(code) or code for code in citizen.parallel_efforts.split(",") if code
    )
    tasks = session.scalars(
        select(FollowUpTask)
        .where(
            FollowUpTask.citizen_id == citizen_id, FollowUpTask.status == FollowUpStatus.OPEN,
            FollowUpTask.deleted_at.is_(None), FollowUpTask.due_date >= today,
        )
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
        .limit(MAX_APPOINTMENTS)
    ).all()  # fmt: skip
    appointments = tuple(
        Appointment(task.due_date, reference.follow_up_kinds.label(task.kind) or "Opfølgning",
                    names.get(task.assignee_id or "", ""))
        for task in tasks
    )  # fmt: skip
    contacts: list[Person] = []
    office_detail = (office.name,) if office is not None and office.deleted_at is None else ()
    if citizen.jobformidler_id in names:
        contacts.append(Person("Jobformidler", names[citizen.jobformidler_id or ""], office_detail))
    if citizen.jobkonsulent_id in names:
        contacts.append(Person("Jobkonsulent", names[citizen.jobkonsulent_id or ""], office_detail))
    plan_agreement = None
    if AGREEMENTS in scopes:
        agreement = session.scalars(
            select(Agreement)
            .where(Agreement.citizen_id == citizen_id, Agreement.deleted_at.is_(None),
                   Agreement.status == AgreementStatus.AKTIV)
            .order_by(Agreement.start_date.desc(), Agreement.version.desc(), Agreement.id)
            .limit(1)
        ).first()  # fmt: skip
        if agreement is not None:
            plan_agreement, contact = _agreement(session, agreement)
            if contact is not None:
                contacts.append(contact)
    return PlanDocument(
        citizen_id=citizen.id,
        citizen_name=citizen.name,
        printed_on=today,
        office=office.name if office is not None else "",
        job_goal=citizen.job_goal.strip(),
        resources=citizen.resources.strip(),
        barriers=citizen.barriers.strip(),
        parallel_efforts=efforts,
        sub_goals=sub_goals,
        agreement=plan_agreement,
        agreement_shown=AGREEMENTS in scopes,
        appointments=appointments,
        contacts=tuple(contacts),
    )


def _agreement(session: Session, agreement: Agreement) -> tuple[PlanAgreement, Person | None]:
    company = session.get(Company, agreement.company_id)
    schedule = Schedule.from_json(agreement.schedule)
    weekly = {kind: schedule.week_minutes(kind) for kind in HOUR_LABELS}
    company_name = company.name if company is not None else ""
    found = PlanAgreement(
        company=company_name,
        course_kind=load_agreement_data().course_label(agreement.course_kind),
        start=agreement.start_date,
        end=agreement.end_date,
        weekly_minutes={kind: minutes for kind, minutes in weekly.items() if minutes},
        tasks=agreement.tasks.strip(),
    )
    row = session.get(CompanyContact, agreement.contact_id) if agreement.contact_id else None
    if row is None or row.deleted_at is not None:
        return found, None
    details = tuple(
        part for part in (row.role, company_name, f"telefon {row.phone}" if row.phone else "", row.email) if part
    )
    return found, Person("Kontaktperson på virksomheden", row.name, details)


# --- PDF ----------------------------------------------------------------------------------------------------


def render_pdf(doc: PlanDocument) -> bytes:
    from aaben_raadgivning.store.documents.pdf import DocumentPdf, clean  # only the print needs fpdf2

    pdf = DocumentPdf(doc.title, author=doc.office or "Åben Rådgivning")
    text = pdf.text_block
    text(doc.title, 16, "B", 8)
    pdf.muted(f"Udskrevet {format_date(doc.printed_on)}" + (f" · {doc.office}" if doc.office else ""))
    pdf.muted("Her står det, vi har aftalt sammen. Er der noget, der ikke passer, så sig det til os.")

    pdf.heading("Mit jobmål")
    text(doc.job_goal or "Vi har ikke skrevet dit jobmål endnu. Vi taler om det ved næste samtale.")
    pdf.heading("Det er jeg god til")
    text(doc.resources or "Ikke skrevet endnu.")
    pdf.heading("Det kan stå i vejen")
    text(doc.barriers or "Ikke skrevet endnu.")
    if doc.parallel_efforts:
        pdf.heading("Andre tilbud ved siden af")
        pdf.bullets(list(doc.parallel_efforts), "")

    pdf.heading("Mine delmål")
    if doc.sub_goals:
        pdf.font(10)
        with pdf.table(
            col_widths=(3, 1), text_align="LEFT", line_height=5.2, padding=1.2, first_row_as_headings=True
        ) as table:
            table.row(("Delmål", "Hvordan går det"))
            for goal, status in doc.sub_goals:
                table.row((clean(goal), clean(status)))
    else:
        text("Vi har ikke sat delmål endnu.")

    if doc.agreement_shown:
        pdf.heading("Min aftale med en virksomhed")
        if doc.agreement is None:
            text("Du har ingen aftale med en virksomhed lige nu.")
        else:
            agreement = doc.agreement
            text(f"{agreement.company} · {agreement.course_kind}", 10.5, "B")
            text(f"Periode: {agreement.period}")
            text(agreement.hours_line)
            if agreement.tasks:
                text(f"Arbejdsopgaver: {agreement.tasks}")

    pdf.heading("Mine næste aftaler")
    pdf.bullets([item.line for item in doc.appointments], "Der er ingen aftaler i kalenderen lige nu.")

    pdf.heading("Mine kontaktpersoner")
    pdf.bullets([person.line for person in doc.contacts], "Du har ikke fået en kontaktperson endnu.")
    return pdf.to_bytes()


# --- writing it, audited ------------------------------------------------------------------------------------

_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ı": "i", "ł": "l", "đ": "d", "ß": "ss"})


def default_file_name(citizen_name: str) -> str:
    """«min-plan-ayse-yilmaz.pdf»: a plain file name from the citizen's name."""
    text = unicodedata.normalize("NFKD", citizen_name.lower().translate(_ASCII))
    text = text.encode("ascii", "ignore").decode("ascii")
    return f"min-plan-{re.sub(r'[^a-z0-9]+', '-', text).strip('-') or 'borger'}.pdf"


def _target(raw: str | Path) -> Path:
    text = str(raw).strip()
    if not text:
        raise ValidationError.single("path", "Skriv hvor filen skal gemmes.")
    path = Path(text).expanduser()
    if path.is_dir():
        raise ValidationError.single("path", "Stien er en mappe. Skriv også et filnavn.")
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    return path.absolute()


def check_target(path: Path, force: bool, force_hint: str) -> None:
    """Only a new file, or with ``force`` a regular file, is ever replaced."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ValidationError.single("path", f"{path} kan ikke bruges: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(mode):
        raise ValidationError.single("path", "Stien er en mappe. Skriv også et filnavn.")
    if not stat.S_ISREG(mode):
        raise ValidationError.single(
            "path",
            f"{path} er ikke en almindelig fil (fx en enhed eller en navngiven pipe). Der er ikke skrevet noget.",
        )
    if not force:
        raise ValidationError.single(
            "path", f"Filen {path} findes allerede. Vælg et andet filnavn, eller {force_hint} for at erstatte den."
        )


def print_plan(
    db: Database,
    actor_id: str | None,
    citizen_id: str,
    target: str | Path,
    *,
    force: bool = False,
    via: str = "",
    force_hint: str = UI_FORCE_HINT,
) -> Path:
    """Write the citizen's «Min plan» as PDF to ``target`` (``.pdf`` added when missing) and audit it; returns
    the path written. ``actor_id`` None is the command line (``via`` says so in the audit entry)."""
    path = _target(target)
    check_target(path, force, force_hint)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError.single("path", f"Mappen kan ikke oprettes: {exc.strerror or exc}.") from None
    temp_name: str | None = None
    try:
        with db.transaction() as tx:
            actor = authorize(tx, actor_id, PERMISSION)
            if actor_id is not None:
                authorize_read(tx, actor_id, CASE, citizen_id)
            today = local_date(tx.now)
            viewer = Viewer.of(actor) if actor is not None else Viewer.system()
            scopes = viewer.scopes_for(tx.session, citizen_id, today)
            document = build_plan(tx.session, citizen_id, today=today, scopes=scopes)
            data = render_pdf(document)
            try:
                fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise ValidationError.single("path", f"Filen kan ikke skrives: {exc.strerror or exc}.") from None
            check_target(path, force, force_hint)  # again: something may have appeared there meanwhile
            shown = "med aftale" if document.agreement is not None else "uden aftale"
            tx.audit(actor_id, "print", "citizen", citizen_id, citizen_id,
                     f"Min plan udskrevet som PDF ({shown}) til {path}{via}")  # fmt: skip
        os.replace(temp_name, path)
        temp_name = None
    finally:
        if temp_name is not None and os.path.exists(temp_name):
            os.unlink(temp_name)
    return path


def find_citizens(db: Database, text: str) -> list[tuple[str, str]]:
    """(id, name) of the citizens a CPR number (any spelling) or an id names (not deleted)."""
    digits = re.sub(r"[\s-]", "", text)
    with db.session() as session:
        if len(digits) == 10 and digits.isdigit():
            rows = session.execute(
                select(Citizen.id, Citizen.name)
                .where(Citizen.cpr == digits, Citizen.deleted_at.is_(None))
                .order_by(Citizen.name)
            ).all()
            return [(str(row[0]), str(row[1])) for row in rows]
        citizen = session.get(Citizen, text.strip())
        return [] if citizen is None or citizen.deleted_at is not None else [(citizen.id, citizen.name)]

"""Export of all data as one JSON document (``aaben-raadgivning export --json FILE``).

Rows are streamed table by table with Core selects inside one read transaction, so a million events
never sit in memory as objects and every list is taken from the same moment in time. An export is an
extract of personal data, so it is audited; the file is written under a temporary name (readable only
by its owner) and renamed into place only after the audit entry is committed: there is never a half
file, nor a finished export that the audit log does not know about.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from sqlalchemy import Connection, Table, select

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.documents.tabular import Cell, Month, add_sheet, new_workbook, write_csv
from aaben_raadgivning.store.models import SYNCED_TABLES, Base
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, BENEFIT, CASE, CONTACT, HEALTH, Viewer, shown_cpr

FORMAT_VERSION = 1
STDOUT = "-"
# JSON list names that differ from the table name.
LIST_NAMES = {"follow_up_tasks": "follow_ups"}
_FIRST = ("offices", "staff", "citizens", "walk_ins", "walk_in_transitions", "events", "follow_up_tasks")


def _export_tables() -> tuple[tuple[str, Table], ...]:
    """Every synced table: the core ones in a fixed order, tables added later next, the audit log last."""
    later = sorted(SYNCED_TABLES - set(_FIRST) - {"audit_log"})
    names = (*_FIRST, *later, "audit_log")
    return tuple((LIST_NAMES.get(name, name), Base.metadata.tables[name]) for name in names)


EXPORT_TABLES = _export_tables()
# Never leaves the database: a password hash can be attacked offline.
EXCLUDED_COLUMNS = {"staff": frozenset({"password_hash"})}
# Danish (singular, plural) per list, for receipts and the audit entry.
LIST_LABELS = {
    "offices": ("kontor", "kontorer"),
    "staff": ("medarbejder", "medarbejdere"),
    "citizens": ("borger", "borgere"),
    "walk_ins": ("henvendelse", "henvendelser"),
    "walk_in_transitions": ("statusskift for henvendelser", "statusskift for henvendelser"),
    "events": ("hændelse", "hændelser"),
    "follow_ups": ("opfølgning", "opfølgninger"),
    "sub_goals": ("delmål", "delmål"),
    "citizen_outcomes": ("udfald", "udfald"),
    "companies": ("virksomhed", "virksomheder"),
    "company_contacts": ("kontaktperson", "kontaktpersoner"),
    "agreements": ("aftale", "aftaler"),
    "hours_reports": ("timeregistrering", "timeregistreringer"),
    "consents": ("samtykke", "samtykker"),
    "conflict_resolutions": ("løst konflikt", "løste konflikter"),
    "audit_log": ("logpost", "logposter"),
}
YIELD_PER = 5_000


@dataclass(frozen=True)
class ExportResult:
    destination: str  # the file's absolute path, or "-" for standard output
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ExportError(UserError, OSError):
    """The export could not be written; ``message`` (and ``str()``) is Danish and names the file."""


def describe_counts(counts: dict[str, int]) -> str:
    """ "1 kontor, 4 medarbejdere, …" with Danish thousands separators."""
    parts = []
    for name, count in counts.items():
        singular, plural = LIST_LABELS.get(name, (name, name))
        parts.append(f"{count:,} {singular if count == 1 else plural}".replace(",", "."))
    return ", ".join(parts)


def describe_os_error(exc: OSError) -> str:
    """Why a file operation failed, in Danish (strerror is English)."""
    reasons = {
        errno.EACCES: "ingen adgang",
        errno.EPERM: "ingen adgang",
        errno.ENOENT: "findes ikke",
        errno.EEXIST: "findes allerede",
        errno.ENOTDIR: "er ikke en mappe",
        errno.EISDIR: "er en mappe",
        errno.ENOSPC: "disken er fuld",
        errno.EDQUOT: "diskkvoten er opbrugt",
        errno.EROFS: "skrivebeskyttet",
        errno.EPIPE: "modtageren lukkede forbindelsen",
    }
    return reasons.get(exc.errno or -1, exc.strerror or str(exc))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(connection: Connection, name: str, table: Table) -> Iterator[dict[str, Any]]:
    excluded = EXCLUDED_COLUMNS.get(name, frozenset())
    columns = [column for column in table.columns if column.key not in excluded]
    keys = [column.key for column in columns]
    result = connection.execution_options(yield_per=YIELD_PER).execute(select(*columns).order_by(table.c.id))
    for row in result:
        yield {key: _plain(value) for key, value in zip(keys, row, strict=True)}


def write_json(
    db: Database, out: IO[str], exported_at: datetime, counts: dict[str, int] | None = None
) -> dict[str, int]:
    """Write the whole export document to ``out``; returns the number of records per list, kept in
    ``counts`` as it goes (so a failure midway still tells what was written)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    counts = {} if counts is None else counts
    out.write("{\n")
    out.write(f'"format_version":{FORMAT_VERSION},\n"exported_at":{encode(exported_at.isoformat())}')
    with db.engine.connect() as connection:  # one read transaction: all lists from the same moment
        for name, table in EXPORT_TABLES:
            out.write(f',\n"{name}":[')
            count = counts[name] = 0
            for row in _rows(connection, name, table):
                out.write(",\n" if count else "\n")
                out.write(encode(row))
                count += 1
                counts[name] = count
            out.write("\n]" if count else "]")
        connection.rollback()
    out.write("\n}\n")
    return counts


def _describe(destination: str, counts: dict[str, int], complete: bool) -> str:
    where = "standard output" if destination == STDOUT else destination
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or password database
        user = "ukendt"
    state = "" if complete else " (afbrudt undervejs)"
    return f"Eksport af alle data til {where}{state} via kommandolinjen (systembruger {user}): " + describe_counts(
        counts
    )


def _audit(db: Database, destination: str, counts: dict[str, int], actor_id: str | None, complete: bool = True) -> None:
    with db.transaction() as tx:
        tx.audit(actor_id, "export", "database", detail=_describe(destination, counts, complete))


def _check_target(target: Path, overwrite: bool, *, hint: str = "", plural: bool = False) -> None:
    """Only a new file, or (with ``overwrite``) a regular file, is ever replaced: never a folder, a device
    such as /dev/null or a named pipe. ``hint`` replaces the JSON export's advice; ``plural``: «filer»."""
    nothing = "Der er ikke skrevet nogen filer." if plural else "Der er ikke skrevet nogen fil."
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ExportError(f"{target} kan ikke bruges: {describe_os_error(exc)}. {nothing}") from exc
    if stat.S_ISDIR(mode):
        advice = hint or f"Angiv et filnavn, fx {target / 'eksport.json'}."
        raise ExportError(f"{target} er en mappe. {advice}")
    if not stat.S_ISREG(mode):
        advice = "" if hint or plural else " Brug «--json -» for at skrive til standard output."
        raise ExportError(
            f"{target} er ikke en almindelig fil (fx en enhed eller en navngiven pipe); eksporten skrives kun til "
            f"en fil.{advice} {nothing}"
        )
    if not overwrite:
        raise ExportError(
            f"Filen {target} findes allerede. {'Vælg en anden mappe' if plural else 'Vælg et andet filnavn'}, eller brug --force "
            f"for at erstatte {'filerne' if plural else 'den'}. {nothing}"
        )


def export_json(
    db: Database,
    destination: str | Path,
    *,
    stdout: TextIO | None = None,
    actor_id: str | None = None,
    overwrite: bool = False,
) -> ExportResult:
    """Export everything to the file ``destination`` (or ``"-"`` for ``stdout``) and audit it. An existing
    file is replaced only with ``overwrite``, and only if it is a regular file."""
    now = db.now()
    if str(destination) == STDOUT:
        assert stdout is not None, "stdout is needed for '-'"
        counts: dict[str, int] = {}
        try:
            write_json(db, stdout, now, counts)
            stdout.flush()
        except BaseException:
            # What reached the pipe before it broke has left the database: log that too.
            if any(counts.values()):
                _audit(db, STDOUT, counts, actor_id, complete=False)
            raise
        _audit(db, STDOUT, counts, actor_id)
        return ExportResult(STDOUT, counts)

    target = Path(destination).expanduser().absolute()
    _check_target(target, overwrite)
    try:
        # Same directory as the target, so the final rename cannot cross file systems.
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise ExportError(f"Kan ikke skrive i mappen {target.parent}: {describe_os_error(exc)}.") from exc
    temp = Path(handle.name)
    try:
        with handle:
            counts = write_json(db, handle, now)
            handle.flush()
            os.fsync(handle.fileno())
        _check_target(target, overwrite)  # again: the export took a while, something may have appeared there
        _audit(db, str(target), counts, actor_id)
        os.replace(temp, target)
    except ExportError:
        temp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(
            f"Eksporten til {target} mislykkedes: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(str(target), counts)


# --- the export for people: spreadsheets (``export --csv MAPPE``, ``export --xlsx FIL``) -------------------
#
# One sheet (XLSX) or file (CSV) per kind, Danish headings, codes as their labels from reference.toml, staff as
# «Navn (INI)», dates as dates and hours as numbers (tabular.py). What is exported is cut to the viewer's read
# scopes citizen by citizen, as the screens are (queries/viewer.py): the CPR number masked without
# ``cpr_full``, benefit fields blank without ``benefit``, case fields blank and the timeline, follow-up and
# agreements left out without ``case`` / ``agreements`` (for a boligsocial medarbejder: as far as the citizen's
# valid samtykke covers), health notes only with ``health``. The command line at the machine with the office
# key exports as the system (everything). Deleted rows, and events and hours reports that a later one
# corrects, are left out (the correction is exported).

PEOPLE_FORMATS = ("csv", "xlsx")
# (key, file/sheet name, Danish singular, plural)
PEOPLE_KINDS = (
    ("borgere", "Borgere", "borger", "borgere"),
    ("henvendelser", "Henvendelser", "henvendelse", "henvendelser"),
    ("hændelser", "Hændelser", "hændelse", "hændelser"),
    ("aftaler", "Aftaler", "aftale", "aftaler"),
    ("timer", "Timer", "timeregistrering", "timeregistreringer"),
    ("opfølgning", "Opfølgning", "opfølgning", "opfølgninger"),
)
PEOPLE_LABELS = {key: (singular, plural) for key, _, singular, plural in PEOPLE_KINDS}
PEOPLE_HEADINGS: dict[str, tuple[str, ...]] = {
    "borgere": (
        "CPR-nummer", "Navn", "Fødselsdato", "Køn", "Telefon", "Adresse", "Boligområde", "Kontor", "Sprog",
        "Tolk", "Ydelse", "Ydelse siden", "Parathed", "Matchgruppe", "Jobkonsulent", "Jobformidler",
        "Trinmodel", "Trin", "På trinnet siden", "Visitation", "Projektstart", "Jobmål", "CV", "Selvforsørgende",
        "Oprettet",
    ),
    "henvendelser": (
        "Ankomst", "Kontor", "Årsag", "Borger", "CPR-nummer", "Bemærkning", "Status", "Behandlet af",
        "Registreret af",
    ),
    "hændelser": ("Borger", "CPR-nummer", "Tidspunkt", "Type", "Resumé", "Detaljer", "Medarbejder", "Registreret"),
    "aftaler": (
        "Borger", "CPR-nummer", "Virksomhed", "CVR-nummer", "Forløb", "Status", "Version", "Startdato",
        "Slutdato", "Jobformidler", "Kontaktperson", "Arbejdsopgaver", "Helbredsforhold", "Oprettet",
    ),
    "timer": (
        "Borger", "CPR-nummer", "Virksomhed", "Måned", "Ordinære timer", "Praktiktimer", "Løntilskudstimer",
        "Timer i alt", "Bemærkning", "Registreret", "Registreret af",
    ),
    "opfølgning": (
        "Borger", "CPR-nummer", "Type", "Årsag", "Frist", "Ansvarlig", "Status", "Udført", "Udført af",
        "Bemærkning", "Oprettet",
    ),
}  # fmt: skip
_WIDTHS: dict[str, tuple[float, ...]] = {
    "borgere": (13, 28, 12, 5, 15, 30, 18, 18, 12, 6, 18, 12, 15, 14, 24, 24, 16, 22, 12, 16, 12, 30, 10, 8, 12),
    "henvendelser": (16, 18, 24, 28, 13, 40, 16, 24, 24),
    "hændelser": (28, 13, 16, 22, 40, 50, 24, 16),
    "aftaler": (28, 13, 28, 11, 22, 12, 8, 11, 11, 24, 22, 40, 40, 16),
    "timer": (28, 13, 28, 9, 10, 10, 10, 10, 30, 16, 24),
    "opfølgning": (28, 13, 22, 40, 11, 24, 8, 16, 24, 30, 16),
}  # fmt: skip
_WALK_IN_STATUS = {None: "Venter", "start": "I gang", "finish": "Afsluttet", "cancel": "Gået uden hjælp"}
_FOLLOW_UP_STATUS = {"open": "Åben", "done": "Udført"}
_SEX = {"M": "Mand", "K": "Kvinde"}
ProgressFn = Callable[[float, str], None]


def people_file_name(key: str) -> str:
    return f"{key}.csv"


def describe_people_counts(counts: dict[str, int]) -> str:
    """«10 borgere, 1 hændelse, …» (Danish singular and plural, thousands with a dot)."""
    parts = []
    for key, count in counts.items():
        singular, plural = PEOPLE_LABELS.get(key, (key, key))
        parts.append(f"{count:,} {singular if count == 1 else plural}".replace(",", "."))
    return ", ".join(parts)


@dataclass
class _Person:
    name: str
    cpr: str
    scopes: frozenset[str]


class _Source:
    """The lookups every sheet shares (staff, offices, companies, labels) and the citizens the viewer may see,
    read on one connection (one read transaction: every sheet from the same moment)."""

    def __init__(self, connection: Connection, viewer: Viewer, today: date) -> None:
        from aaben_raadgivning.domain.agreements import load_agreement_data
        from aaben_raadgivning.domain.reference import load_reference

        self.connection = connection
        self.viewer = viewer
        self.today = today
        self.reference = load_reference()
        self.agreement_data = load_agreement_data()
        self.permissions = load_permissions()
        self.base_scopes = viewer.scopes()
        staff = Base.metadata.tables["staff"]
        self.staff = {
            row.id: f"{row.name} ({row.initials})"
            for row in connection.execute(select(staff.c.id, staff.c.name, staff.c.initials))
        }
        offices = Base.metadata.tables["offices"]
        self.offices = {row.id: row.name for row in connection.execute(select(offices.c.id, offices.c.name))}
        companies = Base.metadata.tables["companies"]
        self.companies = {
            row.id: (row.name, row.cvr)
            for row in connection.execute(select(companies.c.id, companies.c.name, companies.c.cvr))
        }
        contacts = Base.metadata.tables["company_contacts"]
        self.contacts = {row.id: row.name for row in connection.execute(select(contacts.c.id, contacts.c.name))}
        self.people: dict[str, _Person] = {}
        self._models: dict[tuple[str, int | None], Any] = {}

    def staff_name(self, staff_id: str | None) -> str:
        return self.staff.get(staff_id, "") if staff_id else ""

    def model(self, code: str | None, version: int | None) -> Any:
        if not code:
            return None
        key = (code, version)
        if key not in self._models:
            from aaben_raadgivning.domain.step_models import load_step_model

            try:
                self._models[key] = load_step_model(code, version)
            except Exception:  # an unknown model (a newer app on another laptop): codes show as themselves
                self._models[key] = None
        return self._models[key]

    def scopes_for_batch(self, citizen_ids: list[str]) -> dict[str, frozenset[str]]:
        if not self.viewer.needs_consent:
            return dict.fromkeys(citizen_ids, self.base_scopes)
        from sqlalchemy.orm import Session

        with Session(bind=self.connection) as session:
            return self.viewer.scopes_for_many(session, citizen_ids, self.today)


def _local(moment: datetime | None) -> datetime | None:
    from aaben_raadgivning.domain.clock import to_local

    return to_local(moment) if moment is not None else None


def _cpr_text(cpr: str | None) -> str:
    """«DDMMÅÅ-XXXX», as Danes write it (and as text in Excel: ten bare digits lose their leading zero)."""
    if cpr and len(cpr) == 10 and cpr.isdigit():
        return f"{cpr[:6]}-{cpr[6:]}"
    return cpr or ""


def _citizen_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    citizens = Base.metadata.tables["citizens"]
    ref = source.reference
    c = citizens.c
    query = (
        select(
            c.id, c.cpr, c.name, c.birth_date, c.sex, c.phone, c.address, c.housing_area, c.office_id, c.language,
            c.interpreter_needed, c.benefit_type, c.benefit_since, c.readiness, c.match_group, c.jobkonsulent_id,
            c.jobformidler_id, c.step_model, c.step_model_version, c.step, c.step_since, c.visitation,
            c.project_start, c.job_goal, c.cv_status, c.self_supporting, c.created_at,
        )
        .where(c.deleted_at.is_(None))
        .order_by(c.name, c.id)
    )  # fmt: skip
    result = source.connection.execution_options(yield_per=YIELD_PER).execute(query)
    for batch in result.partitions():
        scopes = source.scopes_for_batch([row.id for row in batch])
        for row in batch:
            allowed = scopes[row.id]
            if CONTACT not in allowed:
                continue
            cpr = _cpr_text(shown_cpr(row.cpr, allowed))
            source.people[row.id] = _Person(row.name, cpr, allowed)
            benefit = BENEFIT in allowed
            case = CASE in allowed
            model = source.model(row.step_model, row.step_model_version) if case else None
            visitation = ""
            if case and row.visitation:
                visitation = row.visitation
                if model is not None:
                    with contextlib.suppress(Exception):
                        visitation = model.visitation_outcome(row.visitation).label
            yield (
                cpr, row.name, row.birth_date, _SEX.get(row.sex or "", row.sex or ""), row.phone or "",
                row.address, row.housing_area, source.offices.get(row.office_id, ""),
                ref.languages.label(row.language), bool(row.interpreter_needed),
                ref.benefit_types.label(row.benefit_type) if benefit else "",
                row.benefit_since if benefit else None,
                ref.readiness.label(row.readiness) if benefit else "",
                ref.match_groups.label(row.match_group) if benefit else "",
                source.staff_name(row.jobkonsulent_id) if case else "",
                source.staff_name(row.jobformidler_id) if case else "",
                (model.label if model is not None else row.step_model or "") if case else "",
                (model.step_label(row.step) if model is not None else row.step or "") if case else "",
                row.step_since if case else None,
                visitation,
                row.project_start if case else None,
                row.job_goal if case else "",
                ref.cv_statuses.label(row.cv_status) if case else "",
                bool(row.self_supporting) if case else None,
                _local(row.created_at).date() if row.created_at else None,  # type: ignore[union-attr]
            )  # fmt: skip


def _walk_in_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    walk_ins = Base.metadata.tables["walk_ins"]
    transitions = Base.metadata.tables["walk_in_transitions"]
    last = (
        select(transitions.c.kind, transitions.c.staff_id)
        .where(transitions.c.walk_in_id == walk_ins.c.id, transitions.c.kind != "link")
        .order_by(transitions.c.at.desc(), transitions.c.id.desc())
        .limit(1)
    )
    w = walk_ins.c
    query = select(
        w.arrived_at, w.office_id, w.reason, w.citizen_id, w.note, w.registered_by,
        last.with_only_columns(transitions.c.kind).scalar_subquery().label("state"),
        last.with_only_columns(transitions.c.staff_id).scalar_subquery().label("handled_by"),
    ).order_by(w.arrived_at, w.id)  # fmt: skip
    reasons = source.reference.walk_in_reasons
    for row in source.connection.execution_options(yield_per=YIELD_PER).execute(query):
        person = source.people.get(row.citizen_id) if row.citizen_id else None
        if person is None and row.citizen_id is None and CONTACT not in source.base_scopes:
            continue
        yield (
            _local(row.arrived_at), source.offices.get(row.office_id, ""), reasons.label(row.reason),
            person.name if person else "", person.cpr if person else "", row.note,
            _WALK_IN_STATUS.get(row.state, row.state or ""), source.staff_name(row.handled_by),
            source.staff_name(row.registered_by),
        )  # fmt: skip


def _corrected(connection: Connection, table: Table) -> set[str]:
    """The ids a later row corrects (it replaces them in the export)."""
    column = table.c.corrects_id
    return set(connection.execute(select(column).where(column.is_not(None))).scalars())


def _event_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    events = Base.metadata.tables["events"]
    corrected = _corrected(source.connection, events)
    e = events.c
    query = select(e.id, e.citizen_id, e.occurred_at, e.kind, e.summary, e.details, e.staff_id, e.recorded_at).order_by(
        e.citizen_id, e.occurred_at
    )
    kinds = source.reference.event_kinds
    event_scope = source.permissions.event_scope
    scope_of: dict[str, str] = {}
    for row in source.connection.execution_options(yield_per=YIELD_PER).execute(query):
        person = source.people.get(row.citizen_id)
        if person is None or row.id in corrected:
            continue
        scope = scope_of.get(row.kind)
        if scope is None:
            scope = scope_of[row.kind] = event_scope(row.kind)
        if scope not in person.scopes:
            continue
        yield (
            person.name, person.cpr, _local(row.occurred_at), kinds.label(row.kind), row.summary, row.details,
            source.staff_name(row.staff_id), _local(row.recorded_at),
        )  # fmt: skip


def _agreement_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    agreements = Base.metadata.tables["agreements"]
    a = agreements.c
    query = (
        select(
            a.citizen_id, a.company_id, a.course_kind, a.status, a.version, a.start_date, a.end_date,
            a.jobformidler_id, a.contact_id, a.tasks, a.health_notes, a.created_at,
        )
        .where(a.deleted_at.is_(None))
        .order_by(a.citizen_id, a.created_at, a.id)
    )  # fmt: skip
    data = source.agreement_data
    for row in source.connection.execution_options(yield_per=YIELD_PER).execute(query):
        person = source.people.get(row.citizen_id)
        if person is None or AGREEMENTS not in person.scopes:
            continue
        company, cvr = source.companies.get(row.company_id, ("", ""))
        yield (
            person.name, person.cpr, company, cvr, data.course_label(row.course_kind), data.status_label(row.status),
            row.version, row.start_date, row.end_date, source.staff_name(row.jobformidler_id),
            source.contacts.get(row.contact_id, "") if row.contact_id else "", row.tasks,
            row.health_notes if HEALTH in person.scopes else "", _local(row.created_at),
        )  # fmt: skip


def _hours_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    hours = Base.metadata.tables["hours_reports"]
    agreements = Base.metadata.tables["agreements"]
    corrected = _corrected(source.connection, hours)
    h = hours.c
    query = (
        select(
            h.id, h.citizen_id, agreements.c.company_id, h.month, h.ordinary_minutes, h.praktik_minutes,
            h.loentilskud_minutes, h.note, h.recorded_at, h.recorded_by,
        )
        .join(agreements, agreements.c.id == h.agreement_id)
        .order_by(h.citizen_id, h.month, h.recorded_at)
    )  # fmt: skip
    for row in source.connection.execution_options(yield_per=YIELD_PER).execute(query):
        person = source.people.get(row.citizen_id)
        if person is None or row.id in corrected or AGREEMENTS not in person.scopes:
            continue
        ordinary, praktik, loentilskud = (
            row.ordinary_minutes or 0,
            row.praktik_minutes or 0,
            row.loentilskud_minutes or 0,
        )
        yield (
            person.name, person.cpr, source.companies.get(row.company_id, ("", ""))[0],
            Month(row.month.year, row.month.month, 1), ordinary / 60, praktik / 60, loentilskud / 60,
            (ordinary + praktik + loentilskud) / 60, row.note, _local(row.recorded_at),
            source.staff_name(row.recorded_by),
        )  # fmt: skip


def _follow_up_rows(source: _Source) -> Iterator[tuple[Cell, ...]]:
    tasks = Base.metadata.tables["follow_up_tasks"]
    t = tasks.c
    query = (
        select(
            t.citizen_id, t.kind, t.reason, t.due_date, t.assignee_id, t.status, t.completed_at, t.completed_by,
            t.note, t.created_at,
        )
        .where(t.deleted_at.is_(None))
        .order_by(t.due_date, t.id)
    )  # fmt: skip
    kinds = source.reference.follow_up_kinds
    for row in source.connection.execution_options(yield_per=YIELD_PER).execute(query):
        if row.citizen_id is None:
            if CASE not in source.base_scopes:
                continue
            name = cpr = ""
        else:
            person = source.people.get(row.citizen_id)
            if person is None or CASE not in person.scopes:
                continue
            name, cpr = person.name, person.cpr
        yield (
            name, cpr, kinds.label(row.kind), row.reason, row.due_date, source.staff_name(row.assignee_id),
            _FOLLOW_UP_STATUS.get(row.status, row.status), _local(row.completed_at),
            source.staff_name(row.completed_by), row.note, _local(row.created_at),
        )  # fmt: skip


_PEOPLE_ROWS: dict[str, Callable[[_Source], Iterator[tuple[Cell, ...]]]] = {
    "borgere": _citizen_rows,
    "henvendelser": _walk_in_rows,
    "hændelser": _event_rows,
    "aftaler": _agreement_rows,
    "timer": _hours_rows,
    "opfølgning": _follow_up_rows,
}
_PEOPLE_TABLES = {
    "borgere": "citizens",
    "henvendelser": "walk_ins",
    "hændelser": "events",
    "aftaler": "agreements",
    "timer": "hours_reports",
    "opfølgning": "follow_up_tasks",
}


def _stored_counts(connection: Connection) -> dict[str, int]:
    """Rows per kind in the database (an upper bound of what is exported), for the progress line."""
    from sqlalchemy import func

    return {
        key: int(connection.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0)
        for key, name in _PEOPLE_TABLES.items()
    }


class _Progress:
    def __init__(self, report: ProgressFn | None, totals: dict[str, int]) -> None:
        self.report = report
        self.totals = totals
        self.total = max(1, sum(totals.values()))
        self.before = 0

    def start(self, key: str) -> Callable[[int], None]:
        label = PEOPLE_LABELS[key][1].capitalize()
        stored = self.totals[key]

        def tick(done: int) -> None:
            if self.report is not None:
                of = f" af {stored:,}".replace(",", ".") if stored else ""
                self.report(min(1.0, (self.before + done) / self.total), f"{label}: {done:,}{of}".replace(",", "."))

        tick(0)
        return tick

    def finish(self, key: str, count: int) -> None:
        self.before += self.totals[key]
        if self.report is not None:
            label = PEOPLE_LABELS[key][1].capitalize()
            self.report(min(1.0, self.before / self.total), f"{label}: {count:,} skrevet".replace(",", "."))


def _viewer_text(db: Database, viewer: Viewer) -> str:
    if viewer.is_system:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = "ukendt"
        return f"via kommandolinjen (systembruger {user})"
    from aaben_raadgivning.domain.reference import load_reference

    return f"som {load_reference().roles.label(viewer.role).lower() or 'inaktiv medarbejder'}"


def _check_folder(folder: Path, overwrite: bool) -> None:
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ExportError(
            f"{folder} kan ikke bruges: {describe_os_error(exc)}. Der er ikke skrevet nogen filer."
        ) from exc
    if not stat.S_ISDIR(mode):
        raise ExportError(
            f"{folder} er ikke en mappe. Med --csv angives en mappe, som CSV-filerne (én pr. slags) skrives i. "
            "Der er ikke skrevet nogen filer."
        )
    for key, *_ in PEOPLE_KINDS:
        _check_target(
            folder / people_file_name(key),
            overwrite,
            hint="Flyt eller omdøb den, eller vælg en anden mappe.",
            plural=True,
        )


def export_people(
    db: Database,
    destination: str | Path,
    fmt: str,
    *,
    viewer: Viewer | None = None,
    actor_id: str | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
) -> ExportResult:
    """Export borgere, henvendelser, hændelser, aftaler, timer and opfølgning for people: ``fmt`` "xlsx" writes
    the file ``destination`` (a sheet per kind), "csv" a file per kind in the folder ``destination`` (made if
    missing). Cut to ``viewer`` (default: the system, everything) and audited as one extract naming the kinds
    and counts. Every file is written under a temporary name and renamed into place after the audit entry is
    committed; an existing file is replaced only with ``overwrite``, and only if it is a regular file."""
    if fmt not in PEOPLE_FORMATS:
        raise ValueError(fmt)
    viewer = viewer or Viewer.system()
    if actor_id is None:
        actor_id = viewer.staff_id
    target = Path(destination).expanduser().absolute()
    if fmt == "csv":
        _check_folder(target, overwrite)
        finals = [target / people_file_name(key) for key, *_ in PEOPLE_KINDS]
    else:
        _check_target(target, overwrite, hint=f"Angiv et filnavn, fx {target / 'eksport.xlsx'}.")
        finals = [target]
    created_folder = False
    if fmt == "csv" and not target.exists():
        try:
            target.mkdir()
        except OSError as exc:
            raise ExportError(f"Kan ikke oprette mappen {target}: {describe_os_error(exc)}.") from exc
        created_folder = True
    temps: list[Path] = []

    def temp_for(final: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        temps.append(Path(name))
        return Path(name)

    counts: dict[str, int] = {}
    try:
        try:
            paths = [temp_for(final) for final in finals]
        except OSError as exc:
            raise ExportError(f"Kan ikke skrive i mappen {finals[0].parent}: {describe_os_error(exc)}.") from exc
        today = db.now()
        with db.engine.connect() as connection:  # one read transaction: every sheet from the same moment
            from aaben_raadgivning.domain.clock import local_date

            source = _Source(connection, viewer, local_date(today))
            tracker = _Progress(progress, _stored_counts(connection))
            if fmt == "csv":
                for (key, *_), path in zip(PEOPLE_KINDS, paths, strict=True):
                    with path.open("w", encoding="utf-8", newline="") as out:
                        counts[key] = write_csv(
                            out, PEOPLE_HEADINGS[key], _PEOPLE_ROWS[key](source), tracker.start(key)
                        )
                        out.flush()
                        os.fsync(out.fileno())
                    tracker.finish(key, counts[key])
            else:
                book = new_workbook()
                for key, title, *_ in PEOPLE_KINDS:
                    counts[key] = add_sheet(
                        book, title, PEOPLE_HEADINGS[key], _PEOPLE_ROWS[key](source), widths=_WIDTHS[key],
                        tick=tracker.start(key),
                    )  # fmt: skip
                    tracker.finish(key, counts[key])
                if progress is not None:
                    progress(1.0, "Gemmer regnearket …")
                with paths[0].open("wb") as binary:
                    book.save(binary)
                    binary.flush()
                    os.fsync(binary.fileno())
            connection.rollback()
        # Again: the export took a while, something may have appeared there.
        for final in finals:
            _check_target(final, overwrite, plural=fmt == "csv")
        where = f"mappen {target}" if fmt == "csv" else str(target)
        detail = (
            f"Eksport til regneark ({fmt.upper()}) til {where} {_viewer_text(db, viewer)}: "
            + describe_people_counts(counts)
        )
        with db.transaction() as tx:
            tx.audit(actor_id, "export", "people", detail=detail)
        for path, final in zip(paths, finals, strict=True):
            os.replace(path, final)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(
            f"Eksporten til {target} mislykkedes: {describe_os_error(exc)}. Der er ikke skrevet nogen fil."
        ) from exc
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
        if created_folder:
            with contextlib.suppress(OSError):
                target.rmdir()  # only an empty folder: the export failed before a file was in place
    return ExportResult(str(target), counts)

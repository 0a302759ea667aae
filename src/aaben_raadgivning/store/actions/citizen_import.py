"""Import of a caseload from a CSV or XLSX file (issue 18, «Importér borgere»; permission ``import_citizens``).

``import_citizens(db, actor_id, path, dry_run=…)`` reads and types the file (``domain/citizen_import.py``),
then decides each row against the register:

- **identified** by CPR (one live citizen has it), else by the same name *and* phone (for a row with a CPR only
  a citizen without one, e.g. made at the counter: the import adds the CPR) → an update of the fields whose
  value differs (``unchanged`` when none does);
- a **probable duplicate** — the same CPR or the same identified citizen as an earlier line of the file; or,
  for a row not identified, the same name and birth date (from the CPR) or the same phone as an earlier line
  or as a citizen in the register — is not imported (``accept_duplicates`` imports those by name + birth date
  or phone as new citizens anyway);
- **refused** with Danish reasons: a field that cannot be read, unknown staff initials, several citizens with
  the CPR, neither CPR nor phone (the row could not be recognised by a re-run);
- otherwise a **new** citizen.

The dry run does exactly this in a read session and writes one audit entry (the file was compared with the
register: a lookup). The real run makes the same decisions, row by row in file order, each row decided and
written in **its own savepoint** inside a transaction of at most 100 rows or 0.2 s (a refused row is rolled back
whole; a killed import leaves whole rows only; the checks of the later lines see the earlier lines as the dry
run saw them, so both give the same kinds of outcome); an empty cell never
clears a stored value, so a re-run of the same file — also after a kill — changes nothing. Updates go through
the base-data validation (``base_data.validate_base_data``) and ``Tx.update`` (one change-log entry per changed
field, so an imported change syncs and conflicts like any edit); the jobformidler through the rules of
``citizen_record.set_jobformidler`` (a change is a counted timeline event). Audit: one entry when the import
starts and one when it ends, naming the file name and the counts (never names or CPR numbers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.citizen_import import (
    DUPLICATE,
    NEW,
    REFUSED,
    UNCHANGED,
    UPDATE,
    CitizenRow,
    ImportReport,
    ProgressCallback,
    RowOutcome,
    read_source,
    typed_rows,
)
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.text import fold
from aaben_raadgivning.store.actions.base_data import FIELD_LABELS, SEARCHED, validate_base_data
from aaben_raadgivning.store.actions.citizen_record import set_jobformidler
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Citizen, Staff
from aaben_raadgivning.store.records import authorize
from aaben_raadgivning.store.search_index import index_citizen

BATCH_ROWS, BATCH_SECONDS = 100, 0.2  # rows per transaction (see _import_batch)
_BASE_FIELDS = ("name", "phone", "address", "benefit_type", "benefit_since", "readiness", "match_group", "housing_area")
_LABELS = {**FIELD_LABELS, "jobformidler_id": "jobformidler", "cpr": "CPR-nummer"}


@dataclass
class _Seen:
    """The keys of the file's earlier lines that are imported (or would be): for duplicates within the file."""

    cpr: dict[str, int] = field(default_factory=dict)
    name_birth: dict[tuple[str, date], int] = field(default_factory=dict)
    phone: dict[str, int] = field(default_factory=dict)
    citizens: dict[str, int] = field(default_factory=dict)  # citizen id (identified in the register) → line

    def resembles(self, row: CitizenRow) -> str | None:
        """Why a row not identified in the register probably repeats an earlier line (name + birth date, phone)."""
        if row.cpr and row.name and (fold(row.name), row.cpr.birth_date) in self.name_birth:
            return f"samme navn og fødselsdato som linje {self.name_birth[(fold(row.name), row.cpr.birth_date)]}"
        if row.phone and row.phone in self.phone:
            return f"samme telefonnummer som linje {self.phone[row.phone]}"
        return None

    def add(self, row: CitizenRow, citizen_id: str | None) -> None:
        if row.cpr:
            self.cpr.setdefault(row.cpr.digits, row.line)
            if row.name:
                self.name_birth.setdefault((fold(row.name), row.cpr.birth_date), row.line)
        if row.phone:
            self.phone.setdefault(row.phone, row.line)
        if citizen_id is not None:
            self.citizens.setdefault(citizen_id, row.line)


@dataclass(frozen=True)
class _Plan:
    outcome: RowOutcome
    citizen_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # columns to write (validated)
    jobformidler_id: str | None = None  # to set (differs from the citizen's)


def _staff_by_initials(session: Session) -> dict[str, Staff]:
    staff = session.scalars(select(Staff).where(Staff.deleted_at.is_(None), Staff.active.is_(True))).all()
    return {member.initials.upper(): member for member in staff}


class _Planner:
    """Decides rows against the register (the same code for the dry run and, per row, the real run)."""

    def __init__(self, session: Session, today: date, accept_duplicates: bool) -> None:
        self.staff = _staff_by_initials(session)
        self.today = today
        self.accept_duplicates = accept_duplicates

    def _refuse(self, row: CitizenRow, *reasons: str) -> _Plan:
        return _Plan(RowOutcome(row.line, REFUSED, row.name or "", tuple(reasons), row.warnings))

    def plan(self, session: Session, row: CitizenRow, seen: _Seen | None) -> _Plan:
        if row.problems:
            return self._refuse(row, *row.problems)
        problems = []
        typed: dict[str, Any] = {name: getattr(row, name) for name in _BASE_FIELDS if getattr(row, name) is not None}
        if row.cpr is not None:
            typed["cpr"] = row.cpr.digits
        if row.jobkonsulent:
            member = self.staff.get(row.jobkonsulent)
            if member is None or member.role != "jobkonsulent":
                problems.append(f"Jobkonsulent: ingen aktiv jobkonsulent har initialerne «{row.jobkonsulent}»")
            else:
                typed["jobkonsulent_id"] = member.id
        jobformidler_id = None
        if row.jobformidler:
            member = self.staff.get(row.jobformidler)
            if member is None:
                problems.append(f"Jobformidler: ingen aktiv medarbejder har initialerne «{row.jobformidler}»")
            else:
                jobformidler_id = member.id
        if problems:
            return self._refuse(row, *problems)
        warnings = list(row.warnings)
        if seen is not None and row.cpr and row.cpr.digits in seen.cpr:  # never imported, not even when accepted
            reason = f"samme CPR-nummer som linje {seen.cpr[row.cpr.digits]}"
            return _Plan(RowOutcome(row.line, DUPLICATE, row.name or "", (reason,), row.warnings))
        target, found = self._identify(session, row)
        if isinstance(found, str):  # several citizens: refused
            return self._refuse(row, found)
        if seen is not None and target is not None and target.id in seen.citizens:
            reason = f"samme borger som linje {seen.citizens[target.id]}"
            return _Plan(RowOutcome(row.line, DUPLICATE, row.name or "", (reason,), row.warnings))
        if seen is not None and target is None and (resembles := seen.resembles(row)) is not None:
            if not self.accept_duplicates:
                return _Plan(RowOutcome(row.line, DUPLICATE, row.name or "", (resembles,), row.warnings))
            warnings.append(f"importeret trods mulig dublet ({resembles})")
        if target is None:
            duplicate = self._resembles(session, row)
            if duplicate is not None:
                if not self.accept_duplicates:
                    return _Plan(RowOutcome(row.line, DUPLICATE, row.name or "", (duplicate,), row.warnings))
                warnings.append(f"importeret trods mulig dublet ({duplicate})")
        citizen = target if target is not None else Citizen()
        try:
            values, _cpr = validate_base_data(citizen, typed, self.today, session)
        except ValidationError as exc:
            return self._refuse(row, *(f"{_LABELS.get(k, k).capitalize()}: {m}" for k, m in exc.errors.items()))
        if jobformidler_id == citizen.jobformidler_id:
            jobformidler_id = None
        elif jobformidler_id is not None and citizen.jobformidler_id is not None:
            old = session.get(Staff, citizen.jobformidler_id)
            warnings.append(f"jobformidler skiftes fra {old.name if old else '?'} til {self._name(jobformidler_id)}")
        if target is None:
            return _Plan(RowOutcome(row.line, NEW, row.name or "", (), tuple(warnings)), None, values, jobformidler_id)
        changed = [name for name, value in values.items() if getattr(target, name) != value]
        changed = [name for name in changed if name not in ("birth_date", "sex")]
        if jobformidler_id is not None:
            changed.append("jobformidler_id")
        if not changed:
            return _Plan(RowOutcome(row.line, UNCHANGED, row.name or "", (), tuple(warnings)), target.id)
        reasons = ("ændrer " + ", ".join(_LABELS.get(name, name) for name in changed),)
        return _Plan(RowOutcome(row.line, UPDATE, row.name or "", reasons, tuple(warnings)), target.id, values,
                     jobformidler_id)  # fmt: skip

    def _name(self, staff_id: str) -> str:
        return next((m.name for m in self.staff.values() if m.id == staff_id), "?")

    @staticmethod
    def _identify(session: Session, row: CitizenRow) -> tuple[Citizen | None, str | None]:
        """The citizen the row is about (by CPR, else by name + phone), or a Danish reason why it is unclear."""
        live = Citizen.deleted_at.is_(None)
        if row.cpr is not None:
            found = session.scalars(select(Citizen).where(Citizen.cpr == row.cpr.digits, live).limit(3)).all()
            if len(found) > 1:
                return None, (f"{len(found)} borgere i programmet har dette CPR-nummer; ret det i programmet først "
                              "(slet den ene registrering)")  # fmt: skip
            if found or row.phone is None:
                return (found[0] if found else None), None
        # Without CPR (or a CPR the register does not have yet): the same name and phone, on a citizen without a
        # CPR number (e.g. made at the counter) — the import then adds the CPR.
        same = [c for c in session.scalars(select(Citizen).where(Citizen.phone == row.phone, live).limit(50))
                if fold(c.name) == fold(row.name or "") and (row.cpr is None or c.cpr is None)]  # fmt: skip
        if len(same) > 1:
            return None, f"{len(same)} borgere i programmet har samme navn og telefonnummer; ret det i programmet først"
        return (same[0] if same else None), None

    @staticmethod
    def _resembles(session: Session, row: CitizenRow) -> str | None:
        """Why the row probably is a citizen in the register who was not identified (or None)."""
        live = Citizen.deleted_at.is_(None)
        if row.cpr is not None:
            for citizen in session.scalars(
                select(Citizen).where(Citizen.birth_date == row.cpr.birth_date, live).limit(200)
            ):
                if fold(citizen.name) == fold(row.name or ""):
                    return (
                        f"ligner {citizen.name} i programmet (samme navn og fødselsdato, andet eller intet CPR-nummer)"
                    )
        if row.phone is not None:
            other = session.scalars(select(Citizen).where(Citizen.phone == row.phone, live).limit(1)).first()
            if other is not None:
                return f"ligner {other.name} i programmet (samme telefonnummer)"
        return None


def _apply(tx_session: Session, tx: Any, actor_id: str | None, plan: _Plan, file_name: str) -> str:
    citizen: Citizen | None
    if plan.outcome.kind == NEW:
        citizen = tx.add(Citizen(created_at=tx.now, **plan.values))
    else:
        citizen = tx_session.get(Citizen, plan.citizen_id)
        tx.update(citizen, **plan.values)
    assert citizen is not None
    if plan.outcome.kind == NEW or SEARCHED & set(plan.values):
        index_citizen(tx_session, citizen.id, citizen.name, citizen.cpr, citizen.phone)
    if plan.jobformidler_id is not None:
        reason = f"Sat ved import af borgere fra «{file_name}»"
        set_jobformidler(tx, actor_id, citizen, plan.jobformidler_id, reason, recompute=plan.outcome.kind != NEW)
    elif _benefit_period_running(plan.values, tx.now) or (
        plan.outcome.kind != NEW and {"benefit_since", "benefit_type"} & set(plan.values)
    ):
        recompute_now(tx, citizen.id, actor_id=actor_id)  # LAB § 31 counts from the benefit's start
    return citizen.id


def _benefit_period_running(values: dict[str, Any], now: datetime) -> bool:
    """A benefit that started within LAB § 31's period: its jobsamtaler are due now (older ones make none)."""
    since = values.get("benefit_since")
    months = load_rules().jobsamtaler_period_months
    return since is not None and since + relativedelta(months=months) >= local_date(now)


def _remember(seen: _Seen, row: CitizenRow, outcome: RowOutcome, citizen_id: str | None) -> None:
    """A row that is (or would be) in the register after the import counts for the later lines' checks."""
    if outcome.kind in (NEW, UPDATE, UNCHANGED):
        seen.add(row, citizen_id)


def _import_batch(
    db: Database,
    actor_id: str | None,
    planner: _Planner,
    rows: list[CitizenRow],
    start: int,
    seen: _Seen,
    report: ImportReport,
    file_name: str,
) -> int:
    """Import rows from ``start`` in one transaction (at most BATCH_ROWS rows or about BATCH_SECONDS, so that
    the app's own saves never wait long for the lock), each row decided and written in its own savepoint: a
    refused row is rolled back whole, and a killed import leaves whole rows only. Returns where the next batch
    starts."""
    started = time.monotonic()
    index = start
    with db.transaction() as tx:
        authorize(tx, actor_id, "import_citizens")
        tx.staff_id = actor_id  # the change-log entries name who imported (no audit entry per row)
        while index < len(rows) and index - start < BATCH_ROWS and time.monotonic() - started < BATCH_SECONDS:
            row = rows[index]
            index += 1
            citizen_id = None
            try:
                with tx.session.begin_nested():
                    plan = planner.plan(tx.session, row, seen)
                    citizen_id = plan.citizen_id
                    if plan.outcome.kind in (NEW, UPDATE):
                        citizen_id = _apply(tx.session, tx, actor_id, plan, file_name)
                    outcome = plan.outcome
            except ValidationError as exc:  # the row's savepoint is rolled back whole
                outcome = RowOutcome(row.line, REFUSED, row.name or "", tuple(exc.errors.values()), row.warnings)
            _remember(seen, row, outcome, citizen_id)
            report.outcomes.append(outcome)
    return index


def import_citizens(
    db: Database,
    actor_id: str | None,
    path: str | Path,
    *,
    dry_run: bool = True,
    accept_duplicates: bool = False,
    progress: ProgressCallback | None = None,
    via: str = "",
) -> ImportReport:
    """Import (or, with ``dry_run``, check) the citizens of a CSV/XLSX file; see the module text. Raises
    ``ImportFileError`` (the file cannot be used) or ``PermissionDenied`` with nothing written. ``via`` is
    added to the audit entries (the command line names the system user)."""
    source = read_source(path)
    today = local_date(db.now())
    rows, columns, ignored = typed_rows(source, today)
    report = ImportReport(source.name, source.described, dry_run, columns, ignored)
    total = max(len(rows), 1)
    with db.transaction() as tx:  # the role first: a refused import reads and writes nothing
        authorize(tx, actor_id, "import_citizens")
        if not dry_run:
            tx.audit(actor_id, "import", "citizen_import", None, None,
                     f"Import af borgere fra «{source.name}» begyndt: {len(rows)} rækker{via}")  # fmt: skip
    seen = _Seen()
    with db.session() as session:
        planner = _Planner(session, today, accept_duplicates)
        if dry_run:
            for index, row in enumerate(rows):
                plan = planner.plan(session, row, seen)
                _remember(seen, row, plan.outcome, plan.citizen_id)
                report.outcomes.append(plan.outcome)
                if progress and index % 100 == 0:
                    progress(index / total, f"Kontrollerer linje {row.line} ({index + 1} af {len(rows)})")
    if dry_run:
        with db.transaction() as tx:
            authorize(tx, actor_id, "import_citizens")
            tx.audit(actor_id, "search", "citizen_import", None, None,
                     f"Prøvekørsel af import fra «{source.name}»: {report.audit_counts()}{via}")  # fmt: skip
        if progress:
            progress(1.0, "Kontrolleret")
        return report
    done = 0
    while done < len(rows):
        done = _import_batch(db, actor_id, planner, rows, done, seen, report, source.name)
        if progress:
            progress(done / total, f"Importerer: {done} af {len(rows)} rækker")
    with db.transaction() as tx:
        authorize(tx, actor_id, "import_citizens")
        tx.audit(actor_id, "import", "citizen_import", None, None,
                 f"Import af borgere fra «{source.name}» afsluttet: {report.audit_counts()}{via}")  # fmt: skip
    if progress:
        progress(1.0, "Importeret")
    return report

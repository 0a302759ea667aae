"""SQLAlchemy 2.0 typed models.

Rules that make sync and privacy possible (see ARCHITECTURE.md):
- every syncable row has a client-generated UUIDv7 text id, never an autoincrement;
- walk-ins, their transitions, timeline events, hours reports and audit entries are append-only: a correction or a
  state change is a new row pointing at the old one;
- mutable records (office, staff, citizen, follow-up task, company, agreement) change field by field, each change logged;
- deletion is a tombstone (``deleted_at``), never a DELETE;
- the CPR number is a nullable, searchable attribute, never a key.
All timestamps are stored in UTC (naive); the UI converts to Danish local time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aaben_raadgivning.domain.codes import AgreementStatus, EventKind, FollowUpStatus, SubGoalStatus

ID = String(36)


class Base(DeclarativeBase):
    pass


class LocalMeta(Base):
    """Facts about this device's copy of the database (device id, clock); never synced."""

    __tablename__ = "local_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Office(Base):
    __tablename__ = "offices"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    housing_area: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    initials: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


# 1 for a citizen not deleted (tombstoned), 0 for one deleted: the expression ix_citizens_results is led by.
CITIZEN_LIVE = "(deleted_at IS NULL)"


class Citizen(Base):
    __tablename__ = "citizens"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cpr: Mapped[str | None] = mapped_column(String(10), index=True, default=None)
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    benefit_type: Mapped[str | None] = mapped_column(String(40), default=None)
    readiness: Mapped[str | None] = mapped_column(String(40), default=None)
    housing_area: Mapped[str] = mapped_column(String(200), default="")
    office_id: Mapped[str | None] = mapped_column(ForeignKey("offices.id"), default=None)
    jobkonsulent_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # The step model the record was made under (code + version) and where the citizen is in it; changing
    # the office's default model never rewrites these.
    step_model: Mapped[str | None] = mapped_column(String(40), default=None)
    step_model_version: Mapped[int | None] = mapped_column(Integer, default=None)
    step: Mapped[str | None] = mapped_column(String(40), default=None)
    step_since: Mapped[date | None] = mapped_column(Date, default=None)
    visitation: Mapped[str | None] = mapped_column(String(40), default=None)
    route: Mapped[str | None] = mapped_column(String(40), default=None)  # rehab / underretning, when decided
    project_start: Mapped[date | None] = mapped_column(Date, default=None)
    jobformidler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True, default=None)
    job_goal: Mapped[str] = mapped_column(Text, default="", server_default="")
    resources: Mapped[str] = mapped_column(Text, default="", server_default="")
    barriers: Mapped[str] = mapped_column(Text, default="", server_default="")  # as the citizen defines them
    parallel_efforts: Mapped[str] = mapped_column(Text, default="", server_default="")  # codes, comma-separated
    cv_status: Mapped[str] = mapped_column(String(16), default="mangler", server_default="mangler")
    self_supporting: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Base data (stamdata, migration 0008), edited with store.actions.base_data. Codes from reference.toml.
    # Years on benefit are not stored: they follow from ``benefit_since`` (Flere skal med: ≥ 5 years).
    address: Mapped[str] = mapped_column(Text, default="", server_default="")  # read scope contact
    benefit_since: Mapped[date | None] = mapped_column(Date, default=None)  # read scope benefit
    match_group: Mapped[str | None] = mapped_column(String(40), default=None)  # read scope benefit
    language: Mapped[str | None] = mapped_column(String(40), default=None)  # read scope contact
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # contact

    __table_args__ = (
        Index("ix_citizens_birth_date_name", "birth_date", "name"),
        # Results (F6, migration 0009): what the figures read of every citizen, so a scan reads this index, not
        # the wide rows. Led by the expression CITIZEN_LIVE, which only the results write: led by deleted_at,
        # SQLite took it for «deleted_at IS NULL» in queries it does not cover (the search, the duplicate check)
        # and read every row; led by the id, the results could not search it by project start.
        Index(
            "ix_citizens_results",
            text(CITIZEN_LIVE),
            "project_start",
            "step_since",
            "step_model",
            "step_model_version",
            "step",
            "route",
            "self_supporting",
            "housing_area",
            "jobformidler_id",
            "jobkonsulent_id",
            "office_id",
            "id",
        ),
    )


class CitizenOutcome(Base):
    """An exit outcome (udfald) of a citizen: job, education, flexjob, moved away … (codes from reference.toml
    ``exit_outcomes``, each marked whether it is self-support). Append-only: a correction is a new row with
    ``corrects_id`` pointing at the outcome it replaces; a corrected outcome no longer counts."""

    __tablename__ = "citizen_outcomes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    outcome_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("citizen_outcomes.id"), index=True, default=None)


class WalkIn(Base):
    """An arrival at the open-counsel counter (append-only; its progress lives in WalkInTransition)."""

    __tablename__ = "walk_ins"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    office_id: Mapped[str | None] = mapped_column(ForeignKey("offices.id"), default=None)
    citizen_id: Mapped[str | None] = mapped_column(ForeignKey("citizens.id"), index=True, default=None)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    arrived_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    registered_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)


class WalkInTransition(Base):
    """A step in a walk-in's life: ``start`` (taken by a staff member), ``finish`` (with outcome),
    ``link`` (an anonymous walk-in tied to a citizen) or ``cancel`` (left without help)."""

    __tablename__ = "walk_in_transitions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    walk_in_id: Mapped[str] = mapped_column(ForeignKey("walk_ins.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    citizen_id: Mapped[str | None] = mapped_column(ForeignKey("citizens.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class Event(Base):
    """A timeline event of a citizen (append-only; ``corrects_id`` points at an event it corrects)."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("events.id"), default=None)
    walk_in_id: Mapped[str | None] = mapped_column(ForeignKey("walk_ins.id"), default=None)
    # What the event is about when it is another record (e.g. the delmål an assessment belongs to).
    subject_id: Mapped[str | None] = mapped_column(ID, default=None)
    # Structured facts of the event (JSON), e.g. an assessment's score or a step change's from/to.
    data: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_events_citizen_occurred", "citizen_id", "occurred_at"),
        Index("ix_events_corrects_id", "corrects_id"),
        # Results (F6): a month's events of some kinds, with who and for whom, read from the index alone. The
        # time comes first: led by the kind, the planner took it for a few citizens' events of some kinds (the F5
        # queue's last contact) over ix_events_citizen_occurred, 8× slower on 1 000 000 events.
        Index("ix_events_occurred_kind", "occurred_at", "kind", "citizen_id", "staff_id"),
    )


# Results (F6, migration 0009). SQLite uses an index on an expression only where a query has the same expression,
# and a partial index only where the query's WHERE has the same terms: the results build both from these texts.
# Where a value comes out of ``data``, the index holds it, so the events' rows (and their JSON) are never read.
STEP_EVENT_KINDS = (EventKind.VISITATION, EventKind.TRIN, EventKind.REHAB)  # data: {"from", "to", "route", …}
STEP_EVENTS_WHERE = f"kind || '' IN ({', '.join(repr(str(kind)) for kind in STEP_EVENT_KINDS)})"
# A jobformidler event that changes an existing jobformidler (store/actions/citizen_record.py), as 1/0/NULL.
JOBFORMIDLER_CHANGE_SQL = "instr(data, '\"change\": true') > 0"
STEP_FACTS = ("to", "route", "model", "version")


def step_fact_sql(name: str) -> str:
    """A step-change event's fact (events.data JSON) as SQL: NULL when absent, and never an error on a damaged
    ``data`` (``json_valid`` first), so an insert can never fail on the index."""
    return f"CASE WHEN json_valid(data) THEN json_extract(data, '$.{name}') END"


# A period's events of the counted kinds, with who and for whom (and whether a jobformidler event is a change),
# read from the index alone. Led by an expression of the kind, so only a query written with ``kind || ''`` uses
# it: led by the plain kind, SQLite took it for a few citizens' events of some kinds (the F5 queue's last contact)
# over ix_events_citizen_occurred, 8× slower.
Index(
    "ix_events_kind_occurred",
    Event.kind.concat(""),
    Event.occurred_at,
    Event.citizen_id,
    Event.staff_id,
    text(JOBFORMIDLER_CHANGE_SQL),
)
# The step changes of some citizens, with their facts out of the JSON (partial: step-change events only).
Index(
    "ix_events_step_facts",
    Event.kind.concat(""),
    Event.citizen_id,
    Event.occurred_at,
    Event.id,
    *(text(step_fact_sql(name)) for name in STEP_FACTS),
    sqlite_where=text(STEP_EVENTS_WHERE),
)


class SubGoal(Base):
    """A delmål: a sub-goal of the citizen's plan, assessed regularly (the assessments are events)."""

    __tablename__ = "sub_goals"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SubGoalStatus.AKTIV)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Set when the delmål belongs to a company course (an agreement's progression goals).
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreements.id"), index=True, default=None)


class FollowUpTask(Base):
    """A follow-up task (mutable: it is rescheduled, reassigned and completed)."""

    __tablename__ = "follow_up_tasks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str | None] = mapped_column(ForeignKey("citizens.id"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(60), default="manuel")
    reason: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.OPEN)
    walk_in_id: Mapped[str | None] = mapped_column(ForeignKey("walk_ins.id"), default=None)
    # The record a derived task is about (e.g. the delmål to assess), so recomputing finds it again.
    subject_id: Mapped[str | None] = mapped_column(ID, index=True, default=None)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # The stable key of a derived task (e.g. ``monthly_contact``, ``agreement:<id>:3``); NULL for manual
    # tasks. Recomputing finds a task again by (citizen_id, rule_key) and never duplicates it.
    rule_key: Mapped[str | None] = mapped_column(String(120), default=None)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreements.id"), index=True, default=None)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")  # e.g. why it was rescheduled
    completed_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    completed_event_id: Mapped[str | None] = mapped_column(ID, default=None)  # the contact event it recorded

    __table_args__ = (
        Index("ix_follow_up_tasks_citizen_rule_key", "citizen_id", "rule_key"),
        Index("ix_follow_up_tasks_status_due", "status", "due_date"),
        Index("ix_follow_up_tasks_assignee_status_due", "assignee_id", "status", "due_date"),
    )


class Company(Base):
    """A company (virksomhed) that takes citizens for ordinary hours, virksomhedspraktik or løntilskud."""

    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    cvr: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    industry: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Tasks at this company that suit a few ordinary hours a week (what the jobformidler looks for).
    suitable_tasks: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class CompanyContact(Base):
    """A contact person at a company; an agreement names one as the citizen's fixed contact person."""

    __tablename__ = "company_contacts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Agreement(Base):
    """The agreement (aftale) between a citizen and a company about a course: tasks, weekly schedule,
    ordinary vs. internship hours, follow-up plan and the fixed contact person.

    A renegotiation (genforhandling) is a new row with ``version + 1`` and ``previous_id`` pointing at the
    version it replaces. ``schedule`` and ``follow_up_plan`` are JSON documents (see domain.agreements).
    ``health_notes`` is sensitive (helbredsoplysninger): shown only to roles allowed to see health data.
    """

    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("agreements.id"), index=True, default=None)
    course_kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(
        String(16), default=AgreementStatus.UDKAST, server_default=AgreementStatus.UDKAST
    )
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # e.g. why afbrudt
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    tasks: Mapped[str] = mapped_column(Text, default="", server_default="")
    schedule: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    health_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("company_contacts.id"), default=None)
    jobformidler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    # The written, concrete assessment required to plan internship beyond the ordinary limit.
    praktik_assessment: Mapped[str] = mapped_column(Text, default="", server_default="")
    follow_up_plan: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Seed 000 KE 7: with hours but no ordinary hours, whether ordinary hours are expected (None: not asked,
    # the agreement has ordinary hours) and from when (a date; a month is stored as its first day).
    ordinary_expected: Mapped[bool | None] = mapped_column(Boolean, default=None)
    ordinary_expected_from: Mapped[date | None] = mapped_column(Date, default=None)
    # Seed 002: with praktik hours, the praktik's purpose (reference.toml [[praktik_purposes]]) and the
    # expectations agreed with the company.
    praktik_purpose: Mapped[str | None] = mapped_column(String(40), default=None)
    praktik_expectations: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    __table_args__ = (Index("ix_agreements_company_status", "company_id", "status"),)


class HoursReport(Base):
    """Actual hours in one calendar month under one agreement (append-only: a correction is a new row
    with ``corrects_id``). Minutes, so sums are exact; ordinary, praktik and løntilskud kept apart because
    only ordinary hours count towards the monthly goal."""

    __tablename__ = "hours_reports"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    ordinary_minutes: Mapped[int] = mapped_column(Integer, default=0)
    praktik_minutes: Mapped[int] = mapped_column(Integer, default=0)
    loentilskud_minutes: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("hours_reports.id"), default=None)

    __table_args__ = (Index("ix_hours_reports_citizen_month", "citizen_id", "month"),)


class ChangeLogEntry(Base):
    """One change to one syncable row: ``insert`` (whole row), ``update`` (one field) or ``delete``
    (tombstone). Ordered by hybrid logical clock; ``device_id`` breaks ties deterministically."""

    __tablename__ = "change_log"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    hlc: Mapped[str] = mapped_column(String(80), index=True)
    device_id: Mapped[str] = mapped_column(String(36))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(ID)
    op: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(64), default=None)
    value: Mapped[str | None] = mapped_column(Text, default=None)
    # Who made the change: the person of the action's audit entry (None: system work, or older entries).
    # Not a foreign key: an entry from another laptop may arrive before that person's staff row.
    staff_id: Mapped[str | None] = mapped_column(ID, default=None)

    __table_args__ = (Index("ix_change_log_row", "table_name", "row_id"),)


class AuditEntry(Base):
    """Who read, searched, changed, exported or deleted personal data, and when (Datatilsynet's guidance).
    ``citizen_id`` lets a citizen be told which look-ups were made of their data."""

    __tablename__ = "audit_log"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    device_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str | None] = mapped_column(ID, default=None)
    citizen_id: Mapped[str | None] = mapped_column(ID, index=True, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    # The device's hash chain (store/audit_chain.py): its number on the device, the hash before it and its own.
    # NULL on rows written before the chain (migration 0007).
    chain_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    chain_prev: Mapped[str | None] = mapped_column(String(64), default=None)
    chain_hash: Mapped[str | None] = mapped_column(String(64), default=None)

    __table_args__ = (
        Index("ix_audit_log_device_chain", "device_id", "chain_seq"),
        # The audit screen's pages, newest first, per filter (store/queries/audit_log.py).
        Index("ix_audit_log_at_id", "at", "id"),
        Index("ix_audit_log_staff_at", "staff_id", "at", "id"),
        Index("ix_audit_log_citizen_at", "citizen_id", "at", "id"),
        Index("ix_audit_log_action_at", "action", "at", "id"),
        Index("ix_audit_log_staff_action_at", "staff_id", "action", "at", "id"),
    )


class Consent(Base):
    """A citizen's samtykke (consent) to share data with the roles that need it: which categories
    (codes from assets, comma-separated), how it was given (skriftligt/mundtligt), from when and until when,
    and who registered it. Renewal changes ``given_on``/``valid_until``; withdrawal sets ``withdrawn_at``
    and takes effect at once (field by field, so it syncs like any change)."""

    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"), index=True)
    categories: Mapped[str] = mapped_column(Text, default="", server_default="")
    given_how: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    registered_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    withdrawn_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class ConflictResolution(Base):
    """A person resolved a sync conflict: the losing change ``change_id`` has been seen and decided on
    (append-only and synced, so the conflict disappears on every laptop)."""

    __tablename__ = "conflict_resolutions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    change_id: Mapped[str] = mapped_column(ID, index=True)  # the losing change_log entry
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(ID)
    field: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str] = mapped_column(String(16))  # vinder / taber / flettet
    resolved_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)

    __table_args__ = (Index("ix_conflict_resolutions_row", "table_name", "row_id"),)


# --- sync bookkeeping: local to this device, never synced (see sync/engine.py) -------------


class SyncOutbox(Base):
    """This device's own change-log entries in commit order (filled by a trigger); ``segment`` is the
    segment file on the share that carries the entry, NULL while it waits to be sent."""

    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(ID, unique=True)
    segment: Mapped[int | None] = mapped_column(Integer, index=True, default=None)

    __table_args__ = ({"sqlite_autoincrement": True},)


class SyncRelay(Base):
    """Every change-log entry logged here while this laptop syncs through a server, in commit order (filled
    by a trigger, migration 0010): what a round pushes to the server beyond the last number it pushed."""

    __tablename__ = "sync_relay"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(ID)

    __table_args__ = ({"sqlite_autoincrement": True},)


class SyncBase(Base):
    """For an update/delete entry: the version of the field it overwrote (the newest stamp the writing
    device had for that field). Tells a knowing overwrite from a concurrent edit (a conflict)."""

    __tablename__ = "sync_bases"
    change_id: Mapped[str] = mapped_column(ID, primary_key=True)
    base: Mapped[str | None] = mapped_column(String(80), default=None)


class SyncPeer(Base):
    """Another device seen on the share, and how far its segments have been applied here (contiguous)."""

    __tablename__ = "sync_peers"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applied_seq: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), default="")
    last_hlc: Mapped[str | None] = mapped_column(String(80), default=None)


class SyncOwnSegment(Base):
    """A segment file this device wrote to its own folder on the share."""

    __tablename__ = "sync_own_segments"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(Integer)
    header: Mapped[str] = mapped_column(Text)  # the header JSON, so a damaged file can be rewritten as it was
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncConflict(Base):
    """An open conflict: a change that lost to a concurrent change of the same field. Recomputed from the
    change log, so every laptop with the same changes has the same list."""

    __tablename__ = "sync_conflicts"
    loser_id: Mapped[str] = mapped_column(ID, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(ID)
    field: Mapped[str] = mapped_column(String(64))
    loser_value: Mapped[str | None] = mapped_column(Text, default=None)
    loser_hlc: Mapped[str] = mapped_column(String(80))
    loser_device: Mapped[str] = mapped_column(String(36))
    winner_id: Mapped[str] = mapped_column(ID)
    winner_value: Mapped[str | None] = mapped_column(Text, default=None)
    winner_hlc: Mapped[str] = mapped_column(String(80))
    winner_device: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_sync_conflicts_row", "table_name", "row_id"),)


class SyncUnknown(Base):
    """A change this app version cannot apply (table or field from a newer version). The entry itself is
    kept in change_log; this list lets a later version apply it."""

    __tablename__ = "sync_unknown"
    change_id: Mapped[str] = mapped_column(ID, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    row_id: Mapped[str] = mapped_column(ID)


class SyncPurged(Base):
    """A row removed by a GDPR purge (the citizen and every row that pointed at it): never re-created."""

    __tablename__ = "sync_purged"
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_id: Mapped[str] = mapped_column(ID, primary_key=True)


# Tables whose rows never change after insert: their change log holds only inserts.
APPEND_ONLY_TABLES = frozenset(
    {
        "walk_ins",
        "walk_in_transitions",
        "events",
        "audit_log",
        "hours_reports",
        "conflict_resolutions",
        "citizen_outcomes",
    }
)
# Tables changed field by field.
MUTABLE_TABLES = frozenset(
    {
        "offices",
        "staff",
        "citizens",
        "follow_up_tasks",
        "sub_goals",
        "companies",
        "company_contacts",
        "agreements",
        "consents",
    }
)
SYNCED_TABLES = APPEND_ONLY_TABLES | MUTABLE_TABLES

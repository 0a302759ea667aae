"""Reading agreements: one agreement with everything the editor shows, the version history of a
renegotiated agreement, what changed between two versions (old → new per field), and the trend of
planned ordinary hours across the versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from aaben_raadgivning.domain.agreements import (
    HOUR_TYPE_SHORT,
    HOUR_TYPES,
    PLAN_TASK_RULE,
    Schedule,
    load_agreement_data,
)
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.follow_up_cadence import PlanError, plan_from_json
from aaben_raadgivning.domain.hours import format_hours
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    CompanyContact,
    FollowUpTask,
    Staff,
    SubGoal,
)
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, HEALTH, Viewer


@dataclass(frozen=True)
class AgreementDetail:
    agreement: Agreement
    citizen_name: str
    company: Company | None
    contact: CompanyContact | None  # may be tombstoned: the name still shows
    jobformidler: Staff | None
    tasks: list[FollowUpTask]  # the chain's plan tasks (open and done, not removed)
    sub_goals: list[SubGoal]
    versions: list[Agreement]  # oldest first


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def chain_root(session, agreement: Agreement) -> Agreement:
    """Version 1 of an agreement (following ``previous_id``; a loop from bad data stops where it closes)."""
    root = agreement
    seen = {root.id}
    while root.previous_id:
        previous = session.get(Agreement, root.previous_id)
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)
        root = previous
    return root


def chain_of(session, agreement: Agreement) -> list[Agreement]:
    """All versions of an agreement, oldest first (version 1 … the newest)."""
    chain = [chain_root(session, agreement)]
    while True:
        newer = session.scalars(
            select(Agreement)
            .where(Agreement.previous_id == chain[-1].id, Agreement.deleted_at.is_(None))
            .order_by(Agreement.created_at)
        ).first()
        if newer is None or newer.id in {a.id for a in chain}:
            return chain
        chain.append(newer)


def agreement_detail(db: Database, agreement_id: str, *, viewer: Viewer) -> AgreementDetail | None:
    """The agreement with its chain; None when missing or when the viewer may not read the citizen's
    agreements. Without the ``health`` scope the health notes come empty."""
    with db.session() as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None or agreement.deleted_at is not None:
            return None
        scopes = viewer.scopes_for(session, agreement.citizen_id, local_date(db.now()))
        if AGREEMENTS not in scopes:
            return None
        citizen = session.get(Citizen, agreement.citizen_id)
        versions = chain_of(session, agreement)
        ids = [v.id for v in versions]
        tasks = list(
            session.scalars(
                select(FollowUpTask)
                .where(
                    FollowUpTask.citizen_id == agreement.citizen_id,
                    FollowUpTask.rule == PLAN_TASK_RULE,
                    FollowUpTask.rule_key.like(f"agreement:{versions[0].id}:%"),
                    FollowUpTask.deleted_at.is_(None),
                )
                .order_by(FollowUpTask.due_date)
            )
        )
        sub_goals = list(
            session.scalars(
                select(SubGoal)
                .where(SubGoal.agreement_id.in_(ids), SubGoal.deleted_at.is_(None))
                .order_by(SubGoal.created_at)
            )
        )
        detail = AgreementDetail(
            agreement=agreement,
            citizen_name=citizen.name if citizen else "",
            company=session.get(Company, agreement.company_id),
            contact=session.get(CompanyContact, agreement.contact_id) if agreement.contact_id else None,
            jobformidler=session.get(Staff, agreement.jobformidler_id) if agreement.jobformidler_id else None,
            tasks=tasks,
            sub_goals=sub_goals,
            versions=versions,
        )
    if HEALTH not in scopes:  # the session is closed: the rows are detached, the cut is never written
        for version in (agreement, *versions):
            version.health_notes = ""
    return detail


def latest_version(db: Database, agreement_id: str) -> str:
    with db.session() as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None:
            return agreement_id
        return chain_of(session, agreement)[-1].id


def _plan_text(text: str) -> str:
    try:
        return plan_from_json(text).describe()
    except PlanError:
        return "?"


def _schedule_text(text: str, hour_type: str) -> str:
    schedule = Schedule.from_json(text)
    days = schedule.day(hour_type)
    week = schedule.week_minutes(hour_type)
    if not week:
        return "–"
    short = ("ma", "ti", "on", "to", "fr", "lø", "sø")
    per_day = " ".join(f"{short[i]} {format_hours(m)}" for i, m in enumerate(days) if m)
    return f"{format_hours(week)} t/uge ({per_day})"


def _expected_text(value: bool | None) -> str:
    return "–" if value is None else "ja" if value else "nej"


def diff_versions(db: Database, old: Agreement, new: Agreement) -> list[Change]:
    """What changed from one version to the next, field by field, as Danish text."""
    data = load_agreement_data()
    with db.session() as session:

        def contact(contact_id):
            row = session.get(CompanyContact, contact_id) if contact_id else None
            return row.name if row else "–"

        def staff(staff_id):
            row = session.get(Staff, staff_id) if staff_id else None
            return f"{row.initials} · {row.name}" if row else "–"

        def company(company_id):
            row = session.get(Company, company_id)
            return row.name if row else "–"

        def day(value):
            return format_date(value) if isinstance(value, date) else "–"

        # (field, label, how to show a value); None: an hour type's schedule, shown per weekday.
        fields: list[tuple[str, str, Callable[[Any], str] | None]] = [
            ("company_id", "Virksomhed", company),
            ("course_kind", "Forløbstype", data.course_label),
            ("tasks", "Arbejdsopgaver", lambda v: v or "–"),
            *[(f"schedule:{t}", HOUR_TYPE_SHORT[t] + " timer", None) for t in HOUR_TYPES],
            ("contact_id", "Kontaktperson", contact),
            ("jobformidler_id", "Jobformidler", staff),
            ("start_date", "Start", day),
            ("end_date", "Slut", day),
            ("praktik_assessment", "Vurdering af praktik", lambda v: v or "–"),
            ("praktik_purpose", "Praktikkens formål", lambda v: data.purpose_label(v) or "–"),
            ("praktik_expectations", "Forventninger til praktikken", lambda v: v or "–"),
            ("ordinary_expected", "Forventes ordinære timer", _expected_text),
            ("ordinary_expected_from", "Ordinære timer forventes fra", day),
            ("follow_up_plan", "Opfølgningsplan", _plan_text),
            ("health_notes", "Helbred (følsomt)", lambda v: "ændret" if v else "–"),
        ]
        changes = []
        for name, label, show in fields:
            if show is None:  # an hour type's weekly schedule, compared as text
                hour_type = name.split(":", 1)[1]
                before, after = _schedule_text(old.schedule, hour_type), _schedule_text(new.schedule, hour_type)
            else:
                if getattr(old, name) == getattr(new, name):
                    continue
                before, after = show(getattr(old, name)), show(getattr(new, name))
                if name == "health_notes":
                    before, after = ("(skjult)" if old.health_notes else "–"), ("(skjult)" if new.health_notes else "–")
            if before != after:
                changes.append(Change(name, label, before, after))
        return changes


@dataclass(frozen=True)
class TrendPoint:
    version: int
    start_date: date | None
    ordinary_minutes: int
    praktik_minutes: int
    loentilskud_minutes: int


def ordinary_trend(versions: list[Agreement]) -> list[TrendPoint]:
    """Planned hours per week of each version (the aim of renegotiating is more ordinary hours)."""
    points = []
    for agreement in versions:
        schedule = Schedule.from_json(agreement.schedule)
        points.append(
            TrendPoint(
                agreement.version, agreement.start_date, schedule.week_minutes("ordinary"),
                schedule.week_minutes("praktik"), schedule.week_minutes("loentilskud"),
            )
        )  # fmt: skip
    return points


@dataclass(frozen=True)
class CitizenAgreementRow:
    id: str
    company_name: str
    course_kind: str
    status: str
    status_reason: str
    version: int
    start_date: date | None
    end_date: date | None
    ordinary_minutes: int  # planned per week


def citizen_agreements(db: Database, citizen_id: str, *, viewer: Viewer) -> list[CitizenAgreementRow]:
    """A citizen's agreements, newest first (for the citizen screen's list; open one with app.open_agreement);
    empty for a viewer who may not read them."""
    with db.session() as session:
        if AGREEMENTS not in viewer.scopes_for(session, citizen_id, local_date(db.now())):
            return []
        rows = session.execute(
            select(
                Agreement.id, Company.name, Agreement.course_kind, Agreement.status, Agreement.status_reason,
                Agreement.version, Agreement.start_date, Agreement.end_date, Agreement.schedule,
            )
            .join(Company, Company.id == Agreement.company_id)
            .where(Agreement.citizen_id == citizen_id, Agreement.deleted_at.is_(None))
            .order_by(Agreement.created_at.desc())
        ).all()  # fmt: skip
    return [CitizenAgreementRow(*row[:8], Schedule.from_json(row.schedule).week_minutes("ordinary")) for row in rows]


def citizen_readiness(db: Database, citizen_id: str, *, viewer: Viewer) -> str | None:
    """The citizen's readiness code (jobparathed), which picks the virksomhedspraktik limits (LAB § 61) the
    agreement editor shows; None when not recorded or when the viewer may not read the citizen's agreements
    (the save checks against the stored readiness either way)."""
    with db.session() as session:
        if AGREEMENTS not in viewer.scopes_for(session, citizen_id, local_date(db.now())):
            return None
        return session.scalar(select(Citizen.readiness).where(Citizen.id == citizen_id, Citizen.deleted_at.is_(None)))


def citizen_jobformidler(db: Database, citizen_id: str, *, viewer: Viewer) -> str | None:
    """The citizen's own jobformidler (staff id): a new agreement's default jobformidler, so the course
    stays with the person the citizen knows. None when there is none or the viewer may not read agreements."""
    with db.session() as session:
        if AGREEMENTS not in viewer.scopes_for(session, citizen_id, local_date(db.now())):
            return None
        return session.scalar(
            select(Citizen.jobformidler_id).where(Citizen.id == citizen_id, Citizen.deleted_at.is_(None))
        )

"""Ordinary hours as the screens show them: per citizen and per agreement, month by month, corrections applied.

Hours reports are append-only: registering a month again writes a correction row (``corrects_id``) and the
newest row of each chain is what counts. Summing is done here in Python over a citizen's reports (a citizen
has at most a few dozen), which keeps the correction rule in one readable place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.hours import (
    MonthHours,
    Progress,
    days_in_month,
    month_series,
    month_start,
    progress,
)
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Agreement, Company, HoursReport
from aaben_raadgivning.store.queries.viewer import AGREEMENTS, Viewer


def current_reports(reports: list[HoursReport]) -> dict[tuple[str, date], HoursReport]:
    """The report that counts for each (agreement, month): the head of its correction chain. Should two
    devices both correct the same report, the later recorded one wins (then the id, for determinism)."""
    corrected = {r.corrects_id for r in reports if r.corrects_id}
    heads: dict[tuple[str, date], HoursReport] = {}
    for report in reports:
        if report.id in corrected:
            continue
        key = (report.agreement_id, report.month)
        best = heads.get(key)
        if best is None or (report.recorded_at, report.id) > (best.recorded_at, best.id):
            heads[key] = report
    return heads


def current_report(session: Session, agreement_id: str, month: date) -> HoursReport | None:
    reports = list(
        session.scalars(select(HoursReport).where(HoursReport.agreement_id == agreement_id, HoursReport.month == month))
    )
    return current_reports(reports).get((agreement_id, month))


def month_totals(reports: list[HoursReport]) -> dict[date, MonthHours]:
    """Sum the current reports per month, over agreements."""
    totals: dict[date, MonthHours] = {}
    for (_agreement, month), report in current_reports(reports).items():
        before = totals.get(month, MonthHours(month))
        totals[month] = MonthHours(
            month,
            before.ordinary + report.ordinary_minutes,
            before.praktik + report.praktik_minutes,
            before.loentilskud + report.loentilskud_minutes,
            True,
        )
    return totals


def citizen_month_totals(session: Session, citizen_id: str) -> dict[date, MonthHours]:
    reports = list(session.scalars(select(HoursReport).where(HoursReport.citizen_id == citizen_id)))
    return month_totals(reports)


@dataclass(frozen=True)
class HoursOverview:
    """A citizen's hours for the screens: the last ``len(series)`` months (oldest first) against the goal."""

    goal_hours: float
    series: tuple[MonthHours, ...]
    any_reports: bool

    @property
    def last3(self) -> tuple[MonthHours, ...]:
        return self.series[-3:]

    @property
    def progress(self) -> Progress:
        return progress(list(self.series), self.goal_hours)


def citizen_hours(db: Database, citizen_id: str, today: date, months: int = 12, *, viewer: Viewer) -> HoursOverview:
    """Ordinary hours per month; no hours at all for a viewer who may not read the citizen's agreements."""
    with db.session() as session:
        allowed = AGREEMENTS in viewer.scopes_for(session, citizen_id, today)
        totals = citizen_month_totals(session, citizen_id) if allowed else {}
    goal = load_rules().ordinary_hours_goal
    return HoursOverview(goal, tuple(month_series(totals, month_start(today), months)), bool(totals))


def agreement_months(db: Database, agreement_id: str, *, viewer: Viewer) -> list[HoursReport]:
    """The current report of each month under one agreement, newest month first (empty for a viewer who
    may not read the citizen's agreements)."""
    with db.session() as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None or AGREEMENTS not in viewer.scopes_for(
            session, agreement.citizen_id, local_date(db.now())
        ):
            return []
        reports = list(session.scalars(select(HoursReport).where(HoursReport.agreement_id == agreement_id)))
    return sorted(current_reports(reports).values(), key=lambda r: r.month, reverse=True)


@dataclass(frozen=True)
class AgreementRow:
    id: str
    company: str
    course_kind: str
    status: str
    version: int
    start_date: date | None
    end_date: date | None
    superseded: bool  # a later version (genforhandling) replaces this one


def citizen_agreements(db: Database, citizen_id: str, *, viewer: Viewer) -> list[AgreementRow]:
    """The citizen's agreements (every version), newest start first; empty for a viewer who may not read them."""
    with db.session() as session:
        if AGREEMENTS not in viewer.scopes_for(session, citizen_id, local_date(db.now())):
            return []
        rows = session.execute(
            select(Agreement, Company.name)
            .join(Company, Company.id == Agreement.company_id)
            .where(Agreement.citizen_id == citizen_id, Agreement.deleted_at.is_(None))
        ).all()
    previous = {agreement.previous_id for agreement, _ in rows if agreement.previous_id}
    result = [
        AgreementRow(a.id, name, a.course_kind, a.status, a.version, a.start_date, a.end_date, a.id in previous)
        for a, name in rows
    ]
    return sorted(result, key=lambda r: (r.start_date or date.min, r.version, r.id), reverse=True)


_REPORTABLE = (AgreementStatus.AKTIV, AgreementStatus.AFSLUTTET, AgreementStatus.AFBRUDT)  # as actions.hours


def version_for_month(db: Database, agreement_id: str, month: date, *, viewer: Viewer) -> str | None:
    """Of the versions of ``agreement_id``'s agreement (each genforhandling a new version, ``previous_id`` →
    the old one), the one the hours of ``month`` belong to: the version that already has them (saving again
    corrects them), else the newest version begun by the month's end and not ended before it (a version
    replaced by a newer one ends the day before the newer one starts). None when no version covers it or the
    viewer may not read agreements."""
    month = month_start(month)
    last_day = month.replace(day=days_in_month(month))
    with db.session() as session:
        first = session.get(Agreement, agreement_id)
        if first is None or AGREEMENTS not in viewer.scopes_for(session, first.citizen_id, local_date(db.now())):
            return None
        rows = session.scalars(
            select(Agreement).where(Agreement.citizen_id == first.citizen_id, Agreement.deleted_at.is_(None))
        ).all()
        by_id = {a.id: a for a in rows}
        successor = {a.previous_id: a for a in rows if a.previous_id}
        chain = [first]
        while chain[0].previous_id in by_id:  # back to the first version …
            chain.insert(0, by_id[chain[0].previous_id])
        while chain[-1].id in successor:  # … and on to the newest
            chain.append(successor[chain[-1].id])
        versions = [a for a in chain if a.status in _REPORTABLE]
        reported = {
            r.agreement_id
            for r in session.scalars(
                select(HoursReport).where(
                    HoursReport.agreement_id.in_([a.id for a in versions]), HoursReport.month == month
                )
            )
        }

    def covers(agreement: Agreement) -> bool:
        if agreement.start_date is not None and agreement.start_date > last_day:
            return False
        end = agreement.end_date
        newer = successor.get(agreement.id)
        if newer is not None and newer.start_date is not None:
            end = min(end, newer.start_date - timedelta(days=1)) if end else newer.start_date - timedelta(days=1)
        if agreement.status == AgreementStatus.AFBRUDT and agreement.status_changed_at is not None:
            broken = local_date(agreement.status_changed_at)
            end = min(end, broken) if end else broken
        return end is None or end >= month

    for agreement in reversed(versions):  # newest first
        if agreement.id in reported:
            return agreement.id
    return next((a.id for a in reversed(versions) if covers(a)), None)

"""Registering a month's actual hours under an agreement (ordinary, praktik and løntilskud kept apart).

Append-only: registering a month that already has a report writes a new row pointing at the old one
(``corrects_id``); the newest row counts. One transaction with the audit entry; a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.hours import (
    HOUR_KINDS,
    add_months,
    days_in_month,
    format_hours,
    format_month,
    max_minutes_in_month,
    month_start,
)
from aaben_raadgivning.domain.text import NOTE_LENGTH, clean_text, too_long
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Agreement, HoursReport
from aaben_raadgivning.store.queries.hours import current_report
from aaben_raadgivning.store.records import authorize

# Hours can be reported for a course that ran (aktiv), has ended (afsluttet) or was broken off (afbrudt:
# the hours before the break still count); a draft (udkast) has no hours yet.
REPORTABLE_STATUSES = (AgreementStatus.AKTIV, AgreementStatus.AFSLUTTET, AgreementStatus.AFBRUDT)


@dataclass(frozen=True)
class HoursResult:
    report: HoursReport
    corrected: HoursReport | None  # the report this one corrects, if the month was registered before


def _check_month(agreement: Agreement, month: date, today: date) -> str | None:
    if month > month_start(today):
        return f"{format_month(month).capitalize()} er ikke begyndt endnu. Timer registreres for en måned, der er i gang eller forbi."
    last_day = month.replace(day=days_in_month(month))
    if agreement.start_date and agreement.start_date > last_day:
        return f"Aftalen begynder først {agreement.start_date:%d.%m.%Y}; den dækker ikke {format_month(month)}."
    end = agreement.end_date
    if agreement.status == AgreementStatus.AFBRUDT and agreement.status_changed_at is not None:
        broken = local_date(agreement.status_changed_at)
        end = min(end, broken) if end else broken
    if end and end < month:
        return f"Aftalen sluttede {end:%d.%m.%Y}; den dækker ikke {format_month(month)}."
    return None


def register_hours(
    db: Database,
    actor_id: str,
    agreement_id: str,
    month: date,
    *,
    ordinary: int,
    praktik: int = 0,
    loentilskud: int = 0,
    note: str = "",
) -> HoursResult:
    """Register (or correct) the actual minutes of one calendar month under one agreement."""
    month = month_start(month)
    minutes = {"ordinary": ordinary, "praktik": praktik, "loentilskud": loentilskud}
    errors: dict[str, str] = {}
    note = clean_text(note, "note", multiline=True, errors=errors)
    limit = max_minutes_in_month(month)
    for kind in HOUR_KINDS:
        value = minutes[kind]
        if not isinstance(value, int) or isinstance(value, bool):
            errors[kind] = "Timetallet skal være et tal."
        elif value < 0:
            errors[kind] = "Timetallet kan ikke være negativt."
        elif value > limit:
            errors[kind] = f"{format_hours(value)} timer er mere end en hel måned ({limit // 60} timer)."
    if not errors and sum(minutes.values()) > limit:
        errors["general"] = f"Tilsammen {format_hours(sum(minutes.values()))} timer er mere end en hel måned."
    if problem := too_long(note, NOTE_LENGTH, "Noten er for lang (højst {limit} tegn)."):
        errors["note"] = problem
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "register_hours")
        agreement = tx.session.get(Agreement, agreement_id)
        if agreement is None or agreement.deleted_at is not None:
            raise NotFoundError("Aftalen findes ikke (længere).")
        if agreement.status not in REPORTABLE_STATUSES:
            raise ValidationError.single(
                "agreement", "Aftalen er kun et udkast. Timer registreres, når aftalen er aktiv."
            )
        today = local_date(tx.now)
        problem = _check_month(agreement, month, today)
        if problem:
            raise ValidationError.single("month", problem)
        previous = current_report(tx.session, agreement.id, month)
        if previous is not None and (
            previous.ordinary_minutes,
            previous.praktik_minutes,
            previous.loentilskud_minutes,
            previous.note,
        ) == (ordinary, praktik, loentilskud, note):
            raise ValidationError.single(
                "general", f"Timerne for {format_month(month)} er allerede registreret med de samme tal."
            )
        report = tx.add(
            HoursReport(
                agreement_id=agreement.id,
                citizen_id=agreement.citizen_id,
                month=month,
                ordinary_minutes=ordinary,
                praktik_minutes=praktik,
                loentilskud_minutes=loentilskud,
                note=note,
                recorded_at=tx.now,
                recorded_by=actor_id,
                corrects_id=previous.id if previous else None,
            )
        )
        what = "rettet" if previous else "registreret"
        detail = (
            f"Timer {what} for {format_month(month)}: ordinære {format_hours(ordinary)}, "
            f"praktik {format_hours(praktik)}, løntilskud {format_hours(loentilskud)}"
        )
        tx.audit(actor_id, "create", "hours_report", report.id, agreement.citizen_id, detail)
        recompute_now(tx, agreement.citizen_id, actor_id=actor_id)  # hours not rising (stagnation) may change
    return HoursResult(report, previous)


def latest_reportable_month(today: date) -> date:
    """The month hours are usually registered for: the one just ended (early in a month) — the screen's default."""
    return add_months(month_start(today), -1) if today.day <= 10 else month_start(today)

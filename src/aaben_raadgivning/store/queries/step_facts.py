"""The facts of a citizen's record that step models' exit criteria are written over (domain.step_models.FACTS).

The record's own fields give trin 1's facts. With a session, the company course facts are read from the
citizen's agreements and hours reports too (trin 2: an active agreement, a follow-up plan, a fixed contact
person; trin 3: the best month of ordinary hours since the citizen entered the current step). Facts the
app cannot know (e.g. ``health_clarified``) are left out, so their criteria count as not met.
"""

from __future__ import annotations

import json

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.agreements import Schedule
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.hours import month_start
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    CompanyContact,
    FollowUpTask,
)
from aaben_raadgivning.store.queries.hours import citizen_month_totals


def citizen_facts(citizen: Citizen, session: Session | None = None) -> dict[str, object]:
    facts: dict[str, object] = {
        "visitation": citizen.visitation or "",
        "cv_status": citizen.cv_status,
        "job_goal_set": bool(citizen.job_goal.strip()),
        "plan_made": bool(citizen.job_goal.strip() and (citizen.resources.strip() or citizen.barriers.strip())),
        "jobformidler_assigned": citizen.jobformidler_id is not None,
        "self_supporting": bool(citizen.self_supporting),
    }
    if session is not None:
        facts.update(course_facts(session, citizen))
    return facts


def _has_plan(text: str) -> bool:
    """A follow-up plan document that says something (not empty JSON)."""
    text = (text or "").strip()
    if not text:
        return False
    try:
        return bool(json.loads(text))
    except ValueError:
        return True  # free text is a plan too


def course_facts(session: Session, citizen: Citizen) -> dict[str, object]:
    """Facts about the citizen's company course, from the agreements and the hours reports."""
    active = list(
        session.scalars(
            select(Agreement).where(
                Agreement.citizen_id == citizen.id,
                Agreement.status == AgreementStatus.AKTIV,
                Agreement.deleted_at.is_(None),
            )
        )
    )
    planned_visits = {
        agreement_id
        for agreement_id in session.scalars(
            select(FollowUpTask.agreement_id).where(
                FollowUpTask.agreement_id.in_([a.id for a in active]), FollowUpTask.deleted_at.is_(None)
            )
        )
    }
    with_contact = [
        a
        for a in active
        if a.contact_id is not None
        and session.scalar(
            select(exists().where(CompanyContact.id == a.contact_id, CompanyContact.deleted_at.is_(None)))
        )
    ]
    schedules = [Schedule.from_json(a.schedule) for a in active]
    since = month_start(citizen.step_since) if citizen.step_since else None
    months = [m for m in citizen_month_totals(session, citizen.id).values() if since is None or m.month >= since]
    best = max((m.ordinary for m in months), default=0)
    return {
        "active_agreement": bool(active),
        "active_praktik": any(s.week_minutes("praktik") > 0 for s in schedules),
        "active_loentilskud": any(s.week_minutes("loentilskud") > 0 for s in schedules),
        "follow_up_plan": any(_has_plan(a.follow_up_plan) or a.id in planned_visits for a in active),
        "company_contact_person": bool(with_contact),
        "ordinary_hours_best_month": best / 60,
    }

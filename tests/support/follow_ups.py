"""Helpers for the follow-up store tests: citizens in the project since a given day, agreements, task lookups."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import (
    Agreement,
    ChangeLogEntry,
    Company,
    FollowUpTask,
)

TODAY = date(2026, 11, 24)


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def citizen_in_project(world, name: str, since: date | None, housing_area: str = ""):
    """A citizen visitated into the project on ``since`` (None: created today, not visitated)."""
    now = to_local(world.clock.utc).date()
    if since is None:
        return create_citizen(world.db, world.jk.id, name=name, housing_area=housing_area)
    world.clock.advance(days=(since - now).days)
    try:
        citizen = create_citizen(world.db, world.jk.id, name=name, housing_area=housing_area)
        record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    finally:
        world.clock.advance(days=(now - since).days)
    return citizen


def add_agreement(world, citizen_id: str, start: date, *, status: str = "aktiv", previous_id: str | None = None,
                  company: str = "Netto Slagelse", version: int = 1) -> Agreement:  # fmt: skip
    with world.db.transaction() as tx:
        firm = tx.add(Company(cvr="12345678", name=company, created_at=tx.now))
        agreement = tx.add(
            Agreement(
                citizen_id=citizen_id, company_id=firm.id, course_kind="ordinaere_timer", status=status,
                start_date=start, created_at=tx.now, version=version, previous_id=previous_id,
            )
        )  # fmt: skip
    return agreement


def recompute(world, citizen_id: str):
    with world.db.transaction() as tx:
        return recompute_now(tx, citizen_id, calendar=world.runtime.calendar)


def tasks(world, citizen_id: str, *, status: str | None = "open", alive: bool = True) -> dict[str, FollowUpTask]:
    """The citizen's tasks by rule key (or id for manual ones)."""
    with world.db.session() as session:
        query = select(FollowUpTask).where(FollowUpTask.citizen_id == citizen_id)
        if status:
            query = query.where(FollowUpTask.status == status)
        if alive:
            query = query.where(FollowUpTask.deleted_at.is_(None))
        return {t.rule_key or t.id: t for t in session.scalars(query)}


def due_by_key(world, citizen_id: str) -> dict[str, date]:
    return {key: t.due_date for key, t in tasks(world, citizen_id).items()}


def change_count(world) -> int:
    with world.db.session() as session:
        return session.scalar(select(func.count()).select_from(ChangeLogEntry))

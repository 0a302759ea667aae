"""Slettefrist (retention): the citizens whose case closed more than ``retention_years`` (rules.toml) ago.

A case counts as closed when the citizen stands on their step model's terminal step («Afsluttet»); it closed
on ``step_since``. The list erases nothing by itself: a jobkonsulent erases each citizen from it, with the
same typed confirmation as on F3 (store/actions/erasure.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from aaben_raadgivning.domain.errors import NotFoundError
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import StepModelError
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen, Staff
from aaben_raadgivning.store.records import citizen_model


@dataclass(frozen=True)
class RetentionRow:
    citizen_id: str
    name: str
    cpr_tail: str  # the last 4 digits, for the confirmation; "" without a CPR number
    closed_on: date


def retention_cutoff(today: date, years: int | None = None) -> date:
    """Cases closed on or before this day are past the retention period."""
    return today - relativedelta(years=years if years is not None else load_rules().retention_years)


def citizens_past_retention(db: Database, actor_id: str, today: date, years: int | None = None) -> list[RetentionRow]:
    """The citizens whose case closed on or before ``retention_cutoff``, oldest first. Only a role that may
    erase gets the list (``purge_citizen``); others get PermissionDenied (Danish)."""
    cutoff = retention_cutoff(today, years)
    with db.session() as session:
        actor = session.get(Staff, actor_id)
        if actor is None or actor.deleted_at is not None or not actor.active:
            raise NotFoundError("Medarbejderen findes ikke eller er deaktiveret.")
        load_permissions().require(actor.role, "purge_citizen")
        candidates = session.scalars(
            select(Citizen)
            .where(Citizen.deleted_at.is_(None), Citizen.step.is_not(None), Citizen.step_since <= cutoff)
            .order_by(Citizen.step_since, Citizen.name)
        ).all()
        rows = []
        for citizen in candidates:
            try:
                terminal = citizen_model(citizen).terminal.code
            except StepModelError:  # a model this version does not know: not judged here
                continue
            if citizen.step == terminal and citizen.step_since is not None:
                tail = citizen.cpr[-4:] if citizen.cpr else ""
                rows.append(RetentionRow(citizen.id, citizen.name, tail, citizen.step_since))
    return rows

"""What the counter screen shows: today's queue, who is helped by whom, and today's figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_day_bounds, to_local
from aaben_raadgivning.domain.walk_ins import (
    FINISHED,
    IN_PROGRESS,
    WAITING,
    linked_citizen,
    status_of,
)
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Citizen, Staff, WalkIn, WalkInTransition

OPEN_STATUSES = (WAITING, IN_PROGRESS)


@dataclass(frozen=True)
class WalkInView:
    id: str
    arrived_at: datetime  # Danish local time
    reason: str
    note: str
    citizen_id: str | None
    citizen_name: str | None
    status: str  # waiting | in_progress | finished | cancelled
    started_at: datetime | None
    helper_initials: str | None
    finished_at: datetime | None
    outcome: str

    @property
    def anonymous(self) -> bool:
        return self.citizen_id is None

    def waiting_minutes(self, now_local: datetime) -> int:
        until = self.started_at or now_local
        return max(0, int((until - self.arrived_at).total_seconds() // 60))


@dataclass(frozen=True)
class DayFigures:
    total: int
    per_reason: dict[str, int]
    per_hour: dict[int, int]
    waiting: int
    in_progress: int
    finished: int


def walk_ins_on(db: Database, day: date, office_id: str | None = None) -> list[WalkInView]:
    """All walk-ins of one Danish calendar day, oldest first, with their current state."""
    start, end = local_day_bounds(day)
    with db.session() as session:
        query = select(WalkIn).where(WalkIn.arrived_at >= start, WalkIn.arrived_at < end)
        if office_id is not None:
            query = query.where(WalkIn.office_id == office_id)
        walk_ins = list(session.scalars(query.order_by(WalkIn.arrived_at)))
        ids = [w.id for w in walk_ins]
        transitions: dict[str, list[WalkInTransition]] = {i: [] for i in ids}
        if ids:
            for t in session.scalars(
                select(WalkInTransition).where(WalkInTransition.walk_in_id.in_(ids)).order_by(WalkInTransition.at)
            ):
                transitions[t.walk_in_id].append(t)
        citizen_ids = {w.citizen_id for w in walk_ins} | {
            t.citizen_id for ts in transitions.values() for t in ts if t.citizen_id
        }
        citizen_ids.discard(None)
        names = dict(session.execute(select(Citizen.id, Citizen.name).where(Citizen.id.in_(citizen_ids))).all())
        initials = dict(session.execute(select(Staff.id, Staff.initials)).all())
    return [_view(w, transitions[w.id], names, initials) for w in walk_ins]


def _view(walk_in: WalkIn, transitions: list[WalkInTransition], names: dict, initials: dict) -> WalkInView:
    by_kind = {t.kind: t for t in transitions}
    citizen_id = linked_citizen(walk_in.citizen_id, transitions)
    status = status_of(by_kind)
    start = by_kind.get("start")
    end = by_kind.get("finish") or by_kind.get("cancel")
    return WalkInView(
        id=walk_in.id,
        arrived_at=to_local(walk_in.arrived_at),
        reason=walk_in.reason,
        note=walk_in.note,
        citizen_id=citizen_id,
        citizen_name=names.get(citizen_id) if citizen_id else None,
        status=status,
        started_at=to_local(start.at) if start else None,
        helper_initials=initials.get(start.staff_id) if start else None,
        finished_at=to_local(end.at) if end else None,
        outcome=by_kind["finish"].note if "finish" in by_kind else "",
    )


def day_figures(views: list[WalkInView]) -> DayFigures:
    statuses = Counter(view.status for view in views)
    return DayFigures(
        total=len(views),
        per_reason=dict(Counter(view.reason for view in views).most_common()),
        per_hour=dict(Counter(view.arrived_at.hour for view in views)),
        waiting=statuses[WAITING],
        in_progress=statuses[IN_PROGRESS],
        finished=statuses[FINISHED],
    )

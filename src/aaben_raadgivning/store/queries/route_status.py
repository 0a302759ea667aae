"""Where a citizen who left the project for another route stands: «Sendt til rehabiliteringsteamet» or
«Underretning sendt – fortsætter i det ordinære tilbud», since when, and the route's follow-up task.

The status text is data (assets/follow_up_policy.toml, ``[[routes]] status``); the task is the derived
``rehab_preparation`` or ``underretning`` task (domain.follow_up_rules). Read with the caller's session
for a citizen the caller has already loaded and cut to the viewer's read scopes (the citizen screen's
summary): a copy without the ``case`` scope has no route, so it gets no status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.follow_up_policy import ROUTE_REHAB, load_policy
from aaben_raadgivning.domain.follow_up_rules import RULE_REHAB_PREPARATION, RULE_UNDERRETNING
from aaben_raadgivning.store.follow_ups.facts import route_of
from aaben_raadgivning.store.models import Citizen, FollowUpTask

_TASK_RULE = {ROUTE_REHAB: RULE_REHAB_PREPARATION}


@dataclass(frozen=True)
class RouteStatus:
    kind: str  # "rehab" or "underretning" (domain.follow_up_policy)
    outcome: str  # the visitation outcome code the route came from (citizen.route)
    status: str  # Danish, from the policy: «Sendt til rehabiliteringsteamet»
    since: date | None  # the day the route was decided
    task_due: date | None = None  # the route task's due date while it is open
    task_done: bool = False  # the route task was completed

    @property
    def text(self) -> str:
        """One Danish line for a screen: «Sendt til rehabiliteringsteamet 10.11.2026 · sagen forberedes senest
        24.11.2026» (rehab) or «… · opfølgning senest …» (underretning)."""
        text = self.status + (f" {format_date(self.since)}" if self.since else "")
        rehab = self.kind == ROUTE_REHAB
        if self.task_done:
            text += " · sagen er forberedt" if rehab else " · underretningen er fulgt op"
        elif self.task_due is not None:
            text += f" · {'sagen forberedes' if rehab else 'opfølgning'} senest {format_date(self.task_due)}"
        return text


def route_status(session: Session, citizen: Citizen) -> RouteStatus | None:
    """The citizen's route status; None when the citizen is on no route (in the project, or not visited)."""
    kind, since = route_of(citizen)
    if not kind:
        return None
    policy = load_policy().route(kind)
    rule = _TASK_RULE.get(kind, RULE_UNDERRETNING)
    wanted = f"{rule}@{since.isoformat()}" if since else None
    tasks = session.execute(
        select(FollowUpTask.status, FollowUpTask.due_date).where(
            FollowUpTask.citizen_id == citizen.id,
            FollowUpTask.rule_key == wanted,
            FollowUpTask.deleted_at.is_(None),
        )
    ).all()
    due = next((row.due_date for row in tasks if row.status == FollowUpStatus.OPEN), None)
    done = any(row.status == FollowUpStatus.DONE for row in tasks)
    return RouteStatus(kind, citizen.route or "", policy.status if policy else kind, since, due, done)

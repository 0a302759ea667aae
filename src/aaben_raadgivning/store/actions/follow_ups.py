"""Follow-up tasks created by hand (at the counter now; the queue screen comes with its own issue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aaben_raadgivning.domain.dates import DateInputError, format_date, parse_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.models import FollowUpTask, Staff
from aaben_raadgivning.store.transaction import Tx


@dataclass(frozen=True)
class FollowUpRequest:
    due_date: date
    assignee_id: str
    reason: str
    moved_from: date | None = None  # set when a weekend/helligdag pushed the deadline on

    @property
    def notice(self) -> str:
        if self.moved_from is None:
            return ""
        return f"{format_date(self.moved_from)} er ikke en arbejdsdag; fristen er flyttet til {format_date(self.due_date)}."


def validate_follow_up(
    due_text: str, assignee_id: str | None, reason: str, today: date, calendar: WorkdayCalendar
) -> FollowUpRequest:
    errors: dict[str, str] = {}
    due: date | None = None
    try:
        due = parse_date(due_text, today)
    except DateInputError as exc:
        errors["due_date"] = exc.message
    if due is not None and due < today:
        errors["due_date"] = f"Fristen {format_date(due)} ligger før i dag."
    if not assignee_id:
        errors["assignee"] = "Vælg hvem opfølgningen er til."
    if not reason.strip():
        errors["reason"] = "Skriv hvad der skal følges op på."
    if errors:
        raise ValidationError(errors)
    assert due is not None
    working = calendar.next_working_day(due)
    return FollowUpRequest(working, assignee_id or "", reason.strip(), due if working != due else None)


def add_follow_up(
    tx: Tx,
    actor_id: str,
    request: FollowUpRequest,
    *,
    citizen_id: str | None,
    kind: str = "manuel",
    walk_in_id: str | None = None,
) -> FollowUpTask:
    """Write a follow-up inside an action's transaction (the caller audits the action as a whole)."""
    assignee = tx.session.get(Staff, request.assignee_id)
    if assignee is None or assignee.deleted_at is not None or not assignee.active:
        raise ValidationError.single("assignee", "Den valgte medarbejder findes ikke.")
    return tx.add(
        FollowUpTask(
            citizen_id=citizen_id,
            kind=kind,
            rule="manuel",
            reason=request.reason,
            due_date=request.due_date,
            assignee_id=request.assignee_id,
            status="open",
            walk_in_id=walk_in_id,
            created_by=actor_id,
            created_at=tx.now,
        )
    )

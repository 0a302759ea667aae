"""Follow-up tasks: created by hand (at the counter, on the citizen screen, in the queue), and the queue's
actions on any task — complete (records the contact event), reschedule, reassign. Derived tasks are made by
store.follow_ups.recompute; these actions work on derived, manual and agreement-plan tasks alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.dates import DateInputError, format_date, parse_date
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.follow_up_policy import load_policy
from aaben_raadgivning.domain.follow_up_rules import (
    COMPLETION_REQUIREMENTS,
    RULE_MONTHLY_CONTACT,
    RULE_SUB_GOAL,
    monthly_completion_problem,
)
from aaben_raadgivning.domain.reference import Term, load_reference
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, SHORT_TEXT_LENGTH, clean_text, too_long
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import (
    RESCHEDULED_PREFIX,
    recompute_now,
)
from aaben_raadgivning.store.models import Event, FollowUpTask, Staff
from aaben_raadgivning.store.records import add_timeline_event, authorize, load_citizen
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
            status=FollowUpStatus.OPEN,
            walk_in_id=walk_in_id,
            created_by=actor_id,
            created_at=tx.now,
        )
    )


# --- Actions from the follow-up queue (F5) ------------------------------------------------------------------


def completion_kinds() -> tuple[Term, ...]:
    """The contact kinds a task can be completed with: active event kinds with ``contact = true`` that are
    not recorded by their own action (telefon, personligt møde, virksomhedsbesøg, sms, jobsamtale, …)."""
    return tuple(t for t in load_reference().event_kinds.active() if t.contact and not t.own_action)


def default_completion_kind(rule: str) -> str:
    """The contact kind the complete dialog suggests for a task of ``rule``."""
    requirement = COMPLETION_REQUIREMENTS.get(rule)
    codes = [t.code for t in completion_kinds()]
    if requirement and requirement != "personal" and requirement in codes:
        return requirement
    return "telefon" if "telefon" in codes else codes[0]


def _open_task(tx: Tx, task_id: str) -> FollowUpTask:
    task = tx.session.get(FollowUpTask, task_id)
    if task is None or task.deleted_at is not None:
        raise NotFoundError("Opgaven findes ikke (længere). Den kan være løst af en anden hændelse.")
    if task.status != FollowUpStatus.OPEN:
        raise ValidationError.single("status", "Opgaven er allerede udført.")
    return task


def _check_requirement(tx: Tx, task: FollowUpTask, actor_id: str, kind: str) -> str | None:
    """Danish message when ``kind`` (by ``actor_id``) does not meet what the task's rule asks for."""
    rule = task.rule
    if rule == RULE_MONTHLY_CONTACT and task.citizen_id is not None:
        # a personal contact between the citizen and the jobformidler (seeds 000 KE 7, 003 KE 4: data)
        actor = tx.session.get(Staff, actor_id)
        citizen = load_citizen(tx, task.citizen_id)
        return monthly_completion_problem(
            kind, actor.role if actor is not None else None,
            by_assigned_jobformidler=actor_id == citizen.jobformidler_id, policy=load_policy(),
        )  # fmt: skip
    requirement = COMPLETION_REQUIREMENTS.get(rule)
    term = load_reference().event_kinds.term(kind)
    if requirement == "personal" and not (term and term.personal):
        return "Efter en udeblivelse skal kontakten være personlig (telefon, møde eller besøg)."
    if requirement and requirement != "personal" and kind != requirement:
        label = load_reference().event_kinds.label(requirement)
        return f"Opgaven er en {label.lower()} efter LAB § 31; vælg «{label}»."
    return None


def complete_follow_up(
    db: Database,
    actor_id: str,
    task_id: str,
    *,
    kind: str,
    note: str,
    calendar: WorkdayCalendar | None = None,
) -> tuple[FollowUpTask, Event | None]:
    """Complete a task: record a timeline event of the chosen contact kind with the note, mark the task done
    (who, when, which event), then recompute so the rule's next task appears. A task without a citizen
    (an anonymous walk-in's) is marked done with the note and no event."""
    errors: dict[str, str] = {}
    if kind not in {t.code for t in completion_kinds()}:
        errors["kind"] = "Vælg hvordan kontakten foregik."
    note = clean_text(note, "note", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    if not note:
        errors["note"] = "Skriv kort, hvad kontakten gav."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "follow_ups")
        task = _open_task(tx, task_id)
        problem = _check_requirement(tx, task, actor_id, kind)
        if problem:
            raise ValidationError.single("kind", problem)
        event = None
        if task.citizen_id is not None:
            load_citizen(tx, task.citizen_id)
            label = load_reference().event_kinds.label(kind)
            event = add_timeline_event(
                tx, actor_id, task.citizen_id, kind, f"{label}: {note.splitlines()[0]}", note,
                subject_id=task.subject_id if task.rule == RULE_SUB_GOAL else None,
                data={"follow_up_task_id": task.id, "rule": task.rule},
            )  # fmt: skip
        changes: dict[str, object] = {"status": FollowUpStatus.DONE, "completed_at": tx.now, "completed_by": actor_id}
        if event is not None:
            changes["completed_event_id"] = event.id
        else:
            changes["note"] = f"{task.note}\n{note}".strip()
        tx.update(task, **changes)
        tx.audit(actor_id, "update", "follow_up_task", task.id, task.citizen_id, f"Opfølgning udført: {kind}")
        if task.citizen_id is not None:
            recompute_now(tx, task.citizen_id, actor_id=actor_id, calendar=calendar)
    return task, event


@dataclass(frozen=True)
class Rescheduled:
    task: FollowUpTask
    notice: str  # set when a weekend/helligdag/day off moved the date on


def reschedule_follow_up(
    db: Database, actor_id: str, task_id: str, *, due_text: str, reason: str, calendar: WorkdayCalendar
) -> Rescheduled:
    """Give an open task a new due date (Danish input) with a reason. The date is kept by later recomputes
    (the note starts with «Flyttet …», see store.follow_ups.recompute)."""
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", multiline=True, errors=errors)
    if not reason:
        errors["reason"] = "Skriv hvorfor fristen flyttes."
    elif problem := too_long(reason, SHORT_TEXT_LENGTH, "Begrundelsen er for lang (højst {limit} tegn)."):
        errors["reason"] = problem
    with db.transaction() as tx:
        authorize(tx, actor_id, "follow_ups")
        today = local_date(tx.now)
        due: date | None = None
        try:
            due = parse_date(due_text, today)
        except DateInputError as exc:
            errors["due_date"] = exc.message
        if due is not None and due < today:
            errors["due_date"] = f"Fristen {format_date(due)} ligger før i dag."
        if errors:
            raise ValidationError(errors)
        assert due is not None
        task = _open_task(tx, task_id)
        working = calendar.next_working_day(due)
        if working == task.due_date:
            raise ValidationError.single("due_date", f"Opgaven har allerede fristen {format_date(working)}.")
        old = task.due_date
        moved = f"fra {format_date(old)} til {format_date(working)}"
        tx.update(task, due_date=working, note=f"{RESCHEDULED_PREFIX}{moved}: {reason}")
        tx.audit(
            actor_id, "update", "follow_up_task", task.id, task.citizen_id,
            f"Frist flyttet fra {format_date(old)} til {format_date(working)}: {reason}",
        )  # fmt: skip
    notice = ""
    if working != due:
        notice = f"{format_date(due)} er ikke en arbejdsdag; fristen er flyttet til {format_date(working)}."
    return Rescheduled(task, notice)


def reassign_follow_up(db: Database, actor_id: str, task_id: str, assignee_id: str | None) -> FollowUpTask:
    """Give an open task to another staff member."""
    if not assignee_id:
        raise ValidationError.single("assignee", "Vælg hvem opgaven skal overdrages til.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "follow_ups")
        task = _open_task(tx, task_id)
        staff = tx.session.get(Staff, assignee_id)
        if staff is None or staff.deleted_at is not None or not staff.active:
            raise ValidationError.single("assignee", "Den valgte medarbejder findes ikke.")
        if task.assignee_id == assignee_id:
            raise ValidationError.single("assignee", f"Opgaven er allerede {staff.name}s.")
        old = tx.session.get(Staff, task.assignee_id) if task.assignee_id else None
        tx.update(task, assignee_id=assignee_id)
        tx.audit(
            actor_id, "update", "follow_up_task", task.id, task.citizen_id,
            f"Opgave overdraget fra {old.initials if old else 'ingen'} til {staff.initials}",
        )  # fmt: skip
    return task


def add_manual_follow_up(
    db: Database, actor_id: str, citizen_id: str, request: FollowUpRequest, *, kind: str = "manuel"
) -> FollowUpTask:
    """A manual task from the queue (or the citizen screen): validated with :func:`validate_follow_up`."""
    if not load_reference().follow_up_kinds.has_active(kind):
        raise ValidationError.single("kind", "Vælg en slags opfølgning.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "follow_ups")
        citizen = load_citizen(tx, citizen_id)
        task = add_follow_up(tx, actor_id, request, citizen_id=citizen.id, kind=kind)
        tx.audit(actor_id, "create", "follow_up_task", task.id, citizen.id, f"Opfølgning oprettet: {kind}")
    return task

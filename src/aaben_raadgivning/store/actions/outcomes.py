"""Exit outcomes (udfald) and efterværn: F3, key l «Udfald».

``record_outcome`` writes one ``citizen_outcomes`` row (append-only; a correction is a new row whose
``corrects_id`` names the outcome it replaces), a timeline event «udfald», and the audit entry, in one
transaction. Then, from the citizen's *current* outcome — the newest by outcome date that no later outcome
corrects:

- ``citizens.self_supporting`` is set to the outcome's ``self_supporting`` flag (reference.toml
  ``exit_outcomes``): self-support through job or education is the step models' exit fact, so trin 3 can end
  without a written override;
- efterværn: for a self-supporting current outcome, follow-up tasks «Efterværn» every
  ``aftercare_interval_months`` for ``aftercare_months`` from the outcome date (rules.toml; Slagelse, seed 004:
  coaching in the first 3 months), with deterministic ids (``aftercare:<outcome id>:<n>``). Open efterværn
  tasks of an outcome that is no longer current are removed (tombstoned); done ones stay;
- the derived follow-ups are recomputed (a self-supporting citizen is no longer in the project's cadence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from aaben_raadgivning.domain.clock import local_date, to_utc
from aaben_raadgivning.domain.codes import EventKind, FollowUpStatus
from aaben_raadgivning.domain.dates import DateInputError, format_date, parse_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.follow_up_rules import RULE_AFTERCARE, aftercare_tasks
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import CitizenOutcome, Event, FollowUpTask
from aaben_raadgivning.store.queries.outcomes import current_outcome_row, is_corrected
from aaben_raadgivning.store.records import add_timeline_event, authorize, load_citizen
from aaben_raadgivning.store.transaction import Tx


@dataclass(frozen=True)
class OutcomeSaved:
    outcome_id: str
    self_supporting: bool  # the citizen's fact after the save (from the current outcome)
    aftercare_tasks: int  # efterværn tasks made by this save
    message: str  # Danish, for the notification


def _outcome_date(text: str | date, today: date) -> date:
    if isinstance(text, date):
        day = text
    else:
        if not text.strip():
            raise ValidationError.single("outcome_date", "Skriv datoen for udfaldet, fx 01.12.2026.")
        try:
            day = parse_date(text, today)
        except DateInputError as exc:
            raise ValidationError.single("outcome_date", exc.message) from None
    if day > today:
        raise ValidationError.single(
            "outcome_date", f"Datoen {format_date(day)} ligger i fremtiden. Et udfald registreres, når det er sket."
        )
    return day


def record_outcome(
    db: Database,
    actor_id: str | None,
    citizen_id: str,
    *,
    outcome: str,
    outcome_date: str | date,
    note: str = "",
    corrects_id: str | None = None,
    calendar: WorkdayCalendar | None = None,
) -> OutcomeSaved:
    """Record an exit outcome (see the module text). ValidationError / PermissionDenied: nothing written."""
    vocabulary = load_reference().exit_outcomes
    errors: dict[str, str] = {}
    if not vocabulary.has_active(outcome):
        errors["outcome"] = "Vælg et udfald fra listen." if not outcome else f"Ukendt udfald «{outcome}»."
    note = clean_text(note, "note", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    rules = load_rules()
    with db.transaction() as tx:
        authorize(tx, actor_id, "record_outcome")
        citizen = load_citizen(tx, citizen_id)
        today = local_date(tx.now)
        day = _outcome_date(outcome_date, today)
        if corrects_id is not None:
            old = tx.session.get(CitizenOutcome, corrects_id)
            if old is None or old.citizen_id != citizen.id:
                raise ValidationError.single("corrects_id", "Udfaldet, der skal rettes, findes ikke hos borgeren.")
            if is_corrected(tx.session, corrects_id):
                raise ValidationError.single(
                    "corrects_id", "Udfaldet er allerede rettet. Ret det nuværende udfald i stedet."
                )
        term = vocabulary.term(outcome)
        assert term is not None
        row = tx.add(
            CitizenOutcome(
                citizen_id=citizen.id, outcome=outcome, outcome_date=day, note=note, recorded_by=actor_id,
                created_at=tx.now, corrects_id=corrects_id,
            )
        )  # fmt: skip
        summary = f"Udfald: {term.label} fra {format_date(day)}"
        if term.self_supporting:
            summary += " (selvforsørgende)"
        occurred = tx.now if day == today else to_utc(datetime.combine(day, time(12)))
        old_event = _event_of(tx, corrects_id) if corrects_id is not None else None
        add_timeline_event(
            tx, actor_id, citizen.id, EventKind.UDFALD, summary, note, subject_id=row.id, occurred_at=occurred,
            corrects_id=old_event,
            data={"outcome": outcome, "date": day.isoformat(), "self_supporting": term.self_supporting},
        )  # fmt: skip
        current = current_outcome_row(tx.session, citizen.id)
        current_term = vocabulary.term(current.outcome) if current else None
        self_supporting = bool(current_term and current_term.self_supporting)
        tx.update(citizen, self_supporting=self_supporting)
        made = _aftercare(tx, citizen, current if self_supporting else None, actor_id, rules, calendar)
        tx.audit(actor_id, "create", "citizen_outcome", row.id, citizen.id,
                 f"Udfald registreret: {term.label}" + (" (rettelse)" if corrects_id else ""))  # fmt: skip
        recompute_now(tx, citizen.id, actor_id=actor_id, calendar=calendar)
        outcome_id, later = row.id, current is not None and current.id != row.id
    message = f"{summary}."
    if made:
        message += f" {made} opfølgninger «Efterværn» oprettet."
    if later:
        message += " Et udfald med senere dato er stadig borgerens aktuelle."
    return OutcomeSaved(outcome_id, self_supporting, made, message)


def _event_of(tx: Tx, outcome_id: str) -> str | None:
    """The timeline event of an outcome (its ``subject_id``), for the correction's event to point at."""
    return tx.session.scalar(
        select(Event.id).where(Event.kind == EventKind.UDFALD, Event.subject_id == outcome_id).limit(1)
    )


def _aftercare(tx: Tx, citizen, current: CitizenOutcome | None, actor_id, rules, calendar) -> int:
    """Efterværn tasks for the current self-supporting outcome (``current``; None: there is none); open
    efterværn tasks of any other outcome are removed. Returns how many tasks were made."""
    wanted = (
        {task.key: task for task in aftercare_tasks(current.id, current.outcome_date, rules,
                                                     calendar or tx.calendar or WorkdayCalendar())}
        if current is not None
        else {}
    )  # fmt: skip
    existing = {
        task.rule_key: task
        for task in tx.session.scalars(
            select(FollowUpTask).where(FollowUpTask.citizen_id == citizen.id, FollowUpTask.rule == RULE_AFTERCARE)
        )
    }
    for key, task in existing.items():
        if key not in wanted and task.status == FollowUpStatus.OPEN and task.deleted_at is None:
            tx.tombstone(task)
    made = 0
    assignee = citizen.jobformidler_id or citizen.jobkonsulent_id or actor_id
    for key, derived in wanted.items():
        if key in existing:
            continue
        tx.add(
            FollowUpTask(
                id=derived_id(citizen.id, key), citizen_id=citizen.id, kind=derived.kind, rule=RULE_AFTERCARE,
                rule_key=key, reason=derived.reason, due_date=derived.due, assignee_id=assignee,
                status=FollowUpStatus.OPEN, subject_id=current.id if current else None, created_by=actor_id,
                created_at=tx.now,
            )
        )  # fmt: skip
        made += 1
    return made

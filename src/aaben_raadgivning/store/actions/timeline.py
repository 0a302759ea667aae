"""Timeline actions: add an event, correct one (a new event pointing at the old), register a missed
appointment (udeblivelse) with its follow-up, register a cancellation (afbud), and register a sanction behind
the law's guard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date, to_utc
from aaben_raadgivning.domain.codes import EventKind, FollowUpStatus
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.follow_up_rules import RULE_NO_SHOW
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.text import HEADING_LENGTH, LONG_TEXT_LENGTH, NAME_LENGTH, clean_text, too_long
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Event, FollowUpTask, Staff
from aaben_raadgivning.store.records import add_timeline_event, authorize, load_citizen
from aaben_raadgivning.store.transaction import Tx

FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little; an event "now" must not be refused


def _check_when(tx: Tx, occurred_local: datetime | None) -> datetime:
    if occurred_local is None:
        return tx.now
    occurred = to_utc(occurred_local)
    if occurred > tx.now + FUTURE_SLACK:
        raise ValidationError.single(
            "occurred_at", "Tidspunktet ligger i fremtiden. Registrér hændelser, når de er sket."
        )
    return occurred


def _corrected_time(original: Event, given: datetime | None) -> datetime:
    """A correction's time (UTC): the original's to the second when none is given or the given one is in
    the same minute (what a form showing minutes sends back unchanged), else the given one."""
    if given is None or given.replace(second=0, microsecond=0) == original.occurred_at.replace(second=0, microsecond=0):
        return original.occurred_at
    return given


def add_event(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    kind: str,
    summary: str,
    details: str = "",
    occurred_at: datetime | None = None,
    corrects_id: str | None = None,
) -> Event:
    """Add an event to the timeline (``occurred_at`` in Danish local time). A correction is a new event with
    ``corrects_id``: the old event is never changed or lost. A correction keeps the original's time to the
    second unless a time in another minute is given (forms show minutes), so it keeps its place among the
    events around it; a correction that changes nothing is refused («Intet er ændret.»)."""
    errors: dict[str, str] = {}
    kinds = load_reference().event_kinds
    if not kinds.has_active(kind):
        errors["kind"] = "Vælg en slags hændelse."
    summary = clean_text(summary, "summary", errors=errors)
    if not summary:
        errors["summary"] = "Skriv en kort overskrift."
    elif problem := too_long(summary, HEADING_LENGTH, "Overskriften er for lang (højst {limit} tegn)."):
        errors["summary"] = problem
    details = clean_text(details, "details", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "add_event")
        citizen = load_citizen(tx, citizen_id)
        original = tx.session.get(Event, corrects_id) if corrects_id is not None else None
        if corrects_id is not None and (original is None or original.citizen_id != citizen.id):
            raise ValidationError.single("corrects", "Hændelsen, der rettes, findes ikke hos borgeren.")
        when = _check_when(tx, occurred_at)
        if original is not None:
            when = _corrected_time(original, None if occurred_at is None else when)
            if (kind, summary, details.strip(), when) == (
                original.kind, original.summary, original.details or "", original.occurred_at
            ):  # fmt: skip
                raise ValidationError.single("corrects", "Intet er ændret.")
        term = kinds.term(kind)
        if term is not None and term.own_action and (original is None or original.kind != kind):
            raise ValidationError.single(
                "kind", f"«{term.label}» registreres med sin egen handling, ikke som en almindelig hændelse."
            )
        event = add_timeline_event(
            tx, actor_id, citizen.id, kind, summary, details.strip(), occurred_at=when, corrects_id=corrects_id
        )
        what = "Rettelse af hændelse" if corrects_id else "Hændelse tilføjet"
        tx.audit(actor_id, "create", "event", event.id, citizen.id, f"{what}: {kind}")
        recompute_now(tx, citizen.id, actor_id=actor_id)
    return event


def record_no_show(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    calendar: WorkdayCalendar,
    what: str = "Samtale",
    occurred_at: datetime | None = None,
) -> tuple[Event, FollowUpTask | None]:
    """A missed appointment: the event, and a task for personal contact (phone or visit) due the same or
    next working day (the number of working days is data: rules.no_show_follow_up_working_days).

    The task is the follow-up engine's ``no_show:<date>`` task (store.follow_ups.recompute), so it disappears
    once a personal contact is recorded. None only when a personal contact after the no-show already exists."""
    what = clean_text(what, "what", max_length=NAME_LENGTH) or "Samtale"
    with db.transaction() as tx:
        authorize(tx, actor_id, "record_no_show")
        citizen = load_citizen(tx, citizen_id)
        when = _check_when(tx, occurred_at)
        day = local_date(when)
        event = add_timeline_event(
            tx, actor_id, citizen.id, EventKind.UDEBLIVELSE, f"Udeblev: {what}", occurred_at=when
        )
        recompute_now(tx, citizen.id, actor_id=actor_id, calendar=calendar)
        task = tx.session.get(FollowUpTask, derived_id(citizen.id, f"{RULE_NO_SHOW}:{day.isoformat()}"))
        if task is not None and (task.status != FollowUpStatus.OPEN or task.deleted_at is not None):
            task = None
        tx.audit(actor_id, "create", "event", event.id, citizen.id, f"Udeblivelse registreret: {what}")
    return event, task


def record_cancellation(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    what: str = "Samtale",
    occurred_at: datetime | None = None,
) -> Event:
    """The citizen cancelled an appointment in advance (afbud): the event on the timeline, nothing else. Not a
    no-show: no sanction ground (the sanction guard looks for an udeblivelse), no personal-contact task, and it
    is neither kept nor missed in the fremmøde (store.queries.attendance). Not a contact either, so no
    follow-up rule changes (no recompute)."""
    what = clean_text(what, "what", max_length=NAME_LENGTH) or "Samtale"
    with db.transaction() as tx:
        authorize(tx, actor_id, "record_cancellation")
        citizen = load_citizen(tx, citizen_id)
        when = _check_when(tx, occurred_at)
        event = add_timeline_event(tx, actor_id, citizen.id, EventKind.AFBUD, f"Afbud: {what}", occurred_at=when)
        tx.audit(actor_id, "create", "event", event.id, citizen.id, f"Afbud registreret: {what}")
    return event


@dataclass(frozen=True)
class SanctionCheck:
    """What the guard found; ``missing`` lists, in Danish, what must be in place first."""

    missing: tuple[str, ...]
    no_show: Event | None

    @property
    def allowed(self) -> bool:
        return not self.missing


def check_sanction(session: Session, actor_id: str, citizen_id: str) -> SanctionCheck:
    """The law's guard for aktivitetsparate citizens: only the authority; written guidance about the
    requirement first; and, after the missed requirement, a recorded attempt at personal contact."""
    missing: list[str] = []
    actor = session.get(Staff, actor_id)
    refusal = load_permissions().refusal(
        actor.role if actor is not None and actor.active else None, "register_sanction"
    )
    if refusal is not None:
        missing.append(refusal)
    recent = session.scalars(
        select(Event).where(Event.citizen_id == citizen_id).order_by(Event.occurred_at.desc()).limit(500)
    ).all()
    corrected = {e.corrects_id for e in recent if e.corrects_id}
    events = [e for e in recent if e.id not in corrected]  # a corrected event is replaced by its correction
    personal = {term.code for term in load_reference().event_kinds.terms if term.personal}
    no_show = next((e for e in events if e.kind == EventKind.UDEBLIVELSE), None)
    if no_show is None:
        missing.append("Der er ikke registreret en udeblivelse eller et andet krav, borgeren ikke har opfyldt.")
    guidance = [e for e in events if e.kind == EventKind.SKRIFTLIG_VEJLEDNING]
    if not guidance or (no_show is not None and all(g.occurred_at > no_show.occurred_at for g in guidance)):
        missing.append("Borgeren er ikke skriftligt vejledt om kravet (hændelsen «Skriftlig vejledning om krav»).")
    if no_show is not None and not any(e.kind in personal and e.occurred_at > no_show.occurred_at for e in events):
        missing.append(
            "Der er ikke registreret et forsøg på personlig kontakt (telefon, møde eller besøg) efter "
            f"udeblivelsen {format_date(local_date(no_show.occurred_at))}."
        )
    return SanctionCheck(tuple(missing), no_show)


def sanction_status(db: Database, actor_id: str, citizen_id: str) -> SanctionCheck:
    """What the sanction form shows before anything is typed."""
    with db.session() as session:
        return check_sanction(session, actor_id, citizen_id)


def register_sanction(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    kind: str,
    assessment: str,
    grounds_considered: str,
) -> Event:
    """Register a sanction, refused unless the guard passes; the concrete assessment is required."""
    errors: dict[str, str] = {}
    if not load_reference().sanction_kinds.has_active(kind):
        errors["kind"] = "Vælg en sanktion."
    assessment = clean_text(assessment, "assessment", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors)
    grounds_considered = clean_text(
        grounds_considered, "grounds", max_length=LONG_TEXT_LENGTH, multiline=True, errors=errors
    )
    if not assessment:
        errors["assessment"] = "Skriv den konkrete vurdering: hvorfor sanktionen fremmer borgerens rådighed."
    if not grounds_considered:
        errors["grounds"] = "Skriv hvilke rimelige grunde der er overvejet (fx psykisk sygdom, hjemløshed, misbrug)."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "register_sanction")
        citizen = load_citizen(tx, citizen_id)
        check = check_sanction(tx.session, actor_id, citizen.id)
        if not check.allowed:
            raise ValidationError.single("guard", "Sanktionen kan ikke registreres: " + " ".join(check.missing))
        label = load_reference().sanction_kinds.label(kind)
        details = f"Konkret vurdering: {assessment.strip()}\n\nRimelige grunde overvejet: {grounds_considered.strip()}"
        event = add_timeline_event(
            tx, actor_id, citizen.id, EventKind.SANKTION, label, details,
            data={"kind": kind, "no_show_id": check.no_show.id if check.no_show else None},
        )  # fmt: skip
        tx.audit(actor_id, "create", "event", event.id, citizen.id, f"Sanktion registreret: {kind}")
    return event

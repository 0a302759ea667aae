"""User actions on agreements (aftaler): save a draft (create or edit), activate, finish, break off,
renegotiate, and add a delmål to the course. Each is one transaction with its timeline event and audit
entry; a refused action writes nothing.

Follow-up plan tasks. While an agreement is ``aktiv`` each visit of its follow-up plan exists as a
``follow_up_tasks`` row with ``rule = "agreement_plan"``, ``kind = "aftaleopfoelgning"``,
``agreement_id`` = the version in force, ``assignee_id`` = the agreement's jobformidler and

    rule_key = f"agreement:{chain_root_id}:{visit_index}"      id = ids.derived_id(citizen_id, rule_key)

where ``chain_root_id`` is the id of version 1 of the agreement and ``visit_index`` the visit's position
in the plan's sequence counted from the FIRST version's start date (domain.follow_up_cadence.plan_visits):
the first year of contact runs from the course's first day, and a renegotiation does not restart it.
Syncing is idempotent: a visit whose task exists gets its open task moved (due date, agreement, assignee);
a missing one is created (a tombstoned one revived); open tasks no longer in the plan are tombstoned;
done tasks are never touched. A renegotiated version takes over the chain's keys, so its open tasks move
to the new version (visits before the new version's start are dropped if still open). Finishing or
breaking off tombstones the open plan tasks due today or later. Drafts have no tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select

from aaben_raadgivning.domain.agreements import (
    PLAN_TASK_RULE,
    AgreementInput,
    CleanAgreement,
    Schedule,
    load_agreement_data,
    ordinary_expected_code,
    period_days,
    schedule_cells,
    validate_agreement,
)
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus, EventKind, FollowUpStatus
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.follow_up_cadence import plan_from_json, plan_visits
from aaben_raadgivning.domain.hours import format_hours
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import StepDecision
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text, too_long
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.citizen_record import apply_break_off
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    CompanyContact,
    FollowUpTask,
    Staff,
    SubGoal,
)
from aaben_raadgivning.store.queries.agreements import chain_root
from aaben_raadgivning.store.records import add_timeline_event, authorize, citizen_model, load_citizen
from aaben_raadgivning.store.transaction import Tx

RULE = PLAN_TASK_RULE
KIND = "aftaleopfoelgning"
RENEGOTIATED = "genforhandlet"
BREAK_OFF_ROUTES = {"trin2": "Tilbage til trin 2 (nyt match)", "rehab": "Rehabiliteringsforløb"}
EDITABLE = (AgreementStatus.UDKAST, AgreementStatus.AKTIV)


def rule_key(root_id: str, index: int) -> str:
    return f"agreement:{root_id}:{index}"


@dataclass(frozen=True)
class SaveResult:
    agreement: Agreement
    warnings: tuple[str, ...] = ()
    tasks: int = 0  # open plan tasks after the action


def load_agreement(tx: Tx, agreement_id: str) -> Agreement:
    agreement = tx.session.get(Agreement, agreement_id)
    if agreement is None or agreement.deleted_at is not None:
        raise NotFoundError("Aftalen findes ikke (længere).")
    return agreement


def _date_text(value: date | None) -> str:
    return format_date(value) if value else ""


def input_of(agreement: Agreement) -> AgreementInput:
    """A stored agreement as the editor's input (to re-validate it, e.g. before activation)."""
    from aaben_raadgivning.domain.follow_up_cadence import PlanError

    try:
        plan_text = plan_from_json(agreement.follow_up_plan).to_text()
    except PlanError:
        plan_text = "?"
    return AgreementInput(
        citizen_id=agreement.citizen_id,
        company_id=agreement.company_id,
        course_kind=agreement.course_kind,
        tasks=agreement.tasks,
        schedule=schedule_cells(Schedule.from_json(agreement.schedule)),
        health_notes=agreement.health_notes,
        contact_id=agreement.contact_id,
        jobformidler_id=agreement.jobformidler_id,
        start_date=format_date(agreement.start_date) if agreement.start_date else "",
        end_date=format_date(agreement.end_date) if agreement.end_date else "",
        praktik_assessment=agreement.praktik_assessment,
        follow_up_plan=plan_text,
        ordinary_expected=ordinary_expected_code(agreement.ordinary_expected),
        ordinary_expected_from=_date_text(agreement.ordinary_expected_from),
        praktik_purpose=agreement.praktik_purpose or "",
        praktik_expectations=agreement.praktik_expectations,
    )


def _earlier_praktik_days(tx: Tx, previous: Agreement | None, new_start: date | None) -> int:
    """Internship days planned in earlier versions of the chain (up to the new version's start)."""
    days = 0
    seen: set[str] = set()
    while previous is not None and previous.id not in seen:
        seen.add(previous.id)
        if Schedule.from_json(previous.schedule).week_minutes("praktik") > 0 and previous.start_date:
            end = previous.end_date or previous.start_date
            if new_start is not None:
                end = min(end, new_start - timedelta(days=1))
            days += max(0, period_days(previous.start_date, end))
        previous = tx.session.get(Agreement, previous.previous_id) if previous.previous_id else None
    return days


def _validate(tx: Tx, data: AgreementInput, *, complete: bool, previous: Agreement | None = None) -> CleanAgreement:
    """Field rules (domain) and reference rules (store) together: every wrong field gets its message."""
    from aaben_raadgivning.domain.dates import parse_date

    errors: dict[str, str] = {}
    start_guess = None
    try:
        start_guess = parse_date(data.start_date, local_date(tx.now)) if data.start_date.strip() else None
    except ValueError:
        pass
    clean: CleanAgreement | None = None
    citizen = tx.session.get(Citizen, data.citizen_id) if data.citizen_id else None
    try:
        clean = validate_agreement(
            data, today=local_date(tx.now), rules=load_rules(), complete=complete,
            readiness=citizen.readiness if citizen is not None else None,
            earlier_praktik_days=_earlier_praktik_days(tx, previous, start_guess),
        )  # fmt: skip
    except ValidationError as exc:
        errors.update(exc.errors)
    if data.citizen_id and "citizen" not in errors:
        try:
            load_citizen(tx, data.citizen_id)
        except NotFoundError as exc:
            errors["citizen"] = exc.message
    if data.company_id and "company" not in errors:
        company = tx.session.get(Company, data.company_id)
        if company is None or company.deleted_at is not None:
            errors["company"] = "Virksomheden findes ikke (længere)."
        elif not company.cvr.strip():
            errors["company"] = "Virksomheden har intet CVR-nummer. Ret virksomheden først (tast r)."
        elif data.contact_id:
            contact = tx.session.get(CompanyContact, data.contact_id)
            if contact is None or contact.deleted_at is not None or contact.company_id != company.id:
                errors["contact"] = "Kontaktpersonen er ikke (længere) ansat hos virksomheden. Vælg en anden."
    if data.jobformidler_id:
        staff = tx.session.get(Staff, data.jobformidler_id)
        if staff is None or staff.deleted_at is not None or not staff.active:
            errors["jobformidler"] = "Vælg en aktiv medarbejder som jobformidler."
    if errors:
        raise ValidationError(errors)
    assert clean is not None
    return clean


def _fields(clean: CleanAgreement) -> dict:
    return {
        "citizen_id": clean.citizen_id,
        "company_id": clean.company_id,
        "course_kind": clean.course_kind,
        "tasks": clean.tasks,
        "schedule": clean.schedule.to_json(),
        "health_notes": clean.health_notes,
        "contact_id": clean.contact_id,
        "jobformidler_id": clean.jobformidler_id,
        "start_date": clean.start_date,
        "end_date": clean.end_date,
        "praktik_assessment": clean.praktik_assessment,
        "follow_up_plan": clean.follow_up_plan,
        "ordinary_expected": clean.ordinary_expected,
        "ordinary_expected_from": clean.ordinary_expected_from,
        "praktik_purpose": clean.praktik_purpose,
        "praktik_expectations": clean.praktik_expectations,
    }


def _company_name(tx: Tx, agreement: Agreement) -> str:
    company = tx.session.get(Company, agreement.company_id)
    return company.name if company else "virksomheden"


def _event(
    tx: Tx, actor_id: str, agreement: Agreement, summary: str, details: str = "", data: dict | None = None
) -> None:
    add_timeline_event(
        tx, actor_id, agreement.citizen_id, EventKind.AFTALE, summary, details, subject_id=agreement.id,
        data={"agreement_id": agreement.id, "version": agreement.version, "status": agreement.status, **(data or {})},
    )  # fmt: skip


# --- follow-up plan tasks ------------------------------------------------------------------------------


def _plan_tasks(tx: Tx, citizen_id: str, root_id: str) -> dict[str, FollowUpTask]:
    prefix = f"agreement:{root_id}:"
    rows = tx.session.scalars(
        select(FollowUpTask).where(
            FollowUpTask.citizen_id == citizen_id, FollowUpTask.rule == RULE, FollowUpTask.rule_key.like(prefix + "%")
        )
    )
    return {task.rule_key: task for task in rows if task.rule_key}


def sync_plan_tasks(tx: Tx, actor_id: str, agreement: Agreement, calendar: WorkdayCalendar) -> int:
    """Make the open plan tasks match the plan of an active agreement (see the module docstring)."""
    root = chain_root(tx.session, agreement)
    existing = _plan_tasks(tx, agreement.citizen_id, root.id)
    desired: dict[str, tuple[date, str]] = {}
    if agreement.status == AgreementStatus.AKTIV and agreement.start_date is not None:
        first_day = root.start_date or agreement.start_date
        visits = [
            v for v in plan_visits(plan_from_json(agreement.follow_up_plan), first_day, agreement.end_date, calendar)
            if v.planned >= agreement.start_date
        ]  # fmt: skip
        company = _company_name(tx, agreement)
        for number, visit in enumerate(visits, start=1):
            reason = f"Opfølgning på aftalen med {company} (besøg {number} af {len(visits)})"
            desired[rule_key(root.id, visit.index)] = (visit.due, reason)
    assignee = agreement.jobformidler_id or actor_id
    for key, (due, reason) in desired.items():
        task = existing.get(key)
        if task is None:
            tx.add(
                FollowUpTask(
                    id=derived_id(agreement.citizen_id, key),
                    citizen_id=agreement.citizen_id, kind=KIND, rule=RULE, reason=reason, due_date=due,
                    assignee_id=assignee, status=FollowUpStatus.OPEN, subject_id=agreement.id, created_by=actor_id,
                    created_at=tx.now, rule_key=key, agreement_id=agreement.id,
                )
            )  # fmt: skip
        elif task.status == FollowUpStatus.OPEN:
            fields = {
                "due_date": due,
                "agreement_id": agreement.id,
                "subject_id": agreement.id,
                "assignee_id": assignee,
                "reason": reason,
            }
            if task.deleted_at is not None:
                fields["deleted_at"] = None
            tx.update(task, **fields)
    for key, task in existing.items():
        if key not in desired and task.status == FollowUpStatus.OPEN and task.deleted_at is None:
            tx.tombstone(task)
    return len(desired)


def _drop_future_tasks(tx: Tx, agreement: Agreement) -> int:
    root = chain_root(tx.session, agreement)
    today = local_date(tx.now)
    dropped = 0
    for task in _plan_tasks(tx, agreement.citizen_id, root.id).values():
        if task.status == FollowUpStatus.OPEN and task.deleted_at is None and task.due_date >= today:
            tx.tombstone(task)
            dropped += 1
    return dropped


# --- actions ------------------------------------------------------------------------------------------


def save_agreement(
    db: Database, actor_id: str, data: AgreementInput, *, calendar: WorkdayCalendar, agreement_id: str | None = None
) -> SaveResult:
    """Create a draft (udkast) or save changes to a draft or an active agreement (an active one must stay
    complete, and its plan tasks follow the changes)."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "agreements")
        if agreement_id is None:
            clean = _validate(tx, data, complete=False)
            agreement = tx.add(
                Agreement(
                    **_fields(clean), version=1, status=AgreementStatus.UDKAST, created_at=tx.now, created_by=actor_id
                )
            )
            _event(
                tx,
                actor_id,
                agreement,
                f"Aftale om {load_agreement_data().course_label(clean.course_kind).lower()} med {_company_name(tx, agreement)} (udkast)",
            )
            tx.audit(actor_id, "create", "agreement", agreement.id, agreement.citizen_id, "Aftale oprettet som udkast")
            return SaveResult(agreement, clean.warnings)
        agreement = load_agreement(tx, agreement_id)
        if agreement.status not in EDITABLE:
            label = load_agreement_data().status_label(agreement.status).lower()
            raise ValidationError.single(
                "status", f"Aftalen er {label} og kan ikke ændres. Genforhandl en aktiv aftale i stedet."
            )
        data = replace(data, citizen_id=agreement.citizen_id)  # an agreement never moves to another citizen
        previous = tx.session.get(Agreement, agreement.previous_id) if agreement.previous_id else None
        clean = _validate(tx, data, complete=agreement.status == AgreementStatus.AKTIV, previous=previous)
        changed = tx.update(agreement, **_fields(clean))
        tasks = sync_plan_tasks(tx, actor_id, agreement, calendar) if agreement.status == AgreementStatus.AKTIV else 0
        if changed:
            tx.audit(
                actor_id,
                "update",
                "agreement",
                agreement.id,
                agreement.citizen_id,
                "Aftale ændret: " + ", ".join(changed),
            )
        if agreement.status == AgreementStatus.AKTIV:
            recompute_now(tx, agreement.citizen_id, actor_id=actor_id, calendar=calendar)  # the course start may move
        return SaveResult(agreement, clean.warnings, tasks)


def activate_agreement(db: Database, actor_id: str, agreement_id: str, *, calendar: WorkdayCalendar) -> SaveResult:
    """udkast → aktiv: the agreement must be complete; its follow-up plan becomes tasks."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "agreements")
        agreement = load_agreement(tx, agreement_id)
        if not load_agreement_data().can_move(agreement.status, AgreementStatus.AKTIV):
            raise ValidationError.single("status", "Kun et udkast kan sættes i gang.")
        previous = tx.session.get(Agreement, agreement.previous_id) if agreement.previous_id else None
        clean = _validate(tx, input_of(agreement), complete=True, previous=previous)
        tx.update(agreement, status=AgreementStatus.AKTIV, status_changed_at=tx.now)
        tasks = sync_plan_tasks(tx, actor_id, agreement, calendar)
        _event(
            tx,
            actor_id,
            agreement,
            f"Aftale med {_company_name(tx, agreement)} er sat i gang",
            f"{tasks} opfølgninger planlagt",
        )
        tx.audit(actor_id, "update", "agreement", agreement.id, agreement.citizen_id, "Aftale sat i gang")
        recompute_now(tx, agreement.citizen_id, actor_id=actor_id, calendar=calendar)  # a company course starts
        return SaveResult(agreement, clean.warnings, tasks)


def finish_agreement(db: Database, actor_id: str, agreement_id: str, note: str = "") -> Agreement:
    """aktiv → afsluttet (the course ended as planned); open future plan tasks are removed."""
    note = clean_text(note, "reason", max_length=LONG_TEXT_LENGTH, multiline=True)
    with db.transaction() as tx:
        authorize(tx, actor_id, "agreements")
        agreement = load_agreement(tx, agreement_id)
        if not load_agreement_data().can_move(agreement.status, AgreementStatus.AFSLUTTET):
            raise ValidationError.single("status", "Kun en aktiv aftale kan afsluttes.")
        tx.update(agreement, status=AgreementStatus.AFSLUTTET, status_reason=note, status_changed_at=tx.now)
        dropped = _drop_future_tasks(tx, agreement)
        _event(
            tx,
            actor_id,
            agreement,
            f"Aftale med {_company_name(tx, agreement)} afsluttet",
            note,
            {"dropped_tasks": dropped},
        )
        tx.audit(actor_id, "update", "agreement", agreement.id, agreement.citizen_id, "Aftale afsluttet")
        recompute_now(tx, agreement.citizen_id, actor_id=actor_id)  # the course's monthly contact ends
        return agreement


@dataclass(frozen=True)
class BreakOffResult:
    agreement: Agreement
    decision: StepDecision | None  # None when the citizen's step has no course to break off


def break_off_agreement(db: Database, actor_id: str, agreement_id: str, *, reason: str, route: str) -> BreakOffResult:
    """aktiv → afbrudt with a reason; the citizen's step rule follows in the same transaction: back to
    trin 2 for a new match (``route="trin2"``) or the rehab route (``"rehab"``, the jobkonsulent's call)."""
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", multiline=True, errors=errors)
    if not reason:
        errors["reason"] = "Skriv hvorfor forløbet er afbrudt."
    elif problem := too_long(reason, LONG_TEXT_LENGTH):
        errors["reason"] = problem
    if route not in BREAK_OFF_ROUTES:
        errors["route"] = "Vælg om borgeren går tilbage til trin 2 eller i rehabiliteringsforløb."
    if errors:
        raise ValidationError(errors)
    with db.transaction() as tx:
        authorize(tx, actor_id, "agreements")
        agreement = load_agreement(tx, agreement_id)
        if not load_agreement_data().can_move(agreement.status, AgreementStatus.AFBRUDT):
            raise ValidationError.single("status", "Kun en aktiv aftale kan afbrydes.")
        tx.update(agreement, status=AgreementStatus.AFBRUDT, status_reason=reason, status_changed_at=tx.now)
        dropped = _drop_future_tasks(tx, agreement)
        _event(
            tx,
            actor_id,
            agreement,
            f"Aftale med {_company_name(tx, agreement)} afbrudt",
            reason,
            {"route": route, "dropped_tasks": dropped},
        )
        citizen = load_citizen(tx, agreement.citizen_id)
        decision = None
        in_course = citizen.step is not None and citizen.step in citizen_model(citizen).on_break_off.from_steps
        if in_course or route == "rehab":
            try:
                decision = apply_break_off(tx, actor_id, citizen.id, reason=reason, rehab_target_group=route == "rehab")
            except ValidationError as exc:
                raise ValidationError({"route": " ".join(exc.errors.values())}) from None
        tx.audit(actor_id, "update", "agreement", agreement.id, agreement.citizen_id, f"Aftale afbrudt: {reason}")
        recompute_now(tx, agreement.citizen_id, actor_id=actor_id)
        return BreakOffResult(agreement, decision)


def renegotiate_agreement(
    db: Database, actor_id: str, agreement_id: str, data: AgreementInput, *, calendar: WorkdayCalendar
) -> SaveResult:
    """Genforhandling: a new active version (version + 1, ``previous_id`` → the old one) replaces an active
    agreement, which becomes afsluttet «genforhandlet»; the open plan tasks move to the new version."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "agreements")
        old = load_agreement(tx, agreement_id)
        if old.status != AgreementStatus.AKTIV:
            raise ValidationError.single("status", "Kun en aktiv aftale kan genforhandles. Et udkast rettes bare.")
        newer = tx.session.scalars(
            select(Agreement.id).where(Agreement.previous_id == old.id, Agreement.deleted_at.is_(None))
        ).first()
        if newer:
            raise ValidationError.single("status", "Aftalen er allerede genforhandlet.")
        data = replace(data, citizen_id=old.citizen_id)
        clean = _validate(tx, data, complete=True, previous=old)
        if clean.start_date is not None and old.start_date is not None and clean.start_date < old.start_date:
            raise ValidationError.single(
                "start_date", f"Den nye version kan ikke starte før den gamle ({format_date(old.start_date)})."
            )
        tx.update(old, status=AgreementStatus.AFSLUTTET, status_reason=RENEGOTIATED, status_changed_at=tx.now)
        new = tx.add(
            Agreement(
                **_fields(clean), version=old.version + 1, previous_id=old.id, status=AgreementStatus.AKTIV, status_changed_at=tx.now,
                created_at=tx.now, created_by=actor_id,
            )
        )  # fmt: skip
        tasks = sync_plan_tasks(tx, actor_id, new, calendar)
        before = Schedule.from_json(old.schedule).week_minutes("ordinary")
        after = clean.schedule.week_minutes("ordinary")
        _event(
            tx, actor_id, new, f"Aftale med {_company_name(tx, new)} genforhandlet (version {new.version})",
            f"Ordinære timer om ugen: {format_hours(before)} → {format_hours(after)}",
            {"previous_id": old.id, "ordinary_minutes_before": before, "ordinary_minutes_after": after},
        )  # fmt: skip
        tx.audit(
            actor_id, "create", "agreement", new.id, new.citizen_id, f"Aftale genforhandlet: version {new.version}"
        )
        recompute_now(tx, new.citizen_id, actor_id=actor_id, calendar=calendar)
        return SaveResult(new, clean.warnings, tasks)


def add_agreement_sub_goal(
    db: Database, actor_id: str, agreement_id: str, text: str, *, calendar: WorkdayCalendar
) -> SubGoal:
    """A delmål for progression during the course (a sub_goals row with ``agreement_id``)."""
    with db.session() as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None or agreement.deleted_at is not None:
            raise NotFoundError("Aftalen findes ikke (længere).")
        citizen_id = agreement.citizen_id
    return add_sub_goal(db, actor_id, citizen_id, text, calendar=calendar, agreement_id=agreement_id)

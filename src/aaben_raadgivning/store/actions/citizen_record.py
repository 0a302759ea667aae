"""User actions on a citizen's record: visitation, plan, jobformidler, moving between steps (trin),
breaking off a company course, and revealing the CPR number. Each is one transaction with its
timeline event(s) and audit entry."""

from __future__ import annotations

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import EventKind
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import (
    DEFAULT_STEP_MODEL,
    StepDecision,
    StepModel,
    load_step_model,
    plan_advance,
    plan_break_off,
    plan_visitation,
)
from aaben_raadgivning.domain.text import LONG_TEXT_LENGTH, clean_text
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_now
from aaben_raadgivning.store.models import Citizen, Staff
from aaben_raadgivning.store.queries.step_facts import citizen_facts
from aaben_raadgivning.store.records import (
    add_timeline_event,
    authorize,
    authorize_read,
    citizen_model,
    jobformidler_changes,
    load_citizen,
)
from aaben_raadgivning.store.transaction import Tx


def _start_model(tx: Tx, citizen: Citizen, default_model: str) -> tuple[StepModel, str]:
    """Put a citizen who has no step yet into the first step of the office's default model; the model and
    the citizen's step."""
    if citizen.step_model is not None and citizen.step is not None:
        return citizen_model(citizen), citizen.step
    model = load_step_model(default_model)
    tx.update(
        citizen,
        step_model=model.code,
        step_model_version=model.version,
        step=model.first_step.code,
        step_since=local_date(tx.now),
    )
    return model, model.first_step.code


def _recompute(
    tx: Tx, citizen_id: str, actor_id: str, previous_jobformidler: str | None = None, changed: bool = False
) -> None:
    """The record's facts for follow-up (project start, step, jobformidler) changed: derive tasks afresh."""
    recompute_now(
        tx, citizen_id, actor_id=actor_id, previous_assignee=previous_jobformidler, jobformidler_changed=changed
    )


def _clean(text: str, field: str, *, required: bool = False, message: str = "") -> str:
    text = text.strip()
    if required and not text:
        raise ValidationError.single(field, message or "Feltet skal udfyldes.")
    return clean_text(text, field, max_length=LONG_TEXT_LENGTH, multiline=True)


def _apply_step(tx: Tx, actor_id: str, citizen: Citizen, decision: StepDecision, kind: str, note: str = "") -> None:
    changes: dict[str, object] = {"step": decision.to_step}
    if decision.to_step != citizen.step:
        changes["step_since"] = local_date(tx.now)
    if decision.route:
        changes["route"] = decision.route
    tx.update(citizen, **changes)
    data = {
        "model": decision.model_code,
        "version": decision.model_version,
        "from": decision.from_step,
        "to": decision.to_step,
        "override_reason": decision.override_reason,
        "route": decision.route,
    }
    add_timeline_event(tx, actor_id, citizen.id, kind, decision.message, note, data=data)


def record_visitation(
    db: Database,
    actor_id: str,
    citizen_id: str,
    outcome: str,
    note: str = "",
    *,
    default_model: str = DEFAULT_STEP_MODEL,
) -> StepDecision:
    """The jobkonsulent's visitation: into the project, the rehab route, or underretning. Into the project, a
    citizen without a jobkonsulent joins the visiting jobkonsulent's caseload (sagsstamme); one who has a
    jobkonsulent keeps them (a change is made on purpose, under «Stamdata»)."""
    note = _clean(note, "note")
    with db.transaction() as tx:
        actor = authorize(tx, actor_id, "record_visitation")
        citizen = load_citizen(tx, citizen_id)
        model, step = _start_model(tx, citizen, default_model)
        if not any(o.code == outcome for o in model.visitation_outcomes):
            raise ValidationError.single("outcome", "Vælg et af visitationens udfald.")
        decision = plan_visitation(model, step, outcome)
        if not decision.allowed:
            raise ValidationError.single("outcome", decision.message)
        tx.update(citizen, visitation=outcome)
        enters = model.visitation_outcome(outcome).enters_project
        if enters and citizen.project_start is None:
            tx.update(citizen, project_start=local_date(tx.now))
        if enters and citizen.jobkonsulent_id is None and actor is not None and actor.role == "jobkonsulent":
            tx.update(citizen, jobkonsulent_id=actor.id)
        _apply_step(tx, actor_id, citizen, decision, EventKind.VISITATION, note)
        if outcome == "underretning":
            add_timeline_event(
                tx, actor_id, citizen.id, EventKind.UNDERRETNING,
                "Underretning til socialforvaltningen; borgeren fortsætter i det ordinære tilbud", note,
            )  # fmt: skip
        tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, f"Visitation: {outcome}")
        _recompute(tx, citizen.id, actor_id)
    return decision


def update_plan(
    db: Database,
    actor_id: str,
    citizen_id: str,
    *,
    job_goal: str,
    resources: str,
    barriers: str,
    parallel_efforts: list[str],
    cv_status: str,
) -> list[str]:
    """Save the citizen's plan; returns the fields that changed (a job goal or CV change is a timeline event)."""
    reference = load_reference()
    errors: dict[str, str] = {}
    if not reference.cv_statuses.has_active(cv_status):
        errors["cv_status"] = "Vælg CV-status."
    unknown = [code for code in parallel_efforts if not reference.parallel_efforts.has_active(code)]
    if unknown:
        errors["parallel_efforts"] = f"Ukendt parallel indsats: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    fields = {
        "job_goal": _clean(job_goal, "job_goal"),
        "resources": _clean(resources, "resources"),
        "barriers": _clean(barriers, "barriers"),
        "parallel_efforts": ",".join(sorted(set(parallel_efforts))),
        "cv_status": cv_status,
    }
    with db.transaction() as tx:
        authorize(tx, actor_id, "update_plan")
        citizen = load_citizen(tx, citizen_id)
        old_goal, old_cv = citizen.job_goal, citizen.cv_status
        changed = tx.update(citizen, **fields)
        if "job_goal" in changed:
            text = f"Jobmål: {fields['job_goal']}" if fields["job_goal"] else "Jobmål fjernet"
            add_timeline_event(tx, actor_id, citizen.id, EventKind.JOBMAAL, text, f"Før: {old_goal or '—'}")
        if "cv_status" in changed:
            labels = reference.cv_statuses
            add_timeline_event(
                tx, actor_id, citizen.id, EventKind.CV, f"CV: {labels.label(old_cv)} → {labels.label(cv_status)}"
            )
        if changed:
            tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, "Plan ændret: " + ", ".join(changed))
    return changed


def assign_jobformidler(db: Database, actor_id: str, citizen_id: str, staff_id: str, reason: str = "") -> int:
    """Assign (or change) the citizen's personal jobformidler. A change needs a reason, because each change
    of caseworker lowers the citizen's chance of a job (seed 001: by 22 %). Returns the number of changes."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "assign_jobformidler")
        citizen = load_citizen(tx, citizen_id)
        summary = set_jobformidler(tx, actor_id, citizen, staff_id, reason)
        tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, summary)
        return jobformidler_changes(tx, citizen.id)


def set_jobformidler(
    tx: Tx, actor_id: str | None, citizen: Citizen, staff_id: str, reason: str = "", *, recompute: bool = True
) -> str:
    """The rules of choosing a jobformidler, inside the caller's transaction (``assign_jobformidler``, the
    import of a caseload): an active staff member, not the one the citizen has, a reason for a change; the
    field, a «jobformidler» timeline event (a change counted, never silent) and the follow-ups recomputed
    (``recompute=False`` only for a citizen created in the same transaction: no follow-up facts, no tasks).
    Returns the event's summary (for the caller's audit entry)."""
    reason = reason.strip()
    new = tx.session.get(Staff, staff_id)
    if new is None or not new.active or new.deleted_at is not None:
        raise ValidationError.single("staff", "Vælg en aktiv medarbejder.")
    if citizen.jobformidler_id == staff_id:
        raise ValidationError.single("staff", f"{new.name} er allerede borgerens jobformidler.")
    change = citizen.jobformidler_id is not None
    if change and not reason:
        raise ValidationError.single(
            "reason", "Skriv hvorfor jobformidleren skiftes. Hvert skift mindsker borgerens chance for job."
        )
    old_id = citizen.jobformidler_id
    old = tx.session.get(Staff, old_id) if old_id else None
    tx.update(citizen, jobformidler_id=staff_id)
    summary = f"Jobformidler skiftet fra {old.name} til {new.name}" if old else f"Jobformidler: {new.name}"
    add_timeline_event(
        tx, actor_id, citizen.id, EventKind.JOBFORMIDLER, summary, reason,
        data={"change": change, "from": old_id, "to": staff_id},
    )  # fmt: skip
    if recompute:
        recompute_now(tx, citizen.id, actor_id=actor_id, previous_assignee=old_id, jobformidler_changed=True)
    return summary


def advance_step(db: Database, actor_id: str, citizen_id: str, override_reason: str | None = None) -> StepDecision:
    """Move the citizen to the next step; unmet exit criteria need a written override reason (logged)."""
    with db.transaction() as tx:
        authorize(tx, actor_id, "advance_step")
        citizen = load_citizen(tx, citizen_id)
        if citizen.step is None:
            raise ValidationError.single("step", "Borgeren er ikke visiteret endnu.")
        decision = plan_advance(
            citizen_model(citizen), citizen.step, citizen_facts(citizen, tx.session), load_rules(), override_reason
        )
        if not decision.allowed:
            raise ValidationError.single("override_reason", decision.message)
        _apply_step(tx, actor_id, citizen, decision, EventKind.TRIN, decision.override_reason or "")
        detail = f"Trin {decision.from_step} → {decision.to_step}"
        if decision.overridden:
            detail += f" trods manglende kriterier; begrundelse: {decision.override_reason}"
        tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, detail)
        _recompute(tx, citizen.id, actor_id)
    return decision


def break_off_course(
    db: Database, actor_id: str, citizen_id: str, *, reason: str, rehab_target_group: bool = False
) -> StepDecision:
    """A company course was broken off: back to trin 2 for a new match, or — the jobkonsulent's judgement —
    the rehab route."""
    reason = _clean(reason, "reason", required=True, message="Skriv hvorfor forløbet er afbrudt.")
    with db.transaction() as tx:
        authorize(tx, actor_id, "break_off_course")
        decision = apply_break_off(tx, actor_id, citizen_id, reason=reason, rehab_target_group=rehab_target_group)
        _recompute(tx, citizen_id, actor_id)
        return decision


def apply_break_off(tx: Tx, actor_id: str, citizen_id: str, *, reason: str, rehab_target_group: bool) -> StepDecision:
    """The step rule of a broken-off course inside a caller's transaction (also used when an agreement is
    broken off). The caller recomputes the follow-ups once, after all its changes."""
    if rehab_target_group:
        authorize(tx, actor_id, "judge_rehab")
    citizen = load_citizen(tx, citizen_id)
    if citizen.step is None:
        raise ValidationError.single("step", "Borgeren er ikke visiteret endnu.")
    decision = plan_break_off(citizen_model(citizen), citizen.step, rehab_target_group)
    if not decision.allowed:
        raise ValidationError.single("step", decision.message)
    _apply_step(tx, actor_id, citizen, decision, EventKind.REHAB if rehab_target_group else EventKind.TRIN, reason)
    tx.audit(actor_id, "update", "citizen", citizen.id, citizen.id, f"Virksomhedsforløb afbrudt: {reason}")
    return decision


def reveal_cpr(db: Database, actor_id: str, citizen_id: str) -> str | None:
    """Show the full CPR number: an audited read."""
    with db.transaction() as tx:
        authorize_read(tx, actor_id, "cpr_full")
        citizen = load_citizen(tx, citizen_id)
        tx.audit(actor_id, "read", "citizen", citizen.id, citizen.id, "Fuldt CPR-nummer vist")
        return citizen.cpr

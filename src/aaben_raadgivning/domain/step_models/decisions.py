"""Deciding a step change: advance, break off, or a visitation outcome, or why not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.domain.step_models.exits import ExitEvaluation, evaluate_exit
from aaben_raadgivning.domain.step_models.model import StepModel

ADVANCE, BREAK_OFF, VISITATION = "advance", "break_off", "visitation"


@dataclass(frozen=True)
class StepDecision:
    """What the app may record: move ``from_step`` → ``to_step`` (or not, when ``allowed`` is False).

    ``message`` is Danish, for the person at the screen. ``override_reason`` is set only when the move
    happens despite unmet criteria. ``route`` is the visitation outcome code when the citizen leaves the
    project for another route (rehab, underretning). A refused decision has ``to_step = None``.
    """

    kind: str
    allowed: bool
    model_code: str
    model_version: int
    from_step: str
    to_step: str | None
    message: str
    missing: tuple[str, ...] = ()
    override_reason: str | None = None
    route: str | None = None
    evaluation: ExitEvaluation | None = None

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None


def _refuse(kind: str, model: StepModel, from_step: str, message: str, **extra) -> StepDecision:
    return StepDecision(kind, False, model.code, model.version, from_step, None, message, **extra)


def _listing(items: tuple[str, ...]) -> str:
    return "; ".join(items) + "."


def plan_advance(
    model: StepModel,
    current_step: str,
    facts: Mapping[str, object],
    rules: Rules,
    override_reason: str | None = None,
) -> StepDecision:
    """Decide whether the citizen may move on from ``current_step``.

    Allowed when every exit criterion is met. With unmet criteria only when a non-empty written reason is
    given and none of the unmet criteria is marked ``overridable = false``.
    """
    step = model.step(current_step)
    following = model.next_step(current_step)
    if step.terminal or following is None:
        return _refuse(ADVANCE, model, current_step, f"Forløbet er afsluttet; der er intet trin efter «{step.label}».")
    evaluation = evaluate_exit(model, current_step, facts, rules)
    moving = f"Borgeren går fra «{step.label}» til «{following.label}»."
    if evaluation.all_met:
        return StepDecision(
            ADVANCE,
            True,
            model.code,
            model.version,
            current_step,
            following.code,
            moving,
            evaluation=evaluation,
            missing=evaluation.missing,
        )
    if evaluation.blocking:
        blocking = tuple(result.missing for result in evaluation.blocking)
        others = tuple(text for text in evaluation.missing if text not in blocking)
        also = f" Mangler også: {_listing(others)}" if others else ""
        return _refuse(
            ADVANCE,
            model,
            current_step,
            f"«{step.label}» kan ikke afsluttes: {_listing(blocking)} "
            f"Det skal være på plads først og kan ikke erstattes af en begrundelse.{also}",
            evaluation=evaluation,
            missing=evaluation.missing,
        )
    reason = (override_reason or "").strip()
    if not reason:
        ask = (
            "Begrundelsen er tom: skriv, hvorfor borgeren alligevel skal videre."
            if override_reason is not None
            else "Skriv en begrundelse, hvis borgeren alligevel skal videre."
        )
        return _refuse(
            ADVANCE,
            model,
            current_step,
            f"«{step.label}» kan ikke afsluttes endnu. Mangler: {_listing(evaluation.missing)} {ask}",
            evaluation=evaluation,
            missing=evaluation.missing,
        )
    return StepDecision(
        ADVANCE,
        True,
        model.code,
        model.version,
        current_step,
        following.code,
        f"{moving} Det sker trods manglende kriterier: {_listing(evaluation.missing)} Begrundelse: {reason}",
        override_reason=reason,
        evaluation=evaluation,
        missing=evaluation.missing,
    )


def plan_break_off(model: StepModel, current_step: str, rehab_target_group: bool) -> StepDecision:
    """A company course is broken off: back to ``on_break_off.back_to`` for a new match, or — when the
    jobkonsulent judges the citizen to be in the rehab target group — the course ends on the rehab route."""
    step = model.step(current_step)
    rule = model.on_break_off
    if current_step not in rule.from_steps:
        where = ", ".join(f"«{model.step_label(code)}»" for code in rule.from_steps)
        return _refuse(
            BREAK_OFF,
            model,
            current_step,
            f"Der er intet virksomhedsforløb at afbryde i «{step.label}». Afbrud kan registreres i: {where}.",
        )
    if rehab_target_group:
        outcome = model.visitation_outcome(rule.rehab_route)
        return StepDecision(
            BREAK_OFF,
            True,
            model.code,
            model.version,
            current_step,
            model.terminal.code,
            f"Virksomhedsforløbet er afbrudt, og forløbet i projektet stopper: {outcome.label}. {outcome.action}",
            route=outcome.code,
        )
    back = model.step(rule.back_to)
    return StepDecision(
        BREAK_OFF,
        True,
        model.code,
        model.version,
        current_step,
        back.code,
        f"Virksomhedsforløbet er afbrudt. Borgeren går tilbage til «{back.label}» for hurtigst muligt at finde "
        "et nyt match med en virksomhed.",
    )


def plan_visitation(model: StepModel, current_step: str, outcome_code: str) -> StepDecision:
    """Record the visitation outcome: into the project keeps the citizen in ``current_step``; any other
    outcome ends the course in the project on that route (e.g. rehab, underretning)."""
    step = model.step(current_step)
    if step.terminal:
        return _refuse(VISITATION, model, current_step, "Forløbet er afsluttet; visitationen kan ikke ændres her.")
    outcome = model.visitation_outcome(outcome_code)
    if outcome.enters_project:
        return StepDecision(
            VISITATION, True, model.code, model.version, current_step, current_step,
            f"{outcome.label}. {outcome.action}",
        )  # fmt: skip
    return StepDecision(
        VISITATION,
        True,
        model.code,
        model.version,
        current_step,
        model.terminal.code,
        f"{outcome.label}. {outcome.action}",
        route=outcome.code,
    )

"""Evaluating a step's exit criteria over the facts of a citizen's record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from aaben_raadgivning.domain.dates import format_decimal
from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.domain.step_models.model import _GROUP_KINDS, Criterion, Step, StepModel
from aaben_raadgivning.domain.step_models.vocabulary import _TYPE_NAMES, FACTS, FactValueError, _has_type, _is_number


@dataclass(frozen=True)
class CriterionResult:
    """One criterion checked against a citizen's facts. ``missing`` is empty when the criterion is met."""

    criterion: Criterion
    met: bool
    label: str
    missing: str
    children: tuple[CriterionResult, ...] = ()

    @property
    def overridable(self) -> bool:
        return self.criterion.overridable


@dataclass(frozen=True)
class ExitEvaluation:
    model_code: str
    model_version: int
    step: Step
    results: tuple[CriterionResult, ...]

    @property
    def all_met(self) -> bool:
        return all(result.met for result in self.results)

    @property
    def unmet(self) -> tuple[CriterionResult, ...]:
        return tuple(result for result in self.results if not result.met)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(result.missing for result in self.unmet)

    @property
    def blocking(self) -> tuple[CriterionResult, ...]:
        """Unmet criteria that a written reason cannot override."""
        return tuple(result for result in self.unmet if not result.overridable)


def _format_number(value: int | float | Decimal) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return format_decimal(number, 0)
    return format_decimal(number, 1 if number == round(number, 1) else 2)


def _display(value: object) -> str:
    if value is None:
        return "ukendt"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if _is_number(value):
        return _format_number(value)  # type: ignore[arg-type]
    return str(value) or "–"


def _checked_facts(facts: Mapping[str, object]) -> Mapping[str, object]:
    for name, value in facts.items():
        fact = FACTS.get(name)
        if fact is None:
            raise FactValueError(f"Ukendt faktum «{name}». Kendte fakta: {', '.join(FACTS)}.")
        if value is not None and not _has_type(value, fact.type):
            raise FactValueError(f"Faktum «{name}» skal være {_TYPE_NAMES[fact.type]}, ikke {value!r}.")
    return facts


def _evaluate(criterion: Criterion, facts: Mapping[str, object], rules: Rules) -> CriterionResult:
    if criterion.kind in _GROUP_KINDS:
        children = tuple(_evaluate(child, facts, rules) for child in criterion.criteria)
        met = (any if criterion.kind == "any_of" else all)(child.met for child in children)
        return CriterionResult(criterion, met, criterion.label, "" if met else criterion.missing, children)
    value = facts.get(criterion.fact)  # type: ignore[arg-type]
    if criterion.kind == "at_least":
        key = criterion.rule_key
        target = rules.value(key) if key is not None else criterion.value
        met = value is not None and value >= target  # type: ignore[operator]
    elif criterion.kind == "equals":
        target = criterion.value
        met = value is not None and value == target
    else:  # is_true
        target = True
        met = value is True
    texts = {"value": _display(value), "target": _display(target)}
    return CriterionResult(
        criterion, met, criterion.label.format(**texts), "" if met else criterion.missing.format(**texts)
    )


def evaluate_exit(model: StepModel, step_code: str, facts: Mapping[str, object], rules: Rules) -> ExitEvaluation:
    """Check every exit criterion of ``step_code`` against the citizen's facts (see ``FACTS``).

    A fact missing from ``facts`` (or None) is unknown and its criterion is not met; an unknown fact name or
    a value of the wrong type raises ``FactValueError``. The terminal step has no criteria.
    """
    step = model.step(step_code)
    checked = _checked_facts(facts)
    results = tuple(_evaluate(criterion, checked, rules) for criterion in step.exit)
    return ExitEvaluation(model.code, model.version, step, results)

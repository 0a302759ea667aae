"""A step model as data: steps, exit criteria, visitation outcomes, break-offs, core elements, phases."""

from __future__ import annotations

from dataclasses import dataclass

from aaben_raadgivning.domain.step_models.vocabulary import RULES_PREFIX, StepModelError

CRITERION_KINDS = ("is_true", "equals", "at_least", "any_of", "all_of")
_FACT_KINDS = ("is_true", "equals", "at_least")
_GROUP_KINDS = ("any_of", "all_of")


@dataclass(frozen=True)
class Criterion:
    """One exit criterion. ``value`` is the literal to compare with, or ``"rules.<key>"`` for at_least.

    ``label`` and ``missing`` may use ``{value}`` (the citizen's value) and ``{target}`` (the required one).
    ``overridable = False`` marks a criterion that a written reason cannot replace (e.g. visitation).
    """

    kind: str
    label: str
    missing: str
    fact: str | None = None
    value: object = None
    criteria: tuple[Criterion, ...] = ()
    overridable: bool = True

    @property
    def rule_key(self) -> str | None:
        if self.kind == "at_least" and isinstance(self.value, str):
            return self.value.removeprefix(RULES_PREFIX)
        return None


@dataclass(frozen=True)
class Step:
    """A step. ``max_days``: how long a citizen usually stays at most (a project target, not law); «Mine
    borgere» flags a citizen who has been in the step longer. None: no limit. Guidance only, never an exit
    criterion, so changing it changes no record's meaning."""

    code: str
    label: str
    short_label: str
    purpose: str
    exit: tuple[Criterion, ...] = ()
    terminal: bool = False
    max_days: int | None = None


@dataclass(frozen=True)
class VisitationOutcome:
    code: str
    label: str
    enters_project: bool
    description: str
    action: str


@dataclass(frozen=True)
class BreakOff:
    """What a broken-off company course means: from which steps, back to which step, or the rehab route."""

    from_steps: tuple[str, ...]
    back_to: str
    rehab_route: str


@dataclass(frozen=True)
class CoreElement:
    number: int
    label: str
    step: str


@dataclass(frozen=True)
class Phase:
    """A project-level phase no citizen is in (Etablering)."""

    code: str
    label: str
    purpose: str


@dataclass(frozen=True)
class StepModel:
    code: str
    version: int
    label: str
    description: str
    source: str
    steps: tuple[Step, ...]
    terminal: Step
    on_break_off: BreakOff
    visitation_outcomes: tuple[VisitationOutcome, ...]
    start_step_codes: tuple[str, ...]
    core_elements: tuple[CoreElement, ...] = ()
    establishment: Phase | None = None

    @property
    def first_step(self) -> Step:
        return self.steps[0]

    @property
    def start_steps(self) -> tuple[Step, ...]:
        """Steps a citizen may be visited into (Slagelse: trin 0 or 1)."""
        return tuple(self.step(code) for code in self.start_step_codes)

    @property
    def all_steps(self) -> tuple[Step, ...]:
        """The working steps and then the terminal step, e.g. for counting the caseload per step."""
        return (*self.steps, self.terminal)

    def has_step(self, code: str) -> bool:
        return any(step.code == code for step in self.all_steps)

    def step(self, code: str) -> Step:
        for step in self.all_steps:
            if step.code == code:
                return step
        raise StepModelError(f"Trinnet «{code}» findes ikke i trinmodellen «{self.label}» (version {self.version}).")

    def step_label(self, code: str | None) -> str:
        """The label of a step code; an unknown code (older or newer model) shows as itself."""
        if code is None:
            return ""
        for step in self.all_steps:
            if step.code == code:
                return step.label
        return code

    def index(self, code: str) -> int:
        """Position in ``all_steps`` (the terminal step is last)."""
        return self.all_steps.index(self.step(code))

    def next_step(self, code: str) -> Step | None:
        """The step after ``code``: the next working step, the terminal step after the last, None after that."""
        position = self.index(code)
        return self.all_steps[position + 1] if position + 1 < len(self.all_steps) else None

    def visitation_outcome(self, code: str) -> VisitationOutcome:
        for outcome in self.visitation_outcomes:
            if outcome.code == code:
                return outcome
        known = ", ".join(o.code for o in self.visitation_outcomes)
        raise StepModelError(f"Ukendt visitationsudfald «{code}» i trinmodellen «{self.label}». Kendte: {known}.")

    def core_elements_for(self, code: str) -> tuple[CoreElement, ...]:
        return tuple(element for element in self.core_elements if element.step == code)

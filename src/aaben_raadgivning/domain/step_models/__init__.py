"""Step models (trinmodeller): the ordered steps a citizen moves through, and when a step is done.

Municipalities use different step models, and the law moves, so a model is data: one TOML file per model in
``assets/step_models/``. Three ship with the app:

- ``flere_skal_med`` (the default): STAR's "Flere skal med" model — trin 1 Afklaring, trin 2 På vej mod job,
  trin 3 Virksomhedsforløb, with six kerneelementer (core elements: the parts every participating
  municipality must carry out).
- ``jobgaranti``: "Uddannelses- og jobgaranti i ghettoer og udsatte boligområder" — the same three steps,
  preceded by the project-level phase Etablering (partnership, outreach office), nine kerneelementer.
- ``trappemodel``: Slagelse's trappemodel ("staircase model") — trin 0 sygdomsafklaring/motivation,
  1 vejledning/opkvalificering, 2 virksomhedspraktik, 3 løntilskud, 4 ordinært job.

Danish terms of art used here:

- **trin**: a step in the model; **afsluttet**: the terminal step (the course in the project is over).
- **visitation**: the jobkonsulent's decision whether the citizen enters the project. Three outcomes in the
  seeds: into the project; the target group for ressourceforløb / fleksjob / førtidspension (the
  rehabilitation route, formerly via the *rehabiliteringsteam*, which the 2025 reform abolishes — so the
  route's label is data); or unable to take part, which means an **underretning** (formal notification) to
  the social administration while the citizen keeps the ordinary offer.
- **jobformidler**: the citizen's personal job broker. **virksomhedsforløb**: a course at a company
  (ordinary hours, virksomhedspraktik = work placement, or løntilskud = wage-subsidised job).
- **opfølgningsplan**: the agreed follow-up plan for a company course. **selvforsørgende**: self-supporting.

Exit criteria are data over a closed vocabulary of *facts* about a citizen's record (``FACTS``): the store
computes the facts, the model files are validated against the vocabulary, and ``evaluate_exit`` compares.
A criterion's number may refer to ``rules.toml`` (``value = "rules.ordinary_hours_goal"``), so a
municipality's own number is honoured without touching the model.

Versioning rule: a citizen record stores model code + version + step code, so changing a model (or the
default) never rewrites history. ``<code>.toml`` holds the current version. Every change bumps
``version``; a change that removes or renames a step code or a visitation outcome code must first copy the
old file to ``<code>.v<old version>.toml``. ``load_step_model(code, version)`` returns that archived file
when it exists and otherwise the current version, whose codes are then by the rule still valid (this also
covers a record made by a newer app on another laptop). Unknown step codes still show as themselves
(``StepModel.step_label``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

# The package's modules, one job each; every name is importable from here, as when this was one module.
from aaben_raadgivning.domain.step_models.decisions import (
    ADVANCE,
    BREAK_OFF,
    VISITATION,
    StepDecision,
    plan_advance,
    plan_break_off,
    plan_visitation,
)
from aaben_raadgivning.domain.step_models.exits import CriterionResult, ExitEvaluation, evaluate_exit
from aaben_raadgivning.domain.step_models.model import (
    CRITERION_KINDS,
    BreakOff,
    CoreElement,
    Criterion,
    Phase,
    Step,
    StepModel,
    VisitationOutcome,
)
from aaben_raadgivning.domain.step_models.parsing import parse_step_model
from aaben_raadgivning.domain.step_models.vocabulary import (
    _CODE_RE,
    BOOL,
    CV_STATUSES,
    DEFAULT_STEP_MODEL,
    FACTS,
    NUMBER,
    RULES_PREFIX,
    TEXT,
    Fact,
    FactValueError,
    StepModelError,
)

__all__ = [
    "ADVANCE",
    "BOOL",
    "BREAK_OFF",
    "CRITERION_KINDS",
    "CV_STATUSES",
    "DEFAULT_STEP_MODEL",
    "FACTS",
    "NUMBER",
    "RULES_PREFIX",
    "TEXT",
    "VISITATION",
    "BreakOff",
    "CoreElement",
    "Criterion",
    "CriterionResult",
    "ExitEvaluation",
    "Fact",
    "FactValueError",
    "Phase",
    "Step",
    "StepDecision",
    "StepModel",
    "StepModelError",
    "VisitationOutcome",
    "available_step_models",
    "evaluate_exit",
    "load_step_model",
    "parse_step_model",
    "plan_advance",
    "plan_break_off",
    "plan_visitation",
]

# --- Loading -------------------------------------------------------------------------------------------


def _folder() -> Traversable:
    return resources.files("aaben_raadgivning.assets").joinpath("step_models")


@cache
def _load_file(name: str) -> StepModel:
    file = _folder().joinpath(name)
    try:
        return parse_step_model(file.read_text(encoding="utf-8"))
    except StepModelError as exc:
        raise StepModelError(exc.problems, title=f"Filen step_models/{name} kan ikke bruges:") from None


def _current_file_names() -> list[str]:
    return sorted(
        item.name
        for item in _folder().iterdir()
        if item.name.endswith(".toml") and _CODE_RE.fullmatch(item.name.removesuffix(".toml"))
    )


@cache
def load_step_model(code: str, version: int | None = None) -> StepModel:
    """The model ``code``; with ``version``, that version if an archived file keeps it, else the current one.

    See the module docstring for the versioning rule.
    """
    if not _CODE_RE.fullmatch(code) or f"{code}.toml" not in _current_file_names():
        raise StepModelError(f"Trinmodellen «{code}» findes ikke.")
    current = _load_file(f"{code}.toml")
    if current.code != code:
        raise StepModelError(f"Filen step_models/{code}.toml indeholder trinmodellen «{current.code}».")
    if version is None or version == current.version:
        return current
    archived_name = f"{code}.v{version}.toml"
    if not _folder().joinpath(archived_name).is_file():
        return current
    archived = _load_file(archived_name)
    if archived.code != code or archived.version != version:
        raise StepModelError(
            f"Filen step_models/{archived_name} indeholder «{archived.code}» version {archived.version}."
        )
    return archived


def available_step_models() -> list[StepModel]:
    """The current version of every shipped model, the default first, then by label."""
    models = [load_step_model(name.removesuffix(".toml")) for name in _current_file_names()]
    return sorted(models, key=lambda m: (m.code != DEFAULT_STEP_MODEL, m.label.casefold()))

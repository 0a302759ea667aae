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

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType

from aaben_raadgivning.domain.dates import format_decimal
from aaben_raadgivning.domain.rules import Rules

DEFAULT_STEP_MODEL = "flere_skal_med"
RULES_PREFIX = "rules."

_CODE_RE = re.compile(r"[a-z][a-z0-9_]*")
_ARCHIVE_RE = re.compile(r"(?P<code>[a-z][a-z0-9_]*)\.v(?P<version>[0-9]+)\.toml")


class StepModelError(ValueError):
    """A model file that cannot be used, or a step/model that does not exist; ``message`` is Danish."""

    def __init__(self, problems: list[str] | str, *, title: str = "") -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        if title:
            self.message = title + "\n" + "\n".join(f"- {p}" for p in self.problems)
        else:
            self.message = " ".join(self.problems)
        super().__init__(self.message)


class FactValueError(TypeError):
    """The facts handed to ``evaluate_exit`` do not fit the vocabulary (a bug in the caller)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


# --- The fact vocabulary -------------------------------------------------------------------------------

BOOL, TEXT, NUMBER = "bool", "text", "number"


@dataclass(frozen=True)
class Fact:
    """A named fact about a citizen's record that exit criteria may test.

    ``type`` is ``bool``, ``text`` or ``number`` (int, float or Decimal). ``choices`` closes a text fact's
    values; the ``visitation`` fact's values are the model's own visitation outcome codes instead.
    A fact the caller does not supply counts as unknown, and a criterion on it is not met.
    """

    name: str
    type: str
    description: str
    choices: tuple[str, ...] = ()


CV_STATUSES = ("mangler", "i_gang", "faerdig")

FACTS: Mapping[str, Fact] = MappingProxyType(
    {
        fact.name: fact
        for fact in (
            Fact(
                "visitation",
                TEXT,
                "Visitationens udfald (kode fra trinmodellen); tom tekst, hvis der ikke er visiteret.",
            ),
            Fact("cv_status", TEXT, "Status for borgerens CV: mangler, i_gang eller faerdig.", CV_STATUSES),
            Fact("job_goal_set", BOOL, "Borgerens jobmål eller jobområde (stilling, funktioner eller felt) er sat."),
            Fact("plan_made", BOOL, "Der er lagt en plan ud fra borgerens ressourcer, jobønsker og egne barrierer."),
            Fact("health_clarified", BOOL, "Sygdomsafklaring er afsluttet (eller ikke nødvendig)."),
            Fact("jobformidler_assigned", BOOL, "Borgeren har en personlig jobformidler tilknyttet."),
            Fact("active_agreement", BOOL, "Der er en gældende ansættelses- og/eller praktikaftale med en virksomhed."),
            Fact("active_praktik", BOOL, "Der er en gældende aftale om virksomhedspraktik."),
            Fact("active_loentilskud", BOOL, "Der er en gældende ansættelse med løntilskud."),
            Fact("follow_up_plan", BOOL, "Der er udarbejdet en opfølgningsplan for virksomhedsforløbet."),
            Fact("company_contact_person", BOOL, "Der er udpeget en fast kontaktperson på virksomheden."),
            Fact(
                "ordinary_hours_best_month",
                NUMBER,
                "Flest ordinære (ustøttede) timer i én kalendermåned, siden borgeren sidst gik ind i det "
                "nuværende trin. Timer i virksomhedspraktik eller løntilskud tæller ikke.",
            ),
            Fact("ordinary_employment", BOOL, "Borgeren er ansat på ordinære, ustøttede vilkår (uanset timetal)."),
            Fact("self_supporting", BOOL, "Borgeren er selvforsørgende gennem job eller uddannelse."),
        )
    }
)

_TYPE_NAMES = {BOOL: "ja/nej", TEXT: "tekst", NUMBER: "tal"}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _has_type(value: object, fact_type: str) -> bool:
    if fact_type == BOOL:
        return isinstance(value, bool)
    if fact_type == TEXT:
        return isinstance(value, str)
    return _is_number(value)


# --- The model -----------------------------------------------------------------------------------------

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
    code: str
    label: str
    short_label: str
    purpose: str
    exit: tuple[Criterion, ...] = ()
    terminal: bool = False


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


# --- Parsing -------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.items.append(f"{where}: {text}" if where else text)


def _text(raw: Mapping, key: str, where: str, problems: _Problems, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            problems.add(where, f"«{key}» mangler.")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.add(where, f"«{key}» skal være en tekst, der ikke er tom.")
        return ""
    return value.strip()


def _code(raw: Mapping, key: str, where: str, problems: _Problems) -> str:
    value = _text(raw, key, where, problems)
    if value and not _CODE_RE.fullmatch(value):
        problems.add(
            where, f"koden «{value}» må kun indeholde små bogstaver a-z, tal og _ og skal starte med et bogstav."
        )
    return value


def _unknown_keys(raw: Mapping, allowed: set[str], where: str, problems: _Problems) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        problems.add(where, f"ukendte felter: {', '.join(unknown)}.")


def _table_list(raw: object, where: str, problems: _Problems) -> list[Mapping]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        problems.add(where, "skal være en liste af tabeller ([[...]]).")
        return []
    return raw


def _check_placeholders(text: str, allowed: set[str], where: str, problems: _Problems) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        problems.add(where, f"teksten «{text}» har ubalancerede krøllede parenteser.")
        return
    bad = names - allowed
    if bad:
        hint = f"Tilladt: {', '.join('{' + a + '}' for a in sorted(allowed))}." if allowed else "Her er ingen tilladt."
        problems.add(where, f"ukendt pladsholder {', '.join('{' + b + '}' for b in sorted(bad))} i «{text}». {hint}")


def _criterion(
    raw: Mapping, where: str, problems: _Problems, outcome_codes: set[str], *, top_level: bool
) -> Criterion | None:
    kind = raw.get("kind")
    if kind not in CRITERION_KINDS:
        problems.add(where, f"ukendt kriterietype «{kind}». Kendte typer: {', '.join(CRITERION_KINDS)}.")
        return None
    label = _text(raw, "label", where, problems)
    missing = _text(raw, "missing", where, problems)
    allowed = {"kind", "label", "missing"} | ({"overridable"} if top_level else set())
    overridable = raw.get("overridable", True)
    if not isinstance(overridable, bool):
        problems.add(where, "«overridable» skal være true eller false.")
        overridable = True
    if kind in _GROUP_KINDS:
        _unknown_keys(raw, allowed | {"criteria"}, where, problems)
        for text in (label, missing):
            _check_placeholders(text, set(), where, problems)
        rows = _table_list(raw.get("criteria"), f"{where}, criteria", problems)
        if not rows:
            problems.add(where, f"«{kind}» skal have mindst ét underkriterium (criteria).")
            return None
        children = [
            _criterion(row, f"{where}.{number}", problems, outcome_codes, top_level=False)
            for number, row in enumerate(rows, start=1)
        ]
        if any(child is None for child in children):
            return None
        return Criterion(kind, label, missing, criteria=tuple(children), overridable=overridable)  # type: ignore[arg-type]

    _unknown_keys(raw, allowed | ({"fact"} if kind == "is_true" else {"fact", "value"}), where, problems)
    for text in (label, missing):
        _check_placeholders(text, {"value", "target"}, where, problems)
    fact_name = raw.get("fact")
    fact = FACTS.get(fact_name) if isinstance(fact_name, str) else None
    if fact is None:
        problems.add(where, f"ukendt faktum «{fact_name}». Kendte fakta: {', '.join(FACTS)}.")
        return None
    value = raw.get("value")
    if kind == "is_true":
        if fact.type != BOOL:
            problems.add(where, f"«is_true» kræver et ja/nej-faktum, men «{fact.name}» er {_TYPE_NAMES[fact.type]}.")
            return None
        value = True
    elif kind == "at_least":
        if fact.type != NUMBER:
            problems.add(where, f"«at_least» kræver et tal-faktum, men «{fact.name}» er {_TYPE_NAMES[fact.type]}.")
            return None
        if isinstance(value, str):
            key = value.removeprefix(RULES_PREFIX)
            if not value.startswith(RULES_PREFIX) or key not in Rules.keys():
                problems.add(
                    where, f"ukendt regel «{value}». Brug «rules.<nøgle>» med en af: {', '.join(Rules.keys())}."
                )
                return None
        elif not _is_number(value):
            problems.add(
                where, f"«at_least» kræver «value» som et tal eller en regel («rules.<nøgle>»), ikke «{value}»."
            )
            return None
    else:  # equals
        if value is None:
            problems.add(where, "«equals» kræver en «value».")
            return None
        if not _has_type(value, fact.type):
            problems.add(where, f"«value» skal være {_TYPE_NAMES[fact.type]} for faktum «{fact.name}», ikke «{value}».")
            return None
        choices = outcome_codes if fact.name == "visitation" else set(fact.choices)
        if choices and value not in choices:
            problems.add(
                where, f"«{value}» er ikke en gyldig værdi for «{fact.name}». Gyldige: {', '.join(sorted(choices))}."
            )
            return None
    return Criterion(kind, label, missing, fact=fact.name, value=value, overridable=overridable)


def _step(raw: Mapping, where: str, problems: _Problems, outcome_codes: set[str], *, terminal: bool) -> Step:
    allowed = {"code", "label", "short_label", "purpose"} | (set() if terminal else {"exit"})
    _unknown_keys(raw, allowed, where, problems)
    code = _code(raw, "code", where, problems)
    where = f"{where} «{code}»" if code else where
    label = _text(raw, "label", where, problems)
    short_label = _text(raw, "short_label", where, problems, required=False) or label
    purpose = _text(raw, "purpose", where, problems, required=False)
    criteria: list[Criterion] = []
    for number, row in enumerate(_table_list(raw.get("exit"), f"{where}, exit", problems), start=1):
        criterion = _criterion(row, f"{where}, kriterium {number}", problems, outcome_codes, top_level=True)
        if criterion is not None:
            criteria.append(criterion)
    return Step(code, label, short_label, purpose, tuple(criteria), terminal)


_MODEL_KEYS = {
    "code", "version", "label", "description", "source", "start_steps", "steps", "terminal",
    "on_break_off", "visitation_outcomes", "core_elements", "establishment",
}  # fmt: skip


def parse_step_model(text: str) -> StepModel:
    """Read and validate one model file. Raises ``StepModelError`` listing every problem, in Danish."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StepModelError([f"Filen er ikke gyldig TOML: {exc}"], title="Trinmodellen kan ikke læses:") from None
    problems = _Problems()
    _unknown_keys(data, _MODEL_KEYS, "Trinmodellen", problems)
    code = _code(data, "code", "Trinmodellen", problems)
    title = f"Trinmodellen «{code}» kan ikke bruges:" if code else "Trinmodellen kan ikke bruges:"
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add("Trinmodellen", f"«version» skal være et helt tal på mindst 1, ikke «{version}».")
        version = 0
    label = _text(data, "label", "Trinmodellen", problems)
    description = _text(data, "description", "Trinmodellen", problems, required=False)
    source = _text(data, "source", "Trinmodellen", problems)

    outcomes: list[VisitationOutcome] = []
    for number, row in enumerate(_table_list(data.get("visitation_outcomes"), "visitation_outcomes", problems), 1):
        where = f"Visitationsudfald {number}"
        _unknown_keys(row, {"code", "label", "enters_project", "description", "action"}, where, problems)
        enters = row.get("enters_project")
        if not isinstance(enters, bool):
            problems.add(where, "«enters_project» skal være true eller false.")
            enters = False
        outcomes.append(
            VisitationOutcome(
                _code(row, "code", where, problems),
                _text(row, "label", where, problems),
                enters,
                _text(row, "description", where, problems, required=False),
                _text(row, "action", where, problems),
            )
        )
    outcome_codes = [o.code for o in outcomes]
    for duplicate in sorted({c for c in outcome_codes if c and outcome_codes.count(c) > 1}):
        problems.add("Visitationsudfald", f"koden «{duplicate}» er brugt mere end én gang.")
    if not any(o.enters_project for o in outcomes):
        problems.add("Visitationsudfald", "der skal være mindst ét udfald med enters_project = true.")

    steps = [
        _step(row, f"Trin {number}", problems, set(outcome_codes), terminal=False)
        for number, row in enumerate(_table_list(data.get("steps"), "steps", problems), start=1)
    ]
    if not steps:
        problems.add("Trinmodellen", "der skal være mindst ét trin ([[steps]]).")
    terminal_raw = data.get("terminal")
    if not isinstance(terminal_raw, dict):
        problems.add("Trinmodellen", "sluttrinnet ([terminal], fx «afsluttet») mangler.")
        terminal_raw = {}
    terminal = _step(terminal_raw, "Sluttrin", problems, set(outcome_codes), terminal=True)
    step_codes = [s.code for s in steps]
    all_codes = [*step_codes, terminal.code]
    for duplicate in sorted({c for c in all_codes if c and all_codes.count(c) > 1}):
        problems.add("Trinmodellen", f"trinkoden «{duplicate}» er brugt mere end én gang.")

    establishment = None
    if "establishment" in data:
        raw = data["establishment"]
        if not isinstance(raw, dict):
            problems.add("Etablering", "skal være en tabel ([establishment]).")
        else:
            _unknown_keys(raw, {"code", "label", "purpose"}, "Etablering", problems)
            establishment = Phase(
                _code(raw, "code", "Etablering", problems),
                _text(raw, "label", "Etablering", problems),
                _text(raw, "purpose", "Etablering", problems, required=False),
            )
            if establishment.code in all_codes:
                problems.add("Etablering", f"koden «{establishment.code}» er også en trinkode.")

    break_off_raw = data.get("on_break_off")
    if not isinstance(break_off_raw, dict):
        problems.add("Trinmodellen", "«on_break_off» (hvad der sker, når et virksomhedsforløb afbrydes) mangler.")
        break_off_raw = {}
    _unknown_keys(break_off_raw, {"from_steps", "back_to", "rehab_route"}, "on_break_off", problems)
    from_steps = break_off_raw.get("from_steps", [])
    if not isinstance(from_steps, list) or not from_steps or not all(isinstance(c, str) for c in from_steps):
        problems.add("on_break_off", "«from_steps» skal være en ikke-tom liste af trinkoder.")
        from_steps = []
    break_off = BreakOff(
        tuple(from_steps),
        _text(break_off_raw, "back_to", "on_break_off", problems),
        _text(break_off_raw, "rehab_route", "on_break_off", problems),
    )
    for from_code in break_off.from_steps:
        if from_code not in step_codes:
            problems.add("on_break_off", f"«from_steps» nævner det ukendte trin «{from_code}».")
    if break_off.back_to and break_off.back_to not in step_codes:
        problems.add("on_break_off", f"«back_to» peger på det ukendte trin «{break_off.back_to}».")
    elif break_off.back_to and any(
        c in step_codes and step_codes.index(c) < step_codes.index(break_off.back_to) for c in break_off.from_steps
    ):
        problems.add("on_break_off", f"«back_to» («{break_off.back_to}») ligger efter et af trinnene i «from_steps».")
    if break_off.rehab_route:
        matching = [o for o in outcomes if o.code == break_off.rehab_route]
        if not matching:
            problems.add(
                "on_break_off", f"«rehab_route» peger på det ukendte visitationsudfald «{break_off.rehab_route}»."
            )
        elif matching[0].enters_project:
            problems.add(
                "on_break_off", f"«rehab_route» («{break_off.rehab_route}») skal være et udfald uden for projektet."
            )

    start = data.get("start_steps", step_codes[:1])
    if not isinstance(start, list) or not start or not all(isinstance(c, str) for c in start):
        problems.add("Trinmodellen", "«start_steps» skal være en ikke-tom liste af trinkoder.")
        start = step_codes[:1]
    for start_code in start:
        if start_code not in step_codes:
            problems.add("Trinmodellen", f"«start_steps» nævner det ukendte trin «{start_code}».")

    phase_codes = {*step_codes, *([establishment.code] if establishment else [])}
    elements: list[CoreElement] = []
    for number, row in enumerate(_table_list(data.get("core_elements"), "core_elements", problems), start=1):
        where = f"Kerneelement {number}"
        _unknown_keys(row, {"number", "label", "step"}, where, problems)
        element_number = row.get("number")
        if not isinstance(element_number, int) or isinstance(element_number, bool):
            problems.add(where, "«number» skal være et helt tal.")
            element_number = 0
        element = CoreElement(element_number, _text(row, "label", where, problems), _text(row, "step", where, problems))
        if element.step and element.step not in phase_codes:
            problems.add(where, f"«step» peger på det ukendte trin «{element.step}».")
        elements.append(element)
    numbers = [e.number for e in elements]
    for duplicate in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.add("Kerneelementer", f"nummer {duplicate} er brugt mere end én gang.")

    if problems.items:
        raise StepModelError(problems.items, title=title)
    return StepModel(
        code=code,
        version=version,
        label=label,
        description=description,
        source=source,
        steps=tuple(steps),
        terminal=terminal,
        on_break_off=break_off,
        visitation_outcomes=tuple(outcomes),
        start_step_codes=tuple(start),
        core_elements=tuple(elements),
        establishment=establishment,
    )


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


# --- Evaluating exit criteria --------------------------------------------------------------------------


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


# --- Decisions -----------------------------------------------------------------------------------------

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
    common = {"evaluation": evaluation, "missing": evaluation.missing}
    moving = f"Borgeren går fra «{step.label}» til «{following.label}»."
    if evaluation.all_met:
        return StepDecision(ADVANCE, True, model.code, model.version, current_step, following.code, moving, **common)
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
            **common,
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
            **common,
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
        **common,
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

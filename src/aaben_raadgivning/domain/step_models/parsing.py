"""Reading a step model file (TOML) into a ``StepModel``, naming every problem in Danish."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping

from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.domain.step_models.model import (
    _GROUP_KINDS,
    CRITERION_KINDS,
    BreakOff,
    CoreElement,
    Criterion,
    Phase,
    Step,
    StepModel,
    VisitationOutcome,
)
from aaben_raadgivning.domain.step_models.vocabulary import (
    _CODE_RE,
    _TYPE_NAMES,
    BOOL,
    FACTS,
    NUMBER,
    RULES_PREFIX,
    StepModelError,
    _has_type,
    _is_number,
)


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
    allowed = {"code", "label", "short_label", "purpose"} | (set() if terminal else {"exit", "max_days"})
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
    max_days = raw.get("max_days")
    if max_days is not None and (not isinstance(max_days, int) or isinstance(max_days, bool) or max_days < 1):
        problems.add(where, f"«max_days» skal være et helt antal dage på mindst 1, ikke «{max_days}».")
        max_days = None
    return Step(code, label, short_label, purpose, tuple(criteria), terminal, max_days)


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
    for repeated in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.add("Kerneelementer", f"nummer {repeated} er brugt mere end én gang.")

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

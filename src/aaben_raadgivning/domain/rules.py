"""The numbers the app works with — hours goals, contact cadences, time limits, result targets.

They live in ``assets/rules.toml`` with the seeds' (or the law's) values as defaults, each with a Danish
label, a unit and a source note, because *the seeds' numbers are project targets, not law* and a
municipality may set its own. Terms of art used in the rules:

- **ordinære timer**: hours of ordinary, unsupported paid work ("ordinært og ustøttet arbejde"). Hours in
  virksomhedspraktik (unpaid work placement) or løntilskud (wage-subsidised job) never count.
- **jobsamtale**: the statutory job interview between citizen and jobcenter; LAB (lov om en aktiv
  beskæftigelsesindsats) § 31 sets a minimum number in the first months.
- **delmål**: a sub-goal in the citizen's plan; progression on it is assessed at a fixed interval.
- **virksomhedspraktik**: a time-limited work placement; the limit depends on readiness (jobparathed):
  short for jobparate citizens, longer for aktivitetsparate citizens (those not ready for ordinary work),
  whose limit can be extended after a concrete assessment.
- **opsøgende kontakt**: outreach — the jobformidler seeks out a citizen who has gone quiet.
- **udeblivelse**: a no-show; followed by quick personal contact (Slagelse's "hurtig personlig opfølgning").
- **selvforsørgende**: self-supporting, i.e. off public benefits through a job or education.
- **underretning**: a formal notification to the social administration about a citizen unable to take
  part; the citizen keeps the ordinary offer and the underretning is followed up.
- **rehabiliteringsteam**: the interdisciplinary team a case for ressourceforløb, fleksjob or
  førtidspension is prepared for (the preparatory part of the rehabiliteringsplan).

A full rules file must give every rule. A municipality's override file is read with
``parse_rules(text, defaults=load_rules())``: there a rule may be omitted (the default stays) or written
short (``ordinary_hours_goal = 25``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from aaben_raadgivning.domain.errors import UserError

Number = int | float


class RulesError(UserError, ValueError):
    """A rules file that cannot be used; ``message`` is Danish and lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        self.message = "Reglerne kan ikke bruges:\n" + "\n".join(f"- {p}" for p in problems)
        super().__init__(self.message)


@dataclass(frozen=True)
class RuleNote:
    """What a rule means and where its number comes from (shown in settings and on warnings)."""

    key: str
    label: str
    unit: str
    source: str


@dataclass(frozen=True)
class _Spec:
    kind: type  # int or float
    minimum: Number
    maximum: Number | None = None


# The closed set of rules: key → value type and sane bounds. A rules file may not add keys.
_SPECS: dict[str, _Spec] = {
    "ordinary_hours_goal": _Spec(float, 0.5, 744),  # 744 = hours in a 31-day month
    "hours_not_rising_months": _Spec(int, 1, 24),
    "follow_up_contact_interval_months": _Spec(int, 1, 12),
    "follow_up_first_period_months": _Spec(int, 1, 60),
    "jobsamtaler_minimum": _Spec(int, 0, 52),
    "jobsamtaler_period_months": _Spec(int, 1, 24),
    "first_jobsamtale_within_days": _Spec(int, 0, 90),
    "delmaal_review_weeks": _Spec(int, 1, 52),
    "praktik_limit_weeks": _Spec(int, 1, 104),
    "praktik_extended_limit_weeks": _Spec(int, 1, 104),
    "praktik_jobparate_limit_weeks": _Spec(int, 1, 104),
    "inactivity_days_before_outreach": _Spec(int, 1, 365),
    "attendance_goal_percent": _Spec(int, 0, 100),
    "self_supporting_goal_percent": _Spec(int, 0, 100),
    "self_supporting_after_months": _Spec(int, 1, 60),
    "aftercare_months": _Spec(int, 0, 24),
    "aftercare_interval_months": _Spec(int, 1, 12),
    "no_show_follow_up_working_days": _Spec(int, 0, 30),
    "max_clock_ahead_minutes": _Spec(int, 5, 7 * 24 * 60),
    "retention_years": _Spec(int, 1, 100),
    "consent_valid_months": _Spec(int, 1, 60),
    "consent_expiry_warning_days": _Spec(int, 0, 365),
    "underretning_follow_up_days": _Spec(int, 0, 365),
    "rehab_preparation_days": _Spec(int, 0, 365),
    "stagnation_follow_up_working_days": _Spec(int, 0, 60),
}


@dataclass(frozen=True)
class Rules:
    """The rule values, typed. ``notes`` carries label, unit and source per rule (not part of equality)."""

    ordinary_hours_goal: float
    """Ordinary (unsupported) hours in one calendar month that complete trin 3."""
    hours_not_rising_months: int
    """«Mine borgere» flags a citizen in a company course whose ordinary hours last month are below the goal
    and not above those of this many months before."""
    follow_up_contact_interval_months: int
    """Jobformidler–citizen contact at least this often during the first period of a company course."""
    follow_up_first_period_months: int
    """How long the stricter contact cadence applies after a company course starts ("the first year")."""
    jobsamtaler_minimum: int
    """LAB § 31: at least this many jobsamtaler within ``jobsamtaler_period_months``."""
    jobsamtaler_period_months: int
    first_jobsamtale_within_days: int
    """LAB § 31: the first jobsamtale within this many days of first contact."""
    delmaal_review_weeks: int
    """Assess progression on delmål this often."""
    praktik_limit_weeks: int
    """Virksomhedspraktik limit for aktivitetsparate citizens."""
    praktik_extended_limit_weeks: int
    """The limit after a concrete assessment allows an extension."""
    praktik_jobparate_limit_weeks: int
    """Virksomhedspraktik limit for jobparate citizens (LAB § 61: no extension)."""
    inactivity_days_before_outreach: int
    """Days without contact before the jobformidler should make opsøgende kontakt."""
    attendance_goal_percent: int
    """Slagelse result requirement: average attendance (fremmødeprocent)."""
    self_supporting_goal_percent: int
    """Slagelse result requirement: share self-supporting after ``self_supporting_after_months``."""
    self_supporting_after_months: int
    aftercare_months: int
    """Efterværn: follow-up tasks this many months after a self-supporting exit outcome (0 = none)."""
    aftercare_interval_months: int
    """Efterværn: one contact at least this often during ``aftercare_months``."""
    no_show_follow_up_working_days: int
    """Personal contact after an udeblivelse within this many working days (0 = the same day)."""
    max_clock_ahead_minutes: int
    """Sync: a stamp from another laptop further ahead of this laptop's clock is not taken into its clock."""
    retention_years: int
    """Slettefrist: a case closed more than this many years ago is listed for erasure (GDPR)."""
    consent_valid_months: int
    """Samtykke: a consent is valid this long from the day it is given (renewal starts a new period)."""
    consent_expiry_warning_days: int
    """Samtykke: the follow-up task «Samtykke udløber» appears this many days before the consent runs out."""
    underretning_follow_up_days: int
    """Underretning route (seed 003): follow the underretning up this many days after it was decided."""
    rehab_preparation_days: int
    """Rehab route (seeds 000, 003): prepare the case for the rehab team within this many days."""
    stagnation_follow_up_working_days: int
    """Stagnation (seeds 000 KE 9, 003): the task to renegotiate the agreement or consider another company is due
    this many working days after the first day of the month in which the hours are found not rising."""
    notes: tuple[RuleNote, ...] = field(default=(), compare=False, repr=False)

    @staticmethod
    def keys() -> tuple[str, ...]:
        return tuple(_SPECS)

    def value(self, key: str) -> Number:
        if key not in _SPECS:
            raise KeyError(f"Ukendt regel «{key}».")
        return getattr(self, key)

    def note(self, key: str) -> RuleNote:
        for note in self.notes:
            if note.key == key:
                return note
        if key not in _SPECS:
            raise KeyError(f"Ukendt regel «{key}».")
        return RuleNote(key, key, "", "")


assert tuple(f.name for f in fields(Rules) if f.name != "notes") == tuple(_SPECS), "Rules and _SPECS disagree"


def _check_value(key: str, label: str, raw: object, problems: list[str]) -> Number | None:
    spec = _SPECS[key]
    where = f"«{key}» ({label})" if label and label != key else f"«{key}»"
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        problems.append(f"{where}: værdien skal være et tal, ikke «{raw}».")
        return None
    if spec.kind is int:
        if isinstance(raw, float) and not raw.is_integer():
            problems.append(f"{where}: værdien skal være et helt tal, ikke {raw}.")
            return None
        value: Number = int(raw)
    else:
        value = float(raw)
    if value < spec.minimum or (spec.maximum is not None and value > spec.maximum):
        upper = f" og højst {spec.maximum}" if spec.maximum is not None else ""
        problems.append(f"{where}: værdien {raw} skal være mindst {spec.minimum}{upper}.")
        return None
    return value


def parse_rules(text: str, *, defaults: Rules | None = None) -> Rules:
    """Read a rules file. Without ``defaults`` every rule must be given as a table with ``value`` and
    ``label``; with ``defaults`` (a municipality's override file) missing rules and texts are inherited."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([f"Filen er ikke gyldig TOML: {exc}"]) from None
    problems: list[str] = []
    for key in data:
        if key not in _SPECS:
            problems.append(f"Ukendt regel «{key}». Kendte regler: {', '.join(_SPECS)}.")
    values: dict[str, Any] = {}  # each value checked against its rule's type (_check_value)
    notes: list[RuleNote] = []
    for key in _SPECS:
        inherited = defaults.note(key) if defaults is not None else RuleNote(key, "", "", "")
        entry = data.get(key)
        if entry is None:
            if defaults is None:
                problems.append(f"Reglen «{key}» mangler.")
            else:
                values[key] = defaults.value(key)
                notes.append(inherited)
            continue
        if not isinstance(entry, dict):
            if defaults is None:
                problems.append(f"Reglen «{key}» skal skrives som en tabel med value, label og source.")
                continue
            entry = {"value": entry}
        unknown = sorted(set(entry) - {"value", "label", "unit", "source"})
        if unknown:
            problems.append(f"Reglen «{key}» har ukendte felter: {', '.join(unknown)}.")
        label = entry.get("label", inherited.label)
        if not isinstance(label, str) or not label.strip():
            problems.append(f"Reglen «{key}» mangler en dansk label.")
            label = key
        unit = entry.get("unit", inherited.unit)
        source = entry.get("source", inherited.source)
        if not isinstance(unit, str) or not isinstance(source, str):
            problems.append(f"Reglen «{key}»: unit og source skal være tekst.")
            unit, source = str(unit), str(source)
        if "value" not in entry:
            problems.append(f"Reglen «{key}» ({label}) mangler en værdi (value).")
            continue
        value = _check_value(key, label, entry["value"], problems)
        if value is not None:
            values[key] = value
        notes.append(RuleNote(key, label.strip(), unit.strip(), source.strip()))
    if not problems and values["praktik_extended_limit_weeks"] < values["praktik_limit_weeks"]:
        problems.append(
            f"Den forlængede praktikgrænse ({values['praktik_extended_limit_weeks']} uger) må ikke være "
            f"kortere end praktikgrænsen ({values['praktik_limit_weeks']} uger)."
        )
    if problems:
        raise RulesError(problems)
    return Rules(**values, notes=tuple(notes))


@cache
def load_rules() -> Rules:
    """The rules shipped with the app (the seeds' and the law's values)."""
    text = resources.files("aaben_raadgivning.assets").joinpath("rules.toml").read_text(encoding="utf-8")
    return parse_rules(text)

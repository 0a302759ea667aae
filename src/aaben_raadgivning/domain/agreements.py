"""Agreements (aftaler) between a citizen and a company: course kinds, the weekly schedule and its hours,
internship limits, statuses, and validation of the editor's fields. Pure: no store, no UI.

STORE FORMAT of ``agreements.schedule`` (a contract other modules rely on)::

    {"ordinary": [m0, m1, m2, m3, m4, m5, m6],
     "praktik": [m0, ..., m6],
     "loentilskud": [m0, ..., m6]}

Each list holds whole MINUTES per weekday, Monday (m0) to Sunday (m6). A missing key means all zeros;
unknown keys are ignored when reading. ``ordinary`` are ordinære, ustøttede timer (the only hours that
count towards the monthly goal); ``praktik`` (virksomhedspraktik) and ``loentilskud`` are always kept
apart and never count as ordinary hours. Hours per month are the weekly hours × 52/12 (an average month).

Course kinds, statuses, praktik purposes and limits are data in ``assets/reference.toml``
(``[[course_kinds]]``, ``[[agreement_statuses]]``, ``[[praktik_purposes]]``, ``[agreement_limits]``); the
internship limits in weeks are rules in rules.toml, picked by the citizen's readiness (jobparathed, LAB § 61):
``praktik_jobparate_limit_weeks`` for the readiness codes listed in ``agreement_limits.jobparate_readiness``
(no extension), ``praktik_limit_weeks`` / ``praktik_extended_limit_weeks`` for every other recorded readiness
(aktivitetsparate). A citizen without a recorded readiness gets the stricter jobparate limit on a complete
agreement (activation, renegotiation, saving an active one) and a warning on a draft (see ``praktik_limits``).

What the models ask of an agreement (seeds 000 KE 7 / 003 KE 4, 002): with hours but no ordinary hours it
says whether ordinary hours are expected and, if so, from when; with praktik hours it names the praktik's
purpose (a ``[[praktik_purposes]]`` code) and the expectations agreed with the company.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from aaben_raadgivning.domain.dates import (
    DateInputError,
    format_date,
    format_decimal,
    parse_date,
)
from aaben_raadgivning.domain.hours import (
    HOUR_KINDS,
    HoursInputError,
    format_hours,
    parse_hours,
    parse_month,
)
from aaben_raadgivning.domain.rules import Rules

# follow_up_tasks.rule of an active agreement's plan visits (made and kept by the agreement actions)
PLAN_TASK_RULE = "agreement_plan"

HOUR_TYPES = HOUR_KINDS  # the same three kinds of hours, planned here and reported in domain.hours
HOUR_TYPE_LABELS = {"ordinary": "Ordinære timer", "praktik": "Virksomhedspraktik", "loentilskud": "Løntilskud"}
HOUR_TYPE_SHORT = {"ordinary": "Ordinære", "praktik": "Praktik", "loentilskud": "Løntilskud"}
WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag")
WEEKDAYS_SHORT = ("Man", "Tir", "Ons", "Tor", "Fre", "Lør", "Søn")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
MAX_TEXT = 4000


# --- data: course kinds, statuses, limits ----------------------------------------------------------------


@dataclass(frozen=True)
class CourseKind:
    code: str
    label: str
    hour_types: tuple[str, ...]
    short: str = ""  # for narrow tables


@dataclass(frozen=True)
class AgreementStatusTerm:
    code: str
    label: str
    next: tuple[str, ...]


@dataclass(frozen=True)
class PraktikPurpose:
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class AgreementData:
    course_kinds: tuple[CourseKind, ...]
    statuses: tuple[AgreementStatusTerm, ...]
    max_minutes_per_day: int
    max_praktik_minutes_per_week: int
    praktik_purposes: tuple[PraktikPurpose, ...] = ()
    jobparate_readiness: frozenset[str] = frozenset({"jobparat"})  # readiness codes with the jobparate limit

    def praktik_purpose(self, code: str | None) -> PraktikPurpose | None:
        return next((p for p in self.praktik_purposes if p.code == code), None)

    def purpose_label(self, code: str | None) -> str:
        purpose = self.praktik_purpose(code)
        return purpose.label if purpose else (code or "")

    def course_kind(self, code: str) -> CourseKind | None:
        return next((kind for kind in self.course_kinds if kind.code == code), None)

    def course_label(self, code: str) -> str:
        kind = self.course_kind(code)
        return kind.label if kind else code

    def course_short(self, code: str) -> str:
        kind = self.course_kind(code)
        return kind.short if kind else code

    def status_label(self, code: str) -> str:
        status = next((s for s in self.statuses if s.code == code), None)
        return status.label if status else code

    def can_move(self, from_status: str, to_status: str) -> bool:
        status = next((s for s in self.statuses if s.code == from_status), None)
        return status is not None and to_status in status.next


def parse_agreement_data(text: str) -> AgreementData:
    data = tomllib.loads(text)
    kinds = tuple(
        CourseKind(
            row["code"],
            row["label"],
            tuple(t for t in row["hour_types"] if t in HOUR_TYPES),
            row.get("short", row["label"]),
        )
        for row in data.get("course_kinds", [])
    )
    statuses = tuple(
        AgreementStatusTerm(row["code"], row["label"], tuple(row.get("next", [])))
        for row in data.get("agreement_statuses", [])
    )
    purposes = tuple(
        PraktikPurpose(row["code"], row["label"], row.get("description", ""))
        for row in data.get("praktik_purposes", [])
    )
    limits = data.get("agreement_limits", {})
    return AgreementData(
        kinds,
        statuses,
        int(Decimal(str(limits.get("max_hours_per_day", 24))) * 60),
        int(Decimal(str(limits.get("max_praktik_hours_per_week", 37))) * 60),
        purposes,
        frozenset(limits.get("jobparate_readiness", ["jobparat"])),
    )


@cache
def load_agreement_data() -> AgreementData:
    text = resources.files("aaben_raadgivning.assets").joinpath("reference.toml").read_text(encoding="utf-8")
    return parse_agreement_data(text)


# --- hours -----------------------------------------------------------------------------------------------


def parse_day_hours(text: str, max_minutes: int = 24 * 60) -> int:
    """One schedule cell → whole minutes ("3", "3,5", "7.25", "2:30"; empty is 0), at most ``max_minutes``."""
    total = parse_hours(text)
    if total > max_minutes:
        raise HoursInputError(f"Højst {format_hours(max_minutes)} timer på en dag (skrevet: {text.strip()}).")
    return total


@dataclass(frozen=True)
class Schedule:
    """Minutes per weekday (Monday..Sunday) for each hour type; see the module docstring."""

    minutes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def day(self, hour_type: str) -> tuple[int, ...]:
        return self.minutes.get(hour_type, (0,) * 7)

    def week_minutes(self, hour_type: str) -> int:
        return sum(self.day(hour_type))

    def month_minutes(self, hour_type: str) -> Decimal:
        """An average calendar month: the week × 52/12."""
        return Decimal(self.week_minutes(hour_type)) * WEEKS_PER_MONTH

    def day_total(self, weekday: int) -> int:
        return sum(self.day(t)[weekday] for t in HOUR_TYPES)

    def used_types(self) -> tuple[str, ...]:
        return tuple(t for t in HOUR_TYPES if self.week_minutes(t) > 0)

    def is_empty(self) -> bool:
        return not self.used_types()

    def to_json(self) -> str:
        return json.dumps({t: list(self.day(t)) for t in HOUR_TYPES}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Schedule:
        """Read the stored JSON leniently (a newer laptop may add keys; bad values count as 0)."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        minutes: dict[str, tuple[int, ...]] = {}
        for hour_type in HOUR_TYPES:
            values = data.get(hour_type)
            if isinstance(values, list):
                row = [
                    int(v) if isinstance(v, int | float) and not isinstance(v, bool) and v > 0 else 0
                    for v in values[:7]
                ]
                minutes[hour_type] = tuple(row + [0] * (7 - len(row)))
        return cls(minutes)


def parse_schedule(
    cells: dict[str, list[str]], max_minutes_per_day: int | None = None
) -> tuple[Schedule, dict[str, str]]:
    """The editor's grid (hour type → 7 texts) → a Schedule and per-cell errors (``schedule.<type>.<day>``)."""
    limit = max_minutes_per_day if max_minutes_per_day is not None else load_agreement_data().max_minutes_per_day
    errors: dict[str, str] = {}
    minutes: dict[str, tuple[int, ...]] = {}
    for hour_type in HOUR_TYPES:
        texts = list(cells.get(hour_type, []))[:7]
        texts += [""] * (7 - len(texts))
        row = []
        for day, text in enumerate(texts):
            try:
                row.append(parse_day_hours(text, limit))
            except HoursInputError as exc:
                errors[f"schedule.{hour_type}.{day}"] = (
                    f"{WEEKDAYS[day]}, {HOUR_TYPE_SHORT[hour_type].lower()}: {exc.message}"
                )
                row.append(0)
        minutes[hour_type] = tuple(row)
    return Schedule(minutes), errors


def schedule_errors(
    schedule: Schedule, course_kind: CourseKind | None, data: AgreementData | None = None
) -> dict[str, str]:
    """Rules on a whole schedule: a day over 24 hours in all, hour types the course kind does not allow,
    internship over 37 hours a week."""
    data = data or load_agreement_data()
    errors: dict[str, str] = {}
    for weekday in range(7):
        if schedule.day_total(weekday) > data.max_minutes_per_day:
            errors["schedule"] = (
                f"{WEEKDAYS[weekday]}: {format_hours(schedule.day_total(weekday))} timer i alt – "
                f"højst {format_hours(data.max_minutes_per_day)} timer på en dag."
            )
            break
    praktik = schedule.week_minutes("praktik")
    if praktik > data.max_praktik_minutes_per_week:
        errors["schedule"] = (
            f"{format_hours(praktik)} timers praktik om ugen er for meget – højst "
            f"{format_hours(data.max_praktik_minutes_per_week)} timer."
        )
    if course_kind is not None:
        wrong = [t for t in schedule.used_types() if t not in course_kind.hour_types]
        if wrong:
            names = ", ".join(HOUR_TYPE_LABELS[t].lower() for t in wrong)
            errors["schedule"] = f"Et forløb med {course_kind.label.lower()} kan ikke have {names}."
    return errors


# --- internship limits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PraktikLimits:
    """The internship limits that apply to one citizen (picked by readiness, see ``praktik_limits``)."""

    limit: int  # weeks; beyond it only after a written, concrete assessment (when extended > limit)
    extended: int  # weeks; never beyond (== limit: the law allows no extension)
    group: str  # who the limit is for, in Danish: "aktivitetsparate", "jobparate"
    readiness_known: bool = True  # False: no readiness recorded, the stricter jobparate limit applies


def praktik_limits(readiness: str | None, rules: Rules, data: AgreementData | None = None) -> PraktikLimits:
    """LAB § 61: up to 4 weeks for jobparate (no extension), 13 weeks for aktivitetsparate (26 after a concrete
    assessment); the numbers are rules. Which readiness codes are jobparate is data (reference.toml). Without a
    recorded readiness the stricter jobparate limit applies (``readiness_known`` False)."""
    data = data or load_agreement_data()
    jobparate = PraktikLimits(rules.praktik_jobparate_limit_weeks, rules.praktik_jobparate_limit_weeks, "jobparate")
    if not readiness:
        return replace(jobparate, readiness_known=False)
    if readiness in data.jobparate_readiness:
        return jobparate
    return PraktikLimits(rules.praktik_limit_weeks, rules.praktik_extended_limit_weeks, "aktivitetsparate")


@dataclass(frozen=True)
class PraktikCheck:
    weeks: Decimal  # planned internship weeks, earlier versions of the agreement included
    warning: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def needs_assessment(self) -> bool:
        return "praktik_assessment" in self.errors or bool(self.warning and "vurdering" in self.warning)


def period_days(start: date, end: date) -> int:
    return (end - start).days + 1


def _weeks_text(weeks: Decimal) -> str:
    return format_decimal(weeks, 1).replace(",0", "")


def check_praktik(
    start: date | None,
    end: date | None,
    praktik_minutes: int,
    assessment: str,
    rules: Rules,
    earlier_days: int = 0,
    *,
    readiness: str | None,
    strict: bool = True,
) -> PraktikCheck:
    """Internship limits (data, by the citizen's readiness): warn when the planned period reaches the limit,
    require a written concrete assessment to go past it where the law allows an extension, refuse past the
    extended limit. Without a recorded readiness the jobparate limit is enforced when ``strict`` (a complete
    agreement); a draft (``strict`` False) gets a warning and the aktivitetsparate limits."""
    if praktik_minutes <= 0 or start is None:
        return PraktikCheck(Decimal(0))
    if end is None:
        return PraktikCheck(Decimal(0), errors={"end_date": "Virksomhedspraktik skal have en slutdato."})
    days = earlier_days + max(period_days(start, end), 0)
    weeks = Decimal(days) / 7
    shown = _weeks_text(weeks)
    limits = praktik_limits(readiness, rules)
    if not limits.readiness_known and days > limits.limit * 7:
        unknown = (
            f"Borgerens parathed er ikke registreret, så grænsen for jobparate gælder: højst {limits.limit} uger "
            f"(planen er {shown} uger). Registrér parathed i borgerens stamdata, eller vælg en tidligere slutdato."
        )
        if strict:
            return PraktikCheck(weeks, errors={"end_date": unknown})
        draft = _check_within(weeks, days, shown, assessment, praktik_limits("aktivitetsparat", rules))
        return replace(draft, warning=" ".join(filter(None, (unknown, draft.warning))))
    return _check_within(weeks, days, shown, assessment, limits)


def _check_within(weeks: Decimal, days: int, shown: str, assessment: str, limits: PraktikLimits) -> PraktikCheck:
    limit, extended = limits.limit, limits.extended
    group = "" if limits.group == "aktivitetsparate" else f" for {limits.group}"
    if days > extended * 7:
        return PraktikCheck(
            weeks,
            errors={
                "end_date": f"Virksomhedspraktik{group} kan højst vare {extended} uger; planen er {shown} uger. "
                "Vælg en tidligere slutdato."
            },
        )
    if days > limit * 7:
        if not assessment.strip():
            return PraktikCheck(
                weeks,
                f"Praktikken er planlagt til {shown} uger – over grænsen på {limit} uger.",
                {"praktik_assessment": f"Praktik ud over {limit} uger kræver en skriftlig, konkret vurdering."},
            )
        return PraktikCheck(
            weeks, f"Praktikken er planlagt til {shown} uger – forlænget efter konkret vurdering (højst {extended})."
        )
    if days >= limit * 7:
        return PraktikCheck(weeks, f"Praktikken når grænsen på {limit} uger{group}.")
    return PraktikCheck(weeks)


# --- the editor's fields --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementInput:
    """What the editor sends: the raw texts and picked ids (validated by ``validate_agreement``)."""

    citizen_id: str | None
    company_id: str | None
    course_kind: str
    tasks: str = ""
    schedule: dict[str, list[str]] = field(default_factory=dict)  # hour type → 7 texts
    health_notes: str = ""
    contact_id: str | None = None
    jobformidler_id: str | None = None
    start_date: str = ""
    end_date: str = ""
    praktik_assessment: str = ""
    follow_up_plan: str = ""  # plan text, see domain.follow_up_cadence; empty = the default plan
    ordinary_expected: str = ""  # ORDINARY_EXPECTED code ("ja"/"nej"), "" = not answered
    ordinary_expected_from: str = ""  # a date or a month as typed ("1.3.2027", "marts 2027")
    praktik_purpose: str = ""  # a [[praktik_purposes]] code
    praktik_expectations: str = ""  # what was agreed with the company


@dataclass(frozen=True)
class CleanAgreement:
    citizen_id: str
    company_id: str
    course_kind: str
    tasks: str
    schedule: Schedule
    health_notes: str
    contact_id: str | None
    jobformidler_id: str | None
    start_date: date | None
    end_date: date | None
    praktik_assessment: str
    follow_up_plan: str  # stored JSON
    ordinary_expected: bool | None = None  # None: not asked (the agreement has ordinary hours)
    ordinary_expected_from: date | None = None
    praktik_purpose: str | None = None  # None: no praktik hours
    praktik_expectations: str = ""
    warnings: tuple[str, ...] = ()


# «Forventes ordinære timer?» (seed 000 KE 7): the editor's answers and what they store.
ORDINARY_EXPECTED = {"ja": True, "nej": False}
ORDINARY_EXPECTED_LABELS = (("Ja", "ja"), ("Nej", "nej"))


def ordinary_expected_code(value: bool | None) -> str:
    """A stored answer as the editor's code ("" when not answered)."""
    return "" if value is None else "ja" if value else "nej"


def parse_expected_from(text: str, today: date) -> date:
    """When ordinary hours are expected: a date ("1.3.2027") or a month ("3.2027", "marts 2027": its first day)."""
    try:
        return parse_date(text, today)
    except DateInputError:
        pass
    try:
        return parse_month(text, today)
    except HoursInputError:
        raise DateInputError(
            f"«{text.strip()}» er hverken en dato eller en måned. Skriv fx 1.3.2027 eller marts 2027."
        ) from None


def _expectations(
    data: AgreementInput, schedule: Schedule, start: date | None, today: date, errors: dict[str, str]
) -> tuple[bool | None, date | None, str | None, str, list[str]]:
    """Seed 000 KE 7 / 003 KE 4: hours but no ordinary hours → whether and when ordinary hours are expected;
    seed 002: praktik hours → the praktik's purpose and the expectations agreed with the company.
    Returns (expected, expected_from, purpose, expectations, warnings); answers that do not apply are dropped."""
    warnings: list[str] = []
    expected: bool | None = None
    expected_from: date | None = None
    if not schedule.is_empty() and schedule.week_minutes("ordinary") == 0:
        answer = data.ordinary_expected.strip().lower()
        if answer not in ORDINARY_EXPECTED:
            errors["ordinary_expected"] = (
                "Aftalen har ingen ordinære timer: svar på, om der forventes ordinære timer (ja eller nej)."
            )
        else:
            expected = ORDINARY_EXPECTED[answer]
        if expected and not data.ordinary_expected_from.strip():
            errors["ordinary_expected_from"] = (
                "Skriv hvornår der forventes ordinære timer – en dato eller en måned, fx 1.3.2027 eller marts 2027."
            )
        elif expected:
            try:
                expected_from = parse_expected_from(data.ordinary_expected_from, today)
            except DateInputError as exc:
                errors["ordinary_expected_from"] = exc.message
            if expected_from and start and expected_from < start.replace(day=1):
                errors["ordinary_expected_from"] = (
                    f"Ordinære timer kan ikke forventes før forløbet starter ({format_date(start)})."
                )
        if expected is False:
            warnings.append("Ingen udsigt til ordinære timer: overvej en anden virksomhed (seed 000 KE 9).")
    purpose: str | None = None
    expectations = ""
    if schedule.week_minutes("praktik") > 0:
        agreement_data = load_agreement_data()
        found = agreement_data.praktik_purpose(data.praktik_purpose.strip())
        if found is None:
            names = ", ".join(p.label.lower() for p in agreement_data.praktik_purposes)
            errors["praktik_purpose"] = f"Vælg formålet med praktikken ({names})."
        else:
            purpose = found.code
        expectations = _text(
            data.praktik_expectations, "praktik_expectations", errors,
            required_message="Skriv de forventninger til praktikken, der er aftalt med virksomheden.",
        )  # fmt: skip
    return expected, expected_from, purpose, expectations, warnings


def _text(value: str, name: str, errors: dict[str, str], *, required_message: str = "") -> str:
    cleaned = value.strip()
    if required_message and not cleaned:
        errors[name] = required_message
    elif len(cleaned) > MAX_TEXT:
        errors[name] = f"Teksten er for lang (højst {MAX_TEXT} tegn)."
    return cleaned


def _date(value: str, name: str, today: date, errors: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return parse_date(value, today)
    except DateInputError as exc:
        errors[name] = exc.message
        return None


def validate_agreement(
    data: AgreementInput,
    *,
    today: date,
    rules: Rules,
    complete: bool,
    readiness: str | None,
    earlier_praktik_days: int = 0,
) -> CleanAgreement:
    """Check every field; raises ValidationError with one Danish message per wrong field.

    ``complete`` is False for a draft (citizen, company and course kind are enough; what is filled in must be
    right) and True to activate or renegotiate (tasks, contact person, jobformidler, start date, hours and a
    valid follow-up plan are required). ``readiness`` is the citizen's readiness code (None: not recorded):
    it picks the internship limits. In both cases hours without ordinary hours need the answer whether and
    when ordinary hours are expected, and praktik hours need a purpose and the agreed expectations.
    """
    from aaben_raadgivning.domain.errors import ValidationError
    from aaben_raadgivning.domain.follow_up_cadence import (
        PlanError,
        default_plan,
        parse_plan_text,
    )

    agreement_data = load_agreement_data()
    errors: dict[str, str] = {}
    if not data.citizen_id:
        errors["citizen"] = "Vælg borgeren."
    if not data.company_id:
        errors["company"] = "Vælg virksomheden."
    kind = agreement_data.course_kind(data.course_kind)
    if kind is None:
        errors["course_kind"] = "Vælg forløbstype."
    tasks = _text(data.tasks, "tasks", errors, required_message="Beskriv arbejdsopgaverne." if complete else "")
    health = _text(data.health_notes, "health_notes", errors)
    assessment = _text(data.praktik_assessment, "praktik_assessment", errors)
    start = _date(data.start_date, "start_date", today, errors)
    end = _date(data.end_date, "end_date", today, errors)
    if complete and start is None and "start_date" not in errors:
        errors["start_date"] = "Skriv startdatoen."
    if start and end and end < start:
        errors["end_date"] = f"Slutdatoen {format_date(end)} ligger før startdatoen {format_date(start)}."
    if complete and not data.contact_id:
        errors["contact"] = "Vælg virksomhedens faste kontaktperson."
    if complete and not data.jobformidler_id:
        errors["jobformidler"] = "Vælg jobformidleren."
    schedule, cell_errors = parse_schedule(data.schedule, agreement_data.max_minutes_per_day)
    if cell_errors:
        errors["schedule"] = next(iter(cell_errors.values()))
    else:
        errors.update(schedule_errors(schedule, kind, agreement_data))
        if complete and schedule.is_empty() and "schedule" not in errors:
            errors["schedule"] = "Skriv timerne i ugeskemaet."
    warnings: list[str] = []
    if "end_date" not in errors and "schedule" not in errors:
        check = check_praktik(
            start, end, schedule.week_minutes("praktik"), assessment, rules, earlier_praktik_days,
            readiness=readiness, strict=complete,
        )  # fmt: skip
        for name, message in check.errors.items():
            errors.setdefault(name, message)
        if check.warning:
            warnings.append(check.warning)
    expected, expected_from, purpose, expectations = None, None, None, ""
    if "schedule" not in errors:  # what the schedule asks for is known only when it reads right
        expected, expected_from, purpose, expectations, more = _expectations(data, schedule, start, today, errors)
        warnings.extend(more)
    try:
        plan = parse_plan_text(data.follow_up_plan, rules) if data.follow_up_plan.strip() else default_plan()
        plan_json = plan.to_json()
    except PlanError as exc:
        errors["follow_up_plan"] = exc.message
        plan_json = ""
    if errors:
        raise ValidationError(errors)
    assert kind is not None and data.citizen_id and data.company_id
    return CleanAgreement(
        citizen_id=data.citizen_id,
        company_id=data.company_id,
        course_kind=kind.code,
        tasks=tasks,
        schedule=schedule,
        health_notes=health,
        contact_id=data.contact_id or None,
        jobformidler_id=data.jobformidler_id or None,
        start_date=start,
        end_date=end,
        praktik_assessment=assessment,
        follow_up_plan=plan_json,
        ordinary_expected=expected,
        ordinary_expected_from=expected_from,
        praktik_purpose=purpose,
        praktik_expectations=expectations,
        warnings=tuple(warnings),
    )


def schedule_cells(schedule: Schedule) -> dict[str, list[str]]:
    """A stored schedule as the editor's texts (empty cells for zero)."""
    return {t: [format_hours(m) if m else "" for m in schedule.day(t)] for t in HOUR_TYPES}


def weeks_between(start: date, end: date) -> int:
    return math.ceil(period_days(start, end) / 7)

"""The lists the follow-up rules work with (``assets/follow_up_policy.toml``), beside the numbers in rules.toml.

- **Monthly contact** (seed 000 KE 7, seed 003 KE 4): in the first year of a company course the jobformidler
  and the citizen are in contact at least once a month. Only a *personal* contact counts (meeting, phone,
  home visit, the counter — not an SMS or a letter), and only one made by a jobformidler: which event kinds
  and which staff roles count is data (:class:`MonthlyContactPolicy`); the citizen's own jobformidler counts
  whatever their role (seed 003: the role may be held by a mentor or a sagsbehandler).
- **Routes**: which visitation outcome codes (step-model data) send a citizen on the rehab route or the
  underretning route, and the status a screen shows for it (:class:`RoutePolicy`). The route *kinds* are
  code, because each has its own rules (domain.follow_up_rules): :data:`ROUTE_REHAB`,
  :data:`ROUTE_UNDERRETNING`.

Pure: no database, no UI. Event kinds and roles are checked against reference.toml when the file is read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.reference import Reference, load_reference

ROUTE_REHAB = "rehab"
ROUTE_UNDERRETNING = "underretning"
ROUTE_KINDS = (ROUTE_REHAB, ROUTE_UNDERRETNING)


class PolicyError(UserError, ValueError):
    """A policy file that cannot be used; ``message`` is Danish and lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        self.message = "Opfølgningsreglernes lister kan ikke bruges:\n" + "\n".join(f"- {p}" for p in problems)
        super().__init__(self.message)


@dataclass(frozen=True)
class MonthlyContactPolicy:
    """Which contacts meet the monthly contact of a company course."""

    event_kinds: frozenset[str]
    staff_roles: frozenset[str]
    assigned_jobformidler: bool
    label: str = ""
    source: str = ""

    def counts(self, kind: str, role: str | None, *, by_assigned_jobformidler: bool) -> bool:
        """A contact of event kind ``kind`` recorded by a staff member with ``role`` (None: not known)
        counts as the monthly contact. ``by_assigned_jobformidler``: the staff member is the citizen's own
        jobformidler. A contact with nobody recorded as its maker never counts."""
        if kind not in self.event_kinds:
            return False
        if by_assigned_jobformidler and self.assigned_jobformidler:
            return True
        return role is not None and role in self.staff_roles


@dataclass(frozen=True)
class RoutePolicy:
    kind: str  # ROUTE_REHAB or ROUTE_UNDERRETNING
    outcomes: frozenset[str]  # visitation outcome codes (step models) on this route
    status: str  # Danish, for screens: «Sendt til rehabiliteringsteamet»
    source: str = ""


@dataclass(frozen=True)
class FollowUpPolicy:
    monthly_contact: MonthlyContactPolicy
    routes: tuple[RoutePolicy, ...]

    def route_kind(self, outcome: str | None) -> str:
        """The route kind of a citizen's ``route`` (a visitation outcome code); "" when none or unknown."""
        if not outcome:
            return ""
        return next((route.kind for route in self.routes if outcome in route.outcomes), "")

    def route(self, kind: str) -> RoutePolicy | None:
        return next((route for route in self.routes if route.kind == kind), None)


def _codes(raw: object, where: str, known: set[str], what: str, problems: list[str]) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
        problems.append(f"{where}: skal være en liste af koder.")
        return frozenset()
    unknown = sorted(set(raw) - known)
    if unknown:
        problems.append(f"{where}: ukendte {what}: {', '.join(unknown)}. Kendte: {', '.join(sorted(known))}.")
    return frozenset(raw)


def parse_policy(text: str, reference: Reference | None = None) -> FollowUpPolicy:
    """Read a policy file; every problem is listed in one :class:`PolicyError` (Danish)."""
    reference = reference or load_reference()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"Filen er ikke gyldig TOML: {exc}"]) from None
    problems: list[str] = []
    unknown = sorted(set(data) - {"monthly_contact", "routes"})
    if unknown:
        problems.append(f"Ukendte afsnit: {', '.join(unknown)}.")
    raw = data.get("monthly_contact")
    if not isinstance(raw, dict):
        problems.append("Afsnittet [monthly_contact] mangler.")
        raw = {}
    extra = sorted(set(raw) - {"label", "event_kinds", "staff_roles", "assigned_jobformidler", "source"})
    if extra:
        problems.append(f"[monthly_contact] har ukendte felter: {', '.join(extra)}.")
    kinds = _codes(
        raw.get("event_kinds", []), "[monthly_contact] event_kinds",
        {t.code for t in reference.event_kinds.terms}, "hændelsestyper", problems,
    )  # fmt: skip
    if raw and not kinds:
        problems.append("[monthly_contact] event_kinds: mindst én hændelsestype skal tælle som kontakt.")
    roles = _codes(
        raw.get("staff_roles", []), "[monthly_contact] staff_roles", {t.code for t in reference.roles.terms},
        "roller", problems,
    )  # fmt: skip
    assigned = raw.get("assigned_jobformidler", True)
    if not isinstance(assigned, bool):
        problems.append("[monthly_contact] assigned_jobformidler skal være true eller false.")
        assigned = True
    if raw and not roles and not assigned:
        problems.append("[monthly_contact]: ingen kontakt ville tælle (ingen roller og ikke borgerens jobformidler).")
    monthly = MonthlyContactPolicy(
        kinds, roles, assigned, str(raw.get("label", "")).strip(), str(raw.get("source", "")).strip()
    )
    routes: list[RoutePolicy] = []
    rows = data.get("routes", [])
    if not isinstance(rows, list):
        problems.append("[[routes]] skal være en liste af tabeller.")
        rows = []
    seen: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        where = f"Spor {number}"
        if not isinstance(row, dict):
            problems.append(f"{where}: skal være en tabel.")
            continue
        extra = sorted(set(row) - {"kind", "outcomes", "status", "source"})
        if extra:
            problems.append(f"{where}: ukendte felter: {', '.join(extra)}.")
        kind = row.get("kind")
        if kind not in ROUTE_KINDS:
            problems.append(f"{where}: kind skal være en af {', '.join(ROUTE_KINDS)}, ikke «{kind}».")
            continue
        outcomes = row.get("outcomes")
        if not isinstance(outcomes, list) or not outcomes or not all(isinstance(o, str) and o for o in outcomes):
            problems.append(f"{where} ({kind}): outcomes skal være en liste af visitationsudfald.")
            continue
        for outcome in outcomes:
            if outcome in seen:
                problems.append(f"Visitationsudfaldet «{outcome}» står både under {seen[outcome]} og {kind}.")
            seen[outcome] = kind
        status = row.get("status")
        if not isinstance(status, str) or not status.strip():
            problems.append(f"{where} ({kind}): status (teksten, skærmen viser) mangler.")
            continue
        routes.append(RoutePolicy(kind, frozenset(outcomes), status.strip(), str(row.get("source", "")).strip()))
    if problems:
        raise PolicyError(problems)
    return FollowUpPolicy(monthly, tuple(routes))


@cache
def load_policy() -> FollowUpPolicy:
    """The policy shipped with the app (the seeds' lists)."""
    text = resources.files("aaben_raadgivning.assets").joinpath("follow_up_policy.toml").read_text(encoding="utf-8")
    return parse_policy(text)

"""The step models' constants and errors, and the closed vocabulary of facts exit criteria test."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from aaben_raadgivning.domain.errors import UserError

DEFAULT_STEP_MODEL = "flere_skal_med"
RULES_PREFIX = "rules."

_CODE_RE = re.compile(r"[a-z][a-z0-9_]*")


class StepModelError(UserError, ValueError):
    """A model file that cannot be used, or a step/model that does not exist; ``message`` is Danish."""

    def __init__(self, problems: Sequence[str] | str, *, title: str = "") -> None:
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

"""Reference vocabularies (walk-in reasons, benefit types, match groups, languages, exit outcomes, event kinds,
roles) loaded from assets.

They are data because municipalities differ and the law changes; records store the code, and a retired
code keeps its label so old records still read correctly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    retired: bool = False
    contact: bool = False  # event kinds: a contact with the citizen
    personal: bool = False  # event kinds: a personal contact (phone, meeting, visit)
    own_action: bool = False  # event kinds: recorded only by its own action, never as a plain event
    self_supporting: bool = False  # exit outcomes: self-support through job or education
    short: str = ""  # a short label where room is scarce (the counter's queue at 80 columns); "" = the label


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]

    def active(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.retired)

    def short_label(self, code: str | None) -> str:
        """The short label of a code (its label when it has none)."""
        for term in self.terms:
            if term.code == code:
                return term.short or term.label
        return self.label(code)

    def label(self, code: str | None) -> str:
        """The label of a code; unknown codes (e.g. from a newer app on another laptop) show as themselves."""
        if code is None:
            return ""
        for term in self.terms:
            if term.code == code:
                return term.label
        return code

    def has_active(self, code: str) -> bool:
        return any(term.code == code for term in self.active())

    def term(self, code: str) -> Term | None:
        return next((term for term in self.terms if term.code == code), None)


@dataclass(frozen=True)
class Reference:
    walk_in_reasons: Vocabulary
    benefit_types: Vocabulary
    readiness: Vocabulary
    match_groups: Vocabulary
    languages: Vocabulary
    exit_outcomes: Vocabulary
    event_kinds: Vocabulary
    roles: Vocabulary
    follow_up_kinds: Vocabulary
    cv_statuses: Vocabulary
    parallel_efforts: Vocabulary
    sanction_kinds: Vocabulary


def _vocabulary(name: str, rows: list[dict]) -> Vocabulary:
    return Vocabulary(name, tuple(Term(**row) for row in rows))


def parse_reference(text: str) -> Reference:
    data = tomllib.loads(text)
    return Reference(**{key: _vocabulary(key, data.get(key, [])) for key in Reference.__dataclass_fields__})


@cache
def load_reference() -> Reference:
    text = resources.files("aaben_raadgivning.assets").joinpath("reference.toml").read_text(encoding="utf-8")
    return parse_reference(text)

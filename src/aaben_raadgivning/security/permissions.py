"""Who may do what, and read what: the permission matrix (assets/permissions.toml), loaded and checked.

The store enforces it: every write action asks ``require(role, action)`` before it writes, and every read
of personal data is cut to ``read_scopes(role, consented)`` — a refused read returns nothing, not just a
hidden widget. The UI asks ``may`` to offer only what a role may do.

*Samtykke* (consent): a citizen's consent to share certain categories of their data with the housing
organisation's staff (boligsociale medarbejdere, a private party); a read scope marked ``with_consent``
opens for those roles only while a valid consent names its category.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.reference import load_reference


class PermissionDenied(UserError, PermissionError):
    """A role tried what it may not; the Danish message says what."""


class PermissionsError(UserError, ValueError):
    """The permission file is wrong (an unknown role, a missing field)."""


@dataclass(frozen=True)
class ActionRule:
    roles: frozenset[str]
    what: str


@dataclass(frozen=True)
class ReadRule:
    roles: frozenset[str]
    with_consent: frozenset[str]
    category: str | None
    what: str  # completes «Som … kan du ikke …» when a read is refused outright
    event_kinds: frozenset[str] = frozenset()  # timeline events of these kinds belong to this scope


# A timeline event whose kind no read scope names belongs to the case (forløb).
DEFAULT_EVENT_SCOPE = "case"


@dataclass(frozen=True)
class Permissions:
    actions: dict[str, ActionRule]
    reads: dict[str, ReadRule]
    refused: str
    first_account_role: str  # the role of an office's first account, made in the app (it may manage staff)

    def event_scope(self, kind: str) -> str:
        """The read scope a timeline event of ``kind`` belongs to."""
        for scope, rule in self.reads.items():
            if kind in rule.event_kinds:
                return scope
        return DEFAULT_EVENT_SCOPE

    def event_kinds_outside(self, scopes: frozenset[str]) -> tuple[frozenset[str], bool]:
        """How to filter timeline events to ``scopes``: ``(kinds, True)`` keep only these kinds (the case
        scope is missing), ``(kinds, False)`` keep every kind but these."""
        if DEFAULT_EVENT_SCOPE in scopes:
            return frozenset(k for s, r in self.reads.items() if s not in scopes for k in r.event_kinds), False
        return frozenset(k for s, r in self.reads.items() if s in scopes for k in r.event_kinds), True

    def may(self, role: str | None, action: str) -> bool:
        rule = self._action(action)
        return role is not None and role in rule.roles

    def refusal(self, role: str | None, action: str) -> str | None:
        """The Danish reason ``role`` may not do ``action``, or None when it may."""
        if self.may(role, action):
            return None
        return self.refused.format(role=_role_label(role), what=self._action(action).what)

    def require(self, role: str | None, action: str) -> None:
        """Raise ``PermissionDenied`` (Danish) unless ``role`` may do ``action``."""
        refusal = self.refusal(role, action)
        if refusal is not None:
            raise PermissionDenied(refusal)

    def may_read(self, role: str | None, scope: str, consented: Iterable[str] = ()) -> bool:
        rule = self.reads.get(scope)
        if rule is None:
            raise KeyError(f"unknown read scope {scope!r}")
        if role is None:
            return False
        if role in rule.roles:
            return True
        return role in rule.with_consent and rule.category is not None and rule.category in set(consented)

    def read_scopes(self, role: str | None, consented: Iterable[str] = ()) -> frozenset[str]:
        """Every read scope ``role`` has for a citizen whose valid consent names ``consented``."""
        given = frozenset(consented)
        return frozenset(scope for scope in self.reads if self.may_read(role, scope, given))

    def require_read(self, role: str | None, scope: str, consented: Iterable[str] = ()) -> None:
        """Raise ``PermissionDenied`` (Danish) unless ``role`` may read ``scope`` (e.g. health notes in an export)."""
        if not self.may_read(role, scope, consented):
            raise PermissionDenied(self.refused.format(role=_role_label(role), what=self.reads[scope].what))

    def needs_consent(self, role: str | None) -> bool:
        """True when some of this role's reads depend on the citizen's consent."""
        return any(role in rule.with_consent for rule in self.reads.values())

    def _action(self, action: str) -> ActionRule:
        try:
            return self.actions[action]
        except KeyError:
            raise KeyError(f"unknown action {action!r} (add it to assets/permissions.toml)") from None


def _role_label(role: str | None) -> str:
    if role is None:
        return "ikke logget ind"
    return load_reference().roles.label(role).lower()


def parse_permissions(text: str, known_roles: Iterable[str], known_categories: Iterable[str]) -> Permissions:
    data = tomllib.loads(text)
    roles, categories = set(known_roles), set(known_categories)

    def role_set(where: str, values: object) -> frozenset[str]:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PermissionsError(f"{where}: skal være en liste af roller")
        unknown = sorted(set(values) - roles)
        if unknown:
            raise PermissionsError(f"{where}: ukendt rolle {', '.join(unknown)}")
        return frozenset(values)

    try:
        actions = {
            name: ActionRule(role_set(f"actions.{name}.roles", rule["roles"]), str(rule["what"]))
            for name, rule in data["actions"].items()
        }
        reads = {}
        for name, rule in data["reads"].items():
            with_consent = role_set(f"reads.{name}.with_consent", rule.get("with_consent", []))
            category = rule.get("category")
            if with_consent and category not in categories:
                raise PermissionsError(f"reads.{name}: samtykke-kategorien {category!r} findes ikke")
            kinds = rule.get("event_kinds", [])
            if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
                raise PermissionsError(f"reads.{name}.event_kinds: skal være en liste af hændelsestyper")
            reads[name] = ReadRule(
                role_set(f"reads.{name}.roles", rule["roles"]),
                with_consent,
                category,
                str(rule["what"]),
                frozenset(kinds),
            )
        if DEFAULT_EVENT_SCOPE not in reads:
            raise PermissionsError(f"rettighedsfilen mangler reads.{DEFAULT_EVENT_SCOPE}")
        refused = str(data["messages"]["refused"])
        first = data["first_account"]["role"]
        if first not in actions["manage_staff"].roles:
            raise PermissionsError(f"first_account.role: {first!r} må ikke oprette medarbejdere (actions.manage_staff)")
    except KeyError as exc:
        raise PermissionsError(f"rettighedsfilen mangler {exc}") from None
    return Permissions(actions, reads, refused, str(first))


@cache
def load_permissions() -> Permissions:
    assets = resources.files("aaben_raadgivning.assets")
    consent = tomllib.loads(assets.joinpath("consent.toml").read_text(encoding="utf-8"))
    return parse_permissions(
        assets.joinpath("permissions.toml").read_text(encoding="utf-8"),
        (term.code for term in load_reference().roles.terms),
        (row["code"] for row in consent["categories"]),
    )

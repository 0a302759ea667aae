"""Who may do what: the role rules the store's actions enforce.

A *jobkonsulent* (municipal job consultant) holds the authority (myndighed): visitation, the judgement that
a citizen belongs to the rehabilitation target group, sanctions and purges. The role codes are data
(assets/reference.toml, ``[[roles]]``); the full permission and consent matrix is the roles-and-consent issue.
"""

from __future__ import annotations

from aaben_raadgivning.domain.errors import ValidationError

AUTHORITY_ROLE = "jobkonsulent"


def holds_authority(role: str | None) -> bool:
    return role == AUTHORITY_ROLE


def require_authority(role: str | None, what: str) -> None:
    """Raise a Danish ValidationError unless ``role`` holds the authority; ``what`` completes
    «Kun en jobkonsulent (myndigheden) kan …»."""
    if not holds_authority(role):
        raise ValidationError.single("role", f"Kun en jobkonsulent (myndigheden) kan {what}.")

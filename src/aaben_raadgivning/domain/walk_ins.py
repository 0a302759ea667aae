"""The life of a walk-in at the counter, derived from its append-only transitions.

Transition kinds: ``start`` (a staff member takes the person), ``finish`` (helped, with an outcome),
``cancel`` (left without help) and ``link`` (an anonymous walk-in tied to a citizen).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

WAITING, IN_PROGRESS, FINISHED, CANCELLED = "waiting", "in_progress", "finished", "cancelled"
STATUS_LABELS = {WAITING: "Venter", IN_PROGRESS: "I gang", FINISHED: "Afsluttet", CANCELLED: "Gik"}


class TransitionLike(Protocol):
    kind: str
    citizen_id: str | None


def status_of(kinds: Iterable[str]) -> str:
    present = set(kinds)
    if "finish" in present:
        return FINISHED
    if "cancel" in present:
        return CANCELLED
    if "start" in present:
        return IN_PROGRESS
    return WAITING


def linked_citizen(original_citizen_id: str | None, transitions: Sequence[TransitionLike]) -> str | None:
    """The citizen a walk-in belongs to: the latest link, else the one it was registered for."""
    links = [t.citizen_id for t in transitions if t.kind == "link"]
    return links[-1] if links else original_citizen_id

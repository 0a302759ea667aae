"""A device's ``state.json`` on the share: how far it has applied every device's segments.

Other devices act on it (they remove their own segments once every device has applied them, they send
again what a device lacks, they tell a cloned disk from a damaged file), so a damaged copy must never
be read as true: one flipped digit in ``applied`` or ``own`` would look like progress nobody made. The
file therefore carries the SHA-256 of its own content; a file without a matching one reads as
unreadable (``None``), exactly as a missing file does, and readers act on no evidence.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

NAME = "state.json"
_SUM = "sha256"


def _digest(state: dict[str, Any]) -> str:
    body = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(body.encode()).hexdigest()


def make(device: str, own: int, applied: dict[str, int], corrupt: set[tuple[str, int]]) -> bytes:
    """A device's state.json: its last own segment, what it has applied of every other device, and the
    segments it found damaged (their owners write them again)."""
    return encode({"device": device, "own": own, "applied": dict(sorted(applied.items())),
                   "corrupt": sorted([d, n] for d, n in corrupt)})  # fmt: skip


def encode(state: dict[str, Any]) -> bytes:
    content = {key: value for key, value in state.items() if key != _SUM}
    return (json.dumps({**content, _SUM: _digest(content)}) + "\n").encode()


def decode(data: bytes) -> dict[str, Any] | None:
    """The state, or None when the file is damaged, truncated, unsigned or not a state at all."""
    try:
        state = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get(_SUM), str):
        return None
    content = {key: value for key, value in state.items() if key != _SUM}
    return content if _digest(content) == state[_SUM] else None

"""Hybrid logical clock (HLC). The rules are C1-C9 in docs/sync-spec.md.

Timestamps are strings that sort lexicographically in causal order: wall-clock milliseconds,
a counter for events within the same millisecond (or while the wall clock lags behind), and the
device id as a deterministic tie-breaker. Format: ``001764000000000-00000-<device>`` (15 digits of
milliseconds, 5 of counter).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

_MS_WIDTH = 15
_COUNTER_WIDTH = 5
MAX_COUNTER = 10**_COUNTER_WIDTH - 1
MAX_AHEAD_MS = 60 * 60 * 1000  # a stamp further ahead of the wall clock than this is not taken in


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def encode(ms: int, counter: int, device_id: str) -> str:
    return f"{ms:0{_MS_WIDTH}d}-{counter:0{_COUNTER_WIDTH}d}-{device_id}"


def decode(stamp: str) -> tuple[int, int, str]:
    ms, counter, device_id = stamp.split("-", 2)
    return int(ms), int(counter), device_id


@dataclass
class HybridLogicalClock:
    device_id: str
    wall: Callable[[], int] = field(default=wall_clock_ms, repr=False)
    last_ms: int = 0
    counter: int = 0
    # Drift bound (C7): None = unbounded. A laptop whose clock runs far ahead must not drag every
    # other laptop's stamps along with it.
    max_ahead_ms: int | None = MAX_AHEAD_MS

    def _too_far_ahead(self, ms: int, physical: int) -> bool:
        return self.max_ahead_ms is not None and ms - physical > self.max_ahead_ms

    def resume(self, last_stamp: str | None) -> bool:
        """Continue after the newest stamp this device ever issued, so a clock set back never
        makes new changes look older than old ones. False: the stamp was too far ahead and ignored."""
        if not last_stamp:
            return True
        ms, counter, _ = decode(last_stamp)
        if self._too_far_ahead(ms, self.wall()):
            return False
        self.last_ms, self.counter = max((self.last_ms, self.counter), (ms, counter))
        return True

    def now(self) -> str:
        physical = self.wall()
        if physical > self.last_ms:
            self.last_ms, self.counter = physical, 0
        else:
            self.counter += 1
            if self.counter > MAX_COUNTER:  # overflow: borrow the next millisecond
                self.last_ms, self.counter = self.last_ms + 1, 0
        return encode(self.last_ms, self.counter, self.device_id)

    def receive(self, remote_stamp: str) -> bool:
        """Advance past a stamp seen from another device (keeps causality across devices).
        False: the stamp was too far ahead of the wall clock and was not taken in (the clock still ticks)."""
        return self._advance(remote_stamp, bounded=True)

    def witness(self, stamp: str) -> None:
        """Advance past the stamp of a value a local edit builds on (the newest change of the row being
        edited), however far ahead it is (C8): an edit of what the user saw must win over it, or the
        edit would lose to its own past and this replica would show a value no other replica keeps."""
        self._advance(stamp, bounded=False)

    def _advance(self, remote_stamp: str, *, bounded: bool) -> bool:
        remote_ms, remote_counter, _ = decode(remote_stamp)
        physical = self.wall()
        taken = not (bounded and self._too_far_ahead(remote_ms, physical))
        if not taken:
            remote_ms = -1  # as if there were no remote stamp: below every real millisecond
        top = max(physical, self.last_ms, remote_ms)
        if top == self.last_ms == remote_ms:
            self.counter = max(self.counter, remote_counter) + 1
        elif top == self.last_ms:
            self.counter += 1
        elif top == remote_ms:
            self.counter = remote_counter + 1
        else:
            self.counter = 0
        self.last_ms = top
        return taken

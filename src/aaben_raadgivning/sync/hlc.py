"""Hybrid logical clock (HLC).

Timestamps are strings that sort lexicographically in causal order: wall-clock milliseconds,
a counter for events within the same millisecond (or while the wall clock lags behind), and the
device id as a deterministic tie-breaker. Format: ``000001764000000000-00000-<device>``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

_MS_WIDTH = 15
_COUNTER_WIDTH = 5
MAX_COUNTER = 10**_COUNTER_WIDTH - 1


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

    def resume(self, last_stamp: str | None) -> None:
        """Continue after the newest stamp this device ever issued, so a clock set back never
        makes new changes look older than old ones."""
        if last_stamp:
            ms, counter, _ = decode(last_stamp)
            self.last_ms, self.counter = max((self.last_ms, self.counter), (ms, counter))

    def now(self) -> str:
        physical = self.wall()
        if physical > self.last_ms:
            self.last_ms, self.counter = physical, 0
        else:
            self.counter += 1
            if self.counter > MAX_COUNTER:  # overflow: borrow the next millisecond
                self.last_ms, self.counter = self.last_ms + 1, 0
        return encode(self.last_ms, self.counter, self.device_id)

    def receive(self, remote_stamp: str) -> None:
        """Advance past a stamp seen from another device (keeps causality across devices)."""
        remote_ms, remote_counter, _ = decode(remote_stamp)
        physical = self.wall()
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

"""The tests' fixed moment and a clock they can move: Tuesday 24 November 2026, 10:15 Danish time."""

from __future__ import annotations

from datetime import datetime, timedelta

from aaben_raadgivning.domain.clock import to_utc

# Tuesday 24 November 2026, 10:15 Danish time (the default settings open Tuesdays 13.00-16.00).
LOCAL_NOW = datetime(2026, 11, 24, 10, 15)
PASSWORD = "hemmelig1"


class FixedClock:
    """A clock tests can move forward; returns naive UTC like domain.clock.utc_now."""

    def __init__(self, local: datetime) -> None:
        self.utc = to_utc(local)

    def __call__(self) -> datetime:
        return self.utc

    def advance(self, **delta) -> None:
        self.utc += timedelta(**delta)

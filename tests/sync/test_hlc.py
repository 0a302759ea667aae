"""The hybrid logical clock in isolation, rule by rule (docs/sync-spec.md, C1-C7), under a wall clock the
test controls. Exact stamps are asserted: the clock is specified to the letter, not only "increasing"."""

from __future__ import annotations

import pytest

from aaben_raadgivning.changes import hlc
from aaben_raadgivning.changes.hlc import MAX_COUNTER, HybridLogicalClock, decode, encode

T = 1_764_000_000_000  # 24 November 2025, in ms
HOUR = 3_600_000


class Wall:
    """A wall clock the test sets."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def clock_at(wall_ms: int, last_ms: int = 0, counter: int = 0, **kwargs) -> tuple[HybridLogicalClock, Wall]:
    wall = Wall(wall_ms)
    return HybridLogicalClock("dev", wall, last_ms, counter, **kwargs), wall


def s(ms: int, counter: int, device: str = "dev") -> str:
    return encode(ms, counter, device)


# --- C1: the stamp format -------------------------------------------------------------------------


def test_c1_golden_stamp():
    assert encode(1_764_000_000_000, 0, "dev") == "001764000000000-00000-dev"
    assert encode(7, 12, "a-b") == "000000000000007-00012-a-b"


@pytest.mark.parametrize("stamp, parts", [
    ("001764000000000-00000-dev", (1_764_000_000_000, 0, "dev")),
    ("000000000000007-00012-0190a3f2-7c1e-7a00-8000-000000000001",
     (7, 12, "0190a3f2-7c1e-7a00-8000-000000000001")),  # a device id (a UUID) holds dashes itself
])  # fmt: skip
def test_c1_decode_is_the_inverse_of_encode(stamp, parts):
    assert decode(stamp) == parts
    assert encode(*parts) == stamp


def test_c1_max_counter_is_the_largest_five_digit_number():
    assert MAX_COUNTER == 99_999
    assert len(encode(0, MAX_COUNTER, "d").split("-")[1]) == 5


def test_c1_stamps_sort_as_text_in_time_order():
    ordered = [s(999, MAX_COUNTER), s(1_000, 0), s(1_000, 1), s(1_000, 10), s(10_000, 0), s(T, 0)]
    assert sorted(ordered) == ordered


def test_c2_wall_clock_is_unix_time_in_whole_milliseconds(monkeypatch):
    monkeypatch.setattr(hlc.time, "time_ns", lambda: 1_764_000_000_123_999_999)
    assert hlc.wall_clock_ms() == 1_764_000_000_123


def test_c2_the_default_wall_is_the_computer_clock():
    assert HybridLogicalClock("dev").wall is hlc.wall_clock_ms


# --- C3/C4: now() -----------------------------------------------------------------------------------

# (wall readings for successive now() calls, starting state (last_ms, counter), expected stamps)
NOW_CASES = [
    pytest.param([T], (0, 0), [(T, 0)], id="C3 wall ahead: wall ms, counter 0"),
    pytest.param([T, T + 1, T + 5], (0, 0), [(T, 0), (T + 1, 0), (T + 5, 0)], id="C3 wall moving on"),
    pytest.param([T, T, T], (0, 0), [(T, 0), (T, 1), (T, 2)], id="C3 frozen wall: counter counts"),
    pytest.param([T, T - 500, T - 900, T + 1], (0, 0), [(T, 0), (T, 1), (T, 2), (T + 1, 0)],
                 id="C3 wall set back: stays on the last ms until the wall passes it"),
    pytest.param([T], (T, 7), [(T, 8)], id="C3 wall equal to last ms"),
    pytest.param([T - 1], (T, 7), [(T, 8)], id="C3 wall behind last ms"),
    pytest.param([T, T], (T, MAX_COUNTER - 1), [(T, MAX_COUNTER), (T + 1, 0)],
                 id="C4 last counter value is used, then the next ms is borrowed"),
    pytest.param([T - 3, T - 3, T - 3], (T, MAX_COUNTER), [(T + 1, 0), (T + 1, 1), (T + 1, 2)],
                 id="C4 overflow while the wall lags"),
]  # fmt: skip


@pytest.mark.parametrize("walls, start, expected", NOW_CASES)
def test_c3_c4_now(walls, start, expected):
    clock, wall = clock_at(walls[0], *start)
    stamps = []
    for reading in walls:
        wall.ms = reading
        stamps.append(clock.now())
    assert stamps == [s(ms, counter) for ms, counter in expected]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_c3_a_thousand_stamps_in_one_millisecond_are_distinct_and_increasing():
    clock, _ = clock_at(T)
    stamps = [clock.now() for _ in range(1_000)]
    assert stamps == sorted(set(stamps))


# --- C5: receive() ----------------------------------------------------------------------------------

# (wall, local state, remote stamp (ms, counter), expected state after receive, expected next now())
RECEIVE_CASES = [
    pytest.param(T, (T - 10, 3), (T + 500, 4), (T + 500, 5), (T + 500, 6),
                 id="C5c remote ahead of wall and clock: take its ms, counter + 1"),
    pytest.param(T + 500, (T - 10, 3), (T + 500, 4), (T + 500, 5), (T + 500, 6),
                 id="C5c remote ms equal to wall, ahead of clock"),
    pytest.param(T, (T + 500, 9), (T + 500, 4), (T + 500, 10), (T + 500, 11),
                 id="C5a same ms, local counter higher: local + 1"),
    pytest.param(T, (T + 500, 2), (T + 500, 40), (T + 500, 41), (T + 500, 42),
                 id="C5a same ms, remote counter higher: remote + 1"),
    pytest.param(T + 500, (T + 500, 2), (T + 500, 40), (T + 500, 41), (T + 500, 42),
                 id="C5a wall, clock and remote all on one ms"),
    pytest.param(T, (T + 500, 2), (T + 100, 40), (T + 500, 3), (T + 500, 4),
                 id="C5b local clock ahead of remote and wall: counter + 1"),
    pytest.param(T + 500, (T + 500, 2), (T + 100, 40), (T + 500, 3), (T + 500, 4),
                 id="C5b local clock equal to wall, ahead of remote"),
    pytest.param(T + 900, (T + 500, 2), (T + 100, 40), (T + 900, 0), (T + 900, 1),
                 id="C5d wall ahead of both: wall ms, counter 0"),
    pytest.param(T + 900, (T + 500, 2), (T + 500, 40), (T + 900, 0), (T + 900, 1),
                 id="C5d wall ahead of both on one ms"),
]  # fmt: skip


@pytest.mark.parametrize("wall, local, remote, after, following", RECEIVE_CASES)
def test_c5_receive(wall, local, remote, after, following):
    clock, _ = clock_at(wall, *local)
    remote_stamp = s(*remote, device="other")
    assert clock.receive(remote_stamp) is True
    assert (clock.last_ms, clock.counter) == after
    nxt = clock.now()
    assert nxt == s(*following)
    assert nxt > remote_stamp  # the edit made after seeing a change is stamped after it


def test_c5_receive_then_now_with_the_remote_on_the_last_counter_borrows_the_next_ms():
    clock, _ = clock_at(T)
    clock.receive(s(T + 500, MAX_COUNTER, "other"))
    assert clock.now() == s(T + 501, 0)


def test_c5_a_clock_behind_stamps_its_edit_after_a_change_it_received():
    """A laptop whose clock is 5 minutes slow edits a field after syncing a colleague's edit of it."""
    clock, _ = clock_at(T - 5 * 60_000)
    colleague = s(T, 0, "colleague")
    clock.receive(colleague)
    assert clock.now() > colleague


# --- C6: resume() -----------------------------------------------------------------------------------

RESUME_CASES = [
    pytest.param((0, 0), (T + 500, 4), (T + 500, 5), id="C6 fresh clock after restart with the wall set back"),
    pytest.param((T + 500, 9), (T + 500, 4), (T + 500, 10), id="C6 an older counter on the same ms is ignored"),
    pytest.param((T + 500, 2), (T + 500, 4), (T + 500, 5), id="C6 a newer counter on the same ms is taken"),
    pytest.param((T + 900, 0), (T + 500, 4), (T + 900, 1), id="C6 an older ms is ignored"),
]  # fmt: skip


@pytest.mark.parametrize("local, stamp, following", RESUME_CASES)
def test_c6_resume(local, stamp, following):
    clock, _ = clock_at(T, *local)
    assert clock.resume(s(*stamp)) is True
    assert clock.now() == s(*following)


@pytest.mark.parametrize("stamp", [None, ""])
def test_c6_resume_without_a_stamp_changes_nothing(stamp):
    clock, _ = clock_at(T, T + 500, 4)
    assert clock.resume(stamp) is True
    assert (clock.last_ms, clock.counter) == (T + 500, 4)


def test_c6_resume_with_the_wall_ahead_lets_the_wall_lead():
    clock, _ = clock_at(T + 10_000)
    clock.resume(s(T, 3))
    assert clock.now() == s(T + 10_000, 0)


# --- C7: the drift bound ----------------------------------------------------------------------------

DRIFT_CASES = [
    pytest.param(HOUR, True, (T + HOUR, 9), id="C7 exactly the bound ahead: taken"),
    pytest.param(HOUR + 1, False, (T, 2), id="C7 one ms beyond the bound: not taken"),
    pytest.param(10 * 365 * 24 * HOUR, False, (T, 2), id="C7 ten years ahead: not taken"),
]  # fmt: skip


@pytest.mark.parametrize("ahead, taken, following", DRIFT_CASES)
def test_c7_receive_ignores_a_stamp_too_far_ahead_of_the_wall(ahead, taken, following):
    clock, _ = clock_at(T, T, 0)
    assert clock.max_ahead_ms == HOUR
    assert clock.receive(s(T + ahead, 7, "fast")) is taken
    assert clock.now() == s(*following)


@pytest.mark.parametrize("wall, local, after", [
    pytest.param(T, (T, 4), (T, 5), id="C7 refused: the clock ticks as a receive with no remote (C5b)"),
    pytest.param(T + 9, (T, 4), (T + 9, 0), id="C7 refused: the wall leads (C5d)"),
    pytest.param(0, (0, 0), (0, 1), id="C7 refused at wall 0: still as if no remote"),
])  # fmt: skip
def test_c7_a_refused_receive_is_a_local_tick(wall, local, after):
    clock, _ = clock_at(wall, *local)
    assert clock.receive(s(wall + 2 * HOUR, 50, "fast")) is False
    assert (clock.last_ms, clock.counter) == after


def test_c7_the_bound_is_measured_from_the_wall_not_from_the_clock():
    """A clock already ahead of its wall (it took in a stamp 50 minutes ahead) does not widen the bound."""
    clock, _ = clock_at(T, T + 50 * 60_000, 0)
    assert clock.receive(s(T + 70 * 60_000, 0, "fast")) is False
    assert clock.last_ms == T + 50 * 60_000


def test_c7_no_bound():
    clock, _ = clock_at(T, max_ahead_ms=None)
    far = s(T + 10 * 365 * 24 * HOUR, 7, "fast")
    assert clock.receive(far) is True
    assert clock.now() > far
    assert clock.resume(s(T + 20 * 365 * 24 * HOUR, 0)) is True


@pytest.mark.parametrize("ahead, taken", [(HOUR, True), (HOUR + 1, False)])
def test_c7_resume_ignores_a_stamp_too_far_ahead_of_the_wall(ahead, taken):
    clock, _ = clock_at(T, T - 10, 0)
    assert clock.resume(s(T + ahead, 3)) is taken
    assert clock.now() == (s(T + ahead, 4) if taken else s(T, 0))


def test_c7_a_smaller_bound():
    clock, _ = clock_at(T, max_ahead_ms=1_000)
    assert clock.receive(s(T + 1_001, 0, "fast")) is False
    assert clock.receive(s(T + 1_000, 0, "fast")) is True


# --- C8: witness ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ahead, following", [
    pytest.param(0, (T, 8), id="C8 a stamp at the wall: as receive"),
    pytest.param(10 * 365 * 24 * HOUR, (T + 10 * 365 * 24 * HOUR, 8), id="C8 ten years ahead: taken all the same"),
])  # fmt: skip
def test_c8_witness_takes_in_a_stamp_beyond_the_drift_bound(ahead, following):
    clock, _ = clock_at(T, T, 0)
    clock.witness(s(T + ahead, 6, "fast"))
    assert clock.now() == s(*following)

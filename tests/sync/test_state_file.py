"""state.json is read as true only when its checksum matches (sync/state_file.py)."""

from __future__ import annotations

import pytest

from aaben_raadgivning.sync import state_file

STATE = {"device": "d1", "own": 4, "applied": {"d2": 7}, "corrupt": []}
GOOD = state_file.encode(STATE)


def test_a_written_state_reads_back_as_written():
    assert state_file.decode(GOOD) == STATE


@pytest.mark.parametrize("data", [
    pytest.param(GOOD.replace(b'"own": 4', b'"own": 6'), id="a flipped digit"),
    pytest.param(GOOD[: len(GOOD) // 2], id="truncated"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"device": "d1", "own": 4, "applied": {}}\n', id="no checksum (an older version)"),
    pytest.param(b"[1, 2]\n", id="not an object"),
    pytest.param(b"\xff\xfe{", id="not text"),
])  # fmt: skip
def test_a_damaged_or_unsigned_state_reads_as_unknown(data):
    assert state_file.decode(data) is None

"""Fixtures for the sync tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aaben_raadgivning.store.database import Database


@pytest.fixture
def share_for() -> Callable[[Database, Path], Path]:
    """``share_for(db, path)``: the office share at ``path`` (set up on first use), joined by ``db``."""

    def join(db: Database, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        return path

    return join

"""Fixtures for the sync tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.sync_share import SHARE_ID_NAME, create_share


@pytest.fixture
def share_for() -> Callable[[Database, Path], Path]:
    """``share_for(db, path)``: the office share at ``path`` (set up on first use), joined by ``db``."""

    def join(db: Database, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if not (path / SHARE_ID_NAME).exists():
            create_share(path)
        return path

    return join

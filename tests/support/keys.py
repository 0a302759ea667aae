"""The office key the tests run under, and ``open_database`` keyed with it.

Every test database is encrypted as in real use: ``conftest.py`` puts the test key's recovery code in
``AABEN_RAADGIVNING_OFFICE_KEY`` for the whole run (child processes inherit it), and a test that needs no
key at all removes it. The OS credential store is replaced by an in-memory one (``MemoryKeyring``), so
no test ever reads or writes the real one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import keyring.backend

from aaben_raadgivning.security.key_store import read_record
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import database as _database
from aaben_raadgivning.store import sqlite_driver

TEST_OFFICE_KEY = OfficeKey(hashlib.sha256(b"aaben-raadgivning tests").digest())


def key_for(data_dir: Path) -> OfficeKey:
    """The key a test folder was made with: the demo key for demo data, else the test key."""
    record = read_record(data_dir)
    return OfficeKey.demo() if record is not None and record.demo else TEST_OFFICE_KEY


def open_database(database: Path, backup_dir: Path, *args: Any, **kwargs: Any) -> _database.Database:
    kwargs.setdefault("office_key", key_for(database.parent))
    return _database.open_database(database, backup_dir, *args, **kwargs)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A credential store that lives as long as the test process."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def raw_connect(path: Path, **kwargs: Any) -> sqlite_driver.Connection:
    """A driver connection to a test database file (or backup), keyed as its folder's database is: for
    tests that damage or inspect the file behind the app's back."""
    for folder in (path.parent, *path.parents):
        if (folder / "office.json").exists():
            return sqlite_driver.connect(path, key_for(folder).database_key, **kwargs)
    return sqlite_driver.connect(path, TEST_OFFICE_KEY.database_key, **kwargs)

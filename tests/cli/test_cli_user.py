"""``user password``: giving someone else a new password from the command line is audited, naming the
operating system's user who ran it (the command line has no logged-in person)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from aaben_raadgivning.store.actions.staff import authenticate
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry
from support.keys import open_database


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


def _reset(run, data: Path, password: str = "nyhemmelig") -> tuple[int, str, str]:
    run("--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "Anne Bak", "--role", "leder",
        "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    return run("--data-dir", str(data), "user", "password", "--initials", "ab", "--password-stdin",
               stdin=password + "\n")  # fmt: skip


def _resets(data: Path) -> list[AuditEntry]:
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        with db.session() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "password_reset")))
    finally:
        db.close()


def test_a_reset_from_the_command_line_is_audited_with_the_os_user(run, data, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "kontor\x1b[2J-admin")
    code, out, _ = _reset(run, data)
    assert code == 0 and "AB (Anne Bak) har fået en ny adgangskode" in out
    [entry] = _resets(data)
    assert entry.staff_id is None  # no person was logged in
    assert entry.detail == "Ny adgangskode til AB (fra kommandolinjen af brugeren «kontor[2J-admin» på computeren)"
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        assert authenticate(db, "AB", "nyhemmelig") is not None
        with db.session() as session:  # the audit entry and the new hash were written together
            change = session.scalars(
                select(ChangeLogEntry).where(ChangeLogEntry.field == "password_hash")
            ).one()  # fmt: skip
            assert change.row_id == entry.entity_id
    finally:
        db.close()


def test_an_unknown_os_user_is_still_audited(run, data, monkeypatch):
    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr("getpass.getuser", no_user)
    code, _, _ = _reset(run, data)
    assert code == 0
    [entry] = _resets(data)
    assert entry.detail == "Ny adgangskode til AB (fra kommandolinjen af brugeren «ukendt» på computeren)"


def test_a_refused_reset_writes_no_audit_entry(run, data):
    code, _, err = _reset(run, data, password="kort7ch")
    assert code == 1 and "Adgangskoden skal have mindst 8 tegn." in err
    assert _resets(data) == []

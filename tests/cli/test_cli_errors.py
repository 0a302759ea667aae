"""An unexpected error in a command (a bug): a Danish message, a non-zero exit code, and the details in
fejl.log as type and frames only. Error messages quote personal data (SQLAlchemy quotes the statement's
parameters), so neither the terminal nor the log may repeat them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

FAKE_CPR = "0101904321"


def _runtime_error(_db, **_kwargs):
    raise RuntimeError(f"kunne ikke finde borgeren med CPR {FAKE_CPR}")


def _statement_error(_db, **_kwargs):
    try:
        raise ValueError(f"ugyldig værdi {FAKE_CPR}")
    except ValueError as exc:
        raise StatementError(
            "(builtins.ValueError) ugyldig værdi", "SELECT id FROM citizens WHERE cpr = ?", (FAKE_CPR,), exc
        ) from exc


@pytest.mark.parametrize("bug", [_runtime_error, _statement_error], ids=["message", "sql-parameters"])
def test_an_unexpected_error_shows_and_logs_no_personal_data(run, tmp_path: Path, monkeypatch, bug):
    data = tmp_path / "data"
    monkeypatch.setattr("aaben_raadgivning.store.actions.staff.list_staff", bug)
    code, out, err = run("--data-dir", str(data), "user", "list")
    log_file = data / "logs" / "fejl.log"
    log = log_file.read_text(encoding="utf-8")
    assert code == 1
    assert "Der opstod en uventet fejl, og kommandoen er stoppet." in err
    assert f"skrevet i logfilen {log_file}" in err
    assert FAKE_CPR not in out + err
    assert FAKE_CPR not in log and "ugyldig værdi" not in log and "SELECT" not in log
    # what support needs: the error's type and where it was raised
    assert ("RuntimeError" if bug is _runtime_error else "sqlalchemy.exc.StatementError") in log
    assert f"in {bug.__name__}" in log


def test_when_the_log_cannot_be_written_the_message_says_so(run, tmp_path: Path, monkeypatch):
    data = tmp_path / "data"
    (data / "logs" / "fejl.log").mkdir(parents=True)  # a folder where the log file should be
    monkeypatch.setattr("aaben_raadgivning.store.actions.staff.list_staff", _runtime_error)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == 1
    assert "Detaljerne kunne ikke skrives i logfilen" in err and FAKE_CPR not in err

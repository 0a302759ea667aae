"""``citizen erase``: the typed confirmation (or --yes), Danish messages and exit codes, the audit row
that keeps only the fact, and the backups replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from aaben_raadgivning.store import migrate
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import list_staff
from aaben_raadgivning.store.database_file import backups
from support.keys import open_database


@pytest.fixture
def data(tmp_path, run) -> Path:
    data = tmp_path / "data"
    run("--data-dir", str(data), "user", "add", "--initials", "JK", "--name", "Jette Kristensen", "--role",
        "jobkonsulent", "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        jk = list_staff(db)[0]
        create_citizen(db, jk.id, name="Frida Sletmig", cpr="0101901237")
        create_citizen(db, jk.id, name="Bo Bliver", cpr="0202801236")
        migrate.backup_database(db.path, data / "backups", "before-0007", db.database_key)  # holds Frida
    finally:
        db.close()
    return data


def _people(data: Path) -> list[str]:
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        with db.engine.connect() as conn:
            names = [row[0] for row in conn.exec_driver_sql("SELECT name FROM citizens ORDER BY name")]
            details = [row[0] for row in conn.exec_driver_sql("SELECT detail FROM audit_log WHERE action = 'purge'")]
            conn.rollback()
        return names + details
    finally:
        db.close()


def test_erase_asks_for_the_confirmation_and_refuses_a_wrong_one(run, data):
    code, out, err = run("--data-dir", str(data), "citizen", "erase", "--cpr", "010190-1237", "--reason",
                         "Borgerens anmodning", stdin="Frida\n")  # fmt: skip
    assert code == 1
    assert "Borger: Frida Sletmig (CPR 010190-1237)" in out
    assert "sidste 4 cifre" in err and "Intet er slettet." in err
    assert "Frida Sletmig" in _people(data)


def test_erase_with_the_last_four_digits_removes_the_citizen_and_replaces_the_backup(run, data, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "kontor")
    old = backups(data / "backups")
    code, out, err = run("--data-dir", str(data), "citizen", "erase", "--cpr", "0101901237", "--reason",
                         "Frida bad om sletning", stdin="1237\n")  # fmt: skip
    assert code == 0, err
    assert "Borgeren er slettet" in out and "1 sikkerhedskopi(er) fra før sletningen er erstattet" in out
    left = _people(data)
    assert left[0] == "Bo Bliver" and len(left) == 2
    assert "Frida" not in left[1] and "kommandolinjen af brugeren «kontor»" in left[1]
    assert not set(old) & set(backups(data / "backups"))
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 0, out
    assert "[OK  ] Sikkerhedskopierne indeholder ingen slettede borgere" in out


def test_erase_yes_for_scripts_and_unknown_cpr(run, data):
    code, _, err = run("--data-dir", str(data), "citizen", "erase", "--cpr", "0303031234", "--reason", "x", "--yes")
    assert code == 1 and "Der er ingen borger med det CPR-nummer. Intet er slettet." in err
    code, _, err = run("--data-dir", str(data), "citizen", "erase", "--cpr", "12", "--reason", "x", "--yes")
    assert code == 1 and "10 cifre" in err
    code, out, err = run("--data-dir", str(data), "citizen", "erase", "--cpr", "0101901237", "--reason", "x", "--yes")
    assert code == 0, err
    assert _people(data)[0] == "Bo Bliver"
    code, _, err = run("--data-dir", str(data), "citizen", "erase", "--reason", "x")
    assert code == 2  # usage: --cpr or --citizen-id

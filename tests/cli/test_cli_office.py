"""``office init | join | encrypt | status``: a real office's key, from the first computer to the next."""

from __future__ import annotations

import os
import stat

import keyring
import pytest

from aaben_raadgivning.cli import EXIT_OFFICE_KEY, EXIT_USAGE
from aaben_raadgivning.security.key_store import ENV_KEY, KEYRING_SERVICE, read_record
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.database import open_database

DB_NAME = "aaben-raadgivning.sqlite3"
ADD_USER = ("user", "add", "--initials", "AB", "--name", "Anne Bak", "--role", "jobkonsulent", "--password-stdin")


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    """These tests are about where the key comes from: not from the test run's environment."""
    monkeypatch.delenv(ENV_KEY, raising=False)


def _code_in(out: str) -> str:
    lines = [line.strip() for line in out.splitlines()]
    return next(line for line in lines if line.count("-") == 10 and len(line) == 65)


def test_the_first_computer_creates_the_key_and_sees_it_once(run, tmp_path):
    data = tmp_path / "data"
    code, out, err = run("--data-dir", str(data), "office", "init")
    assert code == 0, err
    recovery = _code_in(out)
    key = OfficeKey.from_recovery_code(recovery)
    assert read_record(data).key_id == key.key_id and not read_record(data).demo
    assert keyring.get_password(KEYRING_SERVICE, key.key_id) == recovery
    assert "vises kun denne ene gang" in out and "lås den inde" in out
    # the key is used from the credential store from now on, and never shown again
    code, out, err = run("--data-dir", str(data), *ADD_USER, stdin="hemmelig1\n")
    assert code == 0, err
    assert not sqlite_driver.is_plain_file(data / DB_NAME)
    code, out, err = run("--data-dir", str(data), "office", "status")
    assert code == 0 and key.key_id in out and "nøglering" in out and recovery not in out + err
    # a second init would make the data unreadable: refused
    code, _, err = run("--data-dir", str(data), "office", "init")
    assert code == EXIT_OFFICE_KEY and "allerede sat op" in err
    assert read_record(data).key_id == key.key_id


def test_another_computer_joins_with_the_recovery_code(run, tmp_path):
    key = OfficeKey.generate()
    data = tmp_path / "laptop2"
    code, out, err = run("--data-dir", str(data), "office", "join", stdin=key.recovery_code.lower() + "\n")
    assert code == 0, err
    assert key.key_id in out and read_record(data).key_id == key.key_id
    assert run("--data-dir", str(data), *ADD_USER, stdin="hemmelig1\n")[0] == 0
    db = open_database(data / DB_NAME, data / "backups", office_key=key)  # really under that key
    db.close()


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "ikke skrevet nogen"), ("ABCDE", "skal have 55 tegn"), (OfficeKey.demo().recovery_code, "demo-nøglen")],
)
def test_a_wrong_code_is_refused_and_nothing_is_written(run, tmp_path, typed, message):
    data = tmp_path / "data"
    code, _, err = run("--data-dir", str(data), "office", "join", stdin=typed + "\n")
    assert code == EXIT_OFFICE_KEY and message in err
    assert read_record(data) is None


def test_joining_with_another_offices_key_is_refused(run, tmp_path):
    data = tmp_path / "data"
    assert run("--data-dir", str(data), "office", "init")[0] == 0
    before = read_record(data)
    code, _, err = run("--data-dir", str(data), "office", "join", stdin=OfficeKey.generate().recovery_code + "\n")
    assert code == EXIT_OFFICE_KEY and "passer ikke" in err
    assert read_record(data) == before


def test_a_command_without_the_key_says_how_to_get_it(run, tmp_path):
    data = tmp_path / "data"
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_OFFICE_KEY and "office init" in err and "office join" in err
    assert not (data / DB_NAME).exists()
    code, out, _ = run("--data-dir", str(data), "office", "init")
    keyring.delete_password(KEYRING_SERVICE, OfficeKey.from_recovery_code(_code_in(out)).key_id)  # a new OS profile
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_OFFICE_KEY and "office join" in err


def test_the_key_may_come_from_the_environment_for_scheduled_syncs(run, tmp_path, monkeypatch):
    key = OfficeKey.generate()
    data = tmp_path / "data"
    monkeypatch.setenv(ENV_KEY, key.recovery_code)
    assert run("--data-dir", str(data), *ADD_USER, stdin="hemmelig1\n")[0] == 0
    assert read_record(data).key_id == key.key_id
    monkeypatch.setenv(ENV_KEY, OfficeKey.generate().recovery_code)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_OFFICE_KEY and "passer ikke" in err


def test_a_database_from_before_encryption_is_converted_by_one_command(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = open_database(data / DB_NAME, data / "backups", office_key=None)  # as the last version left it
    db.close()
    assert run("--data-dir", str(data), "office", "init")[0] == 0
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == EXIT_OFFICE_KEY and "office encrypt" in err
    assert sqlite_driver.is_plain_file(data / DB_NAME)  # refused, not touched
    code, out, err = run("--data-dir", str(data), "office", "encrypt")
    assert code == 0 and "er krypteret" in out, err
    assert not sqlite_driver.is_plain_file(data / DB_NAME)
    assert run("--data-dir", str(data), *ADD_USER, stdin="hemmelig1\n")[0] == 0


def test_demo_folders_need_no_key_setup(run, tmp_path):
    code, _, err = run("--demo", "office", "init")
    assert code == EXIT_USAGE and "demo-nøgle" in err


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_data_folder_and_its_files_are_private(run, tmp_path):
    data = tmp_path / "data"
    assert run("--data-dir", str(data), "office", "init")[0] == 0
    assert run("--data-dir", str(data), *ADD_USER, stdin="hemmelig1\n")[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"

"""Where a laptop finds the office key: environment, key file, credential store — and what it refuses."""

from __future__ import annotations

import os

import keyring
import pytest

from aaben_raadgivning.security import key_store
from aaben_raadgivning.security.key_store import (
    ENV_KEY,
    ENV_KEY_FILE,
    OfficeKeyError,
    OfficeKeyMissing,
    WrongOfficeKey,
    find_key,
    read_record,
    write_record,
)
from aaben_raadgivning.security.office_key import OfficeKey


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)


def test_a_computer_never_set_up_is_told_how(tmp_path, no_env):
    with pytest.raises(OfficeKeyMissing) as excinfo:
        find_key(tmp_path)
    assert "office init" in excinfo.value.message and "office join" in excinfo.value.message
    assert not (tmp_path / "office.json").exists()  # finding writes nothing


def test_the_key_from_the_credential_store_is_found_by_the_folders_fingerprint(tmp_path, no_env):
    key = OfficeKey.generate()
    write_record(tmp_path, key)
    assert key_store.store_in_keyring(key)
    assert find_key(tmp_path) == key
    key_store.forget_keyring(key.key_id)
    with pytest.raises(OfficeKeyMissing, match=key.key_id):
        find_key(tmp_path)


def test_the_environment_comes_first_and_must_be_the_folders_key(tmp_path, monkeypatch):
    mine, other = OfficeKey.generate(), OfficeKey.generate()
    write_record(tmp_path, mine)
    monkeypatch.setenv(ENV_KEY, mine.recovery_code)
    assert find_key(tmp_path) == mine
    monkeypatch.setenv(ENV_KEY, other.recovery_code)
    with pytest.raises(WrongOfficeKey, match="passer ikke"):
        find_key(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_file_others_can_read_is_refused(tmp_path, no_env, monkeypatch):
    key = OfficeKey.generate()
    file = tmp_path / "noegle.txt"
    file.write_text(key.recovery_code + "\n")
    monkeypatch.setenv(ENV_KEY_FILE, str(file))
    os.chmod(file, 0o644)
    with pytest.raises(OfficeKeyError, match="chmod 600"):
        find_key(tmp_path / "data")
    os.chmod(file, 0o600)
    assert find_key(tmp_path / "data") == key


def test_the_demo_key_is_refused_for_a_real_offices_folder(tmp_path, no_env):
    write_record(tmp_path, OfficeKey.generate())
    with pytest.raises(WrongOfficeKey, match="demo-nøglen"):
        find_key(tmp_path, demo=True)


def test_a_demo_folder_always_opens_with_the_demo_key(tmp_path, no_env):
    write_record(tmp_path, OfficeKey.demo())
    assert find_key(tmp_path).is_demo and read_record(tmp_path).demo


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_record_is_private_and_holds_no_secret(tmp_path):
    key = OfficeKey.generate()
    write_record(tmp_path, key)
    record = tmp_path / "office.json"
    assert oct(record.stat().st_mode & 0o777) == "0o600"
    text = record.read_text()
    assert key.key_id in text and key.recovery_code not in text and key.secret.hex() not in text


def test_a_damaged_record_is_reported_not_replaced(tmp_path, no_env):
    (tmp_path / "office.json").write_text("{ikke json")
    with pytest.raises(OfficeKeyError, match="kan ikke læses"):
        find_key(tmp_path)
    assert (tmp_path / "office.json").read_text() == "{ikke json"


def test_a_computer_without_a_credential_store_says_so():
    from keyring.backends import fail

    from support.keys import MemoryKeyring

    keyring.set_keyring(fail.Keyring())  # what keyring picks on a computer without one
    try:
        assert not key_store.store_in_keyring(OfficeKey.generate())
        assert key_store.keyring_key("0123456789abcdef") is None
    finally:
        keyring.set_keyring(MemoryKeyring())

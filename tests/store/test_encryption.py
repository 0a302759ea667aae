"""The laptop database at rest: encrypted, refused with the wrong key, and converted from plain safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import database_file, encryption, migrate, sqlite_driver
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.database import open_database
from aaben_raadgivning.store.database_file import DatabaseDamaged, DatabaseNotEncrypted
from aaben_raadgivning.store.encryption import EncryptionError, encrypt_database
from support.keys import TEST_OFFICE_KEY

NAME, CPR = "Ayşe Yılmaz", "0101901234"
DB_NAME = "aaben-raadgivning.sqlite3"


def _fill(path: Path, key: OfficeKey | None) -> None:
    db = open_database(path, path.parent / "backups", office_key=key)
    staff = create_staff(db, initials="AB", name="Anne Bak", role="jobkonsulent", password="hemmelig1")
    create_citizen(db, staff.id, name=NAME, cpr=CPR, phone="12345678")
    db.close()


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _names(path: Path, key: OfficeKey) -> list[str]:
    db = open_database(path, path.parent / "backups", office_key=key)
    try:
        with db.engine.connect() as conn:
            return [row[0] for row in conn.exec_driver_sql("SELECT name FROM citizens")]
    finally:
        db.close()


def test_nothing_personal_is_readable_in_the_files(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, TEST_OFFICE_KEY)
    migrate.backup_database(database, tmp_path / "backups", "test", TEST_OFFICE_KEY.database_key)
    everything = _all_bytes(tmp_path)
    for secret in (NAME, CPR, "Anne Bak", "12345678"):
        assert secret.encode() not in everything
    assert not sqlite_driver.is_plain_file(database)


def test_the_same_check_finds_the_data_in_a_plain_database(tmp_path):
    """The grep above can fail: on a plain database (as before encryption) it finds the name at once."""
    database = tmp_path / DB_NAME
    _fill(database, None)
    assert NAME.encode() in _all_bytes(tmp_path) and CPR.encode() in _all_bytes(tmp_path)


def test_another_key_cannot_open_it_and_nothing_is_written(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, TEST_OFFICE_KEY)
    before = database.read_bytes()
    with pytest.raises(DatabaseDamaged, match="krypteret med en anden kontornøgle"):
        open_database(database, tmp_path / "backups", office_key=OfficeKey.generate())
    assert database.read_bytes() == before


def test_a_plain_database_is_refused_until_it_is_converted(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, None)
    before = database.read_bytes()
    with pytest.raises(DatabaseNotEncrypted, match="office encrypt"):
        open_database(database, tmp_path / "backups", office_key=TEST_OFFICE_KEY)
    assert database.read_bytes() == before


def test_conversion_keeps_every_row_and_leaves_no_plain_copy(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, None)
    old_backup = migrate.backup_database(database, tmp_path / "backups", "old", None)
    report = encrypt_database(database, tmp_path / "backups", TEST_OFFICE_KEY.database_key)
    assert report.rows > 0 and report.backups_encrypted == 1
    assert _names(database, TEST_OFFICE_KEY) == [NAME]
    everything = _all_bytes(tmp_path)
    assert NAME.encode() not in everything and CPR.encode() not in everything
    # the old backup is still a usable backup, now encrypted like the database
    assert database_file.quick_check(old_backup, TEST_OFFICE_KEY.database_key) == []
    assert [p.name for p in database_file.backups(tmp_path / "backups")] == [old_backup.name]


def test_an_encrypted_database_is_not_converted_again(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, TEST_OFFICE_KEY)
    with pytest.raises(EncryptionError, match="allerede krypteret"):
        encrypt_database(database, tmp_path / "backups", TEST_OFFICE_KEY.database_key)


def test_a_database_in_use_is_not_converted(tmp_path):
    database = tmp_path / DB_NAME
    _fill(database, None)
    other = sqlite_driver.connect(database, None, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        with pytest.raises(EncryptionError, match="i brug"):
            encrypt_database(database, tmp_path / "backups", TEST_OFFICE_KEY.database_key)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert sqlite_driver.is_plain_file(database)
    assert _names_plain(database) == [NAME]
    assert database_file.backups(tmp_path / "backups") == []


def _names_plain(database: Path) -> list[str]:
    return _names(database, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("step", ["export", "swap"])
def test_a_crash_during_conversion_leaves_the_plain_database_whole(tmp_path, monkeypatch, step):
    database = tmp_path / DB_NAME
    _fill(database, None)

    def crash(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    if step == "export":
        monkeypatch.setattr(encryption, "_export", crash)
    else:
        real_replace = os.replace
        calls = []

        def replace(src, dst):
            calls.append(src)
            if len(calls) == 2:  # the encrypted copy into place
                crash()
            real_replace(src, dst)

        monkeypatch.setattr(encryption.os, "replace", replace)
    with pytest.raises(OSError):
        encrypt_database(database, tmp_path / "backups", TEST_OFFICE_KEY.database_key)
    monkeypatch.undo()
    assert sqlite_driver.is_plain_file(database) and _names_plain(database) == [NAME]
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and "encrypting" in p.name or p.suffix == ".plain"]
    assert leftovers == []
    assert database_file.backups(tmp_path / "backups") == []  # the plain safety copy is gone again


def _opens_as(path: Path, key: bytes, hmac: str, page_size: int) -> bool:
    """Whether ``path`` reads with exactly these cipher settings (set on the connection, so SQLCipher's
    process-wide defaults play no part)."""
    conn = sqlite_driver.dbapi.connect(str(path))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(sqlite_driver.key_pragma(key))
        conn.execute(f"PRAGMA cipher_page_size = {page_size}")
        conn.execute(f"PRAGMA cipher_hmac_algorithm = {hmac}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite_driver.DatabaseError:
        return False
    finally:
        conn.close()


def test_every_encrypted_file_has_the_documented_format(tmp_path):
    """HMAC-SHA256 and 16 KiB pages (sqlite_driver.CIPHER_FORMAT: the fast copy a new laptop needs) for the
    database, a converted database and its backups alike; SQLCipher's own defaults do not read them."""
    key = TEST_OFFICE_KEY.database_key
    made = tmp_path / "made" / DB_NAME
    made.parent.mkdir()
    _fill(made, TEST_OFFICE_KEY)
    converted = tmp_path / "converted" / DB_NAME
    converted.parent.mkdir()
    _fill(converted, None)
    migrate.backup_database(converted, tmp_path / "converted" / "backups", "old", None)
    encrypt_database(converted, tmp_path / "converted" / "backups", key)
    backups = list(database_file.backups(tmp_path / "converted" / "backups"))
    assert backups
    for path in [made, converted, *backups]:
        assert _opens_as(path, key, sqlite_driver.CIPHER_HMAC, sqlite_driver.CIPHER_PAGE_SIZE), path
        assert not _opens_as(path, key, "HMAC_SHA512", 4096), path

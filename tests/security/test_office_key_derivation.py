"""The office key: its recovery code survives a person typing it, and every purpose gets its own key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from aaben_raadgivning.security.office_key import OfficeKey, RecoveryCodeError, hkdf_sha256


@given(st.binary(min_size=32, max_size=32))
def test_the_recovery_code_gives_back_the_same_key(secret):
    key = OfficeKey(secret)
    code = key.recovery_code
    assert len(code) == 65 and code.count("-") == 10  # 11 groups of 5
    assert OfficeKey.from_recovery_code(code) == key
    # as a person may type it: lower case, spaces instead of dashes, O for 0 and l for 1
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert OfficeKey.from_recovery_code(typed) == key


@given(st.binary(min_size=32, max_size=32), st.integers(0, 43), st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
def test_a_mistyped_character_is_caught(secret, position, replacement):
    code = OfficeKey(secret).recovery_code.replace("-", "")
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(RecoveryCodeError, match="ikke rigtig"):
        OfficeKey.from_recovery_code(typo)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "skal have 55 tegn"),
        ("ABCDE-" * 10, "skal have 55 tegn"),
        ("ABCDE-" * 11, "ikke rigtig"),
        ("U" * 55, "tegn, der ikke kan forekomme"),
    ],
)
def test_a_code_that_cannot_be_right_says_why_in_danish(code, message):
    with pytest.raises(RecoveryCodeError, match=message):
        OfficeKey.from_recovery_code(code)


def test_hkdf_is_rfc_5869_as_the_cryptography_library_computes_it():
    key = OfficeKey.generate()
    for label in ("laptop-database", "share-snapshot", "share-files", "key-id"):
        expected = HKDF(hashes.SHA256(), 32, None, b"aaben-raadgivning/v1/" + label.encode()).derive(key.secret)
        assert key.derive(label) == expected
    # RFC 5869 test case 3 (no salt, no info)
    ikm = bytes.fromhex("0b" * 22)
    okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    assert hkdf_sha256(ikm, b"", 42).hex() == okm


def test_each_purpose_has_its_own_key_and_the_fingerprint_reveals_none():
    key = OfficeKey.generate()
    derived = {key.database_key, key.snapshot_key, key.share_key, key.secret}
    assert len(derived) == 4 and all(len(k) == 32 for k in derived)
    assert len(key.key_id) == 16 and key.key_id not in key.secret.hex()
    assert key.key_id != OfficeKey.generate().key_id


def test_the_secret_never_shows_in_a_repr_or_a_log_line():
    key = OfficeKey.generate()
    assert key.secret.hex() not in repr(key) and key.recovery_code not in repr(key)


def test_the_demo_key_is_fixed_and_known_as_demo():
    assert OfficeKey.demo() == OfficeKey.demo() and OfficeKey.demo().is_demo
    assert not OfficeKey.generate().is_demo
    assert OfficeKey.from_recovery_code(OfficeKey.demo().recovery_code).is_demo

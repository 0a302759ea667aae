"""Password hashing: OWASP's scrypt cost in production, old hashes still verify and are flagged for a new
hash, and a stored form asking for impossible work fails instead of hanging the laptop."""

from __future__ import annotations

import hashlib
import time

import pytest

from aaben_raadgivning.security import passwords
from aaben_raadgivning.security.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    rehash_password,
    verify_password,
)

# Made by the app before issue 14 (N=2^14, r=8, p=1) for "hemmelig1".
OLD = (
    "scrypt$16384$8$1$000102030405060708090a0b0c0d0e0f$cbf8f810e059d9b79f7fe5ba66a1ee97e149841fe8267c8cb7fd10adc9f97218"
)


@pytest.fixture
def production(monkeypatch):
    """The app's own cost, not the token one the suite hashes at."""
    for name in ("N", "R", "P"):
        monkeypatch.setattr(passwords, name, getattr(passwords, f"DEFAULT_{name}"))


def test_the_production_cost_is_owasps():
    assert (passwords.DEFAULT_N, passwords.DEFAULT_R, passwords.DEFAULT_P) == (2**17, 8, 1)
    assert passwords.MIN_PASSWORD_LENGTH == 8
    assert passwords.N < passwords.DEFAULT_N  # the suite's fixture lowered it (and only the suite does)


def test_a_hash_at_the_production_cost(production):
    started = time.perf_counter()
    stored = hash_password("hemmelig1")
    assert time.perf_counter() - started < 10  # about 0.5 s on a 2-core laptop; well above means trouble
    assert stored.startswith("scrypt$131072$8$1$")
    _, _, _, _, salt_hex, hash_hex = stored.split("$")
    assert len(bytes.fromhex(salt_hex)) == 16 and len(bytes.fromhex(hash_hex)) == 32
    assert not needs_rehash(stored)
    expected = hashlib.scrypt(b"hemmelig1", salt=bytes.fromhex(salt_hex), n=2**17, r=8, p=1, dklen=32,
                              maxmem=256 * 1024 * 1024)  # fmt: skip
    assert hash_hex == expected.hex()


def test_an_old_hash_still_verifies_and_asks_for_a_new_one(production):
    assert verify_password("hemmelig1", OLD)
    assert not verify_password("hemmelig2", OLD)
    assert needs_rehash(OLD)


def test_new_hashes_are_salted():
    first, second = hash_password("hemmelig1"), hash_password("hemmelig1")
    assert first != second and verify_password("hemmelig1", first) and verify_password("hemmelig1", second)


def test_rehash_keeps_the_salt_so_two_laptops_write_the_same_value(monkeypatch):
    old = hash_password("hemmelig1")
    monkeypatch.setattr(passwords, "N", passwords.N * 2)
    assert needs_rehash(old)
    new = rehash_password("hemmelig1", old)
    assert new == rehash_password("hemmelig1", old) != old
    assert new.split("$")[4] == old.split("$")[4]
    assert new.startswith(f"scrypt${passwords.N}$") and not needs_rehash(new)
    assert verify_password("hemmelig1", new)


@pytest.mark.parametrize(
    ("stored", "rehash"),
    [
        ("scrypt$131072$8$1$" + "00" * 16 + "$" + "00" * 32, False),
        ("scrypt$262144$8$1$" + "00" * 16 + "$" + "00" * 32, False),  # stronger than today's: keep it
        ("scrypt$131072$4$1$" + "00" * 16 + "$" + "00" * 32, True),
        ("scrypt$16384$8$5$" + "00" * 16 + "$" + "00" * 32, True),  # 16 MiB: less memory-hard
        ("scrypt$131072$8$1$" + "00" * 8 + "$" + "00" * 32, True),  # a short salt
        ("bcrypt$12$x", True),
        ("", True),
        ("scrypt$x$8$1$00$00", True),
    ],
)
def test_needs_rehash(production, stored, rehash):
    assert needs_rehash(stored) is rehash


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$1073741824$8$1$" + "00" * 16 + "$" + "00" * 32,  # 1 TiB: refused, not attempted
        "scrypt$1000$8$1$" + "00" * 16 + "$" + "00" * 32,  # N not a power of two
        "scrypt$" + "9" * 40 + "$8$1$00$00",
        "scrypt$16$8$1$zz$00",
        "scrypt$16$8$1$00",
        "",
    ],
)
def test_a_damaged_or_hostile_stored_hash_fails_quickly(stored):
    started = time.perf_counter()
    assert verify_password("hemmelig1", stored) is False
    assert time.perf_counter() - started < 1


def test_the_dummy_hash_costs_todays_work_and_matches_nothing():
    assert dummy_hash().startswith(f"scrypt${passwords.N}${passwords.R}${passwords.P}$")
    assert not verify_password("", dummy_hash()) and not verify_password("hemmelig1", dummy_hash())

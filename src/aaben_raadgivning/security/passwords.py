"""Password hashing with scrypt (memory-hard, in the standard library).

Stored form: ``scrypt$n$r$p$salt_hex$hash_hex`` so the cost can be raised later without breaking old hashes:
an old hash still verifies, and ``needs_rehash`` tells the log-in to store a new one at today's cost.
"""

from __future__ import annotations

import hashlib
import hmac
import os

# OWASP's recommendation for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1, i.e. 128 MiB per hash.
# About 0.5 s on a 2-core laptop: paid once per log-in (in a worker thread), once per new password.
DEFAULT_N, DEFAULT_R, DEFAULT_P = 2**17, 8, 1
# The cost in use. Only the test suite lowers these (tests/conftest.py); the app never changes them.
N, R, P = DEFAULT_N, DEFAULT_R, DEFAULT_P
SALT_BYTES = 16
HASH_BYTES = 32
# Enough for N=2^17, r=8 (128 MiB plus a little), with room to spare; a stored hash asking for more (a damaged
# or hostile row from the sync) fails to verify instead of taking the laptop's memory.
MAX_MEMORY = 512 * 1024 * 1024

MIN_PASSWORD_LENGTH = 8
MAX_LOGIN_DELAY_SECONDS = 30.0


def login_delay(failures: int) -> float:
    """Seconds to wait before the next log-in after the n-th consecutive failure: 1, 2, 4, 8 … capped
    (slows guessing on a lost laptop)."""
    if failures <= 0:
        return 0.0
    return min(MAX_LOGIN_DELAY_SECONDS, 2.0 ** min(failures - 1, 32))


def _bytes(password: str) -> bytes:
    # surrogatepass: a password that reached us with undecodable bytes still hashes instead of crashing
    return password.encode("utf-8", "surrogatepass")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(_bytes(password), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES, maxmem=MAX_MEMORY)


def _format(salt: bytes, n: int, r: int, p: int, digest: bytes) -> str:
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _parse(stored: str) -> tuple[int, int, int, bytes, str] | None:
    """(n, r, p, salt, hash_hex) of a stored hash, or None if it is not one of ours."""
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return None
        return int(n), int(r), int(p), bytes.fromhex(salt_hex), hash_hex
    except (ValueError, TypeError, AttributeError):
        return None


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    return _format(salt, N, R, P, _scrypt(password, salt, N, R, P))


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, hash_hex = parsed
    try:
        digest = _scrypt(password, salt, n, r, p)
    except (ValueError, TypeError, OverflowError, MemoryError):  # impossible or too costly parameters
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)


def dummy_hash() -> str:
    """A stored form at today's cost that no password matches: verifying against it takes as long as a real
    log-in, so the time taken does not reveal whether the initials exist."""
    return _format(bytes(SALT_BYTES), N, R, P, b"")


def needs_rehash(stored: str) -> bool:
    """True when a stored hash was made at a lower cost than today's (or is not one we can read): the next
    successful log-in stores a new one."""
    parsed = _parse(stored)
    if parsed is None:
        return True
    n, r, p, salt, hash_hex = parsed
    return n < N or r < R or p < P or len(salt) < SALT_BYTES or len(hash_hex) < 2 * HASH_BYTES


def rehash_password(password: str, stored: str) -> str:
    """The (already verified) password hashed again at today's cost, keeping the stored hash's salt.

    Two laptops upgrading the same old hash before they sync thus write the very same value, which the sync
    does not show as a conflict (a fresh salt on each would)."""
    parsed = _parse(stored)
    salt = parsed[3] if parsed is not None and len(parsed[3]) >= SALT_BYTES else os.urandom(SALT_BYTES)
    return _format(salt, N, R, P, _scrypt(password, salt, N, R, P))

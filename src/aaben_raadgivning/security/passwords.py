"""Password hashing with scrypt (memory-hard, in the standard library).

Stored form: ``scrypt$n$r$p$salt_hex$hash_hex`` so the cost can be raised later without breaking old hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1  # 16 MiB per hash: slow for an attacker with a stolen laptop, ~50 ms for us
MIN_PASSWORD_LENGTH = 6
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


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(_bytes(password), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(_bytes(password), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)

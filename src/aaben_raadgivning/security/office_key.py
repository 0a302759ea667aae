"""The office key: the one secret every encrypted byte of an office derives from.

An office (kontor) creates its key once (``aaben-raadgivning office init``) and sees it once, as a
*recovery code* to print and lock away; each laptop is given the code once (``office join``) and keeps
the key in the OS credential store (see ``key_store``). Every key used at rest or on the share is derived
from it with HKDF-SHA256 under its own label, so a key for one purpose never opens another.

HKDF is written out here (RFC 5869, a dozen lines over ``hmac``) instead of imported from
``cryptography``: importing that costs start-up time on every launch, and a test checks these bytes
against ``cryptography``'s HKDF.

Demo data folders use one fixed, publicly known demo key, so demo laptops sync with each other exactly
as real ones do; it protects nothing and the app marks such folders «DEMODATA».
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import cached_property

from aaben_raadgivning.domain.errors import UserError

KEY_BYTES = 32
_CHECK_BYTES = 2  # a typing mistake in the recovery code is caught before anything is tried with it
_INFO_PREFIX = b"aaben-raadgivning/v1/"
# Crockford's base32: no I, L, O or U, so the code reads aloud and types without confusion.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READS_AS = {"O": "0", "I": "1", "L": "1"}
_GROUP = 5

DEMO_SECRET = hashlib.sha256(b"aaben-raadgivning: offentlig demo-kontornoegle, kun til demodata").digest()


class RecoveryCodeError(UserError, ValueError):
    """A recovery code that cannot be right; the Danish message says why."""


def hkdf_sha256(secret: bytes, info: bytes, length: int = 32, salt: bytes = b"") -> bytes:
    """RFC 5869 HKDF with SHA-256 (extract, then expand)."""
    prk = hmac.new(salt or b"\x00" * 32, secret, hashlib.sha256).digest()
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]


@dataclass(frozen=True)
class OfficeKey:
    """32 secret bytes and what derives from them. ``repr`` never shows the secret."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError("an office key is 32 bytes")

    @classmethod
    def generate(cls) -> OfficeKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def demo(cls) -> OfficeKey:
        return cls(DEMO_SECRET)

    @classmethod
    def from_recovery_code(cls, text: str) -> OfficeKey:
        return cls(_decode_code(text))

    @property
    def is_demo(self) -> bool:
        return hmac.compare_digest(self.secret, DEMO_SECRET)

    def derive(self, label: str) -> bytes:
        return hkdf_sha256(self.secret, _INFO_PREFIX + label.encode("ascii"))

    @cached_property
    def key_id(self) -> str:
        """A public fingerprint (16 hex digits): tells which office key a folder or share was made with,
        without revealing anything about the key."""
        return self.derive("key-id")[:8].hex()

    @cached_property
    def database_key(self) -> bytes:
        """SQLCipher's raw key for the laptop's database and its backups."""
        return self.derive("laptop-database")

    @cached_property
    def snapshot_key(self) -> bytes:
        """SQLCipher's raw key for snapshots on the share."""
        return self.derive("share-snapshot")

    @cached_property
    def server_key(self) -> bytes:
        """AES-256-GCM key that seals the logged values a laptop sends to a PostgreSQL sync server."""
        return self.derive("server-values")

    @cached_property
    def share_key(self) -> bytes:
        """AES-256-GCM key that seals every file this app writes to the share."""
        return self.derive("share-files")

    @property
    def recovery_code(self) -> str:
        """The key as a code a person can print, read and type: 55 characters in groups of five."""
        data = self.secret + hashlib.sha256(self.secret).digest()[:_CHECK_BYTES]
        length = -(-len(data) * 8 // 5)
        number = int.from_bytes(data, "big") << (length * 5 - len(data) * 8)  # padding bits at the end
        chars = [_ALPHABET[(number >> (5 * (length - 1 - i))) & 31] for i in range(length)]
        text = "".join(chars)
        return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def _decode_code(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    cleaned = "".join(_READS_AS.get(ch, ch) for ch in cleaned)
    length = -(-(KEY_BYTES + _CHECK_BYTES) * 8 // 5)
    if len(cleaned) != length:
        raise RecoveryCodeError(
            f"Gendannelseskoden skal have {length} tegn (uden bindestreger); der er {len(cleaned)}. "
            "Tjek, at hele koden er skrevet af."
        )
    bad = sorted({ch for ch in cleaned if ch not in _ALPHABET})
    if bad:
        raise RecoveryCodeError(f"Gendannelseskoden indeholder tegn, der ikke kan forekomme: {' '.join(bad)}.")
    number = 0
    for ch in cleaned:
        number = number * 32 + _ALPHABET.index(ch)
    total = KEY_BYTES + _CHECK_BYTES
    number >>= length * 5 - total * 8  # the padding bits at the end
    data = number.to_bytes(total, "big")
    secret, check = data[:KEY_BYTES], data[KEY_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(secret).digest()[:_CHECK_BYTES], check):
        raise RecoveryCodeError("Gendannelseskoden er ikke rigtig (en tastefejl?). Tjek den tegn for tegn.")
    return secret

"""Client-generated record ids.

Every syncable row gets a UUIDv7 made on the device that created it, so laptops that are offline
never need a central counter, and ids sort roughly by creation time.
"""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())


def derived_id(*parts: str) -> str:
    """A deterministic UUID (version 8) for a row that several devices may create independently.

    Derived follow-up tasks are recomputed on every laptop, offline; if each laptop gave its copy a fresh
    id, syncing would duplicate the task. Naming the row by what it is (e.g. citizen id + rule key) makes
    every laptop create the *same* row, which the sync then merges field by field.
    """
    import hashlib
    import uuid

    digest = bytearray(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest())
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8 (RFC 9562: custom)
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return str(uuid.UUID(bytes=bytes(digest)))

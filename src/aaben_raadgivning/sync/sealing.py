"""Sealing the files on the share: AES-256-GCM under the office's share key (``OfficeKey.share_key``).

Anyone who can write to the office share used to control every laptop: a file there carried only a
checksum, which anyone can recompute. Now every file the app reads from the share is *sealed*: encrypted
and authenticated with the share key, under a fresh random 96-bit nonce per file, and with a plaintext
header authenticated as associated data. A file that does not open — written without the key, edited,
truncated, or moved to another name — raises ``SealError`` and is never trusted.

Two containers, one rule (the header names what the file is and where it belongs):

- **Segments** (large, read whole): ``<header JSON>\\n<nonce 12 bytes><ciphertext + 16-byte tag>``. The
  header line is the associated data, byte for byte (see ``seal_file``/``open_file``; sync/segments.py
  puts the format, role, device, segment numbers and key id in it).
- **Small JSON files** (the manifest, the share identity, device.json, state.json, retirement files,
  snapshot sidecars, the snapshot lease): one JSON object, ``{"format": 2, "role": …, "name": …,
  "key_id": …, <public fields>, "sealed": base64(nonce + ciphertext + tag)}``. The associated data is the
  canonical JSON (sorted keys, no spaces, ASCII) of every field but ``sealed``; ``name`` is the file's
  path inside the share (``devices/<id>/state.json``), so a file copied to another place does not open.
  It stays a JSON object with a top-level ``format`` so an older version reads the manifest's format and
  goes to safe mode instead of failing on it.

``key_id`` (the key's public fingerprint) is checked first, so a laptop with another office's key gets a
message saying so rather than "damaged". What sealing does not stop: a person holding the office key
(every laptop of the office has it) can write any file as any device; and an older sealed copy of a file
put back under its own name (a rollback) opens — the sync's own bookkeeping (segment numbers, state.json)
is what copes with those.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aaben_raadgivning.security.office_key import OfficeKey

SEALED_FORMAT = 2  # the share format in which files are sealed (1: plain, from before encryption)
NONCE_BYTES = 12
TAG_BYTES = 16
SEALED_FIELD = "sealed"
NOT_AUTHENTIC = "filen kan ikke godkendes: den er beskadiget, ændret, flyttet eller skrevet uden kontorets nøgle"

# Roles of the small files (part of the associated data: one kind of file never opens as another).
ROLE_MANIFEST = "manifest"
ROLE_SHARE_ID = "share-id"
ROLE_DEVICE = "device"
ROLE_STATE = "state"
ROLE_RETIRED = "retired"
ROLE_SNAPSHOT = "snapshot"
ROLE_LEASE = "lease"
ROLE_SEGMENT = "segment"


class SealError(ValueError):
    """A file on the share that must not be trusted (not sealed, another key, or fails authentication);
    the message is Danish."""


@lru_cache(maxsize=8)
def _aead(share_key: bytes) -> AESGCM:
    return AESGCM(share_key)


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def wrong_key_message(found: object, key: OfficeKey) -> str:
    return f"filen er skrevet med en anden kontornøgle (nøgle {found}; denne computers nøgle er {key.key_id})"


def _check_key_id(header: dict[str, Any], key: OfficeKey) -> None:
    found = header.get("key_id")
    if found != key.key_id:
        raise SealError(wrong_key_message(found, key))


# --- large files: a header line, then the sealed bytes ------------------------------------------


def header_line(header: dict[str, Any]) -> bytes:
    """The plaintext header as it is written (and authenticated): compact JSON on one line."""
    return json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def seal_file(key: OfficeKey, header: dict[str, Any], plaintext: bytes) -> bytes:
    """``header`` (which must name ``key_id``) on the first line, then nonce + ciphertext + tag."""
    line = header_line(header)
    nonce = os.urandom(NONCE_BYTES)
    return b"".join((line, b"\n", nonce, _aead(key.share_key).encrypt(nonce, plaintext, line)))


def read_header(data: bytes) -> tuple[dict[str, Any], int]:
    """The first line's JSON object and where the line ends (not authenticated yet)."""
    cut = data.find(b"\n")
    if cut < 0:
        raise SealError("filen er ufuldstændig")
    try:
        header = json.loads(data[:cut])
    except (ValueError, UnicodeDecodeError):
        raise SealError("filens hoved kan ikke læses") from None
    if not isinstance(header, dict):
        raise SealError("filens hoved kan ikke læses")
    return header, cut


def open_file(key: OfficeKey, data: bytes) -> tuple[dict[str, Any], bytes]:
    """(header, plaintext) of a file made by ``seal_file``; raises SealError."""
    header, cut = read_header(data)
    _check_key_id(header, key)
    body = memoryview(data)[cut + 1 :]
    if len(body) < NONCE_BYTES + TAG_BYTES:
        raise SealError(NOT_AUTHENTIC)
    try:
        plaintext = _aead(key.share_key).decrypt(bytes(body[:NONCE_BYTES]), body[NONCE_BYTES:], data[:cut])
    except InvalidTag:
        raise SealError(NOT_AUTHENTIC) from None
    return header, plaintext


# --- small JSON files ------------------------------------------------------------------------------


def seal_json(
    key: OfficeKey | None, role: str, name: str, content: bytes, public: dict[str, Any] | None = None
) -> bytes:
    """A small file's bytes: ``content`` sealed in a JSON envelope (see the module docstring), or
    ``content`` itself for a plain laptop (``key`` None: the benchmarks' baseline)."""
    if key is None:
        return content
    envelope: dict[str, Any] = {"format": SEALED_FORMAT, "role": role, "name": name, "key_id": key.key_id}
    envelope.update(public or {})
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _aead(key.share_key).encrypt(nonce, content, _canonical(envelope))
    envelope[SEALED_FIELD] = base64.b64encode(sealed).decode("ascii")
    return (json.dumps(envelope, ensure_ascii=False) + "\n").encode("utf-8")


def is_sealed_json(data: bytes) -> bool:
    try:
        envelope = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(envelope, dict) and SEALED_FIELD in envelope


def envelope(data: bytes) -> dict[str, Any]:
    """A small sealed file's public fields (not authenticated); raises SealError."""
    try:
        fields = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise SealError("filen kan ikke læses") from None
    if not isinstance(fields, dict):
        raise SealError("filen kan ikke læses")
    return fields


def open_json(key: OfficeKey | None, data: bytes, role: str, name: str) -> bytes:
    """The content of a small file sealed by ``seal_json`` as ``role`` at ``name``; raises SealError.
    A plain laptop (``key`` None) gets the bytes as they are, and refuses a sealed file."""
    if key is None:
        if is_sealed_json(data):
            raise SealError("filen er krypteret med en kontornøgle, og denne computer har ingen")
        return data
    fields = envelope(data)
    sealed = fields.pop(SEALED_FIELD, None)
    if not isinstance(sealed, str):
        raise SealError("filen er ikke krypteret med kontorets nøgle (skrevet før kryptering, eller uden nøglen)")
    _check_key_id(fields, key)
    if fields.get("role") != role or fields.get("name") != name or fields.get("format") != SEALED_FORMAT:
        raise SealError(NOT_AUTHENTIC)
    try:
        raw = base64.b64decode(sealed, validate=True)
    except (binascii.Error, ValueError):
        raise SealError(NOT_AUTHENTIC) from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealError(NOT_AUTHENTIC)
    try:
        return _aead(key.share_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _canonical(fields))
    except InvalidTag:
        raise SealError(NOT_AUTHENTIC) from None

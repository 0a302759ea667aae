"""The segment file format: what one device writes to its own folder on the share.

A segment's *body* is JSON lines: a header line, one line per change, and a footer line holding the
SHA-256 of every byte before it. JSON lines rather than an SQLite file because a segment is written once,
sequentially, and read whole: one checksum over the bytes covers all of it, a truncated or damaged
copy is detected before anything is applied, and no SQLite journal or lock file is ever created on the
network share (SQLite's locking is what is unreliable over SMB/NFS). The consolidated snapshot, which is
read as a database, *is* an SQLite file (see sync/snapshot.py).

Format 2 (a laptop with an office key; every app laptop has one): the file is *sealed* (sync/sealing.py):

    {"format":2,"role":"segment","device":D,"first":F,"last":L,"key_id":K}\n
    <12-byte nonce><AES-256-GCM ciphertext of the body, with its 16-byte tag>

The first line is authenticated as associated data. A reader checks that its device and numbers are the
folder and name the file lies under (``devices/D/seg-F-L.jsonl``) and that the body's own header says the
same, so a file cannot be edited, moved to another device's folder or replayed under another number.
Format 1 is the body alone, unsealed: only a plain laptop (``office_key`` None, the benchmarks' baseline)
writes or reads it; a keyed laptop refuses it, and a plain one refuses format 2.

Names: ``seg-<first>-<last>.jsonl`` with 10-digit sequence numbers; a normal segment has first == last,
a compacted one covers a range. Temporary files start with ``.tmp-`` and are never read.

A change line is the JSON array ``[id, hlc, table, row_id, op, field, value, base, staff_id]``, and for an
entry of another device that this laptop relays from a sync server (sync/server/), that device's id as a
tenth element. Readers take the elements they know and ignore the rest, so an element added at the end (``staff_id`` was) needs
no new format number: an older version reads the first eight.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aaben_raadgivning.changes.change import Change
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.sync import sealing
from aaben_raadgivning.sync.sealing import SealError

PLAIN_FORMAT = 1  # unsealed files: a share from before encryption, or a plain (benchmark) laptop
SEALED_FORMAT = sealing.SEALED_FORMAT
FORMAT_VERSION = SEALED_FORMAT  # the newest format this version reads
MANIFEST_NAME = "aaben-raadgivning-sync.json"
DEVICES_DIR = "devices"
SNAPSHOTS_DIR = "snapshots"
SEGMENT_RE = re.compile(r"^seg-(\d{10})-(\d{10})\.jsonl$")
TMP_PREFIX = ".tmp-"


class SegmentError(SealError):
    """A segment that must not be applied (damaged, half-written, from an unknown format, or one that
    fails authentication: written without the office key, edited, moved or renamed)."""


def share_format(key: OfficeKey | None) -> int:
    """The format a laptop writes: sealed with a key, plain without (the benchmarks' baseline)."""
    return SEALED_FORMAT if key is not None else PLAIN_FORMAT


@dataclass(frozen=True)
class Segment:
    device_id: str
    first: int
    last: int
    changes: tuple[Change, ...]
    applied: dict[str, int] = field(default_factory=dict)  # what the writer had applied from others
    created_ms: int = 0
    format: int = FORMAT_VERSION
    # A compacted segment keeps its parts (first, last, applied, count): a reader applies them one by one,
    # each after what it depended on, exactly as if the original segments were still there.
    parts: tuple[tuple[int, int, dict[str, int], int], ...] = ()

    @property
    def max_hlc(self) -> str | None:
        return max((c.hlc for c in self.changes), default=None)

    def split(self) -> list[Segment]:
        if not self.parts:
            return [self]
        pieces, start = [], 0
        for first, last, applied, count in self.parts:
            pieces.append(Segment(self.device_id, first, last, self.changes[start : start + count], applied,
                                  self.created_ms, self.format))  # fmt: skip
            start += count
        return pieces

    def header(self) -> dict[str, Any]:
        header = {
            "format": self.format,
            "device": self.device_id,
            "first": self.first,
            "last": self.last,
            "count": len(self.changes),
            "applied": dict(sorted(self.applied.items())),
            "created_ms": self.created_ms,
        }
        if self.parts:
            header["parts"] = [[f, last, dict(sorted(a.items())), n] for f, last, a, n in self.parts]
        return header


def segment_name(first: int, last: int) -> str:
    return f"seg-{first:010d}-{last:010d}.jsonl"


def parse_name(name: str) -> tuple[int, int] | None:
    match = SEGMENT_RE.match(name)
    return (int(match[1]), int(match[2])) if match else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_lines(header: dict[str, Any], lines: list[str], key: OfficeKey | None) -> bytes:
    """A segment from change lines that are already JSON text (the export has SQLite write them): sealed
    under ``key`` (format 2), or plain without one (format 1)."""
    header = dict(header, format=share_format(key))
    body = (_dumps(header) + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
    footer = _dumps({"sha256": hashlib.sha256(body).hexdigest(), "count": len(lines)}) + "\n"
    plain = body + footer.encode("utf-8")
    if key is None:
        return plain
    del body
    outer = {"format": SEALED_FORMAT, "role": sealing.ROLE_SEGMENT, "device": header["device"],
             "first": int(header["first"]), "last": int(header["last"]), "key_id": key.key_id}  # fmt: skip
    return sealing.seal_file(key, outer, plain)


def encode_with_header(
    header: dict[str, Any], changes: tuple[Change, ...] | list[Change], key: OfficeKey | None
) -> bytes:
    device = header["device"]
    return encode_lines(
        header,
        [_dumps(c.line() if c.device_id == device else [*c.line(), c.device_id]) for c in changes],
        key,
    )


def encode(segment: Segment, key: OfficeKey | None) -> bytes:
    return encode_with_header(segment.header(), segment.changes, key)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _where(device: str | None, name: str | None) -> tuple[str | None, tuple[int, int] | None]:
    numbers = parse_name(name) if name is not None else None
    if name is not None and numbers is None:
        raise SegmentError("filens navn er ikke et segmentnavn")
    return device, numbers


def _check_place(header: dict[str, Any], device: str | None, numbers: tuple[int, int] | None) -> None:
    try:
        found_device, found = str(header["device"]), (int(header["first"]), int(header["last"]))
    except (KeyError, TypeError, ValueError):
        raise SegmentError("filens hoved kan ikke læses") from None
    if device is not None and found_device != device:
        raise SegmentError("filen ligger i en anden computers mappe")
    if numbers is not None and found != numbers:
        raise SegmentError("filens navn passer ikke med dens indhold (omdøbt eller flyttet)")


def unseal(data: bytes, key: OfficeKey | None, *, device: str | None = None, name: str | None = None) -> bytes:
    """The plain segment (format 1 bytes: header, lines, footer) in ``data``, checked against where the
    file lies when ``device`` (its folder) and ``name`` are given. Raises SegmentError."""
    device, numbers = _where(device, name)
    try:
        outer, _cut = sealing.read_header(data)
    except SealError as exc:
        raise SegmentError(str(exc)) from None
    try:
        fmt = int(outer["format"])
    except (KeyError, TypeError, ValueError):
        raise SegmentError("filens hoved kan ikke læses") from None
    if fmt > FORMAT_VERSION:
        raise SegmentError(f"filen er i et nyere format ({fmt}); opdatér programmet")
    if key is None:
        if fmt != PLAIN_FORMAT:
            raise SegmentError("filen er krypteret med en kontornøgle, og denne computer har ingen")
        _check_place(outer, device, numbers)
        return data
    if fmt != SEALED_FORMAT:
        raise SegmentError("filen er ikke krypteret med kontorets nøgle (skrevet før kryptering, eller uden nøglen)")
    try:
        outer, plain = sealing.open_file(key, data)
    except SealError as exc:
        raise SegmentError(str(exc)) from None
    if outer.get("role") != sealing.ROLE_SEGMENT:
        raise SegmentError(sealing.NOT_AUTHENTIC)
    _check_place(outer, device, numbers)
    inner, _cut = sealing.read_header(plain)
    _check_place(inner, str(outer["device"]), (int(outer["first"]), int(outer["last"])))
    if inner.get("format") != SEALED_FORMAT:
        raise SegmentError(sealing.NOT_AUTHENTIC)
    return plain


def _verify_plain(data: bytes) -> tuple[bytes, dict[str, Any]]:
    if not data.endswith(b"\n"):
        raise SegmentError("filen er ufuldstændig (mangler slutningen)")
    cut = data.rfind(b"\n", 0, len(data) - 1)
    if cut < 0:
        raise SegmentError("filen er ufuldstændig")
    body, footer_line = data[: cut + 1], data[cut + 1 :]
    try:
        footer = json.loads(footer_line)
        expected = footer["sha256"]
    except (ValueError, KeyError, TypeError):
        raise SegmentError("filen har ingen gyldig kontrolsum") from None
    if hashlib.sha256(body).hexdigest() != expected:
        raise SegmentError("kontrolsummen passer ikke (filen er beskadiget)")
    return body, footer


def verify(
    data: bytes, key: OfficeKey | None, *, device: str | None = None, name: str | None = None
) -> tuple[bytes, dict[str, Any]]:
    """Open (format 2) and check the footer's checksum; returns (body, footer) or raises SegmentError."""
    return _verify_plain(unseal(data, key, device=device, name=name))


def _split_lines(body: bytes) -> list[str]:
    # Only "\n" ends a line: JSON escapes it inside strings, but not U+2028, U+0085 and friends, which
    # str.splitlines() would also cut at (a note containing one must not make the file unreadable).
    return body.decode("utf-8").split("\n")[:-1]


def decode(data: bytes, key: OfficeKey | None, *, device: str | None = None, name: str | None = None) -> Segment:
    """The segment in ``data`` (sealed under ``key``, or plain without one). ``device`` and ``name``: the
    folder and file name it was read from, which its authenticated header must name. Raises SegmentError;
    nothing of a file that raises may be applied."""
    body, footer = verify(data, key, device=device, name=name)
    try:
        lines = _split_lines(body)
        header = json.loads(lines[0])
        fmt = int(header["format"])
        if fmt > FORMAT_VERSION:
            raise SegmentError(f"filen er i et nyere format ({fmt}); opdatér programmet")
        device = str(header["device"])
        # One parse for all lines (per-line json.loads calls cost more than the parsing itself).
        entries = json.loads("[" + ",".join(lines[1:]) + "]")
        changes = tuple(
            Change(
                e[0],
                e[1],
                e[9] if len(e) > 9 else device,
                e[2],
                e[3],
                e[4],
                e[5],
                e[6],
                e[7],
                e[8] if len(e) > 8 else None,
            )
            for e in entries
        )
        if len(changes) != len(lines) - 1:
            raise SegmentError("en linje indeholder mere end én ændring")
        if len(changes) != int(header["count"]) or len(changes) != int(footer.get("count", len(changes))):
            raise SegmentError("antallet af ændringer passer ikke")
        return Segment(
            device_id=device,
            first=int(header["first"]),
            last=int(header["last"]),
            changes=changes,
            applied={str(k): int(v) for k, v in header.get("applied", {}).items()},
            created_ms=int(header.get("created_ms", 0)),
            format=fmt,
            parts=tuple(
                (int(f), int(last), {str(k): int(v) for k, v in a.items()}, int(n))
                for f, last, a, n in header.get("parts", [])
            ),
        )
    except SegmentError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise SegmentError(f"filen kan ikke læses ({exc})") from None


# --- the manifest ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    format: int
    key_id: str | None  # the office key the share was set up with (None: a plain share, format 1)
    demo: bool


def manifest_bytes(key: OfficeKey | None) -> bytes:
    """The share's manifest: sealed, naming the office key (format 2), or plain for a plain laptop."""
    if key is None:
        return (_dumps({"app": "aaben-raadgivning", "format": PLAIN_FORMAT}) + "\n").encode()
    content = {"app": "aaben-raadgivning", "format": SEALED_FORMAT, "key_id": key.key_id, "demo": key.is_demo}
    public = {"app": "aaben-raadgivning", "demo": key.is_demo}
    return sealing.seal_json(key, sealing.ROLE_MANIFEST, MANIFEST_NAME, _dumps(content).encode(), public)


def manifest_public(data: bytes) -> Manifest:
    """What the manifest says of itself, *not authenticated*: for messages, and for the format of a newer
    share (safe mode). Raises SegmentError when it is not a manifest at all."""
    try:
        fields = json.loads(data)
        fmt = int(fields["format"])
        key_id = fields.get("key_id")
        return Manifest(fmt, str(key_id) if key_id is not None else None, bool(fields.get("demo", False)))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise SegmentError(f"fællesmappens beskrivelse kan ikke læses ({exc})") from None


def read_manifest(data: bytes, key: OfficeKey | None) -> Manifest:
    """The manifest, authenticated under ``key``. A newer format is returned unauthenticated (the caller
    goes to safe mode); a plain share read with a key, a sealed one read without, another office's key or
    a manifest that fails authentication raise SegmentError (messages for ShareIdentityError/SyncError)."""
    public = manifest_public(data)
    if public.format > FORMAT_VERSION:
        return public
    if key is None:
        if public.format != PLAIN_FORMAT:
            raise SegmentError("fællesmappen er krypteret med en kontornøgle, og denne computer har ingen")
        return public
    if public.format == PLAIN_FORMAT or not sealing.is_sealed_json(data):
        raise SegmentError("fællesmappen er lavet, før kontorets data blev krypteret")
    if public.key_id != key.key_id:
        raise SegmentError(sealing.wrong_key_message(public.key_id, key))
    try:
        content = json.loads(sealing.open_json(key, data, sealing.ROLE_MANIFEST, MANIFEST_NAME))
        manifest = Manifest(int(content["format"]), str(content["key_id"]), bool(content.get("demo", False)))
    except SealError as exc:
        raise SegmentError(f"fællesmappens beskrivelse: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SegmentError(f"fællesmappens beskrivelse kan ikke læses ({exc})") from None
    if manifest.format != public.format or manifest.key_id != key.key_id or manifest.demo != public.demo:
        raise SegmentError(f"fællesmappens beskrivelse: {sealing.NOT_AUTHENTIC}")
    return manifest


def manifest_format(data: bytes, key: OfficeKey | None = None) -> int:
    return read_manifest(data, key).format

"""The segment file format: what one device writes to its own folder on the share.

A segment is JSON lines: a header line, one line per change, and a footer line holding the SHA-256 of
every byte before it. JSON lines rather than an SQLite file because a segment is written once,
sequentially, and read whole: one checksum over the bytes covers all of it, a truncated or damaged
copy is detected before anything is applied, and no SQLite journal or lock file is ever created on the
network share (SQLite's locking is what is unreliable over SMB/NFS). The consolidated snapshot, which is
read as a database, *is* an SQLite file (see sync/snapshot.py).

Names: ``seg-<first>-<last>.jsonl`` with 10-digit sequence numbers; a normal segment has first == last,
a compacted one covers a range. Temporary files start with ``.tmp-`` and are never read.

A change line is the JSON array ``[id, hlc, table, row_id, op, field, value, base, staff_id]``. Readers
take the elements they know and ignore the rest, so an element added at the end (``staff_id`` was) needs
no new format number: an older version reads the first eight.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aaben_raadgivning.changes.change import Change

FORMAT_VERSION = 1
MANIFEST_NAME = "aaben-raadgivning-sync.json"
DEVICES_DIR = "devices"
SNAPSHOTS_DIR = "snapshots"
SEGMENT_RE = re.compile(r"^seg-(\d{10})-(\d{10})\.jsonl$")
TMP_PREFIX = ".tmp-"


class SegmentError(ValueError):
    """A segment that must not be applied (damaged, half-written, or from an unknown format)."""


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


def encode_lines(header: dict[str, Any], lines: list[str]) -> bytes:
    """A segment from change lines that are already JSON text (the export has SQLite write them)."""
    body = (_dumps(header) + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
    footer = _dumps({"sha256": hashlib.sha256(body).hexdigest(), "count": len(lines)}) + "\n"
    return body + footer.encode("utf-8")


def encode_with_header(header: dict[str, Any], changes: tuple[Change, ...] | list[Change]) -> bytes:
    return encode_lines(header, [_dumps(change.line()) for change in changes])


def encode(segment: Segment) -> bytes:
    return encode_with_header(segment.header(), segment.changes)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Check the footer's checksum; returns (body, footer) or raises SegmentError."""
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


def _split_lines(body: bytes) -> list[str]:
    # Only "\n" ends a line: JSON escapes it inside strings, but not U+2028, U+0085 and friends, which
    # str.splitlines() would also cut at (a note containing one must not make the file unreadable).
    return body.decode("utf-8").split("\n")[:-1]


def decode(data: bytes) -> Segment:
    body, footer = verify(data)
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
            Change(e[0], e[1], device, e[2], e[3], e[4], e[5], e[6], e[7], e[8] if len(e) > 8 else None)
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


def manifest_bytes() -> bytes:
    return (_dumps({"app": "aaben-raadgivning", "format": FORMAT_VERSION}) + "\n").encode()


def manifest_format(data: bytes) -> int:
    try:
        return int(json.loads(data)["format"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SegmentError(f"fællesmappens beskrivelse kan ikke læses ({exc})") from None

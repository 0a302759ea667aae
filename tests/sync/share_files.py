"""The share's sealed files in tests: read and write them as a laptop holding the test office key does.

A test that damages a file's *content* in a way its checksum does not catch (a flipped digit in
state.json, a sidecar stamped years ahead) writes it through ``write_json``, sealed again: what it
tests is the sync's reaction to what a key holder wrote, not the seal. ``seal`` is what every file on
the share goes through (sync/sealing.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.sync import sealing
from aaben_raadgivning.sync import segments as seg
from support.keys import TEST_OFFICE_KEY


def place(share: Path, path: Path) -> str:
    return path.relative_to(share).as_posix()


def role(where: str) -> str:
    name = where.rsplit("/", 1)[-1]
    if where == seg.MANIFEST_NAME:
        return sealing.ROLE_MANIFEST
    if where == "aaben-raadgivning-share.json":
        return sealing.ROLE_SHARE_ID
    if where.startswith("retired/"):
        return sealing.ROLE_RETIRED
    if where.startswith("snapshots/"):
        return sealing.ROLE_LEASE if name == "lease.json" else sealing.ROLE_SNAPSHOT
    return {"device.json": sealing.ROLE_DEVICE, "state.json": sealing.ROLE_STATE}[name]


def read_json(share: Path, path: Path, key: OfficeKey = TEST_OFFICE_KEY) -> Any:
    where = place(share, path)
    return json.loads(sealing.open_json(key, path.read_bytes(), role(where), where))


def write_json(share: Path, path: Path, content: Any, key: OfficeKey | None = TEST_OFFICE_KEY) -> None:
    where = place(share, path)
    data = content if isinstance(content, bytes) else (json.dumps(content) + "\n").encode()
    path.write_bytes(sealing.seal_json(key, role(where), where, data))


def read_segment(path: Path, key: OfficeKey | None = TEST_OFFICE_KEY) -> seg.Segment:
    return seg.decode(path.read_bytes(), key, device=path.parent.name, name=path.name)


def write_segment(path: Path, segment: seg.Segment, key: OfficeKey | None = TEST_OFFICE_KEY) -> None:
    path.write_bytes(seg.encode(segment, key))

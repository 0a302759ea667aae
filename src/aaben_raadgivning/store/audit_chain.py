"""The audit log's hash chain: every audit row a device writes is linked to the one before it.

Each device numbers its own audit rows 1, 2, 3, … (``chain_seq``) and stores with each row the hash of the row
before it (``chain_prev``) and its own hash (``chain_hash``) = SHA-256 of the previous hash and a canonical
encoding of the row's fields. The rows sync with their chain columns, so every laptop can recompute every
device's chain: a row changed afterwards no longer matches its hash, a deleted row leaves a gap in the numbers,
and a row slipped in leaves a number twice or a row without a number after the chain began.

Only the device that writes a chain extends it, inside the action's own transaction (``next_link``): writes are
serialised by SQLite's write lock (BEGIN IMMEDIATE), so reading the last link and inserting the next is safe.

A GDPR purge may remove audit rows on purpose (``sync_purged``): gaps are accepted up to the number of purged
audit rows of that device. Rows written before the chain existed (migration 0007) have NULL chain columns and
are counted as "fra før kæden".

Verification (``verify_audit_chains``) is pure reading; ``check`` runs it over everything, and the sync may run
it for the devices whose rows it has just applied (``incremental=True`` starts after the last verified link
and records the new one in ``local_meta``).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from aaben_raadgivning.store.audit_labels import action_label

GENESIS = "0" * 64  # the "previous hash" of a device's first chained row
HEAD_KEY = "audit_chain_head"  # local_meta: this device's last link "seq:hash" (survives a purge of the last row)
VERIFIED_KEY = "audit_chain_verified"  # local_meta: {device: [seq, hash]} verified so far (incremental checks)
STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's DateTime text on SQLite, as the replica writes it too
# The fields covered by the hash, in this order (the chain columns themselves only through seq).
FIELDS = ("id", "at", "staff_id", "device_id", "action", "entity", "entity_id", "citizen_id", "detail")
_COLUMNS = ", ".join((*FIELDS, "chain_seq", "chain_prev", "chain_hash"))
MAX_LISTED = 5  # problems listed per device and kind; the rest are counted

# Kinds of problem
CHANGED = "changed"
DELETED = "deleted"
INSERTED = "inserted"


def stored_at(value: datetime | str) -> str:
    """The timestamp as stored (naive UTC, microseconds): the same text however the row reached the table."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime(STORED_FORMAT)


def canonical(seq: int, row: dict[str, Any]) -> bytes:
    """The bytes a row's hash covers: its number and fields as a compact JSON array (UTF-8)."""
    values: list[Any] = [seq]
    for name in FIELDS:
        value = row.get(name)
        if name == "at" and value is not None:
            value = stored_at(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def link_hash(prev: str, seq: int, row: dict[str, Any]) -> str:
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical(seq, row)).hexdigest()


# --- writing (inside Tx.audit) ---------------------------------------------------------------------------


def next_link(session: Session, device_id: str) -> tuple[int, str]:
    """The number and previous hash for this device's next audit row (in the caller's write transaction)."""
    row = session.execute(
        text(
            "SELECT chain_seq, chain_hash FROM audit_log WHERE device_id = :device AND chain_seq IS NOT NULL "
            "ORDER BY chain_seq DESC LIMIT 1"
        ),
        {"device": device_id},
    ).first()
    seq, prev = (int(row[0]), str(row[1])) if row else (0, GENESIS)
    head = session.execute(text("SELECT value FROM local_meta WHERE key = :key"), {"key": HEAD_KEY}).scalar()
    if head:
        head_seq, _, head_hash = str(head).partition(":")
        if int(head_seq) > seq:  # the newest rows were purged (GDPR): continue after them, not over them
            seq, prev = int(head_seq), head_hash
    return seq + 1, prev


def remember_head(session: Session, seq: int, chain_hash: str) -> None:
    session.execute(
        text(
            "INSERT INTO local_meta (key, value) VALUES (:key, :value) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        ),
        {"key": HEAD_KEY, "value": f"{seq}:{chain_hash}"},
    )


def rechain_as(conn: Connection, change_ids: Sequence[str], new_device: str) -> int:
    """A cloned disk's reset (sync/device.py): the audit rows among ``change_ids`` (own, never sent) were
    written on the clone under the old device id, so their numbers fork the old id's chain. They become the
    start of the new id's chain: device id, numbers and hashes rewritten in the rows and in their logged
    inserts, before anything is sent. Returns how many rows were moved."""
    rows = conn.exec_driver_sql(
        f"SELECT c.id, {', '.join('a.' + name for name in FIELDS)} FROM change_log AS c "
        "JOIN audit_log AS a ON a.id = c.row_id WHERE c.table_name = 'audit_log' AND c.op = 'insert' "
        "AND c.id IN (SELECT value FROM json_each(?)) ORDER BY a.chain_seq, a.at, a.id",
        (json.dumps(list(change_ids)),),
    ).all()
    prev, seq = GENESIS, 0
    for change_id, *values in rows:
        row = dict(zip(FIELDS, values, strict=True))
        row["device_id"] = new_device
        seq += 1
        digest = link_hash(prev, seq, row)
        conn.exec_driver_sql(
            "UPDATE audit_log SET device_id = ?, chain_seq = ?, chain_prev = ?, chain_hash = ? WHERE id = ?",
            (new_device, seq, prev, digest, row["id"]),
        )
        conn.exec_driver_sql(
            "UPDATE change_log SET value = json_set(value, '$.device_id', ?, '$.chain_seq', ?, '$.chain_prev', ?, "
            "'$.chain_hash', ?) WHERE id = ?",
            (new_device, seq, prev, digest, change_id),
        )
        prev = digest
    head = f"{seq}:{prev}" if seq else None
    if head is None:
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key = ?", (HEAD_KEY,))
    else:
        conn.exec_driver_sql(
            "INSERT INTO local_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (HEAD_KEY, head),
        )
    return len(rows)


# --- verifying ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    device_id: str
    kind: str  # CHANGED, DELETED or INSERTED
    message: str  # Danish


@dataclass
class ChainReport:
    problems: list[ChainProblem] = field(default_factory=list)
    verified: dict[str, int] = field(default_factory=dict)  # device → rows in its chain checked
    before_chain: dict[str, int] = field(default_factory=dict)  # device → rows from before the chain

    @property
    def ok(self) -> bool:
        return not self.problems


def _device_names(conn: Connection) -> dict[str, str]:
    names = {str(d): str(n) for d, n in conn.exec_driver_sql("SELECT device_id, name FROM sync_peers") if n}
    own = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = 'device_id'").scalar()
    if own:
        names[str(own)] = "denne computer"
    return names


def _purged_counts(conn: Connection) -> tuple[dict[str, int], int]:
    """Audit rows purged on purpose (GDPR), per device that wrote them, and those whose device is unknown."""
    per_device: dict[str, int] = defaultdict(int)
    unknown = 0
    for device, count in conn.exec_driver_sql(
        "SELECT c.device_id, count(*) FROM sync_purged AS p LEFT JOIN change_log AS c "
        "ON c.table_name = 'audit_log' AND c.row_id = p.row_id AND c.op = 'insert' "
        "WHERE p.table_name = 'audit_log' GROUP BY c.device_id"
    ):
        if device is None:
            unknown += int(count)
        else:
            per_device[str(device)] += int(count)
    return per_device, unknown


def _when(value: Any) -> str:
    from aaben_raadgivning.domain.clock import to_local

    try:
        moment = to_local(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)
    return moment.strftime("%d.%m.%Y kl. %H:%M")


def _rows_word(count: int) -> str:
    return "1 række" if count == 1 else f"{count} rækker"


class _DeviceCheck:
    def __init__(self, device_id: str, name: str) -> None:
        self.device_id = device_id
        self.where = f"Revisionssporet fra {name}"
        self.found: dict[str, list[str]] = defaultdict(list)

    def add(self, kind: str, message: str) -> None:
        self.found[kind].append(message)

    def problems(self) -> list[ChainProblem]:
        out = []
        for kind in (CHANGED, DELETED, INSERTED):
            messages = self.found.get(kind, [])
            for message in messages[:MAX_LISTED]:
                out.append(ChainProblem(self.device_id, kind, f"{self.where}: {message}"))
            if len(messages) > MAX_LISTED:
                out.append(
                    ChainProblem(
                        self.device_id, kind, f"{self.where}: og {len(messages) - MAX_LISTED} fund mere af samme slags."
                    )
                )
        return out


def _verify_device(
    conn: Connection,
    device_id: str,
    name: str,
    allowed_gaps: int,
    start: tuple[int, str] | None,
    report: ChainReport,
) -> tuple[int, str] | None:
    """Check one device's chain; returns its last verified link (None when a problem was found)."""
    check = _DeviceCheck(device_id, name)
    after = start[0] if start else 0
    rows = conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM audit_log WHERE device_id = ? AND (chain_seq IS NULL OR chain_seq > ?) "
        "ORDER BY chain_seq, at, id",
        (device_id, after),
    ).all()
    unchained = [r for r in rows if r[-3] is None]
    chained = [r for r in rows if r[-3] is not None]
    first_at: str | None = None
    if start is None:
        first_at = stored_at(chained[0][1]) if chained else None
    else:
        first_at = conn.exec_driver_sql(
            "SELECT min(at) FROM audit_log WHERE device_id = ? AND chain_seq IS NOT NULL", (device_id,)
        ).scalar()
        first_at = stored_at(first_at) if first_at else None
    before = 0
    for row in unchained:
        if first_at is not None and stored_at(row[1]) >= first_at:
            check.add(INSERTED, f"en række ({_when(row[1])}, «{action_label(str(row[4]))}») er sat ind uden om programmet "
                                "(den har intet nummer i kæden).")  # fmt: skip
        else:
            before += 1
    if before and start is None:
        report.before_chain[device_id] = before
    prev_seq, prev_hash = start if start else (0, GENESIS)
    missing = 0
    for row in chained:
        values = dict(zip(FIELDS, row[: len(FIELDS)], strict=True))
        seq, stored_prev, stored_hash = int(row[-3]), row[-2], row[-1]
        if seq == prev_seq:
            check.add(INSERTED, f"nummer {seq} i kæden findes mere end én gang ({_when(row[1])}, «{action_label(str(row[4]))}»): "
                                "en række er sat ind uden om programmet.")  # fmt: skip
            continue
        if seq > prev_seq + 1:
            missing += seq - prev_seq - 1
            gap = f"nr. {prev_seq + 1}" if seq == prev_seq + 2 else f"nr. {prev_seq + 1}–{seq - 1}"
            if missing > allowed_gaps:
                check.add(DELETED, f"{_rows_word(seq - prev_seq - 1)} mangler ({gap}, før {_when(row[1])}): "
                                   "slettet uden om programmet.")  # fmt: skip
        elif stored_prev != prev_hash:
            check.add(CHANGED, f"række nr. {seq} ({_when(row[1])}) peger ikke på rækken før den: "
                               "kæden er brudt (en række er ændret, flyttet eller sat ind).")  # fmt: skip
        if link_hash(str(stored_prev or ""), seq, values) != stored_hash:
            check.add(
                CHANGED,
                f"række nr. {seq} ({_when(row[1])}, «{action_label(str(row[4]))}») er ændret, efter den blev skrevet.",
            )
        prev_seq, prev_hash = seq, str(stored_hash)
    head = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?", (HEAD_KEY,)).scalar()
    own = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = 'device_id'").scalar()
    if head and own == device_id:
        head_seq = int(str(head).partition(":")[0])
        if head_seq > prev_seq:
            missing += head_seq - prev_seq
            if missing > allowed_gaps:
                check.add(DELETED, f"de nyeste {_rows_word(head_seq - prev_seq)} (nr. {prev_seq + 1}–{head_seq}) "
                                   "mangler: slettet uden om programmet.")  # fmt: skip
    report.verified[device_id] = report.verified.get(device_id, 0) + len(chained)
    problems = check.problems()
    report.problems.extend(problems)
    return None if problems else (prev_seq, prev_hash)


def verify_audit_chains(
    conn: Connection, device_ids: Iterable[str] | None = None, *, incremental: bool = False
) -> ChainReport:
    """Recompute the audit chains of ``device_ids`` (None: every device in the audit log) and report each
    changed, deleted or inserted row in Danish.

    ``incremental``: start after each device's last verified link (kept in local_meta, updated here when the
    new rows verify: the caller's transaction must be a write transaction), so a sync round checks only what
    it has just received. ``check`` verifies everything from the start (``incremental=False``, read only)."""
    if device_ids is None:
        devices: Sequence[str] = [str(d) for d in conn.exec_driver_sql("SELECT DISTINCT device_id FROM audit_log")
                                  .scalars()]  # fmt: skip
    else:
        devices = sorted(set(device_ids))
    names = _device_names(conn)
    purged, purged_unknown = _purged_counts(conn)
    verified: dict[str, list[Any]] = {}
    if incremental:
        stored = conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?", (VERIFIED_KEY,)).scalar()
        verified = json.loads(stored) if stored else {}
    report = ChainReport()
    for device in sorted(devices):
        start_link = verified.get(device)
        start = (int(start_link[0]), str(start_link[1])) if start_link else None
        allowed = purged.get(device, 0) + purged_unknown
        name = names.get(device, f"computeren {device[:8]}")
        if not name.startswith(("denne", "computeren")):
            name = f"computeren {name}"
        last = _verify_device(conn, device, name, allowed, start, report)
        if incremental and last is not None:
            verified[device] = [last[0], last[1]]
    if incremental:
        conn.exec_driver_sql(
            "INSERT INTO local_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (VERIFIED_KEY, json.dumps(verified)),
        )
    return report

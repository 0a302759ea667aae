"""What this laptop keeps about its sync, in its own database (never synced): the round's report, the
header's status, open conflicts and the device names they show, and the local upkeep a round starts with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import APPEND_ONLY_TABLES
from aaben_raadgivning.store.replica import (
    TABLES,
    Applier,
    recompute_conflicts,
)


@dataclass
class SyncReport:
    sent: int = 0  # own changes written to the share
    received: int = 0  # changes from other devices applied here
    segments_sent: int = 0
    segments_received: int = 0
    conflicts: int = 0  # open conflicts after the round
    new_conflicts: int = 0
    scrubbed: int = 0  # own files on the share rewritten without the data of purged citizens
    warnings: list[str] = field(default_factory=list)
    # Changes of another device this laptop cannot get yet (a file missing on the share): the round is
    # not a success while any remain (the command exits non-zero, F9 shows it, check reports it).
    gaps: list[str] = field(default_factory=list)
    snapshot_written: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class SyncStatus:
    """What the header shows (cheap: a few indexed queries, no share access)."""

    last_success: datetime | None
    waiting: int  # own changes not yet on the share
    conflicts: int
    safe_mode: str | None  # the Danish reason, when the share is from a newer version
    gaps: int = 0  # other devices whose changes cannot be received yet (see _Round._record_gaps)


# local_meta keys of the sync through a server (sync/server/): whether the relay trigger of migration 0010
# records ('1'; '0' inside a pull's own transaction), and per server its numbers (pushed, pulled, own, purged).
SERVER_RELAY_KEY = "server_relay"
SHARE_ID_KEY = "sync_share_id"  # the share this laptop belongs to (sync/office_share.py)


def server_meta_key(server_id: str, name: str) -> str:
    return f"server:{server_id}:{name}"


def meta(conn: Connection, key: str) -> str | None:
    return conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = ?", (key,)).scalar()


def set_meta(conn: Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key = ?", (key,))
    else:
        conn.exec_driver_sql("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?, ?)", (key, value))


def sync_status(db: Database) -> SyncStatus:
    with db.engine.connect() as conn:
        last = meta(conn, "sync_last_success")
        waiting = _waiting(conn)
        conflicts = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
        safe = meta(conn, "sync_safe_mode")
        gaps = len(json.loads(meta(conn, "sync_gaps") or "{}"))
        conn.rollback()
    return SyncStatus(datetime.fromisoformat(last) if last else None, waiting, conflicts, safe, gaps)


def _waiting(conn: Connection) -> int:
    """Changes waiting to be sent: own ones not yet on the share (for a laptop on a share, or on nothing
    yet), plus what the relay lists for a sync server (sync/server/round.py) beyond what was pushed."""
    on_server = meta(conn, SERVER_RELAY_KEY) is not None
    on_share = meta(conn, SHARE_ID_KEY) is not None
    waiting = 0
    if on_share or not on_server:
        waiting += conn.exec_driver_sql("SELECT count(*) FROM sync_outbox WHERE segment IS NULL").scalar_one()
    if on_server:
        waiting += conn.exec_driver_sql("SELECT count(*) FROM sync_relay").scalar_one()
    return waiting


def record_success(db: Database, report: SyncReport) -> None:
    """The end of a successful round (share or server): when, and the conflicts now open."""
    with db.write() as conn:
        set_meta(conn, "sync_last_success", db.now().isoformat(timespec="seconds"))
        report.conflicts = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()


def refresh_conflicts_after_local_edits(db: Database) -> None:
    """A local edit changes what counts as overwritten (and the winner) for its field: recompute the
    conflicts of the rows edited here, as every other replica does when the edit arrives. Watermarked by
    outbox number, so it is idempotent and survives a crash."""
    with db.write() as conn:
        done = int(meta(conn, "sync_conflicts_seq") or 0)
        top = conn.exec_driver_sql("SELECT max(seq) FROM sync_outbox").scalar() or 0
        if top <= done:
            return
        rows: dict[str, set[str]] = {}
        # Every own update/delete has a sync_bases row (the outbox trigger writes it): probing that small
        # table instead of the change log skips the bulk of new rows, which are inserts.
        for table, row_id in conn.exec_driver_sql(
            "SELECT c.table_name, c.row_id FROM sync_outbox AS o JOIN sync_bases AS b ON b.change_id = o.change_id "
            "JOIN change_log AS c ON c.id = o.change_id WHERE o.seq > ? AND c.op IN ('update', 'delete')",
            (done,),
        ):
            rows.setdefault(table, set()).add(row_id)
        for table, ids in rows.items():
            if table in TABLES and table not in APPEND_ONLY_TABLES:
                recompute_conflicts(conn, table, sorted(ids))
        set_meta(conn, "sync_conflicts_seq", str(top))


PURGES_KEY = "sync_purges_for_snapshot"  # {device: segment} holding purges a snapshot must come after


def note_purge_for_snapshot(conn: Connection, device: str, segment: int) -> None:
    """A snapshot on the share older than this purge still holds the purged data: remember the purge's
    segment until a snapshot that contains it replaces the old ones (see _purges_need_snapshot)."""
    needed = json.loads(meta(conn, PURGES_KEY) or "{}")
    needed[device] = max(segment, int(needed.get(device, 0)))
    set_meta(conn, PURGES_KEY, json.dumps(needed, sort_keys=True))


def apply_changes_now_understood(db: Database) -> int:
    """Changes kept from a newer version (``sync_unknown``) that this version now understands — after an
    upgrade — are applied: their rows are merged again from all their entries. Returns how many."""
    with db.write() as conn:
        rows = conn.exec_driver_sql(
            "SELECT u.change_id, u.table_name, u.row_id, c.op, c.field, c.value FROM sync_unknown AS u "
            "JOIN change_log AS c ON c.id = u.change_id"
        ).all()
        understood = []
        for change_id, table, row_id, op, field_name, value in rows:
            info = TABLES.get(table)
            if info is None:
                continue
            if op == "insert":
                if value is not None and not set(json.loads(value)) <= info.column_set:
                    continue
            elif op in ("update", "delete") and field_name not in info.column_set:
                continue
            understood.append((change_id, table, row_id))
        if not understood:
            return 0
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        Applier(conn).refold(sorted({(table, row_id) for _, table, row_id in understood}))
        conn.exec_driver_sql(
            "DELETE FROM sync_unknown WHERE change_id IN (SELECT value FROM json_each(?))",
            (json.dumps([change_id for change_id, _, _ in understood]),),
        )
    return len(understood)


def count_changes(db: Database) -> int:
    """Changes from other devices (after starting from a snapshot)."""
    with db.engine.connect() as conn:
        count = conn.exec_driver_sql(
            "SELECT count(*) FROM change_log WHERE device_id != ?", (db.device_id,)
        ).scalar_one()
        conn.rollback()
    return count


def device_names(db: Database) -> dict[str, str]:
    """Names of the other devices as they call themselves on the share (empty when unknown)."""
    with db.engine.connect() as conn:
        names: dict[str, str] = dict(conn.exec_driver_sql("SELECT device_id, name FROM sync_peers").all())
        conn.rollback()
    return names


def open_conflicts(db: Database) -> list[dict[str, Any]]:
    """The open conflicts, oldest first, as plain dicts (for the conflicts screen and tests). ``winner_by``
    and ``loser_by``: who made each change (``name (initials)``), None when not recorded (system work,
    or a change from before the person was recorded)."""
    with db.engine.connect() as conn:
        rows = (
            conn.exec_driver_sql(
                "SELECT k.loser_id, k.table_name, k.row_id, k.field, k.loser_value, k.loser_hlc, k.loser_device, "
                "k.winner_id, k.winner_value, k.winner_hlc, k.winner_device, "
                "ls.name || ' (' || ls.initials || ')' AS loser_by, ws.name || ' (' || ws.initials || ')' AS winner_by "
                "FROM sync_conflicts AS k "
                "LEFT JOIN change_log AS lc ON lc.id = k.loser_id LEFT JOIN staff AS ls ON ls.id = lc.staff_id "
                "LEFT JOIN change_log AS wc ON wc.id = k.winner_id LEFT JOIN staff AS ws ON ws.id = wc.staff_id "
                "ORDER BY k.loser_hlc, k.loser_id"
            )
            .mappings()
            .all()
        )
        conn.rollback()
    return [dict(row) for row in rows]

"""One round through every transport a laptop is set up for: the office share, a PostgreSQL server, or
both (a laptop in both carries each office's changes to the other; see sync/server/round.py)."""

from __future__ import annotations

from pathlib import Path

from aaben_raadgivning.store.database import Database
from aaben_raadgivning.sync.bookkeeping import SERVER_RELAY_KEY, SyncReport, meta, server_meta_key, set_meta
from aaben_raadgivning.sync.round_base import Progress


def sync_configured(
    db: Database,
    *,
    share: Path | None,
    server: str,
    device_name: str = "",
    progress: Progress | None = None,
    snapshot: str = "auto",
    server_in_settings: bool = False,
) -> SyncReport:
    """The share first, then the server; one report for both. Raises what either round raises (the
    share's errors before the server is tried: what the share round sent waits for the next round).
    ``server_in_settings`` False: the laptop is no longer set up for a server (its relay log stops);
    a one-off share round of a laptop that is (``sync --share``) leaves the server's bookkeeping alone."""
    reports: list[SyncReport] = []
    if not server and not server_in_settings:
        stop_relay(db)
    if share is not None:
        from aaben_raadgivning.sync.engine import sync

        reports.append(sync(db, share, device_name=device_name, progress=progress, snapshot=snapshot))
    if server:
        from aaben_raadgivning.sync.server.round import sync_server

        reports.append(sync_server(db, server, device_name=device_name, progress=progress, snapshot=snapshot))
    return combined(reports)


def stop_relay(db: Database) -> None:
    """A laptop taken off its server stops listing entries for it (the relay log would grow for nothing)
    and forgets how far it had pushed: set up again later, its first round sends everything (harmless: the
    server keeps each entry once)."""
    with db.engine.connect() as conn:
        on = meta(conn, SERVER_RELAY_KEY)
        conn.rollback()
    if on is None:
        return
    with db.write() as conn:
        set_meta(conn, SERVER_RELAY_KEY, None)
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key LIKE ?", (server_meta_key("%", "pushed"),))
        conn.exec_driver_sql("DELETE FROM sync_relay")


def combined(reports: list[SyncReport]) -> SyncReport:
    report = reports[-1] if reports else SyncReport()
    for other in reports[:-1]:
        report.sent += other.sent
        report.received += other.received
        report.segments_sent += other.segments_sent
        report.segments_received += other.segments_received
        report.new_conflicts += other.new_conflicts
        report.scrubbed += other.scrubbed
        report.warnings[:0] = other.warnings
        report.gaps[:0] = other.gaps
        report.seconds += other.seconds
        report.snapshot_written = report.snapshot_written and other.snapshot_written
    return report

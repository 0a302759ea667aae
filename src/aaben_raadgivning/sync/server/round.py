"""One sync round through a PostgreSQL server: push what the server lacks, pull what this laptop lacks.

The merge is the share's (store/replica.py: the same Applier, the same conflicts on F9, the same audit
chains); only the transport differs:

- **Push.** Every change-log entry logged here while the laptop syncs through a server is listed in
  ``sync_relay`` (commit order; migration 0010), its own and those received through an office share alike.
  A round sends those after the last number it sent, in that order: under the push lock it asks which of
  them the server has, and one binary ``COPY`` adds the rest (idempotent by entry id: a round killed after
  the server's commit but before ours sends them again, harmlessly). The very first push to a server sends
  the whole change log, oldest stamp first.
- **Order.** Pushes take one advisory lock on the server for their transaction, so the server's ``seq``
  numbers become visible in commit order: a reader that has seen number N has seen every number below it.
  A laptop pushes in the order it applied (a change after what it builds on), so the server's order keeps
  every change after what it builds on.
- **Pull.** Entries after the last number applied here, in batches; each batch is one local write
  transaction together with the new number (a crash repeats at most a batch, and applying twice changes
  nothing). Entries already here (this laptop's own, or received through the share) are skipped. A laptop
  that also syncs through an office share puts what it pulled in its outbox, so the share's laptops get it
  too (sync/segments.py: the entry names its own device).
- **Values** are sealed under the office key (AES-256-GCM; the entry's id, device, table, row, operation
  and field as associated data): the server keeps ids, stamps and names of tables and fields, never a
  readable value, and a value moved to another entry does not open.
- **Erasure.** When this laptop has purged rows (an erasure here or received), it blanks their values on the
  server too and replaces the server's snapshots, which may still hold the person.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from aaben_raadgivning.changes.change import Change
from aaben_raadgivning.store.audit_chain import verify_audit_chains
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.replica import Applier, chunks, fresh_rows, store_changes
from aaben_raadgivning.sync import office_share as sync_share
from aaben_raadgivning.sync.bookkeeping import (
    SERVER_RELAY_KEY,
    SyncReport,
    apply_changes_now_understood,
    meta,
    record_success,
    refresh_conflicts_after_local_edits,
    server_meta_key,
    set_meta,
)
from aaben_raadgivning.sync.engine import device_lock, no_cyclic_gc
from aaben_raadgivning.sync.errors import SyncError, SyncRefused
from aaben_raadgivning.sync.round_base import Progress
from aaben_raadgivning.sync.server import report_copy
from aaben_raadgivning.sync.server import snapshots as server_snapshots
from aaben_raadgivning.sync.server.connection import ServerUnreachable, connected, server_engine, shown
from aaben_raadgivning.sync.server.schema import ServerInfo, check_server

log = logging.getLogger("aaben_raadgivning.sync.server")

PUSH_BATCH = 10_000  # entries per server transaction
PULL_BATCH = 2_000  # entries per local write transaction: a save made meanwhile waits only a moment
PULL_RETRY_MAX = 200_000  # the most read in one transaction when a batch points at rows further on
PUSH_LOCK = 7_002  # the advisory lock that serialises pushes (see the module text)
PULL_COLUMNS_NO_VALUE = "seq, change_id, device_id, hlc, table_name, row_id, op, field, base, staff_id"
PUSH_COLUMNS = "change_id, device_id, origin_seq, hlc, table_name, row_id, op, field, value, base, staff_id"
COPY_TYPES = ["text", "text", "int8", "text", "text", "text", "text", "text", "bytea", "text", "text", "text"]


def _associated(change_id: str, device: str, table: str, row_id: str, op: str, field: str | None) -> bytes:
    return "\x1f".join((change_id, device, table, row_id, op, field or "")).encode()


class ValueSeal:
    """Seals and opens logged values for the server (none without an office key: the benchmarks' baseline)."""

    def __init__(self, key: bytes | None) -> None:
        self.aead = AESGCM(key) if key is not None else None

    def seal(self, value: str | None, aad: bytes) -> bytes | None:
        if value is None:
            return None
        if self.aead is None:
            return value.encode()
        nonce = os.urandom(12)
        return nonce + self.aead.encrypt(nonce, value.encode(), aad)

    def open(self, data: bytes | None, aad: bytes) -> str:
        if self.aead is None:
            return bytes(data).decode() if data is not None else ""
        raw = bytes(data) if data is not None else b""
        return self.aead.decrypt(raw[:12], raw[12:], aad).decode()


class ServerRound:
    """One round on one server connection (a connection costs a few milliseconds here and far more over
    TLS; a round with nothing to do makes four small queries on it)."""

    def __init__(self, db: Database, server: Connection, info: ServerInfo, device_name: str,
                 progress: Progress) -> None:  # fmt: skip
        self.db = db
        self.server = server
        self.info = info
        self.me = db.device_id
        self.device_name = device_name
        self.progress = progress
        self.report = SyncReport()
        self.seal = ValueSeal(db.office_key.server_key if db.office_key is not None else None)
        self.purge_seen = False

    # the server connection ------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """A server write transaction on the round's connection (whatever read came before is ended)."""
        if self.server.in_transaction():
            self.server.rollback()
        with self.server.begin():
            yield self.server

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """A read in binary format (bytea arrives as bytes, not as hex text to decode)."""
        if self.server.in_transaction():
            self.server.rollback()
        driver = self.server.connection.driver_connection
        assert driver is not None
        with driver.cursor(binary=True) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        driver.rollback()
        return rows

    # bookkeeping --------------------------------------------------------------------------------

    def _meta(self, name: str) -> str | None:
        with self.db.engine.connect() as conn:
            value = meta(conn, server_meta_key(self.info.server_id, name))
            conn.rollback()
        return value

    def start_relay(self) -> None:
        with self.db.engine.connect() as conn:
            on = meta(conn, SERVER_RELAY_KEY) == "1"
            conn.rollback()
        if not on:
            with self.db.write() as conn:
                set_meta(conn, SERVER_RELAY_KEY, "1")

    # checks -------------------------------------------------------------------------------------

    def check_clone(self) -> None:
        """The server holds entries under this device id, numbered by its outbox, that this laptop did not
        make: another machine writes under this id (a copied disk), or this one was restored from an old
        backup. Refused before anything is written, as with the share. Only what lies beyond the last own
        number this laptop recorded as pushed is compared (a round killed after the server's commit left
        its own entries there unrecorded: those match and are fine)."""
        own_pushed = int(self._meta("own") or 0)
        rows = self._rows(
            "SELECT origin_seq, change_id FROM changes WHERE device_id = %s AND origin_seq > %s "
            "ORDER BY origin_seq LIMIT 5000",
            (self.me, own_pushed),
        )
        if not rows:
            return
        with self.db.engine.connect() as conn:
            mine: dict[int, str] = dict(conn.exec_driver_sql(
                "SELECT seq, change_id FROM sync_outbox WHERE seq >= ? AND seq <= ?", (rows[0][0], rows[-1][0])
            ).all())  # fmt: skip
            conn.rollback()
        strange = [(number, change) for number, change in rows if mine.get(number) != change]
        if strange:
            log.warning("Server refused as a cloned disk: %d own-numbered entries not made here (first %s)",
                        len(strange), strange[0][0])  # fmt: skip
            raise SyncRefused(
                "Serveren har ændringer under denne computers enheds-id, som denne computer ikke har lavet "
                "(en kopieret disk, eller computeren er genskabt fra en gammel sikkerhedskopi). Synkronisering er "
                "stoppet, så intet blandes sammen. Giv computeren et nyt enheds-id med «aaben-raadgivning device "
                "reset»; dens ændringer sendes så under det nye id, og intet går tabt."
            )

    # push ---------------------------------------------------------------------------------------

    def push(self) -> None:
        pushed = self._meta("pushed")
        if pushed is None:
            self._push_everything()
            with self.db.write() as conn:
                set_meta(conn, server_meta_key(self.info.server_id, "pushed"), "0")
            pushed = "0"
        after = int(pushed)
        while True:
            with self.db.engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT r.seq, c.id, c.device_id, o.seq, c.hlc, c.table_name, c.row_id, c.op, c.field, c.value, "
                    "b.base, c.staff_id FROM sync_relay AS r JOIN change_log AS c ON c.id = r.change_id "
                    "LEFT JOIN sync_bases AS b ON b.change_id = c.id LEFT JOIN sync_outbox AS o ON o.change_id = c.id "
                    "WHERE r.seq > ? ORDER BY r.seq LIMIT ?",
                    (after, PUSH_BATCH),
                ).all()
                conn.rollback()
            if not rows:
                return
            own = self._send([row[1:] for row in rows])
            after = rows[-1][0]
            with self.db.write() as conn:  # recorded after the server's commit: a crash sends them again
                set_meta(conn, server_meta_key(self.info.server_id, "pushed"), str(after))
                self._note_own(conn, own)
                conn.exec_driver_sql("DELETE FROM sync_relay WHERE seq <= ?", (after,))

    def _push_everything(self) -> None:
        """The first push to this server: the whole change log, oldest stamp first (a change is always
        stamped after what it builds on here), in keyset pages."""
        last: tuple[str, str] = ("", "")
        while True:
            with self.db.engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT c.id, c.device_id, o.seq, c.hlc, c.table_name, c.row_id, c.op, c.field, c.value, b.base, "
                    "c.staff_id FROM change_log AS c LEFT JOIN sync_bases AS b ON b.change_id = c.id "
                    "LEFT JOIN sync_outbox AS o ON o.change_id = c.id "
                    "WHERE (c.hlc, c.id) > (?, ?) ORDER BY c.hlc, c.id LIMIT ?",
                    (*last, PUSH_BATCH),
                ).all()
                conn.rollback()
            if not rows:
                return
            own = self._send(rows)
            with self.db.write() as conn:
                self._note_own(conn, own)
            last = (rows[-1][3], rows[-1][0])

    def _note_own(self, conn: Connection, own: int) -> None:
        """The highest own outbox number now on the server (check_clone compares only beyond it)."""
        if own > int(meta(conn, server_meta_key(self.info.server_id, "own")) or 0):
            set_meta(conn, server_meta_key(self.info.server_id, "own"), str(own))

    def _send(self, rows: Sequence[Sequence[Any]]) -> int:
        """One server transaction: the entries in order, new ones numbered after every earlier push. Returns
        the highest own outbox number among them (0: none)."""
        seal = self.seal.seal
        records = [
            (cid, device, origin if device == self.me else None, hlc, table, row_id, op, field,
             seal(value, _associated(cid, device, table, row_id, op, field)), base, staff, self.me)
            for cid, device, origin, hlc, table, row_id, op, field, value, base, staff in rows
        ]  # fmt: skip
        self.purge_seen |= any(row[6] == "purge" for row in rows)
        with self._tx() as server:
            server.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
            driver = server.connection.driver_connection
            assert driver is not None
            with driver.cursor(binary=True) as cursor:
                # Under the lock nobody else inserts: what is not there now is new, and goes straight in
                # with one binary COPY (no staging table, no ON CONFLICT pass over every row).
                cursor.execute("SELECT change_id FROM changes WHERE change_id = ANY(%s)", ([r[0] for r in records],))
                there = {row[0] for row in cursor.fetchall()}
                inserted = 0
                with cursor.copy(f"COPY changes ({PUSH_COLUMNS}, pushed_by) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(COPY_TYPES)
                    for record in records:
                        if record[0] not in there:
                            there.add(record[0])
                            copy.write_row(record)
                            inserted += 1
            own = [record[2] for record in records if record[2] is not None]
            if own:
                server.exec_driver_sql(
                    "INSERT INTO devices (device_id, name, pushed_own_seq) VALUES (%s, %s, %s) ON CONFLICT (device_id) "
                    "DO UPDATE SET pushed_own_seq = greatest(devices.pushed_own_seq, excluded.pushed_own_seq), "
                    "last_seen = now()",
                    (self.me, self.device_name, max(own)),
                )
        self.report.sent += max(0, inserted)
        self.report.segments_sent += 1
        return max(own, default=0)

    # pull ---------------------------------------------------------------------------------------

    def pull(self) -> None:
        after = int(self._meta("pulled") or 0)
        with self.db.engine.connect() as conn:
            bridging = meta(conn, sync_share.SHARE_ID_KEY) is not None  # (also syncs through an office share)
            conn.rollback()
        top = self._rows("SELECT coalesce(max(seq), 0) FROM changes", ())[0][0]
        start = after
        size = PULL_BATCH
        while after < top:
            # This laptop's own entries are here already (a cloned disk was refused above): their values
            # are not fetched, let alone opened.
            rows = self._rows(
                f"SELECT {PULL_COLUMNS_NO_VALUE}, CASE WHEN device_id = %s THEN NULL ELSE value END "
                "FROM changes WHERE seq > %s ORDER BY seq LIMIT %s",
                (self.me, after, size),
            )
            if not rows:
                return
            try:
                self._apply(rows, bridging)
            except IntegrityError:
                # Points at rows not here. In the server's order what a change builds on comes first, so
                # this means an entry pushed out of order (a defect, or an older version): what it builds
                # on may lie further on, so read on in one bigger transaction before giving up; never
                # crash the round, and never stop at this batch for good.
                if len(rows) == size and size < PULL_RETRY_MAX:
                    size *= 8
                    continue
                log.warning("Server entries %s..%s could not be applied", rows[0][0], rows[-1][0])
                self.report.warnings.append(
                    "Nogle ændringer fra serveren bygger på noget, denne computer ikke har endnu. De prøves igen "
                    "ved næste synkronisering."
                )
                return
            after = rows[-1][0]
            size = PULL_BATCH
            if top > start:
                self.progress(0.2 + 0.6 * min(1.0, (after - start) / (top - start)), "Henter ændringer fra serveren")

    def _open(self, rows: Sequence[Sequence[Any]]) -> list[Change]:
        changes = []
        for _seq, cid, device, hlc, table, row_id, op, field, base, staff, value in rows:
            text: str | None = None
            if value is not None:
                try:
                    text = self.seal.open(value, _associated(cid, device, table, row_id, op, field))
                except (InvalidTag, ValueError):
                    # Written without the office key or changed on the server: never applied as a value.
                    raise SyncError(
                        f"En ændring på serveren (nr. {_seq}) kan ikke godkendes: den er ændret eller skrevet uden "
                        "kontorets nøgle. Intet fra den er brugt; kontakt den, der driver serveren."
                    ) from None
            changes.append(Change(cid, hlc, device, table, row_id, op, field, text, base, staff))
        return changes

    def _apply(self, rows: list[Any], bridging: bool) -> None:
        """One batch of server rows in one local write transaction, with the number reached."""
        last_seq = rows[-1][0]
        others = [row for row in rows if row[2] != self.me]
        self.db.turnstile.let_waiting_saves_in()
        with self.db.write() as conn:
            known: set[str] = set()
            for part in chunks([row[1] for row in others]):
                known.update(conn.exec_driver_sql(
                    f"SELECT id FROM change_log WHERE id IN ({','.join('?' * len(part))})", tuple(part)
                ).scalars())  # fmt: skip
            new = self._open([row for row in others if row[1] not in known])
            if new:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                before = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
                set_meta(conn, SERVER_RELAY_KEY, "0")  # (these came from the server: nothing to send back)
                fresh = fresh_rows(conn, new)
                store_changes(conn, new)
                set_meta(conn, SERVER_RELAY_KEY, "1")
                Applier(conn).apply(new, fresh)
                if bridging:  # the office share's laptops get them through this laptop's own files
                    conn.exec_driver_sql(
                        "INSERT OR IGNORE INTO sync_outbox (change_id) VALUES (?)", [(c.id,) for c in new]
                    )
                self._verify_audit_chains(conn, new)
                after = conn.exec_driver_sql("SELECT count(*) FROM sync_conflicts").scalar_one()
                self.report.new_conflicts += max(0, after - before)
            set_meta(conn, server_meta_key(self.info.server_id, "pulled"), str(last_seq))
        self.report.received += len(new)
        self.report.segments_received += 1
        self.purge_seen |= any(c.op == "purge" for c in new)
        stamps = [c.hlc for c in new if c.device_id != self.me]
        if stamps and not self.db.clock.receive(max(stamps)):
            warning = (
                "Uret på en anden computer går for langt foran. Dens ændringer er modtaget, men dens tid bruges "
                "ikke. Bed om at få uret stillet på den computer."
            )
            if warning not in self.report.warnings:
                self.report.warnings.append(warning)

    def _verify_audit_chains(self, conn: Connection, changes: list[Change]) -> None:
        devices = {c.device_id for c in changes if c.table_name == "audit_log" and c.op == "insert"}
        if devices:
            for problem in verify_audit_chains(conn, devices, incremental=True).problems:
                log.warning("Audit chain problem (%s, %s)", problem.device_id, problem.kind)
                self.report.warnings.append(problem.message)

    # erasure ------------------------------------------------------------------------------------

    def scrub_purged(self) -> bool:
        """Blank on the server the values of every row purged here (idempotent; run when the purges here
        grew since the last time). Returns whether the server's snapshots must be replaced."""
        with self.db.engine.connect() as conn:
            purged = conn.exec_driver_sql("SELECT table_name, row_id FROM sync_purged ORDER BY 1, 2").all()
            conn.rollback()
        done = int(self._meta("purged") or 0)
        if len(purged) == done and not self.purge_seen:
            return False
        by_table: dict[str, list[str]] = {}
        for table, row_id in purged:
            by_table.setdefault(table, []).append(row_id)
        with self._tx() as server:
            for table, rows in by_table.items():
                for part in chunks(rows, 5_000):
                    self.report.scrubbed += server.exec_driver_sql(
                        "UPDATE changes SET value = NULL WHERE table_name = %s AND row_id = ANY(%s) "
                        "AND value IS NOT NULL AND op != 'purge'",
                        (table, list(part)),
                    ).rowcount
            report_copy.remove_purged(server, by_table)
            # Every snapshot there may hold the person: gone now; this round writes a new one.
            server.exec_driver_sql("DELETE FROM snapshots")
        with self.db.write() as conn:
            set_meta(conn, server_meta_key(self.info.server_id, "purged"), str(len(purged)))
        return True

    def finish(self) -> None:
        pulled = int(self._meta("pulled") or 0)
        with self._tx() as server:
            server.exec_driver_sql(
                "INSERT INTO devices (device_id, name, pulled_seq) VALUES (%s, %s, %s) ON CONFLICT (device_id) DO UPDATE "
                "SET name = excluded.name, pulled_seq = excluded.pulled_seq, last_seen = now()",
                (self.me, self.device_name, pulled),
            )


def sync_server(
    db: Database,
    url: URL | str,
    *,
    device_name: str = "",
    progress: Progress | None = None,
    snapshot: str = "auto",
    engine: Engine | None = None,
) -> SyncReport:
    """One full round through the server at ``url``. Raises ServerUnreachable (offline, or the connection
    dropped mid-round: every step is redone by the next round), WrongServer, SyncRefused (a cloned device
    id, a newer server: safe mode), SyncBusy or SyncError. ``snapshot`` as in sync.engine.sync."""
    started = time.perf_counter()
    progress = progress or (lambda _f, _s: None)
    engine = engine or server_engine(url)
    try:
        with device_lock(db), no_cyclic_gc():
            progress(0.0, "Forbinder til serveren")
            with connected(engine) as server:
                info = check_server(server, db.office_key)
                server.rollback()
                round_ = ServerRound(db, server, info, device_name, progress)
                round_.check_clone()
                refresh_conflicts_after_local_edits(db)
                apply_changes_now_understood(db)
                round_.start_relay()
                if not round_._meta("pulled"):
                    progress(0.05, "Henter øjebliksbillede fra serveren")
                    server_snapshots.bootstrap(db, server, info, round_.report)
                progress(0.1, "Sender ændringer til serveren")
                round_.push()
                progress(0.2, "Henter ændringer fra serveren")
                round_.pull()
                replace = round_.scrub_purged()
                if snapshot == "always" or replace or (snapshot == "auto" and server_snapshots.due(server, db)):
                    progress(0.9, "Skriver øjebliksbillede på serveren")
                    if server_snapshots.write(db, engine, info, push=round_.push):
                        round_.report.snapshot_written = True
                    else:
                        round_.report.warnings.append(
                            "Der er ikke skrevet et nyt øjebliksbillede: en anden computer er ved at skrive et. Det "
                            "prøves igen ved næste synkronisering."
                        )
                round_.finish()
    except Exception as exc:
        problem = _server_problem(exc, engine)
        if problem is None:
            raise  # (the laptop's own database, or a defect: the callers handle those as for the share)
        raise problem from None
    record_success(db, round_.report)
    progress(1.0, "Færdig")
    round_.report.seconds = time.perf_counter() - started
    return round_.report


def _server_problem(exc: Exception, engine: Engine) -> SyncError | None:
    """The Danish error for a failure that came from the server (through SQLAlchemy or straight from
    psycopg, whose cursor the round also uses); None for anything else (the local SQLite database)."""
    import psycopg

    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, psycopg.Error):
        return None
    log.warning("Server round broken off: %s", type(orig).__name__)
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return ServerUnreachable(
            f"Forbindelsen til serveren {shown(engine.url)} blev afbrudt. Intet er tabt: det, der ikke nåede frem, "
            "sendes ved næste synkronisering."
        )
    reason = (
        "denne computers rolle mangler rettigheder; kør «aaben-raadgivning server init» som ejer"
        if isinstance(orig, psycopg.errors.InsufficientPrivilege)
        else f"fejl på serveren: {type(orig).__name__}"
    )
    return SyncError(f"Serveren afviste synkroniseringen ({reason}). Intet er tabt: ændringerne venter her.")

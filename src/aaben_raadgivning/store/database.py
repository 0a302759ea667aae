"""Opening the local database: migrations, this device's identity and clock, sessions and transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from aaben_raadgivning.changes.hlc import HybridLogicalClock
from aaben_raadgivning.domain.clock import utc_now
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import new_id
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store import database_file, migrate, sqlite_driver
from aaben_raadgivning.store.engine import make_engine, writer
from aaben_raadgivning.store.models import ChangeLogEntry, LocalMeta
from aaben_raadgivning.store.transaction import Tx
from aaben_raadgivning.store.turnstile import Turnstile


@dataclass
class Database:
    engine: Engine
    device_id: str
    clock: HybridLogicalClock
    now: Callable[[], datetime] = utc_now
    # The working-day calendar (helligdage + configured days off) actions use for derived deadlines;
    # the runtime sets it from the settings. None = helligdage only.
    calendar: WorkdayCalendar | None = None
    # The office key everything at rest and on the share derives from; None only for a plain database
    # (the benchmarks' baseline, and the conversion of a database from before encryption).
    office_key: OfficeKey | None = None

    @property
    def database_key(self) -> bytes | None:
        """SQLCipher's raw key for this database, its backups and local copies (None = plain)."""
        return self.office_key.database_key if self.office_key else None

    @property
    def path(self) -> Path:
        return Path(self.engine.url.database or "")

    def connect_raw(self, path: Path | None = None, **kwargs: object) -> sqlite_driver.Connection:
        """A driver connection to this database (or a local copy of it at ``path``), keyed like it."""
        return sqlite_driver.connect(path or self.path, self.database_key, **kwargs)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = writer(self.engine)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self.turnstile = Turnstile(Path(self.engine.url.database or ":memory:"))
        if self.engine.url.database in (None, "", ":memory:"):
            self.turnstile.enabled = False

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction on a plain connection (BEGIN IMMEDIATE: waits for another writer; through
        the turnstile, so the sync lets it in between two of its batches)."""
        with self.turnstile.shared(), self.writer.begin() as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; nothing it does is committed (closing rolls back without expiring loaded rows)."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One user action: commits rows, change log and audit together, or rolls all back."""
        with self.turnstile.shared(), self._write_sessions() as session, session.begin():
            # Another process (a command-line sync) may have applied newer stamps since we started.
            self.clock.resume(session.scalar(select(func.max(ChangeLogEntry.hlc))))
            tx = Tx(session, self.clock, self.device_id, self.now())
            tx.calendar = self.calendar
            yield tx

    def close(self) -> None:
        self.engine.dispose()


def _device_id(engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        meta = session.get(LocalMeta, "device_id")
        if meta is None:
            meta = LocalMeta(key="device_id", value=new_id())
            session.add(meta)
        return meta.value


def open_database(
    database: Path,
    backup_dir: Path,
    now: Callable[[], datetime] = utc_now,
    *,
    allow_new: bool = False,
    office_key: OfficeKey | None,
) -> Database:
    """Open (creating or upgrading as needed) the database file and return a ready Database.

    The file is checked before anything writes to it (see ``database_file``): a damaged file, or a
    missing one where a database has been, raises a ``DatabaseFileError`` with a Danish message.
    ``allow_new`` creates a new database even then (demo data). A read-only folder or a full disk
    while opening raises ``DatabaseNotWritable``. ``office_key`` encrypts the file (SQLCipher under the key
    derived for laptop databases); a plain database found where a key is given raises
    ``DatabaseNotEncrypted`` (it is converted by ``office encrypt``), and nothing is written to it.
    """
    key = office_key.database_key if office_key else None
    database_file.inspect(database, backup_dir, allow_new=allow_new, key=key)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(database, key)
        try:
            migrate.upgrade(engine, database, backup_dir, key)
            device_id = _device_id(engine)
            # A stamp further ahead of this laptop's clock than the rule allows is not taken into the clock
            # (a laptop with a wrong clock must not drag every other laptop's stamps into the future).
            ahead_ms = load_rules().max_clock_ahead_minutes * 60_000
            clock = HybridLogicalClock(device_id, max_ahead_ms=ahead_ms)
            with Session(engine) as session:
                clock.resume(session.scalar(select(func.max(ChangeLogEntry.hlc))))
        except BaseException:
            engine.dispose()
            raise
    except (DBAPIError, sqlite_driver.Error, OSError) as exc:
        problem = database_file.classify(exc, database, backup_dir)
        if problem is None or problem is exc:
            raise
        raise problem from exc
    database_file.mark_existing(database)
    return Database(engine=engine, device_id=device_id, clock=clock, now=now, office_key=office_key)

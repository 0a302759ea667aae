"""Lets a person's save in between the sync's write transactions.

SQLite's busy handler does not queue: a save that finds the sync writing sleeps 1, 2, 5 … 100 ms between
attempts and gets the write lock only if an attempt falls into the sub-millisecond gap between two of the
sync's batches, so it usually waits for the whole rest of a large segment (p99 1.6 s in
benchmarks/bench_concurrent_saves.py). The turnstile is an advisory file lock beside the database
(``<database>.turnstile``): every write transaction of the app holds it *shared* while it waits for
SQLite and writes; before each batch the sync takes it *exclusive* for an instant, which the kernel grants
only once the saves already waiting are done. A save then waits for at most the batch in progress.

The lock only orders writers; SQLite's own locking still guarantees correctness. So a turnstile that
cannot be used (no ``fcntl``, as on Windows; a read-only folder) is simply absent: saves still never fail,
they may just wait longer. The sync never waits longer than ``MAX_YIELD_S`` for the saves, so a save that
hangs cannot stop the sync.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SUFFIX = ".turnstile"
MAX_YIELD_S = 2.0  # the longest the sync lets waiting saves go first, before each batch
_POLL_S = 0.001


class Turnstile:
    def __init__(self, database: Path) -> None:
        self.path = Path(f"{database}{SUFFIX}")
        self.enabled = fcntl is not None

    def _open(self) -> int | None:
        if not self.enabled:
            return None
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("Turnstile %s unusable (%s): saves during a sync may wait longer", self.path, exc)
            self.enabled = False
            return None

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Held by a write transaction from before it asks SQLite for the write lock until it ends."""
        fd = self._open()
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while the sync holds it for an instant
            yield
        finally:
            if fd is not None:
                os.close(fd)  # (releases the lock)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held while the database's whole content is replaced (a new laptop taking a snapshot): waits for
        the saves under way, and saves that arrive meanwhile wait until it is released."""
        fd = self._open()
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd is not None:
                os.close(fd)

    def let_waiting_saves_in(self) -> None:
        """The sync, between two write transactions: wait until every save already waiting has written.
        Own file descriptor: flock on the same one would convert a lock instead of waiting for it."""
        fd = self._open()
        if fd is None:
            return
        try:
            deadline = time.monotonic() + MAX_YIELD_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        log.warning("Saves held the turnstile for over %.0f s; the sync goes on", MAX_YIELD_S)
                        return
                    time.sleep(_POLL_S)
        finally:
            os.close(fd)

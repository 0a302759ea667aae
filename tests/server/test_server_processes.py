"""Five real processes (tests/server/server_worker.py), each a laptop with its own SQLite database, change
and sync through one PostgreSQL server in a loop while random ones are killed with SIGKILL and restarted,
and the server itself is restarted twice (the workers get ServerUnreachable and carry on). One laptop is
new: it joins during the run, from the server's snapshot. At the end (after a fault-free exchange): no
change a worker reported committed is lost, every replica identical, integrity ok, and the server's change
log holding every change exactly once.

``SERVER_CHAOS_SECONDS`` lengthens the run (default 20 s of chaos; about 45 s in all).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.sync.server.connection import server_engine
from aaben_raadgivning.sync.server.round import sync_server
from aaben_raadgivning.sync.server.schema import init_server
from support.keys import TEST_OFFICE_KEY, open_database
from support.replicas import new_device, replica_state, template_database

WORKER = Path(__file__).with_name("server_worker.py")
SRC = Path(__file__).resolve().parents[2] / "src"
DEVICES = 5
CHAOS_SECONDS = float(os.environ.get("SERVER_CHAOS_SECONDS", "20"))
MIN_LIFE_SECONDS = 2.0  # a process is killed only after living this long and reporting a change since its start
RESTARTS = 2  # the server is restarted at 1/3 and 2/3 of the run


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_five_processes_killed_at_random_and_a_restarted_server_lose_nothing(tmp_path, pg_cluster):
    url = pg_cluster.url(pg_cluster.new_database())
    init_server(server_engine(url), TEST_OFFICE_KEY)
    template = template_database(tmp_path / "template")
    paths = []
    for index in range(DEVICES):
        path = tmp_path / f"laptop{index}" / "db.sqlite3"
        path.parent.mkdir()
        new_device(template, path).close()
        paths.append(path)
    # A jobkonsulent (the workers' purges need one), known to every laptop but the last, which joins later.
    first = open_database(paths[0], paths[0].parent / "backups")
    create_staff(first, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    sync_server(first, url)
    first.close()
    for path in paths[1:-1]:
        db = open_database(path, path.parent / "backups")
        sync_server(db, url)
        db.close()
    env = dict(os.environ, PYTHONPATH=str(SRC))
    reports = [path.parent / "committed.txt" for path in paths]

    def start(index: int, seed: int, join: bool = False) -> subprocess.Popen:
        size[index] = reports[index].stat().st_size if reports[index].exists() else 0
        started[index] = time.monotonic()
        with open(paths[index].parent / "stderr.txt", "ab") as stderr:  # (a file: a full pipe would block it)
            return subprocess.Popen([sys.executable, str(WORKER), str(paths[index]), url, str(seed),
                                     str(reports[index]), "join" if join else "work"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=stderr)  # fmt: skip

    def died(index: int) -> AssertionError:
        """A worker that ended by itself: that is a bug (its standard error says which)."""
        text = (paths[index].parent / "stderr.txt").read_bytes().decode(errors="replace")
        return AssertionError(f"laptop {index} died by itself:\n{text[-3000:]}")

    def working(index: int) -> bool:
        """It has lived a while and committed something since it started (on a busy machine a fresh
        process needs a moment before it does anything: killing it sooner tests nothing)."""
        grown = reports[index].exists() and reports[index].stat().st_size > size[index]
        return grown and time.monotonic() - started[index] >= MIN_LIFE_SECONDS

    rng = random.Random(11)
    started = [0.0] * DEVICES
    size = [0] * DEVICES
    procs: list[subprocess.Popen | None] = [start(i, i, join=True) for i in range(DEVICES - 1)] + [None]
    kills = restarts = 0
    begun = time.monotonic()
    deadline = begun + CHAOS_SECONDS
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.1, 0.6))
            elapsed = time.monotonic() - begun
            if procs[-1] is None and elapsed > CHAOS_SECONDS / 4:  # the new laptop joins
                procs[-1] = start(DEVICES - 1, 99, join=True)
            if restarts < RESTARTS and elapsed > CHAOS_SECONDS * (restarts + 1) / (RESTARTS + 1):
                pg_cluster.restart()
                restarts += 1
                continue
            index = rng.randrange(DEVICES)
            proc = procs[index]
            if proc is None:
                continue
            if proc.poll() is not None:
                raise died(index)
            if not working(index):
                continue
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            procs[index] = start(index, rng.randrange(10**6))
        for index, proc in enumerate(procs):  # none may have died by itself in the last moments either
            if proc is not None and proc.poll() is not None:
                raise died(index)
    finally:
        for proc in procs:
            if proc is None:
                continue
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert restarts == RESTARTS
    assert kills >= 5
    outages = sum((path.parent / "stderr.txt").read_text().count("server unreachable") for path in paths)
    assert outages > 0, "no worker noticed the server restarting"

    dbs = [open_database(path, path.parent / "backups") for path in paths]
    try:
        reported = [set(report.read_text().split()) if report.exists() else set() for report in reports]
        for db, mine in zip(dbs, reported, strict=True):
            with db.engine.connect() as conn:
                own = set(conn.exec_driver_sql("SELECT id FROM change_log WHERE device_id = ?",
                                               (db.device_id,)).scalars())  # fmt: skip
                conn.rollback()
            assert mine <= own, "a change reported committed is missing from its origin"
        committed = set().union(*reported)
        print(f"{kills} kills, {restarts} server restarts ({outages} rounds found it gone), {len(committed)} changes")
        assert len(committed) > 50
        for _ in range(3):
            for db in dbs:
                sync_server(db, url, snapshot="never")
        states = [replica_state(db) for db in dbs]
        for state in states:
            assert committed <= set(state["change_ids"]), "changes were lost"
        for state in states[1:]:
            for key in state:
                assert state[key] == states[0][key], (str(tmp_path), key, set(state[key]) ^ set(states[0][key]))
        for db in dbs:
            assert [p.message for r in run_checks(db) for p in r.problems] == []
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            on_server = [row[0] for row in conn.execute("SELECT change_id FROM changes")]
        assert len(on_server) == len(set(on_server)), "a change is on the server twice"
        assert set(on_server) == set(states[0]["change_ids"]), "the server and the laptops hold different changes"
    finally:
        for db in dbs:
            db.close()

"""A throwaway PostgreSQL cluster for the server-sync tests: started once per test process (each xdist
worker has its own), a fresh database per test, removed at the end.

``initdb`` refuses to run as root, so as root the cluster is made and run as the ``postgres`` OS user
(``runuser``). It listens on a Unix socket in its own folder only (no TCP port to collide with). Where no
PostgreSQL can be started the server tests are skipped with the reason, except when
``AABEN_REQUIRE_POSTGRES`` is set (``.ci/run`` sets it): then they fail, so CI never skips them silently."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "AABEN_REQUIRE_POSTGRES"


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


@dataclass
class Cluster:
    root: Path
    data: Path
    socket: Path
    pg_ctl: str
    as_postgres: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket}"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, text=True, timeout=timeout)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket), user="postgres", dbname=database, autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        self.sql(f"CREATE DATABASE {name}")
        return name

    def start(self) -> None:
        options = (
            f"-k {self.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=200"
        )
        self.run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop("fast")
        self.start()


def start_cluster() -> Cluster:
    """A running cluster, or pytest.skip/fail with the reason."""
    reason = None
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed (pip install '.[test]')"
    if reason is None and (initdb is None or pg_ctl is None):
        reason = "PostgreSQL's initdb/pg_ctl were not found (Debian: apt-get install postgresql)"
    as_postgres: list[str] = []
    if reason is None and os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            reason = "running as root and there is no postgres OS user to run initdb as"
        if runuser is None:
            reason = "running as root and runuser is missing"
        as_postgres = [runuser or "runuser", "-u", "postgres", "--"]
    if reason is not None:
        _give_up(reason)
    root = Path(tempfile.mkdtemp(prefix="aaben-pg-"))
    root.chmod(0o755)
    data, socket = root / "data", root / "sock"
    for folder in (data, socket):
        folder.mkdir()
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
    if as_postgres:
        (root / "log").touch()
        shutil.chown(root / "log", "postgres", "postgres")
    cluster = Cluster(root, data, socket, str(pg_ctl), as_postgres)
    try:
        cluster.run(str(initdb), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        cluster.start()
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", "") or str(exc)
        _give_up(f"PostgreSQL could not be started: {detail.strip()[:400]}")
    return cluster


def _give_up(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {reason}", pytrace=False)
    pytest.skip(f"NO POSTGRESQL: the server-sync tests did not run: {reason}")


def remove_cluster(cluster: Cluster) -> None:
    try:
        cluster.stop("immediate")
    except (subprocess.SubprocessError, OSError):
        pass
    shutil.rmtree(cluster.root, ignore_errors=True)

"""Shared fixtures: a runtime on a temporary data dir with a fixed clock, and staff to log in as."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aaben_raadgivning.runtime import Runtime, open_runtime
from aaben_raadgivning.security.key_store import ENV_KEY, ENV_KEY_FILE
from aaben_raadgivning.store.actions.follow_up_sweep import mark_swept
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Staff
from support.clock import LOCAL_NOW, PASSWORD, FixedClock
from support.keys import TEST_OFFICE_KEY


@dataclass
class World:
    runtime: Runtime
    clock: FixedClock
    jk: Staff
    jf: Staff

    @property
    def db(self):
        return self.runtime.db


def pytest_configure(config) -> None:
    """Every test runs encrypted, under the test office key (child processes inherit it), and never near
    the real OS credential store."""
    import os

    import keyring

    from support.keys import TEST_OFFICE_KEY, MemoryKeyring

    os.environ[ENV_KEY] = TEST_OFFICE_KEY.recovery_code
    os.environ.pop(ENV_KEY_FILE, None)
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(LOCAL_NOW)


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    runtime = open_runtime(tmp_path / "data", now=clock)
    jk = create_staff(runtime.db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password=PASSWORD)
    jf = create_staff(runtime.db, initials="JF", name="Jakob Frederiksen", role="jobformidler", password=PASSWORD)
    # Everything in a world is made through the actions (each recomputes its follow-ups), so today counts as
    # swept: the app's start-up follow-up sweep has nothing to do until a test moves the clock a day on.
    mark_swept(runtime.db, LOCAL_NOW.date())
    yield World(runtime, clock, jk, jf)
    runtime.close()


@pytest.fixture
def run(capsys, monkeypatch):
    """The command line: main(argv) → (exit code, stdout, stderr), run in-process as a user would type it;
    ``stdin`` feeds standard input. A traceback on either stream fails the test: users get Danish messages."""
    import io
    import sys

    from aaben_raadgivning.cli import main

    def runner(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return runner


@pytest.fixture
def share_for():
    """``share_for(db, path)``: the office share at ``path`` (set up on first use; a laptop's first sync
    joins it)."""
    from aaben_raadgivning.sync.office_share import SHARE_ID_NAME, create_share

    def join(_db, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if not (path / SHARE_ID_NAME).exists():
            create_share(path, TEST_OFFICE_KEY)
        return path

    return join


@pytest.fixture(autouse=True)
def _steady_cursor(request, monkeypatch):
    """Snapshot tests: a text cursor that blinks every 0.5 s made a screenshot depend on how fast a busy
    machine ran the test. In snapshot modules the cursor stays visible (as on the first frame)."""
    if "snapshot" not in request.node.path.name:
        return
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: setattr(self, "_cursor_visible", True))
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """In-process tests hash at a token scrypt cost (the suite creates many staff; OWASP's cost takes about
    half a second a hash). tests/security/test_passwords.py checks the production cost and hashes at it once.
    Session-scoped so module-scoped fixtures that create staff hash cheaply too."""
    from aaben_raadgivning.security import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "N", 2**4)
        patch.setattr(passwords, "R", 8)
        patch.setattr(passwords, "P", 1)
        yield


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for this test process (tests/support/postgres.py)."""
    from support.postgres import remove_cluster, start_cluster

    cluster = start_cluster()
    yield cluster
    remove_cluster(cluster)


@pytest.fixture
def server_url(pg_cluster) -> str:
    """A fresh, empty database on the throwaway cluster, as a sync server URL."""
    return pg_cluster.url(pg_cluster.new_database())

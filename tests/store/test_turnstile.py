"""The turnstile lets a save in between two of the sync's write transactions (store/turnstile.py).

The wait itself is measured in benchmarks/bench_concurrent_saves.py; these tests pin the order: the sync's
next batch waits for a save already waiting, a save waits for the sync's instant of exclusive hold, and
neither can stop the other for good.
"""

from __future__ import annotations

import sys
import threading

import pytest

from aaben_raadgivning.store import turnstile as turnstile_module
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.turnstile import Turnstile
from support.keys import open_database

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fcntl: the turnstile is absent on Windows")


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "db.sqlite3", tmp_path / "backups")
    yield database
    database.close()


def _in_thread(target) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        target()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_the_sync_waits_for_a_save_that_is_waiting_or_writing(db):
    writing, finish = threading.Event(), threading.Event()

    def save() -> None:
        with db.write():
            writing.set()
            finish.wait(10)

    saver, _ = _in_thread(save)
    assert writing.wait(10)
    sync, synced = _in_thread(db.turnstile.let_waiting_saves_in)
    assert not synced.wait(0.3)  # the save holds its place: the sync's next batch waits
    finish.set()
    assert synced.wait(10)
    saver.join(10)


def test_a_save_goes_through_the_turnstile_and_lands(db):
    """A user action (Database.transaction) holds the turnstile while it writes, and still commits."""
    holding = []
    original = db.turnstile.shared

    def spy():
        holding.append(True)
        return original()

    staff = create_staff(db, initials="JK", name="Jonna Konsulent", role="jobkonsulent", password="hemmelig-kode-1")
    db.turnstile.shared = spy
    citizen = create_citizen(db, staff.id, name="Åse")
    assert holding
    with db.session() as session:
        assert session.get(Citizen, citizen.id).name == "Åse"


def test_a_save_that_never_ends_cannot_stop_the_sync(db, monkeypatch):
    monkeypatch.setattr(turnstile_module, "MAX_YIELD_S", 0.2)
    stuck, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.turnstile.shared():
            stuck.set()
            release.wait(10)

    holder, _ = _in_thread(hold)
    assert stuck.wait(10)
    _, synced = _in_thread(db.turnstile.let_waiting_saves_in)
    assert synced.wait(5)  # gave up waiting after MAX_YIELD_S and went on
    release.set()
    holder.join(10)


def test_a_turnstile_that_cannot_be_made_leaves_saves_working(tmp_path):
    turnstile = Turnstile(tmp_path / "missing-folder" / "db.sqlite3")
    with turnstile.shared():
        pass
    turnstile.let_waiting_saves_in()
    assert turnstile.enabled is False

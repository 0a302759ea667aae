"""The integrity check: silent on a sound database, specific (in Danish) about each kind of damage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from aaben_raadgivning.ids import new_id
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.actions.walk_ins import finish_walk_in, register_walk_in
from aaben_raadgivning.store.integrity import repair_search_index, run_checks
from aaben_raadgivning.store.models import AuditEntry, Citizen, Event
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.store.search_index import search_rowid
from support.keys import raw_connect


@pytest.fixture
def filled(world):
    citizens = [
        create_citizen(world.db, world.jk.id, name=name, phone=phone)
        for name, phone in (("Åse Østergård", "12345678"), ("Mohammed Ali", ""), ("Jens Hansen", "87654321"))
    ]
    walk_in = register_walk_in(world.db, world.jk.id, reason="post", citizen_id=citizens[0].id)
    finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="Brev læst sammen.")
    return world, citizens


def _raw(world, sql: str, params=(), foreign_keys: bool = True) -> None:
    """Damage the file behind the app's back, as a crash, a bad tool or a bug could."""
    with raw_connect(world.runtime.paths.database) as conn:
        conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        conn.execute(sql, params)


def _problems(db) -> list[str]:
    return [problem.message for result in run_checks(db) for problem in result.problems]


def test_fresh_and_used_databases_are_in_order(world, filled):
    assert all(result.ok for result in run_checks(world.db))


def test_missing_search_row_is_found_and_repaired(filled):
    world, citizens = filled
    _raw(world, "DELETE FROM citizen_search WHERE rowid = ?", (search_rowid(citizens[1].id),))
    assert search_citizens(world.db, "Mohammed", viewer=Viewer.system()) == []
    [message] = _problems(world.db)
    assert "Søgeindekset mangler 1 af 3 borgere" in message
    assert all(p.repairable for r in run_checks(world.db) for p in r.problems)

    assert repair_search_index(world.db) == 3
    assert _problems(world.db) == []
    assert [hit.name for hit in search_citizens(world.db, "Mohammed", viewer=Viewer.system())] == ["Mohammed Ali"]
    with world.db.session() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "repair")) is not None


def test_stale_search_row_of_a_deleted_citizen_is_found(filled):
    world, citizens = filled
    with world.db.transaction() as tx:  # deleted without taking it out of the index
        tx.tombstone(tx.session.get(Citizen, citizens[2].id))
    [message] = _problems(world.db)
    assert "forkerte eller forældede" in message
    repair_search_index(world.db)
    assert _problems(world.db) == []
    assert search_citizens(world.db, "Jens Hansen", viewer=Viewer.system()) == []


def test_row_missing_from_the_change_log_is_found(filled):
    world, citizens = filled
    _raw(world, "DELETE FROM change_log WHERE row_id = ? AND op = 'insert'", (citizens[0].id,))
    [message] = _problems(world.db)
    assert message.startswith("1 række i borgere mangler i ændringsloggen")
    assert not any(p.repairable for r in run_checks(world.db) for p in r.problems)


def test_change_to_an_append_only_row_is_found(filled):
    world, _ = filled
    with world.db.session() as session:
        event_id = session.scalar(select(Event.id))
    _raw(
        world,
        "INSERT INTO change_log (id, hlc, device_id, table_name, row_id, op, field, value) "
        "VALUES (?, '000001764000000000-00000-x', 'x', 'events', ?, 'update', 'summary', ?)",
        (new_id(), event_id, json.dumps("ændret")),
    )
    [message] = _problems(world.db)
    assert "tidslinjehændelser må kun få nye rækker" in message and "1 ændring" in message


def test_dangling_reference_is_found(filled):
    world, citizens = filled
    with world.db.session() as session:
        event_id = session.scalar(select(Event.id))
    _raw(world, "UPDATE events SET citizen_id = ? WHERE id = ?", (new_id(), event_id), foreign_keys=False)
    messages = _problems(world.db)
    assert "1 række i tidslinjehændelser henviser til borgere, der ikke findes." in messages


def test_corrupt_file_is_reported():
    """SQLite's own verdict is passed on with advice, not swallowed."""
    from aaben_raadgivning.store.integrity import REFRESH_FULL_TEXT, check_file

    class Verdict:
        def all(self):
            return [("*** in database main ***",), ("Page 7: btreeInitPage() returns error code 11",)]

    class Nothing:
        def all(self):
            return []

    class DamagedConnection:
        def exec_driver_sql(self, sql):
            assert sql in ("PRAGMA integrity_check", REFRESH_FULL_TEXT)
            return Verdict() if sql == "PRAGMA integrity_check" else Nothing()

    [problem] = check_file(DamagedConnection())
    assert "beskadiget" in problem.message and "btreeInitPage" in problem.message
    assert "sikkerhedskopi" in problem.message and not problem.repairable


def test_a_purged_citizen_still_present_is_found(filled):
    """What the sync bug of a laptop starting from an older snapshot left behind: the purge recorded, the
    citizen and its values still there."""
    world, citizens = filled
    purge_citizen(world.db, world.jk.id, citizens[1].id, "Borgeren har bedt om sletning")
    assert _problems(world.db) == []
    _raw(world, "INSERT INTO sync_purged (table_name, row_id) VALUES ('citizens', ?)", (citizens[2].id,))
    messages = _problems(world.db)
    assert "1 række i borgere er slettet efter anmodning (GDPR), men findes stadig her. Kontakt support." in messages
    assert any(m.startswith("Ændringsloggen har stadig 1 værdi fra rækker, der er slettet") for m in messages)


def test_a_full_text_index_changed_by_another_connection_is_not_reported_as_damage(tmp_path):
    """Found by the sync state machine: SQLite's integrity_check (3.44+) also checks FTS5 indexes, but from the
    structure the connection cached. A pooled connection that used the index before another connection (the
    sync, a second instance) changed it reported "checksum mismatch" for a sound file, and ``check`` told the
    user to restore a backup. The check must refresh first; the search itself was always right."""
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.staff import create_staff
    from aaben_raadgivning.store.integrity import check_file
    from aaben_raadgivning.store.queries.search import search_citizens
    from aaben_raadgivning.store.queries.viewer import Viewer
    from support.keys import open_database

    here = open_database(tmp_path / "db.sqlite3", tmp_path / "backups")
    staff = create_staff(here, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    create_citizen(here, staff.id, name="Åse Hansen")
    other = open_database(tmp_path / "db.sqlite3", tmp_path / "backups")  # the app's other connection
    try:
        with here.engine.connect() as conn:
            assert check_file(conn) == ()  # the pooled connection has now cached the index structure
            conn.rollback()
        for n in range(40):
            create_citizen(other, staff.id, name=f"Bo Ørsted {n}", accept_duplicates=True)
        with here.engine.connect() as conn:
            assert check_file(conn) == ()
            conn.rollback()
        assert len(search_citizens(here, "ørsted", limit=100, viewer=Viewer.system())) == 40
    finally:
        other.close()
        here.close()

"""The audit log's hash chain: every changed, deleted or inserted row is found by ``check``, in Danish."""

from __future__ import annotations

import pytest

from aaben_raadgivning.ids import new_id
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.audit_chain import GENESIS, link_hash, verify_audit_chains
from aaben_raadgivning.store.integrity import run_checks
from support.keys import raw_connect


@pytest.fixture
def logged(world):
    citizen = create_citizen(world.db, world.jk.id, name="Åse Østergård", phone="12345678")
    for n in range(4):
        record_lookup(world.db, world.jf.id, citizen.id, f"Åse {n}", "Borgere")
    return world, citizen


def _chain(world) -> list[tuple]:
    with raw_connect(world.runtime.paths.database) as conn:
        return conn.execute(
            "SELECT id, chain_seq, chain_prev, chain_hash, action FROM audit_log WHERE chain_seq IS NOT NULL "
            "ORDER BY chain_seq"
        ).fetchall()


def _raw(world, sql: str, params=()) -> None:
    with raw_connect(world.runtime.paths.database) as conn:
        conn.execute(sql, params)


def _chain_problems(db) -> list[str]:
    [result] = [r for r in run_checks(db) if r.title == "Revisionssporet er ubrudt"]
    return [p.message for p in result.problems]


def test_every_audit_row_is_linked_to_the_one_before_it(logged):
    world, _ = logged
    rows = _chain(world)
    assert [seq for _, seq, *_ in rows] == list(range(1, len(rows) + 1))
    assert rows[0][2] == GENESIS
    assert all(rows[i][2] == rows[i - 1][3] for i in range(1, len(rows)))
    assert _chain_problems(world.db) == []
    assert all(r.ok for r in run_checks(world.db))


def test_a_changed_row_is_reported(logged):
    world, _ = logged
    _id, seq, *_ = _chain(world)[-2]
    _raw(world, "UPDATE audit_log SET detail = 'Intet at se her' WHERE chain_seq = ?", (seq,))
    [message] = _chain_problems(world.db)
    assert f"række nr. {seq}" in message and "er ændret, efter den blev skrevet" in message
    assert "denne computer" in message


def test_a_deleted_row_is_reported(logged):
    world, _ = logged
    _id, seq, *_ = _chain(world)[2]
    _raw(world, "DELETE FROM audit_log WHERE chain_seq = ?", (seq,))
    [message] = _chain_problems(world.db)
    assert f"1 række mangler (nr. {seq}" in message and "slettet uden om programmet" in message


def test_deleting_the_newest_rows_is_reported_too(logged):
    world, _ = logged
    last = _chain(world)[-1][1]
    _raw(world, "DELETE FROM audit_log WHERE chain_seq >= ?", (last - 1,))
    [message] = _chain_problems(world.db)
    assert f"nr. {last - 1}–{last}" in message


def test_an_inserted_row_is_reported(logged):
    world, citizen = logged
    rows = _chain(world)
    _id, seq, prev, _hash, _ = rows[1]
    # A row slipped in with a number already used, even with a hash that fits its own fields
    fields = {"id": new_id(), "at": "2026-11-03 10:00:00.000000", "staff_id": world.jk.id,
              "device_id": world.db.device_id, "action": "read", "entity": "citizen", "entity_id": citizen.id,
              "citizen_id": citizen.id, "detail": "Falsk"}  # fmt: skip
    forged = link_hash(prev, seq, fields)
    _raw(world, "INSERT INTO audit_log (id, at, staff_id, device_id, action, entity, entity_id, citizen_id, detail, "
                "chain_seq, chain_prev, chain_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
         (*fields.values(), seq, prev, forged))  # fmt: skip
    # and one without any number, after the chain began
    _raw(world, "INSERT INTO audit_log (id, at, staff_id, device_id, action, entity, detail) "
                "SELECT ?, max(at), ?, ?, 'read', 'citizen', 'Uden nummer' FROM audit_log",
         (new_id(), world.jk.id, world.db.device_id))  # fmt: skip
    messages = _chain_problems(world.db)
    assert any(f"nummer {seq} i kæden findes mere end én gang" in m for m in messages)
    assert any("sat ind uden om programmet (den har intet nummer i kæden)" in m for m in messages)


def test_rows_from_before_the_chain_are_counted_not_reported(logged):
    world, _ = logged
    _raw(world, "INSERT INTO audit_log (id, at, device_id, action, entity, detail) "
                "VALUES (?, '2020-01-01 09:00:00.000000', ?, 'login', 'staff', 'Gammel')",
         (new_id(), world.db.device_id))  # fmt: skip
    assert _chain_problems(world.db) == []
    with world.db.engine.connect() as conn:
        report = verify_audit_chains(conn)
    assert report.before_chain == {world.db.device_id: 1}


def test_a_purge_removing_audit_rows_is_not_tampering(logged):
    world, citizen = logged
    with world.db.transaction() as tx:  # as an erasure does: the citizen's search rows are purged (GDPR)
        from aaben_raadgivning.store.replica import Applier

        ids = [r[0] for r in _chain(world) if r[4] == "search"]
        for row_id in ids[-2:]:
            tx.purge("audit_log", row_id)
        tx.session.flush()
        tx.session.expunge_all()
        for row_id in ids[-2:]:
            Applier(tx.session.connection()).purge("audit_log", row_id)
    purge_citizen(world.db, world.jk.id, citizen.id, "Borgeren bad om det")
    assert _chain_problems(world.db) == []
    # the chain goes on after the purged rows, without reusing their numbers
    rows = _chain(world)
    assert rows[-1][4] == "purge" and rows[-1][1] > len(rows)
    # a row deleted behind the app's back is still found among the purged ones
    _raw(world, "DELETE FROM audit_log WHERE chain_seq = ?", (rows[1][1],))
    assert any("mangler" in message for message in _chain_problems(world.db))


def test_incremental_verification_checks_only_what_is_new_and_remembers(logged):
    world, _ = logged
    with world.db.write() as conn:
        first = verify_audit_chains(conn, [world.db.device_id], incremental=True)
    assert first.ok and first.verified[world.db.device_id] == len(_chain(world))
    record_lookup(world.db, world.jf.id, _chain(world)[0][0], "ny", "Borgere")
    with world.db.write() as conn:
        second = verify_audit_chains(conn, [world.db.device_id], incremental=True)
    assert second.ok and second.verified[world.db.device_id] == 1

"""Tx, the unit of work behind every user action (docs/sync-spec.md T1-T7): what lands in the change log that
the sync carries to the other laptops, and who it says made each change."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from aaben_raadgivning.changes.hlc import decode
from aaben_raadgivning.store.models import AuditEntry, Citizen


def logged(world, row_id: str | None = None) -> list[dict]:
    """The change-log entries (of one row, or all), in the order the clock stamped them."""
    with world.db.engine.connect() as conn:
        rows = (
            conn.exec_driver_sql(
                "SELECT table_name, row_id, op, field, value, staff_id, hlc, device_id FROM change_log ORDER BY hlc"
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows if row_id is None or r["row_id"] == row_id]


def new_citizen(world, **fields) -> Citizen:
    with world.db.transaction() as tx:
        return tx.add(Citizen(name="Ada", created_at=tx.now, **fields))


def test_t3_add_logs_the_whole_row_with_its_defaults_and_gives_it_an_id(world):
    citizen = new_citizen(world, phone="12345678")
    assert citizen.id
    [entry] = logged(world, citizen.id)
    assert (entry["table_name"], entry["op"], entry["field"]) == ("citizens", "insert", None)
    row = json.loads(entry["value"])
    assert row["name"] == "Ada" and row["phone"] == "12345678" and row["id"] == citizen.id
    assert row["housing_area"] == "" and row["cv_status"] == "mangler"  # defaults filled before logging
    assert row["created_at"] == world.db.now().isoformat()


def test_t3_add_keeps_an_id_the_row_already_has(world):
    with world.db.transaction() as tx:
        tx.add(Citizen(id="derived-1", name="Ada", created_at=tx.now))
    assert [e["op"] for e in logged(world, "derived-1")] == ["insert"]


UPDATE_CASES = [
    pytest.param({"name": "Ada"}, [], id="T1 the same value: nothing logged"),
    pytest.param({"name": "Bo"}, [("name", "Bo")], id="T1 one changed field"),
    pytest.param({"name": "Ada", "phone": "87654321", "job_goal": "lager"}, [("phone", "87654321"), ("job_goal", "lager")],
                 id="T1 only the changed fields, one entry each, in the order given"),
    pytest.param({"phone": None}, [("phone", None)], id="T1 a field cleared"),
    pytest.param({"project_start": date(2026, 12, 1)}, [("project_start", "2026-12-01")],
                 id="T1 a date is logged as ISO text"),
]  # fmt: skip


@pytest.mark.parametrize("fields, expected", UPDATE_CASES)
def test_t1_update_logs_only_the_fields_whose_value_changed(world, fields, expected):
    citizen = new_citizen(world, phone="12345678")
    with world.db.transaction() as tx:
        row = tx.session.get(Citizen, citizen.id)
        changed = tx.update(row, **fields)
    assert changed == [name for name, _ in expected]
    entries = logged(world, citizen.id)[1:]
    assert [(e["op"], e["field"], json.loads(e["value"])) for e in entries] == [("update", f, v) for f, v in expected]
    with world.db.session() as session:
        stored = session.get(Citizen, citizen.id)
        for name, value in fields.items():
            assert getattr(stored, name) == value


def test_t2_an_append_only_row_cannot_be_updated(world):
    with world.db.transaction() as tx:
        entry = tx.audit(world.jk.id, "opslag", detail="før")
    before = logged(world)
    with pytest.raises(TypeError, match="audit_log is append-only"), world.db.transaction() as tx:
        tx.update(tx.session.get(AuditEntry, entry.id), detail="efter")
    assert logged(world) == before
    with world.db.session() as session:
        assert session.get(AuditEntry, entry.id).detail == "før"


def test_t4_tombstone_marks_the_row_deleted_now_and_logs_it(world):
    citizen = new_citizen(world)
    world.clock.advance(hours=1)
    with world.db.transaction() as tx:
        tx.tombstone(tx.session.get(Citizen, citizen.id))
        now = tx.now
    [entry] = logged(world, citizen.id)[1:]
    assert (entry["op"], entry["field"], json.loads(entry["value"])) == ("delete", "deleted_at", now.isoformat())
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id).deleted_at == now == world.db.now()


def test_t5_purge_logs_a_purge_entry_without_a_value(world):
    citizen = new_citizen(world)
    with world.db.transaction() as tx:
        tx.purge("citizens", citizen.id)
    [entry] = logged(world, citizen.id)[1:]
    assert (entry["table_name"], entry["op"], entry["field"], json.loads(entry["value"])) == (
        "citizens", "purge", None, None)  # fmt: skip


def test_t6_every_entry_of_an_action_records_the_person_of_its_audit_entry(world):
    """Before the audit call, after it, and the audit row's own entry."""
    citizen = new_citizen(world)
    with world.db.transaction() as tx:
        row = tx.session.get(Citizen, citizen.id)
        tx.update(row, name="Bo")
        audit = tx.audit(world.jk.id, "ret", entity="citizens", entity_id=citizen.id)
        tx.update(row, phone="12345678")
    entries = [e for e in logged(world) if e["row_id"] in (citizen.id, audit.id)][1:]
    assert [(e["row_id"], e["op"]) for e in entries] == [(citizen.id, "update"), (audit.id, "insert"),
                                                         (citizen.id, "update")]  # fmt: skip
    assert [e["staff_id"] for e in entries] == [world.jk.id] * 3


def test_t6_the_first_audit_naming_a_person_decides(world):
    citizen = new_citizen(world)
    with world.db.transaction() as tx:
        row = tx.session.get(Citizen, citizen.id)
        tx.audit(None, "system")  # system work names nobody
        tx.update(row, name="Bo")
        tx.audit(world.jk.id, "ret")
        tx.audit(world.jf.id, "ret")
        tx.update(row, phone="12345678")
    assert [e["staff_id"] for e in logged(world, citizen.id)[1:]] == [world.jk.id, world.jk.id]
    with world.db.session() as session:
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action.in_(["system", "ret"]))).all()
        assert sorted((a.action, a.staff_id or "") for a in audits) == sorted(
            [("system", ""), ("ret", world.jk.id), ("ret", world.jf.id)])  # fmt: skip


def test_t6_an_action_without_a_person_records_nobody(world):
    citizen = new_citizen(world)
    assert logged(world, citizen.id)[0]["staff_id"] is None


def test_t6_the_audit_entry_records_the_action(world):
    with world.db.transaction() as tx:
        entry = tx.audit(world.jk.id, "eksport", entity="citizens", entity_id="c1", citizen_id="c1", detail="json")
        now = tx.now
    with world.db.session() as session:
        stored = session.get(AuditEntry, entry.id)
        assert (stored.at, stored.staff_id, stored.device_id, stored.action, stored.entity, stored.entity_id,
                stored.citizen_id, stored.detail) == (now, world.jk.id, world.db.device_id, "eksport", "citizens",
                                                      "c1", "c1", "json")  # fmt: skip


def test_t7_each_entry_gets_its_own_increasing_stamp_from_this_device(world):
    citizen = new_citizen(world)
    with world.db.transaction() as tx:
        row = tx.session.get(Citizen, citizen.id)
        tx.update(row, name="Bo", phone="12345678", job_goal="lager")
        tx.tombstone(row)
    entries = logged(world, citizen.id)
    stamps = [e["hlc"] for e in entries]
    assert len(set(stamps)) == len(stamps) == 5
    assert [e["field"] for e in entries] == [
        None,
        "name",
        "phone",
        "job_goal",
        "deleted_at",
    ]  # stamp order = call order
    assert {decode(s)[2] for s in stamps} == {e["device_id"] for e in entries} == {world.db.device_id}


def test_tx_knows_the_time_of_the_action(world):
    with world.db.transaction() as tx:
        assert tx.now == world.db.now()
        assert isinstance(tx.now, datetime)


def test_t6_an_audit_entry_with_only_an_action_has_empty_entity_and_detail(world):
    with world.db.transaction() as tx:
        entry = tx.audit(world.jk.id, "login")
    with world.db.session() as session:
        stored = session.get(AuditEntry, entry.id)
        assert (stored.entity, stored.entity_id, stored.citizen_id, stored.detail) == ("", None, None, "")


def _far_ahead_update(world, row_id: str, ahead_ms: int) -> str:
    """An update of ``row_id`` as if received from a peer whose clock runs ``ahead_ms`` ahead."""
    ms, _, _ = decode(world.db.clock.now())
    stamp = f"{ms + ahead_ms:015d}-00000-peer-far-ahead"
    with world.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO change_log (id, hlc, device_id, table_name, row_id, op, field, value) "
            "VALUES (?, ?, 'peer-far-ahead', 'citizens', ?, 'update', 'phone', '\"11111111\"')",
            (f"far-{row_id}", stamp, row_id),
        )
    return stamp


def test_c8_an_edit_is_stamped_after_the_newest_change_of_its_own_row_only(world):
    """C8: an edit of a row a far-ahead peer changed is stamped after that change (else it loses to its own
    past); an edit of any other row keeps the drift bound and is not dragged along."""
    year_ms = 365 * 24 * 3_600_000
    touched, other = new_citizen(world), new_citizen(world)
    far = _far_ahead_update(world, touched.id, year_ms)
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, other.id), name="Bo")
    [other_edit] = [e for e in logged(world, other.id) if e["op"] == "update"]
    assert other_edit["hlc"] < far
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, touched.id), name="Cai")
    [touched_edit] = [e for e in logged(world, touched.id) if e["op"] == "update" and e["field"] == "name"]
    assert touched_edit["hlc"] > far

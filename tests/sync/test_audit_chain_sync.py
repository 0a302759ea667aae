"""Two laptops: each writes its own audit chain; after sync both chains verify on both laptops, and a row
changed on one laptop is found there (and never travels as valid)."""

from __future__ import annotations

from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.audit_chain import verify_audit_chains
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.sync.engine import sync
from aaben_raadgivning.sync.office_share import create_share
from support.keys import TEST_OFFICE_KEY, raw_connect
from support.replicas import new_device, template_database


def _chain_problems(db) -> list[str]:
    return [p.message for r in run_checks(db) if r.title == "Revisionssporet er ubrudt" for p in r.problems]


def test_both_chains_verify_on_both_laptops_after_sync(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    try:
        jk = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
        sync(a, share, device_name="laptop-a")
        sync(b, share, device_name="laptop-b")
        citizen = create_citizen(a, jk.id, name="Åse Hansen", phone="12345678")
        sync(a, share)
        sync(b, share)
        for n in range(3):
            record_lookup(a, jk.id, citizen.id, f"a{n}", "Borgere")
            record_lookup(b, jk.id, citizen.id, f"b{n}", "Borgere")
        for _ in range(2):
            sync(a, share)
            sync(b, share)
        for db in (a, b):
            assert _chain_problems(db) == []
            with db.write() as conn:
                report = verify_audit_chains(conn, [a.device_id, b.device_id])
            assert report.ok
            assert report.verified[a.device_id] >= 5 and report.verified[b.device_id] >= 3
        # B's copy of a row A wrote is changed behind the app's back: B's check names laptop A's chain
        with raw_connect(b.path) as conn:
            conn.execute("UPDATE audit_log SET detail = 'ændret' WHERE device_id = ? AND chain_seq = 2", (a.device_id,))
        [message] = _chain_problems(b)
        assert message.startswith("Revisionssporet fra computeren ") and "række nr. 2" in message
        assert "denne computer" not in message
        assert _chain_problems(a) == []
    finally:
        a.close()
        b.close()


def test_a_row_changed_on_the_way_is_reported_by_the_sync_itself(tmp_path):
    """The sync verifies the chains of the audit rows it applies: a row altered before it arrives (here in the
    sender's own database, before it sends) is named in the round's warnings on the receiver."""
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    try:
        staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
        create_citizen(a, staff.id, name="Åse Hansen")
        create_citizen(a, staff.id, name="Bo Jensen")
        with a.write() as conn:  # someone edits an audit row (and its logged insert) behind the app's back
            target = "(SELECT id FROM audit_log WHERE chain_seq = 2 AND device_id = ?)"
            conn.exec_driver_sql(
                "UPDATE change_log SET value = json_set(value, '$.detail', 'ændret') WHERE table_name = 'audit_log' "
                f"AND row_id = {target}",
                (a.device_id,),
            )
            conn.exec_driver_sql(f"UPDATE audit_log SET detail = 'ændret' WHERE id = {target}", (a.device_id,))
        sync(a, share, snapshot="never")  # (a laptop that starts from a snapshot has it checked by ``check``)
        report = sync(b, share)
        with b.engine.connect() as conn:
            details = [
                r[0] for r in conn.exec_driver_sql("SELECT detail FROM audit_log WHERE device_id = ?", (a.device_id,))
            ]
        assert "ændret" in details
        assert any("Revisionssporet" in w or "kæde" in w for w in report.warnings), report.warnings
    finally:
        a.close()
        b.close()

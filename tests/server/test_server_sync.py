"""Sync through a real PostgreSQL server, scenario by scenario: what each laptop and the server hold."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.sync.engine import open_conflicts, sync, sync_status
from aaben_raadgivning.sync.errors import SyncRefused
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.sync.server.connection import ServerUnreachable, server_engine
from aaben_raadgivning.sync.server.device_reset import reset_device_on_server
from aaben_raadgivning.sync.server.round import sync_server
from aaben_raadgivning.sync.server.schema import WrongServer, init_server
from support.keys import TEST_OFFICE_KEY
from support.replicas import new_device, replica_state, template_database


@pytest.fixture
def office(tmp_path, server_url):
    """Two laptops (A, B) on a fresh server; A has a jobkonsulent; both have synced once."""
    init_server(server_engine(server_url), TEST_OFFICE_KEY)
    template = template_database(tmp_path / "template")
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    sync_server(a, server_url, device_name="laptop-a")
    sync_server(b, server_url, device_name="laptop-b")
    yield a, b, server_url, staff
    a.close()
    b.close()


def _exchange(url, *dbs) -> None:
    for _ in range(2):
        for db in dbs:
            sync_server(db, url)


def _citizen(db, citizen_id):
    with db.session() as session:
        return session.get(Citizen, citizen_id)


def _server_rows(url, sql):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql).all()
    engine.dispose()
    return rows


def test_a_citizen_made_on_one_laptop_reaches_the_other_and_the_server_holds_no_readable_name(office):
    a, b, url, staff = office
    citizen = create_citizen(a, staff.id, name="Åse Hansen", cpr="010190-1234", phone="12345678")
    report = sync_server(a, url)
    assert report.sent > 0
    report = sync_server(b, url)
    assert report.received > 0
    assert _citizen(b, citizen.id).name == "Åse Hansen"
    assert replica_state(a) == replica_state(b)
    values = b"".join(bytes(v) for (v,) in _server_rows(url, "SELECT value FROM changes WHERE value IS NOT NULL"))
    for secret in ("Åse".encode(), b"0101901234", b"010190", b"12345678"):
        assert secret not in values


def test_concurrent_edits_give_the_same_conflict_on_both_laptops(office):
    a, b, url, staff = office
    citizen = create_citizen(a, staff.id, name="Åse Hansen", phone="12345678")
    _exchange(url, a, b)
    for db, phone in ((a, "11111111"), (b, "22222222")):
        with db.transaction() as tx:
            tx.update(tx.session.get(Citizen, citizen.id), phone=phone)
    _exchange(url, a, b)
    assert _citizen(a, citizen.id).phone == _citizen(b, citizen.id).phone == "22222222"
    conflicts = open_conflicts(a)
    assert conflicts == open_conflicts(b)
    assert [(c["field"], json.loads(c["loser_value"])) for c in conflicts] == [("phone", "11111111")]
    assert replica_state(a) == replica_state(b)


def test_a_second_round_sends_nothing_again(office):
    a, b, url, staff = office
    create_citizen(a, staff.id, name="Åse Hansen")
    assert sync_server(a, url).sent > 0
    assert sync_server(a, url).sent == 0
    assert sync_server(b, url).received > 0
    assert sync_server(b, url).received == 0
    (count,) = _server_rows(url, "SELECT count(*), count(DISTINCT change_id) FROM changes")
    assert count[0] == count[1]


def test_an_unreachable_server_leaves_the_changes_waiting(office, tmp_path):
    a, b, url, staff = office
    create_citizen(a, staff.id, name="Åse Hansen")
    dead = f"postgresql+psycopg://postgres@/nothing?host={tmp_path}"
    with pytest.raises(ServerUnreachable, match="kan ikke nås"):
        sync_server(a, dead)
    sync_server(a, url)
    sync_server(b, url)
    assert replica_state(a) == replica_state(b)


def test_a_server_of_another_office_is_refused_and_nothing_is_written(tmp_path, pg_cluster):
    url = pg_cluster.url(pg_cluster.new_database())
    init_server(server_engine(url), OfficeKey.generate())
    a = new_device(template_database(tmp_path / "template"), tmp_path / "a" / "db.sqlite3")
    create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    with pytest.raises(WrongServer, match="andet kontor"):
        sync_server(a, url)
    assert _server_rows(url, "SELECT count(*) FROM changes") == [(0,)]
    assert sync_status(a).waiting > 0


def test_an_erasure_blanks_the_persons_values_on_the_server(office):
    a, b, url, staff = office
    citizen = create_citizen(a, staff.id, name="Åse Hansen", cpr="010190-1234")
    _exchange(url, a, b)
    purge_citizen(b, staff.id, citizen.id, "Borgeren bad om sletning")
    _exchange(url, a, b)
    assert _citizen(a, citizen.id) is None
    rows = _server_rows(url, f"SELECT count(*) FROM changes WHERE row_id = '{citizen.id}' AND value IS NOT NULL")
    assert rows == [(0,)]
    assert replica_state(a) == replica_state(b)


def test_a_cloned_disk_is_refused(office, tmp_path):
    import shutil

    from support.keys import open_database

    a, b, url, staff = office
    create_citizen(a, staff.id, name="Åse Hansen")
    a.close()
    shutil.copytree(tmp_path / "a", tmp_path / "clone")
    a2 = open_database(tmp_path / "a" / "db.sqlite3", tmp_path / "a" / "backups")
    clone = open_database(tmp_path / "clone" / "db.sqlite3", tmp_path / "clone" / "backups")
    sync_server(a2, url)
    create_citizen(a2, staff.id, name="Bo Berg")
    sync_server(a2, url)
    made_on_clone = create_citizen(clone, staff.id, name="Made on the clone")
    with pytest.raises(SyncRefused, match="enheds-id"):
        sync_server(clone, url)
    # «device reset»: a new id for the clone; what it made since the copy goes out under it, nothing is lost
    done = reset_device_on_server(clone, url)
    assert done.relabelled == 2  # the citizen and its audit entry
    clone.close()
    clone = open_database(tmp_path / "clone" / "db.sqlite3", tmp_path / "clone" / "backups")
    _exchange(url, a2, clone, b)
    assert _citizen(a2, made_on_clone.id).name == "Made on the clone"
    assert replica_state(a2) == replica_state(clone) == replica_state(b)
    a2.close()
    clone.close()


def test_a_new_laptop_starts_from_the_servers_snapshot(office, tmp_path):
    a, b, url, staff = office
    for n in range(5):
        create_citizen(a, staff.id, name=f"Borger {n}")
    report = sync_server(a, url, snapshot="always")
    assert report.snapshot_written
    create_citizen(a, staff.id, name="Efter billedet")
    sync_server(a, url, snapshot="never")
    c = new_device(template_database(tmp_path / "template"), tmp_path / "c" / "db.sqlite3")
    sync_server(c, url)
    assert replica_state(c) == replica_state(a)
    assert _server_rows(url, "SELECT count(*) FROM snapshots WHERE complete") == [(1,)]
    c.close()


def test_two_offices_one_on_a_share_one_on_the_server_converge_through_a_laptop_in_both(office, tmp_path):
    a, b, url, staff = office  # the server office
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    template = template_database(tmp_path / "template")
    s = new_device(template, tmp_path / "s" / "db.sqlite3")  # on the share only
    bridge = new_device(template, tmp_path / "bridge" / "db.sqlite3")  # on both
    sync(s, share)
    staff_s = create_staff(s, initials="SS", name="Sara", role="jobkonsulent", password="hemmelig1")
    on_share = create_citizen(s, staff_s.id, name="Fra fællesmappen")
    on_server = create_citizen(a, staff.id, name="Fra serveren")
    for _ in range(2):
        sync(s, share)
        sync_server(a, url)
        sync_server(b, url)
        sync(bridge, share)
        sync_server(bridge, url)
    sync(bridge, share)  # (what the bridge pulled last goes out in its next share round)
    sync(s, share)
    assert _citizen(s, on_server.id).name == "Fra serveren"
    assert _citizen(a, on_share.id).name == "Fra fællesmappen"
    assert replica_state(s) == replica_state(a) == replica_state(b) == replica_state(bridge)
    s.close()
    bridge.close()


def test_the_report_copy_holds_case_facts_for_sql_and_never_a_name(office):
    a, b, url, staff = office
    citizen = create_citizen(a, staff.id, name="Åse Hansen", cpr="010190-1234", phone="12345678")
    sync_server(a, url, snapshot="always")
    columns = {c for (c,) in _server_rows(
        url, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'report' AND table_name = 'citizens'"
    )}  # fmt: skip
    assert {"id", "step", "project_start", "readiness"} <= columns
    assert not columns & {"name", "cpr", "phone", "address", "birth_date", "job_goal"}
    assert _server_rows(url, "SELECT id FROM report.citizens") == [(citizen.id,)]
    every_value = " ".join(str(v) for row in _server_rows(url, "SELECT * FROM report.citizens") for v in row)
    assert "Hansen" not in every_value and "0101901234" not in every_value
    # an erasure takes the person out of the copy at once
    purge_citizen(a, staff.id, citizen.id, "Borgeren bad om sletning")
    sync_server(a, url, snapshot="never")
    assert _server_rows(url, "SELECT count(*) FROM report.citizens") == [(0,)]


def test_a_laptop_role_syncs_but_cannot_delete_changes_and_the_report_role_reads_only_the_copy(
    office, pg_cluster, run, tmp_path
):
    from sqlalchemy.engine import make_url

    a, b, url, staff = office
    code, out, _ = run("--data-dir", str(tmp_path / "admin"), "server", "add-device", url, "--login", "laptop_c")
    assert code == 0 and "Adgangskode (vises kun nu)" in out
    as_laptop = make_url(url).set(username="laptop_c").render_as_string(hide_password=False)
    create_citizen(a, staff.id, name="Åse Hansen")
    sync_server(a, url, snapshot="always")
    c = new_device(template_database(tmp_path / "template"), tmp_path / "c" / "db.sqlite3")
    report = sync_server(c, as_laptop)  # (the test cluster trusts local users: no password needed)
    assert report.received > 0 and replica_state(c) == replica_state(a)
    with pytest.raises(Exception, match="permission denied"):
        _server_rows(as_laptop, "DELETE FROM changes RETURNING seq")
    pg_cluster.sql("CREATE ROLE analyst LOGIN IN ROLE aaben_raadgivning_report")
    as_analyst = make_url(url).set(username="analyst").render_as_string(hide_password=False)
    assert _server_rows(as_analyst, "SELECT count(*) FROM report.citizens") == [(1,)]
    with pytest.raises(Exception, match="permission denied"):
        _server_rows(as_analyst, "SELECT count(*) FROM changes")
    c.close()


def test_a_laptop_taken_off_its_server_stops_listing_and_sends_everything_when_it_comes_back(office, tmp_path):
    from aaben_raadgivning.sync.configured import sync_configured

    a, b, url, staff = office
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    sync_configured(a, share=share, server="")  # the server is gone from the settings
    made_meanwhile = create_citizen(a, staff.id, name="Mens serveren var væk")
    with a.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_relay").scalar_one() == 0
    assert sync_status(a).waiting == 2  # (on the share only now)
    sync_configured(a, share=share, server=url)  # back on the server: everything is sent again, once
    sync_server(b, url)
    assert _citizen(b, made_meanwhile.id).name == "Mens serveren var væk"
    (count,) = _server_rows(url, "SELECT count(*), count(DISTINCT change_id) FROM changes")
    assert count[0] == count[1]


def test_a_role_without_rights_is_told_so_and_nothing_is_lost(office, pg_cluster):
    from sqlalchemy.engine import make_url

    from aaben_raadgivning.sync.errors import SyncError

    a, b, url, staff = office
    pg_cluster.sql("CREATE ROLE stranger LOGIN")
    as_stranger = make_url(url).set(username="stranger").render_as_string(hide_password=False)
    create_citizen(a, staff.id, name="Åse Hansen")
    with pytest.raises(SyncError, match="mangler rettigheder"):
        sync_server(a, as_stranger)
    assert sync_status(a).waiting == 2
    sync_server(a, url)
    assert sync_status(a).waiting == 0


def test_entries_out_of_order_on_the_server_are_read_on_and_applied_not_stuck(office, pg_cluster, monkeypatch):
    """A change before what it builds on in the server's order (an older version, or a defect): the pull reads
    on in a bigger transaction until what it builds on is there, instead of stopping at that batch for good."""
    from aaben_raadgivning.store.actions.timeline import add_event
    from aaben_raadgivning.sync.server import round as server_round

    a, b, url, staff = office
    citizen = create_citizen(a, staff.id, name="Åse Hansen")
    add_event(a, staff.id, citizen.id, kind="samtale", summary="Første samtale")
    sync_server(a, url)
    database = make_url_database(url)
    # the citizen's own entries moved behind everything else
    pg_cluster.sql(
        "INSERT INTO changes (seq, change_id, device_id, origin_seq, hlc, table_name, row_id, op, field, value, base, "
        "staff_id, pushed_by) OVERRIDING SYSTEM VALUE SELECT seq + 100000, 'x' || change_id, device_id, origin_seq, "
        "hlc, table_name, row_id, op, field, value, base, staff_id, pushed_by FROM changes "
        "WHERE table_name = 'citizens'; DELETE FROM changes WHERE table_name = 'citizens' AND seq < 100000; "
        "UPDATE changes SET change_id = substr(change_id, 2) WHERE change_id LIKE 'x%'",
        database,
    )
    monkeypatch.setattr(server_round, "PULL_BATCH", 2)
    report = sync_server(b, url)
    assert not [w for w in report.warnings if "bygger på" in w]
    assert _citizen(b, citizen.id).name == "Åse Hansen"
    assert replica_state(a) == replica_state(b)


def make_url_database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database


def test_a_server_gone_in_the_middle_of_a_round_is_offline_not_a_crash(office, pg_cluster, monkeypatch):
    """The round's connection dies between push and pull (server restarted, network gone): the round ends
    with the Danish «afbrudt» (exit 3 on the command line), nothing half-applied, and the next round converges."""
    from aaben_raadgivning.sync.server import round as server_round

    a, b, url, staff = office
    create_citizen(a, staff.id, name="Åse Hansen")
    sync_server(a, url)
    pull = server_round.ServerRound.pull

    def cut_then_pull(self) -> None:
        pg_cluster.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'aaben-raadgivning'"
        )
        pull(self)

    monkeypatch.setattr(server_round.ServerRound, "pull", cut_then_pull)
    with pytest.raises(ServerUnreachable, match="afbrudt"):
        sync_server(b, url)
    monkeypatch.undo()
    sync_server(b, url)
    assert replica_state(a) == replica_state(b)

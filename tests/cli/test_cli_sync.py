"""`aaben-raadgivning sync`: one round from the command line, its summary and its exit codes."""

from __future__ import annotations

import json
import shutil
import time

from aaben_raadgivning.cli import (
    EXIT_OK,
    EXIT_SHARE_UNREACHABLE,
    EXIT_SYNC_BUSY,
    EXIT_SYNC_REFUSED,
    EXIT_USAGE,
)
from aaben_raadgivning.config import update_setting
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.sync.sealing import ROLE_LEASE, seal_json
from aaben_raadgivning.sync.segments import MANIFEST_NAME
from support.keys import TEST_OFFICE_KEY, open_database
from support.keys import TEST_OFFICE_KEY as KEY


def _db(data):
    return open_database(data / "aaben-raadgivning.sqlite3", data / "backups")


def _add_citizen(data, name: str) -> str:
    db = _db(data)
    try:
        return create_citizen(db, None, name=name).id
    finally:
        db.close()


def test_two_laptops_exchange_a_citizen_with_a_summary(run, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a, b = tmp_path / "a", tmp_path / "b"
    run("--data-dir", str(b), "sync", "--share", str(share))
    _add_citizen(a, "Åse Østergaard")
    code, out, err = run("--data-dir", str(a), "sync", "--share", str(share))
    assert code == EXIT_OK
    assert "sendt 2 ændringer, modtaget 0 ændringer, konflikter: 0" in out  # the citizen and its audit entry
    assert "100 %" in err and "[########################]" in err
    code, out, _ = run("--data-dir", str(b), "sync", "--share", str(share))
    assert code == EXIT_OK and "sendt 0 ændringer, modtaget 2 ændringer" in out
    db = _db(b)
    try:  # the citizen arrived and can be found by search on the other laptop
        assert [hit.name for hit in search_citizens(db, "ostergaard", viewer=Viewer.system())] == ["Åse Østergaard"]
    finally:
        db.close()
    assert (share / MANIFEST_NAME).exists() and len(list((share / "devices").iterdir())) == 2


def test_the_share_from_the_settings_file_is_used(run, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    data = tmp_path / "a"
    run("--data-dir", str(data), "user", "list")  # creates settings.toml
    update_setting(data / "settings.toml", "sync.share", str(share))
    _add_citizen(data, "Bo")
    code, out, _ = run("--data-dir", str(data), "sync")
    assert code == EXIT_OK and "sendt" in out
    assert list((share / "devices").iterdir())


def test_without_a_share_the_user_is_told_where_to_set_it(run, tmp_path):
    code, _, err = run("--data-dir", str(tmp_path / "a"), "sync")
    assert code == EXIT_USAGE and "[sync] share" in err and "--share" in err


def test_an_unreachable_share_has_its_own_exit_code_and_keeps_changes_waiting(run, tmp_path):
    data = tmp_path / "a"
    _add_citizen(data, "Bo")
    code, _, err = run("--data-dir", str(data), "sync", "--share", str(tmp_path / "ikke-monteret"))
    assert code == EXIT_SHARE_UNREACHABLE and "kan ikke nås" in err
    from aaben_raadgivning.sync.engine import sync_status

    db = _db(data)
    try:
        assert sync_status(db).waiting == 2
    finally:
        db.close()


def test_a_share_from_a_newer_version_puts_sync_in_safe_mode(run, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    (share / MANIFEST_NAME).write_text(json.dumps({"format": 99}))
    code, _, err = run("--data-dir", str(tmp_path / "a"), "sync", "--share", str(share))
    assert code == EXIT_SYNC_REFUSED and "nyere version" in err and "sikker tilstand" in err
    assert not (share / "devices").exists()  # nothing written


def test_a_cloned_laptop_is_refused_with_a_clear_message(run, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a, clone = tmp_path / "a", tmp_path / "clone"
    _add_citizen(a, "Ada")
    shutil.copytree(a, clone)  # a copied disk: same device id
    _add_citizen(a, "Bo")
    _add_citizen(clone, "Cai")
    assert run("--data-dir", str(a), "sync", "--share", str(share))[0] == EXIT_OK
    code, _, err = run("--data-dir", str(clone), "sync", "--share", str(share))
    assert code == EXIT_SYNC_REFUSED and "samme enheds-id" in err
    assert run("--data-dir", str(a), "sync", "--share", str(share))[0] == EXIT_OK  # the original goes on


def test_a_second_sync_on_the_same_computer_waits_its_turn(run, tmp_path):
    import fcntl

    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    data = tmp_path / "a"
    _add_citizen(data, "Bo")
    with open(data / "aaben-raadgivning.sqlite3.sync.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        code, _, err = run("--data-dir", str(data), "sync", "--share", str(share))
    assert code == EXIT_SYNC_BUSY and "kører allerede" in err


def test_snapshot_flag_writes_a_new_snapshot_now(run, tmp_path):
    """A snapshot is written at most once a day on its own; --snapshot asks for a new one now."""
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = tmp_path / "a"

    def snapshots() -> list[str]:
        return sorted(p.name for p in (share / "snapshots").glob("*.sqlite3"))

    for name in ("Åse Hansen", "Bo Berg"):
        _add_citizen(a, name)
        assert run("--data-dir", str(a), "sync", "--share", str(share))[0] == EXIT_OK
    before = snapshots()
    assert before  # the first snapshot exists
    _add_citizen(a, "Cai Dahl")
    assert run("--data-dir", str(a), "sync", "--share", str(share))[0] == EXIT_OK
    assert snapshots() == before  # not again the same day
    assert run("--data-dir", str(a), "sync", "--share", str(share), "--snapshot")[0] == EXIT_OK
    assert snapshots() != before  # a newer one
    code, out, _ = run("--data-dir", str(tmp_path / "new"), "sync", "--share", str(share))
    assert code == EXIT_OK
    db = _db(tmp_path / "new")
    try:  # the new laptop has everything
        assert {hit.name for hit in search_citizens(db, "cai", viewer=Viewer.system())} == {"Cai Dahl"}
    finally:
        db.close()


def test_share_init_then_an_empty_folder_is_refused_with_exit_3_and_nothing_written(run, tmp_path):
    share, empty = tmp_path / "share", tmp_path / "unmounted"
    share.mkdir()
    empty.mkdir()
    code, out, _ = run("share", "init", "--share", str(share))
    assert code == EXIT_OK and "er sat op" in out
    code, _, err = run("share", "init", "--share", str(share))
    assert code == EXIT_SHARE_UNREACHABLE and "allerede en fællesmappe" in err
    data = tmp_path / "a"
    _add_citizen(data, "Bo")
    assert run("--data-dir", str(data), "sync", "--share", str(share))[0] == EXIT_OK
    _add_citizen(data, "Ida")
    code, out, err = run("--data-dir", str(data), "sync", "--share", str(empty))
    assert code == EXIT_SHARE_UNREACHABLE
    assert "ikke denne computers fællesmappe: mappen er tom" in err and "Traceback" not in err
    assert list(empty.iterdir()) == []
    code, out, _ = run("--data-dir", str(data), "sync", "--share", str(share))
    assert code == EXIT_OK and "sendt 2 ændringer" in out  # Ida and her audit entry, kept safely meanwhile


def test_share_join_moves_the_laptop_and_a_requested_snapshot_that_failed_exits_1(run, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
        create_share(folder, TEST_OFFICE_KEY)
    data = tmp_path / "a"
    _add_citizen(data, "Bo")
    assert run("--data-dir", str(data), "sync", "--share", str(old))[0] == EXIT_OK
    code, _, err = run("--data-dir", str(data), "sync", "--share", str(new))
    assert code == EXIT_SHARE_UNREACHABLE and "share join" in err
    code, out, _ = run("--data-dir", str(data), "share", "join", "--share", str(new))
    assert code == EXIT_OK and "hører nu til fællesmappen" in out
    (new / "snapshots").mkdir()
    lease = json.dumps({"device": "x", "expires": time.time() + 600}).encode()  # held by another laptop
    (new / "snapshots" / "lease.json").write_bytes(seal_json(KEY, ROLE_LEASE, "snapshots/lease.json", lease))
    code, out, err = run("--data-dir", str(data), "sync", "--share", str(new), "--snapshot")
    assert code == 1 and "sendt 2 ændringer" in out and "øjebliksbillede er ikke skrevet" in err


def test_share_retire_names_the_laptop_and_refuses_an_unknown_one(run, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a, b = tmp_path / "a", tmp_path / "b"
    for data, name in ((a, "skranken"), (b, "beboerhuset")):
        run("--data-dir", str(data), "user", "list")
        update_setting(data / "settings.toml", "device.name", name)
        assert run("--data-dir", str(data), "sync", "--share", str(share))[0] == EXIT_OK
    code, out, _ = run("--data-dir", str(a), "share", "retire", "--share", str(share), "--device", "beboerhuset")
    assert code == EXIT_OK and "beboerhuset er taget ud af fællesmappen" in out
    code, _, err = run("--data-dir", str(a), "share", "retire", "--share", str(share), "--device", "kælderen")
    assert code == EXIT_SHARE_UNREACHABLE and "ingen computere" in err


def test_a_share_that_fails_mid_round_gives_a_danish_message_and_exit_3(run, tmp_path, monkeypatch):
    import errno

    from aaben_raadgivning.sync.share_io import ShareIO

    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    data = tmp_path / "a"
    _add_citizen(data, "Bo")

    def publish(self, folder, name, data, **_kw):
        raise OSError(errno.EIO, "Input/output error", str(folder / name))

    monkeypatch.setattr(ShareIO, "publish", publish)
    code, _, err = run("--data-dir", str(data), "sync", "--share", str(share))
    assert code == EXIT_SHARE_UNREACHABLE
    assert "afbrudt af en filfejl (Input/output error" in err and "Intet er tabt" in err and "Traceback" not in err
    monkeypatch.undo()
    code, out, _ = run("--data-dir", str(data), "sync", "--share", str(share))
    assert code == EXIT_OK and "sendt 2 ændringer" in out

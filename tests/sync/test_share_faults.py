"""A wrong, empty or flaky share never costs a change (issue 12 §1).

Each test is a fault an office meets: the share's drive not mounted (an empty folder), a mistyped path,
another office's share, a listing of the share that momentarily lacks folders, a laptop restored from a
backup. The promise: nothing is written to a folder that is not this laptop's share, nothing is removed
without positive evidence, and a change another laptop lacks is sent again.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import share_files

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.engine import WrongShare, sync, sync_status
from aaben_raadgivning.sync.office_share import SHARE_ID_NAME, create_share, join_share
from aaben_raadgivning.sync.share_io import ShareIO
from support.keys import TEST_OFFICE_KEY, open_database
from support.keys import TEST_OFFICE_KEY as KEY
from support.replicas import new_device, replica_state, template_database


@pytest.fixture
def office(tmp_path):
    """Laptops A and B on share S, both synced once; A has a jobkonsulent."""
    template = template_database(tmp_path / "template")
    share = tmp_path / "S"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    sync(a, share, device_name="laptop-a")
    sync(b, share, device_name="laptop-b")
    sync(a, share, device_name="laptop-a")
    yield a, b, share, staff, template
    a.close()
    b.close()


def _edits(db, staff_id: str, count: int) -> list[str]:
    return [create_citizen(db, staff_id, name=f"Borger {i}", accept_duplicates=True).id for i in range(count)]


def _names(db) -> set[str]:
    with db.engine.connect() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM citizens").scalars().all())
        conn.rollback()
    return names


def _problems(db) -> list[str]:
    return [p.message for r in run_checks(db) for p in r.problems]


def _copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    Path(f"{target}-shm").unlink(missing_ok=True)


def _exchange(share: Path, *dbs) -> None:
    for _ in range(2):
        for db in dbs:
            sync(db, share, snapshot="never")


def test_an_empty_folder_is_refused_and_nothing_is_written_or_lost(office, tmp_path):
    a, b, share, staff, _ = office
    _edits(a, staff.id, 15)
    empty = tmp_path / "E"  # an unmounted mount point, a mistyped path
    empty.mkdir()
    with pytest.raises(WrongShare, match="mappen er tom"):
        sync(a, empty, snapshot="always")
    assert list(empty.iterdir()) == []
    assert sync_status(a).waiting > 15  # still queued here
    sync(a, share)
    sync(b, share)
    assert {f"Borger {i}" for i in range(15)} <= _names(b)
    assert _problems(a) == [] and _problems(b) == []


def test_another_offices_share_is_refused(office, tmp_path):
    a, _b, _share, staff, _ = office
    other = tmp_path / "other"
    other.mkdir()
    create_share(other, TEST_OFFICE_KEY)
    _edits(a, staff.id, 2)
    with pytest.raises(WrongShare, match="andet kontor"):
        sync(a, other)
    assert sorted(p.name for p in other.iterdir()) == sorted([SHARE_ID_NAME, seg.MANIFEST_NAME])


def test_a_new_laptop_refuses_a_folder_that_was_never_set_up(tmp_path):
    template = template_database(tmp_path / "template")
    c = new_device(template, tmp_path / "c" / "db.sqlite3")
    folder = tmp_path / "not-a-share"
    folder.mkdir()
    with pytest.raises(WrongShare, match="share init"):
        sync(c, folder)
    assert list(folder.iterdir()) == []


def test_share_init_refuses_a_folder_in_use(tmp_path):
    from aaben_raadgivning.sync.office_share import ShareIdentityError

    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "regnskab.xlsx").write_text("x")
    with pytest.raises(ShareIdentityError, match="ikke tom"):
        create_share(folder, TEST_OFFICE_KEY)
    share = tmp_path / "s"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    with pytest.raises(ShareIdentityError, match="allerede"):
        create_share(share, TEST_OFFICE_KEY)


class _HiccupIO(ShareIO):
    """The share's devices/ folder lists as empty (an SMB hiccup) while ``hiccup`` is set."""

    hiccup = True

    def listdir(self, path: Path) -> list[os.DirEntry]:
        if self.hiccup and path == self.root / seg.DEVICES_DIR:
            self.step("list")
            return []
        return super().listdir(path)


def test_an_empty_listing_removes_nothing_and_every_change_arrives(office):
    a, b, share, staff, _ = office
    _edits(a, staff.id, 5)
    report = sync(a, share, io=_HiccupIO(share), snapshot="always")
    assert any("viser ikke alle kendte computere" in w for w in report.warnings)
    own = a.device_id
    assert any(seg.parse_name(p.name) for p in (share / seg.DEVICES_DIR / own).iterdir())  # nothing removed
    sync(b, share)
    assert {f"Borger {i}" for i in range(5)} <= _names(b)
    assert _problems(b) == []


@pytest.mark.parametrize("snapshot_left", [False, True])
def test_a_gap_is_reported_loudly_and_repaired_by_its_owner(office, tmp_path, snapshot_left):
    """B is restored from an older copy after A removed segments B had applied: B lacks them. With the
    snapshot that let A remove them still on the share, B takes them from it at once; without it (damaged,
    removed by hand), B says so loudly until A has sent them again."""
    a, b, share, staff, _ = office
    b_file = Path(b.engine.url.database)
    old_copy = tmp_path / "b-old"
    b.close()
    _copy_database(b_file, old_copy)
    b = open_database(b_file, b_file.parent / "backups")
    _edits(a, staff.id, 4)
    sync(a, share)
    sync(b, share)
    _edits(a, staff.id, 1)
    sync(a, share, snapshot="always")  # B has applied everything: A removes its old segments
    sync(b, share)
    sync(a, share, snapshot="always")
    live = [seg.parse_name(p.name) for p in (share / seg.DEVICES_DIR / a.device_id).iterdir()]
    assert (1, 1) not in live  # removed: every known laptop had applied it
    b.close()
    _copy_database(old_copy, b_file)  # the restore: B forgets what it had applied
    b = open_database(b_file, b_file.parent / "backups")
    _edits(a, staff.id, 1)
    sync(a, share, snapshot="never")  # a new segment after the gap
    if snapshot_left:
        report = sync(b, share)
        assert report.gaps == [] and _problems(b) == [] and _names(a) == _names(b)
        b.close()
        return
    shutil.rmtree(share / seg.SNAPSHOTS_DIR)
    report = sync(b, share)
    assert report.gaps and "mangler ændringer" in report.gaps[0]
    assert any("Der mangler ændringer" in p for p in _problems(b))
    sync(a, share)  # A reads B's state.json and sends the missing segments again
    report = sync(b, share)
    assert report.gaps == []
    assert _problems(b) == []
    assert _names(a) == _names(b)
    b.close()


def _rewrite_state(share: Path, device: str, change) -> None:
    """Damage a state.json the way a flipped byte would: its content changes, its checksum does not (and,
    since the seal would catch any flipped byte, it is sealed again: a key holder's wrong state)."""
    path = share / seg.DEVICES_DIR / device / "state.json"
    state = share_files.read_json(share, path)
    change(state)
    share_files.write_json(share, path, state)


def test_a_damaged_own_state_file_is_not_taken_for_a_cloned_disk_and_is_written_again(office):
    """Found by the soak: a flipped digit made A's own state.json name a later segment than A ever
    wrote, and A refused to sync as if another computer wrote as it."""
    a, b, share, staff, _ = office
    _edits(a, staff.id, 2)
    sync(a, share)
    _rewrite_state(share, a.device_id, lambda state: state.update(own=state["own"] + 7))
    _edits(a, staff.id, 1)
    report = sync(a, share)
    assert report.gaps == []
    state = share_files.read_json(share, share / seg.DEVICES_DIR / a.device_id / "state.json")
    assert state["own"] < 7  # the damaged copy was written again from what A recorded
    sync(b, share)
    assert {"Borger 0", "Borger 1"} <= _names(b)


def test_a_damaged_state_file_that_claims_progress_removes_nothing(office):
    """B's state.json damaged so it claims B applied every segment of A: A must not believe it."""
    a, b, share, staff, _ = office
    for i in range(3):
        create_citizen(a, staff.id, name=f"Borger {i}", accept_duplicates=True)
        sync(a, share, snapshot="always")
    _rewrite_state(share, b.device_id, lambda state: state["applied"].update({a.device_id: 10_000}))
    sync(a, share, snapshot="always")
    live = {seg.parse_name(p.name) for p in (share / seg.DEVICES_DIR / a.device_id).iterdir()}
    assert {(n, n) for n in range(2, 5)} <= live  # no evidence B applied them: all kept
    sync(b, share)
    assert {f"Borger {i}" for i in range(3)} <= _names(b)
    assert _problems(b) == []


def test_stale_temporary_files_in_the_snapshot_folder_are_cleaned_up(office):
    a, _b, share, _staff, _ = office
    folder = share / seg.SNAPSHOTS_DIR
    folder.mkdir(exist_ok=True)
    stale, fresh = folder / f"{seg.TMP_PREFIX}gammel", folder / f"{seg.TMP_PREFIX}ny"
    stale.write_bytes(b"x" * 100)
    fresh.write_bytes(b"y")
    old = time.time() - 3 * 3600
    os.utime(stale, (old, old))
    orphan = folder / "snap-000000000000001-dead.sqlite3"  # a snapshot whose writer died before its sidecar
    orphan.write_bytes(b"z")
    os.utime(orphan, (old, old))
    sync(a, share, snapshot="never")
    assert not stale.exists() and not orphan.exists()
    assert fresh.exists()  # may be another laptop's snapshot being written right now


def test_join_moves_a_laptop_to_a_new_share_with_all_its_changes(office, tmp_path):
    a, b, share, staff, template = office
    _edits(a, staff.id, 3)
    _exchange(share, a, b)
    new = tmp_path / "N"
    new.mkdir()
    create_share(new, TEST_OFFICE_KEY)
    with pytest.raises(WrongShare):
        sync(a, new)
    assert join_share(a, new) is True
    sync(a, new)
    c = new_device(template, tmp_path / "c" / "db.sqlite3")
    sync(c, new)
    assert _names(c) == _names(a)
    assert replica_state(c)["citizens"] == replica_state(a)["citizens"]
    c.close()


def test_a_share_from_before_identities_is_adopted_by_its_own_laptops_only(office, tmp_path):
    a, b, share, staff, template = office
    _edits(b, staff.id, 1)
    sync(b, share)  # B has sent something: it is bound to this share
    (share / SHARE_ID_NAME).unlink()  # as every share was before this version
    for db in (a, b):
        with db.write() as conn:
            conn.exec_driver_sql("DELETE FROM local_meta WHERE key = 'sync_share_id'")
    sync(a, share)
    sync(b, share)
    share_id = share_files.read_json(share, share / SHARE_ID_NAME)["share_id"]
    for db in (a, b):
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM local_meta WHERE key = 'sync_share_id'").scalar() == share_id
            conn.rollback()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    create_share(stranger, TEST_OFFICE_KEY)
    (stranger / SHARE_ID_NAME).unlink()
    with b.write() as conn:
        conn.exec_driver_sql("DELETE FROM local_meta WHERE key = 'sync_share_id'")
    with pytest.raises(WrongShare, match="aldrig synkroniseret"):
        sync(b, stranger)


def test_a_lease_and_a_snapshot_from_a_clock_years_ahead_do_not_freeze_snapshots(office):
    """A laptop whose clock ran ten years ahead left its snapshot lease and a snapshot stamped in 2036."""
    from aaben_raadgivning.sync.snapshot import LEASE_NAME, list_snapshots

    a, b, share, staff, _ = office
    sync(a, share, snapshot="always")
    ten_years_ms = 10 * 365 * 24 * 3_600_000
    [snapshot] = list_snapshots(ShareIO(share), KEY)
    sidecar = snapshot.path.with_suffix(".json")
    meta = dict(share_files.read_json(share, sidecar), created_ms=snapshot.created_ms + ten_years_ms)
    share_files.write_json(share, sidecar, meta)
    lease = share / seg.SNAPSHOTS_DIR / LEASE_NAME
    share_files.write_json(share, lease, {"device": a.device_id, "expires": time.time() + ten_years_ms / 1000})
    create_citizen(b, staff.id, name="Åse Hansen")
    report = sync(b, share)  # "auto": due, because the newest snapshot is implausibly far ahead
    assert report.snapshot_written
    [newest] = list_snapshots(ShareIO(share), KEY)
    assert newest.device_id == b.device_id and newest.created_ms < snapshot.created_ms + ten_years_ms


def test_a_requested_snapshot_that_could_not_be_written_is_not_reported_as_done(office, run):
    from aaben_raadgivning.sync.snapshot import LEASE_NAME

    a, b, share, staff, _ = office
    folder = share / seg.SNAPSHOTS_DIR
    folder.mkdir(exist_ok=True)
    share_files.write_json(share, folder / LEASE_NAME, {"device": "someone-else", "expires": time.time() + 600})
    report = sync(b, share, snapshot="always")
    assert not report.snapshot_written
    assert any("ikke skrevet et nyt øjebliksbillede" in w for w in report.warnings)


def test_a_cloned_disk_is_refused_and_device_reset_strands_nothing(office, tmp_path, run):
    """Laptop C is a copy of A's disk. Both go on working; A syncs first, so C is refused (exit 4). After
    ``device reset`` on C, every change made on either laptop reaches every laptop."""
    a, b, share, staff, _ = office
    _edits(a, staff.id, 2)  # unsent on A when the disk is copied: both have them
    c_dir = tmp_path / "c"
    c_dir.mkdir()
    a_file = Path(a.engine.url.database)
    a.close()
    _copy_database(a_file, c_dir / "aaben-raadgivning.sqlite3")
    a = open_database(a_file, a_file.parent / "backups")
    c = open_database(c_dir / "aaben-raadgivning.sqlite3", c_dir / "backups")
    assert c.device_id == a.device_id
    on_a = _edits(a, staff.id, 3)
    with c.transaction() as tx:  # C's own work since the copy
        tx.update(_first_citizen(tx), housing_area="Nord")
    on_c = create_citizen(c, staff.id, name="Kun på C", accept_duplicates=True).id
    sync(a, share)
    c.close()
    code, _, err = run("--data-dir", str(c_dir), "sync", "--share", str(share))
    assert code == 4 and "device reset" in err
    code, out, _ = run("--data-dir", str(c_dir), "device", "reset", "--share", str(share))
    assert code == 0 and "nyt enheds-id" in out
    c = open_database(c_dir / "aaben-raadgivning.sqlite3", c_dir / "backups")
    assert c.device_id != a.device_id
    for _ in range(2):
        for db in (c, a, b):
            sync(db, share)
    assert on_c in {cid for cid in _ids(a)} and set(on_a) <= _ids(c)
    assert replica_state(a) == replica_state(b) == replica_state(c)
    assert _problems(a) == [] and _problems(b) == [] and _problems(c) == []
    c.close()
    a.close()


def _first_citizen(tx):
    from sqlalchemy import select

    return tx.session.scalars(select(Citizen)).first()


def _ids(db) -> set[str]:
    with db.engine.connect() as conn:
        ids = set(conn.exec_driver_sql("SELECT id FROM citizens").scalars().all())
        conn.rollback()
    return ids


def test_a_retired_laptop_is_no_longer_waited_for_and_its_folder_may_go(office, tmp_path, run):
    from aaben_raadgivning.sync.office_share import retire_device

    a, b, share, staff, _ = office
    _edits(a, staff.id, 2)
    sync(a, share, snapshot="always")
    b_folder = share / seg.DEVICES_DIR / b.device_id
    shutil.rmtree(b_folder)  # B was stolen; its folder removed without retiring it first
    report = sync(a, share, snapshot="always")
    assert any("laptop-b" in w or b.device_id[:8] in w for w in report.warnings)  # missing: nothing removed
    assert any(seg.parse_name(p.name) for p in (share / seg.DEVICES_DIR / a.device_id).iterdir())
    b_folder.mkdir()
    share_files.write_json(share, b_folder / "device.json", {"device": b.device_id, "name": "laptop-b"})
    assert retire_device(a, share, "laptop-b") == (b.device_id, "laptop-b")
    shutil.rmtree(b_folder)
    report = sync(a, share, snapshot="always")
    assert not any("viser ikke alle" in w for w in report.warnings)
    assert not any(seg.parse_name(p.name) for p in (share / seg.DEVICES_DIR / a.device_id).iterdir())


def test_a_new_laptop_killed_right_after_its_snapshot_still_joins_next_time(office, tmp_path, monkeypatch):
    from aaben_raadgivning.sync import office_share as sync_share

    a, _b, share, staff, template = office
    _edits(a, staff.id, 3)
    sync(a, share, snapshot="always")
    c = new_device(template, tmp_path / "c" / "db.sqlite3")

    def killed(*_args):
        raise KeyboardInterrupt  # (as good as a kill here: nothing after it runs)

    monkeypatch.setattr(sync_share, "remember_share", killed)
    with pytest.raises(KeyboardInterrupt):
        sync(c, share)
    monkeypatch.undo()
    sync(c, share)
    assert _names(c) == _names(a)
    c.close()


def _clone(db, target_dir: Path):
    """A copy of ``db``'s disk, as a disk image would make it; returns (reopened original, clone)."""
    target_dir.mkdir()
    source = Path(db.engine.url.database)
    db.close()
    _copy_database(source, target_dir / "aaben-raadgivning.sqlite3")
    return (open_database(source, source.parent / "backups"),
            open_database(target_dir / "aaben-raadgivning.sqlite3", target_dir / "backups"))  # fmt: skip


def test_device_reset_keeps_the_old_label_of_changes_sent_long_ago(office, tmp_path):
    """Found by the state machine's cloned-disk rule: A's first file was applied everywhere and removed
    from the share before the disk was copied. The reset must not take the absence of that file for
    "never sent": it re-labelled A's old changes to C's new id, so C held them under another device and
    HLC than every other laptop, and C's conflicts named other winners."""
    from aaben_raadgivning.sync.device import reset_device
    from aaben_raadgivning.sync.engine import SyncRefused

    a, b, share, staff, _ = office
    old = create_citizen(a, staff.id, name="Gammel Borger", accept_duplicates=True)
    first = share / seg.DEVICES_DIR / a.device_id / seg.segment_name(1, 1)
    for _ in range(4):  # until B has applied A's first file and a snapshot covers it: A removes it
        for db in (a, b):
            sync(db, share, snapshot="always")
    assert not first.exists()
    a, c = _clone(a, tmp_path / "c")
    with a.transaction() as tx:  # both edit the old citizen after the copy: a conflict, named by labels
        tx.update(tx.session.get(Citizen, old.id), housing_area="Nord")
    with c.transaction() as tx:
        tx.update(tx.session.get(Citizen, old.id), housing_area="Syd")
    sync(a, share)
    with pytest.raises(SyncRefused):
        sync(c, share)
    result = reset_device(c, share)
    assert result.relabelled == 1  # only C's edit since the copy
    c.close()
    c = open_database(tmp_path / "c" / "aaben-raadgivning.sqlite3", tmp_path / "c" / "backups")
    for _ in range(2):
        for db in (c, a, b):
            sync(db, share)
    assert replica_state(a) == replica_state(b) == replica_state(c)
    assert _problems(a) == [] and _problems(b) == [] and _problems(c) == []
    c.close()


def test_a_reset_laptop_that_stays_off_for_a_while_still_gets_everything_without_a_gap(office, tmp_path):
    """After ``device reset`` the laptop may not sync for days. Meanwhile the other laptops must not remove
    from the share what it has not applied (A's work since the copy): the reset announces the new id there."""
    from aaben_raadgivning.sync.device import reset_device
    from aaben_raadgivning.sync.engine import SyncRefused

    a, b, share, staff, _ = office
    a, c = _clone(a, tmp_path / "c")
    since_copy = create_citizen(a, staff.id, name="Efter Kopien", accept_duplicates=True)
    create_citizen(c, staff.id, name="Kun på C", accept_duplicates=True)
    sync(a, share)
    with pytest.raises(SyncRefused):
        sync(c, share)
    reset_device(c, share)
    c.close()
    for _ in range(4):  # C is switched off; A and B go on syncing, with snapshots
        for db in (a, b):
            sync(db, share, snapshot="always")
    c = open_database(tmp_path / "c" / "aaben-raadgivning.sqlite3", tmp_path / "c" / "backups")
    report = sync(c, share)
    assert report.gaps == []
    assert since_copy.id in _ids(c)
    for _ in range(2):
        for db in (a, b, c):
            sync(db, share)
    assert replica_state(a) == replica_state(b) == replica_state(c)
    c.close()


def test_a_laptop_restored_from_an_old_backup_with_its_state_file_damaged_is_refused(office, tmp_path):
    """A's database is restored from a copy older than its files on the share, whose last ones were applied
    everywhere and removed; its state.json there is damaged. Without other evidence, A would number its next
    file as one B has already applied, and B would never read it. B's state.json is that evidence."""
    from aaben_raadgivning.sync.device import reset_device
    from aaben_raadgivning.sync.engine import SyncRefused

    a, b, share, staff, _ = office
    sync(a, share)
    a, backup = _clone(a, tmp_path / "backup")
    backup.close()
    create_citizen(a, staff.id, name="Efter Backup", accept_duplicates=True)
    own = share / seg.DEVICES_DIR / a.device_id
    for _ in range(4):  # applied by B, covered by a snapshot, removed by A
        for db in (a, b):
            sync(db, share, snapshot="always")
    assert not [p for p in own.iterdir() if seg.parse_name(p.name)]
    a_file = Path(a.engine.url.database)
    a.close()
    _copy_database(tmp_path / "backup" / "aaben-raadgivning.sqlite3", a_file)  # the restore
    (own / "state.json").write_bytes(b'{"own": 9')  # damaged
    a = open_database(a_file, a_file.parent / "backups")
    lost_otherwise = create_citizen(a, staff.id, name="Efter Gendannelse", accept_duplicates=True)
    with pytest.raises(SyncRefused):
        sync(a, share)
    reset_device(a, share)
    a.close()
    a = open_database(a_file, a_file.parent / "backups")
    for _ in range(2):
        for db in (a, b):
            sync(db, share)
    assert lost_otherwise.id in _ids(b)
    assert {"Efter Backup", "Efter Gendannelse"} <= _names(a)  # the first only in the snapshot by now
    assert replica_state(a) == replica_state(b)
    a.close()


def _count_changes(db) -> int:
    with db.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM change_log").scalar_one()
        conn.rollback()
    return count


def test_a_cloned_disk_is_refused_before_it_touches_the_other_laptops_merged_file(office, tmp_path, monkeypatch):
    """Found by the state machine's cloned-disk rule in CI: A's last round was killed after publishing its
    file, before recording it, and the disk was copied to C. A adopted that file and merged its old files into
    one (compaction). C, taking the merged file for a merge of its own, removed it from the share before it
    found the evidence that refused the round. The reset then found A's changes nowhere under the old id and
    sent them again under C's new id: every laptop held them under another label. A refused round now leaves
    the share exactly as it found it."""
    from aaben_raadgivning.sync import outgoing as sync_outgoing
    from aaben_raadgivning.sync.device import reset_device
    from aaben_raadgivning.sync.engine import SyncRefused

    monkeypatch.setattr(sync_outgoing, "COMPACT_AT", 3)
    a, b, share, staff, _ = office
    for name in ("En", "To", "Tre"):
        create_citizen(a, staff.id, name=f"{name} Borger", accept_duplicates=True)
        sync(a, share, snapshot="never")
    with a.write() as conn:  # the last round was killed after publishing its file, before recording it
        top = conn.exec_driver_sql("SELECT max(seq) FROM sync_own_segments").scalar_one()
        conn.exec_driver_sql("UPDATE sync_outbox SET segment = NULL WHERE segment = ?", (top,))
        conn.exec_driver_sql("DELETE FROM sync_own_segments WHERE seq = ?", (top,))
    a, c = _clone(a, tmp_path / "c")
    create_citizen(a, staff.id, name="Original", accept_duplicates=True)
    sync(a, share, snapshot="never")
    own = share / seg.DEVICES_DIR / a.device_id
    files = sorted(p.name for p in own.iterdir())
    assert any(first != last for first, last in filter(None, map(seg.parse_name, files)))  # A merged files
    before = _count_changes(c)
    create_citizen(c, staff.id, name="Kopi", accept_duplicates=True)
    made_on_c = _count_changes(c) - before
    with pytest.raises(SyncRefused):
        sync(c, share)
    assert sorted(p.name for p in own.iterdir()) == files  # was: A's merged file removed by C
    assert reset_device(c, share).relabelled == made_on_c  # was: A's unrecorded changes too
    c.close()
    c = open_database(tmp_path / "c" / "aaben-raadgivning.sqlite3", tmp_path / "c" / "backups")
    _exchange(share, a, b, c)
    assert replica_state(a) == replica_state(b) == replica_state(c)
    assert {"Original", "Kopi", "Tre Borger"} <= _names(b)
    assert _problems(a) == [] and _problems(b) == [] and _problems(c) == []
    c.close()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_what_a_laptop_writes_to_the_share_is_readable_by_the_other_laptops_users(tmp_path):
    """The app's own files are private (umask 077), but another laptop may reach the share as another OS user:
    the share's folders and files keep read access for them (their content is sealed)."""
    import stat

    from aaben_raadgivning.sync.share_io import ShareIO

    old = os.umask(0o077)
    try:
        io = ShareIO(tmp_path)
        folder = tmp_path / "devices" / "x"
        io.mkdir(folder)
        path = io.publish(folder, "seg-0000000001-0000000001.jsonl", b"sealed bytes\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o755  # "devices", made on the way
    assert stat.S_IMODE(path.stat().st_mode) == 0o644

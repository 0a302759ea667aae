"""Authenticated on the share (issue 14): what is on the share controls a laptop only if it was written with
the office key, in the place it was written for.

Write access to the office share used to be enough to change any laptop (a segment carried only a checksum,
which anyone can recompute). Now every file is sealed (sync/sealing.py): a segment that was forged with
another key, copied under another number, moved to another device's folder or changed by one bit is
refused, and nothing of it is applied; the same holds for the manifest, the share identity, retirement
files, snapshot sidecars and the lease. A laptop with another office key, or a plain share from before
encryption, is refused before anything is written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import share_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaben_raadgivning.changes.hlc import wall_clock_ms
from aaben_raadgivning.ids import new_id
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.encryption import encrypt_database
from aaben_raadgivning.sync import sealing
from aaben_raadgivning.sync import segments as seg
from aaben_raadgivning.sync.engine import WrongShare, sync
from aaben_raadgivning.sync.office_share import (
    RETIRED_DIR,
    SHARE_ID_NAME,
    ShareIdentityError,
    create_share,
    join_share,
    retire_device,
    retired_devices,
)
from aaben_raadgivning.sync.share_io import ShareIO
from aaben_raadgivning.sync.snapshot import LEASE_NAME, _take_lease, list_snapshots
from support.keys import TEST_OFFICE_KEY, open_database
from support.keys import TEST_OFFICE_KEY as KEY
from support.replicas import new_device, replica_state, template_database

OTHER_KEY = OfficeKey(bytes(range(32)))


def _files(share: Path) -> dict[str, bytes]:
    return {str(p.relative_to(share)): p.read_bytes() for p in sorted(share.rglob("*")) if p.is_file()}


def _applied(db, device: str) -> int:
    with db.engine.connect() as conn:
        seq = conn.exec_driver_sql("SELECT applied_seq FROM sync_peers WHERE device_id = ?", (device,)).scalar()
        conn.rollback()
    return int(seq or 0)


def _new_staff(db, initials: str = "JK"):
    return create_staff(db, initials=initials, name=f"Medarbejder {initials}", role="jobkonsulent",
                        password="hemmelig1")  # fmt: skip


def _reopen(path: Path):
    return open_database(path, path.parent / "backups")


# --- the seal itself ---------------------------------------------------------------------------------


def test_a_sealed_small_file_opens_only_with_its_key_role_and_place():
    data = sealing.seal_json(KEY, sealing.ROLE_STATE, "devices/a/state.json", b'{"own": 3}\n')
    assert b"own" not in data  # the content is encrypted, not only signed
    assert sealing.open_json(KEY, data, sealing.ROLE_STATE, "devices/a/state.json") == b'{"own": 3}\n'
    with pytest.raises(sealing.SealError, match="anden kontornøgle"):
        sealing.open_json(OTHER_KEY, data, sealing.ROLE_STATE, "devices/a/state.json")
    with pytest.raises(sealing.SealError, match="kan ikke godkendes"):
        sealing.open_json(KEY, data, sealing.ROLE_STATE, "devices/b/state.json")  # moved to another folder
    with pytest.raises(sealing.SealError, match="kan ikke godkendes"):
        sealing.open_json(KEY, data, sealing.ROLE_DEVICE, "devices/a/state.json")  # taken for another kind
    with pytest.raises(sealing.SealError, match="ikke krypteret"):
        sealing.open_json(KEY, b'{"own": 3}\n', sealing.ROLE_STATE, "devices/a/state.json")
    with pytest.raises(sealing.SealError, match="ingen"):
        sealing.open_json(None, data, sealing.ROLE_STATE, "devices/a/state.json")  # a plain laptop


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_changed_byte_of_a_sealed_file_is_refused(data):
    small = sealing.seal_json(KEY, sealing.ROLE_LEASE, "snapshots/lease.json", b'{"device": "x", "expires": 1}')
    change = seg.Change("c1", "000000000000001-00000-dev", "dev", "citizens", "r1", "update", "name", '"Bo"')
    big = seg.encode(seg.Segment("dev", 1, 1, (change,), {}, 5), KEY)
    for original, opener in (
        (small, lambda d: sealing.open_json(KEY, d, sealing.ROLE_LEASE, "snapshots/lease.json")),
        (big, lambda d: seg.decode(d, KEY, device="dev", name=seg.segment_name(1, 1))),
    ):
        position = data.draw(st.integers(0, len(original) - 1))
        bit = data.draw(st.integers(0, 7))
        damaged = bytearray(original)
        damaged[position] ^= 1 << bit
        try:
            opened = opener(bytes(damaged))
        except sealing.SealError:  # (SegmentError is one)
            continue
        # Only a flip that changes nothing the seal covers may open (JSON whitespace or an escape that
        # decodes to the same text): then it must say exactly what the original said.
        assert opened == opener(original)


# --- segments on the share: the property --------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Laptops A and B on a share, B up to date with A's segments 1..k; then A sent segments k+1 and k+2
    (a citizen each) that B has not read. Closed: each example works on a copy."""
    root = tmp_path_factory.mktemp("world")
    template = template_database(root / "template")
    share = root / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, root / "a" / "db.sqlite3")
    b = new_device(template, root / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    citizen = create_citizen(a, staff.id, name="Ada Andersen")
    for db in (a, b, a, b):
        sync(db, share, snapshot="never")
    k = _applied(b, a.device_id)
    create_citizen(a, staff.id, name="Bo Berg")
    sync(a, share, snapshot="never")
    create_citizen(a, staff.id, name="Cai Carlsen")
    sync(a, share, snapshot="never")
    info = {"a": a.device_id, "b": b.device_id, "k": k, "citizen": citizen.id}
    a.close()
    b.close()
    return root, info


ATTACKS = st.one_of(
    st.tuples(st.just("forged"), st.booleans()),  # written with another key (claiming ours: True)
    st.tuples(st.just("replayed"), st.sampled_from(["older", "later"])),  # another file under number k+1
    st.tuples(st.just("moved"), st.sampled_from(["unknown", "b-named"])),  # into another device's folder
    st.tuples(st.just("flipped"), st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7))),
)


def _attack(share: Path, info: dict, attack: tuple) -> None:
    kind, how = attack
    a_folder = share / seg.DEVICES_DIR / info["a"]
    k = info["k"]
    target = a_folder / seg.segment_name(k + 1, k + 1)
    if kind == "forged":
        ms = wall_clock_ms() + 1000
        evil = seg.Change(new_id(), f"{ms:015d}-00000-{info['a']}", info["a"], "citizens", info["citizen"], "update",
                          "name", '"Forfalsket"')  # fmt: skip
        data = seg.encode(seg.Segment(info["a"], k + 1, k + 1, (evil,), {}, ms), OTHER_KEY)
        if how:  # the public key id is easy to copy; the seal is not
            data = data.replace(OTHER_KEY.key_id.encode(), KEY.key_id.encode(), 1)
        target.write_bytes(data)
    elif kind == "replayed":
        source = a_folder / seg.segment_name(k, k) if how == "older" else a_folder / seg.segment_name(k + 2, k + 2)
        shutil.copyfile(source, target)
    elif kind == "moved":
        # «b-named»: a device id one character off A's — never A's own (an id ending in «d» once made it A's).
        other_last = "e" if info["a"].endswith("d") else "d"
        device = "00000000-0000-7000-8000-00000000000c" if how == "unknown" else info["a"][:-1] + other_last
        folder = share / seg.DEVICES_DIR / device
        folder.mkdir()
        target.rename(folder / seg.segment_name(1, 1))
    else:
        where, bit = how
        data = bytearray(target.read_bytes())
        data[int(where * len(data))] ^= 1 << bit
        target.write_bytes(bytes(data))


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attack=ATTACKS)
def test_a_forged_replayed_moved_or_flipped_segment_is_refused_and_nothing_is_applied(world, attack):
    root, info = world
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "world"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("template"))
        share = copy / "share"
        _attack(share, info, attack)
        b = _reopen(copy / "b" / "db.sqlite3")
        try:
            before = replica_state(b)
            report = sync(b, share, snapshot="never")
            assert replica_state(b) == before  # not one row, change or conflict more
            assert _applied(b, info["a"]) == info["k"]
            assert not [p for p in (share / seg.DEVICES_DIR).iterdir() if p.name not in (info["a"], info["b"])
                        and _applied(b, p.name)]  # fmt: skip
            assert report.received == 0
            if attack[0] != "moved":  # (a moved file leaves a gap in A's folder instead)
                assert any("sprunget over" in w for w in report.warnings), report.warnings
        finally:
            b.close()


def test_a_refused_segment_is_written_again_by_its_owner_and_then_applied(world):
    root, info = world
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "world"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("template"))
        share = copy / "share"
        _attack(share, info, ("forged", True))
        a, b = _reopen(copy / "a" / "db.sqlite3"), _reopen(copy / "b" / "db.sqlite3")
        try:
            report = sync(b, share, snapshot="never")
            assert any("kan ikke godkendes" in w for w in report.warnings), report.warnings
            sync(a, share, snapshot="never")  # B's state.json names the file: A writes it again
            sync(b, share, snapshot="never")
            assert replica_state(a) == replica_state(b)
            with b.engine.connect() as conn:
                names = set(conn.exec_driver_sql("SELECT name FROM citizens").scalars())
                conn.rollback()
            assert names == {"Ada Andersen", "Bo Berg", "Cai Carlsen"}
        finally:
            a.close()
            b.close()


# --- keys and shares ---------------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    staff = create_staff(a, initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1")
    create_citizen(a, staff.id, name="Ada Andersen")
    sync(a, share)
    yield a, share, tmp_path, staff
    a.close()


def test_the_manifest_names_the_office_key(pair):
    _a, share, _tmp, _staff = pair
    manifest = seg.read_manifest((share / seg.MANIFEST_NAME).read_bytes(), KEY)
    assert (manifest.format, manifest.key_id, manifest.demo) == (seg.SEALED_FORMAT, KEY.key_id, False)
    assert seg.manifest_public((share / seg.MANIFEST_NAME).read_bytes()).key_id == KEY.key_id  # readable by all


def test_a_laptop_with_another_office_key_is_refused_and_writes_nothing(pair):
    _a, share, tmp_path, _staff = pair
    stranger = open_database(tmp_path / "x" / "db.sqlite3", tmp_path / "x" / "backups", allow_new=True,
                             office_key=OTHER_KEY)  # fmt: skip
    try:
        create_citizen(stranger, _new_staff(stranger).id, name="Fremmed")
        before = _files(share)
        with pytest.raises(WrongShare, match="andet kontor.*kontornøglen"):
            sync(stranger, share)
        with pytest.raises(ShareIdentityError, match="andet kontor"):
            join_share(stranger, share)
        assert _files(share) == before
    finally:
        stranger.close()


def test_the_demo_key_is_named_when_it_meets_a_real_share(pair):
    _a, share, tmp_path, _staff = pair
    demo = open_database(tmp_path / "d" / "db.sqlite3", tmp_path / "d" / "backups", allow_new=True,
                         office_key=OfficeKey.demo())  # fmt: skip
    try:
        with pytest.raises(WrongShare, match="demo-nøglen"):
            sync(demo, share)
    finally:
        demo.close()


def test_a_plain_share_is_refused_by_a_keyed_laptop_and_a_sealed_one_by_a_plain_laptop(tmp_path):
    template = template_database(tmp_path / "template")
    plain_share, sealed_share = tmp_path / "plain", tmp_path / "sealed"
    for folder, key in ((plain_share, None), (sealed_share, KEY)):
        folder.mkdir()
        create_share(folder, key)
    assert b"key_id" not in (plain_share / seg.MANIFEST_NAME).read_bytes()
    keyed = new_device(template, tmp_path / "k" / "db.sqlite3")
    plain = open_database(tmp_path / "p" / "db.sqlite3", tmp_path / "p" / "backups", allow_new=True, office_key=None)
    try:
        before = _files(plain_share)
        with pytest.raises(WrongShare, match="før kontorets data blev krypteret.*share init"):
            sync(keyed, plain_share)
        assert _files(plain_share) == before
        before = _files(sealed_share)
        with pytest.raises(WrongShare, match="krypteret med en kontornøgle"):
            sync(plain, sealed_share)
        assert _files(sealed_share) == before
        create_citizen(plain, _new_staff(plain).id, name="Plain Petersen")
        sync(plain, plain_share, snapshot="never")  # a plain laptop (the benchmarks' baseline): format 1
        [segment] = (plain_share / seg.DEVICES_DIR / plain.device_id).glob("seg-*.jsonl")
        assert b"Plain Petersen" in segment.read_bytes()
        assert seg.decode(segment.read_bytes(), None).format == seg.PLAIN_FORMAT
    finally:
        keyed.close()
        plain.close()


def test_laptops_from_before_encryption_move_to_a_new_share_and_send_everything_again(tmp_path):
    """The way out of a plain share, as the refusal tells it: move the folder aside, ``share init`` in a new
    empty one, ``share join`` on every laptop. Every laptop then sends all of its own changes again."""
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, None)
    paths = [tmp_path / name / "db.sqlite3" for name in ("a", "b")]
    names = {}
    staff_ids = {}
    for path in paths:  # two laptops from before encryption, synced on the plain share
        db = open_database(path, path.parent / "backups", allow_new=True, office_key=None)
        staff = _new_staff(db, path.parent.name.upper())
        staff_ids[path] = staff.id
        names[path] = create_citizen(db, staff.id, name=f"Borger {path.parent.name}").name
        sync(db, share)
        db.close()
    db = open_database(paths[0], paths[0].parent / "backups", office_key=None)
    sync(db, share)
    db.close()
    for path in paths:  # the upgrade encrypts each database (office encrypt)
        encrypt_database(path, path.parent / "backups", KEY.database_key)
    a, b = (_reopen(path) for path in paths)
    try:
        create_citizen(a, staff_ids[paths[0]], name="Efter Opgraderingen")
        with pytest.raises(WrongShare, match="share init") as refused:
            sync(a, share)
        assert "share join" in str(refused.value)
        share.rename(tmp_path / "share-gammel")  # moved aside
        share.mkdir()
        create_share(share, TEST_OFFICE_KEY)  # share init
        with pytest.raises(WrongShare, match="share join"):  # another share id than the one remembered
            sync(a, share)
        assert join_share(a, share) and join_share(b, share)  # moved: bookkeeping starts over
        for db in (a, b, a, b):
            sync(db, share)
        assert replica_state(a) == replica_state(b)
        c = new_device(template_database(tmp_path / "template"), tmp_path / "c" / "db.sqlite3")
        try:  # a new laptop finds every laptop's changes on the new share alone
            sync(c, share)
            with c.engine.connect() as conn:
                found = set(conn.exec_driver_sql("SELECT name FROM citizens").scalars())
                conn.rollback()
            assert found == {*names.values(), "Efter Opgraderingen"}
        finally:
            c.close()
    finally:
        a.close()
        b.close()


# --- the small files on the share ----------------------------------------------------------------------


def _tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = data.index(b'"sealed"') + 20  # inside the sealed content
    data[middle] = ord("A") if data[middle] != ord("A") else ord("B")
    path.write_bytes(bytes(data))


def test_a_tampered_manifest_or_share_identity_is_refused_before_anything_is_written(pair):
    a, share, _tmp, staff = pair
    for name in (seg.MANIFEST_NAME, SHARE_ID_NAME):
        original = (share / name).read_bytes()
        _tamper(share / name)
        create_citizen(a, staff.id, name="Venter", accept_duplicates=True)
        before = _files(share)
        with pytest.raises(WrongShare, match="kan ikke godkendes"):
            sync(a, share)
        assert _files(share) == before
        (share / name).write_bytes(original)
    # a plain manifest put in place of the sealed one (no key needed to write it) is refused as well
    (share / seg.MANIFEST_NAME).write_bytes(seg.manifest_bytes(None))
    with pytest.raises(WrongShare, match="før kontorets data blev krypteret"):
        sync(a, share)


def test_a_forged_or_moved_retirement_file_is_ignored_with_a_warning(pair):
    a, share, tmp_path, _staff = pair
    template = template_database(tmp_path / "template")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    c = new_device(template, tmp_path / "c" / "db.sqlite3")
    try:
        for db, name in ((b, "laptop-b"), (c, "laptop-c")):
            sync(db, share, device_name=name)
        retire_device(a, share, "laptop-b")
        io = ShareIO(share)
        assert retired_devices(io, KEY) == {b.device_id}
        folder = share / RETIRED_DIR
        # moved: B's genuine retirement file renamed to retire C instead
        shutil.copyfile(folder / f"{b.device_id}.json", folder / f"{c.device_id}.json")
        # forged: written by someone without the key
        forged = "00000000-0000-7000-8000-0000000000ff"
        (folder / f"{forged}.json").write_text(json.dumps({"device": forged, "name": "x", "retired_by": "y"}))
        warnings: list[str] = []
        assert retired_devices(io, KEY, warnings) == {b.device_id}
        assert len(warnings) == 2 and all("ignoreret" in w for w in warnings)
        report = sync(a, share)
        assert sum("ignoreret" in w for w in report.warnings) == 2
    finally:
        b.close()
        c.close()


def test_a_tampered_snapshot_sidecar_is_not_trusted(pair):
    a, share, tmp_path, staff = pair
    sync(a, share, snapshot="always")
    io = ShareIO(share)
    [snapshot] = list_snapshots(io, KEY)
    sidecar = snapshot.path.with_suffix(".json")
    original = sidecar.read_bytes()
    _tamper(sidecar)
    assert list_snapshots(io, KEY) == []
    # a sidecar forged in plain text (covers, sha256 and all), for a snapshot file that is not ours
    sidecar.write_text('{"format": 1, "device": "x", "created_ms": 1, "sha256": "0", "size": 1, "schema": "x", '
                       '"covers": {}}\n')  # fmt: skip
    assert list_snapshots(io, KEY) == []
    # moved: the genuine sidecar under another snapshot's name
    sidecar.write_bytes(original)
    moved = sidecar.with_name("snap-999999999999999-x.json")
    shutil.copyfile(sidecar, moved)
    assert [s.path for s in list_snapshots(io, KEY)] == [snapshot.path]
    moved.unlink()
    # A new laptop takes nothing from a snapshot whose sidecar does not open. (A's segments are gone: the
    # snapshot covered them and no other laptop needed them, so the snapshot alone has A's changes.)
    _tamper(sidecar)
    c = new_device(template_database(tmp_path / "template"), tmp_path / "c" / "db.sqlite3")
    try:
        assert sync(c, share, snapshot="never").received == 0
        assert replica_state(c)["citizens"] == []
        sidecar.write_bytes(original)
        assert sync(c, share, snapshot="never").received > 0
        assert replica_state(c)["citizens"] == replica_state(a)["citizens"]
    finally:
        c.close()


def test_a_forged_lease_keeps_nobody_from_writing_a_snapshot(pair):
    a, share, _tmp, _staff = pair
    folder = share / seg.SNAPSHOTS_DIR
    folder.mkdir(exist_ok=True)
    # forged: a plain lease claiming another laptop holds it for an hour
    (folder / LEASE_NAME).write_text('{"device": "someone-else", "expires": 9999999999}\n')
    assert _take_lease(ShareIO(share), a.device_id, 0, KEY)
    (folder / LEASE_NAME).unlink()
    # a genuine lease of another laptop is respected
    share_files.write_json(share, folder / LEASE_NAME, {"device": "someone-else", "expires": time.time() + 600})
    assert not _take_lease(ShareIO(share), a.device_id, 3600, KEY)


def test_a_tampered_state_or_device_file_is_not_believed(pair):
    a, share, tmp_path, _staff = pair
    b = new_device(template_database(tmp_path / "template"), tmp_path / "b" / "db.sqlite3")
    try:
        sync(b, share, device_name="laptop-b")
        sync(a, share, snapshot="always")
        state = share / seg.DEVICES_DIR / b.device_id / "state.json"
        # B's state.json replaced by a plain one claiming B applied everything of A: not evidence
        state.write_text(json.dumps({"device": b.device_id, "own": 0, "applied": {a.device_id: 99999}, "corrupt": []}))
        own = share / seg.DEVICES_DIR / a.device_id
        live = sorted(p.name for p in own.iterdir() if seg.parse_name(p.name))
        sync(a, share, snapshot="always")
        assert sorted(p.name for p in own.iterdir() if seg.parse_name(p.name)) == live  # nothing removed
        # A's device.json copied into B's folder does not give B A's name
        shutil.copyfile(own / "device.json", share / seg.DEVICES_DIR / b.device_id / "device.json")
        from aaben_raadgivning.sync.office_share import device_info

        assert device_info(ShareIO(share), KEY, b.device_id) == {}
    finally:
        b.close()


def test_another_laptops_file_moved_into_a_laptops_own_folder_is_no_cloned_disk_and_is_not_applied(world):
    root, info = world
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "world"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("template"))
        share = copy / "share"
        a_file = share / seg.DEVICES_DIR / info["a"] / seg.segment_name(info["k"] + 1, info["k"] + 1)
        b_folder = share / seg.DEVICES_DIR / info["b"]
        numbers = [n for p in b_folder.iterdir() if (n := seg.parse_name(p.name))]
        after = max((last for _first, last in numbers), default=0) + 50
        moved = b_folder / seg.segment_name(after, after)
        a_file.rename(moved)
        b = _reopen(copy / "b" / "db.sqlite3")
        try:
            before = replica_state(b)
            sync(b, share, snapshot="never")  # was: refused as a cloned disk (a file of ours we never wrote)
            assert replica_state(b) == before
            assert share_files.read_segment(moved).changes == ()  # B's number now, carrying nothing
        finally:
            b.close()

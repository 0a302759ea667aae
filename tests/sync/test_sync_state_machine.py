"""Hypothesis stateful test of the sync: 2–6 devices (each its own SQLite file, the real Database/Tx and
store actions) and one share folder. Rules: create, edit, delete, append event, derive the same follow-up
task on several devices, purge, resolve a conflict, sync, a sync killed at any I/O step, a damaged file
on the share, clock skew, a sync against a wrong or empty folder, an empty device listing, a save during
a sync, a new laptop joining, a cloned disk (refused, then ``device reset``). After every step: integrity
ok and no committed change missing from its origin. At the end, after a fault-free exchange: every
replica identical (rows, conflicts, change log with each change's device and HLC, search index) and
equal to an independent merge of all changes.

Runs 200 examples × 50 steps by default (what CI runs); ``HYPOTHESIS_PROFILE=dev`` is a quicker run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.sync_conflicts import resolve_conflict
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.store.models import Citizen, Event, FollowUpTask
from aaben_raadgivning.store.search_index import index_citizen, unindex_citizen
from aaben_raadgivning.sync import outgoing as sync_outgoing
from aaben_raadgivning.sync.device import reset_device
from aaben_raadgivning.sync.engine import (
    SyncError,
    SyncRefused,
    WrongShare,
    open_conflicts,
    sync,
)
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.sync.share_io import ShareIO
from support.keys import TEST_OFFICE_KEY, open_database
from support.replicas import (
    all_changes,
    independent_merge,
    new_device,
    orm_rows,
    replica_state,
    template_database,
)

# The profile applies to this state machine only (not globally, so the other property tests keep theirs).
# The default is what the issue asks of CI: 200 examples × 50 steps; "dev" is a quicker run while working.
PROFILES = {
    "ci": {"max_examples": 200, "stateful_step_count": 50},
    "dev": {"max_examples": 25, "stateful_step_count": 30},
    "debug": {"max_examples": 40, "stateful_step_count": 30, "phases": [Phase.generate]},
}
MACHINE_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    **PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")],
)

# A fresh folder per test process: a folder named by the process id could be an old run's (PIDs are reused),
# holding a template made under another key or schema.
TEMPLATE_ROOT = Path(tempfile.mkdtemp(prefix="aaben-sync-template-"))
START_MS = 1_795_000_000_000
FIELDS = {"name": ["Ada", "Bo", "Cai", "Åse"], "phone": ["11111111", "22222222", None], "housing_area": ["Nord", "Syd"],
          "job_goal": ["lager", "butik", ""]}  # fmt: skip


class Crash(Exception):
    """A simulated kill -9 at an I/O step (not an OSError, so nothing cleans up after it)."""


class _EmptyListing(ShareIO):
    def listdir(self, path: Path):
        if path == self.root / "devices":
            self.step("list")
            return []
        return super().listdir(path)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sync-sm-"))
        self.share = self.root / "share"
        self.share.mkdir()
        create_share(self.share, TEST_OFFICE_KEY)
        self.devices = []
        self.offsets: list[int] = []
        self.ticks = 0
        self.committed: dict[int, set[str]] = {}
        self.touched: set[int] = set()
        self.others: dict[int, object] = {}  # a second connection per laptop (a person saving during a sync)
        self._compact_at = sync_outgoing.COMPACT_AT
        sync_outgoing.COMPACT_AT = 3  # compact often, so kills and damage hit compaction too

    # --- set-up -------------------------------------------------------------------------------

    @initialize(count=st.integers(2, 6))
    def start(self, count: int) -> None:
        template = template_database(TEMPLATE_ROOT)
        for index in range(count):
            db = new_device(template, self.root / f"device{index}.sqlite3")
            self.offsets.append(0)
            db.clock.wall = self._wall(index)
            self.devices.append(db)
            self.committed[index] = set()
        self.staff = create_staff(
            self.devices[0], initials="JK", name="Jette", role="jobkonsulent", password="hemmelig1"
        )
        self._record(0)
        for index in range(count):
            sync(self.devices[index], self.share, wall_ms=self._wall(index))
        sync(self.devices[0], self.share, wall_ms=self._wall(0))

    def _wall(self, index: int):
        def wall() -> int:
            self.ticks += 1
            return START_MS + self.ticks + self.offsets[index]

        return wall

    def _record(self, index: int) -> None:
        db = self.devices[index]
        with db.engine.connect() as conn:
            ids = conn.exec_driver_sql("SELECT id FROM change_log WHERE device_id = ?", (db.device_id,)).scalars()
            self.committed[index].update(ids)
            conn.rollback()
        self.touched.add(index)

    def _citizens(self, index: int) -> list[str]:
        with self.devices[index].engine.connect() as conn:
            ids = conn.exec_driver_sql("SELECT id FROM citizens WHERE deleted_at IS NULL ORDER BY id").scalars().all()
            conn.rollback()
        return ids

    def teardown(self) -> None:
        try:
            if self.devices:
                self.final_exchange()
        finally:
            sync_outgoing.COMPACT_AT = self._compact_at
            for db in [*self.devices, *self.others.values()]:
                db.close()
            shutil.rmtree(self.root, ignore_errors=True)

    # --- user actions ----------------------------------------------------------------------------

    @rule(data=st.data())
    def create(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        name = data.draw(st.sampled_from(FIELDS["name"]))
        create_citizen(self.devices[index], self.staff.id, name=name, accept_duplicates=True)
        self._record(index)

    @rule(data=st.data())
    def edit(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        citizens = self._citizens(index)
        if not citizens:
            return
        citizen_id = data.draw(st.sampled_from(citizens))
        field = data.draw(st.sampled_from(sorted(FIELDS)))
        value = data.draw(st.sampled_from(FIELDS[field]))
        with self.devices[index].transaction() as tx:
            citizen = tx.session.get(Citizen, citizen_id)
            tx.update(citizen, **{field: value})
            index_citizen(tx.session, citizen.id, citizen.name, citizen.cpr, citizen.phone)
        self._record(index)

    @rule(data=st.data())
    def concurrent_edit(self, data) -> None:
        """Two devices change the same field of the same citizen while apart."""
        first, second = data.draw(st.lists(st.integers(0, len(self.devices) - 1), min_size=2, max_size=2, unique=True))
        shared = sorted(set(self._citizens(first)) & set(self._citizens(second)))
        if not shared:
            return
        citizen_id = data.draw(st.sampled_from(shared))
        field = data.draw(st.sampled_from(sorted(FIELDS)))
        for index in (first, second):
            value = data.draw(st.sampled_from(FIELDS[field]))
            with self.devices[index].transaction() as tx:
                citizen = tx.session.get(Citizen, citizen_id)
                tx.update(citizen, **{field: value})
                index_citizen(tx.session, citizen.id, citizen.name, citizen.cpr, citizen.phone)
            self._record(index)

    @rule(data=st.data())
    def delete(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        citizens = self._citizens(index)
        if citizens:
            with self.devices[index].transaction() as tx:
                citizen = tx.session.get(Citizen, data.draw(st.sampled_from(citizens)))
                tx.tombstone(citizen)
                unindex_citizen(tx.session, citizen.id)
            self._record(index)

    @rule(data=st.data())
    def append_event(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        citizens = self._citizens(index)
        if citizens:
            with self.devices[index].transaction() as tx:
                tx.add(Event(citizen_id=data.draw(st.sampled_from(citizens)), kind="samtale", occurred_at=tx.now,
                             recorded_at=tx.now, staff_id=self.staff.id, summary="Samtale"))  # fmt: skip
            self._record(index)

    @rule(data=st.data())
    def derive_task(self, data) -> None:
        """A derived follow-up (deterministic id): several devices may create the same row offline."""
        index = data.draw(st.integers(0, len(self.devices) - 1))
        citizens = self._citizens(index)
        if not citizens:
            return
        citizen_id = data.draw(st.sampled_from(citizens))
        task_id = derived_id(citizen_id, "monthly_contact")
        with self.devices[index].transaction() as tx:
            task = tx.session.get(FollowUpTask, task_id)
            if task is None:
                tx.add(FollowUpTask(id=task_id, citizen_id=citizen_id, kind="kontakt", rule="monthly", reason="Månedlig",
                                    due_date=date(2026, 12, 1 + index), created_at=tx.now, rule_key="monthly_contact"))  # fmt: skip
            else:
                tx.update(task, status=data.draw(st.sampled_from(["open", "done"])))
        self._record(index)

    @rule(data=st.data())
    def purge(self, data) -> None:
        if data.draw(st.integers(0, 4)) != 0:  # rare
            return
        index = data.draw(st.integers(0, len(self.devices) - 1))
        citizens = self._citizens(index)
        if citizens:
            purge_citizen(self.devices[index], self.staff.id, data.draw(st.sampled_from(citizens)), "anmodning")
            self._record(index)

    @rule(data=st.data())
    def resolve(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        conflicts = open_conflicts(self.devices[index])
        event(f"open conflicts when resolving: {bool(conflicts)}")
        if not conflicts or data.draw(st.integers(0, 2)) != 0:
            return
        conflict = data.draw(st.sampled_from(conflicts))
        choice = data.draw(st.sampled_from(["vinder", "taber", "flettet"]))
        if conflict["field"] != "name" and choice == "flettet":
            choice = "vinder"
        resolve_conflict(self.devices[index], self.staff.id, conflict["loser_id"], choice, "Flettet navn")
        self._record(index)

    # --- sync and faults ---------------------------------------------------------------------------

    @rule(data=st.data())
    def sync_one(self, data) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        sync(self.devices[index], self.share, wall_ms=self._wall(index))
        self.touched.add(index)

    @rule(data=st.data(), kill_at=st.integers(1, 40))
    def sync_killed(self, data, kill_at: int) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        steps = []

        def fault(step: str) -> None:
            steps.append(step)
            if len(steps) == kill_at:
                raise Crash(step)

        try:
            sync(self.devices[index], self.share, io=ShareIO(self.share, fault), wall_ms=self._wall(index))
        except Crash:
            pass
        self.touched.add(index)

    @rule(data=st.data())
    def corrupt_file(self, data) -> None:
        files = sorted(self.share.glob("devices/*/seg-*.jsonl"))
        if not files:
            return
        path = data.draw(st.sampled_from(files))
        content = path.read_bytes()
        how = data.draw(st.sampled_from(["truncate", "flip", "garbage"]))
        if len(content) < 2:
            path.write_bytes(b"\x00" * 10)
        elif how == "truncate":
            path.write_bytes(content[: len(content) // 2])
        elif how == "flip":
            middle = len(content) // 2
            path.write_bytes(content[:middle] + bytes([content[middle] ^ 0x20]) + content[middle + 1 :])
        else:
            path.write_bytes(b"\x00" * 10)

    @precondition(lambda self: 0 < len(self.devices) < 6)
    @rule(data=st.data())
    def new_laptop_joins(self, data) -> None:
        """A new laptop starts from the newest snapshot on the share plus the segments after it."""
        if data.draw(st.integers(0, 3)) != 0:  # rare
            return
        index = len(self.devices)
        db = new_device(template_database(TEMPLATE_ROOT), self.root / f"device{index}.sqlite3")
        self.offsets.append(0)
        db.clock.wall = self._wall(index)
        self.devices.append(db)
        self.committed[index] = set()
        sync(db, self.share, wall_ms=self._wall(index))
        self.touched.add(index)

    @rule(data=st.data(), empty=st.booleans())
    def sync_against_a_wrong_folder(self, data, empty: bool) -> None:
        """An unmounted share (an empty folder) or another office's share: refused, nothing written there."""
        index = data.draw(st.integers(0, len(self.devices) - 1))
        folder = Path(tempfile.mkdtemp(dir=self.root, prefix="wrong-"))
        if not empty:
            create_share(folder, TEST_OFFICE_KEY)
        before = sorted(p.name for p in folder.iterdir())
        try:
            sync(self.devices[index], folder, wall_ms=self._wall(index))
        except WrongShare:
            pass
        else:  # pragma: no cover - shown on failure
            raise AssertionError("a sync against a wrong folder was not refused")
        assert sorted(p.name for p in folder.iterdir()) == before
        self.touched.add(index)

    @rule(data=st.data())
    def sync_with_an_empty_listing(self, data) -> None:
        """The share's devices/ folder lists as empty for one round (an SMB hiccup)."""
        index = data.draw(st.integers(0, len(self.devices) - 1))
        sync(self.devices[index], self.share, io=_EmptyListing(self.share), wall_ms=self._wall(index))
        self.touched.add(index)

    @rule(data=st.data(), at=st.sampled_from(["list", "read", "apply", "after-commit", "write"]))
    def save_during_sync(self, data, at: str) -> None:
        """A person saves on the same laptop (another connection, as the app's own UI does) while it syncs."""
        index = data.draw(st.integers(0, len(self.devices) - 1))
        person = self._second_connection(index)
        saved = []

        def fault(step: str) -> None:
            if step == at and not saved:
                saved.append(create_citizen(person, self.staff.id, name="Under synk", accept_duplicates=True).id)

        sync(self.devices[index], self.share, io=ShareIO(self.share, fault), wall_ms=self._wall(index))
        event(f"saved during sync: {bool(saved)}")
        self._record(index)

    def _second_connection(self, index: int):
        if index not in self.others:
            db = self.devices[index]
            self.others[index] = open_database(Path(db.engine.url.database), self.root / "backups")
            self.others[index].clock.wall = self._wall(index)
        return self.others[index]

    # It found (issue 12): a reset that re-labelled changes whose files had been removed from the share (the
    # conflict lists differed), and a reset laptop the others did not know of, so they removed files it still
    # lacked (a gap nobody repaired). Both are fixed and have their own tests in test_share_faults.py.
    @rule(data=st.data())
    def cloned_disk(self, data) -> None:
        """A laptop's disk is copied; both go on working. The copy is refused, reset, and nothing is lost."""
        if data.draw(st.integers(0, 2)) != 0:  # rare
            return
        source = data.draw(st.integers(0, len(self.devices) - 1))
        original = self.devices[source]
        index = len(self.devices)
        path = self.root / f"device{index}.sqlite3"
        with original.write() as conn:
            conn.exec_driver_sql("SELECT 1")
        raw = original.engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM INTO ?", (str(path),))
        finally:
            raw.close()
        self.offsets.append(0)
        self.committed[index] = set(self.committed[source])
        clone = open_database(path, self.root / "backups")
        clone.clock.wall = self._wall(index)
        self.devices.append(clone)
        assert clone.device_id == original.device_id
        create_citizen(original, self.staff.id, name="Original", accept_duplicates=True)
        create_citizen(clone, self.staff.id, name="Kopi", accept_duplicates=True)
        self._record(source)
        self._record(index)
        sync(original, self.share, wall_ms=self._wall(source))
        try:
            sync(clone, self.share, wall_ms=self._wall(index))
        except SyncRefused:
            pass
        else:  # pragma: no cover - shown on failure
            raise AssertionError("a cloned disk was not refused")
        reset_device(clone, self.share)
        clone.close()
        self.devices[index] = clone = open_database(path, self.root / "backups")
        clone.clock.wall = self._wall(index)
        sync(clone, self.share, wall_ms=self._wall(index))
        self.touched.update({source, index})

    @rule(data=st.data(), hours=st.sampled_from([-72, -3, 0, 2, 48, 24 * 365 * 10]))
    def skew_clock(self, data, hours: int) -> None:
        index = data.draw(st.integers(0, len(self.devices) - 1))
        self.offsets[index] = hours * 3_600_000

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def touched_devices_are_sound(self) -> None:
        for index in sorted(self.touched):
            db = self.devices[index]
            problems = [p.message for r in run_checks(db) for p in r.problems]
            assert problems == [], problems
            with db.engine.connect() as conn:
                present = set(conn.exec_driver_sql("SELECT id FROM change_log").scalars())
                conn.rollback()
            assert self.committed[index] <= present, "a committed change is missing from its origin"
        self.touched.clear()

    # --- the end ----------------------------------------------------------------------------------

    def final_exchange(self) -> None:
        for _ in range(3):
            for index, db in enumerate(self.devices):
                try:
                    sync(db, self.share, wall_ms=self._wall(index))
                except SyncError as exc:  # pragma: no cover - shown on failure
                    raise AssertionError(str(exc)) from exc
        states = [replica_state(db) for db in self.devices]
        event(f"open conflicts at the end: {min(len(states[0]['conflicts']), 3)}+")
        with self.devices[0].engine.connect() as conn:
            removed = conn.exec_driver_sql("SELECT count(*) FROM sync_own_segments WHERE removed = 1").scalar_one()
            conn.rollback()
        event(f"old segments removed on device 0: {bool(removed)}")
        event(f"devices at the end: {len(self.devices)}")
        compacted = 0
        for db in self.devices:
            with db.engine.connect() as conn:
                compacted += conn.exec_driver_sql(
                    "SELECT count(*) FROM sync_own_segments WHERE last_seq > seq"
                ).scalar_one()
                conn.rollback()
        event(f"segments were compacted: {bool(compacted)}")
        for index, state in enumerate(states[1:], start=1):
            for key in state:
                assert state[key] == states[0][key], f"device {index} differs in {key}"
        committed = set().union(*self.committed.values())
        assert committed <= set(states[0]["change_ids"])
        expected = independent_merge(all_changes(self.devices))
        for table in ("citizens", "events", "follow_up_tasks", "staff", "audit_log"):
            actual = orm_rows(self.devices[0], table)
            want = expected.get(table, {})
            assert set(actual) == set(want), table
            for row_id, values in want.items():
                for key, value in values.items():
                    assert actual[row_id][key] == value, (table, row_id, key)
        for db in self.devices:
            assert [p.message for r in run_checks(db) for p in r.problems] == []


SyncMachine.TestCase.settings = MACHINE_SETTINGS
TestSync = SyncMachine.TestCase

"""The merge rules of changes/merge.py, one table per rule of docs/sync-spec.md (M1-M12), on hand-made
change-log entries: which value wins, whether the row exists, and exactly which conflicts a person is shown."""

from __future__ import annotations

import itertools
import json

import pytest

from aaben_raadgivning.changes.hlc import encode
from aaben_raadgivning.changes.merge import Conflict, FoldedRow, conflicts, fold
from aaben_raadgivning.sync.segments import Change

T = 1_764_000_000_000


def stamp(ms: int, device: str = "A", counter: int = 0) -> str:
    return encode(T + ms, counter, device)


# Change ids are chosen to sort *against* the stamps, so sorting by id instead of stamp shows.
def ins(cid: str, hlc: str, **values) -> Change:
    return Change(cid, hlc, hlc[-1], "citizens", "r1", "insert", None, json.dumps(values))


def upd(cid: str, hlc: str, field: str, value, base: str | None = None) -> Change:
    return Change(cid, hlc, hlc[-1], "citizens", "r1", "update", field, json.dumps(value), base)


def tomb(cid: str, hlc: str, at: str, base: str | None = None) -> Change:
    return Change(cid, hlc, hlc[-1], "citizens", "r1", "delete", "deleted_at", json.dumps(at), base)


def purge(cid: str, hlc: str) -> Change:
    return Change(cid, hlc, hlc[-1], "citizens", "r1", "purge", None, None)


def blanked(change: Change) -> Change:
    """The entry as a device that has purged the row keeps it (and may pass it on): its value removed."""
    return change._replace(value=None)


I0 = ins("z0", stamp(0), name="Ada", phone="1")  # the row as first created on laptop A


def each_order(entries):
    return list(itertools.permutations(entries))


# --- M1/M2: per-field last writer wins by (HLC, device id), whatever the arrival order --------------

LWW_CASES = [
    pytest.param([I0, upd("y1", stamp(10), "name", "Bo"), upd("x2", stamp(20, "B"), "name", "Cy")],
                 {"name": "Cy", "phone": "1"}, {"name": "x2", "phone": "z0"}, id="M2 the later stamp wins"),
    pytest.param([I0, upd("y1", stamp(20, "A"), "name", "Bo"), upd("x2", stamp(10, "B", 5), "name", "Cy")],
                 {"name": "Bo", "phone": "1"}, {"name": "y1", "phone": "z0"},
                 id="M1 milliseconds before counter: 20 ms beats 10 ms with a higher counter"),
    pytest.param([I0, upd("y1", stamp(10, "A", 3), "name", "Bo"), upd("x2", stamp(10, "A", 2), "name", "Cy")],
                 {"name": "Bo", "phone": "1"}, {"name": "y1", "phone": "z0"}, id="M1 same ms: the higher counter wins"),
    pytest.param([I0, upd("y1", stamp(10, "B"), "name", "Bo"), upd("x2", stamp(10, "A"), "name", "Cy")],
                 {"name": "Bo", "phone": "1"}, {"name": "y1", "phone": "z0"},
                 id="M1 same ms and counter: the greater device id wins"),
    pytest.param([I0, upd("b", stamp(10), "name", "Bo"), upd("a", stamp(10), "name", "Cy")],
                 {"name": "Bo", "phone": "1"}, {"name": "b", "phone": "z0"},
                 id="M1 an identical stamp: the greater change id wins"),
    pytest.param([I0, upd("y1", stamp(10), "name", "Bo"), upd("x2", stamp(20, "B"), "phone", "2")],
                 {"name": "Bo", "phone": "2"}, {"name": "y1", "phone": "x2"},
                 id="M2 edits of different fields both stay"),
    pytest.param([I0, upd("y1", stamp(10), "name", None)], {"name": None, "phone": "1"}, {"name": "y1", "phone": "z0"},
                 id="M2 a field set to null"),
    pytest.param([I0, blanked(upd("y1", stamp(10), "name", "Bo"))], {"name": None, "phone": "1"},
                 {"name": "y1", "phone": "z0"}, id="M2 an update blanked by a purge elsewhere reads as null"),
]  # fmt: skip


@pytest.mark.parametrize("entries, values, winner_ids", LWW_CASES)
def test_m1_m2_last_writer_wins_per_field(entries, values, winner_ids):
    for order in each_order(entries):
        folded = fold(order)
        assert folded == FoldedRow(True, False, values, {f: next(e for e in entries if e.id == i)
                                                         for f, i in winner_ids.items()})  # fmt: skip


# --- M3/M4: inserts -----------------------------------------------------------------------------------

INSERT_CASES = [
    pytest.param([upd("y1", stamp(10), "name", "Bo")], False, {"name": "Bo"}, {"name": "y1"},
                 id="M3 updates without an insert: the row does not exist (yet)"),
    pytest.param([I0], True, {"name": "Ada", "phone": "1"}, {"name": "z0", "phone": "z0"},
                 id="M4 an insert sets every field it carries"),
    pytest.param([I0, ins("y1", stamp(10, "B"), name="Bo")], True, {"name": "Bo", "phone": "1"},
                 {"name": "y1", "phone": "z0"}, id="M4 a second insert of the row (a derived id) merges field by field"),
    pytest.param([I0, upd("y1", stamp(10), "name", "Bo"), ins("x2", stamp(20, "B"), name="Cy", phone="2")], True,
                 {"name": "Cy", "phone": "2"}, {"name": "x2", "phone": "x2"},
                 id="M4 a later insert wins over an earlier update"),
    pytest.param([ins("y1", stamp(10, "B"), name="Cy"), upd("x2", stamp(20), "name", "Bo")], True,
                 {"name": "Bo"}, {"name": "x2"}, id="M4 a later update wins over an earlier insert"),
]  # fmt: skip


@pytest.mark.parametrize("entries, exists, values, winner_ids", INSERT_CASES)
def test_m3_m4_inserts(entries, exists, values, winner_ids):
    by_id = {e.id: e for e in entries}
    for order in each_order(entries):
        assert fold(order) == FoldedRow(exists, False, values, {f: by_id[i] for f, i in winner_ids.items()})


def test_m4_decoded_insert_values_are_used_as_given():
    """sync_apply decodes a segment's inserts once and passes them in by change id."""
    assert fold([I0], {"z0": {"name": "Ada (decoded)"}}).values == {"name": "Ada (decoded)"}
    assert fold([I0], {"other": {"name": "x"}}).values == {"name": "Ada", "phone": "1"}


def test_m12_an_operation_this_version_does_not_know_is_ignored():
    unknown = Change("y1", stamp(30, "B"), "B", "citizens", "r1", "merge", "name", json.dumps("Bo"))
    entries = [I0, upd("x2", stamp(10), "name", "Cy", base=I0.hlc), unknown]
    assert fold(entries).values == {"name": "Cy", "phone": "1"}
    assert conflicts(entries) == []


# --- M5: tombstones ----------------------------------------------------------------------------------


def test_m5_a_tombstone_sets_deleted_at_and_the_row_still_exists():
    t = tomb("y1", stamp(10), "2026-11-24T10:00:00")
    for order in each_order([I0, t, upd("x2", stamp(20, "B"), "name", "Bo")]):
        folded = fold(order)
        assert (folded.exists, folded.purged) == (True, False)
        assert folded.values == {"name": "Bo", "phone": "1", "deleted_at": "2026-11-24T10:00:00"}
        assert folded.winners["deleted_at"] is t


def test_m5_a_later_restore_wins_over_the_tombstone():
    entries = [I0, tomb("y1", stamp(10), "2026-11-24T10:00:00"), upd("x2", stamp(20), "deleted_at", None)]
    assert fold(entries).values["deleted_at"] is None


def test_m5_an_edit_concurrent_with_a_tombstone_is_no_conflict():
    entries = [I0, tomb("y1", stamp(10), "2026-11-24T10:00:00", base=I0.hlc),
               upd("x2", stamp(20, "B"), "name", "Bo", base=I0.hlc)]  # fmt: skip
    assert conflicts(entries) == []


# --- M6: purge ---------------------------------------------------------------------------------------

PURGED = FoldedRow(False, True, {}, {})
PURGE_CASES = [
    pytest.param([I0, upd("y1", stamp(10), "name", "Bo"), purge("x2", stamp(20))], id="M6 purge after edits"),
    pytest.param([purge("x2", stamp(-10)), I0, upd("y1", stamp(10), "name", "Bo")],
                 id="M6 a purge wins whatever its stamp (older than the insert)"),
    pytest.param([blanked(I0), upd("y1", stamp(10), "name", "Bo")],
                 id="M6 a blanked insert (purged elsewhere, purge entry not here yet) counts as a purge"),
    pytest.param([purge("x2", stamp(20))], id="M6 a purge alone"),
]  # fmt: skip


@pytest.mark.parametrize("entries", PURGE_CASES)
def test_m6_a_purged_row_is_never_materialised_and_has_no_conflicts(entries):
    late = upd("w9", stamp(30, "B"), "name", "Cy", base=I0.hlc)  # a concurrent edit that would otherwise conflict
    for order in each_order([*entries, late]):
        assert fold(order) == PURGED
        assert conflicts(list(order)) == []


# --- M7-M10: conflicts -------------------------------------------------------------------------------

A1 = upd("y1", stamp(10, "A"), "name", "Bo", base=I0.hlc)  # laptop A renames, knowing the original
B1 = upd("x2", stamp(20, "B"), "name", "Cy", base=I0.hlc)  # laptop B renames concurrently


def pairs(found: list[Conflict]) -> list[tuple[str, str]]:
    return [(c.loser.id, c.winner.id) for c in found]


CONFLICT_CASES = [
    pytest.param([I0, A1, B1], (), [("y1", "x2")], id="M7 concurrent edits of a field: the older one lost"),
    pytest.param([I0, A1, B1], ("y1",), [], id="M7 a resolved loser is no longer shown"),
    pytest.param([I0, A1, B1], ("x2",), [("y1", "x2")], id="M7 resolving another entry does not hide it"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "phone", "2", base=I0.hlc)], (), [],
                 id="M7 concurrent edits of different fields are no conflict"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Bo", base=I0.hlc)], (), [],
                 id="M8 the same value written on two laptops is no conflict"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Cy", base=A1.hlc)], (), [],
                 id="M9 overwritten knowingly: the writer had the loser's version"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Bo", base=I0.hlc),
                  upd("w3", stamp(30, "B"), "name", "Cy", base=stamp(20, "B"))], (), [],
                 id="M9 the same value from a version at least as new, then edited on: no conflict"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Dy", base=I0.hlc),
                  upd("w3", stamp(30, "B"), "name", "Cy", base=stamp(20, "B"))], (), [("y1", "w3")],
                 id="M9 a newer version holding another value does not count: the loser is shown against the winner"),
    pytest.param([I0, upd("v1", stamp(5), "name", "Bo", base=I0.hlc), upd("y1", stamp(10), "name", "Ed", base=stamp(5)),
                  upd("x2", stamp(20, "B"), "name", "Cy", base=stamp(5))], (), [("y1", "x2")],
                 id="M9 an older version with the same value does not count"),
    pytest.param([I0, A1, ins("x2", stamp(20, "B"), name="Bo"), upd("w3", stamp(30, "B"), "name", "Cy", base=stamp(20, "B"))],
                 (), [], id="M9 the version may be an insert holding the same value"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Cy", base=stamp(15, "C"))], (), [("y1", "x2")],
                 id="M9 a base not (yet) known here holds no value: concurrent"),
    pytest.param([I0, upd("y1", stamp(10), "name", None, base=I0.hlc),
                  upd("x2", stamp(20, "B"), "name", "Cy", base=stamp(15, "C"))], (), [("y1", "x2")],
                 id="M9 ... also when the loser wrote null"),
    pytest.param([I0, A1, upd("x2", stamp(20, "B"), "name", "Cy")], (), [("y1", "x2")],
                 id="M9 an entry without a base (older version) knows nothing: concurrent"),
    pytest.param([I0, A1, ins("x2", stamp(20, "B"), name="Cy")], (), [("y1", "x2")],
                 id="M10 an insert can win a conflict (a row derived again on another laptop)"),
    pytest.param([I0, A1, ins("x2", stamp(20, "B"), name="Bo")], (), [],
                 id="M8 same value as a winning insert"),
    pytest.param([I0, ins("y1", stamp(10), name="Bo"), ins("x2", stamp(20, "B"), name="Cy")], (), [],
                 id="M10 an insert never loses a conflict"),
    pytest.param([I0, blanked(A1), B1], (), [("y1", "x2")], id="M7 a blanked loser still counts (its value is null)"),
    pytest.param([I0, tomb("y1", stamp(10), "2026-11-24T10:00:00", base=I0.hlc),
                  tomb("x2", stamp(20, "B"), "2026-11-24T11:00:00", base=I0.hlc)], (), [("y1", "x2")],
                 id="M5 two tombstones with different times conflict like any edit"),
]  # fmt: skip


@pytest.mark.parametrize("entries, resolved, expected", CONFLICT_CASES)
def test_m7_to_m10_conflicts(entries, resolved, expected):
    for order in each_order(entries):
        found = conflicts(list(order), resolved)
        assert pairs(found) == expected
        assert all(c.field == c.loser.field for c in found)


def test_m7_each_loser_is_checked_after_a_same_value_entry():
    """A same-value pair in the row must not end the search: the real loser after it is still shown."""
    entries = [I0, upd("s1", stamp(8), "phone", "2", base=I0.hlc), upd("s2", stamp(9, "B"), "phone", "2", base=I0.hlc),
               A1, B1]  # fmt: skip
    assert pairs(conflicts(entries)) == [(A1.id, B1.id)]


def test_m7_the_conflict_names_the_field():
    assert [c.field for c in conflicts([I0, A1, B1])] == ["name"]


# --- M11: the order of the conflict list ---------------------------------------------------------------


def test_m11_conflicts_come_in_the_order_of_the_losers_stamps():
    entries = [I0,
               upd("a1", stamp(10), "phone", "2", base=I0.hlc), upd("a2", stamp(40, "B"), "phone", "3", base=I0.hlc),
               upd("b1", stamp(5), "name", "Bo", base=I0.hlc), upd("b2", stamp(50, "B"), "name", "Cy", base=I0.hlc),
               upd("c1", stamp(20), "job_goal", "x", base=I0.hlc),
               upd("c2", stamp(30, "B"), "job_goal", "y", base=I0.hlc)]  # fmt: skip
    for order in (entries, entries[::-1], entries[1::2] + entries[::2]):
        assert pairs(conflicts(order)) == [("b1", "b2"), ("a1", "a2"), ("c1", "c2")]


def test_m11_equal_loser_stamps_are_ordered_by_change_id():
    entries = [
        I0,
        upd("b", stamp(10), "name", "Bo", base=I0.hlc),
        upd("a", stamp(10), "phone", "2", base=I0.hlc),
        upd("x", stamp(20, "B"), "name", "Cy", base=I0.hlc),
        upd("y", stamp(20, "B"), "phone", "3", base=I0.hlc),
    ]
    assert pairs(conflicts(entries[::-1])) == [("a", "y"), ("b", "x")]

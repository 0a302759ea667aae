"""store/sync_apply.py, the database side of the merge (docs/sync-spec.md A1-A6), below the sync engine:
what the models' metadata tells the merge, how logged values become column values, and the order rows
are written in."""

from __future__ import annotations

import json

import pytest

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store import sync_apply
from aaben_raadgivning.store.models import SYNCED_TABLES, Base
from aaben_raadgivning.store.sync_apply import TABLES, Applier, TableInfo, store_changes
from aaben_raadgivning.sync.hlc import encode
from aaben_raadgivning.sync.segments import Change


@pytest.fixture
def citizens() -> TableInfo:
    return TableInfo(Base.metadata.tables["citizens"])


def test_a1_table_info_is_read_from_the_models(citizens):
    table = Base.metadata.tables["citizens"]
    assert citizens.name == "citizens"
    assert citizens.columns == [c.name for c in table.columns] and citizens.column_set == set(citizens.columns)
    assert {"name", "created_at", "housing_area"} <= citizens.not_null
    assert "id" not in citizens.not_null and "phone" not in citizens.not_null
    assert ("office_id", "offices") in citizens.foreign_keys and ("jobkonsulent_id", "staff") in citizens.foreign_keys
    assert TABLES["citizens"].columns == citizens.columns


def test_a1_every_synced_table_is_known_parents_before_children():
    tables = sync_apply._synced_tables()
    assert list(tables) == [t.name for t in Base.metadata.sorted_tables if t.name in SYNCED_TABLES]
    assert set(tables) == SYNCED_TABLES
    assert all(info.name == name for name, info in tables.items())
    assert list(tables) == list(TABLES)


@pytest.mark.parametrize("column, logged, stored", [
    pytest.param("created_at", "2026-11-24T10:15:00", "2026-11-24 10:15:00.000000", id="datetime to the second"),
    pytest.param("created_at", "2026-11-24T10:15:00.123456", "2026-11-24 10:15:00.123456", id="datetime with µs"),
    pytest.param("created_at", "2026-11-24T10:15", "2026-11-24 10:15:00.000000", id="datetime in another ISO form"),
    pytest.param("created_at", None, None, id="datetime null"),
    pytest.param("birth_date", "1980-05-01", "1980-05-01", id="date"),
    pytest.param("birth_date", "1980-05-01T00:00:00", "1980-05-01", id="date logged with a time"),
    pytest.param("birth_date", None, None, id="date null"),
    pytest.param("self_supporting", True, 1, id="bool true"),
    pytest.param("self_supporting", False, 0, id="bool false"),
    pytest.param("self_supporting", None, None, id="bool null"),
    pytest.param("name", "Ada", "Ada", id="text as logged"),
])  # fmt: skip
def test_a1_logged_values_become_the_columns_storage_format(citizens, column, logged, stored):
    assert citizens.db_value(column, logged) == stored
    assert citizens.row_maker((column,))({column: logged}) == [stored]


def test_a1_a_row_maker_picks_and_converts_columns_in_the_order_asked(citizens):
    values = {"id": "c1", "name": "Ada", "created_at": "2026-11-24T10:15:00", "self_supporting": True, "x": 1}
    columns = ("self_supporting", "id", "created_at", "name")
    make = citizens.row_maker(columns)
    assert make(values) == [1, "c1", "2026-11-24 10:15:00.000000", "Ada"]
    assert citizens.row_maker(columns) is make  # made once per column set
    assert citizens.row_maker(("id", "self_supporting"))(values) == ["c1", 1]
    assert citizens.row_maker(("name",))(values) == ["Ada"]


def _office_and_citizen(world) -> tuple[Change, Change]:
    """A new office and a citizen pointing at it, as another laptop logged them."""
    template = create_citizen(world.db, world.jk.id, name="Ada Hansen")
    with world.db.engine.connect() as conn:
        logged = conn.exec_driver_sql(
            "SELECT value FROM change_log WHERE row_id = ? AND op = 'insert'", (template.id,)).scalar_one()  # fmt: skip
    row = json.loads(logged) | {"id": "c-new", "office_id": "o-new", "name": "Bo Berg"}
    office = {"id": "o-new", "name": "Kontoret", "housing_area": "", "created_at": "2026-11-24T10:00:00",
              "deleted_at": None}  # fmt: skip
    stamp = encode(1_764_000_000_000, 0, "remote")
    return (Change("z-office", stamp, "remote", "offices", "o-new", "insert", None, json.dumps(office)),
            Change("a-citizen", encode(1_764_000_000_001, 0, "remote"), "remote", "citizens", "c-new", "insert",
                   None, json.dumps(row)))  # fmt: skip


def _citizen_office(world) -> str | None:
    with world.db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT office_id FROM citizens WHERE id = 'c-new'").scalar()


def test_a1_rows_are_written_parents_first_whatever_order_the_changes_come_in(world):
    office, citizen = _office_and_citizen(world)
    with world.db.engine.begin() as conn:
        store_changes(conn, [citizen, office])
        Applier(conn).apply([citizen, office])
    assert _citizen_office(world) == "o-new"


def test_a4_refold_writes_parents_first_too(world):
    office, citizen = _office_and_citizen(world)
    with world.db.engine.begin() as conn:
        store_changes(conn, [citizen, office])
        Applier(conn).refold([("citizens", "c-new"), ("offices", "o-new")])
    assert _citizen_office(world) == "o-new"


def test_a4_refold_passes_over_a_table_this_version_does_not_know(world):
    office, citizen = _office_and_citizen(world)
    with world.db.engine.begin() as conn:
        store_changes(conn, [citizen, office])
        Applier(conn).refold([("citizens", "c-new"), ("tables_of_a_newer_version", "r1"), ("offices", "o-new")])
    assert _citizen_office(world) == "o-new"


def test_a5_refold_recomputes_the_rows_conflicts(world):
    office, citizen = _office_and_citizen(world)
    base = citizen.hlc
    edits = [Change("e1", encode(1_764_000_000_010, 0, "remote"), "remote", "citizens", "c-new", "update", "name",
                    json.dumps("Bo Holm"), base),
             Change("e2", encode(1_764_000_000_020, 0, "other"), "other", "citizens", "c-new", "update", "name",
                    json.dumps("Bo Bech"), base)]  # fmt: skip
    with world.db.engine.begin() as conn:
        store_changes(conn, [office, citizen, *edits])
        Applier(conn).refold([("offices", "o-new"), ("citizens", "c-new")])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT table_name, row_id, field, loser_id, winner_id FROM sync_conflicts").all() == [
            ("citizens", "c-new", "name", "e1", "e2")]  # fmt: skip
        assert conn.exec_driver_sql("SELECT name FROM citizens WHERE id = 'c-new'").scalar_one() == "Bo Bech"


def test_a2_a_row_arriving_after_the_purge_of_its_parent_is_purged_too(world):
    office, citizen = _office_and_citizen(world)
    purge = Change("p1", encode(1_764_000_000_050, 0, "remote"), "remote", "offices", "o-new", "purge", None, None)
    for changes in ([office], [purge], [citizen]):
        with world.db.engine.begin() as conn:
            store_changes(conn, changes)
            Applier(conn).apply(changes)
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT value FROM change_log WHERE row_id = 'c-new'").scalar_one() is None
        assert conn.exec_driver_sql("SELECT table_name FROM sync_purged WHERE row_id IN ('c-new', 'o-new') "
                                    "ORDER BY table_name").scalars().all() == ["citizens", "offices"]  # fmt: skip


def test_a2_a_purge_takes_every_row_that_points_at_the_citizen_through_any_of_its_columns(world):
    """An agreement points at a company, a contact and staff as well as at the citizen: the purge must find
    it through its citizen column whichever column comes first, and leave nothing of it."""
    from agreement_helpers import agreement_input, make_citizen, make_company

    from aaben_raadgivning.store.actions.agreements import save_agreement
    from aaben_raadgivning.store.actions.purge import purge_citizen

    company, contact = make_company(world)
    citizen = make_citizen(world)
    agreement = save_agreement(world.db, world.jf.id, agreement_input(world, citizen, company, contact),
                               calendar=world.runtime.calendar).agreement  # fmt: skip
    purge_citizen(world.db, world.jk.id, citizen.id, "Borgeren har bedt om sletning")
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM agreements WHERE id = ?", (agreement.id,)).scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM change_log WHERE row_id = ? AND value IS NOT NULL",
                                    (agreement.id,)).scalar_one() == 0  # fmt: skip
        assert conn.exec_driver_sql("SELECT count(*) FROM companies WHERE id = ?", (company.id,)).scalar_one() == 1


def _change(number: int, table: str, row: str) -> Change:
    return Change(f"e{number}", encode(1_764_000_000_000 + number, 0, "remote"), "remote", table, row, "update",
                  "name", '"x"', None)  # fmt: skip


def _shape(batches: list[list[Change]]) -> list[list[str]]:
    return [[f"{c.table_name[:3]}:{c.row_id}:{c.id}" for c in batch] for batch in batches]


BATCH_CASES = [
    pytest.param([("citizens", "a"), ("citizens", "b")], 2, [["cit:a:e0", "cit:b:e1"]], id="fits: one batch as given"),
    pytest.param([], 2, [[]], id="nothing: one empty batch"),
    pytest.param([("citizens", "a"), ("citizens", "b"), ("citizens", "c")], 2,
                 [["cit:a:e0", "cit:b:e1"], ["cit:c:e2"]], id="split at the size"),
    pytest.param([("citizens", "a"), ("citizens", "b"), ("citizens", "a")], 2,
                 [["cit:a:e0", "cit:a:e2"], ["cit:b:e1"]], id="a row's changes stay together"),
    pytest.param([("citizens", "a"), ("citizens", "a"), ("citizens", "a"), ("citizens", "b")], 2,
                 [["cit:a:e0", "cit:a:e1", "cit:a:e2"], ["cit:b:e3"]], id="a row larger than the size is one batch"),
    pytest.param([("events", "x"), ("citizens", "a"), ("offices", "o")], 1,
                 [["off:o:e2"], ["cit:a:e1"], ["eve:x:e0"]], id="parents before children"),
    pytest.param([("citizens", "b"), ("newer_table", "n"), ("citizens", "a")], 2,
                 [["cit:b:e0", "cit:a:e2"], ["new:n:e1"]], id="first-written order in a table; unknown tables last"),
]  # fmt: skip


@pytest.mark.parametrize("rows, size, expected", BATCH_CASES)
def test_a_segment_is_split_into_batches_of_whole_rows_in_dependency_order(rows, size, expected):
    changes = [_change(number, table, row) for number, (table, row) in enumerate(rows)]
    assert _shape(sync_apply.apply_batches(changes, size)) == expected


def test_a5_a_conflict_won_by_an_insert_shows_the_inserted_value_of_the_field(world):
    """A row made again by a second laptop (a derived row) after an edit it did not know: the edit loses to
    the insert, and the conflicts list shows the insert's value of that field, not the whole row."""
    office, citizen = _office_and_citizen(world)
    edit = Change("e1", encode(1_764_000_000_010, 0, "remote"), "remote", "citizens", "c-new", "update", "name",
                  json.dumps("Bo Holm"), citizen.hlc)  # fmt: skip
    again = Change("e2", encode(1_764_000_000_020, 0, "other"), "other", "citizens", "c-new", "insert", None,
                   json.dumps(json.loads(citizen.value) | {"name": "Bo Bech"}))  # fmt: skip
    with world.db.engine.begin() as conn:
        store_changes(conn, [office, citizen, edit, again])
        Applier(conn).apply([office, citizen, edit, again])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT field, loser_id, loser_value, winner_id, winner_value FROM sync_conflicts").all() == [
            ("name", "e1", '"Bo Holm"', "e2", '"Bo Bech"')]  # fmt: skip
        assert conn.exec_driver_sql("SELECT name FROM citizens WHERE id = 'c-new'").scalar_one() == "Bo Bech"


def test_a2_a_late_change_of_a_purged_row_is_blanked_and_does_not_bring_it_back(world):
    office, citizen = _office_and_citizen(world)
    purge = Change("p1", encode(1_764_000_000_050, 0, "remote"), "remote", "citizens", "c-new", "purge", None, None)
    late = Change("late", encode(1_764_000_000_040, 0, "other"), "other", "citizens", "c-new", "update", "name",
                  json.dumps("Bo Berg Hansen"), citizen.hlc)  # fmt: skip
    for changes in ([office, citizen], [purge], [late]):
        with world.db.engine.begin() as conn:
            store_changes(conn, changes)
            Applier(conn).apply(changes)
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT value FROM change_log WHERE id = 'late'").scalar_one() is None


def test_a2_a_purge_and_a_row_pointing_at_the_purged_row_in_one_batch(world):
    office, citizen = _office_and_citizen(world)
    purge = Change("p1", encode(1_764_000_000_050, 0, "remote"), "remote", "offices", "o-new", "purge", None, None)
    with world.db.engine.begin() as conn:
        store_changes(conn, [office, citizen, purge])
        Applier(conn).apply([office, citizen, purge])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM offices WHERE id = 'o-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0

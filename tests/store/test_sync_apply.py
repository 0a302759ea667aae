"""store/replica.py, the database side of the merge (docs/sync-spec.md A1-A6), below the sync engine:
what the models' metadata tells the merge, how logged values become column values, and the order rows
are written in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aaben_raadgivning.changes.hlc import encode
from aaben_raadgivning.store import replica as sync_apply
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import SYNCED_TABLES, Base
from aaben_raadgivning.store.replica import TABLES, Applier, TableInfo, store_changes
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
    assert ("office_id", "offices") in citizens.foreign_keys and (
        "jobkonsulent_id",
        "staff",
    ) in citizens.foreign_keys
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
    pytest.param("created_at", "2026-11-24T10:15:00Z", "2026-11-24 10:15:00.000000", id="datetime in UTC (Z)"),
    pytest.param("created_at", "2026-11-24T10:15:00.123456Z", "2026-11-24 10:15:00.123456", id="datetime µs in UTC"),
    pytest.param("created_at", "2026-11-24 10:15+00", "2026-11-24 10:15:00.000000", id="datetime with a space, +00"),
    pytest.param("created_at", "2026-11-24 10:15:00.123+00", "2026-11-24 10:15:00.123000", id="datetime ms, space, +00"),
    pytest.param("created_at", 1764000000, 1764000000, id="datetime not text: as logged"),
    pytest.param("birth_date", "1980-05-01", "1980-05-01", id="date"),
    pytest.param("birth_date", "1980-05-01T00:00:00", "1980-05-01", id="date logged with a time"),
    pytest.param("birth_date", None, None, id="date null"),
    pytest.param("birth_date", 19800501, 19800501, id="date not text: as logged"),
    pytest.param("self_supporting", True, 1, id="bool true"),
    pytest.param("self_supporting", False, 0, id="bool false"),
    pytest.param("self_supporting", None, None, id="bool null"),
    pytest.param("name", "Ada", "Ada", id="text as logged"),
])  # fmt: skip
def test_a1_logged_values_become_the_columns_storage_format(citizens, column, logged, stored):
    assert citizens.db_value(column, logged) == stored
    assert citizens.row_maker((column,))({column: logged}) == [stored]


def test_a1_a_row_maker_picks_and_converts_columns_in_the_order_asked(citizens):
    values = {
        "id": "c1",
        "name": "Ada",
        "created_at": "2026-11-24T10:15:00",
        "self_supporting": True,
        "x": 1,
    }
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
        Applier(conn).refold(
            [
                ("citizens", "c-new"),
                ("tables_of_a_newer_version", "r1"),
                ("offices", "o-new"),
            ]
        )
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


def _apply_each(world, *batches: list[Change]) -> None:
    """Each batch stored and applied in a transaction of its own, as the sync engine does."""
    for changes in batches:
        with world.db.engine.begin() as conn:
            store_changes(conn, changes)
            Applier(conn).apply(changes)


def _office_purge() -> Change:
    """A purge, from another laptop, of the office ``_office_and_citizen`` makes."""
    return Change("p1", encode(1_764_000_000_050, 0, "remote"), "remote", "offices", "o-new", "purge", None, None)


def test_a2_a_row_arriving_after_the_purge_of_its_parent_is_purged_too(world):
    office, citizen = _office_and_citizen(world)
    purge = _office_purge()
    _apply_each(world, [office], [purge], [citizen])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT value FROM change_log WHERE row_id = 'c-new'").scalar_one() is None
        assert conn.exec_driver_sql("SELECT table_name FROM sync_purged WHERE row_id IN ('c-new', 'o-new') "
                                    "ORDER BY table_name").scalars().all() == ["citizens", "offices"]  # fmt: skip


def test_a2_a_purge_takes_every_row_that_points_at_the_citizen_through_any_of_its_columns(
    world,
):
    """An agreement points at a company, a contact and staff as well as at the citizen: the purge must find
    it through its citizen column whichever column comes first, and leave nothing of it."""
    from aaben_raadgivning.store.actions.agreements import save_agreement
    from aaben_raadgivning.store.actions.purge import purge_citizen
    from support.agreement_input import agreement_input, make_citizen, make_company

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
    pytest.param([("events", "x"), ("offices", "o")], 2, [["eve:x:e0", "off:o:e1"]], id="exactly the size: as given"),
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
    the insert, and the conflicts list shows the insert's value of that field, not the whole row, written as
    an edit logs it (Danish letters as they are)."""
    office, citizen = _office_and_citizen(world)
    edit = Change("e1", encode(1_764_000_000_010, 0, "remote"), "remote", "citizens", "c-new", "update", "name",
                  json.dumps("Bo Holm"), citizen.hlc)  # fmt: skip
    again = Change("e2", encode(1_764_000_000_020, 0, "other"), "other", "citizens", "c-new", "insert", None,
                   json.dumps(json.loads(citizen.value) | {"name": "Bo Bæk"}))  # fmt: skip
    with world.db.engine.begin() as conn:
        store_changes(conn, [office, citizen, edit, again])
        Applier(conn).apply([office, citizen, edit, again])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT field, loser_id, loser_value, winner_id, winner_value FROM sync_conflicts").all() == [
            ("name", "e1", '"Bo Holm"', "e2", '"Bo Bæk"')]  # fmt: skip
        assert conn.exec_driver_sql("SELECT name FROM citizens WHERE id = 'c-new'").scalar_one() == "Bo Bæk"


def test_a2_a_late_change_of_a_purged_row_is_blanked_and_does_not_bring_it_back(world):
    office, citizen = _office_and_citizen(world)
    purge = Change(
        "p1",
        encode(1_764_000_000_050, 0, "remote"),
        "remote",
        "citizens",
        "c-new",
        "purge",
        None,
        None,
    )
    late = Change("late", encode(1_764_000_000_040, 0, "other"), "other", "citizens", "c-new", "update", "name",
                  json.dumps("Bo Berg Hansen"), citizen.hlc)  # fmt: skip
    _apply_each(world, [office, citizen], [purge], [late])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT value FROM change_log WHERE id = 'late'").scalar_one() is None


def test_a2_a_purge_and_a_row_pointing_at_the_purged_row_in_one_batch(world):
    office, citizen = _office_and_citizen(world)
    purge = _office_purge()
    with world.db.engine.begin() as conn:
        store_changes(conn, [office, citizen, purge])
        Applier(conn).apply([office, citizen, purge])
    with world.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM offices WHERE id = 'o-new'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM citizens WHERE id = 'c-new'").scalar_one() == 0


# --- batches received from other laptops, as the sync engine applies them ----------------------------------


def _at(ms: int, device: str = "remote") -> str:
    return encode(1_764_000_000_000 + ms, 0, device)


def _insert(
    change_id: str,
    ms: int,
    table: str,
    row_id: str,
    values: dict[str, Any] | None,
    device: str = "remote",
) -> Change:
    """An insert as logged; ``values=None``: blanked by a purge on the laptop it comes from."""
    return Change(change_id, _at(ms, device), device, table, row_id, "insert", None,
                  None if values is None else json.dumps(values))  # fmt: skip


def _edit(
    change_id: str,
    ms: int,
    table: str,
    row_id: str,
    field: str,
    value: Any,
    base: str | None = None,
    device: str = "remote",
    op: str = "update",
) -> Change:
    """An update (or delete) of one field; ``value=BLANKED``: blanked by a purge elsewhere."""
    logged = None if value is BLANKED else json.dumps(value)
    return Change(change_id, _at(ms, device), device, table, row_id, op, field, logged, base)


BLANKED = object()
OFFICE = {
    "id": "o-p",
    "name": "Kontoret",
    "housing_area": "",
    "created_at": "2026-11-24T10:00:00",
    "deleted_at": None,
}


def _purge(change_id: str, ms: int, table: str, row_id: str) -> Change:
    return Change(change_id, _at(ms), "remote", table, row_id, "purge", None, None)


@pytest.fixture
def citizen_row(world) -> dict[str, Any]:
    """A whole citizens row as an insert logs it (made here; used with other ids as another laptop's rows)."""
    template = create_citizen(world.db, world.jk.id, name="Ada Hansen")
    with world.db.engine.connect() as conn:
        logged = conn.exec_driver_sql(
            "SELECT value FROM change_log WHERE row_id = ? AND op = 'insert'", (template.id,)).scalar_one()  # fmt: skip
    return json.loads(logged)


def _receive(world, changes: list[Change]) -> list[tuple[str, str]]:
    """One batch from another laptop, as the sync engine applies it: rows new here are found before the
    changes are stored, foreign keys are checked at the commit."""
    with world.db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        fresh = sync_apply.fresh_rows(conn, changes)
        store_changes(conn, changes)
        return Applier(conn).apply(changes, fresh)


def _all(world, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with world.db.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql, params).all()]


def _held_back_cases() -> list[Any]:
    def citizen(row, change_id, ms, row_id, **fields):
        return _insert(
            change_id,
            ms,
            "citizens",
            row_id,
            row | {"id": row_id, "name": "Ada Berg"} | fields,
        )

    return [
        pytest.param(lambda row: [], lambda row: [_edit("a2", 2, "citizens", "c-a", "name", "Ada Bæk")],
                     [("c-b", "Bo Berg")], [], 1, id="its insert has not arrived yet (A3)"),
        pytest.param(lambda row: [[citizen(row, "a1", 1, "c-a")], [_purge("p1", 3, "citizens", "c-a")]],
                     lambda row: [_edit("a2", 2, "citizens", "c-a", "name", "Ada Bæk")],
                     [("c-b", "Bo Berg")], [("citizens", "c-a")], 0, id="a late change of a row purged earlier"),
        pytest.param(lambda row: [], lambda row: [_insert("a1", 1, "citizens", "c-a", None)],
                     [("c-b", "Bo Berg")], [("citizens", "c-a")], 0, id="its insert blanked by a purge elsewhere"),
        pytest.param(lambda row: [[citizen(row, "a1", 1, "c-a")]],
                     lambda row: [_edit("a2", 2, "citizens", "c-a", "name", BLANKED)],
                     [("c-a", "Ada Berg"), ("c-b", "Bo Berg")], [], 1, id="a name blanked, the purge not here yet"),
        pytest.param(lambda row: [[_insert("o1", 0, "offices", "o-p", OFFICE)], [_purge("p1", 3, "offices", "o-p")]],
                     lambda row: [citizen(row, "a1", 1, "c-a", office_id="o-p")],
                     [("c-b", "Bo Berg")], [("citizens", "c-a"), ("offices", "o-p")], 0,
                     id="it points at an office purged earlier"),
        pytest.param(lambda row: [[citizen(row, "a1", 1, "c-a")]], lambda row: [_purge("p1", 3, "citizens", "c-a")],
                     [("c-b", "Bo Berg")], [("citizens", "c-a")], 0, id="it is purged in the same batch"),
    ]  # fmt: skip


@pytest.mark.parametrize("earlier, held_back, rows, purged, values_left", _held_back_cases())
def test_a2_a3_a_row_that_is_not_written_does_not_hold_back_the_rows_after_it(
    world, citizen_row, earlier, held_back, rows, purged, values_left
):
    """Citizen c-a is not (re)written by this batch; citizen c-b, new in the same batch, still is. What is
    kept of c-a: its row (if it stays), whether it is remembered as purged, how many logged values it has."""
    for batch in earlier(citizen_row):
        _receive(world, batch)
    new = _insert("b1", 5, "citizens", "c-b", citizen_row | {"id": "c-b", "name": "Bo Berg"})
    _receive(world, [*held_back(citizen_row), new])
    assert (
        _all(
            world,
            "SELECT id, name FROM citizens WHERE id IN ('c-a', 'c-b') ORDER BY id",
        )
        == rows
    )
    assert (
        _all(
            world,
            "SELECT table_name, row_id FROM sync_purged ORDER BY table_name, row_id",
        )
        == purged
    )
    assert _all(
        world,
        "SELECT count(*) FROM change_log WHERE row_id = 'c-a' AND value IS NOT NULL",
    ) == [(values_left,)]


def test_a1_a_new_row_edited_in_the_same_batch_and_a_row_from_an_older_version(world, citizen_row):
    """A row inserted and edited on another laptop before one sync has the edit here too; a row logged by
    an older version, without a column added since, gets the column's default."""
    older = {k: v for k, v in citizen_row.items() if k != "cv_status"}
    _receive(world, [
        _insert("a1", 1, "citizens", "c-a", citizen_row | {"id": "c-a", "name": "Ada Berg"}),
        _edit("a2", 2, "citizens", "c-a", "name", "Ada Bæk"),
        _insert("b1", 3, "citizens", "c-b", older | {"id": "c-b", "name": "Bo Berg"}),
        _edit("b2", 4, "citizens", "c-b", "name", "Bo Bæk"),
    ])  # fmt: skip
    assert _all(world, "SELECT id, name, cv_status FROM citizens WHERE id IN ('c-a', 'c-b') ORDER BY id") == [
        ("c-a", "Ada Bæk", citizen_row["cv_status"]), ("c-b", "Bo Bæk", "mangler")]  # fmt: skip


def test_a4_a_field_or_table_of_a_newer_version_is_kept_and_listed_the_rest_applied(world, citizen_row):
    changes = [
        _insert("n1", 0, "newer_table", "n-1", {"id": "n-1", "title": "Ny slags række"}),
        _insert(
            "a1",
            1,
            "citizens",
            "c-a",
            citizen_row | {"id": "c-a", "name": "Ada Berg", "favourite": "blå"},
        ),
        _insert("b1", 2, "citizens", "c-b", citizen_row | {"id": "c-b", "name": "Bo Berg"}),
        _edit("b2", 3, "citizens", "c-b", "shoe_size", 42),
    ]
    unknown = _receive(world, changes)
    assert sorted(unknown) == [
        ("citizens", "c-a"),
        ("citizens", "c-b"),
        ("newer_table", "n-1"),
    ]
    assert _all(world, "SELECT change_id, table_name, row_id FROM sync_unknown ORDER BY change_id") == [
        ("a1", "citizens", "c-a"), ("b2", "citizens", "c-b"), ("n1", "newer_table", "n-1")]  # fmt: skip
    assert _all(world, "SELECT id, name FROM citizens WHERE id IN ('c-a', 'c-b') ORDER BY id") == [
        ("c-a", "Ada Berg"), ("c-b", "Bo Berg")]  # fmt: skip
    assert _all(
        world,
        "SELECT count(*) FROM change_log WHERE id IN ('n1', 'a1', 'b2') AND value IS NOT NULL",
    ) == [(3,)]


def test_a2_a_purge_of_a_row_of_a_newer_version_s_table_blanks_its_logged_values(world):
    """This version cannot remove the row, but the person's data in the change log is blanked all the same;
    the rest of the batch (here a new office) is applied as usual."""
    _receive(world, [_insert("n1", 0, "newer_table", "n-1", {"id": "n-1", "title": "Ada Hansens sag"}),
                     _edit("n2", 1, "newer_table", "n-1", "title", "Ada Hansens nye sag")])  # fmt: skip
    _receive(
        world,
        [
            _purge("p1", 2, "newer_table", "n-1"),
            _insert("o1", 3, "offices", "o-p", OFFICE),
        ],
    )
    assert _all(world, "SELECT id, value FROM change_log WHERE row_id = 'n-1' ORDER BY id") == [
        ("n1", None), ("n2", None), ("p1", None)]  # fmt: skip
    assert _all(world, "SELECT table_name, row_id FROM sync_purged") == [("newer_table", "n-1")]
    assert _all(world, "SELECT id, name FROM offices WHERE id = 'o-p'") == [("o-p", "Kontoret")]


def test_a2_a_purge_says_how_many_rows_it_removed(world):
    """The purge action reports the rows it removed: the office and the citizen pointing at it."""
    office, citizen = _office_and_citizen(world)
    _receive(world, [office, citizen])
    with world.db.engine.begin() as conn:
        assert Applier(conn).purge("offices", "o-new") == 2
    assert (
        _all(
            world,
            "SELECT id FROM citizens WHERE id = 'c-new' UNION ALL SELECT id FROM offices WHERE id = 'o-new'",
        )
        == []
    )


def _resolved_conflict(world) -> tuple[list[Change], Change]:
    """Two laptops renamed the same citizen (e1 lost to e2); a third resolved e1."""
    office, citizen = _office_and_citizen(world)
    edits = [_edit("e1", 10, "citizens", "c-new", "name", "Bo Holm", citizen.hlc),
             _edit("e2", 20, "citizens", "c-new", "name", "Bo Bech", citizen.hlc, device="other")]  # fmt: skip
    resolution = _insert("r1", 30, "conflict_resolutions", "r1", {
        "id": "r1", "change_id": "e1", "table_name": "citizens", "row_id": "c-new", "field": "name",
        "choice": "vinder", "resolved_at": "2026-11-24T10:20:00", "resolved_by": None}, device="third")  # fmt: skip
    return [office, citizen, *edits], resolution


@pytest.mark.parametrize("order", ["conflict, then resolution", "resolution first", "one batch"])
def test_a5_a_conflict_resolved_on_another_laptop_is_gone_here_whatever_order_it_arrives_in(world, order):
    row, resolution = _resolved_conflict(world)
    batches = {"conflict, then resolution": [row, [resolution]], "resolution first": [[resolution], row],
               "one batch": [[*row, resolution]]}[order]  # fmt: skip
    for batch in batches:
        _receive(world, batch)
    assert _all(world, "SELECT loser_id FROM sync_conflicts") == []
    assert _all(world, "SELECT name FROM citizens WHERE id = 'c-new'") == [("Bo Bech",)]


def test_a5_without_the_resolution_the_conflict_is_listed(world):
    row, _ = _resolved_conflict(world)
    _receive(world, row)
    assert _all(world, "SELECT loser_id, winner_id FROM sync_conflicts") == [("e1", "e2")]


@pytest.mark.parametrize("how", ["applied", "merged again (refold)"])
def test_a4_a5_no_conflict_is_listed_for_a_table_of_a_newer_version(world, how):
    """Three laptops edited a row of a table this version does not know, and a resolution of one of them
    arrives: the conflicts list only shows rows this version can show."""
    stamp = _at(0, "first")
    changes = [
        _insert("n0", 0, "newer_table", "n-1", {"id": "n-1", "title": "A"}, device="first"),
        _edit("n1", 10, "newer_table", "n-1", "title", "B", stamp, device="one"),
        _edit("n2", 20, "newer_table", "n-1", "title", "C", stamp, device="two"),
        _edit("n3", 30, "newer_table", "n-1", "title", "D", stamp, device="three"),
        _insert("r1", 40, "conflict_resolutions", "r1", {
            "id": "r1", "change_id": "n1", "table_name": "newer_table", "row_id": "n-1", "field": "title",
            "choice": "vinder", "resolved_at": "2026-11-24T10:20:00", "resolved_by": None}),
    ]  # fmt: skip
    if how == "applied":
        _receive(world, changes)
    else:
        with world.db.engine.begin() as conn:
            store_changes(conn, changes)
            Applier(conn).refold([("conflict_resolutions", "r1")])
        assert _all(world, "SELECT id FROM conflict_resolutions") == [("r1",)]
    assert _all(world, "SELECT table_name, loser_id FROM sync_conflicts") == []


def test_a1_the_search_index_follows_a_citizen_deleted_and_restored_on_another_laptop(world, citizen_row):
    steps = [
        (
            [
                _insert(
                    "a1",
                    1,
                    "citizens",
                    "c-a",
                    citizen_row | {"id": "c-a", "name": "Ada Berg"},
                )
            ],
            [("c-a",)],
        ),
        (
            [
                _edit(
                    "a2",
                    2,
                    "citizens",
                    "c-a",
                    "deleted_at",
                    "2026-11-24T11:00:00",
                    op="delete",
                )
            ],
            [],
        ),
        ([_edit("a3", 3, "citizens", "c-a", "deleted_at", None)], [("c-a",)]),
    ]
    for batch, indexed in steps:
        _receive(world, batch)
        assert _all(world, "SELECT citizen_id FROM citizen_search WHERE citizen_id = 'c-a'") == indexed


def test_a1_a_new_row_the_table_already_holds_without_entries_is_written_with_the_incoming_values(
    world,
):
    """The plain insert of a row with no change-log entries here fails when the table has it all the same;
    the batch's rows are then upserted, those before it in the same statement included."""
    with world.db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO offices (id, name, housing_area, created_at) "
                             "VALUES ('o-b', 'Gammelt navn', '', '2026-11-24 09:00:00.000000')")  # fmt: skip
    _receive(world, [_insert("a1", 1, "offices", "o-a", OFFICE | {"id": "o-a", "name": "Kontoret Syd"}),
                     _insert("b1", 2, "offices", "o-b", OFFICE | {"id": "o-b", "name": "Kontoret Nord"})])  # fmt: skip
    assert _all(world, "SELECT id, name FROM offices WHERE id IN ('o-a', 'o-b') ORDER BY id") == [
        ("o-a", "Kontoret Syd"), ("o-b", "Kontoret Nord")]  # fmt: skip


@pytest.mark.parametrize("texts", [
    pytest.param([], id="none"),
    pytest.param(['{"id": "a", "n": 1}'], id="one"),
    pytest.param(['{"id": "a"}', '"text"', "null", "[1, 2]"], id="several"),
])  # fmt: skip
def test_logged_insert_values_are_parsed_as_one_by_one(texts):
    assert sync_apply.loads_many(texts) == [json.loads(text) for text in texts]


@pytest.mark.parametrize("texts", [
    pytest.param(['{"id": "a"}', '{"id": '], id="a broken text"),
    pytest.param(["1, 2"], id="two documents in one text"),
    pytest.param(['{"id": "a"}', "1, 2"], id="two documents in the second text"),
])  # fmt: skip
def test_a_logged_value_that_is_not_one_json_document_is_refused_as_json_would(texts):
    with pytest.raises(json.JSONDecodeError):
        sync_apply.loads_many(texts)

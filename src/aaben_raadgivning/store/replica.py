"""Applying changes to the local database: the SQLite side of the merge (rules in changes/merge.py).

Generic over the models' metadata: any table in SYNCED_TABLES is materialised from its change-log
entries; a table or field this version does not know is kept in change_log (and listed in
sync_unknown), never dropped. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table
from sqlalchemy.engine.interfaces import DBAPIConnection

from aaben_raadgivning.changes import merge
from aaben_raadgivning.changes.change import Change
from aaben_raadgivning.store import search_index, sqlite_driver
from aaben_raadgivning.store.models import APPEND_ONLY_TABLES, SYNCED_TABLES, Base

CHUNK = 400  # ids per IN (...) query (SQLite's default limit on variables is far higher)
CHANGE_COLUMNS = "id, hlc, device_id, table_name, row_id, op, field, value, staff_id"


def _datetime(value: Any) -> Any:
    """ISO text as logged → SQLAlchemy's SQLite storage format (``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if value is None or not isinstance(value, str):
        return value
    if len(value) == 19 and value[10] == "T":  # the common cases, without parsing
        return f"{value[:10]} {value[11:]}.000000"
    if len(value) == 26 and value[10] == "T":
        return f"{value[:10]} {value[11:]}"
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S.%f")


def _date(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return date.fromisoformat(value[:10]).isoformat()


def _bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


class TableInfo:
    """What the merge needs to know about one synced table, from the models' metadata."""

    def __init__(self, table: Table) -> None:
        self.name = table.name
        self.columns = [column.name for column in table.columns]
        self.column_set = frozenset(self.columns)
        # The app never writes None into these; a None here can only be a value blanked by a purge on
        # another laptop whose purge entry has not arrived yet (see _materialise).
        self.not_null = frozenset(c.name for c in table.columns if not c.nullable and not c.primary_key)
        self.convert: dict[str, Callable[[Any], Any]] = {}
        self._row_makers: dict[tuple[str, ...], Callable[[dict[str, Any]], list[Any]]] = {}
        for column in table.columns:
            if isinstance(column.type, DateTime):
                self.convert[column.name] = _datetime
            elif isinstance(column.type, Date):
                self.convert[column.name] = _date
            elif isinstance(column.type, Boolean):
                self.convert[column.name] = _bool
        # (column, parent table) for every foreign key: used by the purge
        self.foreign_keys = [
            (fk.parent.name, fk.column.table.name) for fk in table.foreign_keys if fk.column.table.name in SYNCED_TABLES
        ]

    def row_maker(self, columns: tuple[str, ...]) -> Callable[[dict[str, Any]], list[Any]]:
        """A function turning a row's values (by column) into the database values in ``columns`` order."""
        maker = self._row_makers.get(columns)
        if maker is None:
            maker = self._row_makers[columns] = _row_maker(columns, self.convert)
        return maker

    def db_value(self, column: str, value: Any) -> Any:
        convert = self.convert.get(column)
        return convert(value) if convert else value


def _row_maker(
    columns: tuple[str, ...], convert: dict[str, Callable[[Any], Any]]
) -> Callable[[dict[str, Any]], list[Any]]:
    # itemgetter picks every column in one C call; only the few converted columns are touched again.
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda values: (values[columns[0]],))
    converted = [(index, convert[column]) for index, column in enumerate(columns) if column in convert]

    def make(values: dict[str, Any]) -> list[Any]:
        row = list(pick(values))
        for index, function in converted:
            row[index] = function(row[index])
        return row

    return make


def loads_many(texts: Sequence[str]) -> list[Any]:
    """``[json.loads(t) for t in texts]``, in one parse: per-call overhead dominates for small documents."""
    if not texts:
        return []
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except ValueError:
        values = None
    if values is None or len(values) != len(texts):
        values = [json.loads(text) for text in texts]  # one by one, so a bad text raises as it would alone
    return values


def _synced_tables() -> dict[str, TableInfo]:
    return {t.name: TableInfo(t) for t in Base.metadata.sorted_tables if t.name in SYNCED_TABLES}


TABLES = _synced_tables()
ORDER = {name: index for index, name in enumerate(TABLES)}  # parents before children
# An audit row's citizen_id is no foreign key (the log outlives what it names), but for a GDPR purge it
# counts as one: the audit rows about a purged citizen go with it, here and as they arrive from others
# (their detail texts quote search terms and what was written; see store/actions/erasure.py).
TABLES["audit_log"].foreign_keys.append(("citizen_id", "citizens"))


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _driver(conn: Connection) -> DBAPIConnection:
    """The driver connection under ``conn``, for bulk work without SQLAlchemy's per-row overhead."""
    driver = conn.connection.dbapi_connection
    if driver is None:  # only once the pool has invalidated it; a connection in use always has one
        raise RuntimeError("the database connection has been closed")
    return driver


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def load_entries(conn: Connection, table: str, row_ids: Sequence[str]) -> dict[str, list[Change]]:
    """All change-log entries of the given rows, with their bases."""
    found: dict[str, list[Change]] = defaultdict(list)
    for part in chunks(list(row_ids)):
        rows = conn.exec_driver_sql(
            "SELECT c.id, c.hlc, c.device_id, c.table_name, c.row_id, c.op, c.field, c.value, b.base, c.staff_id "
            "FROM change_log AS c LEFT JOIN sync_bases AS b ON b.change_id = c.id "
            f"WHERE c.table_name = ? AND c.row_id IN ({_marks(len(part))})",
            (table, *part),
        ).all()
        for row in rows:
            found[row[4]].append(Change(*row))
    return found


def store_changes(conn: Connection, changes: Sequence[Change]) -> None:
    """Add remote entries to the local change log (idempotent: an entry already here is skipped)."""
    if not changes:
        return  # an empty segment (one that replaced a damaged file); executemany would take [] as no rows
    conn.exec_driver_sql(
        f"INSERT OR IGNORE INTO change_log ({CHANGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
        [(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[9]) for c in changes],
    )
    with_base = [(c.id, c.base) for c in changes if c.base is not None]
    if with_base:
        conn.exec_driver_sql("INSERT OR IGNORE INTO sync_bases (change_id, base) VALUES (?,?)", with_base)


class Applier:
    """Materialises touched rows inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.purged_any = conn.exec_driver_sql("SELECT 1 FROM sync_purged LIMIT 1").first() is not None

    # --- purge ------------------------------------------------------------------------------

    def _is_purged(self, table: str, row_id: str) -> bool:
        return (
            self.conn.exec_driver_sql(
                "SELECT 1 FROM sync_purged WHERE table_name = ? AND row_id = ?", (table, row_id)
            ).first()
            is not None
        )

    def purge(self, table: str, row_id: str) -> int:
        """Remove a row and, transitively, every row pointing at it; blank their logged values; remember
        them so they are never re-created. Returns how many rows were removed."""
        closure: dict[str, set[str]] = defaultdict(set)
        closure[table].add(row_id)
        frontier = [(table, row_id)]
        while frontier:
            parent_table, parent_id = frontier.pop()
            for info in TABLES.values():
                for column, parent in info.foreign_keys:
                    if parent != parent_table:
                        continue
                    children = (
                        self.conn.exec_driver_sql(f'SELECT id FROM "{info.name}" WHERE "{column}" = ?', (parent_id,))
                        .scalars()
                        .all()
                    )
                    for child in children:
                        if child not in closure[info.name]:
                            closure[info.name].add(child)
                            frontier.append((info.name, child))
        self.conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        # Zero what is deleted instead of leaving it in free space in the file (the setting lasts for this
        # connection; deleting is rare in this app, so it costs next to nothing).
        self.conn.exec_driver_sql("PRAGMA secure_delete = ON")
        removed = 0
        for name in sorted(closure, key=lambda n: -ORDER.get(n, 0)):
            ids = sorted(closure[name])
            for part in chunks(ids):
                marks = _marks(len(part))
                if name in TABLES:
                    removed += self.conn.exec_driver_sql(
                        f'DELETE FROM "{name}" WHERE id IN ({marks})', tuple(part)
                    ).rowcount
                self.conn.exec_driver_sql(
                    f"UPDATE change_log SET value = NULL WHERE table_name = ? AND row_id IN ({marks}) "
                    "AND value IS NOT NULL",
                    (name, *part),
                )
                self.conn.exec_driver_sql(
                    f"DELETE FROM sync_conflicts WHERE table_name = ? AND row_id IN ({marks})", (name, *part)
                )
                self.conn.exec_driver_sql(
                    "INSERT OR IGNORE INTO sync_purged (table_name, row_id) VALUES (?, ?)",
                    [(name, row) for row in part],
                )
                if name == "citizens":
                    for citizen_id in part:
                        search_index_unindex(self.conn, citizen_id)
                    # A full-text index only marks deleted rows; merging it drops their terms for real.
                    self.conn.exec_driver_sql("INSERT INTO citizen_search (citizen_search) VALUES ('optimize')")
        self.purged_any = True
        return removed

    # --- materialise ----------------------------------------------------------------------

    def apply(self, changes: Sequence[Change], fresh: dict[str, set[str]] | None = None) -> list[tuple[str, str]]:
        """Bring every row the changes touch to its merged state. Returns unknown (table, row) pairs.
        ``fresh``: rows that had no change-log entries before these changes (their entries need not be
        read back from the database)."""
        self.fresh = fresh or {}
        self.parsed: dict[str, dict[str, Any]] = {}
        self.incoming: dict[tuple[str, str], list[Change]] = defaultdict(list)
        for change in changes:
            self.incoming[(change.table_name, change.row_id)].append(change)
        touched: dict[str, set[str]] = defaultdict(set)
        unknown: list[tuple[str, str, str]] = []
        inserts: list[tuple[Change, str]] = []  # with the row's JSON
        for change in changes:
            info = TABLES.get(change.table_name)
            if change.op == merge.PURGE:
                touched[change.table_name].add(change.row_id)
                continue
            if info is None:
                unknown.append((change.id, change.table_name, change.row_id))
                continue
            if change.op == merge.INSERT:
                if change.value:
                    inserts.append((change, change.value))
            elif change.op in (merge.UPDATE, merge.DELETE) and change.field not in info.column_set:
                unknown.append((change.id, change.table_name, change.row_id))
            touched[change.table_name].add(change.row_id)
        for (change, _), parsed in zip(inserts, loads_many([text for _, text in inserts]), strict=True):
            self.parsed[change.id] = parsed
            if not parsed.keys() <= TABLES[change.table_name].column_set:
                unknown.append((change.id, change.table_name, change.row_id))
        if unknown:
            self.conn.exec_driver_sql(
                "INSERT OR IGNORE INTO sync_unknown (change_id, table_name, row_id) VALUES (?,?,?)", unknown
            )
        for change in changes:
            if change.op == merge.PURGE and not self._is_purged(change.table_name, change.row_id):
                self.purge(change.table_name, change.row_id)
        recheck: dict[str, set[str]] = defaultdict(set)
        for table in sorted(touched, key=lambda n: ORDER.get(n, len(ORDER))):
            info = TABLES.get(table)
            if info is None:
                continue
            self._materialise(info, sorted(touched[table]), recheck)
        for table, rows in recheck.items():
            if table in TABLES and table not in APPEND_ONLY_TABLES:
                recompute_conflicts(self.conn, table, sorted(rows))
        return [(t, r) for _, t, r in unknown]

    def refold(self, rows: Sequence[tuple[str, str]]) -> None:
        """Re-merge these rows from all their logged entries (and their conflicts)."""
        self.fresh, self.parsed = {}, {}
        by_table: dict[str, set[str]] = defaultdict(set)
        for table, row_id in rows:
            by_table[table].add(row_id)
        recheck: dict[str, set[str]] = defaultdict(set)
        for table in sorted(by_table, key=lambda n: ORDER.get(n, len(ORDER))):
            if table in TABLES:
                self._materialise(TABLES[table], sorted(by_table[table]), recheck)
        for table, ids in recheck.items():
            if table in TABLES and table not in APPEND_ONLY_TABLES:
                recompute_conflicts(self.conn, table, sorted(ids))

    def _materialise(self, info: TableInfo, row_ids: list[str], recheck: dict[str, set[str]]) -> None:
        fresh = self.fresh.get(info.name, set())
        stored = [row_id for row_id in row_ids if row_id not in fresh]
        entries = load_entries(self.conn, info.name, stored) if stored else {}
        for row_id in row_ids:
            if row_id in fresh:
                entries[row_id] = self.incoming[(info.name, row_id)]
        upserts: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        # New rows (no earlier entries here) are plain INSERTs: an upsert whose SET names foreign-key
        # columns costs SQLite over twice as much per row, even when there is no conflict.
        inserts: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        indexed: list[tuple[str, dict[str, Any]]] = []
        for row_id in row_ids:
            row_entries = entries.get(row_id, [])
            if self.purged_any and self._is_purged(info.name, row_id):
                if self._exists(info.name, row_id):
                    self.purge(info.name, row_id)  # never left standing, however it came back
                else:
                    self._scrub(info.name, row_id)
                continue
            single = row_entries[0] if len(row_entries) == 1 else None
            if single is not None and single.op == merge.INSERT and single.id in self.parsed:
                values = self.parsed[single.id]  # the common case: a new row, one insert (no fold needed)
                if not values.keys() <= info.column_set:
                    values = {k: v for k, v in values.items() if k in info.column_set}
            else:
                folded = merge.fold(row_entries, self.parsed)
                if folded.purged:
                    if not self._is_purged(info.name, row_id):
                        self.purge(info.name, row_id)  # a blanked row from a device that has purged it
                    continue
                if not folded.exists:
                    continue  # changes to a row whose insert has not arrived: kept in change_log until it does
                values = {k: v for k, v in folded.values.items() if k in info.column_set}
                if any(values.get(c, "") is None for c in info.not_null):
                    # A change blanked by a purge elsewhere (a segment rewritten after the purge) arrived
                    # before the purge entry itself: keep it in change_log; the purge will scrub the row.
                    continue
            values["id"] = row_id
            if self.purged_any and self._points_at_purged(info, values):
                self.purge(info.name, row_id)
                self._scrub(info.name, row_id)
                continue
            columns = tuple(values)
            (inserts if row_id in fresh else upserts)[columns].append(info.row_maker(columns)(values))
            if single is None or single.op != merge.INSERT or info.name == "conflict_resolutions":
                recheck[info.name].add(row_id)
            if info.name == "conflict_resolutions":
                recheck[str(values.get("table_name"))].add(str(values.get("row_id")))
            if info.name == "citizens":
                indexed.append((row_id, values))
        cursor = _driver(self.conn).cursor()  # plain executemany: no per-row wrapping
        for columns, rows in inserts.items():
            try:
                cursor.executemany(
                    f'INSERT INTO "{info.name}" ({_names(columns)}) VALUES ({_marks(len(columns))})', rows
                )
            except sqlite_driver.IntegrityError:
                upserts[columns].extend(rows)  # a row without entries exists after all: the rows before it
                # went in (only the failing statement is undone), and the upsert below writes them all again
        for columns, rows in upserts.items():
            updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id") or '"id" = "id"'
            cursor.executemany(
                f'INSERT INTO "{info.name}" ({_names(columns)}) VALUES ({_marks(len(columns))}) '
                f"ON CONFLICT(id) DO UPDATE SET {updates}",
                rows,
            )
        for citizen_id, values in indexed:
            if values.get("deleted_at") is None:
                search_index_index(self.conn, citizen_id, values)
            else:
                search_index_unindex(self.conn, citizen_id)

    def _points_at_purged(self, info: TableInfo, values: dict[str, Any]) -> bool:
        return any(
            values.get(column) is not None and self._is_purged(parent, values[column])
            for column, parent in info.foreign_keys
        )

    def _exists(self, table: str, row_id: str) -> bool:
        return self.conn.exec_driver_sql(f'SELECT 1 FROM "{table}" WHERE id = ?', (row_id,)).first() is not None

    def _scrub(self, table: str, row_id: str) -> None:
        self.conn.exec_driver_sql(
            "UPDATE change_log SET value = NULL WHERE table_name = ? AND row_id = ? AND value IS NOT NULL",
            (table, row_id),
        )


def fresh_rows(conn: Connection, changes: Sequence[Change]) -> dict[str, set[str]]:
    """Rows the changes touch that have no entries in the change log yet (call before storing them)."""
    by_table: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        by_table[change.table_name].add(change.row_id)
    fresh: dict[str, set[str]] = {}
    for table, ids in by_table.items():
        known: set[str] = set()
        listed = sorted(ids)
        for part in chunks(listed):
            known.update(
                row[0] for row in _driver(conn).execute(
                    f"SELECT DISTINCT row_id FROM change_log WHERE table_name = ? AND row_id IN ({_marks(len(part))})",
                    (table, *part),
                )
            )  # fmt: skip
        fresh[table] = ids - known
    return fresh


def search_index_index(conn: Connection, citizen_id: str, values: dict[str, Any]) -> None:
    rowid = search_index.search_rowid(citizen_id)
    conn.exec_driver_sql("DELETE FROM citizen_search WHERE rowid = ?", (rowid,))
    conn.exec_driver_sql(
        "INSERT INTO citizen_search (rowid, citizen_id, terms) VALUES (?, ?, ?)",
        (
            rowid,
            citizen_id,
            search_index.citizen_terms(values.get("name") or "", values.get("cpr"), values.get("phone")),
        ),
    )


def search_index_unindex(conn: Connection, citizen_id: str) -> None:
    conn.exec_driver_sql("DELETE FROM citizen_search WHERE rowid = ?", (search_index.search_rowid(citizen_id),))


def recompute_conflicts(conn: Connection, table: str, row_ids: Sequence[str]) -> None:
    """Replace the stored open conflicts of these rows by the ones the merge rules give now."""
    entries = load_entries(conn, table, row_ids)
    resolved: dict[str, set[str]] = defaultdict(set)
    for part in chunks(list(row_ids)):
        for row_id, change_id in conn.exec_driver_sql(
            f"SELECT row_id, change_id FROM conflict_resolutions WHERE table_name = ? AND row_id IN ({_marks(len(part))})",
            (table, *part),
        ):
            resolved[row_id].add(change_id)
        conn.exec_driver_sql(
            f"DELETE FROM sync_conflicts WHERE table_name = ? AND row_id IN ({_marks(len(part))})", (table, *part)
        )
    rows = []
    for row_id in row_ids:
        for conflict in merge.conflicts(entries.get(row_id, []), resolved[row_id]):
            loser, winner = conflict.loser, conflict.winner
            winner_value = winner.value
            if winner.op == merge.INSERT and winner.value is not None:
                winner_value = json.dumps(json.loads(winner.value).get(conflict.field), ensure_ascii=False,
                                          separators=(",", ":"))  # fmt: skip
            rows.append((loser.id, table, row_id, conflict.field, loser.value, loser.hlc, loser.device_id,
                         winner.id, winner_value, winner.hlc, winner.device_id))  # fmt: skip
    if rows:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO sync_conflicts (loser_id, table_name, row_id, field, loser_value, loser_hlc, "
            "loser_device, winner_id, winner_value, winner_hlc, winner_device) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )


def apply_batches(changes: Sequence[Change], size: int) -> list[list[Change]]:
    """Split one segment's changes into batches of about ``size`` that can each be applied and committed on
    their own, so a person's save waits for one batch, not for a whole 20 000-change segment.

    A row's changes always stay together (a row is merged from all its entries), and rows come in the
    models' dependency order (parents before children) and, within a table, in the order the other laptop
    first wrote them — so a row a batch points at is in the same batch or an earlier one. Should a foreign
    key still fail, the caller applies the rest of the segment in one transaction instead."""
    if len(changes) <= size:
        return [list(changes)]
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.table_name, change.row_id), []).append(change)
    order = sorted(groups, key=lambda key: ORDER.get(key[0], len(ORDER)))  # stable: first-written order kept
    batches: list[list[Change]] = [[]]
    for key in order:
        if batches[-1] and len(batches[-1]) + len(groups[key]) > size:
            batches.append([])
        batches[-1].extend(groups[key])
    return batches

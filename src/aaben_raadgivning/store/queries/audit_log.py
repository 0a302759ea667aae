"""The audit log as a person reads it: who did what, when, to which citizen — newest first, a page at a time.

Pages are read by keyset (the last row's time and id), never by offset, so page 100 costs what page 1 costs.
Each filter has an index that yields rows already in order (``ix_audit_log_*_at``: the filter's column, then
time and id), and SQLite is told which one (``INDEXED BY``) so a page reads about ``limit`` index entries
whatever the table's size. A filter on several values (a kind of action covers several action codes; a
citizen search may match several citizens) reads one ordered stream per value and merges them: each stream
stops after ``limit`` rows, so a page never sorts the whole log.

Only roles with the «audit» read scope (assets/permissions.toml) get rows; any other role gets none.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from aaben_raadgivning.domain.clock import local_day_bounds, to_local
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.audit_labels import ACTION_LABELS, action_label  # noqa: F401 (re-exported)
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import Staff
from aaben_raadgivning.store.queries.viewer import Viewer

PAGE_SIZE = 50
STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
AUDIT_SCOPE = "audit"


@dataclass(frozen=True)
class ActionKind:
    code: str
    label: str
    actions: tuple[str, ...]


# The kinds of action the audit screen filters by (Datatilsynet: read, search, change, extract, delete).
ACTION_KINDS = (
    ActionKind("lookup", "Opslag og søgninger", ("search", "read", "audit_view")),
    ActionKind("change", "Oprettelser og ændringer", ("create", "update", "import", "delete", "resolve",
                                                       "sweep", "repair")),
    ActionKind("extract", "Udtræk, udskrifter og indsigt", ("export", "print", "indsigt")),
    ActionKind("purge", "Sletning (GDPR)", ("purge",)),
    ActionKind("login", "Log ind og adgangskoder", ("login", "logout", "login_failed", "password_changed",
                                                    "password_change_failed", "password_reset", "password_rehash")),
)  # fmt: skip
KINDS = {kind.code: kind for kind in ACTION_KINDS}


@dataclass(frozen=True)
class AuditFilter:
    staff_id: str | None = None
    # None: every citizen (and rows about none); a tuple: only rows about these citizens (empty: no rows).
    citizen_ids: tuple[str, ...] | None = None
    date_from: date | None = None  # Danish calendar days, both included
    date_to: date | None = None
    kind: str | None = None  # a code of ACTION_KINDS

    def describe(self, staff_label: str = "", citizen_label: str = "") -> str:
        """The filter in Danish, for the audit entry of viewing the log (the criterion of the look-up)."""
        parts = []
        if self.staff_id:
            parts.append(f"medarbejder {staff_label or self.staff_id}")
        if self.citizen_ids is not None:
            parts.append(f"borger {citizen_label}" if citizen_label else f"{len(self.citizen_ids)} borgere")
        if self.date_from:
            parts.append(f"fra {format_date(self.date_from)}")
        if self.date_to:
            parts.append(f"til {format_date(self.date_to)}")
        if self.kind:
            parts.append(KINDS[self.kind].label.lower())
        return ", ".join(parts) or "alle"


@dataclass(frozen=True)
class AuditRow:
    id: str
    at: datetime  # naive UTC
    staff_id: str | None
    staff_initials: str
    staff_name: str
    action: str
    entity: str
    entity_id: str | None
    citizen_id: str | None
    citizen_name: str
    detail: str
    device_id: str
    chained: bool  # False: written before the hash chain existed ("fra før kæden")

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def local_time(self) -> datetime:
        return to_local(self.at)

    @property
    def who(self) -> str:
        return self.staff_initials or "system"

    @property
    def key(self) -> tuple[str, str]:
        """The row's place in the order (newest first = largest key first)."""
        return (self.at.strftime(STORED_FORMAT), self.id)


_SELECT = (
    "SELECT a.id, a.at, a.staff_id, s.initials, s.name, a.action, a.entity, a.entity_id, a.citizen_id, c.name, "
    "a.detail, a.device_id, a.chain_seq FROM audit_log AS a INDEXED BY {index} "
    "LEFT JOIN staff AS s ON s.id = a.staff_id LEFT JOIN citizens AS c ON c.id = a.citizen_id"
)
_INDEX = {
    None: "ix_audit_log_at_id",
    "staff_id": "ix_audit_log_staff_at",
    "citizen_id": "ix_audit_log_citizen_at",
    "action": "ix_audit_log_action_at",
    "staff_action": "ix_audit_log_staff_action_at",  # a staff member's actions of one kind
}


def _marks(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _stream(
    conn: Connection,
    flt: AuditFilter,
    driver: str | None,
    value: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[AuditRow]:
    """Up to ``limit`` rows after ``after`` in one ordered index: ``driver`` = ``value`` (or all rows)."""
    where: list[str] = []
    params: list[object] = []
    if driver == "staff_action":
        where.append("a.staff_id = ? AND a.action = ?")
        params.extend((flt.staff_id, value))
    elif driver is not None:
        where.append(f"a.{driver} = ?")
        params.append(value)
    if flt.staff_id is not None and driver not in ("staff_id", "staff_action"):
        where.append("a.staff_id = ?")
        params.append(flt.staff_id)
    if flt.citizen_ids is not None and driver != "citizen_id":
        where.append(f"a.citizen_id IN ({_marks(len(flt.citizen_ids))})")
        params.extend(flt.citizen_ids)
    if flt.kind is not None and driver not in ("action", "staff_action"):
        actions = KINDS[flt.kind].actions
        where.append(f"a.action IN ({_marks(len(actions))})")
        params.extend(actions)
    if flt.date_from is not None:
        where.append("a.at >= ?")
        params.append(local_day_bounds(flt.date_from)[0].strftime(STORED_FORMAT))
    if flt.date_to is not None:
        where.append("a.at < ?")
        params.append(local_day_bounds(flt.date_to)[1].strftime(STORED_FORMAT))
    if after is not None:
        where.append("a.at <= ? AND (a.at < ? OR a.id < ?)")
        params.extend((after[0], after[0], after[1]))
    sql = _SELECT.format(index=_INDEX[driver])
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.at DESC, a.id DESC LIMIT ?"
    params.append(limit)
    return [audit_row(r) for r in conn.exec_driver_sql(sql, tuple(params)).all()]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def audit_row(r: Sequence[object]) -> AuditRow:
    at = r[1] if isinstance(r[1], datetime) else datetime.fromisoformat(str(r[1]))
    return AuditRow(
        id=str(r[0]), at=at, staff_id=_text(r[2]), staff_initials=str(r[3] or ""), staff_name=str(r[4] or ""),
        action=str(r[5]), entity=str(r[6] or ""), entity_id=_text(r[7]), citizen_id=_text(r[8]),
        citizen_name=str(r[9] or ""), detail=str(r[10] or ""), device_id=str(r[11]), chained=r[12] is not None,
    )  # fmt: skip


def may_read_audit(role: str | None) -> bool:
    return load_permissions().may_read(role, AUDIT_SCOPE)


def read_audit_page(
    conn: Connection, flt: AuditFilter, after: AuditRow | None = None, limit: int = PAGE_SIZE
) -> list[AuditRow]:
    """One page on an open connection (no permission check: for the store's own reports)."""
    key = after.key if after is not None else None
    streams: list[tuple[str | None, str | None]]
    if flt.citizen_ids is not None:
        streams = [("citizen_id", c) for c in sorted(set(flt.citizen_ids))]
    elif flt.kind is not None:
        by = "action" if flt.staff_id is None else "staff_action"
        streams = [(by, action) for action in KINDS[flt.kind].actions]
    elif flt.staff_id is not None:
        streams = [("staff_id", flt.staff_id)]
    else:
        streams = [(None, None)]
    rows: list[AuditRow] = []
    for driver, value in streams:
        rows.extend(_stream(conn, flt, driver, value, key, limit))
    if len(streams) > 1:
        rows = heapq.nlargest(limit, rows, key=lambda row: row.key)
    return rows


def audit_page(
    db: Database, role: str | None, flt: AuditFilter, after: AuditRow | None = None, limit: int = PAGE_SIZE
) -> list[AuditRow]:
    """The page of the audit log after ``after`` (None: the newest), for a person with ``role``."""
    if not may_read_audit(role):
        return []
    with db.engine.connect() as conn:
        rows = read_audit_page(conn, flt, after, limit)
        conn.rollback()
    return rows


def staff_choices(db: Database) -> list[tuple[str, str]]:
    """(label, staff id) for the staff filter: everyone who has ever worked here, by initials."""
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, initials, name FROM staff ORDER BY initials").all()
        conn.rollback()
    return [(f"{initials} · {name}", str(staff_id)) for staff_id, initials, name in rows]


def staff_by_initials(db: Database, initials: str) -> str | None:
    with db.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT id FROM staff WHERE upper(initials) = upper(?) ORDER BY deleted_at IS NOT NULL LIMIT 1",
            (initials.strip(),),
        ).first()
        conn.rollback()
    return str(row[0]) if row else None


def viewer_of_staff(db: Database, staff_id: str) -> Viewer:
    """A staff member as a reader (the command line's ``--as``; an unknown id reads nothing)."""
    with db.session() as session:
        staff = session.get(Staff, staff_id)
        return Viewer.of(staff) if staff is not None else Viewer(staff_id, None)


def before_chain_count(db: Database) -> int:
    """How many audit rows are from before the hash chain (not protected by it)."""
    with db.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE chain_seq IS NULL").scalar_one()
        conn.rollback()
    return int(count)

"""The unit of work behind every user action.

A user action opens one ``Tx``; everything it writes — the rows, their change-log entries and the
audit entry — commits together or not at all. Mutable rows are changed through ``update`` so each
changed field gets its own change-log entry (the sync merges field by field); append-only rows are
only ever ``add``-ed.

Every change-log entry records who made it: the person of the transaction's audit entry (each action
writes one), stamped also on the entries logged before the audit call. The sync carries it, so the
conflicts screen can say who wrote each value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aaben_raadgivning.changes.hlc import HybridLogicalClock
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import new_id
from aaben_raadgivning.store import audit_chain
from aaben_raadgivning.store.models import (
    APPEND_ONLY_TABLES,
    AuditEntry,
    ChangeLogEntry,
)
from aaben_raadgivning.store.rows import dumps, row_dict, to_plain


class Tx:
    calendar: WorkdayCalendar | None = None  # set by Database.transaction; None = helligdage only

    def __init__(self, session: Session, clock: HybridLogicalClock, device_id: str, now: datetime) -> None:
        self.session = session
        self._clock = clock
        self._device_id = device_id
        self.now = now
        self.staff_id: str | None = None  # who acts (from the first audit entry naming a person)
        self._unstamped: list[ChangeLogEntry] = []
        self._witnessed: set[tuple[str, str]] = set()

    def _witness_row(self, table: str, row_id: str) -> None:
        """Stamp an edit after the newest change of its row, even one from a peer whose clock runs far
        ahead (the drift bound kept that stamp out of our clock): otherwise the edit would lose the
        merge to the very value it replaced, here as on every other replica."""
        newest = self.session.execute(
            select(func.max(ChangeLogEntry.hlc)).where(
                ChangeLogEntry.table_name == table, ChangeLogEntry.row_id == row_id
            )
        ).scalar()
        if newest is not None:
            self._clock.witness(newest)
        self._witnessed.add((table, row_id))

    def _log(self, table: str, row_id: str, op: str, field: str | None, value: Any) -> None:
        if op != "insert" and (table, row_id) not in self._witnessed:
            self._witness_row(table, row_id)
        entry = ChangeLogEntry(
            id=new_id(),
            hlc=self._clock.now(),
            device_id=self._device_id,
            table_name=table,
            row_id=row_id,
            op=op,
            field=field,
            value=dumps(value),
            staff_id=self.staff_id,
        )
        self.session.add(entry)
        if self.staff_id is None:
            self._unstamped.append(entry)

    def add(self, obj: Any) -> Any:
        """Insert a new row and log it whole."""
        if not getattr(obj, "id", None):
            obj.id = new_id()
        self.session.add(obj)
        self.session.flush()  # fills column defaults so the logged row is complete
        self._log(obj.__tablename__, obj.id, "insert", None, row_dict(obj))
        return obj

    def update(self, obj: Any, **fields: Any) -> list[str]:
        """Change fields of a mutable row; logs only the fields whose value really changed."""
        table = obj.__tablename__
        if table in APPEND_ONLY_TABLES:
            raise TypeError(f"{table} is append-only; add a new row instead")
        changed = []
        for name, value in fields.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                self._log(table, obj.id, "update", name, to_plain(value))
                changed.append(name)
        return changed

    def tombstone(self, obj: Any) -> None:
        """Mark a mutable row deleted; the tombstone syncs like any other change."""
        obj.deleted_at = self.now
        self._log(obj.__tablename__, obj.id, "delete", "deleted_at", to_plain(self.now))

    def purge(self, table: str, row_id: str) -> None:
        """Log a GDPR purge of a row; the sync removes the row and what points at it on every device."""
        self._log(table, row_id, "purge", None, None)

    def audit(
        self,
        staff_id: str | None,
        action: str,
        entity: str = "",
        entity_id: str | None = None,
        citizen_id: str | None = None,
        detail: str = "",
    ) -> AuditEntry:
        if staff_id is not None and self.staff_id is None:
            self.staff_id = staff_id
            for entry in self._unstamped:
                entry.staff_id = staff_id
            self._unstamped.clear()
        audit_entry = AuditEntry(
            id=new_id(),
            at=self.now,
            staff_id=staff_id,
            device_id=self._device_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            citizen_id=citizen_id,
            detail=detail,
        )
        # The next link of this device's hash chain (store/audit_chain.py), before the row is logged for sync.
        seq, prev = audit_chain.next_link(self.session, self._device_id)
        values = {name: getattr(audit_entry, name) for name in audit_chain.FIELDS}
        audit_entry.chain_seq, audit_entry.chain_prev = seq, prev
        audit_entry.chain_hash = audit_chain.link_hash(prev, seq, values)
        audit_chain.remember_head(self.session, seq, audit_entry.chain_hash)
        return self.add(audit_entry)

"""A change: one change-log entry as it travels between replicas (the unit the merge rules work on)."""

from __future__ import annotations

from typing import Any, NamedTuple


class Change(NamedTuple):
    """One change-log entry as it travels: ``value`` is the JSON text exactly as logged; ``staff_id`` is
    the person whose action made it (None for system work and entries from before it was recorded).
    A named tuple, not a dataclass: a sync handles tens of thousands of these, and ``change[:8]`` is the
    change-log row."""

    id: str
    hlc: str
    device_id: str
    table_name: str
    row_id: str
    op: str
    field: str | None
    value: str | None
    base: str | None = None
    staff_id: str | None = None

    def line(self) -> list[Any]:
        return [self.id, self.hlc, self.table_name, self.row_id, self.op, self.field, self.value, self.base,
                self.staff_id]  # fmt: skip

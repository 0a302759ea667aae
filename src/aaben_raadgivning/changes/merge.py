"""The merge rules, as pure functions of a row's change-log entries (no database here). The rules are
M1-M12 in docs/sync-spec.md; in short:

- A row's state is, per field, the value of the entry with the greatest stamp (HLC, device id — the
  stamp string sorts that way) among the entries that set the field: an ``insert`` sets every field
  it carries, an ``update`` or ``delete`` (tombstone) sets one. The row exists once any insert is known.
  Folding in stamp order makes the result independent of the order changes arrived in.
- A ``purge`` entry removes the row for good (GDPR): it is never materialised again.
- Conflicts: an update/delete entry L *lost a conflict* when it is not the field's winner, its value
  differs from the winner's, and nobody overwrote it knowingly — no entry of the field has as its
  ``base`` (the version its writer had when writing) L itself, or a version at least as new as L holding
  the same value — and no person has resolved it. Inserts never
  count as conflict losers: rows several laptops derive independently (deterministic ids) merge
  silently. This is a pure function of the set of entries, so every replica with the same changes has
  the same conflict list.
- Final fields (M13, :data:`FINAL_FIELDS`): once an entry sets a row's final field (a consent's
  ``withdrawn_at``), the row is frozen as it was at that stamp: a later-stamped entry to any of its fields
  but ``deleted_at`` never wins, whatever the clocks say — it loses, and is shown as a conflict. So a
  renewal made offline on another laptop can never un-withdraw a consent (privacy first).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aaben_raadgivning.changes.change import Change

INSERT, UPDATE, DELETE, PURGE = "insert", "update", "delete", "purge"

# M13: table -> its final field. The action setting it must write it last (its other fields first).
FINAL_FIELDS: dict[str, str] = {"consents": "withdrawn_at"}
UNFROZEN_FIELDS = frozenset({"deleted_at"})  # a tombstone still works on a frozen row


@dataclass(frozen=True)
class FoldedRow:
    exists: bool
    purged: bool
    values: dict[str, Any]
    # field -> the winning entry (for conflict computation and display)
    winners: dict[str, Change]


@dataclass(frozen=True)
class Conflict:
    loser: Change
    winner: Change

    @property
    def field(self) -> str:
        return self.loser.field or ""


def _stamp(change: Change) -> tuple[str, str]:
    return (change.hlc, change.id)


def frozen_at(entries: Sequence[Change], parsed: dict[str, dict[str, Any]] | None = None) -> tuple[str, str] | None:
    """M13: the stamp of the first entry that set the row's final field (None: not set, or no final field)."""
    final = FINAL_FIELDS.get(entries[0].table_name) if entries else None
    if final is None:
        return None
    first: tuple[str, str] | None = None
    for entry in entries:
        if entry.value is None or (first is not None and _stamp(entry) >= first):
            continue
        if entry.op in (UPDATE, DELETE) and entry.field == final:
            is_set = _value(entry) is not None
        elif entry.op == INSERT:
            is_set = ((parsed or {}).get(entry.id) or json.loads(entry.value)).get(final) is not None
        else:
            continue
        if is_set:
            first = _stamp(entry)
    return first


def is_frozen_field(table: str, field: str) -> bool:
    """Whether M13 can freeze this field (its table has a final field)."""
    return table in FINAL_FIELDS and field not in UNFROZEN_FIELDS


def fold(entries: Iterable[Change], parsed: dict[str, dict[str, Any]] | None = None) -> FoldedRow:
    """``parsed``: insert values already decoded, by change id (an optimisation only)."""
    ordered = sorted(entries, key=_stamp)
    parsed = parsed or {}
    frozen = frozen_at(ordered, parsed)
    values: dict[str, Any] = {}
    winners: dict[str, Change] = {}
    exists = purged = False
    for entry in ordered:
        late = frozen is not None and _stamp(entry) > frozen  # M13: after the final field was set
        if entry.op == PURGE:
            purged = True
        elif entry.op == INSERT:
            if entry.value is None:
                purged = True  # only a purge blanks a logged row
                continue
            exists = True
            row = parsed.get(entry.id) or json.loads(entry.value)
            for key in row:
                if not late or key in UNFROZEN_FIELDS:
                    values[key] = row[key]
                    winners[key] = entry
        elif entry.op in (UPDATE, DELETE) and entry.field is not None:
            if late and entry.field not in UNFROZEN_FIELDS:
                continue
            values[entry.field] = _value(entry)
            winners[entry.field] = entry
    if purged:
        return FoldedRow(False, True, {}, {})
    return FoldedRow(exists, False, values, winners)


def _value(entry: Change) -> Any:
    """The entry's decoded value; None also for a value blanked by a purge."""
    return None if entry.value is None else json.loads(entry.value)


def _field_value(entry: Change, field: str) -> Any:
    value = _value(entry)
    return value.get(field) if entry.op == INSERT else value


def conflicts(entries: Sequence[Change], resolved: Iterable[str] = ()) -> list[Conflict]:
    """Open conflicts of one row (see the module docstring). ``resolved``: loser ids a person resolved."""
    folded = fold(entries)
    if folded.purged:
        return []
    done = set(resolved)
    # per field: the versions writers had when they wrote (their bases), with the value each showed
    setters: dict[str, dict[str, Change]] = {}
    for entry in entries:
        if entry.op == INSERT and entry.value is not None:
            for key in json.loads(entry.value):
                setters.setdefault(key, {})[entry.hlc] = entry
        elif entry.field is not None:
            setters.setdefault(entry.field, {})[entry.hlc] = entry
    seen: dict[str, list[tuple[str, Any]]] = {}
    for entry in entries:
        if entry.field is not None and entry.base is not None:
            base = setters[entry.field].get(entry.base)
            if base is not None:  # a version not (yet) known here holds no known value (M9)
                seen.setdefault(entry.field, []).append((entry.base, _field_value(base, entry.field)))
    found = []
    for entry in entries:
        if entry.op not in (UPDATE, DELETE) or entry.field is None or entry.id in done:
            continue
        winner = folded.winners[entry.field]
        mine = _value(entry)
        if winner.id == entry.id or _field_value(winner, entry.field) == mine:
            continue  # the winner itself, or the same value: nothing was lost (M8)
        # Overwritten knowingly (M9): a writer had this very version, or the same value from a version at
        # least as new (two laptops that wrote the same value, then one of them was edited on).
        if any(
            stamp >= entry.hlc and (stamp == entry.hlc or value == mine) for stamp, value in seen.get(entry.field, [])
        ):
            continue
        found.append(Conflict(entry, winner))
    found.sort(key=lambda c: _stamp(c.loser))
    return found

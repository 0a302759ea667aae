"""The daily follow-up sweep: bring derived follow-up tasks up to date as days pass.

Actions recompute a citizen's tasks when the facts change; this recomputes the citizens for whom only the
*date* changed something since the last sweep (store.follow_ups.sweep.sweep_candidates: an event day, a
project or course start, or the end of a LAB § 31 period or of a course's first year passed). It runs at
most once a day per database: the date of the last sweep is kept in ``local_meta`` and written with the
last batch, so a sweep cut short is simply done again, and a second run the same day writes nothing.

Each batch of citizens is one transaction through ``Tx`` — rows, change log, and one audit entry for the
batch (actor None: the system) when anything changed. Task ids are ``derived_id(citizen, rule key)`` and
the recompute is idempotent, so two laptops sweeping offline make the same rows and converge after a sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.follow_ups.recompute import recompute_follow_ups
from aaben_raadgivning.store.follow_ups.sweep import (
    last_sweep_date,
    record_sweep_date,
    sweep_candidates,
)

BATCH_SIZE = 100  # citizens per transaction (~0.3 s): a user's own action never waits long for the lock
AUDIT_ACTION = "sweep"


@dataclass
class SweepResult:
    day: date
    since: date | None  # the previous sweep; None = never swept (every citizen was a candidate)
    already_done: bool = False  # swept earlier today: nothing read or written
    candidates: int = 0
    changed_citizens: int = 0
    created: int = 0
    moved: int = 0
    removed: int = 0
    updated: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.changed_citizens > 0

    def describe(self) -> str:
        """Danish one-liner for the command line and the log."""
        if self.already_done:
            return f"Opfølgningerne er allerede opdateret i dag ({format_date(self.day)})."
        return (
            f"Opfølgningerne er opdateret til {format_date(self.day)}: {self.candidates} borgere gennemgået, "
            f"{self.changed_citizens} med ændringer ({self.created} nye, {self.moved} flyttet, "
            f"{self.removed} fjernet, {self.updated} med ny tekst)."
        )


def mark_swept(db: Database, day: date) -> None:
    """Record ``day`` as swept without sweeping: for a database whose tasks were all derived on that day
    (the demo generator, test fixtures)."""
    with db.transaction() as tx:
        record_sweep_date(tx.session, day)


def sweep_follow_ups(
    db: Database,
    today: date | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[float, str], None] | None = None,
) -> SweepResult:
    """Recompute the derived follow-up tasks of every citizen the date change since the last sweep can
    affect. ``today``: the Danish date (default: the database clock's)."""
    started = time.perf_counter()
    today = today or local_date(db.now())
    rules = load_rules()
    calendar = db.calendar or WorkdayCalendar()
    with db.session() as session:
        since = last_sweep_date(session)
        if since == today:
            return SweepResult(today, since, already_done=True)
        ids = sweep_candidates(session, since, today, rules)
    result = SweepResult(today, since, candidates=len(ids))
    batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)] or [[]]
    for number, batch in enumerate(batches, start=1):
        if progress is not None:
            progress(
                (number - 1) / len(batches),
                f"Opfølgninger: {min((number - 1) * batch_size, len(ids))} af {len(ids)} borgere",
            )
        with db.transaction() as tx:
            changed = 0
            for citizen_id in batch:
                found = recompute_follow_ups(tx, citizen_id, rules=rules, calendar=calendar, today=today)
                if found.changed:
                    changed += 1
                    result.created += len(found.created)
                    result.moved += len(found.moved)
                    result.removed += len(found.removed)
                    result.updated += len(found.updated)
            if changed:
                tx.audit(
                    None, AUDIT_ACTION, "follow_up_task",
                    detail=f"Opfølgninger opdateret til {format_date(today)}: {changed} borgere",
                )  # fmt: skip
            result.changed_citizens += changed
            if number == len(batches):
                record_sweep_date(tx.session, today)  # with the last batch: an interrupted sweep is redone
        result.batches += 1
    if progress is not None:
        progress(1.0, "Opfølgningerne er opdateret")
    result.seconds = time.perf_counter() - started
    return result

"""Reading results is audited when it shows personal data (the fremmøde per citizen), with its criterion (month,
filters). A results report written to a file is audited by store/documents/results_report.py."""

from __future__ import annotations

from datetime import date

from aaben_raadgivning.domain.hours import format_month
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.queries.results import RESULTS_SCOPE, ResultsFilter
from aaben_raadgivning.store.records import authorize_read


def describe_criterion(month: date, filters: ResultsFilter, staff_label: str = "") -> str:
    """The month and filters in Danish, e.g. «november 2026, boligområde Nørrebro, medarbejder JK»."""
    parts = [format_month(month)]
    if filters.housing_area:
        parts.append(f"boligområde {filters.housing_area}")
    if filters.staff_id:
        parts.append(f"medarbejder {staff_label or filters.staff_id}")
    if filters.step_model:
        parts.append(f"trinmodel {filters.step_model}")
    return ", ".join(parts)


def record_results_read(db: Database, actor_id: str | None, criterion: str, citizens: int) -> None:
    """The fremmøde per citizen was shown (names with case figures): audited with its criterion, not the names."""
    with db.transaction() as tx:
        if actor_id is not None:  # None: the command line at the machine, with the office key
            authorize_read(tx, actor_id, RESULTS_SCOPE)
        tx.audit(actor_id, "read", "results", None, None, f"Resultater vist: {criterion} ({citizens} borgere)")

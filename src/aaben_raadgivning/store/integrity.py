"""The integrity check behind ``aaben-raadgivning check``: is the file sound, and do the rules hold?

Each check reports problems in plain Danish for the person at the office (who will read them to
support over the phone). Only the search index is repaired here: it is derived data, rebuilt from
the citizens table. Everything else points at a backup or support, because guessing would lose data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from aaben_raadgivning.store import search_index
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import APPEND_ONLY_TABLES, SYNCED_TABLES

# Danish names of the tables, for messages.
TABLE_NAMES = {
    "offices": "kontorer",
    "staff": "medarbejdere",
    "citizens": "borgere",
    "walk_ins": "henvendelser",
    "walk_in_transitions": "henvendelsernes forløb",
    "events": "tidslinjehændelser",
    "follow_up_tasks": "opfølgninger",
    "sub_goals": "delmål",
    "audit_log": "logningen af opslag og ændringer",
    "change_log": "ændringsloggen",
    "conflict_resolutions": "afgjorte synkroniseringskonflikter",
    "companies": "virksomheder",
    "company_contacts": "kontaktpersoner",
    "agreements": "aftaler",
    "hours_reports": "timeopgørelser",
    "citizen_outcomes": "udfald",
}
MAX_DETAILS = 5  # lines shown per problem; the rest are counted


@dataclass(frozen=True)
class Problem:
    check: str  # which check found it: "integrity", "foreign_keys", "search_index", "change_log", "sync", "purge",
    # "audit_chain"
    message: str  # Danish
    repairable: bool = False


@dataclass(frozen=True)
class CheckResult:
    """One check: its Danish title and the problems it found (empty = in order)."""

    title: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _table(name: str) -> str:
    return TABLE_NAMES.get(name, name)


def _rows(count: int) -> str:
    return "1 række" if count == 1 else f"{count} rækker"


REFRESH_FULL_TEXT = "SELECT rowid FROM citizen_search WHERE citizen_search MATCH '\"a\"' LIMIT 1"


def check_file(connection: Connection) -> tuple[Problem, ...]:
    """SQLite's own check of pages, indexes and constraints (and, since SQLite 3.44, of full-text indexes)."""
    # A full-text query first: FTS5 caches its index structure per connection and refreshes it when a query
    # starts, but integrity_check's FTS5 part uses the cache as it is. On a pooled connection that last used
    # the index before another connection changed it, the check then reports a checksum mismatch for a file
    # that is sound (a fresh connection finds nothing).
    try:
        connection.exec_driver_sql(REFRESH_FULL_TEXT).all()
    except DBAPIError:
        pass  # a damaged file: the integrity check below says how
    lines = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check").all()]
    if lines == ["ok"]:
        return ()
    shown = "; ".join(lines[:MAX_DETAILS])
    if len(lines) > MAX_DETAILS:
        shown += f" (og {len(lines) - MAX_DETAILS} mere)"
    return (
        Problem(
            "integrity",
            f"Databasefilen er beskadiget ({shown}). Stop med at bruge den, og hent den seneste sikkerhedskopi.",
        ),
    )


def check_foreign_keys(connection: Connection) -> tuple[Problem, ...]:
    """Rows that point at a row that does not exist (e.g. an event whose citizen is missing)."""
    pairs = Counter((row[0], row[2]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check").all())
    return tuple(
        Problem(
            "foreign_keys",
            f"{_rows(count)} i {_table(table)} henviser til {_table(parent)}, der ikke findes.",
        )
        for (table, parent), count in sorted(pairs.items())
    )


def check_search_index(connection: Connection) -> tuple[Problem, ...]:
    """The FTS index must hold exactly the citizens that are not deleted, under their own rowids."""
    expected = {
        search_index.search_rowid(row[0]): row[0]
        for row in connection.exec_driver_sql("SELECT id FROM citizens WHERE deleted_at IS NULL")
    }
    indexed: dict[int, str] = dict(connection.exec_driver_sql("SELECT rowid, citizen_id FROM citizen_search").all())
    missing = sum(1 for rowid, cid in expected.items() if indexed.get(rowid) != cid)
    extra = sum(1 for rowid, cid in indexed.items() if expected.get(rowid) != cid)
    problems = []
    if missing:
        problems.append(
            Problem(
                "search_index",
                f"Søgeindekset mangler {missing} af {len(expected)} borgere, så de kan ikke findes ved søgning.",
                repairable=True,
            )
        )
    if extra:
        problems.append(
            Problem(
                "search_index",
                f"Søgeindekset har {extra} forkerte eller forældede poster (fx slettede borgere).",
                repairable=True,
            )
        )
    return tuple(problems)


def check_change_log(connection: Connection) -> tuple[Problem, ...]:
    """Sync needs every row's "insert" entry; append-only tables must never have been changed."""
    problems = []
    for table in sorted(SYNCED_TABLES):
        missing = connection.exec_driver_sql(
            f"SELECT count(*) FROM {table} AS t WHERE NOT EXISTS ("
            "SELECT 1 FROM change_log AS c WHERE c.table_name = ? AND c.row_id = t.id AND c.op = 'insert')",
            (table,),
        ).scalar_one()
        if missing:
            problems.append(
                Problem(
                    "change_log",
                    f"{_rows(missing)} i {_table(table)} mangler i ændringsloggen og kommer ikke med "
                    "til de andre computere ved synkronisering.",
                )
            )
    placeholders = ", ".join("?" for _ in APPEND_ONLY_TABLES)
    updated = connection.exec_driver_sql(
        f"SELECT table_name, count(*) FROM change_log WHERE op = 'update' AND table_name IN ({placeholders}) "
        "GROUP BY table_name ORDER BY table_name",
        tuple(sorted(APPEND_ONLY_TABLES)),
    ).all()
    for table, count in updated:
        problems.append(
            Problem(
                "change_log",
                f"{_table(table)} må kun få nye rækker, men ændringsloggen har {count} "
                f"{'ændring' if count == 1 else 'ændringer'} af eksisterende rækker.",
            )
        )
    return tuple(problems)


def check_sync_outbox(connection: Connection) -> tuple[Problem, ...]:
    """Every change made on this computer must be queued for (or already on) the share."""
    missing = connection.exec_driver_sql(
        "SELECT count(*) FROM change_log AS c WHERE c.device_id = (SELECT value FROM local_meta WHERE key = "
        "'device_id') AND NOT EXISTS (SELECT 1 FROM sync_outbox AS o WHERE o.change_id = c.id)"
    ).scalar_one()
    if not missing:
        return ()
    return (
        Problem(
            "sync",
            f"{_rows(missing)} i ændringsloggen er lavet her, men står ikke i køen til de andre computere.",
        ),
    )


def check_sync_gaps(connection: Connection) -> tuple[Problem, ...]:
    """Changes of another computer that the last sync could not get (a file missing on the share)."""
    text = connection.exec_driver_sql("SELECT value FROM local_meta WHERE key = 'sync_gaps'").scalar()
    gaps: dict[str, int] = json.loads(text) if text else {}
    names: dict[str, str] = dict(connection.exec_driver_sql("SELECT device_id, name FROM sync_peers").all())
    return tuple(
        Problem(
            "sync",
            f"Der mangler ændringer fra computeren {names.get(device) or device[:8]} efter fil nr. {after}; "
            "de senere kan ikke modtages. Synkronisér den computer, så sender den dem igen.",
        )
        for device, after in sorted(gaps.items())
    )


def check_purged(connection: Connection) -> tuple[Problem, ...]:
    """A purged (GDPR) row must be gone, and its values blanked in the change log, on every computer."""
    problems = []
    for table in sorted(SYNCED_TABLES):
        left = connection.exec_driver_sql(
            f"SELECT count(*) FROM sync_purged AS p JOIN {table} AS t ON t.id = p.row_id WHERE p.table_name = ?",
            (table,),
        ).scalar_one()
        if left:
            problems.append(
                Problem(
                    "purge",
                    f"{_rows(left)} i {_table(table)} er slettet efter anmodning (GDPR), men findes stadig her. "
                    "Kontakt support.",
                )
            )
    about = connection.exec_driver_sql(
        "SELECT count(*) FROM sync_purged AS p JOIN audit_log AS a ON a.citizen_id = p.row_id "
        "WHERE p.table_name = 'citizens'"
    ).scalar_one()
    if about:
        problems.append(
            Problem(
                "purge",
                f"Logningen har stadig {_rows(about)} om borgere, der er slettet efter anmodning (GDPR). "
                "Kontakt support.",
            )
        )
    values = connection.exec_driver_sql(
        "SELECT count(*) FROM sync_purged AS p JOIN change_log AS c "
        "ON c.table_name = p.table_name AND c.row_id = p.row_id AND c.value IS NOT NULL"
    ).scalar_one()
    if values:
        problems.append(
            Problem(
                "purge",
                f"Ændringsloggen har stadig {values} {'værdi' if values == 1 else 'værdier'} fra rækker, der er "
                "slettet efter anmodning (GDPR). Kontakt support.",
            )
        )
    return tuple(problems)


def check_audit_chain(connection: Connection) -> tuple[Problem, ...]:
    """Every device's hash chain over the audit log, recomputed: a changed, deleted or inserted row is named."""
    from aaben_raadgivning.store.audit_chain import verify_audit_chains

    report = verify_audit_chains(connection)
    return tuple(Problem("audit_chain", problem.message) for problem in report.problems)


CHECKS: tuple[tuple[str, Callable[[Connection], tuple[Problem, ...]]], ...] = (
    ("Databasefilen er hel", check_file),
    ("Alle henvisninger mellem tabeller peger på noget, der findes", check_foreign_keys),
    ("Søgeindekset svarer til borgerne", check_search_index),
    ("Ændringsloggen er komplet til synkronisering", check_change_log),
    ("Alle ændringer herfra står i kø til fællesmappen", check_sync_outbox),
    ("Alle ændringer fra de andre computere kan modtages", check_sync_gaps),
    ("Oplysninger slettet efter anmodning (GDPR) er væk", check_purged),
    ("Revisionssporet er ubrudt", check_audit_chain),
)


def check_backups(db: Database, backup_dir: Path) -> tuple[Problem, ...]:
    """The backups in the data folder must not hold anyone erased (GDPR) since they were taken."""
    from aaben_raadgivning.store import database_file, sqlite_driver
    from aaben_raadgivning.store.backups import backup_holds_purged

    problems = []
    for backup in database_file.backups(backup_dir):
        try:
            holds = backup_holds_purged(db, backup)
        except sqlite_driver.Error:
            problems.append(
                Problem(
                    "purge",
                    f"Sikkerhedskopien {backup.name} kan ikke åbnes med kontorets nøgle, så det kan ikke "
                    "kontrolleres, om den indeholder slettede borgere. Kontakt support.",
                )
            )
            continue
        if holds:
            problems.append(
                Problem(
                    "purge",
                    f"Sikkerhedskopien {backup.name} indeholder stadig borgere, der er slettet efter anmodning "
                    "(GDPR). «check --repair» erstatter den med en ny sikkerhedskopi uden dem.",
                )
            )
    return tuple(problems)


BACKUPS_TITLE = "Sikkerhedskopierne indeholder ingen slettede borgere"


def run_checks(db: Database, backup_dir: Path | None = None) -> list[CheckResult]:
    """Run every check in one read transaction, so they all see the same state; with ``backup_dir`` also
    the check of the backups there."""
    with db.engine.connect() as connection:
        results = [CheckResult(title, check(connection)) for title, check in CHECKS]
        connection.rollback()
    if backup_dir is not None:
        results.append(CheckResult(BACKUPS_TITLE, check_backups(db, backup_dir)))
    return results


def repair_search_index(db: Database) -> int:
    """Rebuild the search index from the citizens table; returns how many citizens it now holds."""
    with db.transaction() as tx:
        count = search_index.rebuild(tx.session)
        tx.audit(None, "repair", "citizen_search", detail=f"Søgeindekset genopbygget ({count} borgere)")
    return count

"""The query plans of the statements an action or a query runs: what SQLite will do for each (EXPLAIN QUERY
PLAN), so a test can hold a query to its index."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event as sqlalchemy_event


def query_plans(db, run: Callable[[], object], keep: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Run ``run`` and return (statement, plan) for each statement it executed that ``keep`` accepts; a plan's
    steps are joined with « | »."""
    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _executemany):
        if keep(statement):
            statements.append((statement, parameters))

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", remember)
    try:
        run()
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", remember)
    with db.engine.connect() as connection:
        return [
            (sql, " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)))
            for sql, params in statements
        ]

"""The server's report copy: the merged state of the columns ``assets/server_report.toml`` allows, as
plain tables in the schema ``report``, so the municipality can report on the projects with SQL.

Everything a laptop sends the server is sealed; this copy is the one deliberate exception, and it holds
pseudonymous case facts only (the TOML says which and why). Its tables are made by ``server init`` (the
administrator's DDL; laptops never create or alter tables there) and filled by the laptop that writes
the daily snapshot, from the same copy of its merged database, in one server transaction of its own:
``TRUNCATE`` and ``COPY``, so a reader sees the old copy or the new one, never half. An erasure removes the person's
rows at once (sync/server/round.py), before the next copy is written.

Roles: ``server init`` makes ``aaben_raadgivning_report`` (SELECT on ``report`` only: give it to the
people who report) and ``aaben_raadgivning_laptop`` (what a round needs, no DDL, no report reading beyond
filling it) where it is allowed to create roles; ``server add-device`` makes one login role per laptop in
the latter."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Integer

from aaben_raadgivning.store.models import SYNCED_TABLES, Base

SCHEMA = "report"
LAPTOP_ROLE = "aaben_raadgivning_laptop"
REPORT_ROLE = "aaben_raadgivning_report"


@dataclass(frozen=True)
class ReportTable:
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL types, from the models


def _pg_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "bigint"
    if isinstance(kind, DateTime):
        return "timestamp"
    if isinstance(kind, Date):
        return "date"
    return "text"


def parse_report_tables(text: str) -> tuple[ReportTable, ...]:
    """The tables of the TOML, checked against the models: a table or column that does not exist (or is not
    synced) is an error, so a typo never silently leaves a column out or lets one in."""
    data = tomllib.loads(text)
    tables = []
    for name, spec in sorted(data.get("tables", {}).items()):
        if name not in SYNCED_TABLES:
            raise ValueError(f"server_report.toml: unknown or local table {name!r}")
        model = Base.metadata.tables[name]
        columns = tuple(spec.get("columns", ()))
        unknown = [c for c in columns if c not in model.columns]
        if unknown or "id" not in columns:
            raise ValueError(f"server_report.toml: table {name!r} needs 'id' and knows no {unknown}")
        tables.append(ReportTable(name, columns, tuple(_pg_type(model.columns[c]) for c in columns)))
    return tuple(tables)


@lru_cache(maxsize=1)
def report_tables() -> tuple[ReportTable, ...]:
    text = resources.files("aaben_raadgivning.assets").joinpath("server_report.toml").read_text(encoding="utf-8")
    return parse_report_tables(text)


def create_report_schema(server: Connection) -> None:
    """The administrator's part (``server init``): the schema and its tables, columns added where the TOML
    grew and dropped where it shrank (a column taken off the list leaves the server)."""
    server.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    wanted = {table.name: table for table in report_tables()}
    existing = set(server.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (SCHEMA,)
    ).scalars())  # fmt: skip
    for name in sorted(existing - set(wanted)):
        server.exec_driver_sql(f'DROP TABLE {SCHEMA}."{name}"')
    for table in wanted.values():
        columns = ", ".join(f'"{c}" {t}' for c, t in zip(table.columns, table.types, strict=True))
        server.exec_driver_sql(f'CREATE TABLE IF NOT EXISTS {SCHEMA}."{table.name}" ({columns}, PRIMARY KEY (id))')
        have = set(server.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (SCHEMA, table.name),
        ).scalars())  # fmt: skip
        for column, kind in zip(table.columns, table.types, strict=True):
            if column not in have:
                server.exec_driver_sql(f'ALTER TABLE {SCHEMA}."{table.name}" ADD COLUMN "{column}" {kind}')
        for column in sorted(have - set(table.columns)):
            server.exec_driver_sql(f'ALTER TABLE {SCHEMA}."{table.name}" DROP COLUMN "{column}"')


def _server_columns(server: Connection, table: str) -> set[str]:
    return set(server.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
        (SCHEMA, table),
    ).scalars())  # fmt: skip


def fill_report_copy(server: Connection, local: Any) -> dict[str, int]:
    """Replace the copy's rows with those of ``local`` (a sqlite3 connection to the laptop's merged data),
    inside the caller's server transaction. Only the columns both this version's list and the server's
    tables have (an older or newer server still gets what both know). Returns rows per table."""
    driver = server.connection.driver_connection
    assert driver is not None
    counts: dict[str, int] = {}
    for table in report_tables():
        present = _server_columns(server, table.name)
        if not present:
            continue  # (the administrator has not run «server init» since the table was listed)
        columns = [c for c in table.columns if c in present]
        names = ", ".join(f'"{c}"' for c in columns)
        server.exec_driver_sql(f'TRUNCATE {SCHEMA}."{table.name}"')
        rows = local.execute(f'SELECT {names} FROM "{table.name}"')
        count = 0
        with driver.cursor() as cursor, cursor.copy(f'COPY {SCHEMA}."{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        counts[table.name] = count
    return counts


def remove_purged(server: Connection, purged: dict[str, list[str]]) -> None:
    """Take erased rows out of the copy at once (the next full copy would too, but not before tomorrow)."""
    listed = {table.name for table in report_tables()}
    for table, rows in purged.items():
        if table in listed and _server_columns(server, table):
            server.exec_driver_sql(f'DELETE FROM {SCHEMA}."{table}" WHERE id = ANY(%s)', (rows,))


def create_roles(server: Connection) -> list[str]:
    """The two group roles and their grants, where this connection may create roles. Returns what could not
    be done (Danish), for the administrator."""
    problems: list[str] = []
    can = server.exec_driver_sql("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    if not can:
        return [
            f"Rollerne {LAPTOP_ROLE} og {REPORT_ROLE} er ikke oprettet: brugeren må ikke oprette roller. Kør "
            "«server init» som databasens ejer med CREATEROLE, eller opret dem selv (se docs/server-sync.md)."
        ]
    for role in (LAPTOP_ROLE, REPORT_ROLE):
        if not server.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).first():
            server.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
    database = server.exec_driver_sql("SELECT current_database()").scalar_one()
    grants = (
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {LAPTOP_ROLE}, {REPORT_ROLE}',
        f"GRANT USAGE ON SCHEMA public, {SCHEMA} TO {LAPTOP_ROLE}",
        f"GRANT SELECT ON server_info, aaben_server_version TO {LAPTOP_ROLE}",
        f"GRANT SELECT, INSERT ON changes TO {LAPTOP_ROLE}",
        f"GRANT UPDATE (value) ON changes TO {LAPTOP_ROLE}",  # erasure blanks values; AEAD stops forgery
        f"GRANT SELECT, INSERT, UPDATE ON devices TO {LAPTOP_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON snapshots, snapshot_chunks TO {LAPTOP_ROLE}",
        f"GRANT SELECT, INSERT, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {SCHEMA} TO {LAPTOP_ROLE}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {REPORT_ROLE}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {REPORT_ROLE}",
        f"REVOKE ALL ON changes, devices, snapshots, snapshot_chunks, server_info FROM {REPORT_ROLE}",
    )
    for grant in grants:
        server.exec_driver_sql(grant)
    return problems


def create_device_role(server: Connection, login: str, password: str) -> None:
    """A login role for one laptop, in the laptop group (``server add-device``)."""
    from psycopg import sql

    driver = server.connection.driver_connection
    assert driver is not None
    statement = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
        sql.Identifier(login), sql.Literal(password), sql.Identifier(LAPTOP_ROLE)
    )
    with driver.cursor() as cursor:
        cursor.execute(statement)

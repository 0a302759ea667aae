"""The sync server's schema (its own Alembic history in ``migrations/``) and the check every round makes
before it touches anything: the right kind of database, a format this version knows, the office's key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.sync.errors import SyncError, SyncRefused, WrongShare
from aaben_raadgivning.sync.server.report_copy import create_report_schema

# The newest server revision this version knows (a test checks it against Alembic's head).
SERVER_HEAD = "s0001"
SERVER_FORMAT = 1  # how entries are written there; a newer format sends this laptop to safe mode
PLAIN_KEY_ID = "plain"  # a laptop without an office key (the benchmarks' baseline): values are not sealed
VERSION_TABLE = "aaben_server_version"


class WrongServer(WrongShare):
    """A database that is not this office's sync server (another office's key, or no server at all)."""


@dataclass(frozen=True)
class ServerInfo:
    server_id: str
    key_id: str
    format: int


def key_id_of(key: OfficeKey | None) -> str:
    return key.key_id if key is not None else PLAIN_KEY_ID


def _alembic_config(conn: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = conn
    return config


def revision(conn: Connection) -> str | None:
    exists = conn.exec_driver_sql("SELECT to_regclass(%s)", (VERSION_TABLE,)).scalar()
    if exists is None:
        return None
    return conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()


def init_server(engine: Engine, key: OfficeKey | None) -> tuple[ServerInfo, bool]:
    """Create (or bring up to date) the schema, and tie the server to this office's key. Returns the
    server's info and whether it was new. Refuses a server made with another office's key."""
    from alembic import command

    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7001)")  # two inits at once: one waits
        found = revision(conn)
        if found is not None and found != SERVER_HEAD and found not in _known_revisions():
            raise SyncRefused(
                f"Serveren er sat op af en nyere version af Åben Rådgivning (skema {found}). Opdatér programmet.",
                safe_mode=True,
            )
        info = read_info(conn) if found is not None else None
        if info is not None:
            _check_key(info, key)  # (before anything is changed on another office's server)
        if found != SERVER_HEAD:
            command.upgrade(_alembic_config(conn), "head")
        new = info is None
        if info is None:
            info = ServerInfo(str(uuid.uuid4()), key_id_of(key), SERVER_FORMAT)
            conn.exec_driver_sql(
                "INSERT INTO server_info (key, value) VALUES ('server_id', %s), ('office_key_id', %s), ('format', %s)",
                (info.server_id, info.key_id, str(info.format)),
            )
        create_report_schema(conn)
    return info, new


def _known_revisions() -> set[str]:
    folder = Path(__file__).parent / "migrations" / "versions"
    return {p.stem.split("_")[0] for p in folder.glob("s*.py")}


def read_info(conn: Connection) -> ServerInfo | None:
    if conn.exec_driver_sql("SELECT to_regclass('server_info')").scalar() is None:
        return None
    values: dict[str, str] = dict(conn.exec_driver_sql("SELECT key, value FROM server_info").all())
    if "server_id" not in values:
        return None
    return ServerInfo(values["server_id"], values.get("office_key_id", ""), int(values.get("format", "1")))


def _check_key(info: ServerInfo, key: OfficeKey | None) -> None:
    if info.key_id != key_id_of(key):
        raise WrongServer(
            "Serveren hører til et andet kontor (den er sat op med en anden kontornøgle). Intet er sendt til den, "
            "og ændringerne venter her. Tjek serveradressen."
        )


def check_server(conn: Connection, key: OfficeKey | None) -> ServerInfo:
    """The server this round may use, or a Danish refusal; reads only."""
    found = revision(conn)
    info = read_info(conn) if found is not None else None
    if found is None or info is None:
        raise WrongServer(
            "Databasen på serveren er ikke sat op til Åben Rådgivning. Sæt den op med «aaben-raadgivning server "
            "init»; intet er sendt, og ændringerne venter her."
        )
    if info.format > SERVER_FORMAT or found not in _known_revisions():
        raise SyncRefused(
            f"Serveren er sat op af en nyere version af Åben Rådgivning (format {info.format}, skema {found}). "
            "Denne computer arbejder videre alene (sikker tilstand), til programmet er opdateret.",
            safe_mode=True,
        )
    if found != SERVER_HEAD:
        raise SyncError(
            f"Serverens skema er ældre ({found}) end dette program ({SERVER_HEAD}). Opdatér det med "
            "«aaben-raadgivning server init» (ændringerne venter her så længe)."
        )
    _check_key(info, key)
    return info

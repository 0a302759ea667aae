"""How a laptop reaches the sync server: the URL, the password (never in the settings file), TLS, and
a connection that gives up quickly when the server cannot be reached (the app never waits on it).

The URL is the SQLAlchemy/libpq one, ``postgresql://user@host:5432/db?sslmode=verify-full``; the
``postgresql+psycopg`` driver (psycopg 3) is always used. The password is looked up, in this order:

1. the URL itself (only for tests and throwaway servers: the URL is shown in logs with it masked);
2. ``AABEN_RAADGIVNING_SERVER_PASSWORD`` (scheduled syncs; any process of that OS user can read it);
3. the OS credential store through ``keyring``, stored there by ``aaben-raadgivning server password``
   under the URL without its password (so several servers on one computer keep apart).

libpq's own sources (``PGPASSFILE``/``~/.pgpass``, client certificates) work too, as they always do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from aaben_raadgivning.sync.errors import ShareUnreachable, SyncError

ENV_PASSWORD = "AABEN_RAADGIVNING_SERVER_PASSWORD"
KEYRING_SERVICE = "aaben-raadgivning-server"
CONNECT_TIMEOUT_S = 5  # an unreachable server fails the round quickly; the changes wait here


class ServerUnreachable(ShareUnreachable):
    """The server cannot be reached (offline, down, refused): nothing was written, the changes wait here."""


class ServerUrlError(SyncError):
    """The server address cannot be used (the message is Danish)."""


def parse_url(text: str) -> URL:
    """The URL with the psycopg 3 driver, or ServerUrlError."""
    try:
        url = make_url(text.strip())
    except ArgumentError:
        raise ServerUrlError(
            f"Serveradressen «{text}» kan ikke læses. Skriv den som postgresql://bruger@vaert/database."
        ) from None
    if url.get_backend_name() != "postgresql":
        raise ServerUrlError(f"Serveradressen skal begynde med postgresql://, ikke «{url.drivername}://».")
    if not url.database:
        raise ServerUrlError("Serveradressen mangler databasens navn (…/database til sidst).")
    return url.set(drivername="postgresql+psycopg")


def credential_name(url: URL) -> str:
    """The name the password is kept under in the credential store: the URL without password or options."""
    return url.set(password=None, query={}).render_as_string(hide_password=False)


def _password(url: URL) -> str | None:
    if url.password:
        return None  # (already in the URL)
    if os.environ.get(ENV_PASSWORD):
        return os.environ[ENV_PASSWORD]
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, credential_name(url))
    except (KeyringError, RuntimeError):
        return None  # no credential store here: libpq's own sources, or a server without passwords


def store_password(url: URL, password: str) -> None:
    import keyring

    keyring.set_password(KEYRING_SERVICE, credential_name(url), password)


def server_engine(url: URL | str) -> Engine:
    url = parse_url(url) if isinstance(url, str) else url
    password = _password(url)
    if password is not None:
        url = url.set(password=password)
    return create_engine(
        url,
        poolclass=NullPool,  # a round is short and rare: no idle connections held on the server
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "aaben-raadgivning"},
    )


def shown(url: URL | str) -> str:
    """The URL for messages and logs: never with its password."""
    try:
        url = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "(en serveradresse, der ikke kan læses)"
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


@contextmanager
def connected(engine: Engine) -> Iterator[Connection]:
    """A connection, or ServerUnreachable with a Danish message (the cause goes to the log, not the screen)."""
    try:
        conn = engine.connect()
    except (OperationalError, DBAPIError) as exc:
        raise ServerUnreachable(
            f"Serveren {shown(engine.url)} kan ikke nås ({_reason(exc)}). Ændringerne venter her, til den kan."
        ) from None
    try:
        yield conn
    finally:
        conn.close()


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "password authentication failed" in text or "no password supplied" in text:
        return "adgangskoden mangler eller er forkert; gem den med «aaben-raadgivning server password»"
    if "certificate" in text or "SSL" in text:
        return "serverens certifikat kan ikke godkendes"
    if "does not exist" in text:
        return "databasen eller brugeren findes ikke"
    return "ingen forbindelse"

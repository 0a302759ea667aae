"""``server``: set up a PostgreSQL sync server, keep its password in the credential store, show its state."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aaben_raadgivning.cli.errors import EXIT_OK, EXIT_SHARE_UNREACHABLE, EXIT_SYNC_REFUSED, EXIT_USAGE, CliError
from aaben_raadgivning.cli.parsing import add_global_options, usage


def register(commands: Any) -> None:
    server = commands.add_parser(
        "server", help="PostgreSQL-server til synkronisering: sæt op, gem adgangskode, vis status",
        description="En kommune med mange boligområder kan synkronisere computerne gennem en PostgreSQL-server\n"
        "i stedet for en fællesmappe. Computerne arbejder stadig uden net og synkroniserer, når serveren kan nås.\n"
        "Adressen skrives som postgresql://bruger@vært/database?sslmode=verify-full.",
    )  # fmt: skip
    server_commands = server.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="server_command")
    server.set_defaults(handler=lambda _args: usage(server))
    init = server_commands.add_parser(
        "init", help="opret (eller opdatér) skemaet på serveren og knyt den til kontorets nøgle",
        description="Opretter tabellerne på serveren (Alembic) og knytter serveren til denne computers kontornøgle.\n"
        "Kan køres igen efter en opdatering af programmet: skemaet bringes da up to date. En server, der er\n"
        "sat op med et andet kontors nøgle, afvises.",
    )  # fmt: skip
    add_global_options(init, top_level=False)
    init.add_argument("url", metavar="URL", help="serverens adresse")
    init.set_defaults(handler=server_init)
    device = server_commands.add_parser(
        "add-device", help="opret en databaserolle til én computer (adgangskoden vises én gang)",
        description="Opretter en login-rolle til én computer i gruppen aaben_raadgivning_laptop, som kun må det, en\n"
        "synkronisering kræver (ingen ændringer af tabeller, ingen sletning af andres ændringer). Adgangskoden\n"
        "vises én gang: gem den på computeren med «aaben-raadgivning server password».",
    )  # fmt: skip
    add_global_options(device, top_level=False)
    device.add_argument("url", metavar="URL", help="serverens adresse (som en bruger, der må oprette roller)")
    device.add_argument("--login", required=True, metavar="NAVN", help="rollens navn, fx beboerhuset_nord")
    device.set_defaults(handler=server_add_device)
    password = server_commands.add_parser(
        "password", help="gem adgangskoden til serveren i styresystemets nøglering",
        description="Gemmer adgangskoden til URL i styresystemets nøglering (aldrig i indstillingsfilen).\n"
        "Adgangskoden spørges om (vises ikke). Til planlagte kørsler kan den i stedet stå i\n"
        "AABEN_RAADGIVNING_SERVER_PASSWORD.",
    )  # fmt: skip
    add_global_options(password, top_level=False)
    password.add_argument("url", metavar="URL", help="serverens adresse (uden adgangskode)")
    password.set_defaults(handler=server_password)
    status = server_commands.add_parser(
        "status", help="vis serverens computere, ændringer og øjebliksbilleder",
        description="Viser, hvilke computere der synkroniserer gennem serveren, hvor langt hver er nået, og det\n"
        "nyeste øjebliksbillede til nye computere.",
    )  # fmt: skip
    add_global_options(status, top_level=False)
    status.add_argument("url", metavar="URL", nargs="?", help="serverens adresse (ellers indstillingen)")
    status.set_defaults(handler=server_status)


@contextmanager
def _as_cli_errors(nothing_done: str = "Intet er ændret.") -> Iterator[None]:
    """The server's refusals as Danish messages with the sync's exit codes (3 unreachable, 4 refused)."""
    from sqlalchemy.exc import DBAPIError

    from aaben_raadgivning.sync.errors import ShareUnreachable, SyncError, SyncRefused

    try:
        yield
    except ShareUnreachable as exc:
        raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    except SyncRefused as exc:
        raise CliError(str(exc), EXIT_SYNC_REFUSED) from None
    except SyncError as exc:
        raise CliError(str(exc)) from None
    except DBAPIError as exc:  # (e.g. a user without the rights «server init» needs)
        denied = "permission denied" in str(exc.orig)
        reason = "brugeren har ikke rettighederne til det" if denied else f"fejl på serveren: {type(exc.orig).__name__}"
        raise CliError(f"Serveren afviste det ({reason}). {nothing_done}".rstrip()) from None


def server_init(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.common import office_key_for
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.sync.server.connection import connected, server_engine, shown
    from aaben_raadgivning.sync.server.report_copy import create_roles
    from aaben_raadgivning.sync.server.schema import init_server

    key = office_key_for(args, resolve_paths(args.data_dir, demo=args.demo))
    with _as_cli_errors():
        engine = server_engine(args.url)
        with connected(engine) as conn:  # (a clear message when it cannot be reached)
            conn.rollback()
        info, new = init_server(engine, key)
        with engine.begin() as conn:
            problems = create_roles(conn)
    what = "er sat op" if new else "var allerede sat op og er opdateret"
    print(f"Serveren {shown(args.url)} {what} (server-id {info.server_id[:8]}).")
    for problem in problems:
        print(f"Bemærk: {problem}")
    print('Skriv den i indstillingsfilen på hver computer under [sync] server = "…", og synkronisér.')
    return EXIT_OK


def server_add_device(args: argparse.Namespace) -> int:
    import re
    import secrets

    from aaben_raadgivning.sync.server.connection import connected, server_engine, shown
    from aaben_raadgivning.sync.server.report_copy import create_device_role, create_roles
    from aaben_raadgivning.sync.server.schema import read_info

    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", args.login):
        raise CliError("Rollens navn må kun have små bogstaver a-z, tal og _ (fx beboerhuset_nord).", EXIT_USAGE)
    password = secrets.token_urlsafe(24)
    with _as_cli_errors(f"Rollen {args.login} er ikke oprettet."):
        engine = server_engine(args.url)
        with connected(engine) as conn:
            conn.rollback()
        with engine.begin() as conn:
            if read_info(conn) is None:
                raise CliError("Serveren er ikke sat op endnu: kør «aaben-raadgivning server init URL» først.")
            problems = create_roles(conn)
            if problems:
                raise CliError(problems[0])
            if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (args.login,)).first():
                raise CliError(f"Rollen {args.login} findes allerede. Intet er ændret.")
            create_device_role(conn, args.login, password)
    print(f"Rollen {args.login} er oprettet på {shown(args.url)}.")
    print(f"Adgangskode (vises kun nu): {password}")
    print("Gem den på computeren med «aaben-raadgivning server password postgresql://" + args.login + "@…».")
    return EXIT_OK


def server_password(args: argparse.Namespace) -> int:
    import getpass

    from aaben_raadgivning.sync.errors import SyncError
    from aaben_raadgivning.sync.server.connection import credential_name, parse_url, store_password

    try:
        url = parse_url(args.url)
    except SyncError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if url.password:
        raise CliError("Skriv adressen uden adgangskode; adgangskoden spørges der om bagefter.", EXIT_USAGE)
    secret = getpass.getpass("Adgangskode til serveren (vises ikke): ")
    if not secret:
        raise CliError("Der er ikke skrevet nogen adgangskode. Intet er gemt.", EXIT_USAGE)
    try:
        store_password(url, secret)
    except Exception as exc:  # keyring raises its own errors per backend
        raise CliError(
            f"Adgangskoden kunne ikke gemmes i nøgleringen ({type(exc).__name__}). Brug i stedet "
            "AABEN_RAADGIVNING_SERVER_PASSWORD til planlagte kørsler."
        ) from None
    print(f"Adgangskoden til {credential_name(url)} er gemt i nøgleringen.")
    return EXIT_OK


def server_status(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.common import opened_runtime
    from aaben_raadgivning.cli.progress import thousands
    from aaben_raadgivning.domain.grammar import count_text
    from aaben_raadgivning.sync.server.connection import connected, server_engine, shown
    from aaben_raadgivning.sync.server.schema import check_server

    with opened_runtime(args) as runtime:
        url = args.url or runtime.settings.sync_server
        if not url:
            raise CliError(
                'Der er ingen server. Skriv den i indstillingsfilen under [sync] server = "…" eller giv URL.',
                EXIT_USAGE,
            )
        with _as_cli_errors(""), connected(server_engine(url)) as conn:
            info = check_server(conn, runtime.db.office_key)
            total = conn.exec_driver_sql("SELECT coalesce(max(seq), 0), count(*) FROM changes").one()
            devices = conn.exec_driver_sql(
                "SELECT device_id, name, pulled_seq, last_seen FROM devices ORDER BY last_seen DESC"
            ).all()
            snapshot = conn.exec_driver_sql(
                "SELECT created_at, size, covers_seq FROM snapshots WHERE complete ORDER BY id DESC LIMIT 1"
            ).first()
            conn.rollback()
    print(f"Server: {shown(url)} (server-id {info.server_id[:8]})")
    print(f"Ændringer på serveren: {thousands(total[1])} (nyeste nr. {thousands(total[0])})")
    for device_id, name, pulled, seen in devices:
        label = name or device_id[:8]
        behind = count_text(total[0] - pulled, "ændring", "ændringer")
        print(f"  {label}: sidst set {seen:%d.%m.%Y %H.%M}, mangler {behind}")
    if snapshot is None:
        print("Intet øjebliksbillede til nye computere endnu.")
    else:
        size = f"{snapshot[1] / 1e6:.1f}".replace(".", ",")
        print(f"Nyeste øjebliksbillede: {snapshot[0]:%d.%m.%Y %H.%M}, {size} MB (til nr. {thousands(snapshot[2])})")
    return EXIT_OK

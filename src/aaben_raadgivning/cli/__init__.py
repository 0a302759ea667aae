"""The command line: ``aaben-raadgivning`` opens the app; subcommands manage staff, demo data, export, checks.

Start-up time matters (the counter opens the app many times a day), so this package imports only the
standard library at import time. The store (SQLAlchemy) is imported by the command that needs it and
Textual only when the app itself is opened. Every failure a user can cause ends in a short Danish
message and exit code 1; bad arguments give the usage and exit code 2; a damaged or vanished local
database exit code 6; a read-only data folder or a full disk exit code 7; never a traceback (cli/errors.py).
Each command lives in cli/commands/.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from aaben_raadgivning import __version__
from aaben_raadgivning.cli.commands import (
    audit,
    check,
    citizen,
    demo,
    device,
    export,
    follow_up_sweep,
    import_citizens,
    office,
    report,
    server,
    share,
    sync,
    user,
)
from aaben_raadgivning.cli.commands.app import open_app
from aaben_raadgivning.cli.errors import (
    EXIT_DATABASE_DAMAGED,
    EXIT_INTERRUPTED,
    EXIT_NOT_WRITABLE,
    EXIT_OFFICE_KEY,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_SHARE_UNREACHABLE,
    EXIT_SYNC_BUSY,
    EXIT_SYNC_INCOMPLETE,
    EXIT_SYNC_REFUSED,
    EXIT_USAGE,
    LOG_FILE,
    CliError,
    LogFileHandler,
    log_file,
    report_error,
)
from aaben_raadgivning.cli.parsing import PROG, Parser, add_global_options

__all__ = [
    "EXIT_DATABASE_DAMAGED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_WRITABLE",
    "EXIT_OFFICE_KEY",
    "EXIT_OK",
    "EXIT_PROBLEM",
    "EXIT_SHARE_UNREACHABLE",
    "EXIT_SYNC_BUSY",
    "EXIT_SYNC_INCOMPLETE",
    "EXIT_SYNC_REFUSED",
    "EXIT_USAGE",
    "LOG_FILE",
    "PROG",
    "CliError",
    "build_parser",
    "main",
]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Åben Rådgivning – fremskudt beskæftigelsesindsats i boligområdet.\n"
        "Uden kommando åbnes programmet.",
        epilog="Eksempler:\n"
        f"  {PROG}                          åbn programmet\n"
        f"  {PROG} --demo                   åbn programmet med demodata\n"
        f'  {PROG} user add --initials JK --name "Jette Kristensen" --role jobkonsulent\n'
        f"  {PROG} check                    kontrollér databasen\n"
        f"  {PROG} sync --share /mnt/faelles   synkronisér med de andre computere",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="vis versionen og afslut")
    add_global_options(parser, top_level=True)
    commands = parser.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="command")
    # the order of --help
    for command in (office, user, citizen, import_citizens, demo, export, report, audit, check, sync, share, server,
                    device, follow_up_sweep):  # fmt: skip
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from aaben_raadgivning.file_modes import restrict_umask

    restrict_umask()  # every file this process makes (database, backups, logs) is private from its first byte
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and bad arguments
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        return open_app(args)  # the app sets up its own logging
    log_handler = LogFileHandler(log_file(args))
    logging.getLogger().addHandler(log_handler)
    try:
        return handler(args)
    except CliError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("\nAfbrudt.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        return report_error(exc, args)
    finally:
        logging.getLogger().removeHandler(log_handler)

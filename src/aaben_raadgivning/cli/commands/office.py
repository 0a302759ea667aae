"""``office init | join | encrypt | status``: the office key on this computer.

The office key is the one secret every encrypted byte of the office derives from (security/office_key.py).
``init`` creates it on the office's first computer and shows it once as a recovery code; ``join`` gives it
to another computer; ``encrypt`` converts a database from before encryption; ``status`` tells what this
computer has, never the key itself.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.errors import EXIT_OFFICE_KEY, EXIT_OK, EXIT_USAGE, CliError
from aaben_raadgivning.cli.parsing import add_global_options, usage


def register(commands: Any) -> None:
    office = commands.add_parser(
        "office",
        help="kontornøglen: opret, tilslut, kryptér",
        description="Kontornøglen krypterer databasen på denne computer og filerne på fællesmappen. Den oprettes\n"
        "én gang (office init) og skrives ind én gang på hver ny computer (office join).",
    )
    office_commands = office.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="office_command")
    office.set_defaults(handler=lambda _args: usage(office))

    init = office_commands.add_parser(
        "init",
        help="opret kontorets nøgle (kontorets første computer)",
        description="Opret kontorets nøgle på kontorets første computer. Nøglen vises én gang som en\n"
        "gendannelseskode: skriv den ud, og lås den inde. Uden den kan data ikke hentes tilbage.",
    )
    add_global_options(init, top_level=False)
    init.set_defaults(handler=office_init)

    join = office_commands.add_parser(
        "join",
        help="skriv kontorets gendannelseskode ind på denne computer",
        description="Giv denne computer kontorets nøgle. Koden læses fra tastaturet (den vises ikke), eller fra\n"
        "standard-input, når den sendes ind af et andet program.",
    )
    add_global_options(join, top_level=False)
    join.set_defaults(handler=office_join)

    encrypt = office_commands.add_parser(
        "encrypt",
        help="kryptér en database fra før krypteringen",
        description="Kryptér databasen (og dens sikkerhedskopier) på denne computer med kontorets nøgle. Der\n"
        "tages en kontrolleret kopi først; intet går tabt. Luk programmet først.",
    )
    add_global_options(encrypt, top_level=False)
    encrypt.set_defaults(handler=office_encrypt)

    status = office_commands.add_parser(
        "status", help="vis, om computeren har kontorets nøgle", description="Vis kontornøglens status her."
    )
    add_global_options(status, top_level=False)
    status.set_defaults(handler=office_status)


def _paths(args: argparse.Namespace):
    from aaben_raadgivning.config import resolve_paths

    paths = resolve_paths(args.data_dir, demo=args.demo)
    paths.ensure()
    return paths


def _refuse_demo(args: argparse.Namespace) -> None:
    if args.demo:
        raise CliError("Demodata bruger altid den offentlige demo-nøgle; der er ingen kontornøgle at sætte op.",
                       EXIT_USAGE)  # fmt: skip


def _keep(key) -> str:
    """Store ``key`` in the credential store; the sentence that tells the user where it is."""
    from aaben_raadgivning.security.key_store import ENV_KEY, store_in_keyring

    if store_in_keyring(key):
        return "Nøglen er gemt i computerens nøglering (styresystemets adgangskodelager)."
    return (
        "Denne computer har intet adgangskodelager, så nøglen er ikke gemt her: programmet beder om "
        f"gendannelseskoden ved hver start, eller læser den fra miljøvariablen {ENV_KEY} (se README)."
    )


def office_init(args: argparse.Namespace) -> int:
    from aaben_raadgivning.security.key_store import read_record, write_record
    from aaben_raadgivning.security.office_key import OfficeKey

    _refuse_demo(args)
    paths = _paths(args)
    record = read_record(paths.data_dir)
    if record is not None:
        raise CliError(
            f"Mappen {paths.data_dir} er allerede sat op med kontornøgle {record.key_id}. En ny nøgle ville gøre "
            "data her ulæselige. Intet er ændret.",
            EXIT_OFFICE_KEY,
        )
    if paths.database.exists() and paths.database.stat().st_size > 0:
        from aaben_raadgivning.store import sqlite_driver

        if not sqlite_driver.is_plain_file(paths.database):
            raise CliError(
                f"Der ligger allerede en krypteret database i {paths.data_dir}, men ingen oplysning om dens nøgle. "
                "Brug «aaben-raadgivning office join» med kontorets gendannelseskode. Intet er ændret.",
                EXIT_OFFICE_KEY,
            )
    key = OfficeKey.generate()
    kept = _keep(key)
    write_record(paths.data_dir, key)
    print(
        "Kontorets nøgle er oprettet.\n\n"
        "GENDANNELSESKODE – vises kun denne ene gang:\n\n"
        f"    {key.recovery_code}\n\n"
        "Skriv den ud eller ned, og lås den inde. Den skal bruges, når en ny computer sættes op\n"
        "(«aaben-raadgivning office join»), og hvis denne computers nøglering går tabt. Uden koden kan\n"
        "kontorets data ikke læses.\n\n"
        f"{kept}\nNøglens kendetegn (ikke hemmeligt): {key.key_id}"
    )
    if paths.database.exists() and paths.database.stat().st_size > 0:
        print("\nDatabasen her er fra før krypteringen. Kryptér den nu med «aaben-raadgivning office encrypt».")
    return EXIT_OK


def _read_code() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Kontorets gendannelseskode (vises ikke): ")
    return sys.stdin.readline()


def office_join(args: argparse.Namespace) -> int:
    from aaben_raadgivning.security.key_store import check_key, read_record, write_record
    from aaben_raadgivning.security.office_key import OfficeKey

    _refuse_demo(args)
    paths = _paths(args)
    record = read_record(paths.data_dir)
    code = _read_code()
    if not code.strip():
        raise CliError("Der blev ikke skrevet nogen gendannelseskode. Intet er ændret.", EXIT_OFFICE_KEY)
    key = OfficeKey.from_recovery_code(code)
    if key.is_demo:
        raise CliError("Det er demo-nøglen; den kan ikke bruges til et rigtigt kontor.", EXIT_OFFICE_KEY)
    check_key(record, key, paths.data_dir)
    kept = _keep(key)
    if record is None:
        write_record(paths.data_dir, key)
    print(f"Computeren har nu kontorets nøgle ({key.key_id}). {kept}")
    return EXIT_OK


def office_encrypt(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.common import office_key_for
    from aaben_raadgivning.cli.progress import thousands
    from aaben_raadgivning.store.encryption import encrypt_database

    paths = _paths(args)
    key = office_key_for(args, paths)
    report = encrypt_database(paths.database, paths.backup_dir, key.database_key)
    backups = f" og {report.backups_encrypted} sikkerhedskopi(er)" if report.backups_encrypted else ""
    print(
        f"Databasen{backups} er krypteret: {thousands(report.rows)} rækker i {report.tables} tabeller, kontrolleret. "
        "Den ukrypterede kopi er overskrevet og slettet."
    )
    return EXIT_OK


def office_status(args: argparse.Namespace) -> int:
    from aaben_raadgivning.security import key_store
    from aaben_raadgivning.store import sqlite_driver

    paths = _paths(args)
    record = key_store.read_record(paths.data_dir)
    if record is None and not args.demo:
        print(f"Mappen {paths.data_dir} er ikke sat op til et kontor. {key_store.SETUP_ADVICE}")
        return EXIT_OFFICE_KEY
    if args.demo or (record is not None and record.demo):
        print(
            "DEMODATA: mappen bruger den offentlige demo-nøgle. Den beskytter intet; brug den aldrig til rigtige sager."
        )
        return EXIT_OK
    assert record is not None
    print(f"Kontornøgle: {record.key_id}")
    source = None
    if key_store.environment_key() is not None:
        source = "miljøvariablen eller nøglefilen"
    elif key_store.keyring_key(record.key_id) is not None:
        source = "computerens nøglering"
    print(f"Nøglen findes her: {source}" if source else "Nøglen findes ikke på denne computer (office join).")
    if paths.database.exists() and paths.database.stat().st_size > 0:
        encrypted = not sqlite_driver.is_plain_file(paths.database)
        print("Databasen er krypteret." if encrypted else "Databasen er IKKE krypteret: kør «office encrypt».")
    return EXIT_OK if source else EXIT_OFFICE_KEY

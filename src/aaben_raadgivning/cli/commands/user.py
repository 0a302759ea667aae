"""``user``: create staff, list them, give a new password, deactivate and activate."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, TextIO

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, CliError
from aaben_raadgivning.cli.parsing import PROG, add_global_options, usage
from aaben_raadgivning.security.passwords import MIN_PASSWORD_LENGTH


def _roles() -> list[tuple[str, str]]:
    from aaben_raadgivning.domain.reference import load_reference

    return [(term.code, term.label) for term in load_reference().roles.active()]


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="medarbejdere: opret, vis, ny adgangskode, deaktivér",
                               description="Medarbejdere (brugere).")  # fmt: skip
    add_global_options(user, top_level=False)
    user_commands = user.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="user_command")
    user.set_defaults(handler=lambda _args: usage(user))

    roles = _roles()
    add = user_commands.add_parser(
        "add",
        help="opret en medarbejder",
        description=f"Opret en medarbejder. Adgangskoden (mindst {MIN_PASSWORD_LENGTH} tegn) spørges om to gange "
        "(den vises ikke).\n\nRoller:\n" + "\n".join(f"  {code:<14} {label}" for code, label in roles),
    )
    add_global_options(add, top_level=False)
    add.add_argument("--initials", required=True, metavar="INITIALER", help="fx JK (bruges ved login)")
    add.add_argument("--name", required=True, metavar="NAVN", help='fulde navn, fx "Jette Kristensen"')
    add.add_argument(
        "--role", required=True, metavar="ROLLE", choices=[code for code, _ in roles], help="se listen ovenfor"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="læs adgangskoden fra første linje på standard input (til scripts)",
    )
    add.set_defaults(handler=user_add)

    listing = user_commands.add_parser("list", help="vis medarbejdere", description="Vis aktive medarbejdere.")
    add_global_options(listing, top_level=False)
    listing.add_argument("--all", action="store_true", help="vis også deaktiverede medarbejdere")
    listing.set_defaults(handler=user_list)

    password = user_commands.add_parser(
        "password",
        help="giv en medarbejder en ny adgangskode",
        description=f"Giv en medarbejder en ny adgangskode (mindst {MIN_PASSWORD_LENGTH} tegn; den spørges om to "
        "gange). Den nye adgangskode gælder på alle computere, når de har synkroniseret. Loggen viser, at den "
        "blev givet fra kommandolinjen, og af hvilken bruger på computeren.",
    )
    add_global_options(password, top_level=False)
    password.add_argument("--initials", required=True, metavar="INITIALER", help="fx JK")
    password.add_argument(
        "--password-stdin", action="store_true", help="læs adgangskoden fra første linje på standard input"
    )
    password.set_defaults(handler=user_password)

    for name, active, summary, text in (
        ("deactivate", False, "deaktivér en medarbejder", "Deaktivér en medarbejder (fx ved fratrædelse): kan "
         "ikke længere logge ind, på nogen computer, når de har synkroniseret. Navnet står stadig på alt, "
         "vedkommende har skrevet."),
        ("activate", True, "aktivér en medarbejder igen", "Aktivér en deaktiveret medarbejder igen."),
    ):  # fmt: skip
        switch = user_commands.add_parser(name, help=summary, description=text)
        add_global_options(switch, top_level=False)
        switch.add_argument("--initials", required=True, metavar="INITIALER", help="fx JK")
        switch.set_defaults(handler=user_set_active, active=active)


def read_password(from_stdin: bool, stdin: TextIO, nothing_done: str = "Intet er oprettet") -> str:
    if from_stdin:
        try:
            return stdin.readline().rstrip("\r\n")
        except UnicodeDecodeError:
            raise CliError(f"Adgangskoden på standard input er ikke UTF-8-tekst. {nothing_done}.") from None
    first = getpass.getpass("Adgangskode: ")
    if getpass.getpass("Gentag adgangskoden: ") != first:
        raise CliError(f"Adgangskoderne er ikke ens. {nothing_done}; prøv igen.")
    return first


def user_add(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.store.actions.staff import create_staff

    password = read_password(args.password_stdin, sys.stdin)
    with opened_runtime(args) as runtime:
        staff = create_staff(runtime.db, initials=args.initials, name=args.name, role=args.role, password=password)
    label = load_reference().roles.label(staff.role)
    print(f"Medarbejderen {staff.initials} ({staff.name}, {label.lower()}) er oprettet.")
    return EXIT_OK


def user_list(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.store.actions.staff import list_staff

    with opened_runtime(args) as runtime:
        staff = list_staff(runtime.db, include_inactive=args.all)
    if not staff:
        print(f"Der er ingen medarbejdere endnu. Opret en med «{PROG} user add».")
        return EXIT_OK
    label = load_reference().roles.label
    width = max(len("Navn"), *(len(member.name) for member in staff))
    print(f"{'Initialer':<10} {'Navn':<{width}}  Rolle")
    for member in staff:
        state = "" if member.active else "  (deaktiveret)"
        print(f"{member.initials:<10} {member.name:<{width}}  {label(member.role)}{state}")
    return EXIT_OK


def os_user_name() -> str:
    """Who ran the command line, as the operating system knows them (the audit log's «who» for a reset:
    the command line has no logged-in person)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user name in the environment nor the user database
        return "ukendt"


def user_password(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.staff import require_account, reset_password

    with opened_runtime(args) as runtime:
        # ask only once the account is known to exist (no typing a password twice for a typo in initials)
        require_account(runtime.db, args.initials)
        password = read_password(args.password_stdin, sys.stdin, nothing_done="Adgangskoden er ikke ændret")
        staff = reset_password(runtime.db, initials=args.initials, password=password, os_user=os_user_name())
    print(f"{staff.initials} ({staff.name}) har fået en ny adgangskode. Den gælder på de andre computere, "
          "når de har synkroniseret.")  # fmt: skip
    return EXIT_OK


def user_set_active(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.staff import set_staff_active

    with opened_runtime(args) as runtime:
        staff = set_staff_active(runtime.db, initials=args.initials, active=args.active)
    if staff.active:
        print(f"{staff.initials} ({staff.name}) kan logge ind igen.")
    else:
        print(f"{staff.initials} ({staff.name}) er deaktiveret og kan ikke længere logge ind. Det gælder på de "
              "andre computere, når de har synkroniseret.")  # fmt: skip
    return EXIT_OK

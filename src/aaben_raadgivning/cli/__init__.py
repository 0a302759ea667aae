"""The command line: ``aaben-raadgivning`` opens the app; subcommands manage staff, demo data, export, checks.

Start-up time matters (the counter opens the app many times a day), so this module imports only the
standard library at import time. The store (SQLAlchemy) is imported by the command that needs it and
Textual only when the app itself is opened. Every failure a user can cause ends in a short Danish
message and exit code 1; bad arguments give the usage and exit code 2; a damaged or vanished local
database exit code 6; a read-only data folder or a full disk exit code 7; never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from aaben_raadgivning import __version__

if TYPE_CHECKING:
    from aaben_raadgivning.runtime import Runtime

PROG = "aaben-raadgivning"
LOG_FILE = "fejl.log"
EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# `sync` only: the share cannot be reached (try later); the sync is refused (a cloned device id, or a share
# from a newer version: safe mode); another sync is running on this computer.
EXIT_SHARE_UNREACHABLE, EXIT_SYNC_REFUSED, EXIT_SYNC_BUSY = 3, 4, 5
# Any command: the local database is damaged, or missing where one has been (restore the backup the
# message names); nothing can be written (read-only data folder, full disk).
EXIT_DATABASE_DAMAGED, EXIT_NOT_WRITABLE = 6, 7
# `sync` only: the round ran, but changes of another computer are missing on the share (a gap): not a success.
EXIT_SYNC_INCOMPLETE = 8


class CliError(Exception):
    """A failure with a Danish message for the user; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.code = code


# --- argparse in Danish ------------------------------------------------------------------------

# argparse's own messages are English; these cover the ones a user meets (Python 3.11–3.13 wording).
_ERROR_TRANSLATIONS = (
    (re.compile(r"the following arguments are required: (.*)"), r"disse argumenter mangler: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"ukendte argumenter: \1"),
    (re.compile(r"argument (.+?): invalid choice: (.+?) \(choose from (.*)\)"),
     r"argument \1: ukendt valg \2 (vælg mellem \3)"),
    (re.compile(r"argument (.+?): invalid \w+ value: (.*)"), r"argument \1: ugyldig værdi \2"),
    (re.compile(r"argument (.+?): expected one argument"), r"argument \1: mangler en værdi"),
    (re.compile(r"argument (.+?): ignored explicit argument (.*)"), r"argument \1: tager ingen værdi (fik \2)"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)"), r"tvetydigt tilvalg \1 – kan betyde \2"),
)  # fmt: skip


def _translate(message: str) -> str:
    for pattern, replacement in _ERROR_TRANSLATIONS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "Brug: ")


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="vis denne hjælp og afslut")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: fejl: {_translate(message)}\n")


def _count(text: str) -> int:
    try:
        value = int(text.replace(".", "").replace("_", ""))  # "100.000" as Danes write it
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et helt tal") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"«{text}» må ikke være negativ")
    return value


def _demo_bound(name: str) -> Callable[[str], int]:
    """A count for the demo command, at most ``demo.generator.<name>`` (imported only when the demo is run)."""

    def parse(text: str) -> int:
        from aaben_raadgivning.demo import generator as demo

        value, high = _count(text), getattr(demo, name)
        if value > high:
            raise argparse.ArgumentTypeError(f"«{text}» er for mange; højst {high:,}".replace(",", "."))
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text.replace(",", "."))  # decimal comma
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et tal (skriv fx 6 eller 2,5)") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"«{text}» skal være mellem 0 og 1000")
    return value


def _add_global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """The same options on the main parser and on every subcommand, so they work before or after it.
    On subcommands they default to SUPPRESS, so they never overwrite a value given before."""
    group = parser.add_argument_group("fælles tilvalg")
    group.add_argument(
        "--data-dir",
        type=Path,
        metavar="MAPPE",
        default=None if top_level else argparse.SUPPRESS,
        help="brug denne mappe til database, indstillinger og logfiler (i stedet for standardstederne)",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="brug demodata i deres egen mappe, adskilt fra rigtige sager",
    )


def _roles() -> list[tuple[str, str]]:
    from aaben_raadgivning.domain.reference import load_reference

    return [(term.code, term.label) for term in load_reference().roles.active()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    _add_global_options(parser, top_level=True)
    commands = parser.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="command")

    user = commands.add_parser("user", help="medarbejdere: opret, vis, ny adgangskode, deaktivér",
                               description="Medarbejdere (brugere).")  # fmt: skip
    _add_global_options(user, top_level=False)
    user_commands = user.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="user_command")
    user.set_defaults(handler=lambda _args: _usage(user))

    roles = _roles()
    add = user_commands.add_parser(
        "add",
        help="opret en medarbejder",
        description="Opret en medarbejder. Adgangskoden spørges om to gange (den vises ikke).\n\nRoller:\n"
        + "\n".join(f"  {code:<14} {label}" for code, label in roles),
    )
    _add_global_options(add, top_level=False)
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
    add.set_defaults(handler=_user_add)

    listing = user_commands.add_parser("list", help="vis medarbejdere", description="Vis aktive medarbejdere.")
    _add_global_options(listing, top_level=False)
    listing.add_argument("--all", action="store_true", help="vis også deaktiverede medarbejdere")
    listing.set_defaults(handler=_user_list)

    password = user_commands.add_parser(
        "password",
        help="giv en medarbejder en ny adgangskode",
        description="Giv en medarbejder en ny adgangskode (den spørges om to gange). Den nye adgangskode "
        "gælder på alle computere, når de har synkroniseret.",
    )
    _add_global_options(password, top_level=False)
    password.add_argument("--initials", required=True, metavar="INITIALER", help="fx JK")
    password.add_argument(
        "--password-stdin", action="store_true", help="læs adgangskoden fra første linje på standard input"
    )
    password.set_defaults(handler=_user_password)

    for name, active, summary, text in (
        ("deactivate", False, "deaktivér en medarbejder", "Deaktivér en medarbejder (fx ved fratrædelse): kan "
         "ikke længere logge ind, på nogen computer, når de har synkroniseret. Navnet står stadig på alt, "
         "vedkommende har skrevet."),
        ("activate", True, "aktivér en medarbejder igen", "Aktivér en deaktiveret medarbejder igen."),
    ):  # fmt: skip
        switch = user_commands.add_parser(name, help=summary, description=text)
        _add_global_options(switch, top_level=False)
        switch.add_argument("--initials", required=True, metavar="INITIALER", help="fx JK")
        switch.set_defaults(handler=_user_set_active, active=active)

    demo = commands.add_parser(
        "demo",
        help="fyld databasen med fiktive demodata",
        description="Fyld databasen med fiktive borgere, henvendelser og hændelser til afprøvning og\n"
        "belastningstest. Kræver --demo eller --data-dir, så rigtige sager aldrig blandes med demodata.\n"
        "Demomedarbejderne JK, JF, BM og LE har adgangskoden demo1234.",
    )
    _add_global_options(demo, top_level=False)
    demo.add_argument(
        "--citizens", type=_demo_bound("MAX_CITIZENS"), required=True, metavar="ANTAL", help="antal borgere, fx 300"
    )
    demo.add_argument(
        "--days", type=_demo_bound("MAX_DAYS"), default=120, metavar="DAGE", help="så mange dage tilbage (standard 120)"
    )
    demo.add_argument(
        "--events-per-citizen",
        type=_rate,
        default=6.0,
        metavar="ANTAL",
        help="hændelser pr. borger i snit (standard 6)",
    )
    demo.add_argument("--seed", type=int, default=1, metavar="TAL", help="samme tal giver samme data (standard 1)")
    demo.set_defaults(handler=_demo)

    export = commands.add_parser(
        "export",
        help="eksportér alle data som JSON",
        description="Eksportér alle data som ét JSON-dokument (uden adgangskoder). Eksporten logges.",
    )
    _add_global_options(export, top_level=False)
    export.add_argument("--json", required=True, metavar="FIL", help="filen, der skrives; - betyder standard output")
    export.add_argument("--force", action="store_true", help="erstat filen, hvis den findes (kun en almindelig fil)")
    export.set_defaults(handler=_export)

    check = commands.add_parser(
        "check",
        help="kontrollér databasen",
        description="Kontrollér databasefilen, henvisninger, søgeindeks og ændringslog.\n"
        "Afslutter med 0, når alt er i orden, 1, når der er fundet problemer, og 6, når databasefilen er\n"
        "beskadiget eller mangler (beskeden siger, hvordan den seneste sikkerhedskopi hentes).",
    )
    _add_global_options(check, top_level=False)
    check.add_argument("--repair", action="store_true", help="genopbyg søgeindekset, hvis det ikke stemmer")
    check.set_defaults(handler=_check)

    sync = commands.add_parser(
        "sync",
        help="synkronisér med de andre computere via fællesmappen",
        description="Én synkroniseringsrunde: send denne computers nye ændringer til fællesmappen og hent\n"
        "de andres. Fællesmappen står i indstillingsfilen ([sync] share) eller gives med --share.\n\n"
        "Afslutningskoder:\n"
        "  0  synkroniseret\n"
        "  1  fejl (se beskeden)\n"
        "  2  forkerte argumenter, eller ingen fællesmappe angivet\n"
        "  3  fællesmappen kan ikke nås, eller mappen er ikke denne computers fællesmappe (tom, ikke\n"
        "     tilsluttet, et andet kontors); intet er skrevet i den, og ændringerne venter her\n"
        "  4  synkronisering afvist: kopieret enheds-id, eller fællesmappen er fra en nyere version\n"
        "  5  en anden synkronisering kører allerede på denne computer\n"
        "  6  databasen på denne computer er beskadiget eller mangler (se beskeden)\n"
        "  7  der kan ikke skrives: mappen er skrivebeskyttet, eller disken er fuld\n"
        "  8  synkroniseret, men ændringer fra en anden computer mangler på fællesmappen (se beskeden)",
    )
    _add_global_options(sync, top_level=False)
    sync.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    sync.add_argument(
        "--snapshot", action="store_true",
        help="skriv et nyt samlet øjebliksbillede til nye computere nu (ellers højst ét i døgnet)",
    )  # fmt: skip
    sync.set_defaults(handler=_sync)

    share = commands.add_parser(
        "share", help="fællesmappen: sæt en ny op, eller flyt computeren til en anden",
        description="Kontorets fællesmappe har en identitet. En computer synkroniserer kun med den fællesmappe,\n"
        "den hører til, og afviser en tom eller fremmed mappe (fx et drev, der ikke er tilsluttet).",
    )  # fmt: skip
    share_commands = share.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="share_command")
    share.set_defaults(handler=lambda _args: _usage(share))
    init = share_commands.add_parser(
        "init", help="sæt en ny, tom mappe op som kontorets fællesmappe (én gang pr. kontor)",
        description="Sæt en eksisterende, tom mappe op som kontorets fællesmappe. Gøres én gang pr. kontor;\n"
        "derefter skriver hver computer mappen i indstillingerne ([sync] share) og synkroniserer.",
    )  # fmt: skip
    _add_global_options(init, top_level=False)
    init.add_argument("--share", type=Path, metavar="MAPPE", required=True, help="den tomme mappe")
    init.set_defaults(handler=_share_init)
    join = share_commands.add_parser(
        "join", help="flyt denne computer til en anden fællesmappe",
        description="Gør MAPPE til denne computers fællesmappe. Hørte computeren til en anden, begynder den\n"
        "forfra på den nye: alle dens egne ændringer sendes igen, og de andres hentes igen. Intet\n"
        "slettes fra den gamle fællesmappe. Husk også at rette [sync] share i indstillingerne.",
    )  # fmt: skip
    _add_global_options(join, top_level=False)
    join.add_argument("--share", type=Path, metavar="MAPPE", required=True, help="den nye fællesmappe")
    join.set_defaults(handler=_share_join)
    retire = share_commands.add_parser(
        "retire", help="tag en bortkommen eller kasseret computer ud af fællesmappen",
        description="Tag en computer ud af fællesmappen (bortkommet, stjålet eller kasseret). De andre computere\n"
        "venter så ikke længere på den, før de rydder gamle filer op. Dens filer kan stadig læses; dens mappe\n"
        "under devices/ må fjernes bagefter. Computeren angives med sit navn eller sit enheds-id.",
    )  # fmt: skip
    _add_global_options(retire, top_level=False)
    retire.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    retire.add_argument("--device", required=True, metavar="NAVN", help="computerens navn eller enheds-id")
    retire.set_defaults(handler=_share_retire)

    device = commands.add_parser(
        "device", help="denne computers enheds-id", description="Denne computers enheds-id på fællesmappen."
    )
    device_commands = device.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="device_command")
    device.set_defaults(handler=lambda _args: _usage(device))
    reset = device_commands.add_parser(
        "reset", help="giv computeren et nyt enheds-id (efter en kopieret disk)",
        description="Giv denne computer et nyt enheds-id. Bruges, når synkroniseringen er stoppet, fordi to\n"
        "computere har samme id (en kopieret disk). Ændringer lavet her, som ikke allerede ligger på\n"
        "fællesmappen, sendes under det nye id; intet går tabt. Fællesmappen skal kunne nås.",
    )  # fmt: skip
    _add_global_options(reset, top_level=False)
    reset.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    reset.set_defaults(handler=_device_reset)

    sweep = commands.add_parser(
        "follow-up-sweep",
        help="opdatér opfølgningsopgaverne til dagens dato",
        description="Opdatér de afledte opfølgningsopgaver til dagens dato (fx når et virksomhedsforløbs\n"
        "første år eller en periode efter LAB § 31 er slut). Programmet gør det selv, når det åbnes og\n"
        "når datoen skifter; kommandoen er til en planlagt kørsel. Højst én gang om dagen: en ny kørsel\n"
        "samme dag gør ingenting.",
    )
    _add_global_options(sweep, top_level=False)
    sweep.set_defaults(handler=_follow_up_sweep)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: fejl: vælg en kommando (se --help)", file=sys.stderr)
    return EXIT_USAGE


# --- commands ----------------------------------------------------------------------------------


@contextmanager
def _runtime(args: argparse.Namespace, *, allow_new_database: bool = False) -> Iterator[Runtime]:
    from aaben_raadgivning.runtime import open_runtime

    runtime = open_runtime(args.data_dir, demo=args.demo, allow_new_database=allow_new_database)
    try:
        yield runtime
    finally:
        runtime.close()


def _existing_database(args: argparse.Namespace):
    """The app's paths, for commands that only make sense on a database that is already there."""
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.store.database_file import inspect

    paths = resolve_paths(args.data_dir, demo=args.demo)
    if inspect(paths.database, paths.backup_dir):  # a database that has vanished raises DatabaseMissing
        raise CliError(f"Der er ingen database i {paths.data_dir}. Tjek mappen (--data-dir).")
    return paths


def _read_password(from_stdin: bool, stdin: TextIO, nothing_done: str = "Intet er oprettet") -> str:
    if from_stdin:
        try:
            return stdin.readline().rstrip("\r\n")
        except UnicodeDecodeError:
            raise CliError(f"Adgangskoden på standard input er ikke UTF-8-tekst. {nothing_done}.") from None
    first = getpass.getpass("Adgangskode: ")
    if getpass.getpass("Gentag adgangskoden: ") != first:
        raise CliError(f"Adgangskoderne er ikke ens. {nothing_done}; prøv igen.")
    return first


def _user_add(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.store.actions.staff import create_staff

    password = _read_password(args.password_stdin, sys.stdin)
    with _runtime(args) as runtime:
        staff = create_staff(runtime.db, initials=args.initials, name=args.name, role=args.role, password=password)
    label = load_reference().roles.label(staff.role)
    print(f"Medarbejderen {staff.initials} ({staff.name}, {label.lower()}) er oprettet.")
    return EXIT_OK


def _user_list(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.store.actions.staff import list_staff

    with _runtime(args) as runtime:
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


def _user_password(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.staff import require_account, reset_password

    with _runtime(args) as runtime:
        # ask only once the account is known to exist (no typing a password twice for a typo in initials)
        require_account(runtime.db, args.initials)
        password = _read_password(args.password_stdin, sys.stdin, nothing_done="Adgangskoden er ikke ændret")
        staff = reset_password(runtime.db, initials=args.initials, password=password)
    print(f"{staff.initials} ({staff.name}) har fået en ny adgangskode. Den gælder på de andre computere, "
          "når de har synkroniseret.")  # fmt: skip
    return EXIT_OK


def _user_set_active(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.staff import set_staff_active

    with _runtime(args) as runtime:
        staff = set_staff_active(runtime.db, initials=args.initials, active=args.active)
    if staff.active:
        print(f"{staff.initials} ({staff.name}) kan logge ind igen.")
    else:
        print(f"{staff.initials} ({staff.name}) er deaktiveret og kan ikke længere logge ind. Det gælder på de "
              "andre computere, når de har synkroniseret.")  # fmt: skip
    return EXIT_OK


class _ProgressLine:
    """One updating line on a terminal; a line per tenth when stderr is a file or a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, fraction: float, step: str) -> None:
        percent = int(fraction * 100)
        if self.tty:
            self.stream.write(f"\r{percent:3d} %  {step}"[:79].ljust(79))
            self.stream.flush()
        elif percent // 10 > self.shown // 10 or percent == 100:
            self.stream.write(f"{percent:3d} %  {step}\n")
        self.shown = percent

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


class _ProgressBar(_ProgressLine):
    """A text progress bar: ``[#########-----------]  45 %  step``."""

    WIDTH = 24

    def __call__(self, fraction: float, step: str) -> None:
        filled = int(max(0.0, min(1.0, fraction)) * self.WIDTH)
        super().__call__(fraction, f"[{'#' * filled}{'-' * (self.WIDTH - filled)}]  {step}")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _demo(args: argparse.Namespace) -> int:
    if args.data_dir is None and not args.demo:
        raise CliError(
            "Demodata skrives ikke i den rigtige database. Brug --demo (egen demomappe) eller --data-dir MAPPE.",
            EXIT_USAGE,
        )
    from aaben_raadgivning.demo.generator import DEMO_PASSWORD, DEMO_STAFF, generate_demo
    from aaben_raadgivning.domain.open_hours import OpenHours

    with _runtime(args, allow_new_database=True) as runtime:  # demo data may always start afresh
        progress = _ProgressLine(sys.stderr)
        try:
            summary = generate_demo(
                runtime.db,
                citizens=args.citizens,
                days=args.days,
                events_per_citizen=args.events_per_citizen,
                seed=args.seed,
                progress=progress,
                open_hours=OpenHours(runtime.open_hours.weekly, runtime.calendar),
                calendar=runtime.calendar,
            )
        finally:
            progress.close()
        database = runtime.paths.database
    seconds = f"{summary.seconds:.1f}".replace(".", ",")
    print(
        f"Demodata oprettet på {seconds} s: {_thousands(summary.citizens)} borgere, "
        f"{_thousands(summary.walk_ins)} henvendelser, {_thousands(summary.events)} hændelser og "
        f"{_thousands(summary.follow_ups)} opfølgninger."
    )
    print(f"Database: {database} ({_thousands(round(database.stat().st_size / 1_000_000))} MB)")
    initials = ", ".join(initials for initials, _name, _role in DEMO_STAFF)
    print(f"Log ind som {initials} med adgangskoden {DEMO_PASSWORD}.")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.documents.export import STDOUT, describe_counts, export_json

    with _runtime(args) as runtime:
        try:
            result = export_json(runtime.db, args.json, stdout=sys.stdout, overwrite=args.force)
        except BrokenPipeError:
            # The reader (e.g. `head`) stopped early; keep Python from complaining again at exit.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise CliError("Eksporten blev afbrudt: modtageren lukkede forbindelsen.") from None
    listed = describe_counts(result.counts)
    where = "standard output" if result.destination == STDOUT else result.destination
    # With "-" the JSON is on stdout, so the receipt goes to stderr.
    print(f"Eksporteret til {where}: {listed}.", file=sys.stderr if result.destination == STDOUT else sys.stdout)
    return EXIT_OK


def _settings_problems(args: argparse.Namespace) -> list[str]:
    """A broken settings file must not stop the check of the database; it is reported as a problem."""
    from aaben_raadgivning.config import SettingsError, load_settings, resolve_paths
    from aaben_raadgivning.domain.open_hours import OpenHours, OpenHoursError
    from aaben_raadgivning.domain.workdays import WorkdayCalendar

    path = resolve_paths(args.data_dir, demo=args.demo).settings_file
    try:
        settings = load_settings(path)
        OpenHours.parse(settings.open_hours)
        WorkdayCalendar(settings.extra_days_off)
    except SettingsError as exc:
        return [str(exc)]
    except OpenHoursError as exc:
        return [f"Åbningstiderne i {path} er forkerte: {exc.message}"]
    except ValueError as exc:
        return [f"Indstillingsfilen {path}: {exc}"]
    return []


def _print_results(results: Sequence[Any], settings_problems: list[str]) -> int:
    """Print each check; returns how many problems there were."""
    total = len(settings_problems)
    print(f"  [{'OK' if not settings_problems else 'FEJL':<4}] Indstillingsfilen kan læses")
    for message in settings_problems:
        print("         " + message.replace("\n", "\n         "))
    for result in results:
        print(f"  [{'OK' if result.ok else 'FEJL':<4}] {result.title}")
        for problem in result.problems:
            print(f"         {problem.message}")
        total += len(result.problems)
    return total


def _check(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.database_file import DatabaseFileError, damaged, quick_check
    from aaben_raadgivning.store.integrity import repair_search_index, run_checks

    settings_problems = _settings_problems(args)
    try:
        paths = _existing_database(args)
        # Every page, before the open below may write (migration, device id) or a check trips over damage.
        damage = quick_check(paths.database)
        if damage:
            raise damaged(paths.database, paths.backup_dir, "; ".join(damage))
        db = open_database(paths.database, paths.backup_dir)
    except DatabaseFileError as exc:
        return _report_unusable_database(exc, args, settings_problems)
    try:
        print(f"Kontrollerer {paths.database}")
        results = run_checks(db)
        problems = _print_results(results, settings_problems)
        repairable = any(p.repairable for result in results for p in result.problems)
        if problems and repairable and args.repair:
            count = repair_search_index(db)
            print(f"\nSøgeindekset er genopbygget ({_thousands(count)} borgere). Kontrollerer igen:")
            results = run_checks(db)
            problems = _print_results(results, settings_problems)
            repairable = False
    finally:
        db.close()
    if not problems:
        print("Alt er i orden.")
        return EXIT_OK
    print(f"Fandt {problems} {'problem' if problems == 1 else 'problemer'}.")
    if repairable:
        print(f"Søgeindekset kan genopbygges: kør «{PROG} check --repair».")
    elif any(not result.ok for result in results):
        print("Kontakt support, og brug ikke databasen til nye sager, før problemet er løst.")
    return EXIT_PROBLEM


def _report_unusable_database(exc: OSError, args: argparse.Namespace, settings_problems: list[str]) -> int:
    """``check`` on a database that cannot be opened: the diagnosis as one failed check, and its exit code."""
    from aaben_raadgivning.config import resolve_paths

    print(f"Kontrollerer {resolve_paths(args.data_dir, demo=args.demo).database}")
    _print_results([], settings_problems)
    print("  [FEJL] Databasefilen kan åbnes")
    print("         " + str(exc).replace("\n", "\n         "))
    code = _database_exit_code(exc)
    if code == EXIT_DATABASE_DAMAGED:
        print("Brug ikke programmet på denne computer, før databasen er hentet tilbage.")
    return code


def _share_path(args: argparse.Namespace, runtime: Runtime) -> Path:
    """--share, or the share in the settings file."""
    share = args.share or (Path(runtime.settings.sync_share) if runtime.settings.sync_share else None)
    if share is None:
        raise CliError(
            'Der er ingen fællesmappe. Skriv den i indstillingsfilen under [sync] share = "…" '
            f"({runtime.paths.settings_file}) eller brug --share MAPPE.",
            EXIT_USAGE,
        )
    return share.expanduser()


def _sync(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.engine import (
        ShareUnreachable,
        SyncBusy,
        SyncError,
        SyncRefused,
        sync,
    )

    with _runtime(args) as runtime:
        share = _share_path(args, runtime)
        progress = _ProgressBar(sys.stderr)
        try:
            report = sync(runtime.db, share, device_name=runtime.settings.display_device_name,
                          progress=progress, snapshot="always" if args.snapshot else "auto")  # fmt: skip
        except ShareUnreachable as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
        except SyncRefused as exc:
            raise CliError(str(exc), EXIT_SYNC_REFUSED) from None
        except SyncBusy as exc:
            raise CliError(str(exc), EXIT_SYNC_BUSY) from None
        except SyncError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:  # the share went away or failed mid-round: every step is redone next round
            full = exc.errno in (errno.ENOSPC, errno.EROFS)
            raise CliError(
                f"Synkroniseringen blev afbrudt af en filfejl ({exc.strerror or type(exc).__name__}"
                f"{': ' + str(exc.filename) if exc.filename else ''}). Intet er tabt: det, der ikke nåede frem, "
                "sendes ved næste synkronisering.",
                EXIT_NOT_WRITABLE if full else EXIT_SHARE_UNREACHABLE,
            ) from None
        finally:
            progress.close()
    for warning in report.warnings:
        print(f"Advarsel: {warning}", file=sys.stderr)
    for gap in report.gaps:
        print(f"Fejl: {gap}", file=sys.stderr)
    seconds = f"{report.seconds:.1f}".replace(".", ",")
    new = f" ({_thousands(report.new_conflicts)} nye)" if report.new_conflicts else ""
    print(
        f"Synkroniseret på {seconds} s: sendt {_thousands(report.sent)} ændringer, "
        f"modtaget {_thousands(report.received)} ændringer, konflikter: {_thousands(report.conflicts)}{new}."
    )
    if report.conflicts:
        print("Konflikter afgøres i programmet (Konflikter): behold den ene værdi, eller skriv en samlet.")
    if report.gaps:
        return EXIT_SYNC_INCOMPLETE
    if args.snapshot and not report.snapshot_written:
        print("Fejl: det bestilte øjebliksbillede er ikke skrevet (se advarslen). Prøv igen om lidt.", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


def _device_reset(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.device import DeviceResetError, reset_device

    with _runtime(args) as runtime:
        share = _share_path(args, runtime)
        try:
            done = reset_device(runtime.db, share)
        except DeviceResetError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Computeren har fået et nyt enheds-id ({done.new_id[:8]}). {_thousands(done.relabelled)} ændringer "
          "herfra sendes under det nye id ved næste synkronisering. Synkronisér nu.")  # fmt: skip
    return EXIT_OK


def _share_retire(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.office_share import ShareIdentityError, retire_device

    with _runtime(args) as runtime:
        share = _share_path(args, runtime)
        try:
            device, name = retire_device(runtime.db, share, args.device)
        except ShareIdentityError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Computeren {name or device[:8]} er taget ud af fællesmappen. Dens mappe devices/{device} kan nu fjernes.")
    return EXIT_OK


def _share_init(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.office_share import ShareIdentityError, create_share

    try:
        create_share(args.share.expanduser())
    except ShareIdentityError as exc:
        raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Fællesmappen {args.share} er sat op. Skriv den i hver computers indstillinger ([sync] share) og "
          "synkronisér.")  # fmt: skip
    return EXIT_OK


def _share_join(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.office_share import ShareIdentityError, join_share

    with _runtime(args) as runtime:
        try:
            moved = join_share(runtime.db, args.share.expanduser())
        except ShareIdentityError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    if moved:
        print(f"Computeren hører nu til fællesmappen {args.share}. Alle dens ændringer sendes dertil ved næste "
              "synkronisering. Husk at rette [sync] share i indstillingerne.")  # fmt: skip
    else:
        print(f"Computeren hører til fællesmappen {args.share}.")
    return EXIT_OK


def _follow_up_sweep(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.follow_up_sweep import sweep_follow_ups

    _existing_database(args)  # a mistyped folder in a scheduled task must fail, not sweep a new empty database
    with _runtime(args) as runtime:
        progress = _ProgressBar(sys.stderr)
        try:
            result = sweep_follow_ups(runtime.db, progress=progress)
        finally:
            progress.close()
    print(result.describe())
    return EXIT_OK


def _open_app(args: argparse.Namespace) -> int:
    import gc

    gc.disable()  # start-up allocates many long-lived objects; the app re-enables the collector (see run_tui)
    from aaben_raadgivning.ui.app import run_tui  # Textual is imported only here

    return run_tui(data_dir=args.data_dir, demo=args.demo)


# --- errors ------------------------------------------------------------------------------------


def _database_exit_code(exc: OSError) -> int:
    from aaben_raadgivning.store.database_file import DatabaseNotWritable

    return EXIT_NOT_WRITABLE if isinstance(exc, DatabaseNotWritable) else EXIT_DATABASE_DAMAGED


def _database_problem(exc: BaseException, args: argparse.Namespace) -> OSError | None:
    """The local database's own problem (damaged, missing, read-only, full disk) behind ``exc``, if any."""
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.store.database_file import DatabaseFileError, classify

    if isinstance(exc, DatabaseFileError):
        return exc
    if isinstance(exc, OSError):  # a plain file error names its own file (see _known_error)
        return None
    paths = resolve_paths(args.data_dir, demo=args.demo)
    return classify(exc, paths.database, paths.backup_dir)


def _known_error(exc: BaseException, args: argparse.Namespace) -> tuple[str, int] | None:
    """The Danish message and exit code for a failure a user can cause, or None for a bug."""
    from aaben_raadgivning.config import SettingsError
    from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
    from aaben_raadgivning.domain.open_hours import OpenHoursError
    from aaben_raadgivning.store.migrate import MigrationError

    if isinstance(exc, ValidationError):
        return "\n".join(exc.errors.values()), EXIT_PROBLEM
    if isinstance(exc, OpenHoursError):
        return f"Åbningstiderne i indstillingsfilen er forkerte: {exc.message}", EXIT_PROBLEM
    if isinstance(exc, NotFoundError):
        return exc.message, EXIT_PROBLEM
    from aaben_raadgivning.domain.step_models import StepModelError

    if isinstance(exc, StepModelError):
        return f"Trinmodellen i indstillingsfilen kan ikke bruges: {exc.message}", EXIT_PROBLEM
    if isinstance(exc, SettingsError | MigrationError):
        return str(exc), EXIT_PROBLEM
    problem = _database_problem(exc, args)
    if problem is not None:
        return str(problem), _database_exit_code(problem)
    from aaben_raadgivning.store.documents.export import ExportError

    if isinstance(exc, ExportError):
        return str(exc), EXIT_PROBLEM
    if isinstance(exc, OSError):
        import errno

        from aaben_raadgivning.store.documents.export import describe_os_error

        where = f"{exc.filename}: " if exc.filename else ""
        code = EXIT_NOT_WRITABLE if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT) else EXIT_PROBLEM
        return f"Filen eller mappen kan ikke bruges ({where}{describe_os_error(exc)}).", code
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in detail:
            return "Databasen er optaget af et andet program. Prøv igen om lidt.", EXIT_PROBLEM
        return f"Databasen kan ikke læses eller skrives ({detail}).", EXIT_PROBLEM
    return None


def _log_file(args: argparse.Namespace) -> Path:
    from aaben_raadgivning.config import resolve_paths

    return resolve_paths(args.data_dir, demo=args.demo).log_dir / LOG_FILE


def _append(path: Path, text: str) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return False
    return True


class _LogFileHandler(logging.Handler):
    """Sends library log records (e.g. a failed migration's traceback) to the log file, never to the
    terminal; without a handler, Python's last-resort handler would print them on stderr. A record's
    exception is written as type and frames only, as in the app's log (see logs.py)."""

    def __init__(self, path: Path) -> None:
        from aaben_raadgivning.logs import SafeFormatter

        super().__init__(logging.WARNING)
        self.path = path
        self.setFormatter(SafeFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        _append(self.path, self.format(record) + "\n")  # a log that cannot be written is not worth a crash


def _report_error(exc: BaseException, args: argparse.Namespace) -> int:
    known = _known_error(exc, args)
    if known is not None:
        message, code = known
        print(message, file=sys.stderr)
        return code
    # A bug: the log gets its type and frames for support, never its message (an SQLAlchemy error quotes the
    # statement's parameters: names, CPR numbers) nor locals; the terminal gets a Danish sentence only.
    from aaben_raadgivning.logs import write_crash_report

    log_file = _log_file(args)
    if write_crash_report(log_file.parent, exc, log_file.name) is not None:
        where = f"Detaljerne (uden personoplysninger) er skrevet i logfilen {log_file}."
    else:
        where = f"Detaljerne kunne ikke skrives i logfilen {log_file}."
    print(f"Der opstod en uventet fejl, og kommandoen er stoppet. {where} Send den gerne til den, der hjælper "
          "med programmet.", file=sys.stderr)  # fmt: skip
    return EXIT_PROBLEM


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and bad arguments
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        return _open_app(args)  # the app sets up its own logging
    log_handler = _LogFileHandler(_log_file(args))
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
        return _report_error(exc, args)
    finally:
        logging.getLogger().removeHandler(log_handler)

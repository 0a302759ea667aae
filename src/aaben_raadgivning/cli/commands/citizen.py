"""``citizen erase``: erase a citizen (GDPR) from the command line, with the same typed confirmation as in
the app (the full name or the last 4 CPR digits), or ``--yes`` for scripts. ``citizen plan``: the citizen's
«Min plan» as PDF (audited, naming the command line and the system user)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, CliError
from aaben_raadgivning.cli.parsing import PROG, add_global_options, usage

NOTHING = "Intet er slettet."


def register(commands: Any) -> None:
    citizen = commands.add_parser("citizen", help="borgere: udskriv «Min plan», slet (GDPR)", description="Borgere.")
    add_global_options(citizen, top_level=False)
    citizen_commands = citizen.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="citizen_command")
    citizen.set_defaults(handler=lambda _args: usage(citizen))

    erase = citizen_commands.add_parser(
        "erase",
        help="slet en borgers oplysninger (GDPR)",
        description="Slet en borgers oplysninger overalt (GDPR): borgeren, alt om borgeren, logrækker, der nævner "
        "borgeren, og sikkerhedskopier i datamappen, der stadig har borgeren (de erstattes af en ny). De andre "
        "computere og fællesmappen sletter ved næste synkronisering. Kun det, at der er slettet, bliver "
        "stående i loggen.\n\nDer spørges om borgerens fulde navn eller de sidste 4 cifre i CPR-nummeret som "
        "bekræftelse; --yes springer det over (til scripts).\n\n"
        f'Eksempel:\n  {PROG} citizen erase --cpr 010190-1234 --reason "Borgerens anmodning"',
    )
    add_global_options(erase, top_level=False)
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--cpr", metavar="CPR", help="borgerens CPR-nummer (ddmmåå-xxxx)")
    which.add_argument("--citizen-id", metavar="ID", help="borgerens id (når flere har samme CPR-nummer)")
    erase.add_argument("--reason", required=True, metavar="TEKST", help='hvorfor, fx "Borgerens anmodning"')
    erase.add_argument("--yes", action="store_true", help="slet uden at spørge (til scripts)")
    erase.set_defaults(handler=citizen_erase)

    plan = citizen_commands.add_parser(
        "plan",
        help="udskriv borgerens «Min plan» som PDF",
        description="Skriv borgerens «Min plan» som PDF: jobmål, plan, delmål, aftale med virksomhed, næste aftaler "
        "og kontaktpersoner, i et enkelt sprog til borgeren. Udskriften logges. En eksisterende fil erstattes kun "
        f"med --force.\n\nEksempel:\n  {PROG} citizen plan 010190-1234 --out min-plan.pdf",
    )
    add_global_options(plan, top_level=False)
    plan.add_argument("citizen", metavar="CPR|ID", help="borgerens CPR-nummer (ddmmåå-xxxx) eller id")
    plan.add_argument("--out", required=True, metavar="FIL", help="PDF-filen, der skal skrives")
    plan.add_argument("--force", action="store_true", help="erstat filen, hvis den findes (kun en almindelig fil)")
    plan.set_defaults(handler=citizen_plan)


def _masked(cpr: str | None) -> str:
    return f"CPR {cpr[:6]}-{cpr[6:]}" if cpr else "intet CPR-nummer"


def citizen_erase(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.user import os_user_name
    from aaben_raadgivning.domain.errors import ValidationError
    from aaben_raadgivning.store.actions.erasure import erase_citizen, find_for_erasure
    from aaben_raadgivning.store.backups import scrub_backups

    with opened_runtime(args) as runtime:
        db = runtime.db
        try:
            found = find_for_erasure(db, cpr=args.cpr, citizen_id=args.citizen_id)
        except ValidationError as exc:
            raise CliError(f"{exc.message} {NOTHING}") from None
        if not found:
            raise CliError(f"Der er ingen borger med {'det CPR-nummer' if args.cpr else 'det id'}. {NOTHING}")
        if len(found) > 1:
            listed = "\n".join(f"  {c.citizen_id}  {c.name}" for c in found)
            raise CliError(f"{len(found)} borgere har det CPR-nummer. Vælg én med --citizen-id:\n{listed}\n{NOTHING}")
        candidate = found[0]
        print(f"Borger: {candidate.name} ({_masked(candidate.cpr)})")
        if args.yes:
            confirmation = candidate.name
        else:
            print("Alt om borgeren slettes på alle computere og kan ikke hentes tilbage.")
            print(
                "Skriv borgerens fulde navn eller de sidste 4 cifre i CPR-nummeret for at slette: ", end="", flush=True
            )
            line = sys.stdin.readline()
            if not line:
                raise CliError(f"Ingen bekræftelse. {NOTHING}")
            confirmation = line.strip()
        try:
            result = erase_citizen(db, None, candidate.citizen_id, confirmation=confirmation, reason=args.reason,
                                   os_user=os_user_name())  # fmt: skip
        except ValidationError as exc:
            raise CliError(f"{exc.message} {NOTHING}") from None
        report = scrub_backups(db, runtime.paths.backup_dir)
    print(f"Borgeren er slettet: {result.rows_removed} rækker om borgeren og {result.audit_rows_removed} logrækker. "
          "De andre computere og fællesmappen sletter borgeren ved næste synkronisering.")  # fmt: skip
    if report.removed:
        print(f"{len(report.removed)} sikkerhedskopi(er) fra før sletningen er erstattet af en ny: {report.fresh}")
    if report.unreadable:
        names = ", ".join(path.name for path in report.unreadable)
        print(f"Advarsel: sikkerhedskopierne {names} kan ikke åbnes med kontorets nøgle og er ikke kontrolleret.",
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def citizen_plan(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.user import os_user_name
    from aaben_raadgivning.store.documents.plan import CLI_FORCE_HINT, find_citizens, print_plan

    with opened_runtime(args) as runtime:
        found = find_citizens(runtime.db, args.citizen)
        if not found:
            raise CliError(
                f"Der er ingen borger med CPR-nummer eller id «{args.citizen}». Der er ikke skrevet nogen fil."
            )
        if len(found) > 1:
            listed = "\n".join(f"  {citizen_id}  {name}" for citizen_id, name in found)
            raise CliError(f"{len(found)} borgere har det CPR-nummer. Angiv borgerens id i stedet:\n{listed}")
        citizen_id, name = found[0]
        path = print_plan(runtime.db, None, citizen_id, args.out, force=args.force,
                          via=f" via kommandolinjen (systembruger {os_user_name()})", force_hint=CLI_FORCE_HINT)  # fmt: skip
    print(f"«Min plan» for {name} er skrevet til {path}.")
    return EXIT_OK

"""``import borgere FIL``: a caseload from a CSV or XLSX file (issue 18; ``store.actions.citizen_import``).

Without ``--yes`` it is a dry run: the Danish report (new citizens, updates, probable duplicates, refused rows,
with line numbers) and how to import for real; nothing is written but the audit entry of the lookup. With
``--yes`` the same checks run, then the rows are imported, one transaction per row. The command line acts as
the machine that holds the office key (audited with the system user), or with ``--as INITIALER`` in the name
of that staff member (whose role must allow ``import_citizens``).

Exit codes: 0 every row is (or would be) imported or already up to date; 10 some rows are (or would be)
refused or left out as probable duplicates, the others imported; 1 the file cannot be used (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime, staff_id_for_as
from aaben_raadgivning.cli.errors import EXIT_IMPORT_INCOMPLETE, EXIT_OK
from aaben_raadgivning.cli.parsing import PROG, add_global_options, usage


def register(commands: Any) -> None:
    group = commands.add_parser(
        "import", help="importér borgere fra en CSV- eller XLSX-fil", description="Import af data fra filer."
    )
    add_global_options(group, top_level=False)
    kinds = group.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="import_command")
    group.set_defaults(handler=lambda _args: usage(group))
    citizens = kinds.add_parser(
        "borgere",
        help="importér en sagsstamme (borgere) fra CSV eller XLSX",
        description="Importér borgere fra en CSV- eller XLSX-fil: CPR-nummer, navn, telefon, adresse, ydelse, "
        "ydelse siden, parathed, matchgruppe, jobkonsulent og jobformidler (initialer) og boligområde. Første "
        "linje er kolonneoverskrifter (fx CPR, Navn, Tlf, Ydelse, Jobkonsulent). Uden --yes er det en "
        "prøvekørsel: den viser, hvad der vil ske (nye borgere, opdateringer, mulige dubletter og afviste rækker "
        "med linjenummer), og intet gemmes. Borgere genkendes på CPR-nummeret (ellers navn og telefon); en tom "
        "celle ændrer intet. Importen kan køres igen: det, der allerede er importeret, forbliver uændret.\n\n"
        "Slutkoder: 0 alle rækker i orden, 10 nogle rækker er afvist eller er mulige dubletter (resten er "
        "importeret), 1 filen kan ikke bruges (intet er importeret).",
        epilog="Eksempler:\n"
        f"  {PROG} import borgere borgere.csv              prøvekørsel: vis hvad der vil ske\n"
        f"  {PROG} import borgere borgere.csv --yes        importér\n"
        f"  {PROG} import borgere borgere.xlsx --yes --as JK",
    )
    add_global_options(citizens, top_level=False)
    citizens.add_argument("file", metavar="FIL", help="filen: .csv (semikolon eller komma) eller .xlsx")
    run = citizens.add_mutually_exclusive_group()
    run.add_argument("--dry-run", action="store_true", help="kun prøvekørsel (det sker også uden --yes)")
    run.add_argument("--yes", action="store_true", help="importér (efter samme kontrol som prøvekørslen)")
    citizens.add_argument("--accept-duplicates", action="store_true",
                          help="importér mulige dubletter (samme navn og fødselsdato, eller samme telefon) som nye "
                          "borgere")  # fmt: skip
    citizens.add_argument("--as", dest="as_initials", metavar="INITIALER",
                          help="importér i denne medarbejders navn (rollen skal have lov til at importere)")  # fmt: skip
    citizens.set_defaults(handler=run_import_citizens)


def _via() -> str:
    from aaben_raadgivning.cli.commands.user import os_user_name

    return f" via kommandolinjen (systembruger {os_user_name()})"


def run_import_citizens(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.progress import ProgressBar
    from aaben_raadgivning.domain.citizen_import import read_source
    from aaben_raadgivning.store.actions.citizen_import import import_citizens

    read_source(args.file)  # a missing or unusable file is refused before the database is opened
    with opened_runtime(args) as runtime:
        actor_id = staff_id_for_as(runtime.db, args.as_initials, "Intet er importeret.") if args.as_initials else None
        progress = ProgressBar(sys.stderr)
        try:
            report = import_citizens(runtime.db, actor_id, args.file, dry_run=not args.yes,
                                     accept_duplicates=args.accept_duplicates, progress=progress,
                                     via="" if actor_id else _via())  # fmt: skip
        finally:
            progress.close()
    print("\n".join(report.lines()))
    if report.dry_run:
        again = f"{PROG} import borgere {args.file} --yes" + (" --accept-duplicates" if args.accept_duplicates else "")
        print(f"Intet er gemt. Importér med:\n  {again}")
    elif not report.all_ok:
        print("De afviste rækker og de mulige dubletter er ikke importeret. Ret dem, og kør importen igen: "
              "det, der allerede er importeret, forbliver uændret.")  # fmt: skip
    return EXIT_OK if report.all_ok else EXIT_IMPORT_INCOMPLETE

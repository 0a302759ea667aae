"""``export``: all data as one JSON document (without passwords), or for people as spreadsheets — a CSV file per
kind in a folder (``--csv MAPPE``) or one XLSX file with a sheet per kind (``--xlsx FIL``). The command line
acts as the machine that holds the office key: it exports everything, and the extract is audited — or, with
``--as INITIALER``, only what that staff member may read (role and samtykke), audited in their name."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime, staff_id_for_as
from aaben_raadgivning.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from aaben_raadgivning.cli.parsing import PROG, add_global_options


def register(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="eksportér data som JSON, CSV eller XLSX",
        description="Eksportér alle data som ét JSON-dokument (uden adgangskoder), eller som regneark til "
        "mennesker: borgere, henvendelser, hændelser, aftaler, timer og opfølgning med danske kolonnenavne – "
        "en CSV-fil pr. slags i en mappe (semikolon, UTF-8 med BOM, til dansk Excel) eller én XLSX-fil med et "
        "ark pr. slags. Eksporten logges.",
        epilog="Eksempler:\n"
        f"  {PROG} export --xlsx eksport.xlsx\n"
        f"  {PROG} export --csv eksport-mappe\n"
        f"  {PROG} export --json eksport.json",
    )
    add_global_options(export, top_level=False)
    export.add_argument("--json", metavar="FIL", help="alle data som JSON; - betyder standard output")
    export.add_argument("--csv", metavar="MAPPE", help="en CSV-fil pr. slags i denne mappe (oprettes om nødvendigt)")
    export.add_argument("--xlsx", metavar="FIL", help="én XLSX-fil med et ark pr. slags")
    export.add_argument("--force", action="store_true", help="erstat filerne, hvis de findes (kun almindelige filer)")
    export.add_argument(
        "--as", dest="as_initials", metavar="INITIALER",
        help="kun det, denne medarbejder må se (rolle og samtykke), og logget i hans/hendes navn; "
        "kun med --csv og --xlsx",
    )  # fmt: skip
    export.set_defaults(handler=run_export, export_parser=export)


def run_export(args: argparse.Namespace) -> int:
    chosen = [option for option in ("json", "csv", "xlsx") if getattr(args, option) is not None]
    if len(chosen) != 1:  # argparse's own messages for a mutually exclusive group are English
        args.export_parser.print_usage(sys.stderr)
        print(f"{PROG} export: fejl: angiv præcis én af --json FIL, --csv MAPPE og --xlsx FIL", file=sys.stderr)
        return EXIT_USAGE
    if args.json is not None:
        if args.as_initials:
            raise CliError(
                "--as kan kun bruges med --csv og --xlsx: JSON-eksporten er alle data. Intet er eksporteret."
            )
        return _run_json(args)
    return _run_people(args)


def _run_people(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.progress import ProgressLine
    from aaben_raadgivning.store.documents.export import describe_people_counts, export_people

    fmt, destination = ("csv", args.csv) if args.csv is not None else ("xlsx", args.xlsx)
    if fmt == "xlsx" and not destination.lower().endswith(".xlsx"):
        raise CliError(f"Filen {destination} skal ende på .xlsx. Der er ikke skrevet nogen fil.")
    with opened_runtime(args) as runtime:
        viewer = None
        if args.as_initials:
            from aaben_raadgivning.store.queries.audit_log import viewer_of_staff

            nothing = "Der er ikke skrevet nogen fil."
            viewer = viewer_of_staff(runtime.db, staff_id_for_as(runtime.db, args.as_initials, nothing))
        progress = ProgressLine(sys.stderr)
        try:
            result = export_people(runtime.db, destination, fmt, overwrite=args.force, progress=progress, viewer=viewer)
        finally:
            progress.close()
    where = f"mappen {result.destination}" if fmt == "csv" else result.destination
    print(f"Eksporteret til {where}: {describe_people_counts(result.counts)}.")
    return EXIT_OK


def _run_json(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.documents.export import STDOUT, describe_counts, export_json

    with opened_runtime(args) as runtime:
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

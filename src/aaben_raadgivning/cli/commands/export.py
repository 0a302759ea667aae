"""``export``: all data as one JSON document (without passwords)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, CliError
from aaben_raadgivning.cli.parsing import add_global_options


def register(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="eksportér alle data som JSON",
        description="Eksportér alle data som ét JSON-dokument (uden adgangskoder). Eksporten logges.",
    )
    add_global_options(export, top_level=False)
    export.add_argument("--json", required=True, metavar="FIL", help="filen, der skrives; - betyder standard output")
    export.add_argument("--force", action="store_true", help="erstat filen, hvis den findes (kun en almindelig fil)")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
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

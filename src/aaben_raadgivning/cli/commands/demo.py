"""``demo``: fill a database with fictitious citizens, walk-ins and events (never the real one)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from aaben_raadgivning.cli.parsing import add_global_options, count, rate
from aaben_raadgivning.cli.progress import ProgressLine, thousands


def _demo_bound(name: str) -> Callable[[str], int]:
    """A count for the demo command, at most ``demo.generator.<name>`` (imported only when the demo is run)."""

    def parse(text: str) -> int:
        from aaben_raadgivning.demo import generator as demo  # Faker: only when the demo command is parsed

        value, high = count(text), getattr(demo, name)
        if value > high:
            raise argparse.ArgumentTypeError(f"«{text}» er for mange; højst {high:,}".replace(",", "."))
        return value

    return parse


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="fyld databasen med fiktive demodata",
        description="Fyld databasen med fiktive borgere, henvendelser og hændelser til afprøvning og\n"
        "belastningstest. Kræver --demo eller --data-dir, så rigtige sager aldrig blandes med demodata.\n"
        "Demomedarbejderne JK, JF, BM og LE har adgangskoden demo1234.",
    )
    add_global_options(demo, top_level=False)
    demo.add_argument(
        "--citizens", type=_demo_bound("MAX_CITIZENS"), required=True, metavar="ANTAL", help="antal borgere, fx 300"
    )
    demo.add_argument(
        "--days", type=_demo_bound("MAX_DAYS"), default=120, metavar="DAGE", help="så mange dage tilbage (standard 120)"
    )
    demo.add_argument(
        "--events-per-citizen",
        type=rate,
        default=6.0,
        metavar="ANTAL",
        help="hændelser pr. borger i snit (standard 6)",
    )
    demo.add_argument("--seed", type=int, default=1, metavar="TAL", help="samme tal giver samme data (standard 1)")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    if args.data_dir is None and not args.demo:
        raise CliError(
            "Demodata skrives ikke i den rigtige database. Brug --demo (egen demomappe) eller --data-dir MAPPE.",
            EXIT_USAGE,
        )
    from aaben_raadgivning.demo.generator import DEMO_PASSWORD, DEMO_STAFF, generate_demo
    from aaben_raadgivning.domain.open_hours import OpenHours

    # A demo folder, wherever it lies, uses the public demo key (and a real office's folder is refused).
    args.demo = True

    with opened_runtime(args, allow_new_database=True) as runtime:  # demo data may always start afresh
        progress = ProgressLine(sys.stderr)
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
        f"Demodata oprettet på {seconds} s: {thousands(summary.citizens)} borgere, "
        f"{thousands(summary.walk_ins)} henvendelser, {thousands(summary.events)} hændelser og "
        f"{thousands(summary.follow_ups)} opfølgninger."
    )
    print(f"Database: {database} ({thousands(round(database.stat().st_size / 1_000_000))} MB)")
    initials = ", ".join(initials for initials, _name, _role in DEMO_STAFF)
    print(f"Log ind som {initials} med adgangskoden {DEMO_PASSWORD}.")
    print("DEMODATA: mappen er krypteret med den offentlige demo-nøgle og må aldrig bruges til rigtige sager.")
    return EXIT_OK

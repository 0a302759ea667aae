"""``follow-up-sweep``: bring the derived follow-up tasks up to today (for a scheduled run)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aaben_raadgivning.cli.commands.common import existing_database, opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK
from aaben_raadgivning.cli.parsing import add_global_options
from aaben_raadgivning.cli.progress import ProgressBar


def register(commands: Any) -> None:
    sweep = commands.add_parser(
        "follow-up-sweep",
        help="opdatér opfølgningsopgaverne til dagens dato",
        description="Opdatér de afledte opfølgningsopgaver til dagens dato (fx når et virksomhedsforløbs\n"
        "første år eller en periode efter LAB § 31 er slut). Programmet gør det selv, når det åbnes og\n"
        "når datoen skifter; kommandoen er til en planlagt kørsel. Højst én gang om dagen: en ny kørsel\n"
        "samme dag gør ingenting.",
    )
    add_global_options(sweep, top_level=False)
    sweep.set_defaults(handler=run_follow_up_sweep)


def run_follow_up_sweep(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.actions.follow_up_sweep import sweep_follow_ups

    existing_database(args)  # a mistyped folder in a scheduled task must fail, not sweep a new empty database
    with opened_runtime(args) as runtime:
        progress = ProgressBar(sys.stderr)
        try:
            result = sweep_follow_ups(runtime.db, progress=progress)
        finally:
            progress.close()
    print(result.describe())
    return EXIT_OK

"""What several commands share: the opened runtime, the existing database, the share folder."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from aaben_raadgivning.cli.errors import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from aaben_raadgivning.config import AppPaths
    from aaben_raadgivning.runtime import Runtime


@contextmanager
def opened_runtime(args: argparse.Namespace, *, allow_new_database: bool = False) -> Iterator[Runtime]:
    from aaben_raadgivning.runtime import open_runtime  # imports the store: only for a command that needs it

    runtime = open_runtime(args.data_dir, demo=args.demo, allow_new_database=allow_new_database)
    try:
        yield runtime
    finally:
        runtime.close()


def existing_database(args: argparse.Namespace) -> AppPaths:
    """The app's paths, for commands that only make sense on a database that is already there."""
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.store.database_file import inspect

    paths = resolve_paths(args.data_dir, demo=args.demo)
    if inspect(paths.database, paths.backup_dir):  # a database that has vanished raises DatabaseMissing
        raise CliError(f"Der er ingen database i {paths.data_dir}. Tjek mappen (--data-dir).")
    return paths


def share_path(args: argparse.Namespace, runtime: Runtime) -> Path:
    """--share, or the share in the settings file."""
    share = args.share or (Path(runtime.settings.sync_share) if runtime.settings.sync_share else None)
    if share is None:
        raise CliError(
            'Der er ingen fællesmappe. Skriv den i indstillingsfilen under [sync] share = "…" '
            f"({runtime.paths.settings_file}) eller brug --share MAPPE.",
            EXIT_USAGE,
        )
    return share.expanduser()

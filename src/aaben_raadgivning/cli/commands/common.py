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
    from aaben_raadgivning.security.office_key import OfficeKey
    from aaben_raadgivning.store.database import Database


def office_key_for(args: argparse.Namespace, paths: AppPaths) -> OfficeKey:
    """The office key for the data folder; where this computer has none stored and a person is at the
    keyboard, the recovery code is asked for (not echoed). Raises ``OfficeKeyError`` otherwise."""
    import sys

    from aaben_raadgivning.security.key_store import OfficeKeyMissing, check_key, find_key, read_record
    from aaben_raadgivning.security.office_key import OfficeKey

    try:
        return find_key(paths.data_dir, demo=args.demo)
    except OfficeKeyMissing:
        record = read_record(paths.data_dir)
        if record is None or not sys.stdin.isatty():
            raise
    import getpass

    key = OfficeKey.from_recovery_code(getpass.getpass("Kontorets gendannelseskode (vises ikke): "))
    check_key(record, key, paths.data_dir)
    return key


@contextmanager
def opened_runtime(args: argparse.Namespace, *, allow_new_database: bool = False) -> Iterator[Runtime]:
    import sys

    from aaben_raadgivning.runtime import RuntimeOpener  # imports the store: only for a command that needs it

    opener = RuntimeOpener.prepare(args.data_dir, demo=args.demo, allow_new_database=allow_new_database)
    opener.office_key = office_key_for(args, opener.paths)
    runtime = opener.open()
    if runtime.demo:  # never mistaken for a real office's cases, whatever the command prints
        print(f"DEMODATA ({runtime.paths.data_dir}): fiktive borgere, den offentlige demo-nøgle.", file=sys.stderr)
    try:
        yield runtime
    finally:
        runtime.close()


def existing_database(args: argparse.Namespace) -> tuple[AppPaths, OfficeKey]:
    """The app's paths and the office key, for commands that only make sense on a database that is there."""
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.store.database_file import inspect

    paths = resolve_paths(args.data_dir, demo=args.demo)
    key = office_key_for(args, paths)
    if inspect(paths.database, paths.backup_dir, key=key.database_key):  # a vanished database: DatabaseMissing
        raise CliError(f"Der er ingen database i {paths.data_dir}. Tjek mappen (--data-dir).")
    return paths, key


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


def staff_id_for_as(db: Database, initials: str, nothing_done: str) -> str:
    """The staff member named by ``--as INITIALER``; a Danish refusal (``nothing_done`` says what was not done)
    when nobody has those initials."""
    from aaben_raadgivning.store.queries.audit_log import staff_by_initials

    staff_id = staff_by_initials(db, initials)
    if staff_id is None:
        raise CliError(f"Ingen medarbejder har initialerne {initials}. {nothing_done}")
    return staff_id

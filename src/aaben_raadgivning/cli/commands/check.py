"""``check``: the database file, references, search index and change log, and the settings file."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from aaben_raadgivning.cli.commands.common import existing_database
from aaben_raadgivning.cli.errors import EXIT_DATABASE_DAMAGED, EXIT_OK, EXIT_PROBLEM, database_exit_code
from aaben_raadgivning.cli.parsing import PROG, add_global_options
from aaben_raadgivning.cli.progress import thousands


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="kontrollér databasen",
        description="Kontrollér databasefilen, henvisninger, søgeindeks og ændringslog.\n"
        "Afslutter med 0, når alt er i orden, 1, når der er fundet problemer, og 6, når databasefilen er\n"
        "beskadiget eller mangler (beskeden siger, hvordan den seneste sikkerhedskopi hentes).",
    )
    add_global_options(check, top_level=False)
    check.add_argument("--repair", action="store_true", help="genopbyg søgeindekset, hvis det ikke stemmer, og "
                       "erstat sikkerhedskopier, der stadig har slettede borgere")  # fmt: skip
    check.set_defaults(handler=run_check)


def _settings_problems(args: argparse.Namespace) -> list[str]:
    """A broken settings file must not stop the check of the database; it is reported as a problem."""
    from aaben_raadgivning.config import load_settings, resolve_paths
    from aaben_raadgivning.domain.errors import UserError
    from aaben_raadgivning.domain.open_hours import OpenHours, OpenHoursError
    from aaben_raadgivning.domain.workdays import WorkdayCalendar

    path = resolve_paths(args.data_dir, demo=args.demo).settings_file
    try:
        settings = load_settings(path)
        OpenHours.parse(settings.open_hours)
        WorkdayCalendar(settings.extra_days_off)
    except OpenHoursError as exc:
        return [f"Åbningstiderne i {path} er forkerte: {exc.message}"]
    except UserError as exc:  # (a SettingsError's message names the file)
        return [exc.message]
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


def run_check(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.backups import scrub_backups
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.database_file import DatabaseFileError, damaged, quick_check
    from aaben_raadgivning.store.integrity import repair_search_index, run_checks

    settings_problems = _settings_problems(args)
    try:
        paths, key = existing_database(args)
        # Every page, before the open below may write (migration, device id) or a check trips over damage.
        damage = quick_check(paths.database, key.database_key)
        if damage:
            raise damaged(paths.database, paths.backup_dir, "; ".join(damage))
        db = open_database(paths.database, paths.backup_dir, office_key=key)
    except DatabaseFileError as exc:
        return _report_unusable_database(exc, args, settings_problems)
    try:
        print(f"Kontrollerer {paths.database}")
        results = run_checks(db, paths.backup_dir)
        problems = _print_results(results, settings_problems)
        repairable = any(p.repairable for result in results for p in result.problems)
        if problems and repairable and args.repair:
            count = repair_search_index(db)
            print(f"\nSøgeindekset er genopbygget ({thousands(count)} borgere). Kontrollerer igen:")
            results = run_checks(db, paths.backup_dir)
            problems = _print_results(results, settings_problems)
            repairable = False
        if problems and args.repair and _backups_hold_erased(results):
            report = scrub_backups(db, paths.backup_dir)
            print(f"\n{len(report.removed)} sikkerhedskopi(er) med slettede borgere er erstattet af en ny "
                  f"({report.fresh.name if report.fresh else 'ingen'}). Kontrollerer igen:")  # fmt: skip
            results = run_checks(db, paths.backup_dir)
            problems = _print_results(results, settings_problems)
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


def _backups_hold_erased(results: Sequence[Any]) -> bool:
    from aaben_raadgivning.store.integrity import BACKUPS_TITLE

    return any(result.title == BACKUPS_TITLE and not result.ok for result in results)


def _report_unusable_database(exc: OSError, args: argparse.Namespace, settings_problems: list[str]) -> int:
    """``check`` on a database that cannot be opened: the diagnosis as one failed check, and its exit code."""
    from aaben_raadgivning.config import resolve_paths

    print(f"Kontrollerer {resolve_paths(args.data_dir, demo=args.demo).database}")
    _print_results([], settings_problems)
    print("  [FEJL] Databasefilen kan åbnes")
    print("         " + str(exc).replace("\n", "\n         "))
    code = database_exit_code(exc)
    if code == EXIT_DATABASE_DAMAGED:
        print("Brug ikke programmet på denne computer, før databasen er hentet tilbage.")
    return code

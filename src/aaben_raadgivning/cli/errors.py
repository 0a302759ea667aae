"""Exit codes, and how a failure becomes a short Danish message and an exit code, never a traceback.

A failure a user can cause ends in its Danish message and exit code 1; a damaged or vanished local database
in exit code 6; a read-only data folder or a full disk in exit code 7. A bug is written to the log file (type
and frames only) and the terminal gets a Danish sentence. For start-up speed this module imports only the
standard library and the small domain.errors at import time; the store is imported when a failure is explained.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from aaben_raadgivning.domain.errors import UserError

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
# Any command: this computer has no office key for the folder, or a wrong one (office init / office join).
EXIT_OFFICE_KEY = 9
# `import borgere` only: some rows are (or, in a dry run, would be) refused or left out as probable
# duplicates; the other rows are imported.
EXIT_IMPORT_INCOMPLETE = 10


class CliError(UserError):
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


def translate_argparse_error(message: str) -> str:
    for pattern, replacement in _ERROR_TRANSLATIONS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


# --- failures a user can cause -------------------------------------------------------------------


def database_exit_code(exc: OSError) -> int:
    from aaben_raadgivning.store.database_file import DatabaseNotEncrypted, DatabaseNotWritable

    if isinstance(exc, DatabaseNotEncrypted):
        return EXIT_OFFICE_KEY  # not damaged: it waits for «office encrypt»
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
    from aaben_raadgivning.domain.errors import ValidationError
    from aaben_raadgivning.domain.open_hours import OpenHoursError
    from aaben_raadgivning.store.migrate import MigrationError

    if isinstance(exc, ValidationError):
        return "\n".join(exc.errors.values()), EXIT_PROBLEM
    if isinstance(exc, OpenHoursError):
        return f"Åbningstiderne i indstillingsfilen er forkerte: {exc.message}", EXIT_PROBLEM
    from aaben_raadgivning.domain.step_models import StepModelError

    if isinstance(exc, StepModelError):
        return f"Trinmodellen i indstillingsfilen kan ikke bruges: {exc.message}", EXIT_PROBLEM
    if isinstance(exc, MigrationError):
        return str(exc), EXIT_PROBLEM
    from aaben_raadgivning.security.key_store import OfficeKeyError
    from aaben_raadgivning.security.office_key import RecoveryCodeError

    if isinstance(exc, OfficeKeyError | RecoveryCodeError):
        return exc.message, EXIT_OFFICE_KEY
    problem = _database_problem(exc, args)  # before UserError: a DatabaseFileError has its own exit code
    if problem is not None:
        return str(problem), database_exit_code(problem)
    if isinstance(exc, UserError):  # settings, not found and the rest: the message is for the user
        return exc.message, EXIT_PROBLEM
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


# --- the log file ------------------------------------------------------------------------------


def log_file(args: argparse.Namespace) -> Path:
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


class LogFileHandler(logging.Handler):
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


def report_error(exc: BaseException, args: argparse.Namespace) -> int:
    """Print ``exc`` for the user (a bug goes to the log file) and return the exit code."""
    known = _known_error(exc, args)
    if known is not None:
        message, code = known
        print(message, file=sys.stderr)
        return code
    # A bug: the log gets its type and frames for support, never its message (an SQLAlchemy error quotes the
    # statement's parameters: names, CPR numbers) nor locals; the terminal gets a Danish sentence only.
    from aaben_raadgivning.logs import write_crash_report

    path = log_file(args)
    if write_crash_report(path.parent, exc, path.name) is not None:
        where = f"Detaljerne (uden personoplysninger) er skrevet i logfilen {path}."
    else:
        where = f"Detaljerne kunne ikke skrives i logfilen {path}."
    print(f"Der opstod en uventet fejl, og kommandoen er stoppet. {where} Send den gerne til den, der hjælper "
          "med programmet.", file=sys.stderr)  # fmt: skip
    return EXIT_PROBLEM

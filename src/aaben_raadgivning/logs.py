"""File logging into the platform's log folder (or ``<data-dir>/logs``). Logs never hold personal data:
they say what the program did, the audit log says who looked at whom.

An exception is logged by its type and frames only (``file:line in function``), never by its message or
local variables: messages can quote what a user typed (a ValueError on a date, a CPR number), and SQLite and
SQLAlchemy errors quote the statement's parameters (names, notes). Fixed error codes (errno, the SQLite
error name) are kept, since they say why without saying about whom.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

LOG_FILENAME = "aaben-raadgivning.log"

_handler: _FileHandler | None = None  # the handler configure_logging put on the root logger


class SafeFormatter(logging.Formatter):
    """The usual line format; a record's exception is written by ``describe_exception``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its own full traceback (with the message) on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei) -> str:
        return describe_exception(ei[1])


class _FileHandler(RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        """A log that cannot be written is not worth a crash, nor a Python traceback over the app's screen."""


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``<log_dir>/aaben-raadgivning.log``; a second call replaces the first one's file."""
    global _handler
    close_logging()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILENAME
    _handler = _FileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    _handler.setFormatter(SafeFormatter())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(_handler)
    return path


def close_logging() -> None:
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def write_crash_report(log_dir: Path, error: BaseException, filename: str = LOG_FILENAME) -> Path | None:
    """Append an unexpected error to the log file (directly, so it works whether or not logging is set
    up); the file's path, or None when it could not be written."""
    path = log_dir / filename
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{stamp} CRITICAL crash: unexpected error, the program stopped\n")
            handle.write(describe_exception(error) + "\n")
    except OSError:
        return None
    return path


def describe_exception(error: BaseException | None) -> str:
    """An exception and its causes as type names and frames, without messages or locals (see the module
    docstring). The last frame is where it was raised, as in a Python traceback."""
    lines: list[str] = []
    seen: set[int] = set()
    current, heading = error, "Traceback (most recent call last), messages left out:"
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(heading)
        lines.extend(_frames(current.__traceback__))
        lines.append(_error_name(current))
        for member in getattr(current, "exceptions", ()):  # an ExceptionGroup's members, one level deep
            lines.append(f"  member: {_error_name(member)}")
            lines.extend("  " + frame for frame in _frames(member.__traceback__))
        if current.__cause__ is not None:
            current, heading = current.__cause__, "Caused by:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, heading = current.__context__, "Raised while handling:"
        else:
            current = None
    return "\n".join(lines)


def _frames(tb: TracebackType | None) -> list[str]:
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"  {_short_path(code.co_filename)}:{tb.tb_lineno} in {code.co_name}")
        tb = tb.tb_next
    return frames


def _error_name(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    code = None
    if isinstance(error, OSError) and error.errno is not None:
        code = errno.errorcode.get(error.errno)
    code = code or getattr(error, "sqlite_errorname", None)  # sqlite3.Error (Python 3.11+)
    return f"{name} [{code}]" if code else name


def _short_path(filename: str) -> str:
    """Relative to its import root, so the log does not hold the user's home folder (their name)."""
    for root in sorted((p for p in sys.path if p), key=len, reverse=True):
        prefix = os.path.join(root, "")
        if filename.startswith(prefix):
            return filename[len(prefix) :]
    return filename

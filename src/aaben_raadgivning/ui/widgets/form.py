"""Small helpers for the app's forms: a labelled field with its own Danish error line, and running a store
action so that a refusal or a failed save is shown on the form instead of closing it (typed text is kept)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, Final, Literal, TypeVar

from rich.text import Text
from sqlalchemy.exc import DBAPIError
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Label, Static

from aaben_raadgivning.domain.errors import UserError, ValidationError
from aaben_raadgivning.store import sqlite_driver
from aaben_raadgivning.store.documents.export import describe_os_error

log = logging.getLogger(__name__)

T = TypeVar("T")


class Failed(enum.Enum):
    """The type of FAILED: an enum member, so a type checker narrows ``result is not FAILED`` to the result."""

    FAILED = "FAILED"


FAILED: Final = Failed.FAILED  # what ``attempt_action`` returns when the action was refused (reasons on the form)

# A save the database or the disk refused (busy, full, read-only, I/O error): the user can try again.
STORAGE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, sqlite_driver.Error, OSError)
# Every user-facing error (domain.errors.UserError) carries its own Danish message, so one base catches them all.
REFUSALS: tuple[type[Exception], ...] = (UserError, *STORAGE_ERRORS)

# SQLite's error names (Python 3.11+) and, for errors made without them, words of its messages.
_STORAGE_REASONS = (
    (("SQLITE_BUSY", "SQLITE_LOCKED", "locked", "busy"), "databasen er optaget af et andet program"),
    (("SQLITE_FULL", "disk is full"), "disken er fuld"),
    (("SQLITE_READONLY", "readonly", "read-only"), "databasen eller dens mappe er skrivebeskyttet"),
    (("SQLITE_IOERR", "disk i/o"), "disken kunne ikke læses eller skrives"),
    (("SQLITE_CORRUPT", "SQLITE_NOTADB", "malformed", "not a database"), "databasefilen er beskadiget"),
)


class Field(Vertical):
    """A label, an input widget and an error line (``#error-<name>``) under it."""

    DEFAULT_CSS = """
    Field { height: auto; margin-bottom: 0; }
    Field .field-error { color: $fg-error; height: auto; }
    Field .field-error.-empty { display: none; }
    """

    def __init__(self, label: str, widget: Widget, name: str) -> None:
        super().__init__(id=f"field-{name}")
        self._label = label
        self._widget = widget
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield self._widget
        yield Static("", id=f"error-{self.field_name}", classes="field-error -empty")


def show_errors(root: DOMNode, errors: dict[str, str], general_id: str = "form-error") -> None:
    """Put each message under its field; messages for fields without one go to the general line."""
    leftovers = []
    for field in root.query(Field):
        error = field.query_one(f"#error-{field.field_name}", Static)
        message = errors.get(field.field_name, "")
        error.update(Text(message))  # a message may quote what was typed
        error.set_class(not message, "-empty")
    known = {field.field_name for field in root.query(Field)}
    leftovers = [message for name, message in errors.items() if name not in known]
    for general in root.query(f"#{general_id}"):
        if isinstance(general, Static):
            general.update(Text("\n".join(leftovers)))


def clear_errors(root: DOMNode) -> None:
    show_errors(root, {})


def attempt_action(root: DOMNode, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | Literal[Failed.FAILED]:
    """Run a store action; if it is refused or cannot be saved, show why on ``root``'s form and return
    FAILED. The form stays open with what was typed, so nothing has to be written again."""
    try:
        return action(*args, **kwargs)
    except REFUSALS as exc:
        show_errors(root, refusal_errors(exc))
        return FAILED


def refusal_errors(exc: Exception) -> dict[str, str]:
    """Danish messages by field for an action's refusal (one of REFUSALS); a storage failure is logged."""
    if isinstance(exc, ValidationError):
        return exc.errors
    if isinstance(exc, UserError):
        return {"general": exc.message}
    log.warning("A save failed", exc_info=exc)  # the log's formatter leaves the message (SQL parameters) out
    reason = storage_problem(exc)
    return {"general": f"Kunne ikke gemme: {reason}. Det skrevne er ikke gemt, men står her stadig. Prøv igen."}


def refusal_text(exc: Exception) -> str:
    """``refusal_errors`` as one line, for a notification."""
    return " ".join(refusal_errors(exc).values())


def storage_problem(exc: Exception) -> str:
    """Why the database or the disk refused, in Danish (SQLite's messages are English)."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    facts = f"{getattr(original, 'sqlite_errorname', '') or ''} {str(original).lower()}"
    for markers, reason in _STORAGE_REASONS:
        if any(marker in facts for marker in markers):
            return reason
    return "databasen meldte en fejl"

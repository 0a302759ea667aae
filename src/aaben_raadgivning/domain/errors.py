"""Errors a user action can end in. Messages are Danish, written for the person at the counter."""

from __future__ import annotations


class UserError(Exception):
    """Base of every error a person can act on: ``message`` is Danish, written for them, and shown as it is
    (a form keeps what was typed, the CLI prints it and exits non-zero). Anything else is a bug."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ValidationError(UserError, ValueError):
    """Input was rejected; ``errors`` maps a field name to a Danish message. Nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls({field: message})


class NotFoundError(UserError, LookupError):
    """A record the action refers to does not exist (or is deleted)."""

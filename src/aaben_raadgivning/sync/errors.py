"""What a sync can end in. Every one but ``Unappliable`` is shown to a person: the message is Danish."""

from __future__ import annotations

from aaben_raadgivning.domain.errors import UserError


class SyncError(UserError):
    """A sync that could not run; the message is Danish."""


class ShareUnreachable(SyncError):
    pass


class WrongShare(ShareUnreachable):
    """The folder is not this laptop's share (empty, unmounted, another office's): nothing was written."""


class SyncRefused(SyncError):
    """The sync must not run: a cloned device id, or a share written by a newer version (safe mode)."""

    def __init__(self, message: str, *, safe_mode: bool = False) -> None:
        super().__init__(message)
        self.safe_mode = safe_mode


class Unappliable(Exception):
    """A segment whose changes point at rows this laptop does not have (internal: the round goes on)."""


class SyncBusy(SyncError):
    pass

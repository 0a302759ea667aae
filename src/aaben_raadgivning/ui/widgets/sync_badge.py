"""The sync state in a few characters, shown at the right of every screen's footer.

"⇅ 14.05" (last successful sync, Danish local time; the date too when it was not today), "· 3 venter"
(own changes not yet on the share), "· 2 konflikter", "✗" when the last round failed or the share could
not be reached, "synkroniserer…" while a round runs. Two problems that need the user are named, since they
do not go away by themselves: "· forkert mappe" (the folder is not this laptop's share) and "· mangler
ændringer" (another computer's changes cannot be received: a file is missing on the share). Nothing at all when no share is set up: a laptop
that never syncs should not carry a warning it cannot act on (F9 explains how to set one up).
"""

from __future__ import annotations

from datetime import datetime

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date_short


def sync_badge(
    *,
    configured: bool,
    running: bool,
    failed: bool,
    last_success: datetime | None,
    waiting: int,
    conflicts: int,
    safe_mode: bool,
    now: datetime,
    gaps: int = 0,
    wrong_share: bool = False,
) -> str:
    """``last_success`` and ``now`` are UTC (as stored); the badge shows Danish local time."""
    if not configured:
        return ""
    if safe_mode:
        return "⇅ sikker tilstand"
    if running:
        return "⇅ synkroniserer…"
    parts = ["⇅" + (" ✗" if failed or gaps or wrong_share else "")]
    if last_success is None:
        parts.append("aldrig")
    else:
        local, today = to_local(last_success), to_local(now).date()
        stamp = local.strftime("%H.%M")
        parts.append(stamp if local.date() == today else f"{format_date_short(local.date())} {stamp}")
    text = " ".join(parts)
    if wrong_share:
        text += " · forkert mappe"
    if gaps:
        text += " · mangler ændringer"
    if waiting:
        text += f" · {waiting} venter"
    if conflicts:
        text += f" · {conflicts} konflikt{'er' if conflicts != 1 else ''}"
    return text

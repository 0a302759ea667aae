"""Pilot helpers shared by the UI tests."""

from __future__ import annotations

import html
import re

from textual.app import App
from textual.pilot import Pilot


async def login(pilot: Pilot, initials: str = "JK", password: str = "hemmelig1") -> None:
    await pilot.click("#initials")
    await pilot.press(*initials, "enter", *password, "enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: App) -> str:
    """What the screen shows as plain text (from the SVG screenshot), for 'does the user see X' asserts."""
    svg = app.export_screenshot()
    rows = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(rows)).replace("\xa0", " ")


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])

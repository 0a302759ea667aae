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


async def wait_for_text(pilot: Pilot, expected: str, timeout: float = 3.0) -> str:
    """The screen's text once it shows ``expected`` (live updates may take a few refreshes on a busy
    machine); fails with the text it last saw."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    text = screen_text(pilot.app)
    while expected not in text and loop.time() < deadline:
        await pilot.pause(0.05)
        text = screen_text(pilot.app)
    assert expected in text, text
    return text


async def run_from_palette(pilot: Pilot, text: str, timeout: float = 5.0) -> None:
    """Open the command palette, type ``text`` and run the first command it finds. The palette searches
    in the background, so this waits until a command is listed (a fixed pause is flaky on a busy machine)."""
    import asyncio

    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await pilot.pause()
    await type_text(pilot, text)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = pilot.app.screen.query(CommandList)
        if found and found.first().option_count and found.first().highlighted is not None:
            break
        await pilot.pause(0.05)
    else:
        raise AssertionError(f"the command palette found nothing for {text!r}")
    await pilot.press("enter")
    while isinstance(pilot.app.screen, CommandPalette) and loop.time() < deadline:
        await pilot.pause(0.05)
    await pilot.pause()

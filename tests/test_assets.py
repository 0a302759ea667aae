"""The README's screenshots (assets/screenshots) are the app's current rendering: the snapshot tests' SVGs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("update_screenshots", ROOT / "assets" / "update_screenshots.py")
assert _spec is not None and _spec.loader is not None
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)


@pytest.mark.parametrize("name", sorted(screenshots.SCREENSHOTS))
def test_each_readme_screenshot_is_the_screen_as_the_app_draws_it_now(name):
    shown = screenshots.TARGET / name
    drawn = screenshots.SNAPSHOTS / screenshots.SCREENSHOTS[name]
    assert shown.read_bytes() == drawn.read_bytes(), "run: python assets/update_screenshots.py"


def test_the_readme_shows_every_screenshot():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in screenshots.SCREENSHOTS:
        assert f"assets/screenshots/{name}" in readme

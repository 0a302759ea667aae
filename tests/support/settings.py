"""Settings changed for a test: the flat names the screens read (``office_name``, ``device_name``, …) mapped to
their section in the nested Settings declaration (config.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from aaben_raadgivning.config import Settings

_SECTIONS = {
    "office_name": ("office", "name"),
    "device_name": ("device", "name"),
    "sync_share": ("sync", "share"),
    "sync_server": ("sync", "server"),
    "idle_lock_minutes": ("security", "idle_lock_minutes"),
}


def changed(settings: Settings, **values: Any) -> Settings:
    """``settings`` with the given flat-named values replaced, e.g. ``changed(s, device_name="skranken")``."""
    for flat, value in values.items():
        section, key = _SECTIONS[flat]
        settings = dataclasses.replace(
            settings, **{section: dataclasses.replace(getattr(settings, section), **{key: value})}
        )
    return settings

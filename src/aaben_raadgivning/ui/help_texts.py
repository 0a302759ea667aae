"""The help screen's texts (assets/help.toml): per main screen a title, a «Sådan gør du …» list and longer
texts for some keys, plus the app-wide keys' texts. Read once and checked: a mistake in the file is a
``HelpTextError`` naming what is wrong, not a help screen that shows nothing."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


class HelpTextError(ValueError):
    """assets/help.toml is not as described in its header."""


@dataclass(frozen=True)
class ScreenHelp:
    title: str
    how: tuple[str, ...] = ()
    keys: Mapping[str, str] = field(default_factory=dict)  # action -> what the key does


@dataclass(frozen=True)
class HelpTexts:
    app_keys: Mapping[str, str]
    screens: Mapping[str, ScreenHelp]  # by the screen's module in ui/screens and class: "counter.CounterScreen"

    def for_screen(self, name: str) -> ScreenHelp | None:
        return self.screens.get(name)


def _texts(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise HelpTextError(f'{where}: skal være en tabel af handling = "tekst"')
    return dict(value)


def parse_help(text: str) -> HelpTexts:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HelpTextError(f"help.toml kan ikke læses: {exc}") from None
    unknown = set(data) - {"app", "screens"}
    if unknown:
        raise HelpTextError(f"help.toml: ukendte afsnit {sorted(unknown)}")
    app = data.get("app", {})
    app_keys = _texts(app.get("keys", {}), "[app.keys]")
    screens: dict[str, ScreenHelp] = {}
    for name, section in data.get("screens", {}).items():
        where = f"[screens.{name}]"
        if not isinstance(section, dict) or set(section) - {"title", "how", "keys"}:
            raise HelpTextError(f"{where}: kun title, how og keys er tilladt")
        title = section.get("title")
        how = section.get("how", [])
        if not isinstance(title, str) or not title:
            raise HelpTextError(f"{where}: title mangler")
        if not isinstance(how, list) or not all(isinstance(line, str) and line for line in how):
            raise HelpTextError(f"{where}: how skal være en liste af tekster")
        screens[name] = ScreenHelp(title, tuple(how), _texts(section.get("keys", {}), f"{where}.keys"))
    return HelpTexts(app_keys, screens)


@cache
def load_help() -> HelpTexts:
    """The help texts shipped with the app."""
    return parse_help(resources.files("aaben_raadgivning.assets").joinpath("help.toml").read_text(encoding="utf-8"))

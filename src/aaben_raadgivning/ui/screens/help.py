"""The help screen (F1, or ? where no text field has focus; «Hjælp (F1)» in the command palette).

For the screen it was opened on: its keys and the app-wide keys with their Danish words and, where
assets/help.toml has one, a longer text; keys the logged-in role may not use (``check_action``) are left
out. Then the screen's «Sådan gør du» list. Esc (or F1 again) closes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from aaben_raadgivning.ui.help_texts import load_help

_KEY_NAMES = {
    "escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Mellemrum", "delete": "Delete",
    "backspace": "Backspace", "up": "↑", "down": "↓", "left": "←", "right": "→", "home": "Home", "end": "End",
    "pageup": "PgUp", "pagedown": "PgDn",
}  # fmt: skip
# Keys every screen has, from Textual itself (its own words are English).
GENERAL_KEYS = (("Tab / Shift+Tab", "Næste / forrige felt"),)


def key_text(key: str) -> str:
    """A bound key as the help writes it: "ctrl+n" as "Ctrl+N", "f2" as "F2", "question_mark" as "?"."""
    *modifiers, name = key.split("+")
    shown = _KEY_NAMES.get(name) or (name.upper() if re.fullmatch(r"f\d+", name) else format_key(name))
    if modifiers and len(shown) == 1:
        shown = shown.upper()
    return "+".join([m.capitalize() for m in modifiers] + [shown])


def help_name(screen: Screen) -> str:
    """The screen's section in help.toml: its module in ui/screens and its class ("counter.CounterScreen")."""
    cls = type(screen)
    return f"{cls.__module__.removeprefix('aaben_raadgivning.ui.screens.')}.{cls.__name__}"


@dataclass(frozen=True)
class HelpKey:
    keys: str  # "F2" or "F / [" for a binding with several keys
    word: str  # the footer's word
    text: str  # what it does, longer ("" when the word says it)


def _own_bindings(node: DOMNode) -> Iterable[Binding]:
    """The bindings the app's own classes declare (subclass first): Textual's built-in ones are English."""
    for cls in type(node).__mro__:
        if cls.__module__.startswith("aaben_raadgivning"):
            yield from Binding.make_bindings(cls.__dict__.get("BINDINGS", ()))


def _allowed(node: DOMNode, action: str) -> bool:
    return node.check_action(action, ()) is not False


def help_keys(app: App, screen: Screen) -> list[HelpKey]:
    """The screen's keys, then the app's, each action once; none the role may not use."""
    texts = load_help()
    screen_help = texts.for_screen(help_name(screen))
    screen_texts = screen_help.keys if screen_help is not None else {}
    taken: set[str] = set()
    found: list[HelpKey] = []
    for node, extra in ((screen, screen_texts), (app, texts.app_keys)):
        keys_by_action: dict[str, list[str]] = {}
        words: dict[str, str] = {}
        for binding in _own_bindings(node):
            keys = [k.strip() for k in binding.key.split(",") if k.strip() not in taken]
            if not binding.description or not keys or not _allowed(node, binding.action):
                continue
            keys_by_action.setdefault(binding.action, []).extend(
                k for k in keys if k not in keys_by_action.get(binding.action, [])
            )
            words.setdefault(binding.action, binding.description)
        for action, keys in keys_by_action.items():
            taken.update(keys)
            text = extra.get(action, "")
            found.append(HelpKey(" / ".join(key_text(k) for k in keys), words[action], text))
    return found


class HelpScreen(ModalScreen[None]):
    """Help for ``about``: the screen it was opened on."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help-box { width: 90; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                           background: $surface; padding: 0 1; }
    HelpScreen #help-title { dock: top; text-style: bold; color: $fg-accent; }
    HelpScreen #help-body { height: auto; max-height: 100%; }
    HelpScreen #help-close { dock: bottom; color: $fg-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Luk hjælpen"),
        Binding("f1,question_mark", "close", "Luk hjælpen", show=False),
    ]

    def __init__(self, about: Screen) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        screen_help = load_help().for_screen(help_name(self.about))
        title = screen_help.title if screen_help is not None else (self.about.title or self.app.title or "")
        with Vertical(id="help-box"):
            yield Static(Text(f"Hjælp · {title}"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.body(), id="help-text")
            yield Static("Esc lukker hjælpen · ↑/↓ ruller", id="help-close")

    def body(self) -> Group:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key in help_keys(self.app, self.about):
            keys.add_row(key.keys, f"{key.word} – {key.text}" if key.text else key.word)
        for shown, word in GENERAL_KEYS:
            keys.add_row(shown, word)
        parts: list[RenderableType] = [Text("Taster", style="bold"), keys]
        screen_help = load_help().for_screen(help_name(self.about))
        if screen_help is not None and screen_help.how:
            how = Table.grid(padding=(0, 1))
            how.add_column(no_wrap=True)
            how.add_column()
            for line in screen_help.how:
                how.add_row("•", line)
            parts += [Text(""), Text("Sådan gør du", style="bold"), how]
        return Group(*parts)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

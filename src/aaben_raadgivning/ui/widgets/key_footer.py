"""A footer that wraps its keys onto more rows, so a screen with many actions shows every key at 80 columns.

It is Textual's Footer (same keys, same look, click to press) laid out in rows instead of one line that
scrolls sideways. When the keys need more than ``MAX_ROWS`` rows, the screen's last-declared keys give way to
«f1 Alle taster» (the help lists every key), so the app's own keys (F2…F12) are always in sight.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.widgets import Footer, Label
from textual.widgets._footer import (
    FooterKey,  # the key widget Footer itself uses (not re-exported)
)

MAX_ROWS = 4
# The words of keys Textual's own widgets bind (shown in the footer while such a widget has focus).
DANISH_WORDS = {"Dismiss menu": "Luk listen"}


def danish(description: str) -> str:
    return DANISH_WORDS.get(description, description)


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter { layout: vertical; height: auto; max-height: 4; }
    KeyFooter .key-row { width: 100%; height: 1; }
    KeyFooter .badge-spacer { width: 1fr; }
    KeyFooter .sync-badge { width: auto; padding: 0 1; color: $fg-muted; }
    KeyFooter .sync-badge.-problem { color: $fg-error; text-style: bold; }
    KeyFooter .who { width: auto; padding: 0 1; color: $fg-accent; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._width = 0

    def _key_width(self, binding: Binding) -> int:
        return len(self.app.get_key_display(binding)) + 1 + len(danish(binding.description)) + 1

    def _fit(
        self, keys: list[tuple[Binding, bool, str]], width: int, first_row: int, *, overflow: bool = False
    ) -> list[list[tuple[Binding, bool, str]]] | None:
        """First fit: each key goes into the first row with room, so a short key may fill a gap in an earlier row;
        the order of declaration is kept otherwise. None when the keys need more than MAX_ROWS rows (with
        ``overflow``, the rest go into the last row, where they are cut)."""
        rows: list[list[tuple[Binding, bool, str]]] = [[]]
        used = [first_row]
        for item in keys:
            needed = self._key_width(item[0])
            row = next((n for n, filled in enumerate(used) if not rows[n] or filled + needed <= width), None)
            if row is None:
                if len(rows) == MAX_ROWS:
                    if not overflow:
                        return None
                    row = len(rows) - 1
                else:
                    rows.append([])
                    used.append(0)
                    row = len(rows) - 1
            rows[row].append(item)
            used[row] += needed
        return rows

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys: list[tuple[Binding, bool, str]] = []
        app_actions: set[str] = set()  # the app's own keys (F2…F12, ^q): shown on every screen
        help_key: tuple[Binding, bool, str] | None = None
        for node, binding, enabled, tooltip in active.values():
            if binding.action == "show_help" and help_key is None:
                help_key = (binding, enabled, tooltip)
            if binding.show and binding.action not in seen and binding.key != self.app.COMMAND_PALETTE_BINDING:
                seen.add(binding.action)
                keys.append((binding, enabled, tooltip))
                if node is self.app:
                    app_actions.add(binding.action)
        width = self._width = self.app.size.width
        badge = getattr(self.app, "sync_badge", "")
        staff = getattr(self.app, "staff", None)
        who = staff.initials if staff is not None else ""  # who is logged in, always in sight
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)  # "^p Kommandoer", docked right in the first row
        palette_width = self._key_width(palette[1]) + 1 if palette is not None and self.show_command_palette else 0
        first_row = palette_width + (len(badge) + 2 if badge else 0) + (len(who) + 2 if who else 0)
        rows = self._fit(keys, width, first_row)
        if rows is None:
            # Too many keys for the rows: the screen's last ones give way (F1 lists them all, and says so here),
            # so the keys that move between screens are always in sight.
            more = (
                (Binding(help_key[0].key, "show_help", "Alle taster"), help_key[1], help_key[2]) if help_key else None
            )
            screen_keys = [item for item in keys if item[0].action not in app_actions]
            app_keys = [item for item in keys if item[0].action in app_actions]
            while rows is None and screen_keys:
                screen_keys.pop()
                rows = self._fit([*screen_keys, *([more] if more else []), *app_keys], width, first_row)
            if rows is None:
                rows = self._fit(keys, width, first_row, overflow=True)
        assert rows is not None
        for number, row_keys in enumerate(rows):
            with HorizontalGroup(classes="key-row"):
                for binding, enabled, tooltip in row_keys:
                    yield FooterKey(
                        binding.key,
                        self.app.get_key_display(binding),
                        danish(binding.description),
                        binding.action,
                        disabled=not enabled,
                        tooltip=tooltip,
                    ).data_bind(compact=Footer.compact)
                if number == 0 and (badge or who):
                    # Right-aligned before the docked palette key (two widgets docked right would overlap).
                    yield Label("", classes="badge-spacer")
                if number == 0 and badge:
                    yield Label(badge, classes="sync-badge -problem" if "✗" in badge else "sync-badge")
                if number == 0 and who:
                    yield Label(who, classes="who")
                if number == 0 and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
                    if palette is not None:
                        _node, binding, enabled, tooltip = palette
                        yield FooterKey(
                            binding.key,
                            self.app.get_key_display(binding),
                            binding.description,
                            binding.action,
                            classes="-command-palette",
                            disabled=not enabled,
                            tooltip=binding.tooltip or binding.description,
                        )

    def on_mount(self) -> None:
        if hasattr(self.app, "sync_badge"):
            self.watch(self.app, "sync_badge", lambda _old, _new: self.recompose(), init=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)

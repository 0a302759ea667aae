"""Textual's command palette with Danish words: «Søg efter kommandoer …» and «Ingen kommandoer fundet».

The placeholder is a constructor argument of Textual's ``CommandPalette``; «No matches found» is written
inside ``_start_no_matches_countdown``, so that method is repeated here with the Danish text (Textual
8.2; tests/ui/test_help_and_language.py shows the Danish text, and fails if a Textual upgrade changes it).
"""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

PLACEHOLDER = "Søg efter kommandoer …"
THEME_PLACEHOLDER = "Søg efter farvetema …"
NO_MATCHES = "Ingen kommandoer fundet"


class DanishCommandPalette(CommandPalette):
    def __init__(self, *args, placeholder: str = PLACEHOLDER, **kwargs) -> None:
        super().__init__(*args, placeholder=placeholder, **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """As Textual's, in Danish: after a moment without a match, say so (not while only browsing)."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)

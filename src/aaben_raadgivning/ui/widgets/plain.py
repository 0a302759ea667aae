"""Text people typed is shown as typed. Textual reads a ``str`` given to a Static, a DataTable cell, an
OptionList option or a notification as markup: a name like ``Markup [/bold] Testesen`` raised an error and
``[b]x[/b]`` lost its brackets. So user text goes in as ``rich.text.Text`` (or through ``escape`` when it
sits inside markup of our own, or with ``markup=False``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from rich.markup import escape
from rich.text import Text

__all__ = ["escape", "plain_cells", "plain_options"]

V = TypeVar("V")


def plain_cells(*cells: object) -> list[object]:
    """DataTable cells with every ``str`` as plain text (Text, styled cells and other renderables kept)."""
    return [Text(cell) if isinstance(cell, str) else cell for cell in cells]


def plain_options(options: Iterable[tuple[str, V]]) -> list[tuple[Text, V]]:
    """Select options whose labels hold user text (staff and contact names, housing areas, sub-goals)."""
    return [(Text(label), value) for label, value in options]

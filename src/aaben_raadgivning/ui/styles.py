"""The app's colours for text, by what they mean, derived from the theme shown (never fixed colours).

Screens say what a text means — ``WARNING``, ``ERROR``, ``OK``, ``ACCENT``, ``MUTED`` — and get the colour the
current theme gives it: in TCSS as ``$fg-warning``, ``$fg-error``, ``$fg-ok``, ``$fg-accent``, ``$fg-muted``
(the app adds them to the theme's variables, ``AabenApp.get_css_variables``), in Python as a Rich style
(``themed(WARNING, bold=True)``). Each starts from the theme's own text colour for the meaning (``$text-warning``
…; ``$primary`` for ACCENT, the colour of titles and charts; the foreground at 60 % for MUTED) and is made
lighter (dark themes) or darker (light themes) until it has a contrast of at least 4.5:1 (WCAG 2.1 AA) on every
background text stands on: ``$background``, ``$surface``, ``$panel`` and the ``$boost`` bands.
``tests/ui/test_contrast.py`` holds every shipped theme to that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.style import Style
from textual._context import active_app
from textual.color import Color

WARNING = "fg-warning"
ERROR = "fg-error"
OK = "fg-ok"
ACCENT = "fg-accent"
MUTED = "fg-muted"
ROLES = (WARNING, ERROR, OK, ACCENT, MUTED)

# The themes the app offers («Skift farvetema»): the default first. Textual's ANSI themes are left out (their
# colours are the terminal's, which nobody can check), and so are themes whose body text ($foreground) fails
# WCAG AA on their own panels (tokyo-night, solarized-light/-dark, atom-one-dark, catppuccin-frappe …).
DEFAULT_THEME = "textual-dark"
SHIPPED_THEMES = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "dracula",
    "catppuccin-mocha",
    "catppuccin-latte",
)

AA_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
_TARGET = 4.6  # a little above, so rounding in a terminal never takes a colour under AA
_STEP = 0.04

# Where each meaning starts, in the theme's variables.
_SOURCES = {WARNING: "text-warning", ERROR: "text-error", OK: "text-success", ACCENT: "primary"}


def relative_luminance(color: Color) -> float:
    """WCAG 2.1 relative luminance of an opaque colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = color.normalized
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast_ratio(first: Color, second: Color) -> float:
    """WCAG 2.1 contrast ratio (1 to 21) of two opaque colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def resolve(value: str, under: Color) -> Color:
    """A theme variable's value as the opaque colour seen on ``under``: a colour with an alpha («#ffffff 10%»)
    is laid over it, and «auto 60%» is the contrasting text colour at that alpha (as Textual draws them)."""
    name, _, percent = value.strip().partition(" ")
    alpha = float(percent.rstrip("%")) / 100 if percent else 1.0
    color = under.get_contrast_text(1.0) if name == "auto" else Color.parse(name)
    color = color.multiply_alpha(alpha)
    return under + color if color.a < 1 else color


def text_backgrounds(variables: Mapping[str, str]) -> list[Color]:
    """Every background the app's text stands on in a theme: the screen, dialogs, panels and the
    ``$boost`` bands (headers, fields) over the screen and over a dialog."""
    background = Color.parse(variables["background"])
    surface = resolve(variables["surface"], background)
    panel = resolve(variables["panel"], background)
    return [background, surface, panel, resolve(variables["boost"], background), resolve(variables["boost"], surface)]


def worst_contrast(color: Color, backgrounds: Iterable[Color]) -> float:
    return min(contrast_ratio(color, background) for background in backgrounds)


def _readable(start: Color, backgrounds: list[Color], dark: bool) -> Color:
    """``start`` made lighter (dark theme) or darker (light theme) until it reaches the target everywhere."""
    towards = Color(255, 255, 255) if dark else Color(0, 0, 0)
    color, amount = start, 0.0
    while worst_contrast(color, backgrounds) < _TARGET and amount < 1.0:
        amount = min(1.0, amount + _STEP)
        color = start.blend(towards, amount)
    return color


def text_colours(variables: Mapping[str, str]) -> dict[str, str]:
    """The five text colours (``fg-warning`` …) for a theme's generated variables, as hex."""
    backgrounds = text_backgrounds(variables)
    background = backgrounds[0]
    dark = relative_luminance(background) < 0.18
    starts = {role: resolve(variables[source], background) for role, source in _SOURCES.items()}
    starts[MUTED] = resolve("auto 60%", background)
    return {role: _readable(start, backgrounds, dark).hex for role, start in starts.items()}


def themed(role: str, *, bold: bool = False) -> Style:
    """The Rich style for text of this meaning in the running app's current theme (plain outside an app)."""
    try:
        variables = active_app.get().theme_variables
    except LookupError:
        variables = {}
    return Style(color=variables.get(role), bold=bold or None)

"""Every colour the app gives text has a contrast of at least 4.5:1 (WCAG 2.1 AA) in every theme it offers.

What is checked, per shipped theme (ui/styles.py SHIPPED_THEMES), with the colours resolved as the running
app resolves them (``AabenApp.get_css_variables``):

- the five text colours by meaning ($fg-warning, $fg-error, $fg-ok, $fg-accent, $fg-muted), body text
  ($foreground, $text) and Textual's $text-muted, on every background text stands on;
- every ``color:`` in the app's TCSS (the .tcss files and the CSS strings in the modules), on the rule's own
  ``background:`` when it has one;
- every Rich style string with a colour or «dim» in the ui package's Python (``"bold yellow"``: a fixed ANSI
  colour is drawn with the theme's terminal palette, «dim» as the foreground blended towards the background).

A self-test shows the check catches the old fixed yellow in the light theme, so it cannot pass vacuously.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.style import Style as RichStyle
from rich.terminal_theme import TerminalTheme
from textual.color import Color
from textual.constants import DIM_FACTOR

from aaben_raadgivning.runtime import RuntimeOpener
from aaben_raadgivning.ui import styles
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.styles import AA_CONTRAST, ROLES, SHIPPED_THEMES, contrast_ratio, resolve

UI = Path(styles.__file__).parent
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
COLOR_PROPERTIES = ("color", "border-title-color", "border-subtitle-color")


@pytest.fixture(scope="module")
def theme_variables(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Each shipped theme's variables, as the app computes them."""
    app = AabenApp(RuntimeOpener.prepare(tmp_path_factory.mktemp("data")))
    found = {}
    for name in SHIPPED_THEMES:
        app.theme = name
        found[name] = dict(app.get_css_variables())
        PALETTES[name] = app.ansi_theme  # the terminal palette Textual draws fixed ANSI colours with
    return found


PALETTES: dict[str, TerminalTheme] = {}


def backgrounds_of(variables: dict[str, str]) -> list[Color]:
    return styles.text_backgrounds(variables)


def _value(value: str, variables: dict[str, str]) -> str:
    """A CSS colour value with its variable replaced («$primary 50%» → «#0178D4 50%»)."""
    value = value.strip()
    if value.startswith("$"):
        name, _, rest = value[1:].partition(" ")
        value = f"{variables[name]} {rest}".strip()
    return value


def css_sources(root: Path = UI) -> list[tuple[str, str]]:
    """(where, CSS text): the .tcss files and every CSS string constant (``CSS``, ``DEFAULT_CSS``, ``*_CSS``)."""
    found = [(str(path.relative_to(root)), path.read_text(encoding="utf-8")) for path in sorted(root.rglob("*.tcss"))]
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [target.id for target in node.targets if isinstance(target, ast.Name)]
                if any(name.endswith("CSS") for name in names) and isinstance(node.value.value, str):
                    found.append((f"{path.relative_to(root)}:{node.lineno}", node.value.value))
    return found


def python_styles(root: Path = UI) -> list[tuple[str, str]]:
    """(where, style): every string in the ui package that Rich reads as a style with a colour or «dim»
    (not a fallback in ``variables.get(name, "black")``, which is a background, never a text's colour)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        fallbacks = {
            id(arg)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "get"
            for arg in call.args[1:]
        }
        for node in ast.walk(tree):
            if id(node) in fallbacks:
                continue
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or not node.value.strip():
                continue
            if any(len(word) == 1 for word in node.value.split()):
                continue  # a key («d»), which Rich would read as an abbreviation («dim»)
            try:
                style = RichStyle.parse(node.value)
            except Exception:
                continue
            if style.color is not None or style.dim:
                found.append((f"{path.relative_to(root)}:{node.lineno}", node.value))
    return found


def css_problems(theme: str, variables: dict[str, str], sources: list[tuple[str, str]]) -> list[str]:
    problems = []
    page_backgrounds = backgrounds_of(variables)
    for where, css in sources:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for selector, body in RULE.findall(css):
            declarations = dict(
                (name.strip(), value.strip())
                for name, _, value in (part.partition(":") for part in body.split(";"))
                if value.strip()
            )
            backgrounds = page_backgrounds
            if "background" in declarations:
                backgrounds = [resolve(_value(declarations["background"], variables), page_backgrounds[0])]
            for name in COLOR_PROPERTIES:
                if name not in declarations:
                    continue
                value = _value(declarations[name], variables)
                ratio = min(contrast_ratio(resolve(value, under), under) for under in backgrounds)
                if ratio < AA_CONTRAST:
                    problems.append(
                        f"{theme}: {where} {selector.strip()} {{{name}: {declarations[name]}}} {ratio:.2f}:1"
                    )
    return problems


def style_problems(theme: str, variables: dict[str, str], sources: list[tuple[str, str]]) -> list[str]:
    problems = []
    backgrounds = backgrounds_of(variables)
    palette = PALETTES[theme]
    foreground = Color.parse(variables["foreground"])
    for where, text in sources:
        style = RichStyle.parse(text)
        color: RichColor | None = style.color
        for under in backgrounds:
            seen = foreground if color is None else Color(*color.get_truecolor(palette))
            if style.dim:
                seen = under.blend(seen, DIM_FACTOR)
            ratio = contrast_ratio(seen, under)
            if ratio < AA_CONTRAST:
                problems.append(f"{theme}: {where} style {text!r} {ratio:.2f}:1")
                break
    return problems


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_text_colours_by_meaning_and_body_text_are_readable_on_every_background(theme, theme_variables):
    variables = theme_variables[theme]
    problems = []
    for name in (*ROLES, "foreground", "text", "text-muted"):
        for under in backgrounds_of(variables):
            ratio = contrast_ratio(resolve(variables[name], under), under)
            if ratio < AA_CONTRAST:
                problems.append(f"${name} {ratio:.2f}:1 on {under.hex}")
    assert not problems, problems


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_every_colour_the_app_gives_text_has_aa_contrast(theme, theme_variables):
    variables = theme_variables[theme]
    problems = css_problems(theme, variables, css_sources()) + style_problems(theme, variables, python_styles())
    assert not problems, "\n".join(problems)


def test_the_check_finds_the_sources_and_catches_a_fixed_yellow_in_the_light_theme(theme_variables):
    """Not vacuous: it reads the app's CSS, and the old «bold yellow» / «color: $warning» fail in textual-light."""
    assert len(css_sources()) > 10 and any("color:" in css for _, css in css_sources())
    light = theme_variables["textual-light"]
    old_python = [("counter.py", "bold yellow"), ("hours_chart.py", "cyan"), ("citizen.py", "dim")]
    assert len(style_problems("textual-light", light, old_python)) == 3
    old_css = [("citizen_dialogs.tcss", "#continuity-warning { color: $warning; text-style: bold; }")]
    assert css_problems("textual-light", light, old_css)
    assert not css_problems("textual-light", light, [("x", "#w { color: $fg-warning; }")])


def test_the_app_offers_only_the_checked_themes_and_starts_in_the_default(tmp_path):
    app = AabenApp(RuntimeOpener.prepare(tmp_path))
    assert set(app.available_themes) == set(SHIPPED_THEMES)
    assert app.theme == styles.DEFAULT_THEME

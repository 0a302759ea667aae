"""F6 · Resultater: the leder sees the month's figures (the same numbers as ``month_results``), moves between
months, filters, and reads the 12-month chart; a role without the «results» read scope is refused in Danish.
The world: tests/support/results.py (October 2026 is the last completed month on the tests' «today»)."""

from __future__ import annotations

import re
from datetime import date

from textual.widgets import Select

from aaben_raadgivning.store.queries.results import ResultsFilter, month_results
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.results import ResultsScreen, percent_text
from support.pilot import login, screen_text, wait_for_text
from support.results import fill_results

SIZE = (80, 24)
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


def _row(text: str, label: str) -> str:
    """The table row that starts with ``label``, without the scrollbar's glyphs."""
    line = next(line for line in text.splitlines() if line.lstrip("▊▎ ").startswith(label))
    return re.sub("[▁▂▃▄▅▆▇█▊▎▍▌▋▉]", " ", line)


def _notes(app) -> str:
    return "\n".join(notification.message for notification in app._notifications)


async def _settled(pilot) -> str:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen_text(pilot.app)


async def test_the_leder_sees_the_months_figures_changes_month_and_filters(world):
    fill_results(world)
    viewer = Viewer(world.jk.id, "leder")
    october = month_results(world.db, OCT, viewer=viewer)
    november = month_results(world.db, NOV, viewer=viewer)
    assert (october.attendance.numerator, october.attendance.denominator, october.inflow) == (3, 4, 2)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "LE")
        await pilot.press("f6")
        text = await wait_for_text(pilot, "Resultater · oktober 2026, alle borgere")
        text = await _settled(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert "Beregner" not in text
        # The chosen month and the three before it, side by side; the goal beside.
        header = _row(text, "Nøgletal")
        assert header.split()[1:] == ["jul", "26", "aug", "26", "sep", "26", "okt", "26", "Mål"]
        attendance = _row(text, "Fremmøde")
        assert percent_text(october.attendance.percent) == "75 %"
        assert attendance.split()[-4:] == ["75", "%", "≥70", "%"]
        assert _row(text, "Tilgang").split()[-1] == str(october.inflow) == "2"
        # The highlighted figure (Fremmøde) explained in words, and its 12-month chart.
        assert "Fremmøde · oktober 2026: 3 af 4 aftaler fremmødt (75 %) · mål 70 % · nået" in " ".join(text.split())
        assert "Fremmøde · 12 mdr." in text
        assert "nov dec jan" in " ".join(text.split())

        await pilot.press("n")  # the next month: November (not yet over)
        text = await wait_for_text(pilot, "Resultater · november 2026")
        text = await _settled(pilot)
        assert "(måneden er ikke slut)" in text
        assert "100 %" in _row(text, "Fremmøde")
        assert _row(text, "Tilgang").split()[-1] == str(november.inflow) == "1"
        await pilot.press("n")
        await pilot.pause()
        assert "Der er ingen tal for kommende måneder." in _notes(app)
        app.clear_notifications()
        await pilot.press("f", "f")  # two back: September
        await wait_for_text(pilot, "Resultater · september 2026")
        await pilot.press("right_square_bracket")
        await wait_for_text(pilot, "Resultater · oktober 2026")
        await _settled(pilot)

        # Filter on a housing area: Vestparken's October misses the goal (2 of 3), marked «!».
        vest = month_results(world.db, OCT, viewer=viewer, filters=ResultsFilter(housing_area="Vestparken"))
        assert vest.attendance.missed and percent_text(vest.attendance.percent) == "66,7 %"
        app.screen.query_one("#rs-area", Select).value = "Vestparken"
        text = await wait_for_text(pilot, "boligområde Vestparken")
        text = await _settled(pilot)
        assert "!66,7 %" in _row(text, "Fremmøde")
        assert "2 af 3 aftaler fremmødt (66,7 %) · mål 70 % · ikke nået" in " ".join(text.split())
        assert _row(text, "Tilgang").split()[-1] == str(vest.inflow) == "1"

        # The staff filter (the citizen's jobkonsulent: JK has all three).
        app.screen.query_one("#rs-area", Select).clear()
        app.screen.query_one("#rs-staff", Select).value = world.jk.id
        text = await wait_for_text(pilot, "medarbejder JK")
        text = await _settled(pilot)
        assert "75 %" in _row(text, "Fremmøde")

        await pilot.press("question_mark")  # what the figure means
        await pilot.pause()
        assert "Fremmødte aftaler / alle aftaler" in _notes(app)


async def test_the_screen_says_it_is_calculating_and_does_not_wait_for_the_figures(world, monkeypatch):
    import threading

    from aaben_raadgivning.ui.screens import results as screen_module

    fill_results(world)
    release = threading.Event()
    real = screen_module._load

    def slow(*args, **kwargs):
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(screen_module, "_load", slow)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "LE")
        await pilot.press("f6")
        text = await wait_for_text(pilot, "Beregner …")
        await pilot.press("down")  # the screen answers keys while the figures are computed
        release.set()
        await _settled(pilot)
        text = screen_text(app)
        assert "Beregner" not in text and "75 %" in _row(text, "Fremmøde")


async def test_a_role_without_the_results_scope_is_refused_in_danish(world):
    fill_results(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await login(pilot, "BS")
        assert "Resultater" not in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("f6")
        await pilot.pause()
        assert not isinstance(app.screen, ResultsScreen)
        assert "kan du ikke se resultater." in _notes(app)
        assert _notes(app).startswith("Som ")


async def test_the_leder_finds_resultater_in_the_palette(world):
    fill_results(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "LE")
        assert "Resultater" in [c.title for c in app.get_system_commands(app.screen)]

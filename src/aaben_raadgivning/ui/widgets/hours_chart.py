"""Ordinary hours drawn as text: a one-line summary for the citizen's record and a month-by-month bar chart.

Only ordinary hours are drawn as bars against the goal line; praktik and løntilskud hours are written
beside them in their own columns and never added in (they do not count towards the goal).
"""

from __future__ import annotations

from rich.text import Text

from aaben_raadgivning.domain.hours import (
    MONTH_SHORT,
    MonthHours,
    bar,
    format_hours,
    goal_minutes,
    sparkline,
)
from aaben_raadgivning.store.queries.hours import HoursOverview
from aaben_raadgivning.ui.styles import ACCENT, MUTED, OK, WARNING, themed


def _month_label(month: MonthHours) -> str:
    return MONTH_SHORT[month.month.month - 1]


def goal_text(goal_hours: float) -> str:
    return format_hours(goal_minutes(goal_hours))


def hours_summary_line(overview: HoursOverview) -> Text:
    """ "Ordinære timer sep 12 · okt 24,5 · nov 31 ✓ (mål 30) ····▂▄▅▆·▄█": the last three months and a
    sparkline of the whole series, one character a month (a full block is the goal or more)."""
    met_style, bar_style, muted = themed(OK), themed(ACCENT), themed(MUTED)
    line = Text.assemble(("Ordinære timer ", muted))
    parts = []
    for month in overview.last3:
        part = Text.assemble((f"{_month_label(month)} ", muted))
        if not month.reported:
            part.append("–", style=muted)
        else:
            met = month.goal_met(overview.goal_hours)
            part.append(format_hours(month.ordinary), style=themed(OK, bold=True) if met else "bold")
            if met:
                part.append(" ✓", style=met_style)
        parts.append(part)
    line.append_text(Text(" · ", style=muted).join(parts))
    line.append(f" (mål {goal_text(overview.goal_hours)}) ", style=muted)
    line.append(sparkline([m.ordinary for m in overview.series], goal_minutes(overview.goal_hours)), style=bar_style)
    return line


def hours_chart(overview: HoursOverview, width: int = 72) -> Text:
    """A bar per month (oldest first), scaled so the goal line │ sits at two thirds of the bar area.

    Columns: month, bar with goal line, ordinary hours (✓ when the goal is met), praktik, løntilskud.
    """
    goal_style, met_style, bar_style, muted = themed(WARNING, bold=True), themed(OK), themed(ACCENT), themed(MUTED)
    goal = overview.goal_hours
    bar_width = max(10, width - 34)
    goal_col = round(bar_width * 2 / 3)
    lines = [
        Text.assemble(
            ("Måned".ljust(7), muted),
            ("Ordinære timer".ljust(bar_width), "bold"),
            (f"{'ord.':>6}  ", "bold"),
            (f"{'praktik':>9}", muted),
            (f"{'løntilsk.':>10}", muted),
        )
    ]
    for month in overview.series:
        met = month.goal_met(goal)
        cells = bar(month.ordinary, goal, bar_width).ljust(bar_width)
        row = Text(f"{_month_label(month)} {month.month.year % 100:02d}"[:6].ljust(7))
        before, at, after = cells[:goal_col], cells[goal_col], cells[goal_col + 1 :]
        row.append(before, style=met_style if met else bar_style)
        row.append("│" if at == " " else at, style=goal_style if at == " " else (met_style if met else bar_style))
        row.append(after, style=met_style if met else bar_style)
        if month.reported:
            row.append(f" {format_hours(month.ordinary):>5}", style=themed(OK, bold=True) if met else "bold")
            row.append(" ✓" if met else "  ", style=met_style)
            row.append(f" {format_hours(month.praktik) if month.praktik else '–':>8}", style=muted)
            row.append(f" {format_hours(month.loentilskud) if month.loentilskud else '–':>9}", style=muted)
        else:
            row.append("     –", style=muted)
        lines.append(row)
    legend = Text.assemble(
        ("│", goal_style),
        (f" mål {goal_text(goal)} ordinære timer pr. måned · praktik og løntilskud tæller ikke med", muted),
    )
    lines.append(legend)
    return Text("\n").join(lines)

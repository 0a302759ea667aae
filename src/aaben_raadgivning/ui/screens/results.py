"""F6 · Resultater: the monthly figures (nøgletal) the projects are judged by, for the roles with the «results»
read scope (assets/permissions.toml). One month is chosen (the last completed month to begin with; **f**/**n**
or **[**/**]** move a month), with the three months before it beside it, each figure against its goal where it
has one and a miss marked «!» in the theme's error colour. Below the table a 12-month text chart of the
highlighted figure; **?** explains how the figure is counted (the README's «Resultater» section).

Every figure comes from ``store.queries.results.results_trend`` (one pass for the 12 months; its last month is
exactly ``month_results``), computed in a worker thread: the screen shows «Beregner …» and never freezes. The
screen shows no personal data (no fremmøde per citizen), so viewing it is not audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from aaben_raadgivning.domain.dates import format_decimal
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.domain.hours import MONTH_SHORT, add_months, format_month, format_month_short, month_start
from aaben_raadgivning.domain.step_models import available_step_models
from aaben_raadgivning.store.actions.results import describe_criterion
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.queries.follow_up_queue import staff_choices
from aaben_raadgivning.store.queries.results import (
    MonthResults,
    Rate,
    ResultsFilter,
    ResultsTrend,
    housing_areas,
    results_trend,
)
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.styles import ACCENT, ERROR, MUTED, OK, themed
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.plain import plain_options

TREND_MONTHS = 12  # the chart
SHOWN_MONTHS = 4  # the table: the chosen month and the three before it
LABEL_WIDTH = 26
MONTH_WIDTH = 10
GOAL_WIDTH = 8
CALCULATING = "Beregner …"
BARS = " ▁▂▃▄▅▆▇█"
CHART_ROWS = 3

EXPLANATIONS = {
    "attendance": "Fremmødte aftaler / alle aftaler i måneden. Fremmødt: samtale, personligt møde, jobsamtale. "
    "Ikke fremmødt: udeblivelse. Afbud tæller hverken som fremmødt eller udeblevet. Åben rådgivning og "
    "praktikdage tæller ikke. Mål fra rules.toml (seed 004).",
    "attendance_office": "Fremmødeprocenten for borgerne på kontoret (borgerens kontor).",
    "attendance_staff": "Fremmødeprocenten for de møder, medarbejderen selv registrerede.",
    "self_support": "Kohorten er borgerne med projektstart i måneden 12 måneder før. Selvforsørgende: et udfald "
    "markeret som selvforsørgelse senest 12 måneder efter projektstart. «*» = foreløbigt, kohorten har ikke "
    "haft 12 måneder endnu. Mål fra rules.toml (seed 004).",
    "hours": "Borgere med mindst målet i ordinære timer i måneden (rettelser medregnet) ud af borgerne med "
    "timer i måneden (seed 000 KE 9, 003 KE 6).",
    "follow_ups": "Opgaver med frist i måneden: udført senest på fristen / (udført + ikke udført efter fristen). "
    "Opgaver, hvis frist ikke er nået, tæller ikke endnu (seed 000 KE 7).",
    "caseload_start": "Borgere pr. trin ved midnat før den 1. «Afsluttet» er ikke bestand (seed 002, 000).",
    "caseload_end": "Borgere pr. trin ved midnat efter månedens sidste dag. «Afsluttet» er ikke bestand.",
    "step": "Borgere på trinnet ved månedens start → slutning (det trin, den seneste trinændring førte til).",
    "inflow": "Borgere med projektstart (visitation til projektet) i måneden (seed 002, 003).",
    "left": "Borgere, der i måneden kom til «Afsluttet», efter vej (fx rehabilitering, underretning) (seed 002).",
    "outflow": "Registrerede udfald dateret i måneden; et rettet udfald tæller som sin rettelse (seed 002 §5.3).",
    "walk_ins": "Henvendelser i åben rådgivning i måneden pr. årsag (seed 000 KE 3).",
    "walk_ins_cancelled": "Henvendelser, hvor borgeren gik uden at få hjælp.",
    "jobformidler": "Skift af jobformidler i måneden (ikke den første tildeling); hvert skift mindsker chancen "
    "for job (seed 001).",
}


def percent_text(value: float) -> str:
    """ "75 %", "66,7 %" (Danish decimal comma; a whole number without decimals)."""
    shown = format_decimal(value, 1)
    return f"{shown.removesuffix(',0')} %"


def rate_cell(rate: Rate) -> str:
    return "–" if rate.percent is None else percent_text(rate.percent)


def goal_cell(rate: Rate) -> str:
    return "" if rate.goal_percent is None else f"≥{percent_text(rate.goal_percent)}"


@dataclass(frozen=True)
class Figure:
    """One row of the table: how to read it from a month's results."""

    key: str
    label: str
    explanation: str
    value: Callable[[MonthResults], float | None]  # for the chart
    cell: Callable[[MonthResults], str]
    rate: Callable[[MonthResults], Rate] | None = None  # figures with a goal: met or missed
    goal: Callable[[MonthResults], str] = lambda _m: ""
    detail: Callable[[MonthResults], str] | None = None


def _rate_figure(key: str, label: str, explanation: str, get: Callable[[MonthResults], Rate], what: str) -> Figure:
    def detail(m: MonthResults) -> str:
        rate = get(m)
        if not rate.denominator:
            return f"intet at måle ({what})"
        text = f"{rate.numerator} af {rate.denominator} {what} ({rate_cell(rate)})"
        if rate.goal_percent is not None:
            text += f" · mål {percent_text(rate.goal_percent)} · " + ("ikke nået" if rate.missed else "nået")
        return text

    return Figure(key, label, explanation, lambda m: get(m).percent, lambda m: rate_cell(get(m)), get,
                  lambda m: goal_cell(get(m)), detail)  # fmt: skip


def _count(key: str, label: str, get: Callable[[MonthResults], int], explanation: str | None = None) -> Figure:
    return Figure(key, label, explanation or EXPLANATIONS.get(key, ""), lambda m: get(m), lambda m: str(get(m)))


def _rows_count(rows: tuple, code: str) -> int:
    return next((row.count for row in rows if row.code == code), 0)


def _rows_rate(rows: tuple, key: str) -> Rate:
    return next((row.rate for row in rows if row.key == key), Rate(0, 0))


def _rate_of(attribute: str, key: str) -> Callable[[MonthResults], Rate]:
    """One office's or staff member's fremmøde (``attendance_by_office``/``_staff``)."""
    return lambda m: _rows_rate(getattr(m, attribute), key)


def _count_of(attribute: str, code: str) -> Callable[[MonthResults], int]:
    """One route's, outcome's or reason's count (``left``, ``outflow``, ``walk_ins``)."""
    return lambda m: _rows_count(getattr(m, attribute), code)


def _step_of(model: str, step: str) -> Callable[[MonthResults], tuple[int, int]]:
    """A step's caseload at the start and end of the month."""

    def counts(m: MonthResults) -> tuple[int, int]:
        row = next((r for r in m.caseload if r.model == model and r.step == step), None)
        return (row.start, row.end) if row else (0, 0)

    return counts


def _step_figure(key: str, label: str, counts: Callable[[MonthResults], tuple[int, int]]) -> Figure:
    return Figure(key, label, EXPLANATIONS["step"], lambda m: counts(m)[1], lambda m: "{}→{}".format(*counts(m)))


def _self_support_cell(m: MonthResults) -> str:
    return rate_cell(m.self_support.rate) + ("" if m.self_support.complete else "*")


def _self_support_detail(m: MonthResults) -> str:
    cohort = m.self_support
    rate = cohort.rate
    text = f"kohorte {format_month(cohort.cohort_month)}: {rate.numerator} af {rate.denominator} selvforsørgende"
    if rate.denominator:
        text += f" ({rate_cell(rate)})"
    if rate.goal_percent is not None:
        text += f" · mål {percent_text(rate.goal_percent)}"
        if rate.missed is not None:
            text += " · " + ("ikke nået" if rate.missed else "nået")
    return text + ("" if cohort.complete else " · foreløbigt")


def build_figures(trend: ResultsTrend) -> list[Figure]:
    """The rows for the months shown: the figures with goals first, then the counts; breakdowns (per step,
    office, staff member, route, outcome, reason) for whatever occurs in any of the trend's months."""
    months = trend.months
    chosen = months[-1]
    figures: list[Figure] = [
        _rate_figure("attendance", "Fremmøde", EXPLANATIONS["attendance"], lambda m: m.attendance, "aftaler fremmødt")
    ]
    offices = dict.fromkeys((row.key, row.label) for m in months for row in m.attendance_by_office)
    if len(offices) > 1:
        for key, label in offices:
            figures.append(_rate_figure(f"attendance_office:{key}", f"  {label}", EXPLANATIONS["attendance_office"],
                                        _rate_of("attendance_by_office", key), "aftaler fremmødt"))  # fmt: skip
    for key, label in dict.fromkeys((row.key, row.label) for m in months for row in m.attendance_by_staff):
        figures.append(_rate_figure(f"attendance_staff:{key}", f"  {label}", EXPLANATIONS["attendance_staff"],
                                    _rate_of("attendance_by_staff", key), "aftaler fremmødt"))  # fmt: skip
    after = chosen.self_support.after_months
    figures.append(
        Figure(
            "self_support",
            f"Selvforsørgende {after} mdr.",
            EXPLANATIONS["self_support"],
            lambda m: m.self_support.rate.percent,
            _self_support_cell,
            lambda m: m.self_support.rate,
            lambda m: goal_cell(m.self_support.rate),
            _self_support_detail,
        )  # fmt: skip
    )
    goal_hours = format_decimal(chosen.hours.goal_hours, 1).removesuffix(",0")
    figures.append(
        Figure(
            "hours",
            f"≥{goal_hours} ordinære timer",
            EXPLANATIONS["hours"],
            lambda m: m.hours.reached,
            lambda m: f"{m.hours.reached}/{m.hours.reported}",
            goal=lambda _m: f"{goal_hours} t",
            detail=lambda m: (
                f"{m.hours.reached} af {count_text(m.hours.reported, 'borger', 'borgere')} med timer nåede {goal_hours} ordinære timer"
            ),
        )  # fmt: skip
    )
    figures.append(
        _rate_figure(
            "follow_ups",
            "Opfølgning til tiden",
            EXPLANATIONS["follow_ups"],
            lambda m: m.follow_ups.on_time,
            "opgaver udført til tiden",
        )  # fmt: skip
    )
    figures.append(_count("caseload_start", "Bestand, start", lambda m: m.caseload_start))
    figures.append(_count("caseload_end", "Bestand, slut", lambda m: m.caseload_end))
    steps = dict.fromkeys((row.model, row.step, row.label) for m in months for row in m.caseload)
    several_models = len({model for model, _s, _l in steps}) > 1
    for model, step, label in steps:
        shown = f"  {label}" + (f" ({model})" if several_models else "")
        figures.append(_step_figure(f"step:{model}:{step}", shown, _step_of(model, step)))
    figures.append(_count("inflow", "Tilgang", lambda m: m.inflow))
    figures.append(_count("left", "Afgang fra bestanden", lambda m: sum(r.count for r in m.left)))
    for code, label in dict.fromkeys((row.code, row.label) for m in months for row in m.left):
        figures.append(_count(f"left:{code}", f"  {label}", _count_of("left", code),
                              EXPLANATIONS["left"]))  # fmt: skip
    figures.append(_count("outflow", "Afgang efter udfald", lambda m: m.outflow_total))
    for code, label in dict.fromkeys((row.code, row.label) for m in months for row in m.outflow):
        figures.append(_count(f"outflow:{code}", f"  {label}", _count_of("outflow", code),
                              EXPLANATIONS["outflow"]))  # fmt: skip
    figures.append(_count("walk_ins", "Henvendelser", lambda m: m.walk_ins_total))
    for code, label in dict.fromkeys((row.code, row.label) for m in months for row in m.walk_ins):
        figures.append(_count(f"walk_ins:{code}", f"  {label}", _count_of("walk_ins", code),
                              EXPLANATIONS["walk_ins"]))  # fmt: skip
    figures.append(_count("walk_ins_cancelled", "  gået uden hjælp", lambda m: m.walk_ins_cancelled))
    figures.append(
        Figure(
            "jobformidler",
            "Skift af jobformidler",
            EXPLANATIONS["jobformidler"],
            lambda m: m.jobformidler_changes,
            lambda m: str(m.jobformidler_changes),
            detail=lambda m: (
                f"{m.jobformidler_changes} skift hos {count_text(m.jobformidler_change_citizens, 'borger', 'borgere')}"
            ),
        )  # fmt: skip
    )
    return figures


def last_completed_month(today: date) -> date:
    return add_months(month_start(today), -1)


def _load(db: Database, viewer: Viewer, month: date, filters: ResultsFilter) -> ResultsTrend:
    return results_trend(db, month, viewer=viewer, filters=filters, months=TREND_MONTHS)


class ResultsScreen(AppScreen):
    CSS_PATH = "results.tcss"
    BINDINGS = [
        Binding("f,left_square_bracket", "previous_month", "Forrige md."),
        Binding("n,right_square_bracket", "next_month", "Næste md."),
        Binding("question_mark", "explain", "Forklaring"),
    ]

    def __init__(self, month: date | None = None) -> None:
        super().__init__()
        self.month: date | None = month
        self.filters = ResultsFilter()
        self.trend: ResultsTrend | None = None
        self.figures: list[Figure] = []
        self.calculating = False
        self.problem = ""
        self._request = 0
        self._requested: tuple[date, ResultsFilter] | None = None
        self._staff_labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="rs-header", markup=False)
        with Horizontal(id="rs-filters"):
            yield Select([], prompt="Alle boligområder", id="rs-area", compact=True)
            yield Select([], prompt="Alle medarbejdere", id="rs-staff", compact=True)
            yield Select(plain_options((m.label, m.code) for m in available_step_models()), prompt="Alle trinmodeller",
                         id="rs-model", compact=True)  # fmt: skip
        yield DataTable(id="rs-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield Static("", id="rs-chart")
        yield Static("", id="rs-detail", markup=False)
        yield KeyFooter()

    def table(self) -> DataTable:
        return self.query_one("#rs-table", DataTable)

    def on_mount(self) -> None:
        if self.month is None:
            self.month = last_completed_month(self.today())
        choices = staff_choices(self.db)
        self._staff_labels = {value: label.split(" · ")[0] for label, value in choices}
        self.query_one("#rs-area", Select).set_options(plain_options((a, a) for a in housing_areas(self.db)))
        self.query_one("#rs-staff", Select).set_options(plain_options(choices))
        self.table().focus()
        self.reload()

    # --- loading ----------------------------------------------------------------------------------

    def current_filter(self) -> ResultsFilter:
        values = [self.query_one(f"#rs-{name}", Select).value for name in ("area", "staff", "model")]
        area, staff, model = (value if isinstance(value, str) else None for value in values)
        return ResultsFilter(housing_area=area, staff_id=staff, step_model=model)

    def reload(self) -> None:
        """Compute the figures for the chosen month and filters in a worker (unless already asked for)."""
        assert self.month is not None
        filters = self.current_filter()
        if self._requested == (self.month, filters):
            return
        self._requested = (self.month, filters)
        self.filters = filters
        self._request += 1
        self.calculating = True
        self.problem = ""
        self._show_header()
        if self.trend is None:
            self.query_one("#rs-detail", Static).update(CALCULATING)
        self._compute(self._request, self.db, self.viewer, self.month, filters)

    @work(thread=True, exclusive=True, group="results")
    def _compute(self, request: int, db: Database, viewer: Viewer, month: date, filters: ResultsFilter) -> None:
        try:
            trend = _load(db, viewer, month, filters)
        except UserError as exc:  # PermissionDenied (Danish), a broken rules.toml or step model
            self.app.call_from_thread(self._failed, request, exc.message)
            return
        self.app.call_from_thread(self._loaded, request, trend)

    def _failed(self, request: int, message: str) -> None:
        if request != self._request:
            return
        self.calculating = False
        self.problem = message
        self._show_header()
        self.query_one("#rs-detail", Static).update(message)

    def _loaded(self, request: int, trend: ResultsTrend) -> None:
        if request != self._request or not self.is_mounted:
            return  # an older request (the month or a filter changed since)
        self.calculating = False
        self.trend = trend
        self._fill_table()
        self._show_header()
        self._show_highlighted()

    # --- showing ----------------------------------------------------------------------------------

    def _show_header(self) -> None:
        assert self.month is not None
        staff_label = self._staff_labels.get(self.filters.staff_id or "", "")
        criterion = describe_criterion(self.month, self.filters, staff_label)
        if not self.filters.any:
            criterion += ", alle borgere"
        text = f"Resultater · {criterion}"
        if self.month >= month_start(self.today()):
            text += " (måneden er ikke slut)"
        if self.calculating:
            text += f" · {CALCULATING}"
        self.query_one("#rs-header", Static).update(text)

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """The theme's colours for text (ui/styles.py, never fixed ones): missed, met, the chart's bars, muted."""
        return themed(ERROR, bold=True), themed(OK), themed(ACCENT), themed(MUTED)

    def _fill_table(self) -> None:
        assert self.trend is not None
        table = self.table()
        highlighted = self.highlighted_figure()
        keep = highlighted.key if highlighted else None
        shown = self.trend.months[-SHOWN_MONTHS:]
        self.figures = build_figures(self.trend)
        missed_style, met_style, _bar, muted = self._styles()
        table.clear(columns=True)
        table.add_column("Nøgletal", key="label", width=LABEL_WIDTH)
        for m in shown:
            header = Text(format_month_short(m.month), justify="right", style="bold" if m is shown[-1] else "")
            table.add_column(header, key=m.month.isoformat(), width=MONTH_WIDTH)
        table.add_column(Text("Mål", justify="right"), key="goal", width=GOAL_WIDTH)
        for figure in self.figures:
            cells: list[object] = [Text(figure.label, no_wrap=True, overflow="ellipsis",
                                        style="" if figure.label.startswith(" ") else "bold")]  # fmt: skip
            for m in shown:
                text = figure.cell(m)
                style: Style | str = ""
                if figure.rate is not None:
                    missed = figure.rate(m).missed
                    if missed:
                        text, style = f"!{text}", missed_style
                    elif missed is False:
                        style = met_style
                cells.append(Text(text, justify="right", style=style, no_wrap=True))
            cells.append(Text(figure.goal(shown[-1]), justify="right", style=muted, no_wrap=True))
            table.add_row(*cells, key=figure.key)
        row = next((n for n, f in enumerate(self.figures) if f.key == keep), 0)
        table.move_cursor(row=row)

    def highlighted_figure(self) -> Figure | None:
        if not self.figures:
            return None
        row = self.table().cursor_row
        return self.figures[row] if 0 <= row < len(self.figures) else None

    @on(DataTable.RowHighlighted, "#rs-table")
    def _highlighted(self) -> None:
        self._show_highlighted()

    def on_resize(self, _event: events.Resize) -> None:
        self.call_after_refresh(self._show_chart)

    def _show_highlighted(self) -> None:
        figure = self.highlighted_figure()
        if figure is None or self.trend is None:
            return
        chosen = self.trend.months[-1]
        detail = figure.detail(chosen) if figure.detail else f"{figure.cell(chosen)}"
        self.query_one("#rs-detail", Static).update(f"{figure.label.strip()} · {format_month(chosen.month)}: {detail}")
        self._show_chart()

    def _show_chart(self) -> None:
        """A bar per month for the 12 months (oldest first), three rows high with eighth blocks, months below;
        a month that misses its goal in the error colour, «–» where there is nothing to measure."""
        figure = self.highlighted_figure()
        chart = self.query_one("#rs-chart", Static)
        if figure is None or self.trend is None:
            chart.update("")
            return
        missed_style, met_style, bar_style, muted = self._styles()
        months = self.trend.months
        values = [figure.value(m) for m in months]
        goals = [figure.rate(m).goal_percent if figure.rate else None for m in months]
        top = max([v for v in values if v is not None] + [g for g in goals if g is not None] + [0.0])
        width = max(chart.size.width, 40)
        column = max(3, min(6, (width - 1) // len(months)))
        bar = max(1, column - 2)
        title = Text.assemble((f"{figure.label.strip()} · {len(months)} mdr.", "bold"))
        known = [v for v in values if v is not None]
        if known:
            shown = [figure.cell(m) for m, v in zip(months, values, strict=True) if v is not None]
            lowest = shown[known.index(min(known))]
            highest = shown[known.index(max(known))]
            title.append(f" · laveste {lowest} · højeste {highest}", style=muted)
        if goals[-1] is not None:
            title.append(f" · mål {percent_text(goals[-1])}", style=muted)
        lines = [title]
        for level in range(CHART_ROWS - 1, -1, -1):
            line = Text(" ")
            for m, value in zip(months, values, strict=True):
                if value is None:
                    cell = ("–" if level == 0 else " ").center(bar)
                    line.append(cell.ljust(column), style=muted)
                    continue
                eighths = round(value / top * CHART_ROWS * 8) if top else 0
                if level == 0 and value > 0:
                    eighths = max(eighths, 1)  # something, however little, is never drawn as nothing
                fill = BARS[max(0, min(8, eighths - level * 8))]
                missed = figure.rate(m).missed if figure.rate else None
                style = missed_style if missed else met_style if missed is False else bar_style
                line.append(fill * bar, style=style)
                line.append(" " * (column - bar))
            lines.append(line)
        labels = Text(" ")
        for m in months:
            label = MONTH_SHORT[m.month.month - 1][:bar].ljust(column)
            labels.append(label, style="bold" if m is months[-1] else muted)
        lines.append(labels)
        chart.update(Text("\n").join(lines))

    # --- keys -------------------------------------------------------------------------------------

    def action_previous_month(self) -> None:
        assert self.month is not None
        self.month = add_months(self.month, -1)
        self.reload()

    def action_next_month(self) -> None:
        assert self.month is not None
        if self.month >= month_start(self.today()):
            self.notify("Der er ingen tal for kommende måneder.", title="Resultater")
            return
        self.month = add_months(self.month, 1)
        self.reload()

    def action_explain(self) -> None:
        figure = self.highlighted_figure()
        if figure is None:
            return
        self.notify(figure.explanation, title=figure.label.strip(), timeout=15)

    @on(Select.Changed)
    def _select_changed(self) -> None:
        if self.is_mounted and self.month is not None:
            self.reload()

"""F3 · Borgere: one citizen's record and timeline.

Search at the top; the summary (person, step and exit criteria, caseworkers, plan, attendance) under it;
the timeline below, newest first and loaded a page at a time. Every action is a letter key (shown in
the footer and in the command palette) that opens a dialog; after each, summary and timeline refresh.
The keys work when the cursor is not in a text field: picking a citizen puts it in the timeline; Esc
goes to the search (and, in an empty search, back to the timeline).
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import DataTable, Input, Label, Select, Static

from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.codes import AgreementStatus, SubGoalStatus
from aaben_raadgivning.domain.consent import describe_consent
from aaben_raadgivning.domain.cpr import mask_cpr
from aaben_raadgivning.domain.dates import (
    DateInputError,
    format_date,
    format_decimal,
    parse_date,
)
from aaben_raadgivning.domain.errors import UserError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import StepModelError
from aaben_raadgivning.security.permissions import load_permissions
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizen_record import reveal_cpr
from aaben_raadgivning.store.actions.sub_goals import sub_goals_of
from aaben_raadgivning.store.documents.agreement import status_label
from aaben_raadgivning.store.queries.citizen import (
    CitizenSummary,
    TimelineFilter,
    age_on,
    citizen_summary,
    event_detail,
    timeline_page,
)
from aaben_raadgivning.store.queries.consent import consent_state
from aaben_raadgivning.store.queries.hours import (
    AgreementRow,
    HoursOverview,
    citizen_agreements,
    citizen_hours,
)
from aaben_raadgivning.store.queries.route_status import RouteStatus
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.base_data_dialogs import BaseDataDialog, OutcomeDialog
from aaben_raadgivning.ui.screens.citizen_dialogs import (
    AdvanceDialog,
    AssessSubGoalDialog,
    BreakOffDialog,
    CancellationDialog,
    EventDetailScreen,
    EventDialog,
    JobformidlerDialog,
    NoShowDialog,
    PlanDialog,
    SanctionDialog,
    SubGoalDialog,
    VisitationDialog,
)
from aaben_raadgivning.ui.screens.hours_dialogs import (
    AgreementsScreen,
    HoursDialog,
    HoursSaved,
    OverviewResult,
    goal_is_exit_criterion,
)
from aaben_raadgivning.ui.styles import ERROR, MUTED, OK, WARNING, themed
from aaben_raadgivning.ui.widgets.citizen_search import CitizenSearch
from aaben_raadgivning.ui.widgets.hours_chart import hours_summary_line
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.timeline import Timeline

ALL_KINDS = "alle"
# Actions that need a citizen on the screen (disabled, and dimmed in the footer, until one is picked).
CITIZEN_ACTIONS = frozenset(
    {
        "visitation", "plan", "jobformidler", "advance", "break_off", "new_event", "correct_event", "no_show",
        "cancellation", "sanction", "new_sub_goal", "assess_sub_goal", "toggle_cpr", "filter", "open_event",
        "register_hours", "agreements", "new_follow_up", "consent", "base_data", "outcome", "print_plan",
        "search_timeline",
    }
)  # fmt: skip
HINT = "Søg efter en borger ovenfor: navn, CPR eller telefon.\nVælg med pilene, og tryk Enter."
# The permission (assets/permissions.toml) each key's action needs: a role without it is not offered the key,
# and pressing it anyway says why (on_key).
ACTION_PERMISSIONS = {
    "visitation": "record_visitation", "plan": "update_plan", "jobformidler": "assign_jobformidler",
    "advance": "advance_step", "break_off": "break_off_course", "new_event": "add_event",
    "correct_event": "add_event", "no_show": "record_no_show", "cancellation": "record_cancellation",
    "sanction": "register_sanction",
    "new_sub_goal": "sub_goals", "assess_sub_goal": "sub_goals", "new_follow_up": "follow_ups",
    "register_hours": "register_hours", "consent": "consent", "base_data": "edit_contact_data",
    "outcome": "record_outcome", "print_plan": "print_plan",
}  # fmt: skip


def full_cpr(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}" if len(cpr) == 10 and cpr.isdigit() else cpr


def _pair(label: str, value: str | Text) -> Text:
    return Text.assemble((f"{label} ", themed(MUTED)), value)


def _join(*parts: Text) -> Text:
    return Text(" · ", style=themed(MUTED)).join(parts)


def course_line(hours: HoursOverview, agreements: list[AgreementRow]) -> Text:
    """Ordinary hours of the last three months against the goal, a 12-month sparkline and the current agreement."""
    line = hours_summary_line(hours)
    current = next((a for a in agreements if a.status == AgreementStatus.AKTIV and not a.superseded), None) or (
        agreements[0] if agreements else None
    )
    if current is not None:
        status = status_label(current.status).lower()
        line.append(" · ", style=themed(MUTED))
        line.append_text(_pair("Aftale", f"{current.company} ({status})"))
    return line


def summary_lines(
    summary: CitizenSummary, cpr_shown: str | None, today: date, course: Text | None = None
) -> list[Text]:
    """The summary block without the exit criteria (those wrap; see criteria_items). ``course`` is the
    ordinary-hours line, shown once the citizen has an agreement or hours."""
    reference = load_reference()
    citizen = summary.citizen
    head = [Text(citizen.name, style="bold")]
    if summary.age is not None:
        head.append(Text(f"{summary.age} år"))
    if cpr_shown:
        head.append(_pair("CPR", Text(full_cpr(cpr_shown), style="bold reverse")))
    elif citizen.cpr:
        head.append(_pair("CPR", mask_cpr(citizen.cpr)))
    else:
        head.append(Text("intet CPR", style=themed(MUTED)))
    if citizen.housing_area:
        head.append(Text(citizen.housing_area))
    if citizen.address:
        head.append(Text(citizen.address))
    language = reference.languages.label(citizen.language)
    if citizen.interpreter_needed:  # important at the counter: book the interpreter before the meeting
        head.append(_pair("Tolk:", Text(language.lower() if language else "ja", style=themed(WARNING, bold=True))))
    elif language and citizen.language != "dansk":
        head.append(_pair("Sprog", language))
    jobformidler = Text(summary.jobformidler or "–")
    if summary.jobformidler or summary.jobformidler_changes:
        jobformidler.append(
            f" ({summary.jobformidler_changes} skift)", style="bold" if summary.jobformidler_changes else themed(MUTED)
        )
    attendance = summary.attendance_percent
    attendance_text = f"{format_decimal(attendance, 0)} %" if attendance is not None else "–"
    if summary.cancellations:  # afbud: neither attended nor missed (store.queries.attendance)
        attendance_text += f" ({summary.cancellations} afbud)"
    follow_up = Text(format_date(summary.next_follow_up) if summary.next_follow_up else "–")
    if summary.next_follow_up and summary.next_follow_up < today:
        follow_up.stylize(themed(ERROR, bold=True))
        follow_up.append(" overskredet", style=themed(ERROR))
    return [
        _join(*head),
        _join(
            _pair("Ydelse", benefit_text(citizen, today)),
            _pair("Parathed", readiness_text(citizen)),
            _pair("CV", reference.cv_statuses.label(citizen.cv_status) or "–"),
            _pair("Jobmål", citizen.job_goal or "–"),
        ),
        _join(_pair("Jobkonsulent", summary.jobkonsulent or "–"), _pair("Jobformidler", jobformidler)),
        _join(
            _pair("Næste opfølgning", follow_up),
            _pair("Fremmøde", attendance_text),
            _pair("Aktive delmål", str(summary.active_sub_goals)),
        ),
        *([course] if course is not None else []),
        step_line(summary),
        *([route_line(summary.route)] if summary.route is not None else []),
    ]


def route_line(route: RouteStatus) -> Text:
    """Where a case that left the project went (rehab, underretning), since when, and whether its task is
    done; the task's deadline is the «Næste opfølgning» above (issue 17: visible, not just gone)."""
    text = route.status + (f" {format_date(route.since)}" if route.since else "")
    if route.task_done:
        text += " · sagen er forberedt" if route.kind == "rehab" else " · fulgt op"
    return _pair("Spor", Text(text, style="italic"))


def benefit_text(citizen, today: date) -> str:
    """«Kontanthjælp siden 01.03.2019 (7 år)»: years on benefit follow from the since-date (not stored)."""
    text = load_reference().benefit_types.label(citizen.benefit_type) or "–"
    if citizen.benefit_since:
        years = age_on(citizen.benefit_since, today) or 0
        text += f" siden {format_date(citizen.benefit_since)} ({years} år)"
    return text


def readiness_text(citizen) -> str:
    text = load_reference().readiness.label(citizen.readiness) or "–"
    return f"{text}, matchgruppe {citizen.match_group}" if citizen.match_group else text


def step_line(summary: CitizenSummary) -> Text:
    model, citizen = summary.model, summary.citizen
    if "case" not in summary.scopes and summary.scopes:
        return _pair("Trin", Text("vises kun med borgerens samtykke til «forløb og plan»", style="italic"))
    if model is None or citizen.step is None:
        return _pair("Trin", Text("ikke visiteret endnu – tryk v for visitation", style="italic"))
    parts = [Text(model.label), Text(model.step_label(citizen.step), style="bold")]
    if citizen.step_since:
        parts.append(Text(f"siden {format_date(citizen.step_since)}"))
    if citizen.route:
        try:
            parts.append(Text(model.visitation_outcome(citizen.route).label, style="italic"))
        except StepModelError:
            parts.append(Text(citizen.route, style="italic"))
    return _pair("Trin", _join(*parts))


def criteria_items(summary: CitizenSummary) -> list[Text]:
    if summary.evaluation is None:
        return []
    return [
        Text(f"✓ {result.label}", style=themed(OK)) if result.met else Text(f"✗ {result.missing}", style=themed(ERROR))
        for result in summary.evaluation.results
    ]


def pack(items: list[Text], width: int, gap: int = 3) -> Text:
    """Put whole items side by side while they fit; an item is split only when it is wider than a line."""
    lines: list[Text] = []
    for item in items:
        if lines and lines[-1].cell_len + gap + item.cell_len <= width:
            lines[-1].append(" " * gap)
            lines[-1].append_text(item)
        else:
            lines.append(item.copy())
    return Text("\n").join(lines)


class CitizenScreen(AppScreen):
    CSS_PATH = "citizen.tcss"
    ACTION_PERMISSIONS = ACTION_PERMISSIONS
    BINDINGS = [
        Binding("v", "visitation", "Visitation"),
        Binding("p", "plan", "Plan"),
        Binding("j", "jobformidler", "Jobformidler"),
        Binding("t", "advance", "Trin videre"),
        Binding("a", "break_off", "Afbrudt forløb"),
        Binding("n", "new_event", "Ny hændelse"),
        Binding("r", "correct_event", "Ret hændelse"),
        Binding("u", "no_show", "Udeblivelse"),
        Binding("s", "sanction", "Sanktion"),
        Binding("d", "new_sub_goal", "Nyt delmål"),
        Binding("e", "assess_sub_goal", "Vurdér delmål"),
        Binding("c", "toggle_cpr", "Vis CPR"),
        Binding("g", "new_follow_up", "Ny opfølgning"),
        Binding("k", "consent", "Samtykke"),
        Binding("b", "base_data", "Stamdata"),
        Binding("l", "outcome", "Udfald"),
        Binding("h", "register_hours", "Timer"),
        Binding("o", "agreements", "Aftaler"),
        Binding("f", "filter", "Filter"),
        Binding("slash", "search_timeline", "Søg i tidslinjen", show=False),
        Binding("x", "erase", "Slet borger"),  # GDPR; only for a role that may erase (check_action)
        Binding("i", "indsigt", "Indsigt"),  # GDPR art. 15; only roles with the «audit» read scope (check_action)
        Binding("m", "print_plan", "Min plan (PDF)", show=False),  # in the palette and the key list, not the footer
        Binding("U", "cancellation", "Afbud", show=False),  # Shift+U (beside u); in the palette and the key list
        Binding("enter", "open_event", "Vis hændelse", show=False),
        Binding("escape", "back_to_search", "Søg", show=False),
    ]

    def __init__(self, citizen_id: str | None = None) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.summary: CitizenSummary | None = None
        self.cpr_shown: str | None = None
        self.filter = TimelineFilter()

    def compose(self) -> ComposeResult:
        yield CitizenSearch(self.db, id="citizen-search")
        with Vertical(id="summary"):
            yield Static(HINT, id="summary-text")
            yield Static("", id="summary-criteria")
        with Horizontal(id="timeline-bar"):
            kinds = [(term.label, term.code) for term in load_reference().event_kinds.terms]
            yield Select(
                [("Alle hændelser", ALL_KINDS), *kinds],
                value=ALL_KINDS,
                allow_blank=False,
                id="filter-kind",
                compact=True,
            )
            yield Label("Fra", classes="filter-label")
            yield Input(id="filter-from", compact=True, placeholder="dd.mm.åååå")
            yield Label("Til", classes="filter-label")
            yield Input(id="filter-to", compact=True, placeholder="dd.mm.åååå")
            yield Static("", id="timeline-count")
        yield Input(id="filter-text", compact=True, placeholder="Søg i tidslinjen · Enter: til tidslinjen · Esc: ryd")
        yield Timeline(id="timeline")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.citizen_id is not None:
            self.show_citizen(self.citizen_id)
        else:
            self.query_one(CitizenSearch).input.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.permitted(action):
            return False  # not offered to a role that may not (a key press says why: on_key)
        if (
            action == "toggle_cpr"
            and self.summary is not None
            and self.summary.scopes
            and "cpr_full" not in self.summary.scopes
        ):
            return False  # the role never sees the full CPR number (assets/permissions.toml, reads.cpr_full)
        if action == "erase" and not load_permissions().may(self.app.staff.role if self.app.staff else None,
                                                            "purge_citizen"):  # fmt: skip
            return False  # not offered to a role that may not erase
        if action == "erase" and self.summary is None:
            return None
        if action == "indsigt" and not self.app.may_read_audit_log():
            return False  # the indsigt report is offered to the roles that may read the audit log
        if action == "indsigt" and self.summary is None:
            return None
        if action in CITIZEN_ACTIONS and self.summary is None:
            return None  # shown dimmed until a citizen is picked
        return True

    @property
    def shown(self) -> CitizenSummary:
        """The citizen on the screen, for the actions on it (check_action disables them while there is none)."""
        if self.summary is None:
            raise RuntimeError("no citizen is shown")
        return self.summary

    # --- reading ---------------------------------------------------------------------------------

    def show_citizen(self, citizen_id: str) -> None:
        """Show another citizen (or the same one afresh): CPR masked again, filter reset, cursor on the newest."""
        self.citizen_id = citizen_id
        self.cpr_shown = None
        self.filter = TimelineFilter()
        self.query_one("#filter-kind", Select).value = ALL_KINDS
        for selector in ("#filter-from", "#filter-to"):
            field = self.query_one(selector, Input)
            field.value = ""
            field.remove_class("-invalid")
        text = self.query_one("#filter-text", Input)
        text.value = ""
        text.remove_class("-visible")
        self.app.current_citizen_id = citizen_id  # shown again when the user comes back with F3
        self.refresh_all()
        self.query_one(Timeline).focus()

    def refresh_all(self) -> None:
        self.refresh_summary()
        self.refresh_timeline()

    def refresh_summary(self) -> None:
        self.summary = (
            citizen_summary(self.db, self.citizen_id, self.today(), viewer=self.viewer) if self.citizen_id else None
        )
        text = self.query_one("#summary-text", Static)
        if self.summary is None:
            text.update(HINT if self.citizen_id is None else "Borgeren findes ikke (længere).")
        else:
            lines = summary_lines(self.summary, self.cpr_shown, self.today(), self._course_line())
            text.update(Text("\n").join([*lines, self._consent_line()]))
        self._render_criteria()
        self.refresh_bindings()

    def _consent_line(self) -> Text:
        """The consent at a glance: «Samtykke: forløb og plan · gyldigt til 07.12.2027», «Intet samtykke» …"""
        state = consent_state(self.db, self.shown.citizen.id, self.today())
        current = state.current
        text = describe_consent(
            categories=state.categories,
            valid_until=current.valid_until if current else None,
            withdrawn_on=local_date(current.withdrawn_at) if current and current.withdrawn_at else None,
            valid=state.valid,
            today=self.today(),
            rules=load_rules(),
        )
        style = (
            themed(OK) if state.valid and "udløber" not in text else themed(WARNING) if state.valid else themed(MUTED)
        )
        return Text(text, style=style)

    def action_consent(self) -> None:
        from aaben_raadgivning.ui.screens.consent_dialogs import ConsentDialog

        self._open(ConsentDialog(self.shown, consent_state(self.db, self.shown.citizen.id, self.today())), "Samtykke")

    def _course_line(self) -> Text | None:
        db, citizen_id = self.db, self.shown.citizen.id
        agreements = citizen_agreements(db, citizen_id, viewer=self.viewer)
        hours = citizen_hours(db, citizen_id, self.today(), viewer=self.viewer)
        return course_line(hours, agreements) if agreements or hours.any_reports else None

    def _render_criteria(self) -> None:
        criteria = self.query_one("#summary-criteria", Static)
        items = criteria_items(self.summary) if self.summary else []
        width = criteria.content_size.width or self.app.size.width - 4
        criteria.update(pack(items, width) if items else "")
        criteria.display = bool(items)

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._render_criteria)

    def refresh_timeline(self) -> None:
        timeline = self.query_one(Timeline)
        if self.summary is None:
            timeline.show(None)
        else:
            db, citizen_id, filter_, viewer = self.db, self.summary.citizen.id, self.filter, self.viewer
            timeline.show(
                lambda after, limit: timeline_page(
                    db, citizen_id, filter=filter_, after=after, limit=limit, viewer=viewer
                )
            )
        self._show_count()

    def _show_count(self) -> None:
        timeline = self.query_one(Timeline)
        self.query_one("#timeline-count", Static).update(timeline.counter_text() if self.summary else "")

    @on(DataTable.RowHighlighted, "#timeline")
    def _highlighted(self) -> None:
        self._show_count()  # the count grows as pages load

    # --- search and filter ---------------------------------------------------------------------

    @on(CitizenSearch.Picked, "#citizen-search")
    def _picked(self, event: CitizenSearch.Picked) -> None:
        record_lookup(self.db, self.staff_id, event.hit.id, event.query, "Borgere")
        self.query_one(CitizenSearch).clear()
        self.show_citizen(event.hit.id)

    def action_back_to_search(self) -> None:
        """Esc: to the search; in the search, clear it; in an empty search, back to the timeline. A text search
        in the timeline (/) is cleared first."""
        search = self.query_one(CitizenSearch)
        text = self.query_one("#filter-text", Input)
        if not search.input.has_focus and (text.has_focus or text.value):
            self._clear_text_search()
        elif not search.input.has_focus:
            search.input.focus()
        elif search.query_text:
            search.clear()
        elif self.summary is not None:
            self.query_one(Timeline).focus()

    def action_filter(self) -> None:
        self.query_one("#filter-kind", Select).focus()

    def action_search_timeline(self) -> None:
        """/: a search field over the timeline; what is typed narrows it to the events that hold the words."""
        text = self.query_one("#filter-text", Input)
        text.add_class("-visible")
        text.focus()

    def _clear_text_search(self) -> None:
        text = self.query_one("#filter-text", Input)
        text.value = ""  # Input.Changed applies the filter without the words
        text.remove_class("-visible")
        self._apply_filter(report=False)
        self.query_one(Timeline).focus()

    @on(Input.Changed, "#filter-text")
    def _text_typed(self) -> None:
        self._apply_filter(report=False)

    @on(Input.Submitted, "#filter-text")
    def _text_entered(self) -> None:
        self.query_one(Timeline).focus()

    @on(Select.Changed, "#filter-kind")
    def _kind_changed(self) -> None:
        self._apply_filter(report=False)

    @on(Input.Changed, "#filter-from")
    @on(Input.Changed, "#filter-to")
    def _period_typed(self) -> None:
        self._apply_filter(report=False)

    @on(Input.Submitted, "#filter-from")
    @on(Input.Submitted, "#filter-to")
    def _period_entered(self, event: Input.Submitted) -> None:
        if self._apply_filter(report=True) and event.input.id == "filter-from":
            self.query_one("#filter-to", Input).focus()
        elif self.summary is not None:
            self.query_one(Timeline).focus()

    def _apply_filter(self, report: bool) -> bool:
        """Read the filter fields; an unreadable date marks its field (and, on Enter, says why)."""
        kind = self.query_one("#filter-kind", Select).value
        dates: list[date | None] = []
        ok = True
        for selector in ("#filter-from", "#filter-to"):
            field = self.query_one(selector, Input)
            value = None
            if field.value.strip():
                try:
                    value = parse_date(field.value, self.today())
                except DateInputError as exc:
                    ok = False
                    if report:
                        self.notify(exc.message, title="Ugyldig dato", severity="error")
            field.set_class(bool(field.value.strip()) and value is None, "-invalid")
            dates.append(value)
        if not ok:
            return False
        start, end = dates
        if start and end and start > end:
            if report:
                self.notify("Fra-datoen ligger efter til-datoen.", title="Ugyldig periode", severity="error")
            return False
        words = self.query_one("#filter-text", Input).value.strip()
        new = TimelineFilter(frozenset() if kind == ALL_KINDS else frozenset({str(kind)}), start, end, words)
        if new != self.filter:
            self.filter = new
            self.refresh_timeline()
        return True

    # --- the timeline -------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#timeline")
    def _row_selected(self) -> None:
        self.action_open_event()

    def action_open_event(self) -> None:
        row = self.query_one(Timeline).selected
        if row is None:
            self.notify("Der er ingen hændelse at vise.")
            return
        event = event_detail(self.db, row.id, viewer=self.viewer)
        if event is None:
            return

        def closed(result: str | None) -> None:
            if result == "correct":
                self._correct(event)

        model = self.summary.model if self.summary else None
        self.app.push_screen(EventDetailScreen(event, self.query_one(Timeline).rows_loaded, model), closed)

    def action_correct_event(self) -> None:
        row = self.query_one(Timeline).selected
        event = event_detail(self.db, row.id, viewer=self.viewer) if row else None
        if event is None:
            self.notify("Vælg den hændelse i tidslinjen, der skal rettes.")
            return
        self._correct(event)

    def _correct(self, event) -> None:
        self._open(EventDialog(self.shown, original=event), "Rettet")

    def action_new_event(self) -> None:
        self._open(EventDialog(self.shown), "Tidslinje")

    def action_no_show(self) -> None:
        self._open(NoShowDialog(self.shown), "Udeblivelse")

    def action_cancellation(self) -> None:
        self._open(CancellationDialog(self.shown), "Afbud")

    def action_sanction(self) -> None:
        self._open(SanctionDialog(self.shown), "Sanktion")

    # --- the record -------------------------------------------------------------------------------

    def _open(self, dialog, title: str) -> None:
        def done(message: str | None) -> None:
            if message:
                self.notify(message, title=title, timeout=8)
                self.refresh_all()
                self.query_one(Timeline).focus()

        self.app.push_screen(dialog, done)

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role may not do is hidden; pressed anyway, it says why in Danish."""
        if self.summary is None or isinstance(self.focused, Input):
            return
        self.refuse_key(event)

    def action_visitation(self) -> None:
        self._open(VisitationDialog(self.shown), "Visitation")

    def action_base_data(self) -> None:
        self._open(BaseDataDialog(self.shown), "Stamdata")

    def action_outcome(self) -> None:
        self._open(OutcomeDialog(self.shown), "Udfald")

    def action_plan(self) -> None:
        self._open(PlanDialog(self.shown), "Plan")

    def action_jobformidler(self) -> None:
        self._open(JobformidlerDialog(self.shown), "Jobformidler")

    def action_advance(self) -> None:
        summary = self.shown
        if summary.model is None or summary.citizen.step is None:
            self.notify("Borgeren er ikke visiteret endnu. Tryk v for visitation.", severity="warning")
            return
        if summary.model.step(summary.citizen.step).terminal:
            self.notify("Forløbet i projektet er afsluttet; der er ikke flere trin.", severity="warning")
            return
        self._open(AdvanceDialog(summary), "Trin")

    def action_break_off(self) -> None:
        self._open(BreakOffDialog(self.shown), "Afbrudt forløb")

    def action_new_sub_goal(self) -> None:
        self._open(SubGoalDialog(self.shown), "Delmål")

    def action_assess_sub_goal(self) -> None:
        goals = [goal for goal in sub_goals_of(self.db, self.shown.citizen.id) if goal.status == SubGoalStatus.AKTIV]
        if not goals:
            self.notify("Borgeren har ingen aktive delmål. Tryk d for at oprette et.", severity="warning")
            return
        selected = None
        row = self.query_one(Timeline).selected
        if row is not None and row.kind == "delmaal":
            event = event_detail(self.db, row.id, viewer=self.viewer)
            selected = event.subject_id if event else None
        self._open(AssessSubGoalDialog(self.shown, goals, selected), "Delmål")

    def action_indsigt(self) -> None:
        """The citizen's indsigt report (GDPR art. 15) as PDF and CSV (ui/screens/audit_log.py)."""
        from aaben_raadgivning.ui.screens.audit_log import IndsigtDialog

        citizen = self.shown.citizen
        self.app.push_screen(IndsigtDialog(citizen.id, citizen.name),
                             lambda message: self.notify(message, title="Indsigt") if message else None)  # fmt: skip

    def action_print_plan(self) -> None:
        """«Min plan» as PDF for the citizen (ui/screens/plan_print.py; audited by the store)."""
        from aaben_raadgivning.ui.screens.plan_print import PlanPrintDialog

        citizen = self.shown.citizen
        self.app.push_screen(PlanPrintDialog(citizen.id, citizen.name),
                             lambda message: self.notify(message, title="Min plan", timeout=8) if message else None)  # fmt: skip

    def action_toggle_cpr(self) -> None:
        if self.cpr_shown:
            self.cpr_shown = None
            self.refresh_summary()
            return
        if not self.shown.citizen.cpr:
            self.notify("Borgeren har intet CPR-nummer registreret.")
            return
        try:
            self.cpr_shown = reveal_cpr(self.db, self.staff_id, self.shown.citizen.id)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify("Fuldt CPR-nummer vist. Visningen er logget. Tryk c for at skjule det igen.", title="CPR")
        self.refresh_summary()

    def action_new_follow_up(self) -> None:
        from aaben_raadgivning.ui.screens.follow_up_dialogs import NewTaskDialog

        citizen = self.shown.citizen
        self._open(NewTaskDialog(citizen.id, citizen.name), "Opfølgning")

    # --- ordinary hours and agreements ---------------------------------------------------------------

    def action_register_hours(self) -> None:
        def done(saved: HoursSaved | None) -> None:
            if saved is not None:
                self.refresh_all()
                if saved.goal_month is None or not self._offer_step_exit(saved.message):
                    self.notify(saved.message, title="Timer", timeout=8)

        self.app.push_screen(HoursDialog(self.shown.citizen.id), done)

    def action_erase(self) -> None:
        from aaben_raadgivning.ui.screens.erasure import EraseCitizenDialog

        citizen = self.shown.citizen

        def done(result) -> None:
            if result is not None:
                self.app.erasure_done(result)

        self.app.push_screen(EraseCitizenDialog(citizen.id, citizen.name, bool(citizen.cpr)), done)

    def action_agreements(self) -> None:
        def done(result: OverviewResult | None) -> None:
            if result is None:
                return
            self.refresh_all()
            if result.goal_month is None or not self._offer_step_exit(result.message):
                self.notify(result.message, title="Timer", timeout=8)

        self.app.push_screen(AgreementsScreen(self.shown.citizen.id), done)

    def _offer_step_exit(self, message: str) -> bool:
        """The monthly goal is reached: when the citizen's step ends on it (trin 3), offer to record the exit.
        Returns whether the offer was made (it then shows ``message`` itself)."""
        summary = self.summary
        if summary is None or not goal_is_exit_criterion(summary.model, summary.citizen.step):
            return False
        intro = (
            f"{message.splitlines()[-1]}\nRegistrér nu, at borgeren afslutter trinnet – eller tryk Esc for at vente."
        )
        self._open(AdvanceDialog(summary, intro), "Trin")
        return True

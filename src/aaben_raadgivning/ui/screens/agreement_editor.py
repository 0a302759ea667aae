"""The agreement editor (opened from F4 Aftaler, or by ``app.open_agreement``): citizen and company, the
course kind, tasks, the weekly schedule with live totals (ordinary hours kept apart from praktik and
løntilskud), delmål, health notes (sensitive), jobformidler, dates, the internship assessment when needed,
and the follow-up plan with the dates it gives. With hours but no ordinary hours it asks whether and from when
ordinary hours are expected (seed 000 KE 7); with praktik hours, the praktik's purpose and the expectations
agreed with the company (seed 002). The praktik limit shown follows the citizen's readiness (LAB § 61). Versions of a renegotiated agreement show what changed
(old → new) and the trend of planned ordinary hours.

Keys (footer and palette): Ctrl+S saves (a new agreement is saved as udkast), F6 activates, F7 finishes,
F8 breaks off, F9 starts a renegotiation (Ctrl+S then saves the new version), Ctrl+D adds a delmål,
F10 registers a month's actual hours, F11 prints the agreement (PDF/Markdown). Esc closes.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from aaben_raadgivning.domain.agreements import (
    HOUR_TYPE_SHORT,
    HOUR_TYPES,
    ORDINARY_EXPECTED_LABELS,
    WEEKDAYS_SHORT,
    AgreementInput,
    Schedule,
    check_praktik,
    load_agreement_data,
    ordinary_expected_code,
    parse_schedule,
    schedule_cells,
)
from aaben_raadgivning.domain.codes import AgreementStatus
from aaben_raadgivning.domain.cvr import format_cvr
from aaben_raadgivning.domain.dates import (
    DateInputError,
    format_date,
    format_date_short,
    parse_date,
)
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.follow_up_cadence import (
    PlanError,
    default_plan,
    parse_plan_text,
    plan_from_json,
    plan_visits,
)
from aaben_raadgivning.domain.hours import format_hours
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.store.actions.agreements import (
    activate_agreement,
    renegotiate_agreement,
    save_agreement,
)
from aaben_raadgivning.store.actions.staff import list_staff
from aaben_raadgivning.store.queries.agreements import (
    AgreementDetail,
    agreement_detail,
    citizen_jobformidler,
    citizen_readiness,
    diff_versions,
    ordinary_trend,
)
from aaben_raadgivning.store.queries.companies import company_contacts
from aaben_raadgivning.store.queries.search import CitizenHit
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.agreement_dialogs import (
    AgreementSubGoalDialog,
    BreakOffAgreementDialog,
    FinishAgreementDialog,
)
from aaben_raadgivning.ui.styles import ERROR, MUTED, OK, WARNING, themed
from aaben_raadgivning.ui.widgets.citizen_search import CitizenSearch, hit_label
from aaben_raadgivning.ui.widgets.form import REFUSALS, Field, refusal_errors, show_errors
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.plain import plain_options

SENSITIVE = "⚠ følsomme helbredsoplysninger"
ACTIVE_ONLY = frozenset({"finish", "break_off", "renegotiate"})


def hours_line(schedule: Schedule, goal_hours: float) -> Text:
    """Live totals: per type per week and per month; only ordinary hours are measured against the goal."""
    text = Text()
    for hour_type in HOUR_TYPES:
        week = schedule.week_minutes(hour_type)
        if text:
            text.append("  │  ", style=themed(MUTED))
        text.append(f"{HOUR_TYPE_SHORT[hour_type]} ", style="bold" if hour_type == "ordinary" else "")
        if week:
            text.append(f"{format_hours(week)} t/uge · {format_hours(schedule.month_minutes(hour_type), 1)} t/md")
        else:
            text.append("–", style=themed(MUTED))
    month = schedule.month_minutes("ordinary") / 60
    style = themed(OK) if month >= goal_hours else themed(WARNING)
    text.append(f"\nMål: {format_hours(int(goal_hours * 60))} ordinære timer pr. måned – ", style=themed(MUTED))
    text.append("nået i planen" if month >= goal_hours else "ikke nået i planen endnu", style=style)
    text.append(" (praktik og løntilskud tæller ikke med)", style=themed(MUTED))
    return text


class AgreementEditor(AppScreen):
    CSS_PATH = "agreements.tcss"
    # The permission each key's action needs (assets/permissions.toml): not offered to a role without it
    # (check_action), and pressed anyway it says why (on_key). Reading the agreement and closing are free.
    ACTION_PERMISSIONS = {
        "save": "agreements", "activate": "agreements", "finish": "agreements", "break_off": "agreements",
        "renegotiate": "agreements", "sub_goal": "sub_goals", "hours": "register_hours",
        "export": "export_agreement",
    }  # fmt: skip
    BINDINGS = [
        Binding("ctrl+s", "save", "Gem", priority=True),
        Binding("f6", "activate", "Sæt i gang"),
        Binding("f7", "finish", "Afslut"),
        Binding("f8", "break_off", "Afbryd"),
        Binding("f9", "renegotiate", "Genforhandl"),
        Binding("ctrl+d", "sub_goal", "Nyt delmål", priority=True),
        Binding("f10", "hours", "Timer"),
        Binding("f11", "export", "Udskriv"),
        Binding("escape", "close", "Luk"),
    ]

    def __init__(
        self, agreement_id: str | None = None, *, company_id: str | None = None, citizen: CitizenHit | None = None
    ) -> None:
        super().__init__()
        self.agreement_id = agreement_id
        self.company_id = company_id
        self.citizen = citizen
        self.citizen_id = citizen.id if citizen else None
        self.detail: AgreementDetail | None = None
        self.renegotiating = False
        self._saved_input: AgreementInput | None = None  # what the fields held when last loaded or saved
        self._readiness: str | None = None  # the citizen's readiness: picks the praktik limit shown
        self._warned_unsaved = False

    # --- building -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        db = self.db
        if self.agreement_id:
            self.detail = agreement_detail(db, self.agreement_id, viewer=self.viewer)
            if self.detail:
                self.company_id = self.detail.agreement.company_id
                self.citizen_id = self.detail.agreement.citizen_id
        data = load_agreement_data()
        agreement = self.detail.agreement if self.detail else None
        contacts = company_contacts(db, self.company_id) if self.company_id else []
        contact_options = [(c.name + (f" ({c.role})" if c.role else ""), c.id) for c in contacts]
        if (
            agreement
            and agreement.contact_id
            and agreement.contact_id not in {c.id for c in contacts}
            and self.detail is not None
            and self.detail.contact
        ):
            contact_options.append((f"{self.detail.contact.name} (fjernet)", agreement.contact_id))
        staff_options = [(f"{s.initials} · {s.name}", s.id) for s in list_staff(db)]
        self._staff_ids = {staff_id for _, staff_id in staff_options}
        kinds = [(k.label, k.code) for k in data.course_kinds]
        schedule = Schedule.from_json(agreement.schedule) if agreement else Schedule()
        cells = schedule_cells(schedule)
        plan_text = default_plan().to_text()
        if agreement and agreement.follow_up_plan:
            try:
                plan_text = plan_from_json(agreement.follow_up_plan).to_text()
            except PlanError:
                pass

        def selected(value: str | None) -> dict:
            return {"value": value} if value else {}

        yield Static("", id="editor-title")
        with VerticalScroll(id="editor-body"):
            yield Static("", id="form-error")
            if self.citizen_id is None:
                yield Field("Borger", CitizenSearch(db, id="citizen-picker"), "citizen")
            else:
                yield Field("Borger", Static("", id="citizen-name"), "citizen")
            yield Field("Virksomhed", Static("", id="company-name"), "company")
            with Horizontal(classes="editor-row"):
                yield Field(
                    "Forløbstype",
                    Select(
                        kinds,
                        prompt="Vælg",
                        id="course-kind",
                        compact=True,
                        **selected(agreement.course_kind if agreement else None),
                    ),
                    "course_kind",
                )
                yield Field(
                    "Fast kontaktperson",
                    Select(
                        plain_options(contact_options),
                        prompt="Vælg",
                        id="contact",
                        compact=True,
                        **selected(agreement.contact_id if agreement else None),
                    ),
                    "contact",
                )
            with Horizontal(classes="editor-row"):
                default_jf = agreement.jobformidler_id if agreement else self._default_jobformidler()
                yield Field(
                    "Jobformidler",
                    Select(
                        plain_options(staff_options),
                        prompt="Vælg",
                        id="jobformidler",
                        compact=True,
                        **selected(default_jf),
                    ),
                    "jobformidler",
                )
                yield Field(
                    "Start",
                    Input(
                        format_date(agreement.start_date) if agreement and agreement.start_date else "",
                        id="start-date",
                        compact=True,
                        placeholder="dd.mm.åååå",
                    ),
                    "start_date",
                )
                yield Field(
                    "Slut",
                    Input(
                        format_date(agreement.end_date) if agreement and agreement.end_date else "",
                        id="end-date",
                        compact=True,
                        placeholder="dd.mm.åååå",
                    ),
                    "end_date",
                )
            yield Field(
                "Arbejdsopgaver", TextArea(agreement.tasks if agreement else "", id="tasks", compact=True), "tasks"
            )
            with Vertical(id="schedule-grid"):
                with Horizontal(classes="grid-row grid-head"):
                    yield Label("Timer/dag", classes="grid-label")
                    for day_name in WEEKDAYS_SHORT:
                        yield Label(day_name, classes="grid-day")
                for hour_type in HOUR_TYPES:
                    with Horizontal(classes="grid-row", id=f"row-{hour_type}"):
                        yield Label(HOUR_TYPE_SHORT[hour_type], classes="grid-label")
                        for day in range(7):
                            yield Input(
                                cells[hour_type][day], id=f"cell-{hour_type}-{day}", classes="grid-cell", compact=True
                            )
            yield Field("Ugeskemaet i alt", Static("", id="hours-total"), "schedule")
            expected_from = agreement.ordinary_expected_from if agreement else None
            with Horizontal(classes="editor-row", id="ordinary-expected-row"):  # seed 000 KE 7
                yield Field(
                    "Ingen ordinære timer: forventes de?",
                    Select(
                        ORDINARY_EXPECTED_LABELS,
                        prompt="Vælg",
                        id="ordinary-expected",
                        compact=True,
                        **selected(ordinary_expected_code(agreement.ordinary_expected) if agreement else None),
                    ),
                    "ordinary_expected",
                )
                yield Field(
                    "Fra hvornår (dato eller måned)",
                    Input(
                        format_date(expected_from) if expected_from else "",
                        id="ordinary-expected-from",
                        compact=True,
                        placeholder="fx marts 2027",
                    ),
                    "ordinary_expected_from",
                )
            with Vertical(id="praktik-terms"):  # seed 002
                yield Field(
                    "Praktikkens formål",
                    Select(
                        [(p.label, p.code) for p in data.praktik_purposes],
                        prompt="Vælg",
                        id="praktik-purpose",
                        compact=True,
                        **selected(agreement.praktik_purpose if agreement else None),
                    ),
                    "praktik_purpose",
                )
                yield Field(
                    "Forventninger aftalt med virksomheden",
                    TextArea(
                        agreement.praktik_expectations if agreement else "", id="praktik-expectations", compact=True
                    ),
                    "praktik_expectations",
                )
            yield Field(
                "Praktik ud over grænsen: skriftlig, konkret vurdering",
                TextArea(agreement.praktik_assessment if agreement else "", id="praktik-assessment", compact=True),
                "praktik_assessment",
            )
            yield Static("", id="praktik-warning")
            yield Field(
                "Opfølgningsplan (fx «1 uge til 4 uger; 2 uger til 3 mdr; 1 md til 12 mdr»)",
                Input(plan_text, id="plan", compact=True),
                "follow_up_plan",
            )
            yield Static("", id="plan-dates")
            yield Field(
                f"Helbredsforhold at tage hensyn til  {SENSITIVE}",
                TextArea(
                    agreement.health_notes if agreement else "", id="health-notes", compact=True, classes="sensitive"
                ),
                "health_notes",
            )
            yield Static("", id="sub-goals")
            yield Static("", id="history")
        yield KeyFooter()

    def _load_readiness(self) -> None:
        self._readiness = citizen_readiness(self.db, self.citizen_id, viewer=self.viewer) if self.citizen_id else None

    def on_mount(self) -> None:
        self._load_readiness()
        self._show_header()
        self._recompute()
        self._saved_input = self._input()
        if not self.may("agreements"):
            self._read_only()
            return
        if self.citizen_id is None:
            self.query_one(CitizenSearch).input.focus()
        else:
            self.query_one("#course-kind", Select).focus()

    def _read_only(self) -> None:
        """A role that may not change agreements (a leder) reads the agreement: no field takes typing that
        could never be saved (the title says so: _show_header)."""
        for field in self.query("Input, TextArea, Select, Checkbox, RadioSet"):
            field.disabled = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.permitted(action):
            return False
        status = self.detail.agreement.status if self.detail else None
        if action == "activate" and status != AgreementStatus.UDKAST:
            return None
        if action in ACTIVE_ONLY and (status != AgreementStatus.AKTIV or self.renegotiating):
            return None
        if action in ("sub_goal", "export") and self.detail is None:
            return None
        if action == "hours" and (status in (None, AgreementStatus.UDKAST) or self.renegotiating):
            return None  # hours are registered on an agreement that has started
        return True

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role may not do is hidden; pressed anyway, it says why in Danish."""
        self.refuse_key(event)

    # --- showing ------------------------------------------------------------------------------------

    def _show_header(self) -> None:
        data = load_agreement_data()
        db = self.db
        detail = self.detail
        if detail:
            a = detail.agreement
            status = data.status_label(a.status)
            if a.status_reason:
                status += f" ({a.status_reason})"
            if self.renegotiating:
                title = f"Genforhandling · ny version {a.version + 1} af aftalen · Ctrl+S gemmer den nye version"
            else:
                title = f"Aftale · version {a.version} · {status}"
            company = detail.company
            self.query_one("#citizen-name", Static).update(Text(detail.citizen_name))
        else:
            title = "Ny aftale (gemmes som udkast)"
            from aaben_raadgivning.store.models import Company

            with db.session() as session:
                company = session.get(Company, self.company_id) if self.company_id else None
            if self.citizen is not None:
                self.query_one("#citizen-name", Static).update(Text(hit_label(self.citizen)))
        heading = Text(title, style="bold")
        if not self.may("agreements"):
            heading.append("  · kun visning: din rolle kan ikke ændre aftaler", style=themed(MUTED))
        self.query_one("#editor-title", Static).update(heading)
        self.query_one("#company-name", Static).update(
            Text(f"{company.name} · CVR {format_cvr(company.cvr) or '–'}" if company else "–")
        )
        self._show_sub_goals()
        self._show_history()

    def _show_sub_goals(self) -> None:
        widget = self.query_one("#sub-goals", Static)
        if not self.detail:
            widget.update(Text("Delmål for forløbet kan tilføjes, når aftalen er gemt (Ctrl+D).", style=themed(MUTED)))
            return
        goals = self.detail.sub_goals
        lines = [Text("Delmål for forløbet", style="bold")]
        lines += [Text(f"• {g.text} ({g.status})") for g in goals] or [
            Text("Ingen endnu – Ctrl+D tilføjer et.", style=themed(MUTED))
        ]
        widget.update(Text("\n").join(lines))

    def _show_history(self) -> None:
        widget = self.query_one("#history", Static)
        if not self.detail or len(self.detail.versions) < 2:
            widget.display = False
            return
        widget.display = True
        versions = self.detail.versions
        lines = [Text("Versioner og ordinære timer pr. uge", style="bold")]
        trend = ordinary_trend(versions)
        best = max(p.ordinary_minutes for p in trend) or 1
        for point in trend:
            bar = "█" * max(1, round(20 * point.ordinary_minutes / best)) if point.ordinary_minutes else ""
            start = format_date(point.start_date) if point.start_date else "–"
            lines.append(
                Text.assemble(
                    f"v{point.version} fra {start}  ", (bar, themed(OK)), f" {format_hours(point.ordinary_minutes)} t"
                )
            )
        db = self.db
        for old, new in zip(versions, versions[1:], strict=False):
            lines.append(Text(f"Ændret fra version {old.version} til {new.version}:", style="bold"))
            for change in diff_versions(db, old, new):
                lines.append(
                    Text.assemble(f"  {change.label}: ", (change.old, themed(ERROR)), " → ", (change.new, themed(OK)))
                )
        widget.update(Text("\n").join(lines))

    # --- live computing -------------------------------------------------------------------------------

    def _cells(self) -> dict[str, list[str]]:
        return {t: [self.query_one(f"#cell-{t}-{d}", Input).value for d in range(7)] for t in HOUR_TYPES}

    def _date(self, selector: str) -> date | None:
        text = self.query_one(selector, Input).value
        if not text.strip():
            return None
        try:
            return parse_date(text, self.today())
        except DateInputError:
            return None

    @on(Input.Changed)
    @on(TextArea.Changed, "#praktik-assessment")
    def _changed(self, event) -> None:
        if getattr(event, "input", None) is not None and event.input.id == "search-input":
            return
        self._recompute()

    def _recompute(self) -> None:
        schedule, errors = parse_schedule(self._cells())
        for hour_type in HOUR_TYPES:
            for day in range(7):
                self.query_one(f"#cell-{hour_type}-{day}", Input).set_class(
                    f"schedule.{hour_type}.{day}" in errors, "-invalid"
                )
        kind = load_agreement_data().course_kind(self._select("#course-kind") or "")
        for hour_type in HOUR_TYPES:  # hour types the course kind does not allow are dimmed
            self.query_one(f"#row-{hour_type}").set_class(
                kind is not None and hour_type not in kind.hour_types, "-unused"
            )
        rules = load_rules()
        total = hours_line(schedule, rules.ordinary_hours_goal)
        if errors:
            total.append("\n" + next(iter(errors.values())), style=themed(ERROR))
        self.query_one("#hours-total", Static).update(total)
        # seed 000 KE 7: hours but no ordinary hours ask whether and when; seed 002: praktik asks purpose and terms
        self.query_one("#ordinary-expected-row").display = (
            not schedule.is_empty() and schedule.week_minutes("ordinary") == 0
        )
        self.query_one("#praktik-terms").display = schedule.week_minutes("praktik") > 0
        start, end = self._date("#start-date"), self._date("#end-date")
        complete = self.renegotiating or (
            self.detail is not None and self.detail.agreement.status == AgreementStatus.AKTIV
        )
        check = check_praktik(
            start, end, schedule.week_minutes("praktik"), self.query_one("#praktik-assessment", TextArea).text, rules,
            readiness=self._readiness, strict=complete,
        )  # fmt: skip
        warning = check.warning or next(iter(check.errors.values()), "")
        self.query_one("#praktik-warning", Static).update(Text(warning, style=themed(WARNING)) if warning else "")
        self._show_plan_dates(start, end)

    def _show_plan_dates(self, start: date | None, end: date | None) -> None:
        widget = self.query_one("#plan-dates", Static)
        try:
            plan = parse_plan_text(self.query_one("#plan", Input).value)
        except PlanError as exc:
            widget.update(Text(exc.message, style=themed(ERROR)))
            return
        first = start  # the plan counts from the course's first day: version 1's start when renegotiated
        if self.detail and (self.renegotiating or len(self.detail.versions) > 1):
            first = self.detail.versions[0].start_date or start
        if first is None:
            widget.update(Text(f"{plan.describe()}. Skriv startdatoen for at se datoerne.", style=themed(MUTED)))
            return
        visits = [
            v for v in plan_visits(plan, first, end, self.app.runtime.calendar) if start is None or v.planned >= start
        ]
        dates = " · ".join(format_date_short(v.due) + ("*" if v.moved else "") for v in visits)
        note = "  (* flyttet til næste arbejdsdag)" if any(v.moved for v in visits) else ""
        widget.update(Text.assemble((f"{len(visits)} opfølgninger: ", "bold"), dates, (note, themed(MUTED))))

    # --- actions --------------------------------------------------------------------------------------

    def _select(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    @on(Select.Changed, "#course-kind")
    def _kind_changed(self) -> None:
        self._recompute()

    def _input(self) -> AgreementInput:
        value = self._select

        return AgreementInput(
            citizen_id=self.citizen_id,
            company_id=self.company_id,
            course_kind=value("#course-kind") or "",
            tasks=self.query_one("#tasks", TextArea).text,
            schedule=self._cells(),
            health_notes=self.query_one("#health-notes", TextArea).text,
            contact_id=value("#contact"),
            jobformidler_id=value("#jobformidler"),
            start_date=self.query_one("#start-date", Input).value,
            end_date=self.query_one("#end-date", Input).value,
            praktik_assessment=self.query_one("#praktik-assessment", TextArea).text,
            follow_up_plan=self.query_one("#plan", Input).value,
            ordinary_expected=value("#ordinary-expected") or "",
            ordinary_expected_from=self.query_one("#ordinary-expected-from", Input).value,
            praktik_purpose=value("#praktik-purpose") or "",
            praktik_expectations=self.query_one("#praktik-expectations", TextArea).text,
        )

    def _run(self, action, *args, **kwargs):
        try:
            result = action(self.db, self.staff_id, *args, **kwargs)
        except REFUSALS as exc:
            errors = refusal_errors(exc)
            show_errors(self, errors)
            self._show_general(errors)
            if isinstance(exc, ValidationError):
                self.notify("Aftalen er ikke gemt. Ret felterne med rød tekst.", severity="error", title="Ikke gemt")
            else:
                self.notify(" ".join(errors.values()), severity="error", title="Ikke gemt", markup=False)
            return None
        show_errors(self, {})
        return result

    def _show_general(self, errors: dict[str, str]) -> None:
        known = {f.field_name for f in self.query(Field)}
        general = [m for name, m in errors.items() if name not in known]
        error_line = self.query_one("#form-error", Static)
        error_line.update(Text("\n".join(general)))
        error_line.set_class(bool(general), "-shown")
        if errors:
            first = next((f for f in self.query(Field) if f.field_name in errors), None)
            if first is not None:
                self.query_one("#editor-body", VerticalScroll).scroll_to_widget(first, animate=False)

    async def _reload(self, agreement_id: str) -> None:
        """Show the agreement as stored (after a save, or to drop a renegotiation's edits)."""
        self.agreement_id = agreement_id
        self.renegotiating = False
        await self.recompose()  # compose reads the agreement afresh
        self._show_header()
        self._recompute()
        self._saved_input = self._input()
        self._warned_unsaved = False
        self.refresh_bindings()
        self.query_one("#course-kind", Select).focus()

    def _after(self, message: str, warnings: tuple[str, ...] = ()) -> None:
        text = message + ("\n" + "\n".join(warnings) if warnings else "")
        self.notify(text, title="Aftale", timeout=8, severity="warning" if warnings else "information")

    async def action_save(self) -> None:
        calendar = self.app.runtime.calendar
        if self.renegotiating and self.detail:
            result = self._run(renegotiate_agreement, self.detail.agreement.id, self._input(), calendar=calendar)
            if result is not None:
                await self._reload(result.agreement.id)
                self._after(
                    f"Ny version {result.agreement.version} er i kraft; {result.tasks} opfølgninger planlagt.",
                    result.warnings,
                )
            return
        result = self._run(save_agreement, self._input(), calendar=calendar, agreement_id=self.agreement_id)
        if result is None:
            return
        new = self.agreement_id is None
        await self._reload(result.agreement.id)
        if new:
            self._after("Aftalen er gemt som udkast. Tryk F6 for at sætte den i gang.", result.warnings)
        elif result.agreement.status == AgreementStatus.AKTIV:
            self._after(f"Aftalen er gemt; {result.tasks} opfølgninger planlagt.", result.warnings)
        else:
            self._after("Udkastet er gemt.", result.warnings)

    def _default_jobformidler(self) -> str | None:
        """A new agreement's jobformidler: the citizen's own, else the logged-in jobformidler."""
        own = citizen_jobformidler(self.db, self.citizen_id, viewer=self.viewer) if self.citizen_id else None
        if own is not None and own in self._staff_ids:
            return own
        return self.staff_id if self.app.staff and self.app.staff.role == "jobformidler" else None

    @on(CitizenSearch.Picked, "#citizen-picker")
    def _citizen_picked(self, event: CitizenSearch.Picked) -> None:
        jobformidler = self.query_one("#jobformidler", Select)
        untouched = (
            jobformidler.value if isinstance(jobformidler.value, str) else None
        ) == self._default_jobformidler()
        self.citizen_id = event.hit.id
        self.citizen = event.hit
        self._load_readiness()
        self._recompute()
        default = self._default_jobformidler()
        if untouched and default is not None:  # a jobformidler chosen by hand stays
            jobformidler.value = default
        search = self.query_one(CitizenSearch)
        search.input.value = event.hit.name
        self.query_one("#search-hits").set_class(False, "-visible")
        self.notify(f"Borger valgt: {hit_label(event.hit)}")
        self.query_one("#course-kind", Select).focus()

    async def action_activate(self) -> None:
        if not self.detail:
            return
        # Unsaved edits are saved first, so what is activated is what the user sees.
        saved = self._run(
            save_agreement, self._input(), calendar=self.app.runtime.calendar, agreement_id=self.detail.agreement.id
        )
        if saved is None:
            return
        result = self._run(activate_agreement, self.detail.agreement.id, calendar=self.app.runtime.calendar)
        if result is not None:
            await self._reload(result.agreement.id)
            self._after(
                f"Aftalen er sat i gang; {result.tasks} opfølgninger er planlagt til jobformidleren.", result.warnings
            )

    def _title(self) -> str:
        d = self.detail
        return f"{d.citizen_name} · {d.company.name if d.company else ''}" if d else ""

    def _dialog(self, dialog, title: str) -> None:
        async def done(message: str | None) -> None:
            if message:
                self.notify(message, title=title, timeout=8)
                if self.detail is not None:  # a dialog opens only on a loaded agreement (check_action)
                    await self._reload(self.detail.agreement.id)

        self.app.push_screen(dialog, done)

    def action_finish(self) -> None:
        if self.detail:
            self._dialog(FinishAgreementDialog(self.detail.agreement.id, self._title()), "Afsluttet")

    def action_break_off(self) -> None:
        if self.detail:
            self._dialog(BreakOffAgreementDialog(self.detail.agreement.id, self._title()), "Afbrudt")

    def action_sub_goal(self) -> None:
        if self.detail:
            self._dialog(AgreementSubGoalDialog(self.detail.agreement.id), "Delmål")

    def action_hours(self) -> None:
        from aaben_raadgivning.ui.screens.hours_dialogs import HoursDialog, HoursSaved

        if not self.detail:
            return
        agreement = self.detail.agreement

        async def done(saved: HoursSaved | None) -> None:
            if saved is None:
                return
            await self._reload(agreement.id)
            if saved.goal_month is None or not self._offer_step_exit(agreement.citizen_id, saved.message):
                self.notify(saved.message, title="Timer", timeout=8)

        self.app.push_screen(HoursDialog(agreement.citizen_id, agreement.id), done)

    def _offer_step_exit(self, citizen_id: str, message: str) -> bool:
        """The month reached the ordinary-hours goal: when the citizen's step ends on it (trin 3), offer to
        record the exit, as the citizen screen does. Returns whether the offer was made."""
        from aaben_raadgivning.store.queries.citizen import citizen_summary
        from aaben_raadgivning.ui.screens.citizen_dialogs import AdvanceDialog
        from aaben_raadgivning.ui.screens.hours_dialogs import goal_is_exit_criterion

        summary = citizen_summary(self.db, citizen_id, self.today(), viewer=self.viewer)
        if summary is None or not goal_is_exit_criterion(summary.model, summary.citizen.step):
            return False
        intro = (
            f"{message.splitlines()[-1]}\nRegistrér nu, at borgeren afslutter trinnet – eller tryk Esc for at vente."
        )

        def done(result: str | None) -> None:
            if result:
                self.notify(result, title="Trin", timeout=8)

        self.app.push_screen(AdvanceDialog(summary, intro), done)
        return True

    def action_export(self) -> None:
        from aaben_raadgivning.ui.screens.agreement_export import AgreementExportDialog

        if self.detail:
            self._dialog(AgreementExportDialog(self.detail.agreement.id), "Udskriv")

    def action_renegotiate(self) -> None:
        if not self.detail:
            return
        self.renegotiating = True
        self._show_header()
        self.refresh_bindings()
        self.query_one("#start-date", Input).value = format_date(self.today())
        self.query_one("#start-date", Input).focus()
        self.notify(
            "Ret aftalen til den nye version (målet er flere ordinære timer) og gem med Ctrl+S. Esc fortryder.",
            title="Genforhandling",
        )

    async def action_close(self) -> None:
        if self.renegotiating and self.detail:
            await self._reload(self.detail.agreement.id)
            self.notify("Genforhandlingen er fortrudt.")
            return
        if self._input() != self._saved_input and not self._warned_unsaved:
            self._warned_unsaved = True
            self.notify(
                "Ændringerne er ikke gemt. Ctrl+S gemmer; Esc igen lukker uden at gemme.",
                severity="warning",
                title="Ikke gemt",
            )
            return
        self.dismiss(self.agreement_id)

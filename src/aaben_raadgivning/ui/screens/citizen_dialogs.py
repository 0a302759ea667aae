"""Dialogs of the citizen screen (F3): visitation, plan, jobformidler, step, broken-off course, timeline
events and corrections, missed appointments, sanctions, delmål — and the full view of one event.

Every dialog saves with Ctrl+S and cancels with Esc. Errors are shown under their field (or on the
general line) and nothing is written; on success the dialog returns the Danish text the screen shows
as a notification.
"""

from __future__ import annotations

import json
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.codes import SubGoalStatus
from aaben_raadgivning.domain.dates import (
    DateInputError,
    format_date,
    format_date_long,
    format_datetime,
    format_time,
    parse_datetime,
    weekday_name,
)
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.step_models import (
    DEFAULT_STEP_MODEL,
    StepModel,
    StepModelError,
    load_step_model,
)
from aaben_raadgivning.store.actions.citizen_record import (
    advance_step,
    assign_jobformidler,
    break_off_course,
    record_visitation,
    update_plan,
)
from aaben_raadgivning.store.actions.staff import list_staff
from aaben_raadgivning.store.actions.sub_goals import (
    SCORES,
    STATUSES,
    add_sub_goal,
    assess_sub_goal,
    review_due,
)
from aaben_raadgivning.store.actions.timeline import (
    add_event,
    record_cancellation,
    record_no_show,
    register_sanction,
    sanction_status,
)
from aaben_raadgivning.store.models import Event, SubGoal
from aaben_raadgivning.store.queries.citizen import (
    CitizenSummary,
    TimelineRow,
    event_detail,
)
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.widgets.form import Field, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.plain import plain_options


def staff_labels(db) -> dict[str, str]:
    return {s.id: f"{s.initials} · {s.name}" for s in list_staff(db)}


class _Dialog(FormDialog[str]):
    """Returns the notification text on success, None when cancelled."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]

    def __init__(self, summary: CitizenSummary) -> None:
        super().__init__()
        self.summary = summary
        self.citizen_id = summary.citizen.id

    def heading(self, what: str) -> Static:
        return Static(f"{what} · {self.summary.citizen.name}", classes="dialog-title", markup=False)

    def text_of(self, selector: str) -> str:
        widget = self.query_one(selector)
        return widget.text if isinstance(widget, TextArea) else self.query_one(selector, Input).value

    def select_value(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else ""


# --- the record ---------------------------------------------------------------------------------------


def visitation_model(summary: CitizenSummary, office_model: str) -> StepModel:
    """The record's own model, or — before the first visitation — the office's model from settings."""
    return summary.model or load_step_model(office_model)


class VisitationDialog(_Dialog):
    def compose(self) -> ComposeResult:
        outcomes = visitation_model(self.summary, self.app.runtime.settings.step_model).visitation_outcomes
        current = self.summary.citizen.visitation
        with Vertical(classes="dialog"):
            yield self.heading("Visitation")
            yield Static("Jobkonsulentens afgørelse. Vælg udfald med pilene og mellemrum.", classes="dialog-hint")
            yield Field(
                "Udfald",
                RadioSet(
                    *(RadioButton(o.label, value=o.code == current) for o in outcomes), id="outcome", compact=True
                ),
                "outcome",
            )
            yield Static("", id="outcome-description", classes="dialog-hint")
            yield Field("Note (valgfri)", TextArea(id="note", compact=True), "note")
            yield Static("", id="form-error")
            yield from self.buttons("Gem visitation")

    def on_mount(self) -> None:
        self.query_one("#outcome", RadioSet).focus()
        self._describe()

    @on(RadioSet.Changed, "#outcome")
    def _describe(self) -> None:
        outcome = self._outcome()
        text = f"{outcome.description}\n→ {outcome.action}" if outcome else ""
        self.query_one("#outcome-description", Static).update(Text(text))

    def _outcome(self):
        index = self.query_one("#outcome", RadioSet).pressed_index
        outcomes = visitation_model(self.summary, self.app.runtime.settings.step_model).visitation_outcomes
        return outcomes[index] if 0 <= index < len(outcomes) else None

    def action_save(self) -> None:
        outcome = self._outcome()
        decision = self.attempt(
            record_visitation, self.citizen_id, outcome.code if outcome else "", self.text_of("#note"),
            default_model=self.app.runtime.settings.step_model,
        )  # fmt: skip
        if decision is not FAILED:
            self.dismiss(decision.message)


class PlanDialog(_Dialog):
    def compose(self) -> ComposeResult:
        citizen = self.summary.citizen
        reference = load_reference()
        chosen = set(filter(None, citizen.parallel_efforts.split(",")))
        efforts = [(term.label, term.code, term.code in chosen) for term in reference.parallel_efforts.active()]
        cv_options = [(term.label, term.code) for term in reference.cv_statuses.active()]
        cv_value = citizen.cv_status if reference.cv_statuses.has_active(citizen.cv_status) else Select.NULL
        with Vertical(classes="dialog tight"):
            yield self.heading("Plan")
            with Horizontal(classes="dialog-row"):
                yield Field(
                    "Jobmål (stilling, funktioner eller felt)",
                    Input(citizen.job_goal, id="job-goal", compact=True, placeholder="borgerens eget jobønske"),
                    "job_goal",
                )
                yield Field(
                    "CV-status",
                    Select(cv_options, prompt="Vælg", id="cv-status", compact=True, value=cv_value),
                    "cv_status",
                )
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="dialog-column"):
                    yield Field("Ressourcer", TextArea(citizen.resources, id="resources", compact=True), "resources")
                    yield Field(
                        "Barrierer, som borgeren selv beskriver dem",
                        TextArea(citizen.barriers, id="barriers", compact=True),
                        "barriers",
                    )
                yield Field(
                    "Parallelle indsatser",
                    SelectionList(*efforts, id="parallel-efforts", compact=True),
                    "parallel_efforts",
                )
            yield Static("", id="form-error")
            yield from self.buttons("Gem plan")

    def on_mount(self) -> None:
        self.query_one("#job-goal", Input).focus()

    @on(Input.Submitted, "#job-goal")
    def _next(self) -> None:
        self.query_one("#cv-status", Select).focus()

    def action_save(self) -> None:
        changed = self.attempt(
            update_plan,
            self.citizen_id,
            job_goal=self.text_of("#job-goal"),
            resources=self.text_of("#resources"),
            barriers=self.text_of("#barriers"),
            parallel_efforts=list(self.query_one("#parallel-efforts", SelectionList).selected),
            cv_status=self.select_value("#cv-status"),
        )
        if changed is not FAILED:
            self.dismiss("Planen er gemt." if changed else "Planen er uændret.")


class JobformidlerDialog(_Dialog):
    def compose(self) -> ComposeResult:
        summary = self.summary
        current = summary.citizen.jobformidler_id
        options = [(label, staff_id) for staff_id, label in staff_labels(self.db).items() if staff_id != current]
        now = summary.jobformidler or "ingen endnu"
        with Vertical(classes="dialog"):
            yield self.heading("Jobformidler")
            yield Static(
                f"Nuværende jobformidler: {now} · {summary.jobformidler_changes} skift indtil nu",
                id="jf-now",
                markup=False,
            )
            yield Static(
                "Kontinuitet betyder meget: hvert skift af sagsbehandler mindsker borgerens chance for job. "
                "Skift kun, når det er nødvendigt, og skriv hvorfor.",
                id="continuity-warning",
            )
            yield Field(
                "Ny jobformidler",
                Select(plain_options(options), prompt="Vælg medarbejder", id="staff", compact=True),
                "staff",
            )
            label = "Hvorfor skiftes jobformidleren?" if current else "Bemærkning (valgfri ved første tildeling)"
            yield Field(label, Input(id="reason", compact=True), "reason")
            yield Static("", id="form-error")
            yield from self.buttons("Gem")

    def on_mount(self) -> None:
        self.query_one("#staff", Select).focus()

    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        staff_id = self.select_value("#staff")
        if not staff_id:
            show_errors(self, {"staff": "Vælg en medarbejder."})
            return
        count = self.attempt(assign_jobformidler, self.citizen_id, staff_id, self.text_of("#reason"))
        if count is not FAILED:
            name = staff_labels(self.db).get(staff_id, "")
            self.dismiss(f"Jobformidler: {name} · {count} skift i alt")


class AdvanceDialog(_Dialog):
    """Move to the next step; unmet criteria are listed and need a written reason (logged). ``intro`` says why
    the dialog was offered (e.g. the monthly goal for ordinary hours was just reached)."""

    def __init__(self, summary: CitizenSummary, intro: str = "") -> None:
        super().__init__(summary)
        self.intro = intro

    def compose(self) -> ComposeResult:
        summary = self.summary
        model, citizen = summary.model, summary.citizen
        assert model is not None and citizen.step is not None
        following = model.next_step(citizen.step)
        evaluation = summary.evaluation
        with Vertical(classes="dialog"):
            yield self.heading("Trin videre")
            if self.intro:
                yield Static(self.intro, id="advance-intro", classes="criterion-met", markup=False)
            target = following.label if following else "—"
            yield Static(f"Fra «{model.step_label(citizen.step)}» til «{target}»", markup=False)
            if evaluation is None or evaluation.all_met:
                yield Static("✓ Alle kriterier for at afslutte trinnet er opfyldt.", classes="criterion-met")
            else:
                yield Static("Mangler:", classes="dialog-hint")
                for result in evaluation.unmet:
                    lock = " (kan ikke erstattes af en begrundelse)" if not result.overridable else ""
                    yield Static(f"✗ {result.missing}{lock}", classes="criterion-missing", markup=False)
                yield Field(
                    "Begrundelse for at gå videre alligevel (logges)",
                    Input(id="override-reason", compact=True),
                    "override_reason",
                )
            yield Static("", id="form-error")
            yield from self.buttons("Gå videre")

    def on_mount(self) -> None:
        for field in self.query("#override-reason"):
            field.focus()

    @on(Input.Submitted, "#override-reason")
    def action_save(self) -> None:
        reasons = self.query("#override-reason")
        reason = reasons.first(Input).value.strip() if reasons else ""
        decision = self.attempt(advance_step, self.citizen_id, override_reason=reason or None)
        if decision is not FAILED:
            self.dismiss(decision.message)


class BreakOffDialog(_Dialog):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):  # the checkbox's whole label on one line at 80 columns
            yield self.heading("Afbrudt virksomhedsforløb")
            yield Static(
                "Borgeren går tilbage til trin 2 for et nyt match – medmindre jobkonsulenten vurderer, at borgeren "
                "er i målgruppen for rehabilitering.",
                classes="dialog-hint",
            )
            yield Field("Hvorfor er forløbet afbrudt?", TextArea(id="reason", compact=True), "reason")
            yield Checkbox(
                "Borgeren er i målgruppen for rehabilitering (jobkonsulentens vurdering)", id="rehab", compact=True
            )
            yield Static("", id="form-error")
            yield from self.buttons("Registrér afbrud")

    def on_mount(self) -> None:
        self.query_one("#reason", TextArea).focus()

    def action_save(self) -> None:
        decision = self.attempt(
            break_off_course,
            self.citizen_id,
            reason=self.text_of("#reason"),
            rehab_target_group=self.query_one("#rehab", Checkbox).value,
        )
        if decision is not FAILED:
            self.dismiss(decision.message)


# --- the timeline ---------------------------------------------------------------------------------------


class EventDialog(_Dialog):
    """A new timeline event, or — with ``original`` — a correction: a new event pointing at the old one."""

    def __init__(self, summary: CitizenSummary, original: Event | None = None) -> None:
        super().__init__(summary)
        self.original = original

    def compose(self) -> ComposeResult:
        kinds = load_reference().event_kinds
        # Kinds with their own action (data: own_action) are not offered; the store refuses them too.
        options = [(term.label, term.code) for term in kinds.active() if not term.own_action]
        original = self.original
        if original is not None and original.kind not in {code for _, code in options}:
            options.insert(0, (kinds.label(original.kind), original.kind))
        when = format_datetime(to_local(original.occurred_at)) if original else ""
        with Vertical(classes="dialog"):
            if original is None:
                yield self.heading("Ny hændelse")
            else:
                yield self.heading("Ret hændelse")
                yield Static(
                    f"Retter {format_date(to_local(original.occurred_at).date())} «{original.summary}». "
                    "Den oprindelige hændelse bevares og markeres som rettet.",
                    classes="dialog-hint",
                    markup=False,
                )
            yield Field(
                "Slags",
                Select(
                    options,
                    prompt="Vælg slags",
                    id="kind",
                    compact=True,
                    value=original.kind if original else Select.NULL,
                ),
                "kind",
            )
            yield Field(
                "Tidspunkt (tomt = uændret)" if original else "Tidspunkt (tomt = nu)",
                Input(when, id="occurred-at", compact=True, placeholder="fx i dag 9.30, 20.11 14.00, i går"),
                "occurred_at",
            )
            yield Field(
                "Overskrift", Input(original.summary if original else "", id="summary", compact=True), "summary"
            )
            yield Field(
                "Detaljer", TextArea(original.details if original else "", id="details", compact=True), "details"
            )
            yield Static("", id="form-error")
            yield from self.buttons("Gem rettelse" if original else "Gem")

    def on_mount(self) -> None:
        self.query_one("#kind" if self.original is None else "#summary").focus()

    @on(Input.Submitted, "#occurred-at")
    def _to_summary(self) -> None:
        self.query_one("#summary", Input).focus()

    @on(Input.Submitted, "#summary")
    def _to_details(self) -> None:
        self.query_one("#details", TextArea).focus()

    def action_save(self) -> None:
        when_text = self.text_of("#occurred-at").strip()
        occurred_at: datetime | None = None
        if when_text:
            try:
                occurred_at = parse_datetime(when_text, self.today())
            except DateInputError as exc:
                show_errors(self, {"occurred_at": exc.message})
                return
        event = self.attempt(
            add_event,
            self.citizen_id,
            kind=self.select_value("#kind"),
            summary=self.text_of("#summary"),
            details=self.text_of("#details"),
            occurred_at=occurred_at,
            corrects_id=self.original.id if self.original else None,
        )
        if event is not FAILED:
            label = load_reference().event_kinds.label(event.kind)
            self.dismiss(f"Rettelse gemt: {label}" if self.original else f"Hændelse gemt: {label}")


class _AppointmentDialog(_Dialog):
    """One question, «what was it», about an appointment the citizen did not keep; the subclass records it."""

    TITLE = ""
    HINT = ""
    QUESTION = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.heading(self.TITLE)
            yield Static(self.HINT, classes="dialog-hint")
            yield Field(self.QUESTION, Input("Samtale", id="what", compact=True), "what")
            yield Static("", id="form-error")
            yield from self.buttons("Registrér")

    def on_mount(self) -> None:
        self.query_one("#what", Input).focus()

    @on(Input.Submitted, "#what")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError


class NoShowDialog(_AppointmentDialog):
    TITLE = "Udeblivelse"
    HINT = (
        "Registrerer udeblivelsen nu og opretter en opfølgning: kontakt borgeren personligt (telefon eller besøg) "
        "hurtigst muligt."
    )
    QUESTION = "Hvad udeblev borgeren fra?"

    def action_save(self) -> None:
        result = self.attempt(
            record_no_show, self.citizen_id, calendar=self.app.runtime.calendar, what=self.text_of("#what")
        )
        if result is FAILED:
            return
        _event, task = result
        if task is None:  # a personal contact after the no-show is already recorded: nothing to follow up
            self.dismiss("Udeblivelse registreret.")
            return
        who = staff_labels(self.db).get(task.assignee_id or "", "")
        due = f"{weekday_name(task.due_date)} {format_date(task.due_date)}"
        self.dismiss(f"Udeblivelse registreret. Opfølgning oprettet: personlig kontakt senest {due} ({who}).")


class CancellationDialog(_AppointmentDialog):
    """Afbud: the citizen cancelled in advance. Recorded on the timeline only: not a no-show."""

    TITLE = "Afbud"
    HINT = (
        "Borgeren har meldt afbud på forhånd. Det er ikke en udeblivelse: ingen opfølgning og ingen sanktion, og "
        "det tæller hverken som fremmødt eller udeblevet."
    )
    QUESTION = "Hvad meldte borgeren afbud til?"

    def action_save(self) -> None:
        event = self.attempt(record_cancellation, self.citizen_id, what=self.text_of("#what"))
        if event is not FAILED:
            self.dismiss(f"Afbud registreret ({event.summary.removeprefix('Afbud: ')}). Ingen opfølgning.")


class SanctionDialog(_Dialog):
    """Shows the law's guard first: when something is missing, lists it and refuses."""

    def compose(self) -> ComposeResult:
        check = sanction_status(self.db, self.staff_id, self.citizen_id)
        self.allowed = check.allowed
        with Vertical(classes="dialog"):
            yield self.heading("Sanktion")
            if not check.allowed:
                yield Static("Sanktionen kan ikke registreres. Mangler:", classes="criterion-missing")
                for missing in check.missing:
                    yield Static(f"✗ {missing}", classes="criterion-missing sanction-missing", markup=False)
                yield Static(
                    "Registrér det manglende i tidslinjen (n: Ny hændelse) og prøv igen.", classes="dialog-hint"
                )
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Luk (Esc)", id="cancel", variant="primary", compact=True)
                return
            kinds = [(term.label, term.code) for term in load_reference().sanction_kinds.active()]
            yield Static(
                "Kravene er opfyldt: skriftlig vejledning og forsøg på personlig kontakt.", classes="criterion-met"
            )
            yield Field("Sanktion", Select(kinds, prompt="Vælg sanktion", id="kind", compact=True), "kind")
            yield Field(
                "Konkret vurdering: hvorfor fremmer sanktionen borgerens rådighed?",
                TextArea(id="assessment", compact=True),
                "assessment",
            )
            yield Field(
                "Rimelige grunde, der er overvejet (fx psykisk sygdom, hjemløshed, misbrug)",
                TextArea(id="grounds", compact=True),
                "grounds",
            )
            yield Static("", id="form-error")
            yield from self.buttons("Registrér sanktion")

    def on_mount(self) -> None:
        if self.allowed:
            self.query_one("#kind", Select).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def action_save(self) -> None:
        if not self.allowed:
            return
        event = self.attempt(
            register_sanction,
            self.citizen_id,
            kind=self.select_value("#kind"),
            assessment=self.text_of("#assessment"),
            grounds_considered=self.text_of("#grounds"),
        )
        if event is not FAILED:
            self.dismiss(f"Sanktion registreret: {event.summary}")


# --- delmål ------------------------------------------------------------------------------------------------


class SubGoalDialog(_Dialog):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.heading("Nyt delmål")
            yield Static(
                "Et lille, konkret skridt i borgerens plan. Det vurderes igen med faste mellemrum.",
                classes="dialog-hint",
            )
            yield Field(
                "Delmål", Input(id="text", compact=True, placeholder="fx «møde til tiden tre gange i træk»"), "text"
            )
            yield Static("", id="form-error")
            yield from self.buttons("Opret")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    @on(Input.Submitted, "#text")
    def action_save(self) -> None:
        calendar = self.app.runtime.calendar
        goal = self.attempt(add_sub_goal, self.citizen_id, self.text_of("#text"), calendar=calendar)
        if goal is not FAILED:
            first = review_due(self.today(), calendar)
            self.dismiss(f"Delmål oprettet. Første vurdering {format_date(first)}.")


class AssessSubGoalDialog(_Dialog):
    def __init__(self, summary: CitizenSummary, goals: list[SubGoal], selected_id: str | None = None) -> None:
        super().__init__(summary)
        self.goals = goals
        self.selected_id = selected_id if any(g.id == selected_id for g in goals) else goals[0].id

    def compose(self) -> ComposeResult:
        goals = [(goal.text, goal.id) for goal in self.goals]
        scores = [(f"{score} – {label}", str(score)) for score, label in SCORES.items()]
        statuses = [(label, code) for code, label in STATUSES.items()]
        with Vertical(classes="dialog"):
            yield self.heading("Vurdér delmål")
            yield Field(
                "Delmål",
                Select(plain_options(goals), value=self.selected_id, allow_blank=False, id="goal", compact=True),
                "sub_goal",
            )
            yield Field("Fremgang (1–5)", Select(scores, prompt="Vælg vurdering", id="score", compact=True), "score")
            yield Field("Begrundelse", Input(id="note", compact=True), "note")
            yield Field(
                "Status",
                Select(statuses, value=SubGoalStatus.AKTIV, allow_blank=False, id="status", compact=True),
                "status",
            )
            yield Static("", id="form-error")
            yield from self.buttons("Gem vurdering")

    def on_mount(self) -> None:
        self.query_one("#score", Select).focus()

    def action_save(self) -> None:
        score = self.select_value("#score")
        goal = self.attempt(
            assess_sub_goal,
            self.select_value("#goal"),
            score=int(score) if score else 0,
            note=self.text_of("#note"),
            calendar=self.app.runtime.calendar,
            status=self.select_value("#status"),
        )
        if goal is not FAILED:
            self.dismiss(f"Delmål vurderet: {score} – {SCORES[int(score)]} · {status_label(goal.status)}")


# --- one event in full ------------------------------------------------------------------------------------


def status_label(status: object) -> str:
    """A sub-goal status in Danish; an unknown code (e.g. from a newer version's event) as it is."""
    return next((label for code, label in STATUSES.items() if code == status), str(status))


def data_lines(event: Event, staff: dict[str, str], model: StepModel | None) -> list[str]:
    """The event's structured facts in words (step changes, scores, who took over)."""
    if not event.data:
        return []
    try:
        data = json.loads(event.data)
    except ValueError:
        return [event.data]
    if not isinstance(data, dict):
        return [str(data)]
    lines = []
    if event.kind in ("visitation", "trin", "rehab") and "to" in data:
        step_model: StepModel | None
        try:
            step_model = load_step_model(data.get("model") or DEFAULT_STEP_MODEL, data.get("version"))
        except StepModelError:
            step_model = model
        label = step_model.step_label if step_model else str
        if data.get("from") != data.get("to"):
            lines.append(f"Trin: {label(data.get('from'))} → {label(data.get('to'))}")
        if data.get("override_reason"):
            lines.append(f"Begrundelse trods manglende kriterier: {data['override_reason']}")
    elif event.kind == "jobformidler":
        before = staff.get(data.get("from") or "", "ingen")
        lines.append(f"Jobformidler: {before} → {staff.get(data.get('to') or '', '?')}")
        if data.get("change"):
            lines.append("Et skift af jobformidler")
    elif event.kind == "delmaal" and "score" in data:
        lines.append(f"Vurdering: {data['score']} – {SCORES.get(data['score'], '')}")
        lines.append(f"Status: {status_label(data.get('status'))}")
    elif event.kind == "sanktion":
        lines.append(f"Sanktion: {load_reference().sanction_kinds.label(data.get('kind'))}")
    else:
        lines.extend(f"{key}: {value}" for key, value in data.items() if value not in (None, ""))
    return lines


class EventDetailScreen(AppModalScreen[str | None]):
    """All fields of one event. Returns "correct" when the user asks to correct it."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]
    BINDINGS = [
        Binding("escape", "close", "Luk"),
        Binding("r", "correct", "Ret hændelse"),
    ]

    def __init__(self, event: Event, loaded: list[TimelineRow], model: StepModel | None) -> None:
        super().__init__()
        self.event = event
        self.loaded = loaded
        self.model = model

    def compose(self) -> ComposeResult:
        event = self.event
        staff = staff_labels(self.db)
        kinds = load_reference().event_kinds
        occurred = to_local(event.occurred_at)
        recorded = to_local(event.recorded_at)
        who = staff.get(event.staff_id or "", "—")
        with VerticalScroll(classes="dialog event-detail"):
            yield Static(
                f"{kinds.label(event.kind)} · {format_date_long(occurred.date())} kl. {format_time(occurred.time())}",
                classes="dialog-title",
                markup=False,
            )
            yield Static(Text(event.summary, style="bold"))
            if event.details:
                yield Static(event.details, classes="event-details", markup=False)
            for line in data_lines(event, staff, self.model):
                yield Static(line, markup=False)
            yield Static(f"Registreret {format_datetime(recorded)} af {who}", classes="dialog-hint", markup=False)
            if event.corrects_id:
                original = event_detail(self.db, event.corrects_id, viewer=self.viewer)
                if original is not None:
                    when = format_datetime(to_local(original.occurred_at))
                    yield Static(
                        f"Retter hændelsen {when} «{original.summary}»", classes="correction-note", markup=False
                    )
            for row in self.loaded:
                if row.corrects_id == event.id:
                    when = format_datetime(row.occurred_at)
                    yield Static(f"Rettet af hændelsen {when} «{row.summary}»", classes="correction-note", markup=False)
            yield Static("r: Ret hændelsen · Esc: Luk", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_correct(self) -> None:
        self.dismiss("correct")

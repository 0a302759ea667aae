"""Ordinary hours on the screen: the dialog that registers a month's actual hours under an agreement, and the
overview of a citizen's agreements with the month-by-month chart against the goal.

``HoursDialog(citizen_id, agreement_id=None)`` works from any screen (the citizen screen, the agreement editor):
without an agreement it lets the user pick among the citizen's agreements that can take hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from aaben_raadgivning.domain.hours import (
    HoursInputError,
    MonthHours,
    format_hours,
    format_month,
    parse_hours,
    parse_month,
)
from aaben_raadgivning.store.actions.hours import (
    REPORTABLE_STATUSES,
    latest_reportable_month,
    register_hours,
)
from aaben_raadgivning.store.documents.agreement import course_kind_label, status_label
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.queries.companies import PAST_STATUSES
from aaben_raadgivning.store.queries.hours import (
    AgreementRow,
    agreement_months,
    citizen_agreements,
    citizen_hours,
    version_for_month,
)
from aaben_raadgivning.ui.base import AppModalScreen
from aaben_raadgivning.ui.styles import MUTED, themed
from aaben_raadgivning.ui.widgets.form import Field, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.hours_chart import hours_chart
from aaben_raadgivning.ui.widgets.plain import plain_options


def agreement_label(row: AgreementRow) -> str:
    return f"{row.company} · {course_kind_label(row.course_kind)} · v{row.version} · {status_label(row.status)}"


def _citizen_name(db, citizen_id: str) -> str:
    with db.session() as session:
        citizen = session.get(Citizen, citizen_id)
        return citizen.name if citizen else ""


@dataclass(frozen=True)
class HoursSaved:
    """What the hours dialog returns: the Danish notification text, and the saved month when it, summed over the
    citizen's agreements, reaches the goal for ordinary hours (else None)."""

    message: str
    goal_month: MonthHours | None = None


class HoursDialog(FormDialog[HoursSaved]):
    """Register (or correct) one month's hours; returns ``HoursSaved``."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]

    def __init__(self, citizen_id: str, agreement_id: str | None = None) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.agreement_id = agreement_id

    def compose(self) -> ComposeResult:
        db = self.db
        rows = [
            r for r in citizen_agreements(db, self.citizen_id, viewer=self.viewer) if r.status in REPORTABLE_STATUSES
        ]
        options = [(agreement_label(r), r.id) for r in rows]
        self.offered = {r.id for r in rows}
        chosen = self.agreement_id if any(r.id == self.agreement_id for r in rows) else (rows[0].id if rows else None)
        month = latest_reportable_month(self.today())
        with Vertical(classes="dialog tight", id="hours-dialog"):
            yield Static(
                f"Registrér timer · {_citizen_name(db, self.citizen_id)}", classes="dialog-title", markup=False
            )
            yield Static(
                "Faktiske timer i en kalendermåned. Kun ordinære timer tæller med i målet; praktik og løntilskud "
                "registreres for sig.",
                classes="dialog-hint",
            )
            if not options:
                yield Static(
                    "Borgeren har ingen aktiv eller afsluttet aftale at registrere timer på.", id="no-agreements",
                    classes="criterion-missing",
                )  # fmt: skip
            yield Field(
                "Aftale",
                Select(
                    plain_options(options),
                    id="agreement",
                    compact=True,
                    prompt="Vælg aftale",
                    value=chosen if chosen else Select.NULL,
                ),
                "agreement",
            )
            yield Field(
                "Måned",
                Input(f"{month.month:02d}.{month.year}", id="month", compact=True, placeholder="fx 11.2026"),
                "month",
            )
            yield Static("", id="month-status", classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                yield Field("Ordinære timer", Input(id="ordinary", compact=True, placeholder="fx 7,5"), "ordinary")
                yield Field("Praktiktimer", Input(id="praktik", compact=True, placeholder="0"), "praktik")
                yield Field("Løntilskudstimer", Input(id="loentilskud", compact=True, placeholder="0"), "loentilskud")
            yield Field("Note (valgfri)", Input(id="note", compact=True, placeholder="fx lønseddel modtaget"), "note")
            yield Static("", id="form-error")
            yield from self.buttons("Gem timer")

    def on_mount(self) -> None:
        self.query_one("#ordinary" if self._agreement() else "#agreement").focus()
        self._follow_month()
        self._describe_month()

    @on(Input.Changed, "#month")
    def _follow_month(self) -> None:
        """After a genforhandling the agreement has several versions: pick the one that covers the month."""
        month, agreement_id = self._month(), self._agreement()
        if month is None or not agreement_id:
            return
        version = version_for_month(self.db, agreement_id, month, viewer=self.viewer)
        select = self.query_one("#agreement", Select)
        if version is not None and version != agreement_id and version in self.offered:
            select.value = version

    def _agreement(self) -> str:
        value = self.query_one("#agreement", Select).value
        return value if isinstance(value, str) else ""

    def _month(self) -> date | None:
        try:
            return parse_month(self.query_one("#month", Input).value, self.today())
        except HoursInputError:
            return None

    @on(Input.Changed, "#month")
    @on(Select.Changed, "#agreement")
    def _describe_month(self) -> None:
        """Name the month as read, and say when it is already registered (saving then writes a correction)."""
        status = self.query_one("#month-status", Static)
        month, agreement_id = self._month(), self._agreement()
        if month is None:
            status.update("")
            return
        text = f"→ {format_month(month)}"
        existing = (
            next((r for r in agreement_months(self.db, agreement_id, viewer=self.viewer) if r.month == month), None)
            if agreement_id
            else None
        )
        if existing is not None:
            text += (
                f" · allerede registreret: ordinære {format_hours(existing.ordinary_minutes)}, praktik "
                f"{format_hours(existing.praktik_minutes)}, løntilskud {format_hours(existing.loentilskud_minutes)}"
                " – gemmes som rettelse"
            )
        status.update(text)

    @on(Input.Submitted, "#month")
    @on(Input.Submitted, "#ordinary")
    @on(Input.Submitted, "#praktik")
    @on(Input.Submitted, "#loentilskud")
    def _next(self, event: Input.Submitted) -> None:
        order = ["month", "ordinary", "praktik", "loentilskud", "note"]
        self.query_one(f"#{order[order.index(event.input.id or '') + 1]}", Input).focus()

    @on(Input.Submitted, "#note")
    def action_save(self) -> None:
        errors: dict[str, str] = {}
        agreement_id = self._agreement()
        if not agreement_id:
            errors["agreement"] = "Vælg den aftale, timerne hører til."
        month = None
        try:
            month = parse_month(self.query_one("#month", Input).value, self.today())
        except HoursInputError as exc:
            errors["month"] = exc.message
        minutes: dict[str, int] = {}
        for kind in ("ordinary", "praktik", "loentilskud"):
            try:
                minutes[kind] = parse_hours(self.query_one(f"#{kind}", Input).value, month)
            except HoursInputError as exc:
                errors[kind] = exc.message
        if not errors and not any(minutes.values()) and not self.query_one("#ordinary", Input).value.strip():
            errors["ordinary"] = "Skriv antal ordinære timer (0, hvis borgeren ingen havde)."
        if errors or month is None:  # a month that could not be read is among the errors
            show_errors(self, errors)
            return
        result = self.attempt(register_hours, agreement_id, month, note=self.query_one("#note", Input).value, **minutes)
        if result is FAILED:
            return
        overview = citizen_hours(self.db, self.citizen_id, self.today(), viewer=self.viewer)
        total = next((m for m in overview.series if m.month == month), None)
        what = "rettet" if result.corrected else "registreret"
        message = f"Timer {what} for {format_month(month)}: {format_hours(minutes['ordinary'])} ordinære timer."
        goal_month = total if total is not None and total.goal_met(overview.goal_hours) else None
        if goal_month is not None:
            message += f" Målet på {format_hours(round(overview.goal_hours * 60))} timer er nået."
        self.dismiss(HoursSaved(message, goal_month))


@dataclass(frozen=True)
class OverviewResult:
    message: str
    goal_month: MonthHours | None = None


class AgreementsScreen(AppModalScreen[OverviewResult | None]):
    """The citizen's agreements (company, kind, status, version) and ordinary hours month by month."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]
    BINDINGS = [
        Binding("escape", "close", "Luk"),
        Binding("enter", "open_agreement", "Åbn aftale"),
        Binding("h", "register_hours", "Registrér timer"),
        Binding("x", "export", "Udskriv aftale"),
    ]

    def __init__(self, citizen_id: str) -> None:
        super().__init__()
        self.citizen_id = citizen_id
        self.rows: list[AgreementRow] = []
        self.messages: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog agreements-overview"):
            yield Static(
                f"Aftaler og timer · {_citizen_name(self.db, self.citizen_id)}",
                classes="dialog-title",
                markup=False,
            )
            yield DataTable(id="agreements", cursor_type="row", zebra_stripes=True)
            yield Static("", id="hours-chart")
            yield Static("Enter: åbn aftale · h: registrér timer · x: udskriv aftale · Esc: luk", classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one("#agreements", DataTable)
        table.add_columns("Virksomhed", "Forløb", "Status", "Ver.", "Periode")
        self.refresh_data()
        table.focus()

    def refresh_data(self) -> None:
        db = self.db
        table = self.query_one("#agreements", DataTable)
        self.rows = citizen_agreements(db, self.citizen_id, viewer=self.viewer)
        table.clear()
        for row in self.rows:
            start = f"{row.start_date:%d.%m.%y}" if row.start_date else "?"
            end = f"{row.end_date:%d.%m.%y}" if row.end_date else ""
            style = themed(MUTED) if row.superseded or row.status in PAST_STATUSES else ""
            cells = (row.company, course_kind_label(row.course_kind), status_label(row.status))
            table.add_row(*(Text(cell, style=style) for cell in cells), f"v{row.version}", f"{start}–{end}", key=row.id)
        if not self.rows:
            table.add_row(Text("Ingen aftaler endnu", style="italic"), "", "", "", "", key="")
        overview = citizen_hours(db, self.citizen_id, self.today(), viewer=self.viewer)
        width = max(50, min(self.app.size.width - 6, 90))
        self.query_one("#hours-chart", Static).update(hours_chart(overview, width))

    def _selected(self) -> str | None:
        table = self.query_one("#agreements", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row].id

    def action_close(self) -> None:
        self.dismiss(OverviewResult("\n".join(self.messages)) if self.messages else None)

    @on(DataTable.RowSelected, "#agreements")
    def action_open_agreement(self) -> None:
        agreement_id = self._selected()
        if agreement_id is None:
            self.notify("Der er ingen aftale at åbne.")
            return
        opener = getattr(self.app, "open_agreement", None)
        if not callable(opener):
            self.notify("Aftaleeditoren (F4) findes ikke i denne version af programmet.", severity="warning")
            return
        self.dismiss(OverviewResult("\n".join(self.messages)) if self.messages else None)
        opener(agreement_id)

    def action_register_hours(self) -> None:
        def done(saved: HoursSaved | None) -> None:
            if saved is None:
                return
            self.refresh_data()
            if saved.goal_month is not None:
                self.dismiss(OverviewResult("\n".join([*self.messages, saved.message]), saved.goal_month))
                return
            self.messages.append(saved.message)
            self.notify(saved.message, title="Timer", timeout=8)

        self.app.push_screen(HoursDialog(self.citizen_id, self._selected()), done)

    def action_export(self) -> None:
        from aaben_raadgivning.ui.screens.agreement_export import AgreementExportDialog

        agreement_id = self._selected()
        if agreement_id is None:
            self.notify("Der er ingen aftale at udskrive.")
            return

        def done(message: str | None) -> None:
            if message:
                self.notify(message, title="Aftale udskrevet", timeout=10)

        self.app.push_screen(AgreementExportDialog(agreement_id), done)


def goal_is_exit_criterion(model, step_code: str | None, fact: str = "ordinary_hours_best_month") -> bool:
    """Whether the citizen's current step ends on the ordinary-hours goal (trin 3 in Flere skal med)."""
    if model is None or step_code is None or not model.has_step(step_code):
        return False

    def mentions(criteria) -> bool:
        return any(c.fact == fact or mentions(c.criteria) for c in criteria)

    return mentions(model.step(step_code).exit)

"""Dialogs of the follow-up queue (F5): complete a task (contact kind + note), reschedule (date + reason),
reassign (staff picker) and a new manual task for the selected task's citizen.

Each saves with Ctrl+S and cancels with Esc; errors show under their field and nothing is written; on
success the dialog returns the Danish text the queue shows as a notification.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Select, Static, TextArea

from aaben_raadgivning.domain.dates import format_date, weekday_name
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.actions.follow_ups import (
    add_manual_follow_up,
    complete_follow_up,
    completion_kinds,
    default_completion_kind,
    reassign_follow_up,
    reschedule_follow_up,
    validate_follow_up,
)
from aaben_raadgivning.store.queries.follow_up_queue import QueueRow, staff_choices
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from aaben_raadgivning.ui.widgets.form import Field, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.plain import plain_options


def _due_text(row: QueueRow) -> str:
    return f"{weekday_name(row.due_date)} {format_date(row.due_date)}"


class _TaskDialog(FormDialog[str]):
    CSS_PATH = ["dialogs.tcss"]

    def __init__(self, row: QueueRow) -> None:
        super().__init__()
        self.row = row

    def heading(self, what: str) -> Static:
        return Static(f"{what} · {self.row.citizen_name}", classes="dialog-title", markup=False)

    def task_line(self) -> Static:
        return Static(
            f"{self.row.kind_label}, frist {_due_text(self.row)}\n{self.row.reason}",
            classes="dialog-hint",
            markup=False,
        )

    def select_value(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else ""


class CompleteTaskDialog(_TaskDialog):
    """Record the contact (telefon, personligt møde, virksomhedsbesøg, sms, …) that completes the task."""

    def compose(self) -> ComposeResult:
        kinds = [(t.label, t.code) for t in completion_kinds()]
        with Vertical(classes="dialog"):
            yield self.heading("Udfør opfølgning")
            yield self.task_line()
            yield Field(
                "Kontakt",
                Select(kinds, value=default_completion_kind(self.row.rule), allow_blank=False, id="kind", compact=True),
                "kind",
            )
            yield Field("Note til tidslinjen", TextArea(id="note", compact=True), "note")
            yield Static("", id="form-error")
            yield from self.buttons("Udført")

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()
        # Tab from the note goes on to «Udført», never to «Fortryd», where Enter would throw the note away
        # (the button still answers a click, and Esc cancels).
        self.query_one("#cancel", Button).can_focus = False

    def action_cancel(self) -> None:
        """Esc or «Fortryd»: a typed note is only thrown away after a ja."""
        if not self.query_one("#note", TextArea).text.strip():
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)
            else:
                self.query_one("#note", TextArea).focus()

        self.app.push_screen(ConfirmDialog("Luk uden at gemme noten?", "Det, du har skrevet, gemmes ikke."), answered)

    def action_save(self) -> None:
        kind = self.select_value("#kind")
        result = self.attempt(
            complete_follow_up, self.row.id, kind=kind, note=self.query_one("#note", TextArea).text,
            calendar=self.app.runtime.calendar,
        )  # fmt: skip
        if result is FAILED:
            return
        label = load_reference().event_kinds.label(kind)
        self.dismiss(f"Opfølgning udført · {label} registreret på {self.row.citizen_name}s tidslinje.")


class RescheduleDialog(_TaskDialog):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.heading("Flyt frist")
            yield self.task_line()
            yield Field("Ny frist (fx 3.12, i morgen, +7)", Input(id="due", compact=True), "due_date")
            yield Field("Hvorfor flyttes fristen?", Input(id="reason", compact=True), "reason")
            yield Static("", id="form-error")
            yield from self.buttons("Flyt")

    def on_mount(self) -> None:
        self.query_one("#due", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        result = self.attempt(
            reschedule_follow_up, self.row.id, due_text=self.query_one("#due", Input).value,
            reason=self.query_one("#reason", Input).value, calendar=self.app.runtime.calendar,
        )  # fmt: skip
        if result is FAILED:
            return
        due = result.task.due_date
        text = f"Fristen er flyttet til {weekday_name(due)} {format_date(due)}."
        self.dismiss(f"{result.notice} {text}".strip() if result.notice else text)


class ReassignDialog(_TaskDialog):
    def compose(self) -> ComposeResult:
        choices = [(label, sid) for label, sid in staff_choices(self.db) if sid != self.row.assignee_id]
        with Vertical(classes="dialog"):
            yield self.heading("Giv opgaven videre")
            yield self.task_line()
            yield Field(
                "Til",
                Select(plain_options(choices), prompt="Vælg medarbejder", id="assignee", compact=True),
                "assignee",
            )
            yield Static("", id="form-error")
            yield from self.buttons("Giv videre")

    def on_mount(self) -> None:
        self.query_one("#assignee", Select).focus()

    def action_save(self) -> None:
        assignee = self.select_value("#assignee")
        result = self.attempt(reassign_follow_up, self.row.id, assignee)
        if result is FAILED:
            return
        label = dict((sid, label) for label, sid in staff_choices(self.db)).get(assignee, "")
        self.dismiss(f"Opgaven er givet videre til {label}.")


class NewTaskDialog(_TaskDialog):
    """A manual task for a citizen (from the queue: the selected row's citizen; or from the citizen screen)."""

    def __init__(self, citizen_id: str, citizen_name: str) -> None:
        FormDialog.__init__(self)
        self.citizen_id = citizen_id
        self.citizen_name = citizen_name

    def compose(self) -> ComposeResult:
        kinds = [(t.label, t.code) for t in load_reference().follow_up_kinds.active()]
        with Vertical(classes="dialog"):
            yield Static(f"Ny opfølgning · {self.citizen_name}", classes="dialog-title", markup=False)
            yield Field("Frist (fx 3.12, i morgen, +7)", Input(id="due", compact=True), "due_date")
            yield Field("Slags", Select(kinds, value="manuel", allow_blank=False, id="kind", compact=True), "kind")
            yield Field(
                "Ansvarlig",
                Select(plain_options(staff_choices(self.db)), value=self.staff_id, allow_blank=False, id="assignee",
                       compact=True),
                "assignee",
            )  # fmt: skip
            yield Field("Hvad skal følges op?", Input(id="reason", compact=True), "reason")
            yield Static("", id="form-error")
            yield from self.buttons("Opret")

    def on_mount(self) -> None:
        self.query_one("#due", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        app = self.app
        today = self.today()
        try:
            request = validate_follow_up(
                self.query_one("#due", Input).value, self.select_value("#assignee"),
                self.query_one("#reason", Input).value, today, app.runtime.calendar,
            )  # fmt: skip
        except ValidationError as exc:
            show_errors(self, exc.errors)
            return
        result = self.attempt(add_manual_follow_up, self.citizen_id, request, kind=self.select_value("#kind"))
        if result is FAILED:
            return
        text = f"Opfølgning oprettet med frist {weekday_name(request.due_date)} {format_date(request.due_date)}."
        self.dismiss(f"{request.notice} {text}".strip())

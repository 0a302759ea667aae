"""Dialogs for a walk-in: register an anonymous one, finish one (with an optional follow-up), link one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.store.actions.follow_ups import validate_follow_up
from aaben_raadgivning.store.actions.staff import list_staff
from aaben_raadgivning.store.actions.walk_ins import (
    finish_walk_in,
    link_walk_in,
    register_walk_in,
)
from aaben_raadgivning.store.queries.walk_ins import WalkInView
from aaben_raadgivning.ui.widgets.citizen_search import CitizenSearch
from aaben_raadgivning.ui.widgets.form import Field, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.plain import plain_options


class AnonymousWalkInDialog(FormDialog[str]):
    """Register a walk-in without a citizen (reason + free text); it can be linked later."""

    def compose(self) -> ComposeResult:
        reasons = load_reference().walk_in_reasons.active()
        with Vertical(classes="dialog"):
            yield Static("Anonym henvendelse", classes="dialog-title")
            yield Field(
                "Årsag",
                Select([(term.label, term.code) for term in reasons], prompt="Vælg årsag", id="reason", compact=True),
                "reason",
            )
            yield Field(
                "Kort beskrivelse",
                Input(id="note", compact=True, placeholder="fx «kvinde, ca. 40 år, brev om boligstøtte»"),
                "note",
            )
            yield Static("", id="form-error")
            yield from self.buttons("Registrér")

    @on(Input.Submitted, "#note")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Select).value
        note = self.query_one("#note", Input).value
        walk_in = self.attempt(
            register_walk_in, reason=reason if isinstance(reason, str) else "", note=note, office_id=self.app.office_id
        )
        if walk_in is not FAILED:
            self.dismiss(walk_in.id)


class FinishWalkInDialog(FormDialog[str]):
    """Finish a walk-in with an outcome note and, optionally, a follow-up task."""

    def __init__(self, view: WalkInView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        who = self.view.citizen_name or f"Anonym: {self.view.note}"
        reason = load_reference().walk_in_reasons.label(self.view.reason)
        staff_options = [(f"{s.initials} · {s.name}", s.id) for s in list_staff(self.db)]
        with Vertical(classes="dialog"):
            yield Static(f"Afslut henvendelse · {who}", classes="dialog-title", markup=False)
            yield Static(f"Årsag: {reason}", classes="dialog-hint", markup=False)
            yield Field("Hvad blev resultatet?", TextArea(id="outcome", compact=True), "outcome")
            yield Checkbox("Opret opfølgning", id="with-follow-up", compact=True)
            with Vertical(id="follow-up-fields"):
                yield Field(
                    "Frist", Input(id="due", compact=True, placeholder="fx 1.12, i morgen, +7, fredag"), "due_date"
                )
                yield Field(
                    "Til",
                    Select(
                        plain_options(staff_options),
                        value=self.staff_id,
                        allow_blank=False,
                        id="assignee",
                        compact=True,
                    ),
                    "assignee",
                )
                yield Field("Hvad skal følges op?", Input(id="follow-up-reason", compact=True), "reason")
            yield Static("", id="form-error")
            yield from self.buttons("Afslut")

    def on_mount(self) -> None:
        self.query_one("#outcome", TextArea).focus()

    @on(Checkbox.Changed, "#with-follow-up")
    def _toggle_follow_up(self, event: Checkbox.Changed) -> None:
        self.query_one("#follow-up-fields").set_class(event.value, "-visible")
        if event.value:
            self.query_one("#due", Input).focus()

    @on(Input.Submitted, "#follow-up-reason")
    def action_save(self) -> None:
        app = self.app
        outcome = self.query_one("#outcome", TextArea).text
        follow_up = None
        try:
            if self.query_one("#with-follow-up", Checkbox).value:
                assignee = self.query_one("#assignee", Select).value
                follow_up = validate_follow_up(
                    self.query_one("#due", Input).value,
                    assignee if isinstance(assignee, str) else None,
                    self.query_one("#follow-up-reason", Input).value,
                    today=self.today(),
                    calendar=app.runtime.calendar,
                )
        except ValidationError as exc:
            show_errors(self, exc.errors)
            return
        if self.attempt(finish_walk_in, self.view.id, outcome=outcome, follow_up=follow_up) is FAILED:
            return
        if follow_up is not None and follow_up.notice:
            self.notify(follow_up.notice, title="Frist flyttet", timeout=8)
        self.dismiss(self.view.id)


class LinkWalkInDialog(FormDialog[str]):
    """Tie an anonymous walk-in to a citizen found by search."""

    def __init__(self, view: WalkInView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Knyt henvendelsen til en borger", classes="dialog-title")
            yield Static(f"Anonym henvendelse: {self.view.note}", classes="dialog-hint", markup=False)
            yield CitizenSearch(self.db)
            yield Static("", id="form-error")
            yield Static("Søg, vælg med pilene og tryk Enter. Esc fortryder.", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(CitizenSearch).input.focus()

    def action_save(self) -> None:
        search = self.query_one(CitizenSearch)
        if search.hits:
            self._link(search.hits[0].id)

    @on(CitizenSearch.Picked)
    def _picked(self, event: CitizenSearch.Picked) -> None:
        self._link(event.hit.id)

    def _link(self, citizen_id: str) -> None:
        if self.attempt(link_walk_in, self.view.id, citizen_id) is not FAILED:
            self.dismiss(citizen_id)

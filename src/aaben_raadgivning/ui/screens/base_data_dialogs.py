"""Dialogs of the citizen screen (F3) for the citizen's base data (key b «Stamdata») and exit outcome (key l
«Udfald»).

Like the other F3 dialogs: Ctrl+S saves, Esc cancels; a refused save shows the Danish reason under its field
and keeps everything typed. The base-data form shows only what the person may edit *and* read: contact data
for everyone allowed to edit it, the CPR and the jobkonsulent for ``edit_base_data``, the benefit fields only
with the «benefit» read scope — a field not shown is never sent, so a value hidden from the reader is never
overwritten.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from aaben_raadgivning.domain.cpr import mask_cpr
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.phone import format_phone
from aaben_raadgivning.domain.reference import Vocabulary, load_reference
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.outcomes import record_outcome
from aaben_raadgivning.store.actions.staff import list_staff
from aaben_raadgivning.store.queries.citizen import CitizenSummary
from aaben_raadgivning.store.queries.outcomes import CurrentOutcome, current_outcome
from aaben_raadgivning.store.queries.viewer import BENEFIT, CASE
from aaben_raadgivning.ui.screens.citizen_dialogs import _Dialog
from aaben_raadgivning.ui.widgets.form import Field
from aaben_raadgivning.ui.widgets.form_dialog import FAILED
from aaben_raadgivning.ui.widgets.plain import plain_options


def vocabulary_select(vocabulary: Vocabulary, current: str | None, select_id: str, prompt: str = "Ingen") -> Select:
    """A Select of the vocabulary's active terms (plus the record's own retired code, so it is kept)."""
    terms = [term for term in vocabulary.terms if not term.retired or term.code == current]
    options = [(term.label, term.code) for term in terms]
    value = current if current in {code for _, code in options} else Select.NULL
    return Select(plain_options(options), prompt=prompt, id=select_id, compact=True, value=value)


def _row(*fields: Any) -> Horizontal:
    return Horizontal(*fields, classes="dialog-row")


class BaseDataDialog(_Dialog):
    """«Stamdata»: name, phone, address, language, tolk; CPR, jobkonsulent, benefit and since, readiness, match
    group, housing area (as far as the person may)."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss", "base_data_dialogs.tcss"]

    def _shows(self) -> tuple[bool, bool, bool]:
        """(base fields, benefit fields, jobkonsulent) shown to this person."""
        base = self.may("edit_base_data")
        scopes = self.summary.scopes
        return base, base and BENEFIT in scopes, base and CASE in scopes

    def compose(self) -> ComposeResult:
        citizen = self.summary.citizen
        reference = load_reference()
        base, benefit, case = self._shows()
        with Vertical(classes="dialog tight wide", id="base-data"):
            yield self.heading("Stamdata")
            yield _row(
                Field("Navn", Input(citizen.name, id="name", compact=True), "name"),
                Field("Telefon", Input(format_phone(citizen.phone), id="phone", compact=True), "phone"),
                Field("Sprog", vocabulary_select(reference.languages, citizen.language, "language"), "language"),
            )
            yield _row(
                Field("Adresse", Input(citizen.address, id="address", compact=True), "address"),
                *([Field("Boligområde", Input(citizen.housing_area, id="housing-area", compact=True), "housing_area")]
                  if base else []),
                Field("Tolk", Checkbox("Har brug for tolk", citizen.interpreter_needed, id="interpreter",
                                       compact=True), "interpreter_needed"),
            )  # fmt: skip
            if base:
                shown = mask_cpr(citizen.cpr) if citizen.cpr else "intet CPR"
                cells = [Field("CPR (tomt = uændret)", Input(id="cpr", compact=True, placeholder=shown), "cpr")]
                if case:
                    staff = [
                        (f"{s.initials} · {s.name}", s.id) for s in list_staff(self.db) if s.role == "jobkonsulent"
                    ]
                    current = (
                        citizen.jobkonsulent_id if citizen.jobkonsulent_id in {i for _, i in staff} else Select.NULL
                    )
                    konsulent = Select(plain_options(staff), prompt="Ingen", id="jobkonsulent", compact=True,
                                       value=current)  # fmt: skip
                    cells.append(Field("Jobkonsulent", konsulent, "jobkonsulent_id"))
                if benefit:
                    cells.append(Field("Matchgruppe", vocabulary_select(reference.match_groups, citizen.match_group,
                                                                        "match-group"), "match_group"))  # fmt: skip
                yield _row(*cells)
            if benefit:
                since = format_date(citizen.benefit_since) if citizen.benefit_since else ""
                yield _row(
                    Field("Ydelse", vocabulary_select(reference.benefit_types, citizen.benefit_type, "benefit-type"),
                          "benefit_type"),
                    Field("Ydelse siden", Input(since, id="benefit-since", compact=True, placeholder="dd.mm.åååå"),
                          "benefit_since"),
                    Field("Parathed", vocabulary_select(reference.readiness, citizen.readiness, "readiness"),
                          "readiness"),
                )  # fmt: skip
            yield Static("Antal år på ydelse følger af datoen «Ydelse siden».", classes="dialog-hint")
            yield Static("", id="form-error")
            yield from self.buttons("Gem stamdata")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def typed(self) -> dict[str, Any]:
        """What the form sends: only the fields it shows; the CPR only when something is typed."""
        base, benefit, case = self._shows()
        values: dict[str, Any] = {
            "name": self.text_of("#name"),
            "phone": self.text_of("#phone"),
            "address": self.text_of("#address"),
            "language": self.select_value("#language"),
            "interpreter_needed": self.query_one("#interpreter", Checkbox).value,
        }
        if base:
            values["housing_area"] = self.text_of("#housing-area")
            if self.text_of("#cpr").strip():
                values["cpr"] = self.text_of("#cpr")
        if case:
            values["jobkonsulent_id"] = self.select_value("#jobkonsulent")
        if benefit:
            values["benefit_type"] = self.select_value("#benefit-type")
            values["benefit_since"] = self.text_of("#benefit-since")
            values["readiness"] = self.select_value("#readiness")
            values["match_group"] = self.select_value("#match-group")
        return values

    def action_save(self) -> None:
        saved = self.attempt(update_base_data, self.citizen_id, **self.typed())
        if saved is not FAILED:
            self.dismiss(saved.message)


class OutcomeDialog(_Dialog):
    """«Udfald»: the exit outcome, its date and a note. A self-supporting outcome ends trin 3's criterion and
    starts efterværn (the hint says so). When the citizen has an outcome already, «Registrér som» chooses
    between a new outcome (the citizen left again later) and a correction of the current one (it was wrong):
    a correction replaces it in the results and its efterværn, and its fields start from the current values."""

    NEW = "new"
    CORRECT = "correct"

    def __init__(self, summary: CitizenSummary) -> None:
        super().__init__(summary)
        self.current: CurrentOutcome | None = None
        self._codes: set[str] = set()

    def compose(self) -> ComposeResult:
        self.current = current_outcome(self.db, self.citizen_id, viewer=self.viewer)
        vocabulary = load_reference().exit_outcomes
        options = [(term.label + (" ✓" if term.self_supporting else ""), term.code) for term in vocabulary.active()]
        self._codes = {code for _, code in options}
        with Vertical(classes="dialog"):
            yield self.heading("Udfald")
            yield Static(
                "Hvad skete der, da borgeren afsluttede? ✓ = selvforsørgende (job eller uddannelse): trin 3's "
                "kriterium er da opfyldt, og der oprettes opfølgninger «Efterværn» de første måneder.",
                classes="dialog-hint",
            )
            if self.current is not None:
                shown = f"{self.current.label} fra {format_date(self.current.outcome_date)}"
                yield Field(
                    "Registrér som",
                    Select(
                        plain_options([("Nyt udfald", self.NEW), (f"Rettelse af «{shown}»", self.CORRECT)]),
                        value=self.NEW, allow_blank=False, id="outcome-kind", compact=True,
                    ),
                    "corrects_id",
                )  # fmt: skip
            yield Field("Udfald", Select(plain_options(options), prompt="Vælg udfald", id="outcome", compact=True),
                        "outcome")  # fmt: skip
            yield Field("Dato", Input(format_date(self.today()), id="outcome-date", compact=True,
                                      placeholder="dd.mm.åååå"), "outcome_date")  # fmt: skip
            yield Field("Note (valgfri)", TextArea(id="note", compact=True), "note")
            yield Static("", id="form-error")
            yield from self.buttons("Gem udfald")

    def on_mount(self) -> None:
        self.query_one("#outcome-kind" if self.current is not None else "#outcome", Select).focus()

    def _correcting(self) -> bool:
        return self.current is not None and self.select_value("#outcome-kind") == self.CORRECT

    @on(Select.Changed, "#outcome-kind")
    def _kind_changed(self) -> None:
        """A correction starts from the current outcome's values; back to «Nyt udfald» starts afresh."""
        current = self.current
        if current is None:
            return
        outcome = self.query_one("#outcome", Select)
        day, note = self.query_one("#outcome-date", Input), self.query_one("#note", TextArea)
        if self._correcting():
            outcome.value = current.code if current.code in self._codes else Select.NULL
            day.value = format_date(current.outcome_date)
            note.text = current.note
        else:
            outcome.clear()
            day.value = format_date(self.today())
            note.text = ""

    def action_save(self) -> None:
        current = self.current
        saved = self.attempt(
            record_outcome,
            self.citizen_id,
            outcome=self.select_value("#outcome"),
            outcome_date=self.text_of("#outcome-date"),
            note=self.text_of("#note"),
            corrects_id=current.outcome_id if current is not None and self._correcting() else None,
        )
        if saved is not FAILED:
            self.dismiss(saved.message)

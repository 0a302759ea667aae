"""Dialogs of the agreements screen (F4) and the agreement editor: a company, its contact persons, and the
agreement's status changes (finish, break off) and course delmål.

Every dialog saves with Ctrl+S and cancels with Esc; errors show under their field and nothing is written;
on success the dialog returns the Danish text the screen shows as a notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, RadioButton, RadioSet, Select, Static, TextArea

from aaben_raadgivning.domain.cvr import format_cvr
from aaben_raadgivning.store.actions.agreements import (
    BREAK_OFF_ROUTES,
    add_agreement_sub_goal,
    break_off_agreement,
    finish_agreement,
)
from aaben_raadgivning.store.actions.companies import (
    CompanyInput,
    ContactInput,
    add_contact,
    create_company,
    remove_contact,
    update_company,
    update_contact,
)
from aaben_raadgivning.store.models import Company, CompanyContact
from aaben_raadgivning.store.queries.companies import company_contacts
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from aaben_raadgivning.ui.widgets.form import Field, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog
from aaben_raadgivning.ui.widgets.plain import plain_options

NEW_CONTACT = "__ny__"

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class CompanySaved:
    """What the company dialog returns: the notification text, and the new company's id when one was created
    (None after an edit)."""

    message: str
    created_id: str | None = None


class _Dialog(FormDialog[ResultT]):
    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss", "agreements.tcss"]

    def value(self, selector: str) -> str:
        widget = self.query_one(selector)
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return widget.value if isinstance(widget.value, str) else ""
        return self.query_one(selector, Input).value


class CompanyDialog(_Dialog[CompanySaved]):
    """Create a company (with its first contact person) or edit one."""

    def __init__(self, company: Company | None = None) -> None:
        super().__init__()
        self.company = company

    def compose(self) -> ComposeResult:
        c = self.company
        with Vertical(classes="dialog tight"):
            yield Static("Ret virksomhed" if c else "Ny virksomhed", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                yield Field(
                    "CVR-nummer",
                    Input(format_cvr(c.cvr) if c else "", id="cvr", compact=True, placeholder="8 cifre"),
                    "cvr",
                )
                yield Field("Navn", Input(c.name if c else "", id="name", compact=True), "name")
            with Horizontal(classes="dialog-row"):
                yield Field("Adresse", Input(c.address if c else "", id="address", compact=True), "address")
                yield Field("Branche", Input(c.industry if c else "", id="industry", compact=True), "industry")
            yield Field(
                "Opgaver, der egner sig til nogle få ordinære timer",
                TextArea(c.suitable_tasks if c else "", id="suitable-tasks", compact=True),
                "suitable_tasks",
            )
            yield Field("Noter", Input(c.notes if c else "", id="notes", compact=True), "notes")
            if c is None:
                yield Static("Fast kontaktperson (kan tilføjes senere med k)", classes="dialog-hint")
                with Horizontal(classes="dialog-row"):
                    yield Field("Kontaktperson", Input(id="contact-name", compact=True), "contact_name")
                    yield Field("Rolle", Input(id="contact-role", compact=True), "contact_role")
                with Horizontal(classes="dialog-row"):
                    yield Field("Telefon", Input(id="contact-phone", compact=True), "phone")
                    yield Field("E-mail", Input(id="contact-email", compact=True), "email")
            yield Static("", id="form-error")
            yield from self.buttons("Gem virksomhed")

    def on_mount(self) -> None:
        self.query_one("#cvr", Input).focus()

    def _data(self) -> CompanyInput:
        return CompanyInput(
            cvr=self.value("#cvr"), name=self.value("#name"), address=self.value("#address"),
            industry=self.value("#industry"), suitable_tasks=self.value("#suitable-tasks"), notes=self.value("#notes"),
        )  # fmt: skip

    def action_save(self) -> None:
        if self.company is not None:
            changed = self.attempt(update_company, self.company.id, self._data())
            if changed is not FAILED:
                self.dismiss(
                    CompanySaved(f"{self.value('#name').strip()} er gemt." if changed else "Virksomheden er uændret.")
                )
            return
        contacts: tuple[ContactInput, ...] = ()
        name = self.value("#contact-name").strip()
        if name or self.value("#contact-phone").strip() or self.value("#contact-email").strip():
            contacts = (
                ContactInput(
                    name=name,
                    role=self.value("#contact-role"),
                    phone=self.value("#contact-phone"),
                    email=self.value("#contact-email"),
                ),
            )
            if not name:
                show_errors(self, {"contact_name": "Skriv kontaktpersonens navn."})
                return
        company = self.attempt(create_company, self._data(), contacts)
        if company is not FAILED:
            self.dismiss(CompanySaved(f"{company.name} er oprettet.", company.id))


class ContactDialog(_Dialog[str]):
    """Add, edit or remove (Ctrl+D) a company's contact persons."""

    BINDINGS = [Binding("ctrl+d", "remove", "Fjern kontaktperson", priority=True)]

    def __init__(self, company: Company) -> None:
        super().__init__()
        self.company = company
        self.contacts: list[CompanyContact] = []

    def compose(self) -> ComposeResult:
        self.contacts = company_contacts(self.db, self.company.id)
        options = [
            ("Ny kontaktperson", NEW_CONTACT),
            *((c.name + (f" ({c.role})" if c.role else ""), c.id) for c in self.contacts),
        ]
        with Vertical(classes="dialog tight"):
            yield Static(f"Kontaktpersoner · {self.company.name}", classes="dialog-title", markup=False)
            yield Field(
                "Kontaktperson",
                Select(plain_options(options), value=NEW_CONTACT, allow_blank=False, id="contact", compact=True),
                "contact",
            )
            with Horizontal(classes="dialog-row"):
                yield Field("Navn", Input(id="contact-name", compact=True), "name")
                yield Field("Rolle", Input(id="contact-role", compact=True), "role")
            with Horizontal(classes="dialog-row"):
                yield Field("Telefon", Input(id="contact-phone", compact=True), "phone")
                yield Field("E-mail", Input(id="contact-email", compact=True), "email")
            yield Static("Ctrl+D fjerner den valgte kontaktperson.", classes="dialog-hint")
            yield Static("", id="form-error")
            yield from self.buttons("Gem kontaktperson")

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    @on(Select.Changed, "#contact")
    def _chosen(self) -> None:
        contact = self._selected()
        for selector, value in (
            ("#contact-name", contact.name if contact else ""),
            ("#contact-role", contact.role if contact else ""),
            ("#contact-phone", contact.phone if contact else ""),
            ("#contact-email", contact.email if contact else ""),
        ):
            self.query_one(selector, Input).value = value

    def _selected(self) -> CompanyContact | None:
        chosen = self.value("#contact")
        return next((c for c in self.contacts if c.id == chosen), None)

    def action_save(self) -> None:
        data = ContactInput(
            name=self.value("#contact-name"), role=self.value("#contact-role"),
            phone=self.value("#contact-phone"), email=self.value("#contact-email"),
        )  # fmt: skip
        contact = self._selected()
        if contact is None:
            result = self.attempt(add_contact, self.company.id, data)
            if result is not FAILED:
                self.dismiss(f"Kontaktperson {result.name} er tilføjet.")
        else:
            changed = self.attempt(update_contact, contact.id, data)
            if changed is not FAILED:
                self.dismiss(
                    f"Kontaktperson {data.name.strip()} er gemt." if changed else "Kontaktpersonen er uændret."
                )

    def action_remove(self) -> None:
        contact = self._selected()
        if contact is None:
            show_errors(self, {"contact": "Vælg den kontaktperson, der skal fjernes."})
            return

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(remove_contact, contact.id) is not FAILED:
                self.dismiss(f"Kontaktperson {contact.name} er fjernet.")

        self.app.push_screen(ConfirmDialog(f"Fjern kontaktperson {contact.name} fra {self.company.name}?"), answered)


class FinishAgreementDialog(_Dialog[str]):
    def __init__(self, agreement_id: str, title: str) -> None:
        super().__init__()
        self.agreement_id = agreement_id
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Afslut aftale · {self.title_text}", classes="dialog-title", markup=False)
            yield Static(
                "Forløbet er gennemført. Planlagte opfølgninger fra i dag og frem fjernes.", classes="dialog-hint"
            )
            yield Field("Bemærkning (valgfri)", TextArea(id="note", compact=True), "reason")
            yield Static("", id="form-error")
            yield from self.buttons("Afslut aftale")

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    def action_save(self) -> None:
        if self.attempt(finish_agreement, self.agreement_id, self.value("#note")) is not FAILED:
            self.dismiss("Aftalen er afsluttet.")


class BreakOffAgreementDialog(_Dialog[str]):
    """Break off with a reason, and the citizen's next step: back to trin 2 or the rehab route."""

    def __init__(self, agreement_id: str, title: str) -> None:
        super().__init__()
        self.agreement_id = agreement_id
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Afbryd aftale · {self.title_text}", classes="dialog-title", markup=False)
            yield Field("Hvorfor er forløbet afbrudt?", TextArea(id="reason", compact=True), "reason")
            yield Field(
                "Borgerens videre forløb",
                RadioSet(*(RadioButton(label) for label in BREAK_OFF_ROUTES.values()), id="route", compact=True),
                "route",
            )
            yield Static("Rehabiliteringsforløb er jobkonsulentens vurdering (myndigheden).", classes="dialog-hint")
            yield Static("", id="form-error")
            yield from self.buttons("Afbryd aftale")

    def on_mount(self) -> None:
        self.query_one("#reason", TextArea).focus()

    def action_save(self) -> None:
        index = self.query_one("#route", RadioSet).pressed_index
        routes = list(BREAK_OFF_ROUTES)
        route = routes[index] if 0 <= index < len(routes) else ""
        result = self.attempt(break_off_agreement, self.agreement_id, reason=self.value("#reason"), route=route)
        if result is not FAILED:
            step = f" {result.decision.message}" if result.decision else " Borgerens trin er uændret."
            self.dismiss("Aftalen er afbrudt." + step)


class AgreementSubGoalDialog(_Dialog[str]):
    def __init__(self, agreement_id: str) -> None:
        super().__init__()
        self.agreement_id = agreement_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Nyt delmål for forløbet", classes="dialog-title")
            yield Static(
                "Et lille, konkret skridt, som vurderes jævnligt (fx «møde til tiden tre dage i træk»).",
                classes="dialog-hint",
            )
            yield Field("Delmål", Input(id="text", compact=True), "text")
            yield Static("", id="form-error")
            yield from self.buttons("Gem delmål")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    @on(Input.Submitted, "#text")
    def action_save(self) -> None:
        goal = self.attempt(
            add_agreement_sub_goal, self.agreement_id, self.value("#text"), calendar=self.app.runtime.calendar
        )
        if goal is not FAILED:
            self.dismiss(f"Delmål oprettet: {goal.text}")

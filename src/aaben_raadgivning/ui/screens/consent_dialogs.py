"""Samtykke (consent) on the citizen screen (F3, key k): register a consent, renew it, or withdraw it.

One dialog for register and renew (a renewal starts from the current terms); from it, Ctrl+T (or the button)
opens the withdrawal, which asks for confirmation. Every dialog saves with Ctrl+S and cancels with Esc; a
refused save shows why under the field and keeps what was typed.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, SelectionList, Static

from aaben_raadgivning.domain.consent import load_consent_vocabulary
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.store.actions.consent import register_consent, renew_consent, withdraw_consent
from aaben_raadgivning.store.queries.citizen import CitizenSummary
from aaben_raadgivning.store.queries.consent import ConsentState
from aaben_raadgivning.ui.widgets.form import Field
from aaben_raadgivning.ui.widgets.form_dialog import FAILED, FormDialog


class ConsentDialog(FormDialog[str]):
    """Register (no consent, or only a withdrawn one) or renew (a consent that is valid or has run out).
    Returns the notification text; None when cancelled."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]
    BINDINGS = [Binding("ctrl+t", "withdraw", "Træk tilbage")]
    DEFAULT_CSS = """
    #consent-dialog .dialog-row Field { width: 1fr; margin-right: 1; }
    #field-categories { width: 2fr; }
    #categories, #given-how { height: auto; width: 100%; background: $boost; }
    """

    def __init__(self, summary: CitizenSummary, state: ConsentState) -> None:
        super().__init__()
        self.summary = summary
        self.state = state
        self.renewing = state.renewable

    def compose(self) -> ComposeResult:
        vocabulary = load_consent_vocabulary()
        current = self.state.current
        chosen = set(self.state.categories) if self.renewing else set()
        how = current.given_how if self.renewing and current is not None else ""
        months = load_rules().consent_valid_months
        title = "Forny samtykke" if self.renewing else "Nyt samtykke"
        with Vertical(classes="dialog", id="consent-dialog"):
            yield Static(f"{title} · {self.summary.citizen.name}", classes="dialog-title", markup=False)
            if self.renewing and current is not None:
                yield Static(
                    f"Nu: gyldigt til {format_date(current.valid_until)}. Fornyelsen gælder fra den dag, borgeren "
                    "giver samtykket igen.",
                    classes="dialog-hint",
                    markup=False,
                )
            else:
                yield Static(
                    "Hvilke oplysninger må de boligsociale medarbejdere se? Borgeren kan altid trække samtykket "
                    "tilbage.",
                    classes="dialog-hint",
                )
            with Horizontal(classes="dialog-row"):
                yield Field(
                    "Samtykket omfatter",
                    SelectionList(
                        *((t.label, t.code, t.code in chosen) for t in vocabulary.categories.active()),
                        id="categories",
                        compact=True,
                    ),
                    "categories",
                )
                yield Field(
                    "Givet",
                    RadioSet(
                        *(RadioButton(t.label, value=t.code == how) for t in vocabulary.given_how.active()),
                        id="given-how",
                        compact=True,
                    ),
                    "given_how",
                )
            with Horizontal(classes="dialog-row"):
                yield Field("Givet den", Input(format_date(self.today()), id="given-on", compact=True), "given_on")
                yield Field(
                    "Gyldigt til",
                    Input(id="valid-until", compact=True, placeholder=f"tom = {months} måneder"),
                    "valid_until",
                )
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fortryd", id="cancel", compact=True)
                if self.renewing:
                    yield Button("Træk tilbage (Ctrl+T)", id="withdraw", variant="error", compact=True)
                label = "Forny" if self.renewing else "Registrér"
                yield Button(f"{label} (Ctrl+S)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#categories", SelectionList).focus()

    def _given_how(self) -> str:
        index = self.query_one("#given-how", RadioSet).pressed_index
        terms = load_consent_vocabulary().given_how.active()
        return terms[index].code if 0 <= index < len(terms) else ""

    @on(Input.Submitted, "#valid-until")
    def action_save(self) -> None:
        terms = dict(
            categories=[str(code) for code in self.query_one("#categories", SelectionList).selected],
            given_how=self._given_how(),
            given_on=self.query_one("#given-on", Input).value,
            valid_until=self.query_one("#valid-until", Input).value,
        )
        current = self.state.current
        if self.renewing and current is not None:
            consent = self.attempt(renew_consent, current.id, **terms)
            what = "fornyet"
        else:
            consent = self.attempt(register_consent, self.summary.citizen.id, **terms)
            what = "registreret"
        if consent is not FAILED:
            self.dismiss(f"Samtykke {what}: gyldigt til {format_date(consent.valid_until)}.")

    @on(Input.Submitted, "#given-on")
    def _next(self) -> None:
        self.query_one("#valid-until", Input).focus()

    @on(Button.Pressed, "#withdraw")
    def action_withdraw(self) -> None:
        if not self.renewing or self.state.current is None:
            return

        def done(message: str | None) -> None:
            if message:
                self.dismiss(message)

        self.app.push_screen(WithdrawConsentDialog(self.summary, self.state), done)


class WithdrawConsentDialog(FormDialog[str]):
    """The citizen withdraws the consent: it ends at once, here and — after sync — on every laptop."""

    CSS_PATH = ["dialogs.tcss", "citizen_dialogs.tcss"]

    def __init__(self, summary: CitizenSummary, state: ConsentState) -> None:
        super().__init__()
        self.summary = summary
        self.state = state

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="withdraw-dialog"):
            yield Static(f"Træk samtykke tilbage · {self.summary.citizen.name}", classes="dialog-title", markup=False)
            yield Static(
                "Samtykket holder op med at gælde med det samme, og de boligsociale medarbejdere kan ikke længere "
                "se de oplysninger, det omfattede. Det kan ikke fortrydes: giver borgeren samtykke igen, "
                "registreres et nyt.",
                classes="dialog-hint",
            )
            yield Field("Note (valgfri), fx hvordan borgeren trak det tilbage", Input(id="note", compact=True), "note")
            yield Static("", id="form-error")
            yield from self.buttons("Træk tilbage")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def action_save(self) -> None:
        current = self.state.current
        if current is None:
            return
        consent = self.attempt(withdraw_consent, current.id, note=self.query_one("#note", Input).value)
        if consent is not FAILED:
            self.dismiss("Samtykket er trukket tilbage. Det gælder ikke længere.")

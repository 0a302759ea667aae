"""Search-as-you-type for citizens (name, CPR or phone), shared by every screen that picks a citizen."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from aaben_raadgivning.domain.cpr import mask_cpr
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.phone import format_phone
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.queries.search import CitizenHit, search_citizens

MAX_HITS = 8


def citizen_label(name: str, cpr: str | None, phone: str | None, birth_date: date | None = None) -> str:
    """How a citizen is shown in pick lists: name, masked CPR (or birth date), phone."""
    parts = [name]
    if cpr:
        parts.append(mask_cpr(cpr))
    elif birth_date:
        parts.append(f"f. {format_date(birth_date)}")
    if phone:
        parts.append(f"tlf. {format_phone(phone)}")
    return "  ·  ".join(parts)


def hit_label(hit: CitizenHit) -> str:
    return citizen_label(hit.name, hit.cpr, hit.phone, hit.birth_date)


class CitizenSearch(Vertical):
    """An Input with a list of matching citizens below it. Enter picks the highlighted match."""

    DEFAULT_CSS = """
    CitizenSearch { height: auto; }
    CitizenSearch OptionList { height: auto; max-height: 8; border: none; padding: 0 1; display: none; }
    CitizenSearch OptionList.-visible { display: block; }
    CitizenSearch #search-more { color: $fg-muted; padding: 0 1; display: none; }
    CitizenSearch #search-more.-visible { display: block; }
    """

    BINDINGS = [
        Binding("down", "move(1)", "Næste", show=False),
        Binding("up", "move(-1)", "Forrige", show=False),
    ]

    class Picked(Message):
        """A citizen was chosen; ``query`` is what was typed (the search criterion, for the audit log)."""

        def __init__(self, search: CitizenSearch, hit: CitizenHit, query: str) -> None:
            super().__init__()
            self.search = search
            self.hit = hit
            self.query = query

        @property
        def control(self) -> CitizenSearch:
            return self.search

    def __init__(self, db: Database, placeholder: str = "Søg borger: navn, CPR eller telefon", **kwargs) -> None:
        super().__init__(**kwargs)
        self._db = db
        self._placeholder = placeholder
        self.hits: list[CitizenHit] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, id="search-input", compact=True)
        yield OptionList(id="search-hits", markup=False)  # names as typed
        yield Static("Der er flere træf – skriv mere af navnet, CPR eller telefon", id="search-more")

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def query_text(self) -> str:
        return self.input.value

    @on(Input.Changed, "#search-input")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_hits()

    def refresh_hits(self) -> None:
        # One more than shown tells whether to ask for more letters.
        viewer = getattr(self.app, "viewer", None)  # the logged-in person (AabenApp.viewer)
        found = (
            search_citizens(self._db, self.input.value, limit=MAX_HITS + 1, viewer=viewer)
            if self.input.value.strip() and viewer is not None
            else []
        )
        self.hits = found[:MAX_HITS]
        more = len(found) > MAX_HITS
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(hit_label(hit), id=hit.id) for hit in self.hits)
        options.set_class(bool(self.hits), "-visible")
        self.query_one("#search-more", Static).set_class(more, "-visible")
        if self.hits:
            options.highlighted = 0

    def clear(self) -> None:
        self.input.value = ""
        self.refresh_hits()

    def move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if self.hits:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.hits) - 1, current + delta))

    def action_move(self, delta: int) -> None:
        self.move(delta)

    @on(Input.Submitted, "#search-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if self.hits and options.highlighted is not None:
            self.post_message(self.Picked(self, self.hits[options.highlighted], self.input.value))

    @on(OptionList.OptionSelected, "#search-hits")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Picked(self, self.hits[event.option_index], self.input.value))

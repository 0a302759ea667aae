"""F2 · Åben rådgivning: the walk-in counter.

Shows whether the counter is open, today's queue (who waits, for how long, why; who is helped by
whom) and today's figures, and registers arrivals fast: type a few letters, Enter, a digit.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Sparkline, Static

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.dates import format_date_long, format_time
from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.walk_ins import CANCELLED, FINISHED, IN_PROGRESS, WAITING
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.walk_ins import (
    cancel_walk_in,
    register_walk_in,
    start_walk_in,
)
from aaben_raadgivning.store.queries.search import CitizenHit, citizen_hit
from aaben_raadgivning.store.queries.walk_ins import (
    DayFigures,
    WalkInView,
    day_figures,
    walk_ins_on,
)
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.screens.confirm import ConfirmDialog
from aaben_raadgivning.ui.screens.new_citizen import NewCitizenDialog
from aaben_raadgivning.ui.screens.reason_picker import ReasonPicker
from aaben_raadgivning.ui.screens.walk_in_dialogs import (
    AnonymousWalkInDialog,
    FinishWalkInDialog,
    LinkWalkInDialog,
)
from aaben_raadgivning.ui.styles import MUTED, OK, WARNING, themed
from aaben_raadgivning.ui.widgets.citizen_search import CitizenSearch
from aaben_raadgivning.ui.widgets.form import REFUSALS, refusal_text
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.plain import escape, plain_cells

REFRESH_SECONDS = 30
_ORDER = {WAITING: 0, IN_PROGRESS: 1, FINISHED: 2, CANCELLED: 2}


# The queue's «Årsag» column: a reason's short label (reference.toml) fits it at 80 columns.
REASON_COLUMN = 18


def queue_order(views: list[WalkInView]) -> list[WalkInView]:
    """Waiting first (longest wait on top), then those being helped, then the day's finished ones, newest first."""
    active = sorted(
        (v for v in views if v.status in (WAITING, IN_PROGRESS)), key=lambda v: (_ORDER[v.status], v.arrived_at)
    )
    done = sorted((v for v in views if v.status in (FINISHED, CANCELLED)), key=lambda v: v.arrived_at, reverse=True)
    return active + done


def status_text(view: WalkInView) -> Text:
    if view.status == WAITING:
        return Text("Venter", style=themed(WARNING, bold=True))
    if view.status == IN_PROGRESS:
        return Text(f"{view.helper_initials or '?'} hjælper", style=themed(OK, bold=True))
    if view.status == FINISHED:
        return Text(
            f"✓ {view.helper_initials or ''} {format_time(view.finished_at.time()) if view.finished_at else ''}",
            style=themed(MUTED),
        )
    return Text("Gik", style=themed(MUTED))


def figures_text(figures: DayFigures) -> str:
    reasons = load_reference().walk_in_reasons
    top = ", ".join(f"{reasons.short_label(code)} {count}" for code, count in list(figures.per_reason.items())[:3])
    head = (
        f"I dag: {count_text(figures.total, 'henvendelse', 'henvendelser')} · {figures.waiting} venter · "
        f"{figures.in_progress} i gang · {figures.finished} færdige"
    )
    return f"{head}\nFlest: {top}" if top else head


def chart_hours(open_hours: list[int], arrivals_per_hour: dict[int, int]) -> list[int]:
    """The hours to chart: the open hours, widened to include any arrival outside them."""
    hours = set(open_hours) | set(arrivals_per_hour) or set(range(8, 17))
    return list(range(min(hours), max(hours) + 1))


class CounterScreen(AppScreen):
    CSS_PATH = "counter.tcss"
    # The permission each key's action needs (assets/permissions.toml): not offered to a role without it
    # (check_action), and pressed anyway it says why (on_key).
    ACTION_PERMISSIONS = {
        "new_citizen": "create_citizen", "anonymous": "register_walk_in", "take_next": "handle_walk_in",
        "finish": "handle_walk_in", "link": "handle_walk_in", "cancel_walk_in": "handle_walk_in",
    }  # fmt: skip
    BINDINGS = [
        Binding("ctrl+n", "new_citizen", "Ny borger", priority=True),
        Binding("ctrl+r", "anonymous", "Anonym", priority=True),
        Binding("ctrl+t", "take_next", "Tag næste", priority=True),
        Binding("ctrl+o", "finish", "Afslut henv.", priority=True),
        Binding("ctrl+k", "link", "Knyt", show=False),
        Binding("ctrl+g", "cancel_walk_in", "Gik", show=False),
        Binding("ctrl+l", "open_citizen", "Åbn borger", priority=True),
        Binding("escape", "back_to_search", "Søg", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="counter-status")
        yield CitizenSearch(self.db, id="counter-search")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="figures"):
            yield Static("", id="figures-text")
            with Vertical(id="figures-chart"):
                yield Sparkline([], id="arrivals")
                yield Static("", id="arrivals-axis")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_column("Kl.", key="arrived", width=5)
        table.add_column("Venter", key="waited", width=6)
        table.add_column("Borger", key="who", width=22)
        table.add_column("Årsag", key="reason", width=REASON_COLUMN)
        table.add_column("Status", key="status", width=12)
        self.views: list[WalkInView] = []
        self.refresh_all()
        self.set_interval(REFRESH_SECONDS, self.refresh_all)
        self.query_one(CitizenSearch).input.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.permitted(action)

    def on_key(self, event: events.Key) -> None:
        """A key whose action the role may not do is hidden; pressed anyway, it says why in Danish."""
        self.refuse_key(event)

    # --- reading -------------------------------------------------------------------------------

    def now_local(self) -> datetime:
        return to_local(self.db.now())

    def refresh_all(self) -> None:
        now = self.now_local()
        runtime = self.app.runtime
        views = walk_ins_on(runtime.db, now.date())
        self.views = queue_order(views)
        settings = runtime.settings
        place = " · ".join(part for part in (settings.office_name, settings.housing_area) if part)
        self.query_one("#counter-status", Static).update(
            f"[b]Åben rådgivning[/b] · {escape(place)}\n"
            f"{format_date_long(now.date())} kl. {format_time(now.time())} · "
            f"[b]{runtime.open_hours.status_text(now)}[/b] · {escape(self.staff.initials)}"
        )
        self._fill_queue(now)
        self._fill_figures(views, now)

    def _fill_queue(self, now: datetime) -> None:
        table = self.query_one("#queue", DataTable)
        selected = self.selected_view()
        table.clear()
        reasons = load_reference().walk_in_reasons
        for view in self.views:
            who = Text(view.citizen_name) if view.citizen_name else Text(f"Anonym: {view.note}", style="italic")
            waited = f"{view.waiting_minutes(now)} min" if view.status in (WAITING, IN_PROGRESS) else ""
            cells = (
                format_time(view.arrived_at.time()),
                waited,
                who,
                reasons.short_label(view.reason),
                status_text(view),
            )
            table.add_row(*plain_cells(*cells), key=view.id)
        if selected is not None and selected.id in {v.id for v in self.views}:
            table.move_cursor(row=table.get_row_index(selected.id))

    def _fill_figures(self, views: list[WalkInView], now: datetime) -> None:
        figures = day_figures(views)
        self.query_one("#figures-text", Static).update(Text(figures_text(figures)))
        hours = chart_hours(self.app.runtime.open_hours.hours_span(now.date()), figures.per_hour)
        self.query_one("#arrivals", Sparkline).data = [figures.per_hour.get(hour, 0) for hour in hours]
        self.query_one("#arrivals-axis", Static).update(f"Ankomster pr. time {hours[0]:02d}–{hours[-1] + 1:02d}")

    def selected_view(self) -> WalkInView | None:
        table = self.query_one("#queue", DataTable)
        if not self.views or table.row_count == 0:
            return None
        row = table.cursor_row
        return self.views[row] if 0 <= row < len(self.views) else None

    def _focused_or_first(self, status: str) -> WalkInView | None:
        """The selected row when the queue has focus and it has the status; else the first such row."""
        if self.query_one("#queue", DataTable).has_focus:
            view = self.selected_view()
            if view is not None and view.status == status:
                return view
        mine = [v for v in self.views if v.status == status and v.helper_initials == self.staff.initials]
        return mine[0] if mine and status == IN_PROGRESS else next((v for v in self.views if v.status == status), None)

    # --- registering arrivals ---------------------------------------------------------------------

    @on(CitizenSearch.Picked, "#counter-search")
    def _picked(self, event: CitizenSearch.Picked) -> None:
        if self.refuse("register_walk_in"):  # the lookup itself is a read: audited as one
            record_lookup(self.db, self.staff_id, event.hit.id, event.query, "Åben rådgivning")
            return
        self._ask_reason(event.hit, event.query)

    def _ask_reason(self, hit: CitizenHit, criterion: str) -> None:
        def register(reason: str | None) -> None:
            app = self.app
            if reason is None:
                record_lookup(self.db, self.staff_id, hit.id, criterion, "Åben rådgivning")
                return
            try:
                register_walk_in(
                    self.db,
                    self.staff_id,
                    reason=reason,
                    citizen_id=hit.id,
                    office_id=app.office_id,
                    search_criterion=criterion,
                )
            except REFUSALS as exc:
                self.notify(refusal_text(exc), title="Ikke registreret", severity="error", markup=False)
                return
            label = load_reference().walk_in_reasons.label(reason)
            self.notify(f"{hit.name} venter nu · {label}", title="Ankomst registreret", markup=False)
            self.query_one(CitizenSearch).clear()
            self.refresh_all()

        self.app.push_screen(ReasonPicker(hit.name), register)

    def action_new_citizen(self) -> None:
        search = self.query_one(CitizenSearch)

        def created(citizen_id: str | None) -> None:
            if citizen_id is None:
                return
            hit = citizen_hit(self.db, citizen_id, viewer=self.viewer)
            if hit is not None:
                self._ask_reason(hit, search.query_text)

        self.app.push_screen(NewCitizenDialog(search.query_text), created)

    def action_anonymous(self) -> None:
        def registered(walk_in_id: str | None) -> None:
            if walk_in_id is not None:
                self.notify("Anonym henvendelse registreret", title="Ankomst registreret")
                self.refresh_all()

        self.app.push_screen(AnonymousWalkInDialog(), registered)

    # --- working the queue --------------------------------------------------------------------------

    def _run(self, action, *args) -> bool:
        try:
            action(self.db, self.staff_id, *args)
        except REFUSALS as exc:
            self.notify(refusal_text(exc), severity="error", markup=False)
            return False
        self.refresh_all()
        return True

    def longest_waiting(self) -> WalkInView | None:
        """The one who has waited longest (arrived first), whatever row is highlighted."""
        return min((v for v in self.views if v.status == WAITING), key=lambda v: v.arrived_at, default=None)

    def action_take_next(self) -> None:
        """Ctrl+T: always the one who has waited longest, so nobody is passed over by a stray cursor."""
        view = self.longest_waiting()
        if view is None:
            self.notify("Ingen venter lige nu.")
            return
        self._start(view)

    def _start(self, view: WalkInView) -> None:
        if self._run(start_walk_in, view.id):
            who = view.citizen_name or "Anonym henvendelse"
            self.notify(f"Du hjælper nu {who}", title="Startet", markup=False)

    def action_finish(self) -> None:
        view = self._focused_or_first(IN_PROGRESS) or self._focused_or_first(WAITING)
        if view is None:
            self.notify("Der er ingen henvendelse at afslutte.")
            return

        def finished(done: str | None) -> None:
            if done:
                self._finished()

        self.app.push_screen(FinishWalkInDialog(view), finished)

    def _finished(self) -> None:
        self.notify("Henvendelsen er afsluttet", title="Afsluttet")
        self.refresh_all()

    def action_cancel_walk_in(self) -> None:
        view = self.selected_view()
        if view is None or view.status not in (WAITING, IN_PROGRESS):
            self.notify("Vælg en ventende borger i køen.")
            return
        who = view.citizen_name or f"den anonyme henvendelse ({view.note})"

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(cancel_walk_in, view.id)

        self.app.push_screen(
            ConfirmDialog(f"Gik {who} uden hjælp?", "Henvendelsen fjernes fra køen og tælles som «gik»."),
            answered,
        )

    def action_link(self) -> None:
        view = self.selected_view()
        if view is None or not view.anonymous:
            self.notify("Vælg en anonym henvendelse i køen.")
            return

        def linked(citizen: str | None) -> None:
            if citizen:
                self.refresh_all()

        self.app.push_screen(LinkWalkInDialog(view), linked)

    @on(DataTable.RowSelected, "#queue")
    def _row_selected(self) -> None:
        view = self.selected_view()
        if view is None:
            return
        if (view.status in (WAITING, IN_PROGRESS) or view.anonymous) and self.refuse("handle_walk_in"):
            return  # Enter on such a row works the queue
        if view.status == WAITING:
            self._start(view)  # Enter on a row takes that one; Ctrl+T the one who has waited longest
        elif view.status == IN_PROGRESS:
            self.action_finish()
        elif view.anonymous:
            self.action_link()

    def action_open_citizen(self) -> None:
        view = self.selected_view()
        if view is None or view.citizen_id is None:
            self.notify("Vælg en borger i køen.")
            return
        self.app.open_citizen(view.citizen_id)

    def action_back_to_search(self) -> None:
        search = self.query_one(CitizenSearch)
        if search.input.has_focus:
            search.clear()
        search.input.focus()

"""First start on demo data: generate it in a worker with a progress bar, inside the log-in box.

The log-in form stays where the keys go: initials and password typed while the data are being made land in
it, and Enter logs in as soon as they are ready (the app sets ``runtime_ready`` only then)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import getters, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

if TYPE_CHECKING:
    from aaben_raadgivning.ui.app import AabenApp

DEMO_CITIZENS = 400
DEMO_DAYS = 120


class DemoSetup(Vertical):
    """The progress of making the demo data; ``done`` is called on the UI thread when they are made."""

    DEFAULT_CSS = """
    DemoSetup { height: auto; margin-bottom: 1; }
    DemoSetup #demo-step { color: $fg-muted; }
    """

    if TYPE_CHECKING:
        app = getters.app(AabenApp)

    def __init__(self, done: Callable[[], None]) -> None:
        super().__init__(id="demo-setup")
        self._done = done

    def compose(self) -> ComposeResult:
        yield Static("[b]Opretter demodata[/b] · log ind imens: JK, demo1234")
        yield ProgressBar(total=100, id="demo-progress", show_eta=False)
        yield Static("Starter …", id="demo-step")

    def on_mount(self) -> None:
        self._generate()

    def _progress(self, fraction: float, step: str) -> None:
        self.app.call_from_thread(self._show, fraction, step)

    def _show(self, fraction: float, step: str) -> None:
        self.query_one(ProgressBar).update(progress=round(fraction * 100))
        self.query_one("#demo-step", Static).update(step)

    @work(thread=True, exclusive=True)
    def _generate(self) -> None:
        from aaben_raadgivning.demo.generator import generate_demo

        runtime = self.app.runtime
        generate_demo(
            runtime.db, citizens=DEMO_CITIZENS, days=DEMO_DAYS, progress=self._progress,
            open_hours=runtime.open_hours, calendar=runtime.calendar,
        )  # fmt: skip
        self.app.call_from_thread(self._finished)

    def _finished(self) -> None:
        self.remove()
        self._done()

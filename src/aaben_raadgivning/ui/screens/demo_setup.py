"""First start on demo data: generate it in a worker with a progress bar; the UI stays responsive."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import ProgressBar, Static

from aaben_raadgivning.ui.base import AppScreen

DEMO_CITIZENS = 400
DEMO_DAYS = 120


class DemoSetupScreen(AppScreen[bool]):
    DEFAULT_CSS = """
    DemoSetupScreen { align: center middle; }
    #demo-box { width: 60; height: auto; border: round $primary; padding: 1 2; }
    #demo-step { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="demo-box"):
            yield Static("[b]Opretter demodata[/b]\nFiktive borgere, henvendelser og hændelser til afprøvning.")
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
        self.app.call_from_thread(self.dismiss, True)

"""The Textual application: log-in, then the main screens on F2–F5 (only those that exist are shown)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from aaben_raadgivning.runtime import Runtime
from aaben_raadgivning.store.models import Staff


class AabenApp(App):
    TITLE = "Åben Rådgivning"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "show_counter", "Åben rådgivning"),
        Binding("ctrl+q", "quit", "Luk", priority=True),
    ]

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self.staff: Staff | None = None
        self.office_id: str | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_counter" and self.staff is None:
            return False  # hidden until someone has logged in
        return True

    def on_mount(self) -> None:
        from aaben_raadgivning.store.actions.staff import count_staff
        from aaben_raadgivning.ui.screens.login import LoginScreen

        if self.runtime.demo and count_staff(self.runtime.db) == 0:
            from aaben_raadgivning.ui.screens.demo_setup import DemoSetupScreen

            self.push_screen(DemoSetupScreen(), lambda _: self.push_screen(LoginScreen()))
        else:
            self.push_screen(LoginScreen())

    def logged_in(self, staff: Staff) -> None:
        from aaben_raadgivning.store.queries.offices import default_office_id

        self.staff = staff
        self.office_id = default_office_id(self.runtime.db)
        self.sub_title = f"{staff.initials} · {staff.name}"
        self.switch_screen(self._counter())

    def _counter(self) -> Screen:
        from aaben_raadgivning.ui.screens.counter import CounterScreen

        return CounterScreen()

    def action_show_counter(self) -> None:
        from aaben_raadgivning.ui.screens.counter import CounterScreen

        if self.staff is None or isinstance(self.screen, CounterScreen):
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, CounterScreen):
            self.switch_screen(self._counter())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Danish palette commands: the screen's own actions first, then the app-wide ones."""
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(binding.description, f"Tast {binding.key}", _runner(screen, binding.action))
        if self.staff is not None:
            yield SystemCommand("Åben rådgivning", "Skranken for åben rådgivning (F2)", self.action_show_counter)
        yield SystemCommand("Vis taster", "Vis alle taster for skærmen", self.action_show_help_panel)
        yield SystemCommand("Skift farvetema", "Vælg et andet farvetema", self.action_change_theme)
        yield SystemCommand("Afslut programmet", "Luk Åben Rådgivning (Ctrl+Q)", self.action_quit)


def _runner(screen: Screen, action: str):
    async def run() -> None:
        await screen.run_action(action)

    return run


def run_tui(data_dir: Path | None = None, demo: bool = False) -> int:
    """Open the database and run the app; errors opening it are reported in Danish, not as a traceback."""
    from aaben_raadgivning.config import SettingsError
    from aaben_raadgivning.domain.open_hours import OpenHoursError
    from aaben_raadgivning.runtime import open_runtime
    from aaben_raadgivning.store.migrate import MigrationError

    try:
        runtime = open_runtime(data_dir, demo=demo)
    except (SettingsError, MigrationError, OpenHoursError, OSError) as exc:
        print(f"Åben Rådgivning kunne ikke starte: {exc}", file=sys.stderr)
        return 1
    from aaben_raadgivning.logs import configure_logging

    configure_logging(runtime.paths.log_dir)
    logging.getLogger(__name__).info("TUI started on %s", runtime.paths.data_dir)
    try:
        AabenApp(runtime).run()
    finally:
        runtime.close()
    return 0

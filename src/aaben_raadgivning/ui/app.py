"""The Textual application: log-in, then the main screens on F2–F5 (only those that exist are shown).

Start-up is kept light: the log-in screen needs only the settings, so it is shown at once while the
database layer is imported and the database opened (and migrated if needed) in a worker thread. A computer
without the office key for the data folder is asked for it first (ui/screens/office_key.py). Demo data is
marked «DEMODATA» in the title and on every screen.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.worker import WorkerFailed

from aaben_raadgivning.logs import write_crash_report
from aaben_raadgivning.runtime import Runtime, RuntimeOpener

if TYPE_CHECKING:
    from textual.theme import Theme
    from textual.timer import Timer

    from aaben_raadgivning.security.key_store import OfficeKeyMissing, OfficeRecord
    from aaben_raadgivning.security.office_key import OfficeKey
    from aaben_raadgivning.store.models import Staff
    from aaben_raadgivning.store.queries.viewer import Viewer
    from aaben_raadgivning.ui.screens.office_key import OfficeKeyChoice

log = logging.getLogger(__name__)

BADGE_REFRESH_SECONDS = 20
SWEEP_CHECK_SECONDS = 3600  # how often an open app checks whether the date changed (follow-up sweep)
EXIT_CRASH = 70  # EX_SOFTWARE: the program stopped on an error of its own
EXIT_OFFICE_KEY = 9  # as every command: no office key for the folder, or a wrong one (cli/errors.py)
DEMO_MARK = "DEMODATA"
DEMO_BANNER = f" {DEMO_MARK} · fiktive borgere, ikke rigtige sager "
PROBLEM_NOTICE_SECONDS = 30  # a sync problem the user must act on is a long message: time to read it
IDLE_CHECK_SECONDS = 15  # how often the idle lock looks at the time since the last key or mouse event
# What no key may reach while the screen is locked (the lock's own fields and buttons still work).
LOCKED_OUT_ACTIONS = frozenset({"command_palette", "show_help_panel", "show_help", "change_theme", "quit"})


LOGGED_IN_ACTIONS = frozenset(
    {"show_counter", "show_citizens", "show_agreements", "show_follow_ups", "show_sync", "log_out", "change_password",
     "show_audit_log", "show_caseload", "show_results"}
)  # fmt: skip


@dataclass(frozen=True)
class SyncOutcome:
    """One sync round as the app shows it: the line on F9, and what the user must act on."""

    message: str
    failed: bool = False
    tell: bool = False  # a notification, also for a background round (new conflicts, a manual sync)
    gaps: tuple[str, ...] = ()  # changes of other computers that cannot be received (report.gaps)
    wrong_share: str | None = None  # the refusal: the folder is not this laptop's share (not offline)

    @property
    def problem(self) -> str | None:
        """The notification for a problem that will not go away by itself (None when there is none)."""
        if self.wrong_share:
            return f"Ikke synkroniseret: {self.wrong_share}"
        if self.gaps:
            return "Ikke alle ændringer kunne modtages. " + " ".join(self.gaps) + " Se Synkronisering (F9)."
        return None


class AabenApp(App):
    TITLE = "Åben Rådgivning"
    # Demo data is marked on every screen (a banner in the top border), so nobody takes it for real cases.
    CSS = """
    Screen.-demo { border-top: heavy $warning; border-title-align: center; border-title-color: $fg-warning;
                   border-title-style: bold; }
    /* Over a dialog, notifications stand at the top in a band of 8 rows (compact; more scroll), never over the
       dialog's last fields, its error line or its buttons. */
    ModalScreen ToastRack { dock: top; align: right top; margin-bottom: 0; max-height: 8; }
    ModalScreen Toast { padding: 0 1; }
    """
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "show_counter", "Åben rådgivning"),
        Binding("f3", "show_citizens", "Borgere"),
        Binding("f4", "show_agreements", "Aftaler"),
        Binding("f5", "show_follow_ups", "Opfølgning"),
        Binding("f6", "show_results", "Resultater", show=False),  # in the palette; refused without «results»
        Binding("f7", "show_audit_log", "Revisionsspor", show=False),  # leder/jobkonsulent only (check_action)
        Binding("f8", "show_caseload", "Mine borgere", show=False),  # in the palette; refused without case reads
        Binding("f9", "show_sync", "Synk."),  # also «Synkronisering» in the palette
        Binding("f12", "log_out", "Log ud", priority=True),  # also from inside a dialog (refused there)
        Binding("ctrl+q", "quit", "Luk", priority=True),
        # Help for the screen shown (ui/screens/help.py); «?» only where no text field takes it, and not on F6,
        # whose own «?» explains a figure.
        Binding("f1,question_mark", "show_help", "Hjælp", show=False),
        # Textual's own palette binding, with a Danish word in the footer (Textual adds its «palette» otherwise).
        Binding("ctrl+p", "command_palette", "Kommandoer", show=False, priority=True, tooltip="Åbn kommandoerne"),
    ]

    # The sync state shown at the right of every footer (ui/widgets/sync_badge.py); "" when no share is set up.
    sync_badge: reactive[str] = reactive("")

    def __init__(self, source: Runtime | RuntimeOpener, *, owns_process: bool = False) -> None:
        """``owns_process``: this app is the whole process (``run_tui``), so start-up may freeze the heap."""
        super().__init__()
        self._owns_process = owns_process
        self._sync_running = False
        self._sync_failed = False
        self._told_problem: str | None = None  # the sync problem last notified (not repeated every round)
        self._opener = source if isinstance(source, RuntimeOpener) else None
        self._runtime = source if isinstance(source, Runtime) else None
        self.settings = source.settings
        self._settings_file = source.paths.settings_file
        self._use_shipped_themes()
        self.demo = source.demo
        self.runtime_ready = asyncio.Event()
        self.runtime_error: str | None = None
        self.runtime_exit_code = 1  # the command line's exit code for the error in runtime_error
        # While the app asks for the office key: why (printed, with runtime_exit_code, if the app is closed then).
        self.office_key_wanted: str | None = None
        # The office's code was typed in: this laptop joins an office whose staff come with the first sync
        # (the log-in screen then offers no first account of its own).
        self.joined_office = False
        self.staff: Staff | None = None
        self.viewer: Viewer | None = None  # the logged-in person as a reader: what the queries may return
        self.office_id: str | None = None
        self.current_citizen_id: str | None = None  # the citizen last shown on F3, shown again on return
        self.sync_message = ""  # the outcome of the last sync round, shown on F9
        self.sync_gaps: tuple[str, ...] = ()  # the last round's gaps, listed on F9 while any remain
        self.sync_wrong_share: str | None = None  # the last round's refusal of the folder, shown on F9
        self._swept_on = None  # the Danish date the follow-up sweep last ran for in this app
        self._sweep_running = False
        self._session_timers: list[Timer] = []  # started at log-in, stopped at log-out
        # The idle lock (ui/screens/lock.py): the clock it reads (tests replace it), the last key or mouse
        # event, and the notifications held back while the screen is locked (shown after unlocking).
        self.idle_clock: Callable[[], float] = time.monotonic
        self._last_activity = time.monotonic()
        self._held_notices: list[tuple[str, dict]] = []
        self._log_dir = source.paths.log_dir
        self.crash_message: str | None = None  # the Danish words printed after an unexpected error closed the app

    # --- colours (ui/styles.py) ------------------------------------------------------------------------

    def _use_shipped_themes(self) -> None:
        """Offer only the themes whose colours are checked (tests/ui/test_contrast.py), and start in the
        one chosen last time (settings.toml, [display] theme); an unknown name falls back to the default."""
        from aaben_raadgivning.ui.styles import DEFAULT_THEME, SHIPPED_THEMES

        for name in list(self.available_themes):
            if name not in SHIPPED_THEMES:
                self.unregister_theme(name)
        chosen = self.settings.theme
        self.theme = chosen if chosen in SHIPPED_THEMES else DEFAULT_THEME
        self._saved_theme = self.theme  # what the file says in effect (nothing is written for the start)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables and the app's text colours by meaning ($fg-warning …, ui/styles.py)."""
        from aaben_raadgivning.ui.styles import MUTED, text_colours

        variables = super().get_css_variables()
        variables.update(text_colours(variables))
        variables["text-muted"] = variables[MUTED]  # Textual's own widgets' muted text, readable too
        self.theme_variables = variables
        return variables

    def _theme_chosen(self, theme: Theme) -> None:
        """Remember a theme the user picked («Skift farvetema»): the next start uses it."""
        from aaben_raadgivning.config import update_setting

        if theme.name == self._saved_theme:
            return
        self._restyle()
        try:
            update_setting(self._settings_file, "display.theme", theme.name)
        except OSError as exc:
            log.warning("Could not save the theme in the settings file: %s", exc)
            self.notify(f"Farvetemaet kunne ikke gemmes til næste gang: {exc}", title="Farvetema", severity="warning")
            return
        self._saved_theme = theme.name

    def _restyle(self) -> None:
        """Text coloured in Python (ui/styles.py ``themed``) takes the new theme's colours at once on the
        screens that redraw without a new read being audited (F2, F3, F5, F6, F8 itself, F9); others when
        next shown. TCSS colours follow by themselves."""
        from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen
        from aaben_raadgivning.ui.screens.results import ResultsScreen

        if self.staff is None:
            return
        for screen in self.screen_stack:
            if not screen.is_mounted:
                continue
            if isinstance(screen, FollowUpQueueScreen | ResultsScreen):
                screen.reload()
            elif callable(refresh_all := getattr(screen, "refresh_all", None)):
                refresh_all()

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error anywhere in the app (a worker's too): log it without personal data, close the
        app and say so in Danish. Replaces Textual's traceback with local variables, which would show
        citizens' data on the screen."""
        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            error = error.error
        self._return_code = EXIT_CRASH
        if self._exception is None:  # the test pilot re-raises the first error, so tests still fail on bugs
            self._exception = error
            self._exception_event.set()
        log_file = write_crash_report(self._log_dir, error)
        if self.crash_message is None:
            self.crash_message = crash_message(log_file, self._log_dir)
        self._close_messages_no_wait()

    def _print_error_renderables(self) -> None:
        """After the app has closed: the Danish message instead of Textual's tracebacks."""
        if self.crash_message is not None:
            self._exit_renderables.clear()
            self.error_console.print(Text(self.crash_message), soft_wrap=True)
        super()._print_error_renderables()

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:  # fmt: skip
        """Always plain text: notifications quote names, notes and paths, which must show as typed (a name
        with "[/bold]" in it would raise as markup). Screens' and widgets' notify calls end here.
        While the screen is locked nothing is shown (a notice may name a citizen): held until unlocked."""
        if self.locked:
            self._held_notices.append((message, {"title": title, "severity": severity, "timeout": timeout}))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the database is not open yet")
        return self._runtime

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and (action in LOGGED_IN_ACTIONS or action in LOCKED_OUT_ACTIONS):
            return False  # nothing but the lock's own fields while it is on
        if action in LOGGED_IN_ACTIONS and self.staff is None:
            return False  # hidden until someone has logged in
        if action == "show_audit_log" and not self.may_read_audit_log():
            return False  # only roles with the «audit» read scope (assets/permissions.toml)
        return True

    def may_read_audit_log(self) -> bool:
        from aaben_raadgivning.security.permissions import load_permissions

        return self.staff is not None and load_permissions().may_read(self.staff.role, "audit")

    def on_mount(self) -> None:
        from aaben_raadgivning.ui.screens.login import LoginScreen

        self.screen_change_signal.subscribe(self, self._mark_demo)
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        self._show_demo()
        self.push_screen(LoginScreen())
        if self._runtime is None:
            # After the first paint, so importing the database layer does not delay the log-in screen.
            self.call_after_refresh(self._open_database)
        else:
            self._database_opened()

    @work(thread=True, exclusive=True, group="open-database")
    def _open_database(self, choice: OfficeKeyChoice | None = None) -> None:
        """Open the database; ``choice`` is the office key the user has just given (see _ask_for_office_key)."""
        from aaben_raadgivning.domain.errors import UserError
        from aaben_raadgivning.security.key_store import OfficeKeyMissing

        opener = self._opener
        assert opener is not None
        kept: bool | None = None  # whether the key given is in the credential store (None: no key given)
        try:
            if choice is not None:
                opener.office_key = choice.key
                self.joined_office = not choice.created
                if choice.created:  # its code has been shown and written down: kept before anything can fail
                    kept = _keep_office_key(choice.key, opener.paths.data_dir)
            runtime = opener.open()
            if choice is not None and not choice.created:  # a typed code: kept once it has opened the database
                try:
                    kept = _keep_office_key(choice.key, opener.paths.data_dir)
                except BaseException:
                    runtime.close()
                    raise
        except OfficeKeyMissing as exc:  # not set up, or this computer lacks the key: the user may give it
            log.info("No office key for the data folder on this computer; asking for it")
            self._office_key_missing(exc)
            return
        except (UserError, OSError) as exc:  # migration, open hours, step model, a damaged or locked file
            log.exception("Could not open the database")
            self.runtime_exit_code = _exit_code_for(exc)
            self.call_from_thread(self._database_failed, str(exc))
            return
        self._runtime = runtime
        self.call_from_thread(self._database_opened)
        if kept is not None:
            self.call_from_thread(self._tell_where_the_key_is, kept)

    def _office_key_missing(self, exc: OfficeKeyMissing) -> None:
        """In the worker: what the folder has, then the dialog that asks for the key (on the UI thread)."""
        from aaben_raadgivning.domain.errors import UserError
        from aaben_raadgivning.security.key_store import read_record
        from aaben_raadgivning.store.sqlite_driver import is_plain_file

        assert self._opener is not None
        paths = self._opener.paths
        try:
            record = read_record(paths.data_dir)
            # A new key could never open an encrypted database already there (as «office init» refuses).
            encrypted = (
                paths.database.exists() and paths.database.stat().st_size > 0 and not is_plain_file(paths.database)
            )
        except (UserError, OSError) as error:
            self.runtime_exit_code = _exit_code_for(error)
            self.call_from_thread(self._database_failed, str(error))
            return
        self.call_from_thread(self._ask_for_office_key, record, not encrypted, exc.message)

    def _ask_for_office_key(self, record: OfficeRecord | None, can_create: bool, explanation: str) -> None:
        from aaben_raadgivning.ui.screens.office_key import OfficeKeySetupDialog, RecoveryCodeDialog

        self._start_up_done()  # the app waits for a person now: the collector runs meanwhile
        assert self._opener is not None
        data_dir = self._opener.paths.data_dir

        explanation = f"{explanation} Start programmet igen for at skrive koden her."
        self.office_key_wanted = explanation
        self.runtime_exit_code = EXIT_OFFICE_KEY

        def given(choice: OfficeKeyChoice | None) -> None:
            self.office_key_wanted = None
            if choice is None:
                self._database_failed(explanation)
            else:
                self.runtime_exit_code = 1
                self._open_database(choice)

        if record is None:
            self.push_screen(OfficeKeySetupDialog(data_dir, can_create=can_create), given)
        else:
            self.push_screen(RecoveryCodeDialog(data_dir, record), given)

    def _tell_where_the_key_is(self, kept: bool) -> None:
        """After a key was given: where it is kept. Never the code itself."""
        from aaben_raadgivning.security.key_store import ENV_KEY

        if kept:
            self.notify("Kontornøglen er gemt i computerens nøglering.", title="Kontornøgle")
        else:
            self.notify(
                "Computeren har intet adgangskodelager, så nøglen er ikke gemt her: programmet beder om "
                f"gendannelseskoden ved hver start, eller læser den fra miljøvariablen {ENV_KEY} (se README).",
                title="Kontornøgle", severity="warning", timeout=PROBLEM_NOTICE_SECONDS,
            )  # fmt: skip

    def _start_up_done(self) -> None:
        """Start-up has allocated its long-lived objects: move them out of the collector's way. Only when the
        app is the whole process: frozen objects are never collected, so an app run inside another program
        (the tests) would keep that program's garbage, open database files included, for good."""
        if self._owns_process:
            gc.freeze()
        gc.enable()

    def _database_failed(self, message: str) -> None:
        self._start_up_done()
        self.runtime_error = f"Databasen kunne ikke åbnes: {message}"
        self.runtime_ready.set()
        self._refresh_login()

    def _refresh_login(self) -> None:
        from aaben_raadgivning.ui.screens.login import LoginScreen

        for screen in self.screen_stack:
            if isinstance(screen, LoginScreen) and screen.is_mounted:
                screen.refresh_state()

    def _database_opened(self) -> None:
        from aaben_raadgivning.store.actions.staff import count_staff

        self._start_up_done()
        if self.runtime.demo and not self.demo:  # a demo folder opened without --demo: marked all the same
            self.demo = True
            self._show_demo()
        if self.demo and count_staff(self.runtime.db) == 0:
            self._make_demo_data()
        else:
            self.runtime_ready.set()
            self._refresh_login()

    def _make_demo_data(self) -> None:
        """New demo data, made under the log-in form (ui/screens/demo_setup.py): what is typed meanwhile goes
        into the form, and a log-in waits for ``runtime_ready``, set once the data (and their staff) exist."""
        from aaben_raadgivning.ui.screens.demo_setup import DemoSetup
        from aaben_raadgivning.ui.screens.login import LoginScreen

        def made() -> None:
            self.runtime_ready.set()
            self._refresh_login()

        login = next(screen for screen in self.screen_stack if isinstance(screen, LoginScreen))
        login.show_demo_setup(DemoSetup(made))

    def _show_demo(self) -> None:
        """Mark demo data in the title and on every screen shown (see _mark_demo)."""
        self.title = f"{self.TITLE} · {DEMO_MARK}" if self.demo else self.TITLE
        for screen in self.screen_stack:
            self._mark_demo(screen)

    def _mark_demo(self, screen: Screen) -> None:
        """Every full screen of demo data gets the «DEMODATA» banner in its top border; a dialog shows the
        banner of the screen beneath it."""
        if self.demo and not isinstance(screen, ModalScreen) and not screen.has_class("-demo"):
            screen.add_class("-demo")
            screen.border_title = DEMO_BANNER

    def logged_in(self, staff: Staff) -> None:
        from aaben_raadgivning.store.queries.offices import default_office_id
        from aaben_raadgivning.store.queries.viewer import Viewer

        self.staff = staff
        self.viewer = Viewer.of(staff)
        self.office_id = default_office_id(self.runtime.db)
        self.sub_title = f"{staff.initials} · {staff.name}"
        self.switch_screen(self._counter())
        timers = self._session_timers
        timers.append(self.set_interval(SWEEP_CHECK_SECONDS, self.start_follow_up_sweep))  # the date may change
        self._last_activity = self.idle_clock()
        timers.append(self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock))
        self.start_follow_up_sweep()
        if self.settings.sync_share or self.settings.sync_server:  # background sync: now and every few minutes
            timers.append(self.set_interval(self.settings.sync_interval_minutes * 60, self.start_sync))
            timers.append(self.set_interval(BADGE_REFRESH_SECONDS, self.refresh_sync_badge))  # "n venter" grows
            self.call_after_refresh(self.start_sync)

    def action_log_out(self) -> None:
        """Back to the log-in screen, so a colleague at a shared laptop works (and is logged) as
        themselves. Refused while a dialog or an editor is open: logging out must not lose typed work."""
        from aaben_raadgivning.store.actions.staff import log_out
        from aaben_raadgivning.ui.screens.login import LoginScreen

        if self.staff is None:
            return
        if len(self.screen_stack) > 2:
            self.notify("Luk det åbne vindue først (Esc eller Gem), så intet går tabt.", title="Ikke logget ud",
                        severity="warning")  # fmt: skip
            return
        self._end_session(log_out)
        self.switch_screen(LoginScreen())
        self.notify("Du er logget ud.", title="Log ud")

    def _end_session(self, log_out: Callable) -> None:
        """The log-out itself (audited), for «Log ud» and for a colleague logging in on a locked screen."""
        assert self.staff is not None
        log_out(self.runtime.db, self.staff.id)
        for timer in self._session_timers:
            timer.stop()
        self._session_timers.clear()
        self.staff = None
        self.viewer = None
        self.office_id = None
        self.current_citizen_id = None
        self.sub_title = ""
        self.sync_badge = ""

    # --- the idle lock (ui/screens/lock.py) ---------------------------------------------------------

    @property
    def locked(self) -> bool:
        from aaben_raadgivning.ui.screens.lock import LockScreen

        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseMove | events.MouseScrollDown
                      | events.MouseScrollUp):  # fmt: skip
            self._last_activity = self.idle_clock()
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        """Lock the screen once ``idle_lock_minutes`` have passed without a key or mouse event (0 = never)."""
        minutes = self.settings.idle_lock_minutes
        if self.staff is None or minutes <= 0 or self.locked:
            return
        if self.idle_clock() - self._last_activity >= minutes * 60:
            self.lock_screen()

    def lock_screen(self) -> None:
        """Cover everything with the lock screen. Nothing under it is dismissed (typed work survives);
        an open command palette is closed (it lists the screen's commands)."""
        from textual.command import CommandPalette

        from aaben_raadgivning.store.actions.session_lock import record_lock
        from aaben_raadgivning.ui.screens.lock import LockScreen

        if self.staff is None or self.locked:
            return
        while isinstance(self.screen, CommandPalette):
            self.pop_screen()
        self.clear_notifications()  # a notice on screen may name a citizen
        record_lock(self.runtime.db, self.staff.id, self.settings.idle_lock_minutes)
        self.push_screen(LockScreen(self.staff, unsaved=len(self.screen_stack) > 2))
        self.call_later(self.clear_notifications)  # also one posted just before the lock (it arrives after)

    def unlocked(self, lock: Screen) -> None:
        """The same person unlocked: back to exactly what was open; held notices shown now."""
        self._last_activity = self.idle_clock()
        if self.screen is lock:
            self.pop_screen()
        held, self._held_notices = self._held_notices, []
        for message, options in held:
            self.notify(message, **options)

    def taken_over(self, lock: Screen, colleague: Staff) -> None:
        """A colleague logged in on the locked screen (allowed only with no unsaved work open): the first
        person is logged out (audited), the colleague starts at the counter."""
        from aaben_raadgivning.store.actions.session_lock import record_takeover
        from aaben_raadgivning.store.actions.staff import log_out

        first = self.staff
        assert first is not None
        self._held_notices.clear()  # the first person's notices are not the colleague's
        record_takeover(self.runtime.db, first, colleague)
        if self.screen is lock:
            self.pop_screen()
        self._end_session(log_out)
        self.logged_in(colleague)
        self.notify(f"{first.initials} er logget ud. Du er logget ind som {colleague.initials}.", title="Log ind")

    # --- erasure (ui/screens/erasure.py) -------------------------------------------------------------

    def erasure_done(self, result) -> None:
        """After an erasure: say so, leave the erased citizen's screen, and replace the local backups that
        still hold the person (in a worker: a backup copies the whole database)."""
        from aaben_raadgivning.ui.screens.citizen import CitizenScreen
        from aaben_raadgivning.ui.screens.erasure import erased_message

        if self.current_citizen_id == result.citizen_id:
            self.current_citizen_id = None
        for screen in self.screen_stack:
            if isinstance(screen, CitizenScreen) and screen.citizen_id == result.citizen_id:
                self.call_later(self._replace_citizen_screen, screen)
        self.notify(erased_message(result), title="Slettet (GDPR)", timeout=10)
        self._scrub_backups()

    def _replace_citizen_screen(self, screen: Screen) -> None:
        from aaben_raadgivning.ui.screens.citizen import CitizenScreen

        if self.screen is screen:
            self.switch_screen(CitizenScreen())

    @work(thread=True, group="backups")
    def _scrub_backups(self) -> None:
        self._scrub_backups_now()

    def _scrub_backups_now(self) -> None:
        """(In a worker thread.) Replace the local backups that hold someone erased since they were taken."""
        from aaben_raadgivning.store.backups import scrub_backups

        try:
            report = scrub_backups(self.runtime.db, self.runtime.paths.backup_dir)
        except Exception:  # the check («check») reports backups left; the app goes on
            log.exception("Replacing the backups after an erasure failed")
            return
        if report.removed:
            log.info("Replaced %d backup(s) after an erasure", len(report.removed))

    def action_show_retention(self) -> None:
        from aaben_raadgivning.ui.screens.erasure import RetentionScreen

        if self.staff is not None:
            self.push_screen(RetentionScreen())

    def refresh_sync_badge(self) -> None:
        """Read the sync state (a few indexed queries on the local database, never the share)."""
        from aaben_raadgivning.sync.engine import sync_status
        from aaben_raadgivning.ui.widgets.sync_badge import sync_badge

        if self.staff is None or self._runtime is None or not (self.settings.sync_share or self.settings.sync_server):
            self.sync_badge = ""
            return
        status = sync_status(self.runtime.db)
        self.sync_badge = sync_badge(
            configured=True, running=self._sync_running, failed=self._sync_failed,
            last_success=status.last_success, waiting=status.waiting, conflicts=status.conflicts,
            safe_mode=bool(status.safe_mode), now=self.runtime.db.now(), gaps=status.gaps,
            wrong_share=self.sync_wrong_share is not None,
        )  # fmt: skip

    def _counter(self) -> Screen:
        from aaben_raadgivning.ui.screens.counter import CounterScreen

        return CounterScreen()

    def _show_main(self, screen_type: type[Screen], make: Callable[[], Screen]) -> None:
        """Close any dialogs and switch to one of the main screens (F2–F5), keeping it if already shown."""
        if self.staff is None:
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, screen_type):
            self.switch_screen(make())

    def action_show_counter(self) -> None:
        from aaben_raadgivning.ui.screens.counter import CounterScreen

        self._show_main(CounterScreen, CounterScreen)

    def action_show_citizens(self) -> None:
        from aaben_raadgivning.ui.screens.citizen import CitizenScreen

        self._show_main(CitizenScreen, lambda: CitizenScreen(self.current_citizen_id))

    def action_show_agreements(self) -> None:
        from aaben_raadgivning.ui.screens.agreements import AgreementsScreen

        self._show_main(AgreementsScreen, AgreementsScreen)

    def open_agreement(self, agreement_id: str) -> None:
        """Show an agreement in the editor over F4 (e.g. from the citizen screen)."""
        from aaben_raadgivning.store.queries.agreements import agreement_detail
        from aaben_raadgivning.store.queries.viewer import Viewer
        from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
        from aaben_raadgivning.ui.screens.agreements import AgreementsScreen

        if self.staff is None:
            return
        detail = agreement_detail(self.runtime.db, agreement_id, viewer=Viewer.of(self.staff))
        if detail is None:
            self.notify("Aftalen findes ikke (længere).", severity="error")
            return
        company_id = detail.agreement.company_id
        made: list[Screen] = []

        def make() -> Screen:
            made.append(AgreementsScreen(company_id))
            return made[0]

        self._show_main(AgreementsScreen, make)
        main = made[0] if made else self.screen
        if isinstance(main, AgreementsScreen):
            main.company_id = company_id
            if main.is_mounted:
                main.show_company(company_id)
            self.call_later(main.open_editor, AgreementEditor(agreement_id))
        else:
            self.push_screen(AgreementEditor(agreement_id))

    def action_show_follow_ups(self) -> None:
        from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen

        self._show_main(FollowUpQueueScreen, FollowUpQueueScreen)

    def open_citizen(self, citizen_id: str, where: str = "Åben rådgivning") -> None:
        """Show a citizen's record on F3 from another screen (e.g. the counter's queue); the read is logged."""
        from aaben_raadgivning.store.actions.audit import record_lookup
        from aaben_raadgivning.ui.screens.citizen import CitizenScreen

        if self.staff is None:
            return
        record_lookup(self.runtime.db, self.staff.id, citizen_id, "åbnet fra skærmen", where)
        self.current_citizen_id = citizen_id
        made: list[Screen] = []

        def make() -> Screen:
            made.append(CitizenScreen(citizen_id))
            return made[0]

        self._show_main(CitizenScreen, make)
        if not made and isinstance(self.screen, CitizenScreen):
            self.screen.show_citizen(citizen_id)  # already on F3: show this citizen afresh

    def action_show_caseload(self) -> None:
        from aaben_raadgivning.store.queries.caseload import refusal_for
        from aaben_raadgivning.ui.screens.caseload import CaseloadScreen

        if self.viewer is None:
            return
        refusal = refusal_for(self.viewer)
        if refusal is not None:
            self.notify(refusal, title="Mine borgere", severity="warning")
            return
        self._show_main(CaseloadScreen, CaseloadScreen)

    def may_read_results(self) -> bool:
        from aaben_raadgivning.security.permissions import load_permissions

        return self.staff is not None and load_permissions().may_read(self.staff.role, "results")

    def action_show_results(self) -> None:
        from aaben_raadgivning.security.permissions import PermissionDenied
        from aaben_raadgivning.store.queries.results import require_results_reader
        from aaben_raadgivning.ui.screens.results import ResultsScreen

        if self.viewer is None:
            return
        try:  # only roles with the «results» read scope (assets/permissions.toml); others are told why
            require_results_reader(self.viewer)
        except PermissionDenied as exc:
            self.notify(exc.message, title="Resultater", severity="warning")
            return
        self._show_main(ResultsScreen, ResultsScreen)

    def action_show_audit_log(self) -> None:
        from aaben_raadgivning.ui.screens.audit_log import AuditLogScreen

        if not self.may_read_audit_log():
            self.notify("Kun jobkonsulenter og ledere kan se revisionssporet.", severity="warning")
            return
        self._show_main(AuditLogScreen, AuditLogScreen)

    def action_show_sync(self) -> None:
        from aaben_raadgivning.ui.screens.sync_conflicts import SyncScreen

        self._show_main(SyncScreen, SyncScreen)

    def action_change_password(self) -> None:
        from aaben_raadgivning.ui.screens.account_dialogs import ChangePasswordDialog

        if self.staff is None:
            return

        def done(staff_id: str | None) -> None:
            if staff_id is not None:
                self.notify("Din adgangskode er skiftet.", title="Adgangskode")

        self.push_screen(ChangePasswordDialog(), done)

    def start_sync(self, manual: bool = False) -> None:
        """One sync round in a worker thread (never blocks the UI); F9 shows its progress."""
        if not (self.settings.sync_share or self.settings.sync_server):
            if manual:
                self.notify(
                    "Der er ingen fællesmappe eller server i indstillingerne ([sync] share / server).",
                    severity="warning", markup=False,
                )  # fmt: skip
            return
        self._sync_running = True
        self.refresh_sync_badge()
        self._sync_worker(manual)

    @work(thread=True, exclusive=True, group="sync")
    def _sync_worker(self, manual: bool) -> None:
        from aaben_raadgivning.domain.grammar import count_text, thousands
        from aaben_raadgivning.sync.configured import sync_configured
        from aaben_raadgivning.sync.engine import SyncError, WrongShare
        from aaben_raadgivning.ui.widgets.form import STORAGE_ERRORS, storage_problem

        def progress(fraction: float, step: str) -> None:
            self.call_from_thread(self._sync_progress, fraction, step)

        try:
            share = Path(self.settings.sync_share).expanduser() if self.settings.sync_share else None
            report = sync_configured(self.runtime.db, share=share, server=self.settings.sync_server,
                                     device_name=self.settings.display_device_name, progress=progress)  # fmt: skip
        except WrongShare as exc:  # not "offline": nothing syncs until the folder or the settings are put right
            server = type(exc).__name__ == "WrongServer"  # (sync.server is imported only where one is set up)
            message = "Ikke synkroniseret: " + (
                "serveren er ikke denne computers (se F9)." if server else "mappen er ikke denne computers fællesmappe."
            )
            outcome = SyncOutcome(message, failed=True, wrong_share=str(exc))
        except (SyncError, OSError) as exc:
            outcome = SyncOutcome(f"Ikke synkroniseret: {exc}", failed=True, tell=manual)
        except STORAGE_ERRORS as exc:  # the local database (busy, full); its message would quote SQL parameters
            log.warning("Sync stopped on the local database", exc_info=exc)
            message = f"Ikke synkroniseret: {storage_problem(exc)}. Der prøves igen ved næste runde."
            outcome = SyncOutcome(message, failed=True, tell=manual)
        else:
            message = (f"Seneste runde: sendt {count_text(report.sent, 'ændring', 'ændringer')}, "
                       f"modtaget {count_text(report.received, 'ændring', 'ændringer')}, "
                       f"konflikter: {thousands(report.conflicts)}.")  # fmt: skip
            if report.warnings:
                message += " " + " ".join(report.warnings)
            if report.gaps:  # not a success: changes of another computer cannot be received
                message += " Ikke alle ændringer kunne modtages."
            outcome = SyncOutcome(message, failed=bool(report.gaps), tell=manual or bool(report.new_conflicts),
                                  gaps=tuple(report.gaps))  # fmt: skip
            self._scrub_backups_now()  # an erasure received from another laptop: the local backups hold the person
        self.call_from_thread(self._sync_done, outcome, manual)

    def _sync_progress(self, fraction: float, step: str) -> None:
        from aaben_raadgivning.ui.screens.sync_conflicts import SyncScreen

        if isinstance(self.screen, SyncScreen):
            self.screen.show_progress(fraction, step)

    def _sync_done(self, outcome: SyncOutcome, manual: bool) -> None:
        from aaben_raadgivning.ui.screens.sync_conflicts import SyncScreen

        self.sync_message, self.sync_gaps, self.sync_wrong_share = outcome.message, outcome.gaps, outcome.wrong_share
        self._sync_running, self._sync_failed = False, outcome.failed
        self.refresh_sync_badge()
        problem = outcome.problem
        if problem is not None:
            # The user must act, so background rounds say it too; the same problem again only on request
            # (every few minutes over the counter's work would be noise; the badge and F9 keep showing it).
            if manual or problem != self._told_problem:
                self.notify(problem, title="Synkronisering", severity="error", timeout=PROBLEM_NOTICE_SECONDS)
        elif outcome.tell:
            self.notify(outcome.message, title="Synkronisering", severity="error" if outcome.failed else "information")
        self._told_problem = problem
        if isinstance(self.screen, SyncScreen):
            self.screen.refresh_all()

    def start_follow_up_sweep(self) -> None:
        """Bring derived follow-up tasks up to today's date in a worker thread (at most once a day; see
        store.actions.follow_up_sweep); the queue is refreshed if it is showing."""
        from aaben_raadgivning.domain.clock import to_local

        if self.staff is None or self._runtime is None or self._sweep_running:
            return
        today = to_local(self.runtime.db.now()).date()
        if today == self._swept_on:
            return
        self._sweep_running = True
        self._sweep_worker(today)

    @work(thread=True, group="follow-up-sweep")
    def _sweep_worker(self, today) -> None:
        from aaben_raadgivning.store.actions.follow_up_sweep import sweep_follow_ups

        try:
            result = sweep_follow_ups(self.runtime.db, today)
        except Exception:  # a failed sweep is retried at the next check; the app goes on
            log.exception("Follow-up sweep failed")
            self.call_from_thread(self._sweep_done, None, False)
            return
        log.info("%s", result.describe())
        self.call_from_thread(self._sweep_done, today, result.changed)

    def _sweep_done(self, today, changed: bool) -> None:
        from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen

        self._sweep_running = False
        if today is not None:
            self._swept_on = today
        if changed and isinstance(self.screen, FollowUpQueueScreen) and self.screen.is_mounted:
            self.screen.reload()

    def action_command_palette(self) -> None:
        """Textual's command palette, in Danish (ui/widgets/command_palette.py)."""
        from textual.command import CommandPalette

        from aaben_raadgivning.ui.widgets.command_palette import DanishCommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(DanishCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """«Skift farvetema»: Textual's theme search, in Danish."""
        from textual.theme import ThemeProvider

        from aaben_raadgivning.ui.widgets.command_palette import THEME_PLACEHOLDER, DanishCommandPalette

        self.push_screen(DanishCommandPalette(providers=[ThemeProvider], placeholder=THEME_PLACEHOLDER))

    def action_show_help(self) -> None:
        """F1 (and ? where no text field takes it): the help for the screen shown."""
        from textual.command import CommandPalette

        from aaben_raadgivning.ui.screens.help import HelpScreen

        if not CommandPalette.is_open(self) and not isinstance(self.screen, HelpScreen):
            self.show_help(self.screen)

    def show_help(self, screen: Screen) -> None:
        from aaben_raadgivning.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Danish palette commands: the screen's own actions first, then the app-wide ones."""
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(binding.description, f"Tast {binding.key}", _runner(screen, binding.action))
        if self.staff is not None:
            yield SystemCommand("Åben rådgivning", "Skranken for åben rådgivning (F2)", self.action_show_counter)
            yield SystemCommand("Borgere", "Borgerens sag og tidslinje (F3)", self.action_show_citizens)
            yield SystemCommand("Aftaler", "Virksomheder og aftaler om forløb (F4)", self.action_show_agreements)
            yield SystemCommand("Opfølgning", "Opgaver til i dag og fremover (F5)", self.action_show_follow_ups)
            if self.viewer is not None and "case" in self.viewer.scopes():
                yield SystemCommand("Mine borgere", "Din sagsstamme med markeringer (F8)", self.action_show_caseload)
            if self.may_read_results():
                yield SystemCommand("Resultater", "Nøgletal pr. måned mod målene (F6)", self.action_show_results)
            if self.may_read_audit_log():
                yield SystemCommand("Revisionsspor", "Hvem har set og ændret hvad (F7)", self.action_show_audit_log)
            yield SystemCommand("Synkronisering", "Status, synkronisér nu og konflikter (F9)", self.action_show_sync)
            yield SystemCommand("Skift adgangskode", "Skift din egen adgangskode", self.action_change_password)
            yield SystemCommand("Log ud", "Log ud, så en kollega kan logge ind (F12)", self.action_log_out)
            from aaben_raadgivning.security.permissions import load_permissions

            if load_permissions().may(self.staff.role, "purge_citizen"):
                yield SystemCommand("Slettefrist", "Borgere, hvis sag er afsluttet for længe siden (GDPR)",
                                    self.action_show_retention)  # fmt: skip
            if load_permissions().may(self.staff.role, "import_citizens"):
                from aaben_raadgivning.ui.screens.citizen_import import open_citizen_import

                yield SystemCommand("Importér borgere", "En sagsstamme fra en CSV- eller XLSX-fil (prøvekørsel først)",
                                    lambda: open_citizen_import(self))  # fmt: skip
        yield SystemCommand("Hjælp (F1)", "Taster og «Sådan gør du» for skærmen", lambda: self.show_help(screen))
        yield SystemCommand("Skift farvetema", "Vælg et andet farvetema", self.action_change_theme)
        yield SystemCommand("Afslut programmet", "Luk Åben Rådgivning (Ctrl+Q)", self.action_quit)


def _runner(screen: Screen, action: str):
    async def run() -> None:
        await screen.run_action(action)

    return run


def crash_message(log_file: Path | None, log_dir: Path) -> str:
    """What the user reads after an unexpected error. Every action commits in one transaction, so what was
    saved is kept and the action that failed is saved entirely or not at all."""
    if log_file is not None:
        where = f"Detaljerne (uden personoplysninger) er skrevet i logfilen {log_file}."
    else:
        where = f"Detaljerne kunne ikke skrives i logfilen i {log_dir}."
    return (
        "Der opstod en uventet fejl, og Åben Rådgivning er lukket.\n"
        "Alt, der var gemt, er bevaret. Det, der ikke var gemt, skal skrives igen; tjek også det, du var ved "
        "at gemme, da fejlen opstod.\n"
        f"{where} Send den gerne til den, der hjælper med programmet."
    )


def run_tui(data_dir: Path | None = None, demo: bool = False) -> int:
    """Run the app. Errors reading the settings stop it before start; database errors show in the app;
    an unexpected error ends it with a Danish message and EXIT_CRASH (details in the log file).

    The garbage collector is paused during start-up (imports create many long-lived objects and would
    trigger repeated full collections); it is frozen and re-enabled once the database is open.
    """
    gc.disable()
    from aaben_raadgivning.config import SettingsError
    from aaben_raadgivning.logs import configure_logging

    try:
        opener = RuntimeOpener.prepare(data_dir, demo=demo)
    except (SettingsError, OSError) as exc:
        gc.enable()
        print(f"Åben Rådgivning kunne ikke starte: {exc}", file=sys.stderr)
        return 1
    configure_logging(opener.paths.log_dir)
    log.info("TUI started on %s", opener.paths.data_dir)
    app = AabenApp(opener, owns_process=True)
    try:
        app.run()
    except Exception as exc:  # outside Textual's own handling (e.g. the terminal driver)
        log_dir = opener.paths.log_dir
        print(crash_message(write_crash_report(log_dir, exc), log_dir), file=sys.stderr)
        return EXIT_CRASH
    finally:
        gc.enable()  # also when start-up never finished
        if app._runtime is not None:
            app._runtime.close()
    if app.return_code == EXIT_CRASH:
        log.info("TUI stopped after an unexpected error")
        return EXIT_CRASH
    if app.runtime_error or app.office_key_wanted:  # closed on an error, or while the key was asked for
        print(app.runtime_error or f"Databasen er ikke åbnet: {app.office_key_wanted}", file=sys.stderr)
        return app.runtime_exit_code
    return 0


def _keep_office_key(key: OfficeKey, data_dir: Path) -> bool:
    """Keep a key the user has given: in the credential store (False where the computer has none), and as
    the folder's record when it has none yet (as «office init» and «office join» do)."""
    from aaben_raadgivning.security.key_store import read_record, store_in_keyring, write_record

    kept = store_in_keyring(key)
    if read_record(data_dir) is None:
        write_record(data_dir, key)
    return kept


def _exit_code_for(exc: BaseException) -> int:
    """The same exit codes as the command line: 6 damaged or missing database, 7 nothing can be written,
    9 no office key for the folder or a wrong one."""
    from aaben_raadgivning.security.key_store import OfficeKeyError
    from aaben_raadgivning.store.database_file import DatabaseFileError, DatabaseNotWritable

    if isinstance(exc, OfficeKeyError):
        return EXIT_OFFICE_KEY
    if isinstance(exc, DatabaseNotWritable):
        return 7
    if isinstance(exc, DatabaseFileError):
        return 6
    return 1

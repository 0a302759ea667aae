"""One start-up measurement, run as a fresh process by bench_startup.py (not meant to be run by hand).

    python benchmarks/_start_child.py bare OUT.json
    python benchmarks/_start_child.py app  OUT.json DATA_DIR
    python benchmarks/_start_child.py app-plain OUT.json PLAIN_DATA_DIR
    python benchmarks/_start_child.py cli  OUT.json DATA_DIR

``bare``: a Textual app with Header + Input + Footer, the baseline.
``app``:  ``aaben_raadgivning.ui.app.run_tui(DATA_DIR)``, what the console script runs: settings,
          database opened (migrations checked), ``AabenApp(…).run()``. On the encrypted dataset the key is
          found as the app finds it (the folder's office.json: the demo key).
``app-plain``: the same on the plain dataset, with ``RuntimeOpener.plain_for_benchmarks`` set (``prepare``
          is wrapped to set it): the baseline of the comparison encrypted / plain (issue 14).
``cli``:  ``aaben_raadgivning.cli.main(["--data-dir", DATA_DIR])``, the console script's entry point
          itself (argument parsing and whatever the cli package imports included).

``App.run`` is wrapped so every subject runs headless with the same auto-pilot: wait until the first
interactive screen is on top (the bare app's default screen; our LoginScreen), wait until the process
is idle, note the time, exit. The parent passes its wall-clock time from just before starting the
process in BENCH_T0, so the "…since_t0" times are measured from before the interpreter started.
The result is written when the screen is ready and again at the end (in case the program leaves
with os._exit).
"""

from __future__ import annotations

import time

T_SCRIPT = time.perf_counter()  # first line of our code: interpreter and site already started
T_SCRIPT_WALL = time.time()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _ms_since_script(t: float) -> float:
    return (t - T_SCRIPT) * 1000


def peak_rss_kb() -> int:
    """This process's own peak RSS in KiB: VmHWM, the high-water mark of its address space.

    Not ru_maxrss: Linux carries ru_maxrss over from the parent across fork/exec, so a child of a big
    parent (run_all.py right after generating the dataset) would report the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    subject, out = sys.argv[1], sys.argv[2]
    data_dir = sys.argv[3] if len(sys.argv) > 3 else None
    t0_wall = float(os.environ.get("BENCH_T0") or T_SCRIPT_WALL)
    marks: dict[str, float] = {}
    result: dict[str, object] = {"subject": subject, "marks_ms": marks}

    def since_t0() -> float:
        return (time.time() - t0_wall) * 1000

    def write() -> None:
        result["modules"] = len(sys.modules)
        result["peak_rss_kb"] = peak_rss_kb()
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(result, handle)

    def is_first_screen(app) -> bool:
        if subject == "bare":
            return True
        from aaben_raadgivning.ui.screens.login import LoginScreen

        return isinstance(app.screen, LoginScreen)

    async def auto_pilot(pilot) -> None:
        import asyncio

        app = pilot.app
        while not is_first_screen(app):
            await asyncio.sleep(0.001)
        # 1. The first screen is on top and it and its widgets have handled their pending messages.
        wait_for_screen = getattr(pilot, "_wait_for_screen", None)  # private in Textual 8; fall back politely
        if wait_for_screen is not None:
            await wait_for_screen()
        else:
            await asyncio.sleep(0)
        result["screen_since_t0_ms"] = since_t0()
        # 1b. Interactive: a key typed into the focused input is shown. The key is posted straight to the
        #     app (Pilot.press would also wait for the whole process to go idle), then we poll the input.
        from textual import events

        focused = app.focused
        if focused is not None and hasattr(focused, "value"):
            before = focused.value
            app.post_message(events.Key("x", "x"))
            while focused.value == before:
                await asyncio.sleep(0.0005)
            result["interactive_since_t0_ms"] = since_t0()
        # 2. …and the process is idle (Textual's test criterion: process CPU time, all threads, stops
        #    advancing). This is the headline "ready": work started at mount (the database opened in a
        #    worker thread) is included. pause() always sleeps ≥ 20 ms, for both subjects alike.
        await pilot.pause()
        result["since_t0_ms"] = since_t0()
        result["since_script_ms"] = _ms_since_script(time.perf_counter())
        result["peak_rss_kb_at_ready"] = peak_rss_kb()
        result["screen"] = type(app.screen).__name__
        # 3. Our app opens the database after showing the log-in screen; note when that has finished.
        runtime_ready = getattr(app, "runtime_ready", None)
        if runtime_ready is not None:
            await runtime_ready.wait()
            result["db_ready_since_t0_ms"] = since_t0()
            result["runtime_error"] = getattr(app, "runtime_error", None)
        write()
        app.exit()

    def patch_app_run() -> None:
        """Called after the subject's entry module is imported, so its imports run as they would for real."""
        from textual.app import App

        original_run = App.run

        def run(self, *args, **kwargs):
            marks["app_run_called"] = _ms_since_script(time.perf_counter())
            kwargs["headless"] = True
            kwargs["auto_pilot"] = auto_pilot
            try:
                return original_run(self, *args, **kwargs)
            finally:
                marks["app_run_returned"] = _ms_since_script(time.perf_counter())

        App.run = run  # type: ignore[method-assign]

    def timed(function, label):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                marks[label] = (time.perf_counter() - started) * 1000

        return wrapper

    def instrument_runtime() -> None:
        """Time opening the database, wherever it happens (run_tui does it in a worker thread)."""
        import aaben_raadgivning.runtime as runtime_module

        opener = getattr(runtime_module, "RuntimeOpener", None)
        if opener is not None and hasattr(opener, "open"):
            opener.open = timed(opener.open, "open_database_ms")
        if hasattr(runtime_module, "open_runtime"):
            runtime_module.open_runtime = timed(runtime_module.open_runtime, "open_runtime_ms")

    if subject == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Header, Input

        class BareApp(App):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Input(placeholder="Søg")
                yield Footer()

        marks["imported"] = _ms_since_script(time.perf_counter())
        patch_app_run()
        BareApp().run()
        code = 0
    elif subject == "app":
        from pathlib import Path

        from aaben_raadgivning.ui.app import run_tui

        marks["imported"] = _ms_since_script(time.perf_counter())
        patch_app_run()
        instrument_runtime()
        code = run_tui(Path(data_dir))
    elif subject == "app-plain":
        from pathlib import Path

        from aaben_raadgivning.runtime import RuntimeOpener
        from aaben_raadgivning.ui.app import run_tui

        original_prepare = RuntimeOpener.prepare.__func__

        def prepare_plain(cls, *args, **kwargs):
            opener = original_prepare(cls, *args, **kwargs)
            opener.plain_for_benchmarks = True
            return opener

        RuntimeOpener.prepare = classmethod(prepare_plain)  # type: ignore[method-assign,assignment]
        marks["imported"] = _ms_since_script(time.perf_counter())
        patch_app_run()
        instrument_runtime()
        code = run_tui(Path(data_dir))
    elif subject == "cli":
        from aaben_raadgivning.cli import main as cli_main

        marks["imported"] = _ms_since_script(time.perf_counter())
        patch_app_run()
        instrument_runtime()
        code = cli_main(["--data-dir", data_dir])
    else:
        raise SystemExit(f"unknown subject {subject!r}")

    marks["main_done"] = _ms_since_script(time.perf_counter())
    result["main_done_since_t0_ms"] = since_t0()
    result["exit_code"] = code
    write()
    return 0 if code in (0, None) and "since_t0_ms" in result else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""One start-up measurement, run as a fresh process by bench_startup.py (not meant to be run by hand).

    python benchmarks/_start_child.py bare OUT.json
    python benchmarks/_start_child.py app  OUT.json DATA_DIR
    python benchmarks/_start_child.py cli  OUT.json DATA_DIR

``bare``: a Textual app with Header + Input + Footer, the baseline.
``app``:  ``aaben_raadgivning.ui.app.run_tui(DATA_DIR)``: open_runtime (settings, migrations check,
          database open) then ``AabenApp(runtime).run()``, exactly what the console script runs.
``cli``:  ``aaben_raadgivning.cli.main(["--data-dir", DATA_DIR])``, the console script's entry point
          (only once cli.py exists).

``App.run`` is wrapped so every subject runs headless with the same auto-pilot: wait until the first
interactive screen is on top (the bare app's default screen; our LoginScreen) and the app is idle,
note the time, exit. The parent passes its wall-clock time from just before starting the process in
BENCH_T0, so "ready" here is measured from before the interpreter started.
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


def main() -> int:
    subject, out = sys.argv[1], sys.argv[2]
    data_dir = sys.argv[3] if len(sys.argv) > 3 else None
    t0_wall = float(os.environ.get("BENCH_T0", T_SCRIPT_WALL))
    marks: dict[str, float] = {}
    ready: dict[str, float] = {}

    from textual.app import App

    marks["textual_imported"] = _ms_since_script(time.perf_counter())

    def is_first_screen(app: App) -> bool:
        if subject == "bare":
            return True
        from aaben_raadgivning.ui.screens.login import LoginScreen

        return isinstance(app.screen, LoginScreen)

    async def auto_pilot(pilot) -> None:
        while not is_first_screen(pilot.app):
            await pilot.pause()
        await pilot.pause()  # the screen is mounted, laid out and the app is idle
        now_perf, now_wall = time.perf_counter(), time.time()
        ready["since_script_ms"] = _ms_since_script(now_perf)
        ready["since_t0_ms"] = (now_wall - t0_wall) * 1000
        ready["maxrss_kb_at_ready"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ready["screen"] = type(pilot.app.screen).__name__
        pilot.app.exit()

    original_run = App.run

    def run(self, *args, **kwargs):
        marks["app_run_called"] = _ms_since_script(time.perf_counter())
        kwargs["headless"] = True
        kwargs["auto_pilot"] = auto_pilot
        return original_run(self, *args, **kwargs)

    App.run = run  # type: ignore[method-assign]

    if subject == "bare":
        from textual.app import ComposeResult
        from textual.widgets import Footer, Header, Input

        class BareApp(App):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Input(placeholder="Søg")
                yield Footer()

        marks["imported"] = _ms_since_script(time.perf_counter())
        BareApp().run()
        code = 0
    elif subject == "app":
        from pathlib import Path

        import aaben_raadgivning.runtime as runtime_module
        from aaben_raadgivning.ui.app import run_tui

        marks["imported"] = _ms_since_script(time.perf_counter())
        original_open = runtime_module.open_runtime

        def open_runtime(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original_open(*args, **kwargs)
            finally:
                marks["open_runtime_ms"] = (time.perf_counter() - started) * 1000

        runtime_module.open_runtime = open_runtime  # run_tui imports it from the module at call time
        code = run_tui(Path(data_dir))
    elif subject == "cli":
        from aaben_raadgivning.cli import main as cli_main

        marks["imported"] = _ms_since_script(time.perf_counter())
        code = cli_main(["--data-dir", data_dir])
    else:
        raise SystemExit(f"unknown subject {subject!r}")

    result = {
        "subject": subject,
        "exit_code": code,
        "marks_ms": marks,
        **ready,
        "maxrss_kb_at_exit": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "modules": len(sys.modules),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0 if code in (0, None) and ready else 1


if __name__ == "__main__":
    raise SystemExit(main())

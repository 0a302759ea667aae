"""Target 2: time from process start to the first interactive screen, as a ratio to a bare Textual app.

    PYTHONPATH=src python benchmarks/bench_startup.py [--runs 9] [--data-dir DIR] [--cli]

Each run is a fresh ``python benchmarks/_start_child.py SUBJECT …`` process, headless, with an
auto-pilot that exits as soon as the first screen is up and the app is idle (see _start_child.py).
Subjects alternate run by run (bare, app, bare, app, …) after one untimed warm-up run each (which
compiles .pyc files and pulls the database into the page cache), so machine noise hits both alike.

Per run we record:
  interactive  from before fork/exec until a key typed into the first screen's focused input is shown:
            the first screen is up and answering the keyboard (the headline figure)
  wall      time around the child process, from before fork/exec to its exit
  ready     from before fork/exec until the first screen was shown and the whole process idle (for our
            app this includes opening the database in its worker thread, which the user never waits for)
  in-proc   from the child's first line of code to ready (leaves out interpreter start-up)
  maxrss    the child's own peak resident set size, VmHWM (used by bench_memory.py)
The target is median(interactive, app) / median(interactive, bare) ≤ 1.5; wall and ready are reported too.

Encryption (issue 14): ``app`` runs on the encrypted dataset (demo key, found as the app finds it);
``app-plain`` runs the same app on the plain dataset with ``RuntimeOpener.plain_for_benchmarks`` set, in the
same alternation. Target: median(interactive, app) / median(interactive, app-plain) ≤ 1.3.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    BENCH_DIR,
    ENCRYPTION_TARGET_RATIO,
    child_env,
    encryption_row,
    encryption_table,
    median,
    save_results,
    spread,
    table,
)

CHILD = BENCH_DIR / "_start_child.py"
TARGET_RATIO = 1.5
TIMEOUT_SECONDS = 120


class ChildFailed(RuntimeError):
    pass


def run_child(subject: str, data_dir: Path | None, env: dict[str, str]) -> dict:
    """Start one child (subject: bare, app or cli), wait for it, return its figures (ms; maxrss in KiB)."""
    with tempfile.TemporaryDirectory(prefix="aaben-bench-") as tmp:
        out = Path(tmp) / "result.json"
        err_path = Path(tmp) / "stderr.txt"
        argv = [sys.executable, str(CHILD), subject, str(out)]
        if data_dir is not None:
            argv.append(str(data_dir))
        with open(err_path, "wb") as err:
            env = {**env, "BENCH_T0": ""}
            t0_wall = time.time()
            env["BENCH_T0"] = repr(t0_wall)
            t0 = time.perf_counter()
            process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
            killer = threading.Timer(TIMEOUT_SECONDS, process.kill)
            killer.start()
            try:
                _pid, status, usage = os.wait4(process.pid, 0)
            finally:
                killer.cancel()
            wall_ms = (time.perf_counter() - t0) * 1000
            process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0 or not out.exists():
            raise ChildFailed(
                f"{subject} run failed (exit {process.returncode}):\n{err_path.read_text(errors='replace')[-3000:]}"
            )
        result = json.loads(out.read_text(encoding="utf-8"))
    if "since_t0_ms" not in result:
        raise ChildFailed(f"{subject} run never reached its first screen: {result}")
    nan = float("nan")
    result["wall_ms"] = wall_ms
    result["ready_ms"] = result.pop("since_t0_ms")
    result["screen_ms"] = result.pop("screen_since_t0_ms")
    result["interactive_ms"] = result.pop("interactive_since_t0_ms", nan)
    result["db_ready_ms"] = result.pop("db_ready_since_t0_ms", nan)
    result["inproc_ms"] = result.pop("since_script_ms")
    marks = result["marks_ms"]
    # After the first screen: App.exit → run() returns → database closed → main() returns …
    result["exit_ms"] = marks["main_done"] - result["inproc_ms"] if "main_done" in marks else nan
    # … then the interpreter shuts down (module teardown, garbage collection, joining threads).
    result["teardown_ms"] = wall_ms - result["main_done_since_t0_ms"] if "main_done_since_t0_ms" in result else nan
    # The child's own peak RSS (VmHWM, KiB), last read as it finished. os.wait4's ru_maxrss is kept too,
    # but Linux carries that over from the parent at fork/exec, so it is only an upper bound.
    result["maxrss_kb"] = result.pop("peak_rss_kb")
    result["maxrss_kb_at_ready"] = result.pop("peak_rss_kb_at_ready")
    result["wait4_maxrss_kb"] = usage.ru_maxrss
    result["cpu_ms"] = (usage.ru_utime + usage.ru_stime) * 1000
    return result


SUBJECTS = ("bare", "app", "app-plain")
PLAIN = "app-plain"


def subject_specs(subjects: tuple[str, ...] = SUBJECTS, variants: dict[str, Path] | None = None) -> dict:
    """name → (child kind, PYTHONPATH override or None). Variants run the app from another copy of src/."""
    specs: dict[str, tuple[str, str | None]] = {name: (name, None) for name in subjects}
    for name, src in (variants or {}).items():
        specs[name] = ("app", str(Path(src).resolve()))
    return specs


def collect(
    data_dir: Path,
    runs: int = 9,
    subjects: tuple[str, ...] = SUBJECTS,
    verbose: bool = True,
    variants: dict[str, Path] | None = None,
    plain_dir: Path | None = None,
) -> dict:
    """Warm up each subject once, then ``runs`` alternating runs of each. Returns subject → list of runs.
    ``data_dir``: the (encrypted) dataset; ``plain_dir``: the plain one, for ``app-plain``."""
    if PLAIN in subjects and plain_dir is None:
        raise ValueError("app-plain needs the plain dataset (plain_dir)")

    def folder(kind: str) -> Path | None:
        return None if kind == "bare" else plain_dir if kind == PLAIN else data_dir

    base_env = child_env()
    specs = subject_specs(subjects, variants)
    envs = {}
    for name, (_kind, src) in specs.items():
        env = dict(base_env)
        if src is not None:
            env["PYTHONPATH"] = os.pathsep.join([src, *[p for p in base_env.get("PYTHONPATH", "").split(os.pathsep)
                                                        if p and Path(p).resolve() != Path(src)]])  # fmt: skip
        envs[name] = env
    for name, (kind, _src) in specs.items():  # untimed: .pyc compilation, page cache
        run_child(kind, folder(kind), envs[name])
    samples: dict[str, list[dict]] = {name: [] for name in specs}
    for index in range(runs):
        for name, (kind, _src) in specs.items():
            samples[name].append(run_child(kind, folder(kind), envs[name]))
        if verbose:
            line = "  ".join(f"{name} {samples[name][-1]['wall_ms']:.0f} ms" for name in specs)
            print(f"  run {index + 1}/{runs}: {line}", flush=True)
    return samples


def summarize(samples: dict[str, list[dict]], baseline: str = "bare") -> dict:
    summary: dict[str, dict] = {}
    base = samples[baseline]

    def med(runs: list[dict], key: str) -> float:
        return median([r[key] for r in runs])

    for subject, runs in samples.items():
        entry = {
            "runs": len(runs),
            "wall_range": spread([r["wall_ms"] for r in runs]),
            "maxrss_mb": med(runs, "maxrss_kb") / 1024,
            "maxrss_at_ready_mb": med(runs, "maxrss_kb_at_ready") / 1024,
            "modules": med(runs, "modules"),
            "imported_ms": median([r["marks_ms"].get("imported", math.nan) for r in runs]),
            "open_database_ms": median(
                [r["marks_ms"].get("open_database_ms", r["marks_ms"].get("open_runtime_ms", math.nan)) for r in runs]
            ),
        }
        for key in ("interactive_ms", "wall_ms", "ready_ms", "screen_ms", "db_ready_ms", "inproc_ms", "exit_ms",
                    "teardown_ms", "cpu_ms"):  # fmt: skip
            entry[key] = med(runs, key)
        if subject != baseline:
            for key in ("interactive_ms", "wall_ms", "ready_ms", "screen_ms", "inproc_ms", "cpu_ms"):
                entry[key.replace("_ms", "_ratio")] = entry[key] / summary[baseline][key]
            # The same ratios taken pair by pair (run i of each), then the median: robust to drifts in load.
            for key in ("interactive_ms", "wall_ms"):
                entry[key.replace("_ms", "_ratio_paired")] = median(
                    [a[key] / b[key] for a, b in zip(runs, base, strict=True)]
                )
            entry["pass"] = entry["interactive_ratio"] <= TARGET_RATIO
        summary[subject] = entry
    if "app" in samples and PLAIN in samples:
        summary["encryption"] = encryption(samples)
    return summary


def encryption(samples: dict[str, list[dict]]) -> dict:
    """app (encrypted) against app-plain, run by run in the same alternation (issue 14)."""
    enc, plain = samples["app"], samples[PLAIN]
    result = {}
    for key in ("interactive_ms", "db_ready_ms", "wall_ms", "ready_ms"):
        row = encryption_row(key, median([r[key] for r in enc]), median([r[key] for r in plain]), "ms", 0)
        row["paired"] = median([a[key] / b[key] for a, b in zip(enc, plain, strict=True)])
        result[key.removesuffix("_ms")] = row
    result["open_database"] = encryption_row(
        "open_database_ms",
        median([r["marks_ms"].get("open_database_ms", math.nan) for r in enc]),
        median([r["marks_ms"].get("open_database_ms", math.nan) for r in plain]),
        "ms",
        0,
    )
    result["pass"] = result["interactive"]["pass"]
    return result


def _f(value: float, digits: int = 0) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def report(summary: dict) -> str:
    timing = table(
        ["subject", "runs", "interactive ms", "wall ms", "range", "screen ms", "ready ms", "db ready ms", "in-proc ms",
         "cpu ms", "maxrss MB"],
        [[subject, s["runs"], _f(s["interactive_ms"]), _f(s["wall_ms"]), s["wall_range"], _f(s["screen_ms"]), _f(s["ready_ms"]),
          _f(s["db_ready_ms"]), _f(s["inproc_ms"]), _f(s["cpu_ms"]), _f(s["maxrss_mb"], 1)]
         for subject, s in summary.items() if subject != "encryption"],
    )  # fmt: skip
    ratios = table(
        ["subject", "interactive ratio", "paired", "wall ratio", "paired wall ratio", "screen ratio", "ready ratio",
         "in-proc ratio", "cpu ratio"],
        [[subject, _f(s["interactive_ratio"], 2), _f(s["interactive_ratio_paired"], 2), _f(s["wall_ratio"], 2),
          _f(s["wall_ratio_paired"], 2), _f(s["screen_ratio"], 2),
          _f(s["ready_ratio"], 2), _f(s["inproc_ratio"], 2), _f(s["cpu_ratio"], 2)]
         for subject, s in summary.items() if "wall_ratio" in s],
    )  # fmt: skip
    phases = table(
        ["subject", "imports ms", "open database ms", "exit ms", "teardown ms", "modules"],
        [[subject, _f(s["imported_ms"]), _f(s["open_database_ms"]), _f(s["exit_ms"]), _f(s["teardown_ms"]),
          _f(s["modules"])]
         for subject, s in summary.items() if subject != "encryption"],
    )  # fmt: skip
    legend = (
        "interactive: process start→a typed key shown in the first screen; wall: process start→exit (parent's clock); screen: →first screen mounted; ready: →first screen and idle;\n"
        "db ready: →database open (app.runtime_ready); in-proc: child's first line→ready; imports: first line→"
        "entry point imported;\nexit: ready→main() returned; teardown: main() returned→process gone. Medians."
    )
    parts = [timing, ratios, phases, legend]
    if "encryption" in summary:
        enc = summary["encryption"]
        parts.append(
            table(
                ["app / app-plain (encrypted / plain)", "app ms", "app-plain ms", "ratio", "paired"],
                [
                    [
                        name,
                        _f(row["encrypted"]),
                        _f(row["plain"]),
                        _f(row["ratio"], 2),
                        _f(row.get("paired", math.nan), 2),
                    ]
                    for name, row in enc.items()
                    if isinstance(row, dict)
                ],
            )  # fmt: skip
            + f"\nTarget: interactive ≤ {ENCRYPTION_TARGET_RATIO:g} × app-plain"
        )
    return "\n\n".join(parts)


def encryption_rows(summary: dict) -> list[dict]:
    """The start-up row of the comparison table (run_all.py)."""
    enc = summary["encryption"]["interactive"]
    return [{**enc, "what": "Start → første interaktive skærm", "note": f"parvis {enc['paired']:.2f}"}]


def main(argv: list[str] | None = None) -> int:
    from generate import ensure_dataset

    parser = argparse.ArgumentParser(description="Start-up time to the first screen vs a bare Textual app.")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--data-dir", type=Path, help="an app data dir; default: the cached 100 000-citizen set")
    parser.add_argument(
        "--plain-data-dir", type=Path, help="a plain data dir for app-plain; default: the cached plain set"
    )
    parser.add_argument("--cli", action="store_true", help="also time the console script's entry point (cli.main)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=SRC_DIR",
        help="also time the app from another copy of src/ (e.g. with a fix applied), in the same alternation",
    )
    args = parser.parse_args(argv)
    data_dir = args.data_dir or ensure_dataset()[0]
    plain_dir = args.plain_data_dir or (None if args.data_dir else ensure_dataset(encrypted=False, quiet=True)[0])
    subjects = ("bare", "app") + ((PLAIN,) if plain_dir else ()) + (("cli",) if args.cli else ())
    variants = dict(item.split("=", 1) for item in args.variant)
    names = [*subjects, *variants]
    print(f"Start-up on {data_dir}: {args.runs} alternating runs of {', '.join(names)}")
    samples = collect(data_dir, args.runs, subjects, variants=variants, plain_dir=plain_dir)
    summary = summarize(samples)
    print(report(summary))
    if "encryption" in summary:
        print()
        print(encryption_table(encryption_rows(summary)))
    app = summary["app"]
    verdict = "PASS" if app["pass"] else "FAIL"
    print(
        f"\nTarget ≤ {TARGET_RATIO}: app/bare to the first interactive screen = {app['interactive_ratio']:.2f} "
        f"(paired {app['interactive_ratio_paired']:.2f}) {verdict}; to process exit {app['wall_ratio']:.2f}"
    )
    save_results("startup", {"data_dir": str(data_dir), "summary": summary, "samples": samples})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

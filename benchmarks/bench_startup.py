"""Target 2: time from process start to the first interactive screen, as a ratio to a bare Textual app.

    PYTHONPATH=src python benchmarks/bench_startup.py [--runs 9] [--data-dir DIR] [--cli]

Each run is a fresh ``python benchmarks/_start_child.py SUBJECT …`` process, headless, with an
auto-pilot that exits as soon as the first screen is up and the app is idle (see _start_child.py).
Subjects alternate run by run (bare, app, bare, app, …) after one untimed warm-up run each (which
compiles .pyc files and pulls the database into the page cache), so machine noise hits both alike.

Per run we record:
  wall      time around the child process, from before fork/exec to its exit (the headline figure)
  ready     from before fork/exec until the first screen was shown and idle (child's clock vs BENCH_T0)
  in-proc   from the child's first line of code to ready (leaves out interpreter start-up)
  maxrss    the child's peak resident set size (os.wait4 rusage; used by bench_memory.py)
The target is median(wall, app) / median(wall, bare) ≤ 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR, child_env, median, save_results, spread, table  # noqa: E402

CHILD = BENCH_DIR / "_start_child.py"
TARGET_RATIO = 1.5
TIMEOUT_SECONDS = 120


class ChildFailed(RuntimeError):
    pass


def run_child(subject: str, data_dir: Path | None, env: dict[str, str]) -> dict:
    """Start one child, wait for it, return its figures (times in ms, maxrss in KiB)."""
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
    result["wall_ms"] = wall_ms
    result["ready_ms"] = result.pop("since_t0_ms")
    result["inproc_ms"] = result.pop("since_script_ms")
    result["maxrss_kb"] = usage.ru_maxrss  # KiB on Linux: the child's peak over its whole life
    result["user_s"] = usage.ru_utime
    result["sys_s"] = usage.ru_stime
    return result


def collect(data_dir: Path, runs: int = 9, subjects: tuple[str, ...] = ("bare", "app"), verbose: bool = True) -> dict:
    """Warm up each subject once, then ``runs`` alternating runs of each. Returns subject → list of runs."""
    env = child_env()
    for subject in subjects:  # untimed: .pyc compilation, page cache
        run_child(subject, None if subject == "bare" else data_dir, env)
    samples: dict[str, list[dict]] = {subject: [] for subject in subjects}
    for index in range(runs):
        for subject in subjects:
            result = run_child(subject, None if subject == "bare" else data_dir, env)
            samples[subject].append(result)
        if verbose:
            line = "  ".join(f"{s} {samples[s][-1]['wall_ms']:.0f} ms" for s in subjects)
            print(f"  run {index + 1}/{runs}: {line}", flush=True)
    return samples


def summarize(samples: dict[str, list[dict]], baseline: str = "bare") -> dict:
    summary: dict[str, dict] = {}
    base = samples[baseline]
    for subject, runs in samples.items():
        entry = {
            "runs": len(runs),
            "wall_ms": median([r["wall_ms"] for r in runs]),
            "wall_range": spread([r["wall_ms"] for r in runs]),
            "ready_ms": median([r["ready_ms"] for r in runs]),
            "inproc_ms": median([r["inproc_ms"] for r in runs]),
            "maxrss_mb": median([r["maxrss_kb"] for r in runs]) / 1024,
            "maxrss_at_ready_mb": median([r["maxrss_kb_at_ready"] for r in runs]) / 1024,
            "cpu_s": median([r["user_s"] + r["sys_s"] for r in runs]),
            "modules": median([r["modules"] for r in runs]),
            "open_runtime_ms": median([r["marks_ms"].get("open_runtime_ms", 0.0) for r in runs]),
            "imported_ms": median([r["marks_ms"].get("imported", 0.0) for r in runs]),
        }
        if subject != baseline:
            entry["wall_ratio"] = entry["wall_ms"] / summary[baseline]["wall_ms"]
            entry["ready_ratio"] = entry["ready_ms"] / summary[baseline]["ready_ms"]
            entry["inproc_ratio"] = entry["inproc_ms"] / summary[baseline]["inproc_ms"]
            # The same ratio taken pair by pair (run i of each), then the median: robust to drifts in load.
            entry["wall_ratio_paired"] = median([a["wall_ms"] / b["wall_ms"] for a, b in zip(runs, base, strict=True)])
            entry["pass"] = entry["wall_ratio"] <= TARGET_RATIO
        summary[subject] = entry
    return summary


def report(summary: dict) -> str:
    rows = []
    for subject, s in summary.items():
        rows.append(
            [
                subject,
                s["runs"],
                f"{s['wall_ms']:.0f}",
                s["wall_range"],
                f"{s['ready_ms']:.0f}",
                f"{s['inproc_ms']:.0f}",
                f"{s['imported_ms']:.0f}",
                f"{s['open_runtime_ms']:.0f}" if s["open_runtime_ms"] else "-",
                f"{s['maxrss_mb']:.1f}",
                f"{s.get('wall_ratio', 1.0):.2f}",
                f"{s['wall_ratio_paired']:.2f}" if "wall_ratio_paired" in s else "-",
            ]
        )
    headers = [
        "subject", "runs", "wall ms", "range", "ready ms", "in-proc ms", "imports ms", "open_runtime ms",
        "maxrss MB", "ratio", "paired ratio",
    ]  # fmt: skip
    return table(headers, rows)


def main(argv: list[str] | None = None) -> int:
    from generate import ensure_dataset

    parser = argparse.ArgumentParser(description="Start-up time to the first screen vs a bare Textual app.")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--data-dir", type=Path, help="an app data dir; default: the cached 100 000-citizen set")
    parser.add_argument("--cli", action="store_true", help="also time the console script's entry point (cli.main)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or ensure_dataset()[0]
    subjects = ("bare", "app", "cli") if args.cli else ("bare", "app")
    print(f"Start-up on {data_dir}: {args.runs} alternating runs of {', '.join(subjects)}")
    samples = collect(data_dir, args.runs, subjects)
    summary = summarize(samples)
    print(report(summary))
    app = summary["app"]
    verdict = "PASS" if app["pass"] else "FAIL"
    print(f"\nTarget ≤ {TARGET_RATIO}: app/bare = {app['wall_ratio']:.2f} (paired {app['wall_ratio_paired']:.2f}) {verdict}")
    save_results("startup", {"data_dir": str(data_dir), "summary": summary, "samples": samples})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

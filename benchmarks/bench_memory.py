"""Target 4: peak memory at start on the 100 000-citizen database, ≤ 100 MB.

    PYTHONPATH=src python benchmarks/bench_memory.py [--runs 7] [--data-dir DIR]

The figure is the child process's own peak resident set size (VmHWM from /proc/self/status, read as it
finishes: the kernel's high-water mark for its address space, all threads included) of the same
start-up children bench_startup.py runs: start, show the log-in screen, open the database, wait until
idle, exit. The bare Textual app is measured in the same alternation for comparison. MB here is MiB.

ru_maxrss from os.wait4 is shown too, but on Linux a child's ru_maxrss starts from its parent's RSS at
fork/exec (the kernel keeps the old address space's high-water mark across exec), so it reads high
whenever the parent is bigger than the child, e.g. run_all.py just after generating the dataset
(~110 MB). With a small parent the two agree to within a few MB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median, save_results, table

TARGET_MB = 100.0


def summarize(samples: dict[str, list[dict]], baseline: str = "bare") -> dict:
    result = {}
    for subject, runs in samples.items():
        peaks = [r["maxrss_kb"] / 1024 for r in runs]
        result[subject] = {
            "runs": len(runs),
            "peak_mb": median(peaks),
            "peak_min_mb": min(peaks),
            "peak_max_mb": max(peaks),
            "at_ready_mb": median([r["maxrss_kb_at_ready"] / 1024 for r in runs]),
            "wait4_maxrss_mb": median([r["wait4_maxrss_kb"] / 1024 for r in runs]),
        }
    for subject, entry in result.items():
        entry["ratio"] = entry["peak_mb"] / result[baseline]["peak_mb"]
        entry["extra_mb"] = entry["peak_mb"] - result[baseline]["peak_mb"]
        if subject != baseline:
            entry["pass"] = entry["peak_mb"] <= TARGET_MB
    return result


def report(summary: dict) -> str:
    return table(
        ["subject", "runs", "peak MB (median)", "min–max", "peak at first screen MB", "vs bare",
         "wait4 ru_maxrss MB"],
        [[subject, s["runs"], f"{s['peak_mb']:.1f}", f"{s['peak_min_mb']:.1f}–{s['peak_max_mb']:.1f}",
          f"{s['at_ready_mb']:.1f}", f"{s['ratio']:.2f}x (+{s['extra_mb']:.1f} MB)", f"{s['wait4_maxrss_mb']:.1f}"]
         for subject, s in summary.items()],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench_startup import collect
    from generate import ensure_dataset

    parser = argparse.ArgumentParser(description="Peak memory at start.")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="an app data dir; default: the cached 100 000-citizen set")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or ensure_dataset()[0]
    plain_dir = None if args.data_dir else ensure_dataset(encrypted=False, quiet=True)[0]
    subjects = ("bare", "app", "app-plain") if plain_dir else ("bare", "app")
    print(f"Peak memory at start on {data_dir}: {args.runs} alternating runs of {', '.join(subjects)}")
    summary = summarize(collect(data_dir, args.runs, subjects, plain_dir=plain_dir))
    print(report(summary))
    app = summary["app"]
    verdict = "PASS" if app["pass"] else "FAIL"
    print(f"\nTarget ≤ {TARGET_MB:g} MB: {app['peak_mb']:.1f} MB {verdict}")
    save_results("memory", {"data_dir": str(data_dir), "summary": summary})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

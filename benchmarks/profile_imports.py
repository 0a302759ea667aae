"""Where does the app's start-up import time go, beyond what a bare Textual app imports?

    PYTHONPATH=src python benchmarks/profile_imports.py [--runs 5] [--data-dir DIR] [--subject app|cli]

Runs the start-up children of bench_startup.py with ``python -X importtime`` (bare and app alternately),
keeps the modules only the app imports, and sums their self times per top-level package (median over
runs). A helper for finding start-up regressions, not a target; -X importtime itself adds overhead.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR, child_env, median, table

CHILD = BENCH_DIR / "_start_child.py"


def import_times(subject: str, data_dir: Path | None, env: dict[str, str]) -> dict[str, float]:
    """module → self import time in ms, from one run."""
    with tempfile.TemporaryDirectory(prefix="aaben-bench-") as tmp:
        argv = [sys.executable, "-X", "importtime", str(CHILD), subject, str(Path(tmp) / "out.json")]
        if data_dir is not None:
            argv.append(str(data_dir))
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=True)  # fmt: skip
    times: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|")
        times[name.strip()] = times.get(name.strip(), 0.0) + int(self_us) / 1000
    return times


def main(argv: list[str] | None = None) -> int:
    from generate import ensure_dataset

    parser = argparse.ArgumentParser(description="Import time the app adds over a bare Textual app.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--subject", choices=("app", "cli"), default="app")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or ensure_dataset(quiet=True)[0]
    env = child_env()
    bare_runs, app_runs = [], []
    for _ in range(args.runs):
        bare_runs.append(import_times("bare", None, env))
        app_runs.append(import_times(args.subject, data_dir, env))
    bare_modules = set().union(*bare_runs)
    per_package: dict[str, list[float]] = defaultdict(list)
    per_module: dict[str, list[float]] = defaultdict(list)
    totals = []
    for run in app_runs:
        sums: dict[str, float] = defaultdict(float)
        for module, ms in run.items():
            if module in bare_modules:
                continue
            sums[module.split(".")[0]] += ms
            per_module[module].append(ms)
        for package, ms in sums.items():
            per_package[package].append(ms)
        totals.append(sum(sums.values()))
    print(f"Modules only the {args.subject} imports: {len(set().union(*app_runs) - bare_modules)}; "
          f"their self import time, median of {args.runs} runs: {median(totals):.0f} ms "
          f"(under -X importtime, and partly in a worker thread)\n")  # fmt: skip
    rows = sorted(((p, median(v)) for p, v in per_package.items()), key=lambda item: -item[1])[: args.top]
    print(table(["top-level package", "self ms"], [[p, f"{ms:.1f}"] for p, ms in rows]))
    print()
    rows = sorted(((m, median(v)) for m, v in per_module.items()), key=lambda item: -item[1])[: args.top]
    print(table(["module", "self ms"], [[m, f"{ms:.1f}"] for m, ms in rows]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

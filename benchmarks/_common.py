"""Shared helpers for the benchmarks: paths, making the package importable, statistics, tables.

Nothing here imports the app; the benchmark scripts import it after ``ensure_importable()``.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
SRC_DIR = REPO_DIR / "src"
DATA_ROOT = BENCH_DIR / ".data"  # git-ignored (see /.gitignore)
RESULTS_FILE = DATA_ROOT / "latest-results.json"

# The load-test size from the issue "Foundation and the walk-in counter".
CITIZENS = 100_000
EVENTS_PER_CITIZEN = 10
DAYS = 120
SEED = 1


def dataset_dir(citizens: int = CITIZENS, events_per_citizen: float = EVENTS_PER_CITIZEN) -> Path:
    """The --data-dir of a cached benchmark dataset (database + settings.toml, as the app lays them out)."""
    return DATA_ROOT / f"demo-{citizens}c-{events_per_citizen:g}e"


def ensure_importable() -> None:
    """Let `python benchmarks/x.py` work without PYTHONPATH=src when the package is not installed."""
    try:
        import aaben_raadgivning
    except ImportError:
        sys.path.insert(0, str(SRC_DIR))
        import aaben_raadgivning  # noqa: F401


def child_env() -> dict[str, str]:
    """Environment for child processes: same as ours, with the package importable the same way."""
    ensure_importable()
    import aaben_raadgivning

    env = dict(os.environ)
    package_parent = str(Path(aaben_raadgivning.__file__).resolve().parent.parent)
    if "site-packages" not in package_parent and "dist-packages" not in package_parent:
        parts = [package_parent, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    # Nothing that would make Textual do extra work (devtools, screenshots, key presses) in the children.
    for key in ("TEXTUAL", "TEXTUAL_SCREENSHOT", "TEXTUAL_PRESS", "TEXTUAL_DEBUG", "TEXTUAL_LOG"):
        env.pop(key, None)
    return env


# --- statistics --------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (same as numpy's default), pct in 0..100."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Sequence[float]) -> str:
    """'min–max' for showing noise next to a median."""
    if not values:
        return "-"
    return f"{min(values):.0f}–{max(values):.0f}"


# --- output ------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def save_results(section: str, payload: dict) -> None:
    """Merge one benchmark's figures into benchmarks/.data/latest-results.json."""
    DATA_ROOT.mkdir(parents=True, exist_ok=True)
    data = {}
    if RESULTS_FILE.exists():
        try:
            data = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    data[section] = payload
    RESULTS_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"

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


# Issue 14: every benchmark runs on SQLCipher-encrypted databases (the public demo key: the datasets are demo
# data); the comparison "Kryptering: krypteret / ukrypteret" also runs each one on a plain copy, which must
# stay within this factor of it.
ENCRYPTED_SUFFIX = "-encrypted"
ENCRYPTION_TARGET_RATIO = 1.3


def dataset_dir(
    citizens: int = CITIZENS, events_per_citizen: float = EVENTS_PER_CITIZEN, *, encrypted: bool = False
) -> Path:
    """The --data-dir of a cached benchmark dataset (database + settings.toml, as the app lays them out).
    The plain dataset is generated; the encrypted one is converted from it (generate.py)."""
    return DATA_ROOT / f"demo-{citizens}c-{events_per_citizen:g}e{ENCRYPTED_SUFFIX if encrypted else ''}"


def bench_key(encrypted: bool = True):
    """The office key a benchmark database is opened with: the public demo key, or None (plain baseline)."""
    ensure_importable()
    from aaben_raadgivning.security.office_key import OfficeKey

    return OfficeKey.demo() if encrypted else None


def raw_key(office_key) -> bytes | None:
    """SQLCipher's raw key for a laptop database under ``office_key`` (None = plain)."""
    return office_key.database_key if office_key is not None else None


def connect(path: Path | str, office_key, **kwargs: object):
    """A driver connection (sqlcipher3, as the app's) to a laptop database under ``office_key`` (None = plain).
    Not ``sqlite3``: it cannot read an encrypted file."""
    ensure_importable()
    from aaben_raadgivning.store import sqlite_driver

    return sqlite_driver.connect(path, raw_key(office_key), **kwargs)


def copy_database(source: Path, target: Path, office_key, pages: int = 65536) -> None:
    """A consistent copy of a laptop database (SQLite's backup API), keyed like the source."""
    from contextlib import closing

    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(connect(source, office_key)) as src, closing(connect(target, office_key)) as dst:
        src.backup(dst, pages=pages)


def variant_name(encrypted: bool) -> str:
    return "encrypted" if encrypted else "plain"


def bench_viewer(db, staff_id: str | None = None):
    """Who reads, as the screens pass it: a logged-in jobkonsulent (reads every scope without a consent), or
    the staff member ``staff_id``."""
    ensure_importable()
    from sqlalchemy import select

    from aaben_raadgivning.store.models import Staff
    from aaben_raadgivning.store.queries.viewer import Viewer

    with db.session() as session:
        if staff_id is not None:
            staff = session.get(Staff, staff_id)
        else:
            staff = session.scalars(select(Staff).where(Staff.role == "jobkonsulent").order_by(Staff.initials)).first()
        if staff is None:
            raise RuntimeError("no jobkonsulent in the benchmark database")
        return Viewer.of(staff)


def open_bench_runtime(data_dir: Path, *, plain: bool = False):
    """``open_runtime`` on a benchmark data folder: the key found as the app finds it (the encrypted dataset's
    office.json says demo key), or, with ``plain``, the plain database (``RuntimeOpener.plain_for_benchmarks``)."""
    ensure_importable()
    from aaben_raadgivning.runtime import RuntimeOpener

    opener = RuntimeOpener.prepare(data_dir)
    opener.plain_for_benchmarks = plain
    return opener.open()


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


def encryption_row(what: str, encrypted: float, plain: float, unit: str, digits: int = 1) -> dict:
    """One row of the comparison "Kryptering: krypteret / ukrypteret": both figures (lower is better) and the
    ratio encrypted / plain, which must be ≤ ENCRYPTION_TARGET_RATIO."""
    ratio = encrypted / plain if plain else math.nan
    return {
        "what": what,
        "encrypted": encrypted,
        "plain": plain,
        "unit": unit,
        "digits": digits,
        "ratio": ratio,
        "pass": ratio <= ENCRYPTION_TARGET_RATIO,
    }


def encryption_table(rows: Sequence[dict]) -> str:
    return table(
        ["Kryptering: krypteret / ukrypteret", "krypteret", "ukrypteret", "forhold", f"≤ {ENCRYPTION_TARGET_RATIO:g}"],
        [
            [r["what"], f"{r['encrypted']:.{r['digits']}f} {r['unit']}", f"{r['plain']:.{r['digits']}f} {r['unit']}",
             f"{r['ratio']:.2f}", "PASS" if r["pass"] else "FAIL"]
            for r in rows
        ],
    )  # fmt: skip


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"

"""Create (or reuse) the load-test database: 100 000 citizens and about a million timeline events.

    PYTHONPATH=src python benchmarks/generate.py            # create or reuse benchmarks/.data/demo-100000c-10e/
    PYTHONPATH=src python benchmarks/generate.py --force    # regenerate
    PYTHONPATH=src python benchmarks/generate.py --citizens 5000   # a smaller set for trying things out

The dataset is an app data directory (``--data-dir``): the database file plus settings.toml, laid out
exactly as ``open_runtime`` expects, filled by ``demo.generator.generate_demo``. It is built in a temporary
folder and renamed into place, so an interrupted run never leaves a half-filled "cached" database.
A small ``benchmark-dataset.json`` beside it records the parameters, counts and generation time; the
cache is reused when the schema revision is current and the counts in the database match it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    CITIZENS,
    DAYS,
    EVENTS_PER_CITIZEN,
    SEED,
    dataset_dir,
    ensure_importable,
    human_bytes,
    save_results,
)

META_FILE = "benchmark-dataset.json"


def _db_file(root: Path) -> Path:
    from aaben_raadgivning.config import DB_FILENAME

    return root / DB_FILENAME


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return {
            "citizens": conn.execute("SELECT count(*) FROM citizens WHERE deleted_at IS NULL").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
            "walk_ins": conn.execute("SELECT count(*) FROM walk_ins").fetchone()[0],
            "search_index": conn.execute("SELECT count(*) FROM citizen_search").fetchone()[0],
            "change_log": conn.execute("SELECT count(*) FROM change_log").fetchone()[0],
        }


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def schema_fingerprint() -> str:
    """A hash of the migration files: a dataset made under an edited migration is stale even when the
    revision id is the same (as happens while a migration is being written)."""
    import hashlib

    from aaben_raadgivning.store import migrations

    versions = Path(migrations.__file__).parent / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def check_cached(root: Path, citizens: int, events_per_citizen: float) -> tuple[dict | None, str]:
    """The recorded metadata if the cached dataset is usable, else None and why not."""
    from aaben_raadgivning.store.migrate import SCHEMA_HEAD, current_revision

    database = _db_file(root)
    meta_path = root / META_FILE
    if not database.exists() or not meta_path.exists():
        return None, "no cached dataset"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError:
        return None, "unreadable metadata"
    if meta.get("citizens_requested") != citizens or meta.get("events_per_citizen") != events_per_citizen:
        return None, "different parameters"
    if current_revision(database) != SCHEMA_HEAD or meta.get("schema_fingerprint") != schema_fingerprint():
        return None, f"schema is not the current revision {SCHEMA_HEAD} as written now"
    counts = _counts(database)
    expected = meta.get("counts", {})
    if counts["citizens"] != citizens or any(counts.get(k) != v for k, v in expected.items()):
        return None, f"counts differ from the recorded ones ({counts} vs {expected})"
    if counts["search_index"] != counts["citizens"]:
        return None, "search index does not cover every citizen"
    return meta, "ok"


def generate(root: Path, citizens: int, events_per_citizen: float, seed: int, days: int, today: date) -> dict:
    ensure_importable()
    from aaben_raadgivning.demo.generator import generate_demo
    from aaben_raadgivning.runtime import open_runtime

    tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    last_report = [0.0]

    def progress(fraction: float, step: str) -> None:
        now = time.perf_counter()
        if fraction in (0.0, 1.0) or now - last_report[0] >= 10:
            last_report[0] = now
            print(f"  {fraction * 100:5.1f} %  {step}", flush=True)

    started = time.perf_counter()
    try:
        runtime = open_runtime(tmp)
        try:
            summary = generate_demo(
                runtime.db,
                citizens=citizens,
                days=days,
                events_per_citizen=events_per_citizen,
                seed=seed,
                today=today,
                progress=progress,
            )
        finally:
            runtime.close()  # last connection closed: SQLite checkpoints and removes the WAL file
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    database = _db_file(tmp)
    meta = {
        "citizens_requested": citizens,
        "events_per_citizen": events_per_citizen,
        "seed": seed,
        "days": days,
        "today": today.isoformat(),
        "generate_demo_seconds": round(summary.seconds, 2),
        "total_seconds": round(seconds, 2),
        "summary": {k: v for k, v in summary.__dict__.items() if k != "seconds"},
        "counts": _counts(database),
        "schema_fingerprint": schema_fingerprint(),
        "database_bytes": database.stat().st_size,
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return meta


def ensure_dataset(
    citizens: int = CITIZENS,
    events_per_citizen: float = EVENTS_PER_CITIZEN,
    *,
    force: bool = False,
    seed: int = SEED,
    days: int = DAYS,
    today: date | None = None,
    quiet: bool = False,
) -> tuple[Path, dict, bool]:
    """(data dir, metadata, whether it was generated now)."""
    ensure_importable()
    root = dataset_dir(citizens, events_per_citizen)
    if not force:
        meta, reason = check_cached(root, citizens, events_per_citizen)
        if meta is not None:
            if not quiet:
                print(f"Reusing cached dataset {root}")
            return root, meta, False
        if not quiet:
            print(f"Generating {root} ({reason}) …", flush=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    meta = generate(root, citizens, events_per_citizen, seed, days, today or date.today())
    return root, meta, True


def describe(root: Path, meta: dict, generated_now: bool) -> str:
    counts = meta["counts"]
    lines = [
        f"Dataset:        {root}",
        f"Citizens:       {counts['citizens']:,}",
        f"Events:         {counts['events']:,}  (walk-ins {counts['walk_ins']:,}, change log {counts['change_log']:,})",
        f"Generated in:   {meta['total_seconds']:.1f} s (generate_demo {meta['generate_demo_seconds']:.1f} s)"
        + ("" if generated_now else f", on {meta['generated_at']} (cached)"),
        f"Database file:  {human_bytes(meta['database_bytes'])} ({meta['database_bytes']:,} bytes); "
        f"data dir {human_bytes(_size(root))}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=CITIZENS)
    parser.add_argument("--events-per-citizen", type=float, default=EVENTS_PER_CITIZEN)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--force", action="store_true", help="regenerate even if a usable cached dataset exists")
    args = parser.parse_args(argv)
    root, meta, generated_now = ensure_dataset(
        args.citizens, args.events_per_citizen, force=args.force, seed=args.seed, days=args.days
    )
    print(describe(root, meta, generated_now))
    save_results("generate", {"data_dir": str(root), "generated_now": generated_now, **meta})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The monthly results (issue 16) on generate.py's 100 000-citizen dataset: the month's figures ≤ 500 ms, the
12-month trend ≤ 2 s.

    PYTHONPATH=src python benchmarks/bench_results.py [--runs 7] [--citizens 5000]

The dataset is copied first (SQLite backup API) to ``benchmarks/.data/results-work/``, because opening it
upgrades the schema (the results read ``citizen_outcomes``, migration 0008) and the cached dataset must stay as
generated. Measured, interleaved, each in a fresh session as the screen would call it:

- ``month``: ``month_results`` for the dataset's current month, as a jobkonsulent (no filter);
- ``month_citizens``: the same with the fremmøde per citizen (``per_citizen=True``);
- ``month_staff``: the same filtered to one staff member;
- ``trend``: ``results_trend`` over 12 months;
- ``pk_lookup``: a primary-key lookup of a citizen (fresh session), the baseline of the ratios.

The figures are read from the indexes of migration 0009 (``ix_events_kind_occurred``, ``ix_events_step_facts``,
``ix_citizens_results``): no event row is read. It runs on the encrypted dataset (issue 14; the copy is keyed
like it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    CITIZENS,
    DATA_ROOT,
    bench_key,
    bench_viewer,
    copy_database,
    ensure_importable,
    median,
    percentile,
    save_results,
    table,
)

MONTH_TARGET_MS = 500.0
TREND_TARGET_MS = 2000.0
WORK = DATA_ROOT / "results-work"


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(runs: int = 7, *, citizens: int = CITIZENS, keep: bool = False) -> dict:
    ensure_importable()
    from sqlalchemy import select

    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.models import Citizen, Staff
    from aaben_raadgivning.store.queries.results import ResultsFilter, month_results, results_trend
    from generate import _db_file, ensure_dataset

    data_dir, meta, _ = ensure_dataset(citizens, quiet=True)
    source = _db_file(data_dir)
    target = WORK / source.name
    key = bench_key()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    print(f"Kopierer {source} …", flush=True)
    started = time.perf_counter()
    copy_database(source, target, key)
    print(f"… {time.perf_counter() - started:.0f} s", flush=True)
    db = open_database(target, WORK / "backups", office_key=key)
    try:
        month = date.fromisoformat(meta["today"]).replace(day=1)
        viewer = bench_viewer(db)
        with db.session() as session:
            pk_ids = session.scalars(select(Citizen.id).limit(1000)).all()
            staff_id = session.scalar(select(Staff.id).where(Staff.initials == "JF"))
        rng = random.Random(1)

        def pk() -> None:
            with db.session() as session:
                session.get(Citizen, rng.choice(pk_ids))

        found: dict[str, object] = {}
        subjects = {
            "month": lambda: found.__setitem__("month", month_results(db, month, viewer=viewer)),
            "month_citizens": lambda: month_results(db, month, viewer=viewer, per_citizen=True),
            "month_staff": lambda: month_results(db, month, viewer=viewer, filters=ResultsFilter(staff_id=staff_id)),
            "trend": lambda: found.__setitem__("trend", results_trend(db, month, viewer=viewer)),
        }
        results: dict[str, list[float]] = {name: [] for name in (*subjects, "pk_lookup")}
        pk(), subjects["month"]()  # warm-up
        for _ in range(runs):
            for name, fn in subjects.items():
                for _ in range(3):
                    results["pk_lookup"].append(_ms(pk))
                results[name].append(_ms(fn))
    finally:
        db.close()
        if not keep:
            shutil.rmtree(WORK, ignore_errors=True)
    pk_ms = median(results["pk_lookup"])
    targets = {"month": MONTH_TARGET_MS, "month_citizens": MONTH_TARGET_MS, "month_staff": MONTH_TARGET_MS,
               "trend": TREND_TARGET_MS}  # fmt: skip
    rows = []
    for name, values in results.items():
        goal = targets.get(name)
        verdict = ("OK" if median(values) <= goal else "OVER") if goal else ""
        rows.append((name, f"{median(values):.1f}", f"{percentile(values, 95):.1f}", f"{median(values) / pk_ms:.0f}×",
                     f"≤ {goal:g} ms {verdict}" if goal else ""))  # fmt: skip
    print(table(("subject", "median ms", "p95 ms", "÷ pk_lookup", "target"), rows))
    figures_month = found["month"]
    print(
        f"{month:%Y-%m}: bestand {figures_month.caseload_start} → {figures_month.caseload_end}, "  # type: ignore[attr-defined]
        f"fremmøde {figures_month.attendance.numerator}/{figures_month.attendance.denominator}"
    )  # type: ignore[attr-defined]
    ok = all(median(results[name]) <= goal for name, goal in targets.items())
    figures = {
        "runs": runs, "citizens": citizens, "month": month.isoformat(), "medians_ms": {k: median(v) for k, v in results.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in results.items()},
        "ratios_to_pk_lookup": {k: median(v) / pk_ms for k, v in results.items()}, "pass": ok,
    }  # fmt: skip
    save_results("results" if citizens == CITIZENS else f"results_{citizens}", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--citizens", type=int, default=CITIZENS, help="a smaller dataset while developing")
    parser.add_argument("--keep", action="store_true", help="keep the working copy")
    args = parser.parse_args(argv)
    figures = run(args.runs, citizens=args.citizens, keep=args.keep)
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

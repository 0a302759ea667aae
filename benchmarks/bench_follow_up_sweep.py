"""The daily follow-up sweep on generate.py's 100 000-citizen dataset: one day step in ≤ 1 s.

    PYTHONPATH=src python benchmarks/bench_follow_up_sweep.py [--runs 7]

The sweep writes, and the cached dataset must stay as generated (its recorded counts include the change log),
so the database is first copied (SQLite backup API, ~20 s) to ``benchmarks/.data/follow-up-sweep-work/``.
The dataset's "today" D counts as swept (as the demo generator records). Then, for k = 1 … runs:

- ``step``: ``sweep_follow_ups`` with the clock on D + k after the sweep of D + k - 1 — a real one-day step:
  the candidate queries, then the recompute of every candidate, with whatever it writes (the demo leaves
  out tasks that fell due more than 14 days ago, so a recomputed candidate may get those back);
- ``again``: the same day step once more (the sweep date set back a day): the same candidates, now already
  up to date — the "nothing due" sweep: queries and recomputes, no task written;
- ``candidates``: ``sweep_candidates`` alone for that step (the SQL and the exact filter);
- baselines, interleaved: a primary-key lookup of a citizen (fresh session) and one ``recompute_follow_ups``
  of one citizen in the project (in a transaction that is rolled back).

Reported: medians, the number of candidates and changes per step, and ratios to both baselines.
It runs on the encrypted dataset (issue 14; the copy is keyed like it).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA_ROOT,
    bench_key,
    copy_database,
    ensure_importable,
    median,
    percentile,
    save_results,
    table,
)

TARGET_MS = 1000.0
WORK = DATA_ROOT / "follow-up-sweep-work"


def _copy(source: Path, target: Path, office_key) -> float:
    started = time.perf_counter()
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    copy_database(source, target, office_key)
    return time.perf_counter() - started


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(runs: int = 7, keep: bool = False) -> dict:
    ensure_importable()
    from sqlalchemy import select

    from aaben_raadgivning.domain.clock import to_utc
    from aaben_raadgivning.domain.rules import load_rules
    from aaben_raadgivning.domain.workdays import WorkdayCalendar
    from aaben_raadgivning.store.actions.follow_up_sweep import mark_swept, sweep_follow_ups
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.follow_ups.recompute import recompute_follow_ups
    from aaben_raadgivning.store.follow_ups.sweep import sweep_candidates
    from aaben_raadgivning.store.models import Citizen
    from aaben_raadgivning.store.transaction import Tx
    from generate import _db_file, ensure_dataset

    data_dir, meta, _ = ensure_dataset(quiet=True)
    source = _db_file(data_dir)
    target = WORK / source.name
    print(f"Kopierer {source} …", flush=True)
    key = bench_key()
    print(f"… {_copy(source, target, key):.0f} s", flush=True)
    start_day = date.fromisoformat(meta["today"])
    now = [to_utc(datetime.combine(start_day, dtime(8)))]
    db = open_database(target, WORK / "backups", now=lambda: now[0], office_key=key)
    db.calendar = WorkdayCalendar()
    rules = load_rules()
    with db.session() as session:
        pk_ids = session.scalars(select(Citizen.id).limit(1000)).all()
        in_project = session.scalars(select(Citizen.id).where(Citizen.project_start.is_not(None)).limit(1000)).all()
    rng = random.Random(1)

    def pk() -> None:
        with db.session() as session:
            session.get(Citizen, rng.choice(pk_ids))

    def recompute_one(day: date) -> None:
        with db.session() as session:  # rolled back on close
            tx = Tx(session, db.clock, db.device_id, db.now())
            recompute_follow_ups(tx, rng.choice(in_project), rules=rules, calendar=db.calendar, today=day)

    results: dict[str, list[float]] = {k: [] for k in ("step", "again", "candidates", "pk_lookup", "recompute")}
    steps = []
    mark_swept(db, start_day)
    pk(), recompute_one(start_day)  # warm-up
    try:
        for k in range(1, runs + 1):
            day = start_day + timedelta(days=k)
            now[0] = to_utc(datetime.combine(day, dtime(8)))
            for _ in range(5):
                results["pk_lookup"].append(_ms(pk))
                results["recompute"].append(_ms(lambda d=day: recompute_one(d)))
            with db.session() as session:
                results["candidates"].append(
                    _ms(lambda s=session, d=day: sweep_candidates(s, d - timedelta(days=1), d, rules))
                )
            found = []
            results["step"].append(_ms(lambda f=found: f.append(sweep_follow_ups(db))))
            mark_swept(db, day - timedelta(days=1))
            again = []
            results["again"].append(_ms(lambda a=again: a.append(sweep_follow_ups(db))))
            first, second = found[0], again[0]
            steps.append({"day": day.isoformat(), "candidates": first.candidates, "changed": first.changed_citizens,
                          "created": first.created, "moved": first.moved, "removed": first.removed,
                          "updated": first.updated, "again_changed": second.changed_citizens})  # fmt: skip
    finally:
        db.close()
        if not keep:
            shutil.rmtree(WORK, ignore_errors=True)
    pk_ms, one_ms = median(results["pk_lookup"]), median(results["recompute"])
    rows = []
    for name, values in results.items():
        target_text = f"≤ {TARGET_MS:g} ms" if name in ("step", "again") else ""
        verdict = ("OK" if median(values) <= TARGET_MS else "OVER") if target_text else ""
        rows.append((name, f"{median(values):.1f}", f"{percentile(values, 95):.1f}", f"{median(values) / pk_ms:.0f}×",
                     f"{median(values) / one_ms:.0f}×", f"{target_text} {verdict}".strip()))  # fmt: skip
    print(table(("subject", "median ms", "p95 ms", "÷ pk_lookup", "÷ recompute", "target"), rows))
    print(table(("day", "candidates", "changed", "created", "moved", "removed", "updated", "again: changed"),
                [tuple(s.values()) for s in steps]))  # fmt: skip
    ok = median(results["again"]) <= TARGET_MS
    figures = {
        "runs": runs, "medians_ms": {k: median(v) for k, v in results.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in results.items()},
        "ratios_to_pk_lookup": {k: median(v) / pk_ms for k, v in results.items()},
        "ratios_to_recompute": {k: median(v) / one_ms for k, v in results.items()},
        "steps": steps, "pass": ok,
    }  # fmt: skip
    save_results("follow_up_sweep", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="day steps (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the working copy of the database")
    args = parser.parse_args(argv)
    return 0 if run(args.runs, args.keep)["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

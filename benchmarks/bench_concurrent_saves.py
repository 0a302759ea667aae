"""Issue 12 §2: a person's saves while a sync applies 20 000 changes on the same laptop.

    PYTHONPATH=src python benchmarks/bench_concurrent_saves.py [--changes 20000] [--actions 200]
                                                               [--batches 1000] [--batches 250,500,1000,2000]

Laptop A writes N timeline events through the real ``Tx`` (bench_sync._fill: one change each) and sends
them (one round, ``snapshot="never"``). Laptop B (a jobkonsulent and one citizen of its own) then receives
them in a separate process — a real ``sync``, as the app's background sync or a scheduled command-line
sync would — while this process runs user actions on B: ``create_citizen`` and ``add_event``
alternately, as that staff member, each timed from call to return (the wait a person sees). An action
counts as *during the sync* when it started before the sync process ended; runs are repeated on fresh
copies of B and of the share until ``--actions`` actions ran during a sync.

Baseline, in the same run: right after each sync, the same number of actions on B (now holding the same
data) with nothing else running. Reported: failed saves (target 0), median / p99 / max wait during the
sync, the baseline's p99 and the ratio p99(during) / p99(baseline). Target: 0 failed saves, p99 ≤ 250 ms.

``--batches`` runs the whole measurement once per value of ``sync_incoming.APPLY_BATCH`` (set in the sync
process only), to see how the batch size trades the saves' wait against the sync's own time.

Every database is SQLCipher-encrypted under the demo key and the share is made for it (issue 14).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    bench_key,
    child_env,
    ensure_importable,
    median,
    percentile,
    save_results,
    table,
)

TARGET_FAILED = 0
TARGET_P99_MS = 250.0
# Pause between two actions (seconds): people do not save back to back, and saving without a pause would
# keep the write lock most of the time, starving the sync rather than measuring the saves.
THINK_S = (0.01, 0.04)
MAX_RUNS = 30


def _child(database: Path, share: Path, batch: int) -> None:
    """The sync process: one real round on B (``--child``). Prints when it applied (the share steps
    "apply" and "after-commit" bracket each segment's write transactions) for the parent to tell which
    saves ran while the sync was writing."""
    ensure_importable()
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.sync import engine as sync_engine
    from aaben_raadgivning.sync import incoming as sync_incoming
    from aaben_raadgivning.sync.share_io import ShareIO

    marks: dict[str, float] = {}

    class Marked(ShareIO):
        def step(self, name: str) -> None:
            if name == "apply":
                marks.setdefault("apply_start", time.time())
            elif name == "after-commit":
                marks["apply_end"] = time.time()

    sync_incoming.APPLY_BATCH = batch
    db = open_database(database, database.parent / "backups", office_key=bench_key())
    print("started", flush=True)
    started = time.perf_counter()
    report = sync_engine.sync(db, share, snapshot="never", io=Marked(share))
    print(json.dumps({"received": report.received, "seconds": time.perf_counter() - started, **marks}), flush=True)
    db.close()


def _copy_device(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


class _Actions:
    """The user's actions on B, alternating create_citizen / add_event, each timed."""

    def __init__(self, db, staff_id: str, citizen_id: str, seed: int) -> None:
        from aaben_raadgivning.store.actions.citizens import create_citizen
        from aaben_raadgivning.store.actions.timeline import add_event

        self.db, self.staff_id, self.citizen_id = db, staff_id, citizen_id
        self.create_citizen, self.add_event = create_citizen, add_event
        self.rng = random.Random(seed)
        self.count = 0
        self.failures: list[str] = []

    def one(self) -> tuple[float, float]:
        """One action; returns (when it started, wall clock seconds; how long it took, ms)."""
        self.count += 1
        when, started = time.time(), time.perf_counter()
        try:
            if self.count % 2:
                self.create_citizen(self.db, self.staff_id, name=f"Borger {self.count}", accept_duplicates=True)
            else:
                self.add_event(self.db, self.staff_id, self.citizen_id, kind="samtale", summary=f"Samtale {self.count}")
        except Exception as exc:
            self.failures.append(f"{type(exc).__name__}: {exc}")
        elapsed = (time.perf_counter() - started) * 1000
        time.sleep(self.rng.uniform(*THINK_S))
        return when, elapsed


def _prepare(root: Path, changes: int) -> tuple[Path, Path, str, str]:
    """A with N events sent to the share; B's folder (staff + citizen, not yet synced). Returns the share,
    B's folder, the staff id and B's citizen id."""
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.staff import create_staff
    from aaben_raadgivning.sync.engine import sync
    from aaben_raadgivning.sync.office_share import create_share
    from bench_sync import _device, _fill, _template

    key = bench_key()
    template = _template(root, key)
    share = root / "share"
    share.mkdir()
    create_share(share, key)
    a = _device(template, root / "a" / "db.sqlite3", key)
    _fill(a, changes)
    sent = sync(a, share, snapshot="never").sent
    assert sent >= changes, sent
    a.close()
    b = _device(template, root / "b" / "db.sqlite3", key)
    staff = create_staff(b, initials="JK", name="Jette Kofoed", role="jobkonsulent", password="hemmelig123")
    citizen = create_citizen(b, staff.id, name="Bo Berg")
    b.close()
    return share, root / "b", staff.id, citizen.id


@dataclass
class _Run:
    during: list[float]  # ms, actions that started while the sync process ran
    applying: list[float]  # ms, those of them that overlapped the sync's write transactions
    baseline: list[float]  # ms, the same number of actions right after, with nothing else running
    failures: list[str]
    sync_s: float
    apply_s: float
    received: int


def _one_run(root: Path, share: Path, b_dir: Path, staff_id: str, citizen_id: str, batch: int, run: int) -> _Run:
    """Fresh copies of B and the share; a sync process on B while actions run, then the baseline."""
    from aaben_raadgivning.store.database import open_database

    work = root / f"run{run}"
    _copy_device(b_dir, work / "b")
    _copy_device(share, work / "share")
    database = work / "b" / "db.sqlite3"
    db = open_database(database, work / "b" / "backups", office_key=bench_key())
    actions = _Actions(db, staff_id, citizen_id, seed=run)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(database), str(work / "share"), str(batch)],
        stdout=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    timed: list[tuple[float, float]] = []
    while child.poll() is None:
        timed.append(actions.one())
    out, _ = child.communicate(timeout=600)
    if child.returncode != 0:
        raise RuntimeError(f"the sync process failed (exit {child.returncode})")
    info = json.loads(out.strip().splitlines()[-1])
    start, end = info["apply_start"], info["apply_end"]
    applying = [ms for when, ms in timed if when < end and when + ms / 1000 > start]
    baseline = [actions.one()[1] for _ in range(max(len(timed), 1))]
    db.close()
    shutil.rmtree(work)
    return _Run([ms for _, ms in timed], applying, baseline, actions.failures, info["seconds"], end - start,
                info["received"])  # fmt: skip


def _stats(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": median(values), "p99_ms": percentile(values, 99),
            "max_ms": max(values, default=float("nan"))}  # fmt: skip


def measure(changes: int, actions: int, batch: int) -> dict:
    """Sync runs until ``actions`` saves overlapped the sync's write transactions."""
    ensure_importable()
    runs: list[_Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        share, b_dir, staff_id, citizen_id = _prepare(root, changes)
        while sum(len(r.applying) for r in runs) < actions and len(runs) < MAX_RUNS:
            runs.append(_one_run(root, share, b_dir, staff_id, citizen_id, batch, len(runs)))
    during = [ms for r in runs for ms in r.during]
    applying = [ms for r in runs for ms in r.applying]
    baseline = [ms for r in runs for ms in r.baseline]
    failures = [f for r in runs for f in r.failures]
    result = {
        "batch": batch,
        "changes": runs[0].received,
        "runs": len(runs),
        "failed": len(failures),
        "failures": failures[:10],
        "applying": _stats(applying),
        "during": _stats(during),
        "baseline": _stats(baseline),
        "sync_s": median([r.sync_s for r in runs]),
        "apply_s": median([r.apply_s for r in runs]),
    }
    result["ratio_p99"] = result["applying"]["p99_ms"] / result["baseline"]["p99_ms"]
    result["pass"] = not failures and result["applying"]["p99_ms"] <= TARGET_P99_MS
    return result


def report(results: list[dict]) -> str:
    def figures(stats: dict) -> str:
        return f"{stats['n']}: {stats['median_ms']:.1f} / {stats['p99_ms']:.1f} / {stats['max_ms']:.1f}"

    rows = [
        [r["batch"], f"{r['runs']} × {r['changes']:,} ({r['sync_s']:.1f} s, applying {r['apply_s']:.1f} s)",
         r["failed"], figures(r["applying"]), figures(r["during"]), figures(r["baseline"]), f"{r['ratio_p99']:.1f}",
         "PASS" if r["pass"] else "FAIL"]
        for r in results
    ]  # fmt: skip
    return table(["APPLY_BATCH", "syncs (median time)", "failed", "while applying: n: median / p99 / max ms",
                  "whole sync", "baseline", "p99 ratio", f"0 failed, p99 ≤ {TARGET_P99_MS:g} ms"], rows)  # fmt: skip


def default_batch() -> int:
    ensure_importable()
    from aaben_raadgivning.sync import incoming as sync_incoming

    return sync_incoming.APPLY_BATCH


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=20_000)
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--batches", default="", help="APPLY_BATCH values to compare, e.g. 250,500,1000,2000")
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",") if b] or [default_batch()]
    results = [measure(args.changes, args.actions, batch) for batch in batches]
    print(report(results))
    for result in results:
        for failure in result["failures"]:
            print("  failed save:", failure)
    save_results("concurrent_saves", {"results": results})
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Issue 5 targets: the follow-up queue's first page in ≤ 100 ms, and recomputing one citizen's derived tasks
after an event in ≤ 10 ms — with 100 000 citizens, 10 000 active agreements and 20 000 open tasks.

    PYTHONPATH=src python benchmarks/bench_follow_up.py [--runs 30] [--force]

Setup (own step, cached under benchmarks/.data/follow-up-100000c/, ~1 minute the first time): a migrated
database filled in bulk with 100 000 citizens (60 % in the project, 10 housing areas), ~1 000 000 events
(contacts, jobsamtaler, no-shows, notes over the last 200 days), 2 000 companies with 10 000 active
agreements, 20 000 open tasks (derived, manual and agreement-plan, due from 20 days ago to 60 days ahead)
and 20 000 done ones. It does not touch generate.py's dataset.

Measured, interleaved run by run, each with a fresh read session:
- ``page_mine`` / ``page_all`` / ``page_by_citizen``: ``load_queue`` (header counts + first page of 50)
  for one jobformidler's tasks, for everybody's, and everybody's sorted by citizen;
- ``recompute``: inside one transaction, an event is added to a citizen in the project with an agreement
  and ``recompute_now`` runs (timed alone; a different citizen each run, then committed);
- ``add_event``: the whole user action (validation, event, audit, recompute, commit);
- baseline ``pk_lookup``: ``session.get(Citizen, id)`` in a fresh session.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA_ROOT,
    ensure_importable,
    median,
    percentile,
    save_results,
    table,
)

CITIZENS = 100_000
EVENTS_PER_CITIZEN = 10
AGREEMENTS = 10_000
COMPANIES = 2_000
OPEN_TASKS = 20_000
DONE_TASKS = 20_000
TODAY = date(2026, 11, 24)
PAGE_TARGET_MS = 100.0
RECOMPUTE_TARGET_MS = 10.0
AREAS = [f"Boligområde {n}" for n in range(1, 11)]


def dataset_root() -> Path:
    return DATA_ROOT / f"follow-up-{CITIZENS}c"


def build(root: Path) -> dict:
    """Fill a fresh, migrated database in bulk (raw sqlite3, like the demo's bulk path)."""
    from aaben_raadgivning.ids import derived_id, new_id
    from aaben_raadgivning.store.database import open_database

    root.mkdir(parents=True, exist_ok=True)
    database = root / "db.sqlite3"
    if database.exists():
        database.unlink()
    open_database(database, root / "backups").close()
    rng = random.Random(5)
    now = datetime(2026, 11, 24, 9, 0)
    started = time.perf_counter()
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        staff = [new_id() for _ in range(6)]
        conn.executemany(
            "INSERT INTO staff (id, initials, name, role, password_hash, active, created_at) VALUES (?,?,?,?,?,1,?)",
            [(sid, f"S{n}", f"Medarbejder {n}", "jobformidler" if n % 2 else "jobkonsulent", "x", now.isoformat(" "))
             for n, sid in enumerate(staff)],
        )  # fmt: skip
        citizens, in_project = [], []
        for n in range(CITIZENS):
            cid = new_id()
            start = TODAY - timedelta(days=rng.randint(1, 400)) if rng.random() < 0.6 else None
            citizens.append(
                (
                    cid,
                    f"Borger {n:06d}",
                    rng.choice(AREAS),
                    now.isoformat(" "),
                    start and start.isoformat(),
                    rng.choice(staff),
                    rng.choice(staff),
                    "trappemodel",
                    1,
                    "trin2",
                    "projekt" if start else None,
                )
            )
            if start:
                in_project.append(cid)
        conn.executemany(
            "INSERT INTO citizens (id, name, housing_area, created_at, project_start, jobformidler_id, jobkonsulent_id, "
            "step_model, step_model_version, step, visitation) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            citizens,
        )
        kinds = ["telefon", "samtale", "sms", "note", "note", "jobsamtale", "udeblivelse", "personligt_moede"]
        for chunk in range(0, CITIZENS, 10_000):
            rows = []
            for cid, *_ in citizens[chunk : chunk + 10_000]:
                for _ in range(EVENTS_PER_CITIZEN):
                    at = (now - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 600))).isoformat(" ")
                    rows.append((new_id(), cid, rng.choice(kinds), at, at, staff[0], "Hændelse", ""))
            conn.executemany(
                "INSERT INTO events (id, citizen_id, kind, occurred_at, recorded_at, staff_id, summary, details) "
                "VALUES (?,?,?,?,?,?,?,?)",
                rows,
            )
        companies = [new_id() for _ in range(COMPANIES)]
        conn.executemany(
            "INSERT INTO companies (id, cvr, name, created_at) VALUES (?,?,?,?)",
            [(c, f"{10000000 + n}", f"Virksomhed {n}", now.isoformat(" ")) for n, c in enumerate(companies)],
        )
        with_agreement = rng.sample(in_project, AGREEMENTS)
        agreements = [(new_id(), cid, rng.choice(companies), "ordinaere_timer", "aktiv",
                       (TODAY - timedelta(days=rng.randint(0, 500))).isoformat(), now.isoformat(" "))
                      for cid in with_agreement]  # fmt: skip
        conn.executemany(
            "INSERT INTO agreements (id, citizen_id, company_id, course_kind, status, start_date, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            agreements,
        )
        tasks = []
        rules = [("monthly_contact", "personlig_kontakt"), ("inactivity", "opsoegende_kontakt"), ("lab31", "jobsamtale"),
                 ("manuel", "manuel"), ("agreement_plan", "aftaleopfoelgning")]  # fmt: skip
        for n in range(OPEN_TASKS + DONE_TASKS):
            rule, kind = rules[n % len(rules)]
            agreement = agreements[n % AGREEMENTS] if rule == "agreement_plan" else None
            cid = agreement[1] if agreement else rng.choice(in_project)
            key = None if rule == "manuel" else f"{rule}:bench{n}"
            tid = derived_id(cid, key) if key else new_id()
            due = TODAY + timedelta(days=rng.randint(-20, 60))
            done = n >= OPEN_TASKS
            tasks.append(
                (
                    tid,
                    cid,
                    kind,
                    rule,
                    key,
                    "Benchmark-opgave",
                    due.isoformat(),
                    rng.choice(staff),
                    "done" if done else "open",
                    now.isoformat(" "),
                    agreement[0] if agreement else None,
                    "",
                )
            )
        conn.executemany(
            "INSERT INTO follow_up_tasks (id, citizen_id, kind, rule, rule_key, reason, due_date, assignee_id, status, "
            "created_at, agreement_id, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            tasks,
        )
    return {"staff": staff, "with_agreement": with_agreement, "seconds": time.perf_counter() - started}


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(runs: int = 30, force: bool = False) -> dict:
    """Build (or reuse) the dataset, measure, print the table; returns the figures."""
    ensure_importable()
    import json

    from sqlalchemy import select, text

    from aaben_raadgivning.domain.clock import to_utc
    from aaben_raadgivning.domain.workdays import WorkdayCalendar
    from aaben_raadgivning.store.actions.timeline import add_event
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.follow_ups.recompute import recompute_now
    from aaben_raadgivning.store.models import Citizen
    from aaben_raadgivning.store.queries.follow_up_queue import (
        SORT_CITIZEN,
        QueueFilter,
        load_queue,
    )
    from aaben_raadgivning.store.records import add_timeline_event

    root = dataset_root()
    meta_file = root / "dataset.json"
    if force or not meta_file.exists():
        print(f"Bygger datasæt i {root} …", flush=True)
        meta = build(root)
        meta_file.write_text(json.dumps(meta), encoding="utf-8")
        print(f"… færdigt på {meta['seconds']:.0f} s", flush=True)
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    clock_now = to_utc(datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    db = open_database(root / "db.sqlite3", root / "backups", now=lambda: clock_now)
    db.calendar = WorkdayCalendar()
    mine = meta["staff"][1]
    with db.session() as session:
        pk_ids = session.scalars(select(Citizen.id).limit(500)).all()
        plan = session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM follow_up_tasks WHERE status='open' AND deleted_at IS NULL "
            "AND assignee_id=:a ORDER BY due_date, id LIMIT 50"), {"a": mine}).all()  # fmt: skip
    subjects = {
        "page_mine": lambda: load_queue(db, QueueFilter(assignee_id=mine), TODAY),
        "page_all": lambda: load_queue(db, QueueFilter(), TODAY),
        "page_by_citizen": lambda: load_queue(db, QueueFilter(sort=SORT_CITIZEN), TODAY),
    }
    # Each run adds events: take citizens not used by an earlier run (the offset is kept in dataset.json).
    used = meta.get("used", 0)
    if used + 2 * runs > len(meta["with_agreement"]):
        used = 0
    citizens = iter(meta["with_agreement"][used:])
    meta["used"] = used + 2 * runs
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    results: dict[str, list[float]] = {name: [] for name in (*subjects, "recompute", "add_event", "pk_lookup")}
    rng = random.Random(1)

    def pk() -> None:
        with db.session() as session:
            session.get(Citizen, rng.choice(pk_ids))

    for fn in subjects.values():  # warm-up
        fn()
    for _ in range(runs):
        results["pk_lookup"].append(_time(pk))
        for name, fn in subjects.items():
            results[name].append(_time(fn))
        with db.transaction() as tx:
            cid = next(citizens)
            add_timeline_event(tx, meta["staff"][0], cid, "telefon", "Telefonsamtale")
            results["recompute"].append(_time(lambda cid=cid, tx=tx: recompute_now(tx, cid)))
        cid = next(citizens)
        results["add_event"].append(
            _time(lambda cid=cid: add_event(db, meta["staff"][0], cid, kind="sms", summary="SMS sendt"))
        )
    db.close()
    base = median(results["pk_lookup"])
    rows = []
    for name, values in results.items():
        target = PAGE_TARGET_MS if name.startswith("page") else RECOMPUTE_TARGET_MS if name == "recompute" else None
        verdict = "" if target is None else ("OK" if median(values) <= target else "OVER")
        rows.append((name, f"{median(values):.2f}", f"{percentile(values, 95):.2f}", f"{median(values) / base:.0f}×",
                     f"≤ {target:g} ms {verdict}" if target else "baseline" if name == "pk_lookup" else ""))  # fmt: skip
    print(table(("subject", "median ms", "p95 ms", "÷ pk_lookup", "target"), rows))
    print("Query plan, first page of «Mine»:", "; ".join(str(row[-1]) for row in plan))
    ok = (
        all(median(results[n]) <= PAGE_TARGET_MS for n in subjects)
        and median(results["recompute"]) <= RECOMPUTE_TARGET_MS
    )
    figures = {
        "runs": runs, "medians_ms": {k: median(v) for k, v in results.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in results.items()},
        "ratios_to_pk_lookup": {k: median(v) / base for k, v in results.items()},
        "plan": [str(r[-1]) for r in plan], "pass": ok,
    }  # fmt: skip
    save_results("follow_up", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--force", action="store_true", help="rebuild the dataset")
    args = parser.parse_args(argv)
    return 0 if run(args.runs, args.force)["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

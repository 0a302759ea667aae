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

Encryption (issue 14): the dataset is built plain and converted to an encrypted copy
(``follow-up-100000c-encrypted/``, ``store.encryption.encrypt_database`` under the demo key) whenever the
plain one is (re)built. The figures are for the encrypted copy; each run measures the plain one too, the
order alternating run by run, both getting their events for the same citizens. Target: each first page
encrypted ≤ 1.3 × plain.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA_ROOT,
    ENCRYPTED_SUFFIX,
    bench_key,
    bench_viewer,
    connect,
    encryption_row,
    encryption_table,
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


def dataset_root(encrypted: bool = False) -> Path:
    return DATA_ROOT / f"follow-up-{CITIZENS}c{ENCRYPTED_SUFFIX if encrypted else ''}"


def build(root: Path) -> dict:
    """Fill a fresh, migrated database in bulk (raw sqlite3, like the demo's bulk path)."""
    from aaben_raadgivning.ids import derived_id, new_id
    from aaben_raadgivning.store.database import open_database

    root.mkdir(parents=True, exist_ok=True)
    database = root / "db.sqlite3"
    if database.exists():
        database.unlink()
    open_database(database, root / "backups", office_key=None).close()
    rng = random.Random(5)
    now = datetime(2026, 11, 24, 9, 0)
    started = time.perf_counter()
    with closing(connect(database, None)) as conn, conn:
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
    return {"staff": staff, "with_agreement": with_agreement, "seconds": time.perf_counter() - started,
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip


def ensure_encrypted(root: Path, meta: dict) -> Path:
    """The encrypted copy of the plain dataset at ``root``, converted again when the plain one is newer."""
    import json

    from aaben_raadgivning.store.encryption import encrypt_database

    target = dataset_root(encrypted=True)
    marker = target / "source.json"
    from aaben_raadgivning.store.sqlite_driver import CIPHER_FORMAT

    source = {"built_at": meta["built_at"], "cipher_format": CIPHER_FORMAT}  # (a new file format: convert again)
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == source:
            return target
    except (OSError, ValueError):
        pass
    print(f"Krypterer en kopi af {root} …", flush=True)
    started = time.perf_counter()
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(root, tmp, ignore=shutil.ignore_patterns("*.turnstile", "backups", "dataset.json"))
    encrypt_database(tmp / "db.sqlite3", tmp / "backups", bench_key().database_key)
    (tmp / "source.json").write_text(json.dumps(source), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    print(f"… færdigt på {time.perf_counter() - started:.0f} s", flush=True)
    return target


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
    if "built_at" not in meta:  # a dataset from before issue 14: from now on its copy is checked against this
        meta["built_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        meta_file.write_text(json.dumps(meta), encoding="utf-8")
    folders = {"encrypted": (ensure_encrypted(root, meta), bench_key()), "plain": (root, None)}
    clock_now = to_utc(datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    dbs = {}
    for name, (folder, office_key) in folders.items():
        dbs[name] = open_database(folder / "db.sqlite3", folder / "backups", now=lambda: clock_now,
                                  office_key=office_key)  # fmt: skip
        dbs[name].calendar = WorkdayCalendar()
    db = dbs["encrypted"]
    mine = meta["staff"][1]
    viewer = bench_viewer(db, mine)  # the jobformidler whose queue «Mine» is
    with db.session() as session:
        pk_ids = session.scalars(select(Citizen.id).limit(500)).all()
        plan = session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM follow_up_tasks WHERE status='open' AND deleted_at IS NULL "
            "AND assignee_id=:a ORDER BY due_date, id LIMIT 50"), {"a": mine}).all()  # fmt: skip
    pages = {
        "page_mine": lambda db: load_queue(db, QueueFilter(assignee_id=mine), TODAY, viewer=viewer),
        "page_all": lambda db: load_queue(db, QueueFilter(), TODAY, viewer=viewer),
        "page_by_citizen": lambda db: load_queue(db, QueueFilter(sort=SORT_CITIZEN), TODAY, viewer=viewer),
    }
    # Each run adds events: take citizens not used by an earlier run (the offset is kept in dataset.json).
    # Both databases get theirs for the same citizens.
    used = meta.get("used", 0)
    if used + 2 * runs > len(meta["with_agreement"]):
        used = 0
    citizens = {name: iter(meta["with_agreement"][used:]) for name in dbs}
    meta["used"] = used + 2 * runs
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    names = (*pages, "recompute", "add_event", "pk_lookup")
    all_results: dict[str, dict[str, list[float]]] = {variant: {name: [] for name in names} for variant in dbs}
    rng = random.Random(1)

    def pk(db) -> None:
        with db.session() as session:
            session.get(Citizen, rng.choice(pk_ids))

    def one_run(variant: str) -> None:
        db, results = dbs[variant], all_results[variant]
        results["pk_lookup"].append(_time(lambda: pk(db)))
        for name, fn in pages.items():
            results[name].append(_time(lambda fn=fn: fn(db)))
        with db.transaction() as tx:
            cid = next(citizens[variant])
            add_timeline_event(tx, meta["staff"][0], cid, "telefon", "Telefonsamtale")
            results["recompute"].append(_time(lambda cid=cid, tx=tx: recompute_now(tx, cid)))
        cid = next(citizens[variant])
        results["add_event"].append(
            _time(lambda cid=cid: add_event(db, meta["staff"][0], cid, kind="sms", summary="SMS sendt"))
        )

    for each in dbs.values():  # warm-up
        for fn in pages.values():
            fn(each)
    variants = list(dbs)
    for index in range(runs):
        for variant in variants if index % 2 == 0 else variants[::-1]:
            one_run(variant)
    for each in dbs.values():
        each.close()
    results, plain = all_results["encrypted"], all_results["plain"]
    base = median(results["pk_lookup"])
    rows = []
    for name, values in results.items():
        target = PAGE_TARGET_MS if name.startswith("page") else RECOMPUTE_TARGET_MS if name == "recompute" else None
        verdict = "" if target is None else ("OK" if median(values) <= target else "OVER")
        rows.append((name, f"{median(values):.2f}", f"{percentile(values, 95):.2f}", f"{median(values) / base:.0f}×",
                     f"≤ {target:g} ms {verdict}" if target else "baseline" if name == "pk_lookup" else "",
                     f"{median(plain[name]):.2f}", f"{median(values) / median(plain[name]):.2f}"))  # fmt: skip
    print(table(("subject (encrypted)", "median ms", "p95 ms", "÷ pk_lookup", "target", "plain median ms",
                 "encrypted / plain"), rows))  # fmt: skip
    print("Query plan, first page of «Mine»:", "; ".join(str(row[-1]) for row in plan))
    ok = (
        all(median(results[n]) <= PAGE_TARGET_MS for n in pages) and median(results["recompute"]) <= RECOMPUTE_TARGET_MS
    )
    figures = {
        "runs": runs, "medians_ms": {k: median(v) for k, v in results.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in results.items()},
        "ratios_to_pk_lookup": {k: median(v) / base for k, v in results.items()},
        "plan": [str(r[-1]) for r in plan], "pass": ok,
        "plain": {"medians_ms": {k: median(v) for k, v in plain.items()},
                  "p95_ms": {k: percentile(v, 95) for k, v in plain.items()}},
        "encryption": {name: encryption_row(name, median(results[name]), median(plain[name]), "ms")
                       for name in names},
    }  # fmt: skip
    print(encryption_table(encryption_rows(figures)))
    save_results("follow_up", figures)
    return figures


def encryption_rows(figures: dict) -> list[dict]:
    """The first page of F5, three ways (issue 14's target applies to each)."""
    labels = {"page_mine": "F5-kø, første side «Mine»", "page_all": "F5-kø, første side «Alle»",
              "page_by_citizen": "F5-kø, første side efter borger"}  # fmt: skip
    return [{**figures["encryption"][name], "what": label} for name, label in labels.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--force", action="store_true", help="rebuild the dataset")
    args = parser.parse_args(argv)
    return 0 if run(args.runs, args.force)["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

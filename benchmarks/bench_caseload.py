"""«Mine borgere» (F8): the first page of a 300-citizen caseload in ≤ 100 ms on the 100 000-citizen dataset.

    PYTHONPATH=src python benchmarks/bench_caseload.py [--runs 30] [--force]

Setup (own step, cached under benchmarks/.data/caseload-100000c/, a few minutes the first time): the follow-up
benchmark's dataset (bench_follow_up.build: 100 000 citizens, ~1 000 000 events, 10 000 active agreements,
40 000 tasks) built into its own folder, plus: a jobformidler «CL» with a caseload of 300 citizens in the
project (half of them with an active agreement), step dates for every citizen, hours reports for 12 months
for every citizen with an agreement (and a correction for every tenth month), and a consent for a third of
the caseload. Then an encrypted copy (the figures are for it; the plain one is measured beside it).

Measured, interleaved, each in a fresh read session:
- ``page_name``: ``load_caseload`` (counts + first page of 50) sorted by name;
- ``page_hours`` / ``page_contact``: sorted by ordinary hours / last personal contact;
- ``page_flagged_text``: «kun markerede» and a name filter;
- baseline ``pk_lookup``: ``session.get(Citizen, id)`` in a fresh session.
"""

from __future__ import annotations

import argparse
import json
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
CASELOAD = 300
TODAY = date(2026, 11, 24)
PAGE_TARGET_MS = 100.0


def dataset_root(encrypted: bool = False) -> Path:
    return DATA_ROOT / f"caseload-{CITIZENS}c{ENCRYPTED_SUFFIX if encrypted else ''}"


def build(root: Path) -> dict:
    import bench_follow_up
    from aaben_raadgivning.ids import new_id

    meta = bench_follow_up.build(root)
    rng = random.Random(8)
    now = datetime(2026, 11, 24, 9, 0)
    started = time.perf_counter()
    with closing(connect(root / "db.sqlite3", None)) as conn, conn:
        conn.execute("PRAGMA synchronous=OFF")
        owner = new_id()
        conn.execute(
            "INSERT INTO staff (id, initials, name, role, password_hash, active, created_at) VALUES (?,?,?,?,?,1,?)",
            (owner, "CL", "Caseload Jobformidler", "jobformidler", "x", now.isoformat(" ")),
        )
        ids = [row[0] for row in conn.execute("SELECT id FROM citizens")]
        conn.executemany(
            "UPDATE citizens SET step_since = ? WHERE id = ?",
            [((TODAY - timedelta(days=rng.randint(0, 400))).isoformat(), cid) for cid in ids],
        )
        with_agreement = set(meta["with_agreement"])
        in_project = [r[0] for r in conn.execute("SELECT id FROM citizens WHERE project_start IS NOT NULL")]
        course = rng.sample(sorted(with_agreement), CASELOAD // 2)
        others = rng.sample([c for c in in_project if c not in with_agreement], CASELOAD - len(course))
        mine = course + others
        conn.executemany("UPDATE citizens SET jobformidler_id = ? WHERE id = ?", [(owner, cid) for cid in mine])
        agreements = conn.execute("SELECT id, citizen_id FROM agreements").fetchall()
        reports = []
        for agreement_id, cid in agreements:
            for back in range(12):
                month = date(2026 - (1 if 11 - back <= 0 else 0), (11 - back - 1) % 12 + 1, 1)
                rid = new_id()
                minutes = rng.randint(0, 40) * 60
                reports.append((rid, agreement_id, cid, month.isoformat(), minutes, now.isoformat(" "), None))
                if back % 10 == 3:  # a correction
                    reports.append((new_id(), agreement_id, cid, month.isoformat(), minutes + 30,
                                    (now + timedelta(minutes=1)).isoformat(" "), rid))  # fmt: skip
        conn.executemany(
            "INSERT INTO hours_reports (id, agreement_id, citizen_id, month, ordinary_minutes, praktik_minutes, "
            "loentilskud_minutes, note, recorded_at, corrects_id) VALUES (?,?,?,?,?,0,0,'',?,?)",
            reports,
        )
        conn.executemany(
            "INSERT INTO consents (id, citizen_id, categories, given_how, given_on, valid_until, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [(new_id(), cid, "forloeb", "skriftligt", "2026-03-01", "2027-02-28", now.isoformat(" "))
             for cid in mine[::3]],
        )  # fmt: skip
    meta.update(
        owner=owner, caseload=mine, hours_reports=len(reports), seconds=meta["seconds"] + time.perf_counter() - started
    )
    meta.pop("with_agreement")
    return meta


def ensure_encrypted(root: Path, meta: dict) -> Path:
    from aaben_raadgivning.store.encryption import encrypt_database
    from aaben_raadgivning.store.sqlite_driver import CIPHER_FORMAT

    target = dataset_root(encrypted=True)
    marker = target / "source.json"
    source = {"built_at": meta["built_at"], "cipher_format": CIPHER_FORMAT}
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == source:
            return target
    except (OSError, ValueError):
        pass
    print(f"Krypterer en kopi af {root} …", flush=True)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(root, tmp, ignore=shutil.ignore_patterns("*.turnstile", "backups", "dataset.json"))
    encrypt_database(tmp / "db.sqlite3", tmp / "backups", bench_key().database_key)
    (tmp / "source.json").write_text(json.dumps(source), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(runs: int = 30, force: bool = False) -> dict:
    ensure_importable()
    from sqlalchemy import select

    from aaben_raadgivning.domain.clock import to_utc
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.models import Citizen
    from aaben_raadgivning.store.queries.caseload import (
        SORT_CONTACT,
        SORT_HOURS,
        CaseloadFilter,
        load_caseload,
    )

    root = dataset_root()
    meta_file = root / "dataset.json"
    if force or not meta_file.exists():
        print(f"Bygger datasæt i {root} …", flush=True)
        meta = build(root)
        meta_file.write_text(json.dumps(meta), encoding="utf-8")
        print(f"… færdigt på {meta['seconds']:.0f} s", flush=True)
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    folders = {"encrypted": (ensure_encrypted(root, meta), bench_key()), "plain": (root, None)}
    clock_now = to_utc(datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    dbs = {
        name: open_database(folder / "db.sqlite3", folder / "backups", now=lambda: clock_now, office_key=key)
        for name, (folder, key) in folders.items()
    }
    viewer = bench_viewer(dbs["encrypted"], meta["owner"])
    with dbs["encrypted"].session() as session:
        pk_ids = session.scalars(select(Citizen.id).limit(500)).all()
    pages = {
        "page_name": CaseloadFilter(),
        "page_hours": CaseloadFilter(sort=SORT_HOURS),
        "page_contact": CaseloadFilter(sort=SORT_CONTACT),
        "page_flagged_text": CaseloadFilter(flagged_only=True, text="borger 0"),
    }
    rng = random.Random(1)
    names = (*pages, "pk_lookup")
    results: dict[str, dict[str, list[float]]] = {v: {n: [] for n in names} for v in dbs}
    views = {}

    def pk(db) -> None:
        with db.session() as session:
            session.get(Citizen, rng.choice(pk_ids))

    for db in dbs.values():  # warm-up
        for flt in pages.values():
            load_caseload(db, flt, TODAY, viewer=viewer)
    variants = list(dbs)
    for index in range(runs):
        for variant in variants if index % 2 == 0 else variants[::-1]:
            db = dbs[variant]
            results[variant]["pk_lookup"].append(_time(lambda db=db: pk(db)))
            for name, flt in pages.items():
                results[variant][name].append(
                    _time(
                        lambda db=db, flt=flt, name=name: views.__setitem__(
                            name, load_caseload(db, flt, TODAY, viewer=viewer)
                        )
                    )
                )
    for db in dbs.values():
        db.close()
    enc, plain = results["encrypted"], results["plain"]
    base = median(enc["pk_lookup"])
    rows = []
    for name in names:
        target = PAGE_TARGET_MS if name.startswith("page") else None
        verdict = "" if target is None else ("OK" if median(enc[name]) <= target else "OVER")
        rows.append((name, f"{median(enc[name]):.2f}", f"{percentile(enc[name], 95):.2f}",
                     f"{median(enc[name]) / base:.0f}×",
                     f"≤ {target:g} ms {verdict}" if target else "baseline",
                     f"{median(plain[name]):.2f}", f"{median(enc[name]) / median(plain[name]):.2f}"))  # fmt: skip
    print(table(("subject (encrypted)", "median ms", "p95 ms", "÷ pk_lookup", "target", "plain median ms",
                 "encrypted / plain"), rows))  # fmt: skip
    view = views["page_name"]
    print(f"Sagsstamme: {view.counts.total} borgere, {len(view.rows)} på første side; markerede: overskredet "
          f"{view.counts.overdue}, for længe {view.counts.too_long}, timer i stå {view.counts.hours_stalled}")  # fmt: skip
    ok = all(median(enc[n]) <= PAGE_TARGET_MS for n in pages)
    figures = {
        "runs": runs, "caseload": view.counts.total, "medians_ms": {k: median(v) for k, v in enc.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in enc.items()},
        "ratios_to_pk_lookup": {k: median(v) / base for k, v in enc.items()}, "pass": ok,
        "plain": {"medians_ms": {k: median(v) for k, v in plain.items()}},
        "encryption": {n: encryption_row(n, median(enc[n]), median(plain[n]), "ms") for n in names},
    }  # fmt: skip
    print(encryption_table([{**figures["encryption"]["page_name"], "what": "Mine borgere, første side"}]))
    save_results("caseload", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--force", action="store_true", help="rebuild the dataset")
    args = parser.parse_args(argv)
    return 0 if run(args.runs, args.force)["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

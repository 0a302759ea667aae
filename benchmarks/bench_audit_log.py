"""Issue 15: the audit screen's first page on 1 000 000 audit rows ≤ 100 ms.

    PYTHONPATH=src python benchmarks/bench_audit_log.py [--rows 1000000] [--repeat 15]

Builds (once, cached in benchmarks/.data/audit-<rows>-encrypted/) an encrypted laptop database with ``--rows``
audit rows over two years from three laptops, 25 staff and 50 000 citizens, with the real hash chain, then times
``store.queries.audit_log.audit_page`` — what F7 reads — for each filter the screen offers: the first page
(50 rows, newest first), and a page deep in the log (keyset after a row a year back). Each figure is the
median (and the slowest) of ``--repeat`` calls through the app's own engine, after one warm-up call.

Baseline, measured in the same run: a primary-key lookup of one audit row, so a noisy machine shows up there too.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA_ROOT, bench_key, connect, ensure_importable, median, save_results, table

ensure_importable()

TARGET_MS = 100.0
STAFF = 25
CITIZENS = 50_000
DEVICES = 3
ACTIONS = (("search", 50), ("read", 20), ("update", 14), ("create", 8), ("login", 3), ("logout", 3),
           ("export", 1), ("audit_view", 1))  # fmt: skip


def _build(path: Path, rows: int, seed: int) -> None:
    from aaben_raadgivning.ids import new_id
    from aaben_raadgivning.store.audit_chain import GENESIS, link_hash
    from aaben_raadgivning.store.database import open_database

    path.parent.mkdir(parents=True, exist_ok=True)
    open_database(path, path.parent / "backups", office_key=bench_key(True)).close()  # migrated, then closed
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    staff = [(new_id(), f"M{i:02d}", f"Medarbejder {i}", "jobformidler" if i % 5 else "jobkonsulent")
             for i in range(STAFF)]  # fmt: skip
    citizens = [new_id() for _ in range(CITIZENS)]
    devices = [new_id() for _ in range(DEVICES)]
    actions = [a for a, weight in ACTIONS for _ in range(weight)]
    step = (2 * 365 * 24 * 3600) / rows
    links = {device: (0, GENESIS) for device in devices}
    from aaben_raadgivning.store.models import AuditEntry

    conn = connect(path, bench_key(True))
    indexes = [(index.name, [c.name for c in index.columns]) for index in AuditEntry.__table__.indexes]
    try:
        conn.execute("PRAGMA synchronous = OFF")
        for name, _ in indexes:  # built once after the rows, sorted: much faster than row by row
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        cur = conn.cursor()
        cur.executemany(
            "INSERT INTO staff (id, initials, name, role, password_hash, active, created_at) VALUES (?,?,?,?,'x',1,?)",
            [(*s, start.strftime("%Y-%m-%d %H:%M:%S.%f")) for s in staff],
        )
        batch: list[tuple] = []
        for n in range(rows):
            at = (start + timedelta(seconds=n * step)).strftime("%Y-%m-%d %H:%M:%S.%f")
            device = devices[n % DEVICES]
            action = rng.choice(actions)
            citizen = None if action in ("login", "logout", "audit_view") else rng.choice(citizens)
            fields = {"id": new_id(), "at": at, "staff_id": rng.choice(staff)[0], "device_id": device,
                      "action": action, "entity": "citizen", "entity_id": citizen, "citizen_id": citizen,
                      "detail": f"Borgere: søgning «{rng.randrange(10**6)}»"}  # fmt: skip
            seq, prev = links[device]
            digest = link_hash(prev, seq + 1, fields)
            links[device] = (seq + 1, digest)
            batch.append((*fields.values(), seq + 1, prev, digest))
            if len(batch) == 20_000:
                cur.executemany(
                    "INSERT INTO audit_log (id, at, staff_id, device_id, action, entity, entity_id, citizen_id, "
                    "detail, chain_seq, chain_prev, chain_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    batch,
                )
                batch.clear()
                print(f"\r  {n + 1:,} rækker".replace(",", "."), end="", file=sys.stderr, flush=True)
        if batch:
            cur.executemany(
                "INSERT INTO audit_log (id, at, staff_id, device_id, action, entity, entity_id, citizen_id, "
                "detail, chain_seq, chain_prev, chain_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
        for name, columns in indexes:
            conn.execute(f"CREATE INDEX {name} ON audit_log ({', '.join(columns)})")
        conn.commit()
        print(file=sys.stderr)
    finally:
        conn.close()


def _timed(call, repeat: int) -> tuple[float, float]:
    call()  # warm-up: the page cache, as for a user who opens F7 a second time
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return median(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.queries.audit_log import AuditFilter, audit_page
    from aaben_raadgivning.store.sqlite_driver import CIPHER_FORMAT

    # (the cipher format in the folder name: a file of another format is built again, not misread)
    path = DATA_ROOT / f"audit-{args.rows}-{CIPHER_FORMAT}" / "audit.sqlite3"
    if not path.exists():
        print(f"Bygger {args.rows:,} revisionsrækker i {path} …".replace(",", "."), file=sys.stderr)
        tmp = path.with_name("building.sqlite3")
        tmp.unlink(missing_ok=True)
        _build(tmp, args.rows, args.seed)
        tmp.rename(path)
    db = open_database(path, path.parent / "backups", office_key=bench_key(True))
    try:
        with db.engine.connect() as conn:
            staff_id = conn.exec_driver_sql("SELECT id FROM staff ORDER BY initials LIMIT 1").scalar_one()
            total = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()
            citizen = conn.exec_driver_sql(
                "SELECT citizen_id FROM audit_log WHERE citizen_id IS NOT NULL ORDER BY at DESC LIMIT 1"
            ).scalar_one()
            some_citizens = tuple(conn.exec_driver_sql(
                "SELECT DISTINCT citizen_id FROM audit_log INDEXED BY ix_audit_log_at_id "
                "WHERE citizen_id IS NOT NULL ORDER BY at LIMIT 20").scalars())  # fmt: skip
            newest = conn.exec_driver_sql("SELECT max(at) FROM audit_log").scalar_one()
            any_id = conn.exec_driver_sql("SELECT id FROM audit_log LIMIT 1").scalar_one()
            conn.rollback()
        last = datetime.fromisoformat(newest).date()
        year_back = audit_page(db, "leder", AuditFilter(date_to=last - timedelta(days=365)), limit=1)[0]
        cases = [
            ("alle, første side", AuditFilter(), None),
            ("medarbejder", AuditFilter(staff_id=staff_id), None),
            ("borger (én)", AuditFilter(citizen_ids=(citizen,)), None),
            ("borgersøgning (20 borgere)", AuditFilter(citizen_ids=some_citizens), None),
            ("periode: en måned", AuditFilter(date_from=last - timedelta(days=60), date_to=last - timedelta(days=30)),
             None),
            ("slags: opslag og søgninger", AuditFilter(kind="lookup"), None),
            ("slags: udtræk (sjælden)", AuditFilter(kind="extract"), None),
            ("slags: sletning (ingen rækker)", AuditFilter(kind="purge"), None),
            ("medarbejder + slags + periode", AuditFilter(staff_id=staff_id, kind="change",
                                                          date_from=last - timedelta(days=90)), None),
            ("alle, side et år tilbage (keyset)", AuditFilter(), year_back),
        ]  # fmt: skip
        results = []
        for name, flt, after in cases:
            med, worst = _timed(lambda flt=flt, after=after: audit_page(db, "leder", flt, after), args.repeat)
            rows = len(audit_page(db, "leder", flt, after))
            results.append((name, rows, med, worst))

        def baseline() -> None:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT id, detail FROM audit_log WHERE id = ?", (any_id,)).first()
                conn.rollback()

        base, _ = _timed(baseline, args.repeat)
    finally:
        db.close()
    print(f"Revisionsspor (F7): første side på {f'{total:,}'.replace(',', '.')} rækker, krypteret database")
    print(table(("filter", "rækker", "median ms", "maks ms", "mål"),
                [(n, r, f"{m:.1f}", f"{w:.1f}", "OK" if w <= TARGET_MS else "OVER") for n, r, m, w in results]))  # fmt: skip
    print(f"Grundlinje (opslag på primærnøgle): {base:.2f} ms")
    worst_all = max(w for *_, w in results)
    print(f"Mål: første side ≤ {TARGET_MS:.0f} ms — langsomste: {worst_all:.1f} ms "
          f"({'OK' if worst_all <= TARGET_MS else 'OVER'})")  # fmt: skip
    save_results("audit_log", {"rows": total, "target_ms": TARGET_MS, "baseline_ms": base,
                               "cases": [{"filter": n, "rows": r, "median_ms": m, "max_ms": w}
                                         for n, r, m, w in results]})  # fmt: skip
    return 0 if worst_all <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

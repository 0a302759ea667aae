"""Issue 3 target: a citizen with 5 000 events opens (summary + first page of the timeline) in ≤ 100 ms,
in the database of 100 000 citizens and 1 000 000 events.

    PYTHONPATH=src python benchmarks/bench_citizen.py [--runs 30]

The cached dataset (generate.py) gets one "heavy" citizen with 5 000 events the first time (its id is
kept in the dataset's metadata). Each run opens that citizen the way the F3 screen does:
``citizen_summary`` + ``timeline_page(limit=100)``. Every run uses a fresh Database (cold ORM identity
map, warm page cache). Baseline, interleaved run by run: the same for a citizen with the median number
of events, and a primary-key lookup, so a noisy machine shows in the baseline too.

Encryption (issue 14): the figures are for the encrypted dataset; every run also opens the same citizens
in the plain dataset (``open_database(…, office_key=None)``), the order alternating run by run. Target:
the 5 000-event citizen encrypted ≤ 1.3 × plain.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
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

TARGET_MS = 100.0
HEAVY_EVENTS = 5_000
PAGE = 100


def ensure_heavy_citizen(root: Path, meta: dict, office_key=None) -> str:
    """Give one citizen 5 000 events (bulk insert, like the demo generator), once; keep its id in meta.
    (The encrypted dataset, converted from the plain one, usually has it already.)"""
    from aaben_raadgivning.config import DB_FILENAME
    from aaben_raadgivning.ids import new_id
    from generate import META_FILE, _counts

    if meta.get("heavy_citizen_id"):
        return meta["heavy_citizen_id"]
    database = root / DB_FILENAME
    with closing(connect(database, office_key)) as conn, conn:
        citizen_id, staff_id = conn.execute(
            "SELECT (SELECT id FROM citizens WHERE deleted_at IS NULL ORDER BY id LIMIT 1), (SELECT id FROM staff LIMIT 1)"
        ).fetchone()
        have = conn.execute("SELECT count(*) FROM events WHERE citizen_id = ?", (citizen_id,)).fetchone()[0]
        start = datetime(2022, 1, 3, 9, 0)
        rows = [
            (new_id(), citizen_id, "samtale" if i % 3 else "note", (start + timedelta(hours=6 * i)).isoformat(" "),
             (start + timedelta(hours=6 * i)).isoformat(" "), staff_id, f"Opfølgende samtale nr. {i}", "", None, None)
            for i in range(HEAVY_EVENTS - have)
        ]  # fmt: skip
        conn.executemany(
            "INSERT INTO events (id, citizen_id, kind, occurred_at, recorded_at, staff_id, summary, details, "
            "corrects_id, walk_in_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    meta["heavy_citizen_id"] = citizen_id
    meta["counts"] = _counts(database, office_key)
    (root / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return citizen_id


def median_citizen(db) -> str:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT citizen_id FROM events GROUP BY citizen_id HAVING count(*) = 10 LIMIT 1")
        ).scalar_one()


def open_citizen(db, citizen_id: str, today: date, viewer) -> tuple[float, int]:
    from aaben_raadgivning.store.queries.citizen import citizen_summary, timeline_page

    started = time.perf_counter()
    summary = citizen_summary(db, citizen_id, today, viewer=viewer)
    page = timeline_page(db, citizen_id, limit=PAGE, viewer=viewer)
    elapsed = (time.perf_counter() - started) * 1000
    assert summary is not None
    return elapsed, len(page)


def pk_lookup(db, citizen_id: str) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execute(text("SELECT id FROM citizens WHERE id = :id"), {"id": citizen_id}).one()
    return (time.perf_counter() - started) * 1000


def _figures(samples: dict[str, list[float]]) -> dict:
    result = {name: {"median_ms": median(values), "p95_ms": percentile(values, 95)} for name, values in samples.items()}
    result["heavy"]["ratio_to_typical"] = result["heavy"]["median_ms"] / result["typical"]["median_ms"]
    result["heavy"]["ratio_to_pk"] = result["heavy"]["median_ms"] / result["pk"]["median_ms"]
    result["heavy"]["pass"] = result["heavy"]["median_ms"] <= TARGET_MS
    return result


def run(runs: int, plain: bool = True) -> dict:
    """The encrypted dataset; with ``plain`` the plain one too, run by run (issue 14)."""
    ensure_importable()
    from aaben_raadgivning.config import DB_FILENAME
    from aaben_raadgivning.store.database import open_database
    from generate import ensure_dataset

    variants = {}  # name → (data dir, office key)
    root, meta, _ = ensure_dataset()
    key = bench_key(encrypted=True)
    heavy = ensure_heavy_citizen(root, meta, key)
    variants["encrypted"] = (root, key)
    if plain:
        plain_root, plain_meta, _ = ensure_dataset(encrypted=False, quiet=True)
        if ensure_heavy_citizen(plain_root, plain_meta, None) != heavy:
            raise RuntimeError("the plain and the encrypted dataset have different heavy citizens")
        variants["plain"] = (plain_root, None)
    today = date.fromisoformat(meta.get("today", date.today().isoformat()))
    samples = {name: {"heavy": [], "typical": [], "pk": []} for name in variants}
    rows = 0
    db = open_database(root / DB_FILENAME, root / "backups", office_key=key)
    typical = median_citizen(db)
    viewer = bench_viewer(db)  # a jobkonsulent, as on the F3 screen
    db.close()
    names = list(variants)
    for index in range(runs):
        for name in names if index % 2 == 0 else names[::-1]:
            folder, office_key = variants[name]
            # a fresh engine and ORM state per run
            db = open_database(folder / DB_FILENAME, folder / "backups", office_key=office_key)
            elapsed, rows = open_citizen(db, heavy, today, viewer)
            samples[name]["heavy"].append(elapsed)
            samples[name]["typical"].append(open_citizen(db, typical, today, viewer)[0])
            samples[name]["pk"].append(pk_lookup(db, heavy))
            db.close()
    result = _figures(samples["encrypted"])
    result["page_rows"] = rows
    result["runs"] = runs
    if plain:
        result["plain"] = _figures(samples["plain"])
        plain_heavy = result["plain"]["heavy"]["median_ms"]
        result["encryption"] = encryption_row("open heavy citizen", result["heavy"]["median_ms"], plain_heavy, "ms")
        result["encryption"]["paired"] = median(
            [a / b for a, b in zip(samples["encrypted"]["heavy"], samples["plain"]["heavy"], strict=True)]
        )
    return result


def encryption_rows(result: dict) -> list[dict]:
    enc = result["encryption"]
    return [{**enc, "what": "Åbn en borger med 5 000 hændelser", "note": f"parvis {enc['paired']:.2f}"}]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open a citizen with 5 000 events (summary + first timeline page).")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-plain", action="store_true", help="leave out the plain baseline")
    args = parser.parse_args(argv)
    result = run(args.runs, plain=not args.no_plain)
    heavy, typical, pk = result["heavy"], result["typical"], result["pk"]
    print(
        table(
            ["subject", "median ms", "p95 ms"],
            [
                [f"citizen with {HEAVY_EVENTS} events", f"{heavy['median_ms']:.1f}", f"{heavy['p95_ms']:.1f}"],
                ["citizen with 10 events (baseline)", f"{typical['median_ms']:.1f}", f"{typical['p95_ms']:.1f}"],
                ["primary-key lookup (baseline)", f"{pk['median_ms']:.2f}", f"{pk['p95_ms']:.2f}"],
            ],
        )
    )
    verdict = "PASS" if heavy["pass"] else "FAIL"
    print(
        f"\nTarget ≤ {TARGET_MS:g} ms: {heavy['median_ms']:.1f} ms median ({heavy['ratio_to_typical']:.2f}× a typical "
        f"citizen, {heavy['ratio_to_pk']:.0f}× a PK lookup); first page {result['page_rows']} rows. {verdict}"
    )
    if "encryption" in result:
        p = result["plain"]
        print(f"Plain: {p['heavy']['median_ms']:.1f} ms (10 events {p['typical']['median_ms']:.1f} ms, "
              f"PK lookup {p['pk']['median_ms']:.2f} ms)")  # fmt: skip
        print(encryption_table(encryption_rows(result)))
    save_results("citizen_open", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The export for people (issue 18) on generate.py's 100 000-citizen dataset: ``export_people`` to XLSX and to
CSV, against a bare ``csv`` write of the same rows in the same run.

    PYTHONPATH=src python benchmarks/bench_export.py [--citizens 5000] [--keep]

The dataset is copied first (SQLite backup API) to ``benchmarks/.data/export-work/``: opening it may upgrade the
schema and every export writes an audit entry, and the cached dataset must stay as generated. Measured once each,
in this order, as the command line runs them (the system viewer, everything):

- ``bare_csv``: the six tables' rows (borgere, henvendelser, hændelser, aftaler, timer, opfølgning; every stored
  row, raw values) written by ``csv.writer`` — the baseline of the ratios;
- ``csv``: ``export_people(…, "csv")`` — labels, staff names, Danish dates and numbers, a file per kind;
- ``xlsx``: ``export_people(…, "xlsx")`` — openpyxl write-only, a sheet per kind.

The progress line goes to stderr as the command line shows it. The peak resident memory is reported (ru_maxrss).
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CITIZENS, DATA_ROOT, bench_key, copy_database, ensure_importable, human_bytes, save_results, table

WORK = DATA_ROOT / "export-work"
TABLES = ("citizens", "walk_ins", "events", "agreements", "hours_reports", "follow_up_tasks")


def _bare_csv(db, folder: Path) -> int:
    from sqlalchemy import select

    from aaben_raadgivning.store.models import Base

    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    with db.engine.connect() as connection:
        for name in TABLES:
            table_ = Base.metadata.tables[name]
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, delimiter=";")
                writer.writerow([column.key for column in table_.columns])
                for partition in connection.execution_options(yield_per=5_000).execute(select(table_)).partitions():
                    writer.writerows(partition)
                    rows += len(partition)
        connection.rollback()
    return rows


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size


def run(*, citizens: int = CITIZENS, keep: bool = False) -> dict:
    ensure_importable()
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.documents.export import export_people
    from generate import _db_file, ensure_dataset

    data_dir, _meta, _ = ensure_dataset(citizens, quiet=True)
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

    def progress(fraction: float, step: str) -> None:
        sys.stderr.write(f"\r{int(fraction * 100):3d} %  {step}"[:79].ljust(79))
        sys.stderr.flush()

    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    try:
        started = time.perf_counter()
        bare_rows = _bare_csv(db, WORK / "bare")
        seconds["bare_csv"] = time.perf_counter() - started
        sizes["bare_csv"] = _size(WORK / "bare")
        for fmt, out in (("csv", WORK / "csv"), ("xlsx", WORK / "eksport.xlsx")):
            started = time.perf_counter()
            result = export_people(db, out, fmt, progress=progress)
            seconds[fmt] = time.perf_counter() - started
            sys.stderr.write("\n")
            sizes[fmt] = _size(out)
            counts = result.counts
    finally:
        db.close()
        if not keep:
            shutil.rmtree(WORK, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    base = seconds["bare_csv"]
    rows = [
        (name, f"{seconds[name]:.1f}", f"{seconds[name] / base:.1f}×", human_bytes(sizes[name]))
        for name in ("bare_csv", "csv", "xlsx")
    ]
    print(table(("subject", "seconds", "÷ bare_csv", "size"), rows))
    exported = sum(counts.values())
    print(
        f"{exported:,} rækker eksporteret ({bare_rows:,} gemte rækker i de seks tabeller); højeste RSS {human_bytes(peak)}"
    )
    figures = {
        "citizens": citizens, "seconds": seconds, "ratios_to_bare_csv": {k: v / base for k, v in seconds.items()},
        "bytes": sizes, "counts": counts, "stored_rows": bare_rows, "peak_rss_bytes": peak,
    }  # fmt: skip
    save_results("export" if citizens == CITIZENS else f"export_{citizens}", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=CITIZENS, help="a smaller dataset while developing")
    parser.add_argument("--keep", action="store_true", help="keep the working copy and the files")
    args = parser.parse_args(argv)
    run(citizens=args.citizens, keep=args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

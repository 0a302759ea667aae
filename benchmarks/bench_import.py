"""Import of a caseload (issue 18): 10 000 generated rows from a CSV file into a fresh encrypted database (the
public demo key, as the other benchmarks), against a bare ``csv`` read of the same file in the same run.

    PYTHONPATH=src python benchmarks/bench_import.py [--rows 10000] [--keep]

The file has every column (CPR, name, phone, address, benefit and since, readiness, match group, jobkonsulent
and jobformidler initials, housing area), semicolon-separated, UTF-8 with BOM, as Danish Excel writes it.
Measured once each, in this order, as the command line runs them (the machine as actor):

- ``bare_csv``: ``csv.reader`` over the file into a list — the baseline of the ratios;
- ``dry_run``: ``import_citizens(…, dry_run=True)`` — read, type and check every row against the register;
- ``import``: ``import_citizens(…, dry_run=False)`` — the same checks, then every row written (batched
  transactions, a savepoint per row, change log, search index, the jobformidler's timeline event);
- ``reimport``: the same file again — every row found unchanged, nothing written.

Uses its own folder, ``benchmarks/.data/import-work/`` (removed afterwards unless ``--keep``); the 100 000-citizen
dataset is not touched.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA_ROOT, bench_key, ensure_importable, human_bytes, save_results, table

WORK = DATA_ROOT / "import-work"
ROWS = 10_000
HEADER = ["CPR-nr", "Navn", "Tlf", "Adresse", "Ydelse", "Ydelse siden", "Parathed", "Matchgruppe", "Jobkonsulent",
          "Jobformidler", "Boligområde"]  # fmt: skip
FIRST = ["Aase", "Bilal", "Ayşe", "Dorte", "Erik", "Fatima", "Gustav", "Hanne", "Ismail", "Jonas", "Karin", "Leila"]
LAST = ["Østergaard", "Hansen", "Jensen", "Yilmaz", "Nielsen", "Ali", "Pedersen", "Mortensen", "Søndergaard"]


def write_file(path: Path, rows: int, seed: int = 1) -> None:
    from aaben_raadgivning.domain.cpr import generate_cpr

    rng = random.Random(seed)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            while True:
                born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
                cpr = generate_cpr(born, rng.choice("MK"), rng)
                if cpr not in seen:
                    seen.add(cpr)
                    break
            since = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
            writer.writerow([
                cpr, f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}", f"{30000000 + n}",
                f"Eksempelvej {n % 200 + 1}, {n % 5 + 1}. tv.", rng.choice(["Kontanthjælp", "Integrationsydelse"]),
                f"{since.day}.{since.month}.{since.year}", rng.choice(["Aktivitetsparat", "Jobparat"]),
                str(rng.randint(1, 4)), "JK", rng.choice(["JF", "MB"]), rng.choice(["Ringparken", "Motalavej"]),
            ])  # fmt: skip


def bare_read(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return len(list(csv.reader(handle, delimiter=";"))) - 1


def run(*, rows: int = ROWS, keep: bool = False) -> dict:
    ensure_importable()
    from aaben_raadgivning.store.actions.citizen_import import import_citizens
    from aaben_raadgivning.store.actions.staff import create_staff
    from aaben_raadgivning.store.database import open_database

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    source = WORK / "borgere.csv"
    write_file(source, rows)
    db = open_database(WORK / "aaben-raadgivning.sqlite3", WORK / "backups", allow_new=True, office_key=bench_key())
    for initials, name, role in (("JK", "Jette Kristensen", "jobkonsulent"), ("JF", "Jakob Frederiksen", "jobformidler"),
                                 ("MB", "Mette Broker", "jobformidler")):  # fmt: skip
        create_staff(db, initials=initials, name=name, role=role, password="benchmark1")

    def progress(fraction: float, step: str) -> None:
        sys.stderr.write(f"\r{int(fraction * 100):3d} %  {step}"[:79].ljust(79))
        sys.stderr.flush()

    seconds: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    try:
        started = time.perf_counter()
        read = bare_read(source)
        seconds["bare_csv"] = time.perf_counter() - started
        for name, dry_run in (("dry_run", True), ("import", False), ("reimport", False)):
            started = time.perf_counter()
            report = import_citizens(db, None, source, dry_run=dry_run, progress=progress)
            seconds[name] = time.perf_counter() - started
            sys.stderr.write("\n")
            counts[name] = report.counts()
        size = source.stat().st_size
    finally:
        db.close()
        if not keep:
            shutil.rmtree(WORK, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    base = seconds["bare_csv"]
    table_rows = [
        (name, f"{seconds[name]:.2f}", f"{seconds[name] / base:,.0f}×", f"{rows / seconds[name]:,.0f}")
        for name in ("bare_csv", "dry_run", "import", "reimport")
    ]
    print(table(("subject", "seconds", "÷ bare_csv", "rows/s"), table_rows))
    print(f"{read:,} rækker ({human_bytes(size)}); import: {counts['import']}; igen: {counts['reimport']}; "
          f"højeste RSS {human_bytes(peak)}")  # fmt: skip
    figures = {
        "rows": rows, "seconds": seconds, "ratios_to_bare_csv": {k: v / base for k, v in seconds.items()},
        "counts": counts, "bytes": size, "peak_rss_bytes": peak,
    }  # fmt: skip
    save_results("import" if rows == ROWS else f"import_{rows}", figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="fewer rows while developing")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (database and file)")
    args = parser.parse_args(argv)
    run(rows=args.rows, keep=args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

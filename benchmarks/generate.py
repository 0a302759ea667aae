"""Create (or reuse) the load-test database: 100 000 citizens and about a million timeline events.

    PYTHONPATH=src python benchmarks/generate.py            # create or reuse benchmarks/.data/demo-100000c-10e/
    PYTHONPATH=src python benchmarks/generate.py --force    # regenerate
    PYTHONPATH=src python benchmarks/generate.py --citizens 5000   # a smaller set for trying things out
    PYTHONPATH=src python benchmarks/generate.py --force-encrypted # convert the encrypted copy again

The dataset is an app data directory (``--data-dir``): the database file plus settings.toml, laid out
exactly as ``open_runtime`` expects, filled by ``demo.generator.generate_demo``. It is built in a temporary
folder and renamed into place, so an interrupted run never leaves a half-filled "cached" database.
A small ``benchmark-dataset.json`` beside it records the parameters, counts and generation time; the
cache is reused when the schema revision is current and the counts in the database match it.

Encryption (issue 14): the generated dataset is *plain* (opened with ``RuntimeOpener.plain_for_benchmarks``),
the baseline of the comparison "krypteret / ukrypteret". The benchmarks run on an encrypted copy beside it,
``…-encrypted/``: the plain folder copied and converted in place by ``store.encryption.encrypt_database``
(``sqlcipher_export``, row counts verified) under the public demo key, with the demo key's ``office.json``,
as the ``demo`` command leaves a folder. Its metadata names the plain dataset it was made from
(``source_generated_at``), so a regenerated plain dataset means a fresh copy; it is checked the same way
(schema revision read with the key, fingerprint, counts). ``ensure_dataset()`` returns the encrypted one;
``ensure_dataset(encrypted=False)`` the plain one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    CITIZENS,
    DAYS,
    EVENTS_PER_CITIZEN,
    SEED,
    bench_key,
    connect,
    dataset_dir,
    ensure_importable,
    human_bytes,
    save_results,
)

META_FILE = "benchmark-dataset.json"


def _db_file(root: Path) -> Path:
    from aaben_raadgivning.config import DB_FILENAME

    return root / DB_FILENAME


def _counts(database: Path, office_key=None) -> dict[str, int]:
    with closing(connect(f"file:{database}?mode=ro", office_key, uri=True)) as conn:
        return {
            "citizens": conn.execute("SELECT count(*) FROM citizens WHERE deleted_at IS NULL").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
            "walk_ins": conn.execute("SELECT count(*) FROM walk_ins").fetchone()[0],
            "search_index": conn.execute("SELECT count(*) FROM citizen_search").fetchone()[0],
            "change_log": conn.execute("SELECT count(*) FROM change_log").fetchone()[0],
        }


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def schema_fingerprint() -> str:
    """A hash of the migration files: a dataset made under an edited migration is stale even when the
    revision id is the same (as happens while a migration is being written)."""
    import hashlib

    from aaben_raadgivning.store import migrations

    versions = Path(migrations.__file__).parent / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def check_cached(root: Path, citizens: int, events_per_citizen: float, office_key=None) -> tuple[dict | None, str]:
    """The recorded metadata if the cached dataset (plain, or encrypted under ``office_key``) is usable,
    else None and why not."""
    from aaben_raadgivning.store.migrate import SCHEMA_HEAD, current_revision
    from aaben_raadgivning.store.sqlite_driver import CIPHER_FORMAT, is_plain_file

    database = _db_file(root)
    meta_path = root / META_FILE
    if not database.exists() or not meta_path.exists():
        return None, "no cached dataset"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError:
        return None, "unreadable metadata"
    if meta.get("citizens_requested") != citizens or meta.get("events_per_citizen") != events_per_citizen:
        return None, "different parameters"
    if is_plain_file(database) != (office_key is None):
        return None, "encrypted where a plain one is wanted, or the other way round"
    if office_key is not None and meta.get("cipher_format") != CIPHER_FORMAT:
        return None, f"encrypted in another file format than {CIPHER_FORMAT}"
    key = office_key.database_key if office_key is not None else None
    if current_revision(database, key) != SCHEMA_HEAD or meta.get("schema_fingerprint") != schema_fingerprint():
        return None, f"schema is not the current revision {SCHEMA_HEAD} as written now"
    counts = _counts(database, office_key)
    expected = meta.get("counts", {})
    if counts["citizens"] != citizens or any(counts.get(k) != v for k, v in expected.items()):
        return None, f"counts differ from the recorded ones ({counts} vs {expected})"
    if counts["search_index"] != counts["citizens"]:
        return None, "search index does not cover every citizen"
    return meta, "ok"


def generate(root: Path, citizens: int, events_per_citizen: float, seed: int, days: int, today: date) -> dict:
    ensure_importable()
    from aaben_raadgivning.demo.generator import generate_demo
    from aaben_raadgivning.runtime import RuntimeOpener

    tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    last_report = [0.0]

    def progress(fraction: float, step: str) -> None:
        now = time.perf_counter()
        if fraction in (0.0, 1.0) or now - last_report[0] >= 10:
            last_report[0] = now
            print(f"  {fraction * 100:5.1f} %  {step}", flush=True)

    started = time.perf_counter()
    try:
        opener = RuntimeOpener.prepare(tmp, allow_new_database=True)
        opener.plain_for_benchmarks = True  # the plain dataset; the encrypted copy is converted from it
        runtime = opener.open()
        try:
            summary = generate_demo(
                runtime.db,
                citizens=citizens,
                days=days,
                events_per_citizen=events_per_citizen,
                seed=seed,
                today=today,
                progress=progress,
            )
        finally:
            runtime.close()  # last connection closed: SQLite checkpoints and removes the WAL file
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    database = _db_file(tmp)
    meta = {
        "citizens_requested": citizens,
        "events_per_citizen": events_per_citizen,
        "seed": seed,
        "days": days,
        "today": today.isoformat(),
        "generate_demo_seconds": round(summary.seconds, 2),
        "total_seconds": round(seconds, 2),
        "summary": {k: v for k, v in summary.__dict__.items() if k != "seconds"},
        "counts": _counts(database),
        "schema_fingerprint": schema_fingerprint(),
        "database_bytes": database.stat().st_size,
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return meta


def encrypt_copy(plain_root: Path, root: Path, plain_meta: dict) -> dict:
    """Copy the plain dataset folder and convert the copy to SQLCipher under the demo key; returns its metadata."""
    from aaben_raadgivning.security.key_store import write_record
    from aaben_raadgivning.store.encryption import encrypt_database
    from aaben_raadgivning.store.sqlite_driver import CIPHER_FORMAT

    key = bench_key(encrypted=True)
    tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    try:
        shutil.copytree(plain_root, tmp, ignore=shutil.ignore_patterns("*.turnstile", "backups", "logs"))
        copied = time.perf_counter()
        report = encrypt_database(_db_file(tmp), tmp / "backups", key.database_key)
        write_record(tmp, key)  # as the demo command leaves a folder: the public demo key
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    database = _db_file(tmp)
    meta = {
        **plain_meta,
        "encrypted": True,
        "key": "demo",
        "cipher_format": CIPHER_FORMAT,
        "source_generated_at": plain_meta["generated_at"],
        "copy_seconds": round(copied - started, 2),
        "encrypt_seconds": round(time.perf_counter() - copied, 2),
        "encrypted_rows": report.rows,
        "database_bytes": database.stat().st_size,
        "plain_database_bytes": plain_meta["database_bytes"],
        "encrypted_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return meta


def ensure_dataset(
    citizens: int = CITIZENS,
    events_per_citizen: float = EVENTS_PER_CITIZEN,
    *,
    force: bool = False,
    seed: int = SEED,
    days: int = DAYS,
    today: date | None = None,
    quiet: bool = False,
    encrypted: bool = True,
    force_encrypted: bool = False,
) -> tuple[Path, dict, bool]:
    """(data dir, metadata, whether it was made now) of the encrypted dataset, or of the plain one."""
    ensure_importable()
    root = dataset_dir(citizens, events_per_citizen)
    plain_meta, reason = (None, "--force") if force else check_cached(root, citizens, events_per_citizen)
    made_now = plain_meta is None
    if plain_meta is None:
        if not quiet:
            print(f"Generating {root} ({reason}) …", flush=True)
        root.parent.mkdir(parents=True, exist_ok=True)
        plain_meta = generate(root, citizens, events_per_citizen, seed, days, today or date.today())
    elif not quiet and not encrypted:
        print(f"Reusing cached dataset {root}")
    if not encrypted:
        return root, plain_meta, made_now
    key = bench_key(encrypted=True)
    enc_root = dataset_dir(citizens, events_per_citizen, encrypted=True)
    meta, reason = (None, "--force") if made_now or force_encrypted else (None, "")
    if not (made_now or force_encrypted):
        meta, reason = check_cached(enc_root, citizens, events_per_citizen, key)
        if meta is not None and meta.get("source_generated_at") != plain_meta.get("generated_at"):
            meta, reason = None, "made from an older plain dataset"
    if meta is not None:
        if not quiet:
            print(f"Reusing cached datasets {root} (plain) and {enc_root} (encrypted)")
        return enc_root, meta, False
    if not quiet:
        print(f"Encrypting a copy of {root} into {enc_root} ({reason}) …", flush=True)
    from bench_citizen import ensure_heavy_citizen

    ensure_heavy_citizen(root, plain_meta)  # first, so that both datasets hold the same rows
    return enc_root, encrypt_copy(root, enc_root, plain_meta), True


def describe(root: Path, meta: dict, generated_now: bool) -> str:
    counts = meta["counts"]
    lines = [
        f"Dataset:        {root}",
        f"Citizens:       {counts['citizens']:,}",
        f"Events:         {counts['events']:,}  (walk-ins {counts['walk_ins']:,}, change log {counts['change_log']:,})",
        f"Generated in:   {meta['total_seconds']:.1f} s (generate_demo {meta['generate_demo_seconds']:.1f} s)"
        + ("" if generated_now else f", on {meta['generated_at']} (cached)"),
        *(
            [
                f"Encrypted:      SQLCipher, demo key; copy {meta['copy_seconds']:.0f} s + conversion "
                f"{meta['encrypt_seconds']:.0f} s, on {meta['encrypted_at']}" + ("" if generated_now else " (cached)")
            ]
            if meta.get("encrypted")
            else ["Encrypted:      no (plain)"]
        ),  # fmt: skip
        f"Database file:  {human_bytes(meta['database_bytes'])} ({meta['database_bytes']:,} bytes); "
        f"data dir {human_bytes(_size(root))}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=CITIZENS)
    parser.add_argument("--events-per-citizen", type=float, default=EVENTS_PER_CITIZEN)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--force", action="store_true", help="regenerate even if a usable cached dataset exists")
    parser.add_argument("--force-encrypted", action="store_true", help="convert the encrypted copy again")
    parser.add_argument("--plain", action="store_true", help="only the plain dataset")
    args = parser.parse_args(argv)
    root, meta, generated_now = ensure_dataset(
        args.citizens, args.events_per_citizen, force=args.force, seed=args.seed, days=args.days,
        encrypted=not args.plain, force_encrypted=args.force_encrypted,
    )  # fmt: skip
    print(describe(root, meta, generated_now))
    save_results("generate", {"data_dir": str(root), "generated_now": generated_now, **meta})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Sync through a PostgreSQL server (sync/server/): throughput, a round with nothing to do, 20 laptops at once,
and a new laptop from the server's snapshot.

    PYTHONPATH=src python benchmarks/bench_server_sync.py [--changes 20000] [--runs 5] [--laptops 20]
                                                           [--per-laptop 5000] [--skip-large] [--generate]
    PYTHONPATH=src python benchmarks/bench_server_sync.py --quick     # small sizes, no 100 000-citizen part

A throwaway PostgreSQL cluster is started for the run (tests/support/postgres.py: ``initdb`` into a temporary
folder, as the ``postgres`` OS user when run as root, Unix socket only, fsync off) and removed at the end;
each measurement gets a fresh server database (``init_server``). Every laptop is SQLCipher-encrypted under
the demo key, so the values on the server are sealed, as in production.

1. Throughput: laptop A has N new timeline events (written through the real Tx, one change each; A has
   synced once before, so they go through the relay log as in daily use); one ``sync_server`` round on A
   pushes them, one round on laptop B (a fresh device that has synced once, so it does not start from a
   snapshot; ``snapshot="never"`` for both) pulls and applies them. Target N / (push + pull) ≥ 20 000
   changes/s, and as a ratio against a raw ``COPY`` of the same N entries (the rows A's push left on the
   server: same columns, same bytea sizes) into a table made ``LIKE changes INCLUDING ALL`` in the same
   server database, run by run, the order alternating: COPY / (push + pull) ≥ 0.5. COPY / push alone is
   reported too (the pull includes the merge into SQLite).
2. No-op: a round with nothing to push or pull on a small database (200 changes; the default
   ``snapshot="auto"``, a snapshot already on the server); target ≤ 50 ms. For context: a bare connection
   + ``SELECT 1`` to the same server, and how many server connections one round opens.
3. Many laptops: ``--laptops`` Python processes, each with its own database, make ``--per-laptop`` changes
   each (and have synced once before, untimed), then, all released at once, run rounds
   (``snapshot="never"``) until each has everyone's changes. Reported: wall time from the release to the
   last laptop converged, the server's CPU time in that interval (the postmaster and its backends, from
   /proc: utime + stime, plus the reaped backends' cutime + cstime), the laptops' CPU, rounds per laptop.
   Verified: every laptop and the server hold all the changes (change_log / changes rows).
4. New laptop: the 100 000-citizen dataset (generate.py, encrypted copy) is copied and opened the normal
   way (which migrates it to the current schema when it is older), one ``sync_server(snapshot="always")``
   round uploads it (the first push sends its whole change log, then the snapshot); then an empty laptop's
   first round is timed (download + checksum + take + pull nothing). Target ≤ 30 s. Its peak RSS during
   that round is reported too (VmHWM, reset before it). Skipped (said so) when the dataset is missing,
   unless ``--generate``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REPO_DIR,
    bench_key,
    child_env,
    connect,
    copy_database,
    dataset_dir,
    ensure_importable,
    human_bytes,
    median,
    save_results,
    table,
)

TARGET_RATE = 20_000
TARGET_RATIO = 0.5
TARGET_NOOP_MS = 50.0
TARGET_NEW_LAPTOP_S = 30.0
CONVERGE_TIMEOUT_S = 900.0
PUSH_COLUMNS = "change_id, device_id, origin_seq, hlc, table_name, row_id, op, field, value, base, staff_id, pushed_by"


# --- the throwaway server ---------------------------------------------------------------------------------


class NoPostgres(RuntimeError):
    """No PostgreSQL cluster could be started here (the reason is the message)."""


def start_server():
    """A throwaway cluster from tests/support/postgres.py (the tests' own), or NoPostgres with the reason."""
    tests_dir = str(REPO_DIR / "tests")
    if tests_dir not in sys.path:
        sys.path.append(tests_dir)  # (appended: nothing of the benchmarks' is shadowed)
    try:
        import pytest

        from support.postgres import start_cluster
    except ImportError as exc:  # (the helper is the tests': it needs the dev/test extras)
        raise NoPostgres(f"{exc.name} is not installed (pip install '.[test]')") from None

    try:
        return start_cluster()
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:  # how the module gives up
        raise NoPostgres(str(exc.msg)) from None


def stop_server(cluster) -> None:
    from support.postgres import remove_cluster

    remove_cluster(cluster)


def _new_server(cluster, key) -> tuple[str, str]:
    """A fresh database on the cluster with the server schema; (url, database name)."""
    from aaben_raadgivning.sync.server.connection import server_engine
    from aaben_raadgivning.sync.server.schema import init_server

    name = cluster.new_database()
    url = cluster.url(name)
    engine = server_engine(url)
    init_server(engine, key)
    engine.dispose()
    return url, name


def _pg(cluster, database: str):
    import psycopg

    return psycopg.connect(host=str(cluster.socket), user="postgres", dbname=database)


def server_cpu_seconds(cluster) -> float:
    """CPU time of the cluster so far: the postmaster's own and its reaped children's (cutime + cstime), and
    every live child's (backends, checkpointer, walwriter, …), from /proc."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str] | None:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on; comm may hold spaces

    own = fields(postmaster)
    if own is None:
        raise RuntimeError("the PostgreSQL postmaster is gone")
    total = sum(int(v) for v in own[11:15])  # utime, stime, cutime, cstime (fields 14-17)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != postmaster:
            child = fields(int(entry.name))
            if child is not None and int(child[1]) == postmaster:  # field 4: ppid
                total += int(child[11]) + int(child[12])
    return total / ticks


# --- laptops ----------------------------------------------------------------------------------------------


def _laptop(template: Path, folder: Path, key):
    from bench_sync import _device

    return _device(template, folder / "db.sqlite3", key)


def _staff_and_citizen(db, initials: str = "SY") -> str:
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from aaben_raadgivning.store.actions.staff import create_staff

    staff = create_staff(db, initials=initials, name=f"Synne Ytting {initials}", role="jobkonsulent",
                         password="hemmelig123")  # fmt: skip
    return create_citizen(db, staff.id, name=f"Åse Østergaard {initials}").id


def _add_events(db, citizen_id: str, count: int) -> None:
    """``count`` timeline events through the real Tx (one change each), in transactions of 2 000."""
    from aaben_raadgivning.store.models import Event

    done = 0
    while done < count:
        with db.transaction() as tx:
            for _ in range(min(2_000, count - done)):
                tx.add(Event(citizen_id=citizen_id, kind="samtale", occurred_at=tx.now, recorded_at=tx.now,
                             summary="Opfølgende samtale", details="Talt om praktik og CV."))  # fmt: skip
                done += 1


def _count(db, sql: str, *params: object) -> int:
    with db.engine.connect() as conn:
        value = conn.exec_driver_sql(sql, params).scalar_one()
        conn.rollback()
    return value


# --- 1. throughput ----------------------------------------------------------------------------------------


def _copy_rows(cluster, database: str, rows: list[tuple]) -> float:
    """The baseline: a raw COPY of ``rows`` into a fresh table made like ``changes``, one transaction. Seconds."""
    with _pg(cluster, database) as conn:
        conn.execute("CREATE TABLE changes_copy (LIKE changes INCLUDING ALL)")
        conn.commit()
        with conn.cursor() as cursor:
            started = time.perf_counter()
            with cursor.copy(f"COPY changes_copy ({PUSH_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            elapsed = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM changes_copy").fetchone()[0]
    assert copied == len(rows), (copied, len(rows))
    return elapsed


def _one_run(cluster, key, template: Path, source: Path, citizen_id: str, run_dir: Path, changes: int,
             copy_rows: list[tuple] | None, copy_first: bool) -> dict:  # fmt: skip
    """One run on a fresh server database: A (synced once) gets ``changes`` events, A pushes, B (synced once)
    pulls; the raw COPY of ``copy_rows`` before or after. Returns seconds, and the rows A's push left."""
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.sync.server.round import sync_server

    url, name = _new_server(cluster, key)
    shutil.copytree(source, run_dir / "a")
    a = open_database(run_dir / "a" / "db.sqlite3", run_dir / "a" / "backups", office_key=key)
    b = _laptop(template, run_dir / "b", key)
    sync_server(a, url, device_name="a", snapshot="never")  # (its first round: the whole change log)
    got = sync_server(b, url, device_name="b", snapshot="never")
    assert got.received > 0, got  # B has pulled once: it does not start from a snapshot
    with closing(_pg(cluster, name)) as conn:
        before = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
    _add_events(a, citizen_id, changes)
    copy_s = _copy_rows(cluster, name, copy_rows) if copy_rows is not None and copy_first else None
    started = time.perf_counter()
    pushed = sync_server(a, url, device_name="a", snapshot="never")
    middle = time.perf_counter()
    pulled = sync_server(b, url, device_name="b", snapshot="never")
    ended = time.perf_counter()
    assert pushed.sent == pulled.received >= changes, (pushed, pulled)
    with closing(_pg(cluster, name)) as conn:
        rows = conn.execute(f"SELECT {PUSH_COLUMNS} FROM changes WHERE seq > %s ORDER BY seq", (before,)).fetchall()
    if copy_rows is not None and not copy_first:
        copy_s = _copy_rows(cluster, name, copy_rows)
    a.close()
    b.close()
    shutil.rmtree(run_dir)
    cluster.sql(f"DROP DATABASE {name}")
    return {"changes": pushed.sent, "push": middle - started, "pull": ended - middle, "total": ended - started,
            "copy": copy_s, "rows": rows}  # fmt: skip


def throughput(cluster, changes: int, runs: int) -> dict:
    """One untimed warm-up run (whose pushed rows are the COPY baseline's), then ``runs`` timed runs."""
    from bench_sync import _template

    key = bench_key()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = _template(root, key)
        source = root / "source"
        db = _laptop(template, source, key)
        citizen_id = _staff_and_citizen(db)
        db.close()
        warm = _one_run(cluster, key, template, source, citizen_id, root / "warm", changes, None, False)
        copy_rows = warm["rows"]
        sizes = sorted(len(row[8] or b"") for row in copy_rows)
        rounds = []
        for run in range(runs):
            done = _one_run(cluster, key, template, source, citizen_id, root / f"run{run}", changes, copy_rows,
                            copy_first=run % 2 == 0)  # fmt: skip
            done.pop("rows")
            rounds.append(done)
    total = median([r["total"] for r in rounds])
    counted = rounds[-1]["changes"]
    return {
        "changes": counted,
        "runs": runs,
        "push_s": median([r["push"] for r in rounds]),
        "pull_s": median([r["pull"] for r in rounds]),
        "total_s": total,
        "rate": counted / total,
        "push_rate": counted / median([r["push"] for r in rounds]),
        "pull_rate": counted / median([r["pull"] for r in rounds]),
        "copy_s": median([r["copy"] for r in rounds]),
        "copy_rows": len(copy_rows),
        "value_bytes_median": median(sizes),
        "ratio": median([r["copy"] / r["total"] for r in rounds]),
        "ratio_push": median([r["copy"] / r["push"] for r in rounds]),
        "rounds": rounds,
    }


# --- 2. no-op ---------------------------------------------------------------------------------------------


def noop_small(cluster, runs: int) -> dict:
    from sqlalchemy import event

    from aaben_raadgivning.sync.server.connection import server_engine
    from aaben_raadgivning.sync.server.round import sync_server
    from bench_sync import _fill, _template

    key = bench_key()
    url, name = _new_server(cluster, key)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = _template(root, key)
        a = _laptop(template, root / "a", key)
        b = _laptop(template, root / "b", key)
        _fill(a, 200)
        for db in (a, b, a, b):  # (the default snapshot="auto": the first round writes one)
            sync_server(db, url)
        times, bare, connections = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            report = sync_server(b, url)
            times.append((time.perf_counter() - started) * 1000)
            assert report.sent == report.received == 0 and not report.snapshot_written, report
            started = time.perf_counter()
            with closing(_pg(cluster, name)) as conn:
                conn.execute("SELECT 1").fetchone()
            bare.append((time.perf_counter() - started) * 1000)
        engine = server_engine(url)  # one more round, counting the server connections it opens
        opened = [0]
        event.listen(engine, "connect", lambda *_: opened.__setitem__(0, opened[0] + 1))
        sync_server(b, url, engine=engine)
        connections.append(opened[0])
        engine.dispose()
        a.close()
        b.close()
    cluster.sql(f"DROP DATABASE {name}")
    return {"noop_ms": median(times), "noop_min_ms": min(times), "noop_max_ms": max(times),
            "bare_connect_ms": median(bare), "connections_per_round": connections[0], "runs": runs}  # fmt: skip


# --- 3. many laptops --------------------------------------------------------------------------------------


def laptop_child(args: list[str]) -> int:
    """One laptop process of part 3: ``TEMPLATE FOLDER URL INDEX PER_LAPTOP``. Prints ``ready N``, waits for
    ``go EXPECTED`` on stdin, syncs until it has EXPECTED changes, prints ``done {json}``."""
    ensure_importable()
    import resource

    from aaben_raadgivning.sync.server.round import sync_server

    template, folder, url, index, per_laptop = Path(args[0]), Path(args[1]), args[2], int(args[3]), int(args[4])
    key = bench_key()
    db = _laptop(template, folder, key)
    name = f"laptop-{index:02d}"
    sync_server(db, url, device_name=name, snapshot="never")  # joined before, as in daily use
    citizen_id = _staff_and_citizen(db, f"L{index:02d}")
    mine = "SELECT count(*) FROM change_log WHERE device_id = ?"
    _add_events(db, citizen_id, per_laptop - _count(db, mine, db.device_id))
    print(f"ready {_count(db, mine, db.device_id)}", flush=True)
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        return 1
    expected = int(line[1])
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    rounds = sent = received = 0
    have = 0
    while time.monotonic() - started < CONVERGE_TIMEOUT_S:
        report = sync_server(db, url, device_name=name, snapshot="never")
        rounds += 1
        sent += report.sent
        received += report.received
        have = _count(db, "SELECT count(*) FROM change_log")
        if have >= expected:
            break
        if report.received == 0:
            time.sleep(0.05)  # nothing new yet: the others are still pushing
    done_at = time.monotonic()
    used = resource.getrusage(resource.RUSAGE_SELF)
    db.close()
    result = {"index": index, "done_at": done_at, "seconds": done_at - started, "rounds": rounds, "sent": sent,
              "received": received, "have": have, "converged": have >= expected,
              "cpu_s": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime}  # fmt: skip
    print("done " + json.dumps(result), flush=True)
    return 0


def many_laptops(cluster, laptops: int, per_laptop: int) -> dict:
    from bench_sync import _template

    key = bench_key()
    url, name = _new_server(cluster, key)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = _template(root, key)
        procs = []
        prepared = time.perf_counter()
        for index in range(laptops):
            folder = root / f"laptop{index:02d}"
            folder.mkdir()
            procs.append(subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--laptop-child", str(template), str(folder), url,
                 str(index), str(per_laptop)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=(folder / "stderr.txt").open("w"), text=True,
                env=child_env(), cwd=REPO_DIR,
            ))  # fmt: skip
        try:
            own = []
            for index, proc in enumerate(procs):
                line = proc.stdout.readline().split()
                if not line or line[0] != "ready":
                    raise RuntimeError(
                        f"laptop {index} failed: {(root / f'laptop{index:02d}' / 'stderr.txt').read_text()[-2000:]}"
                    )
                own.append(int(line[1]))
            prepare_s = time.perf_counter() - prepared
            expected = sum(own)
            cpu_before = server_cpu_seconds(cluster)
            go_at = time.monotonic()
            for proc in procs:
                proc.stdin.write(f"go {expected}\n")
                proc.stdin.flush()
            results = []
            for index, proc in enumerate(procs):
                line = proc.stdout.readline()
                if not line.startswith("done "):
                    raise RuntimeError(
                        f"laptop {index} failed: {(root / f'laptop{index:02d}' / 'stderr.txt').read_text()[-2000:]}"
                    )
                results.append(json.loads(line[5:]))
            cpu_after = server_cpu_seconds(cluster)
            for proc in procs:
                proc.wait(timeout=60)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        counts = []
        for index in range(laptops):
            with closing(connect(root / f"laptop{index:02d}" / "db.sqlite3", key)) as conn:
                counts.append(conn.execute("SELECT count(*) FROM change_log").fetchone()[0])
    with closing(_pg(cluster, name)) as conn:
        on_server = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    cluster.sql(f"DROP DATABASE {name}")
    wall = max(r["done_at"] for r in results) - go_at
    complete = all(r["converged"] for r in results) and all(c == expected for c in counts) and on_server == expected
    return {
        "laptops": laptops,
        "per_laptop": per_laptop,
        "expected": expected,
        "prepare_s": prepare_s,
        "wall_s": wall,
        "rate": expected * laptops / wall,  # changes applied or pushed per second, all laptops together
        "server_cpu_s": cpu_after - cpu_before,
        "laptops_cpu_s": sum(r["cpu_s"] for r in results),
        "rounds_median": median([r["rounds"] for r in results]),
        "rounds_max": max(r["rounds"] for r in results),
        "laptop_s_median": median([r["seconds"] for r in results]),
        "counts_min": min(counts),
        "counts_max": max(counts),
        "server_changes": on_server,
        "complete": complete,
    }


# --- 4. new laptop from the server's snapshot -------------------------------------------------------------


def _peak_rss_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def new_laptop(cluster, runs: int, generate: bool) -> dict:
    from aaben_raadgivning.config import DB_FILENAME
    from aaben_raadgivning.store.database import open_database
    from aaben_raadgivning.store.migrate import SCHEMA_HEAD, current_revision
    from aaben_raadgivning.sync.server.round import sync_server
    from bench_sync import _template

    key = bench_key()
    data_dir = dataset_dir(encrypted=True)
    if not (data_dir / DB_FILENAME).exists():
        if not generate:
            return {"skipped": f"no dataset at {data_dir} (make it with generate.py, or pass --generate)"}
        from generate import ensure_dataset

        data_dir = ensure_dataset(encrypted=True)[0]
    meta_path = data_dir / "benchmark-dataset.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    revision = current_revision(data_dir / DB_FILENAME, key.database_key)
    url, name = _new_server(cluster, key)
    with tempfile.TemporaryDirectory(dir=data_dir.parent) as tmp:
        root = Path(tmp)
        source_dir = root / "source"
        source_dir.mkdir()
        started = time.perf_counter()
        copy_database(data_dir / DB_FILENAME, source_dir / DB_FILENAME, key)
        # the app's own open path: migrates a dataset made before the newest migration (with its backup)
        source = open_database(source_dir / DB_FILENAME, source_dir / "backups", office_key=key)
        shutil.rmtree(source_dir / "backups", ignore_errors=True)
        prepare_s = time.perf_counter() - started
        started = time.perf_counter()
        written = sync_server(source, url, device_name="source", snapshot="always")
        upload_s = time.perf_counter() - started
        source.close()
        shutil.rmtree(source_dir)
        assert written.snapshot_written, written
        with closing(_pg(cluster, name)) as conn:
            size, covers = conn.execute("SELECT size, covers_seq FROM snapshots WHERE complete").fetchone()
            on_server = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
        template = _template(root, key)
        laptop = _laptop(template, root / "laptop", key)
        reset = _peak_rss_reset()
        started = time.perf_counter()
        report = sync_server(laptop, url, device_name="new", snapshot="never")
        new_laptop_s = time.perf_counter() - started
        peak = _peak_rss_mb() if reset else None
        citizens = _count(laptop, "SELECT count(*) FROM citizens WHERE deleted_at IS NULL")
        events = _count(laptop, "SELECT count(*) FROM events")
        indexed = _count(laptop, "SELECT count(*) FROM citizen_search")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            noop = sync_server(laptop, url, device_name="new", snapshot="never")
            times.append((time.perf_counter() - started) * 1000)
            assert noop.sent == noop.received == 0, noop
        laptop.close()
    cluster.sql(f"DROP DATABASE {name}")
    return {
        "dataset": str(data_dir),
        "dataset_revision": revision,
        "migrated_to": SCHEMA_HEAD,
        "prepare_s": prepare_s,
        "upload_s": upload_s,
        "pushed": written.sent,
        "server_changes": on_server,
        "snapshot_bytes": size,
        "covers_seq": covers,
        "new_laptop_s": new_laptop_s,
        "new_laptop_peak_rss_mb": peak,
        "new_laptop_received": report.received,
        "citizens": citizens,
        "events": events,
        "indexed": indexed,
        "dataset_citizens": meta.get("counts", {}).get("citizens"),
        "noop_large_ms": median(times),
    }


# --- the whole benchmark ----------------------------------------------------------------------------------


def run(changes: int = 20_000, runs: int = 5, laptops: int = 20, per_laptop: int = 5_000, skip_large: bool = False,
        generate: bool = False, skip_laptops: bool = False) -> dict:  # fmt: skip
    ensure_importable()
    try:
        cluster = start_server()
    except NoPostgres as exc:
        print(f"NO POSTGRESQL: the server-sync benchmark did not run: {exc}")
        return {"skipped": str(exc)}
    results: dict = {}
    try:
        print(f"  throughput: {runs} runs of {changes:,} changes", flush=True)
        results["throughput"] = throughput(cluster, changes, runs)
        print("  no-op round", flush=True)
        results["noop"] = noop_small(cluster, max(11, runs))
        if not skip_laptops:
            print(f"  {laptops} laptops × {per_laptop:,} changes", flush=True)
            results["many"] = many_laptops(cluster, laptops, per_laptop)
        if not skip_large:
            print("  new laptop from the server's snapshot (100 000 citizens)", flush=True)
            results["large"] = new_laptop(cluster, max(11, runs), generate)
    finally:
        stop_server(cluster)
    return results


def _new_laptop_verdict(big: dict) -> str:
    if big.get("dataset_citizens") is not None and big["citizens"] != big["dataset_citizens"]:
        return f"MANGLER DATA ({big['citizens']:,} af {big['dataset_citizens']:,} borgere)"
    return "OK" if big["new_laptop_s"] <= TARGET_NEW_LAPTOP_S else "FOR LANGSOM"


def report(results: dict) -> list[list[str]]:
    """Rows of [what, measured, goal, verdict]; the goal is empty for figures given for context."""
    if "skipped" in results:
        return [["Server-synk", f"ikke kørt: {results['skipped']}", "", ""]]
    t, n = results["throughput"], results["noop"]
    rows = [
        ["Server: gennemløb (push+pull)", (f"{t['rate']:,.0f} ændr./s ({t['changes']:,} på {t['total_s']:.2f} s: "
         f"push {t['push_s']:.2f} + pull {t['pull_s']:.2f})"), f"≥ {TARGET_RATE:,}/s",
         "OK" if t["rate"] >= TARGET_RATE else "FOR LANGSOM"],
        ["Server: forhold til rå COPY", f"{t['ratio']:.2f} (COPY {t['copy_s']:.2f} s, {t['copy_rows']:,} rækker)",
         f"≥ {TARGET_RATIO}", "OK" if t["ratio"] >= TARGET_RATIO else "FOR LANGSOM"],
        ["(push alene mod COPY)", f"{t['ratio_push']:.2f} (push {t['push_rate']:,.0f}/s, pull {t['pull_rate']:,.0f}/s)",
         "", ""],
        ["Server: intet at gøre, lille db", (f"{n['noop_ms']:.1f} ms ({n['connections_per_round']} forbindelser; "
         f"bar forbindelse + SELECT 1: {n['bare_connect_ms']:.1f} ms)"), f"≤ {TARGET_NOOP_MS:.0f} ms",
         "OK" if n["noop_ms"] <= TARGET_NOOP_MS else "FOR LANGSOM"],
    ]  # fmt: skip
    if "many" in results:
        m = results["many"]
        rows.append(
            [f"Server: {m['laptops']} computere × {m['per_laptop']:,} ændr.", (f"{m['wall_s']:.1f} s til enighed; "
             f"server-CPU {m['server_cpu_s']:.1f} s, computere {m['laptops_cpu_s']:.1f} s; runder median "
             f"{m['rounds_median']:.0f} / maks {m['rounds_max']}; alle har {m['counts_min']:,}–{m['counts_max']:,} "
             f"af {m['expected']:,}"), "(info)", "OK" if m["complete"] else "MANGLER DATA"]
        )  # fmt: skip
    if "large" in results:
        big = results["large"]
        if "skipped" in big:
            rows.append(["Server: ny computer fra øjebliksbillede", f"ikke kørt: {big['skipped']}", "", ""])
        else:
            peak = f", top-RSS {big['new_laptop_peak_rss_mb']:,.0f} MB" if big["new_laptop_peak_rss_mb"] else ""
            rows += [
                ["Server: ny computer fra øjebliksbillede", (f"{big['new_laptop_s']:.1f} s ({big['citizens']:,} "
                 f"borgere, {big['events']:,} hændelser, {human_bytes(big['snapshot_bytes'])}{peak})"),
                 f"≤ {TARGET_NEW_LAPTOP_S:.0f} s", _new_laptop_verdict(big)],
                ["(sende alt og skrive øjebliksbilledet)", (f"{big['upload_s']:.1f} s ({big['pushed']:,} ændringer; "
                 f"datasæt {big['dataset_revision']} → {big['migrated_to']})"), "", ""],
                ["(intet at gøre, 100.000 borgere)", f"{big['noop_large_ms']:.1f} ms", "", ""],
            ]  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--laptop-child":
        return laptop_child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, help="changes per throughput run, default 20 000 (quick: 5 000)")
    parser.add_argument("--runs", type=int, help="throughput runs, default 5 (quick: 3)")
    parser.add_argument("--laptops", type=int, help="laptop processes in part 3, default 20 (quick: 4)")
    parser.add_argument("--per-laptop", type=int, help="changes per laptop in part 3, default 5 000 (quick: 1 000)")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100 000-citizen new laptop (part 4)")
    parser.add_argument("--skip-laptops", action="store_true", help="skip the many-laptops part (part 3)")
    parser.add_argument("--generate", action="store_true", help="generate the 100 000-citizen dataset if missing")
    parser.add_argument("--quick", action="store_true", help="smaller defaults (above) and no part 4: a quick check")
    args = parser.parse_args(argv)
    defaults = {"changes": 20_000, "runs": 5, "laptops": 20, "per_laptop": 5_000}
    if args.quick:
        defaults = {"changes": 5_000, "runs": 3, "laptops": 4, "per_laptop": 1_000}
        args.skip_large = True
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    results = run(args.changes, args.runs, args.laptops, args.per_laptop, args.skip_large, args.generate,
                  args.skip_laptops)  # fmt: skip
    print(table(["Mål", "Resultat (median)", "Krav", ""], report(results)))
    save_results("server_sync", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

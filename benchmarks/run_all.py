"""Run every benchmark of the issue "Foundation and the walk-in counter" and print one summary table.

    PYTHONPATH=src python benchmarks/run_all.py              # from the repository root
    python benchmarks/run_all.py                             # with the package installed (pip install -e .)
    PYTHONPATH=src python benchmarks/run_all.py --runs 11 --passes 5 --cli

1. generate.py       100 000 citizens / ~1 000 000 events, cached under benchmarks/.data/
2. bench_startup.py  process start → first interactive screen, ratio to a bare Textual app  (≤ 1.5)
3. bench_search.py   citizen search per keystroke, p95                                       (≤ 20 ms)
4. bench_memory.py   peak RSS at start (from the start-up runs of 2)                         (≤ 100 MB)
5. bench_citizen.py  open a citizen with 5 000 events                                        (≤ 100 ms)
6. bench_follow_up.py  follow-up queue first page (≤ 100 ms); recompute after an event       (≤ 10 ms)
7. bench_agreements.py  save an agreement with its plan (≤ 50 ms); open a company with 500 agreements (≤ 100 ms)
8. bench_sync.py     sync throughput (≥ 5 000 changes/s, ≥ 0.25 × executemany); no-op sync (≤ 50 ms); new laptop (≤ 30 s)
9. bench_follow_up_sweep.py  daily follow-up sweep, one day step on the 100 000-citizen dataset       (≤ 1 s)
10. bench_concurrent_saves.py  saves while a sync applies 20 000 changes: 0 failed, p99 wait      (≤ 250 ms)
11. bench_results.py  the month's results (≤ 500 ms) and the 12-month trend (≤ 2 s)
12. bench_caseload.py  «Mine borgere» (F8): first page of a 300-citizen caseload (≤ 100 ms)
13. bench_export.py  the export for people (XLSX and CSV) of the 100 000-citizen dataset, ratio to a bare csv write
14. bench_import.py  import of 10 000 citizens from CSV (dry run, import, re-import), ratio to a bare csv read
15. bench_server_sync.py  sync through PostgreSQL: throughput (≥ 20 000 changes/s, ≥ 0.5 × raw COPY); no-op round
    (≤ 50 ms); 20 laptop processes × 5 000 changes converge (info); new laptop from the server's snapshot (≤ 30 s).
    Starts a throwaway PostgreSQL cluster (tests/support/postgres.py); skipped, said so, where none can start

Encryption (issue 14): every benchmark runs on SQLCipher-encrypted databases (the public demo key; the
dataset is converted from the plain one by generate.py). For start-up, search, opening a citizen, the F5
queue, sync throughput and the new laptop the same measurement also runs plain in the same run
(interleaved where the benchmark interleaves), and the section "Kryptering: krypteret / ukrypteret" of the
summary gives encrypted / plain (target ≤ 1.3 each).

Figures are medians over several runs on a shared machine; ratios use baselines measured in the same
run. The full figures are saved in benchmarks/.data/latest-results.json.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ENCRYPTION_TARGET_RATIO, encryption_table, ensure_importable, human_bytes, save_results, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="All benchmarks, one summary table.")
    parser.add_argument("--runs", type=int, default=9, help="start-up runs per subject (alternating), default 9")
    parser.add_argument("--passes", type=int, default=3, help="passes over the search keystrokes, default 3")
    parser.add_argument("--cli", action="store_true", help="also time the console script entry point (cli.main)")
    parser.add_argument("--force-generate", action="store_true", help="regenerate the dataset")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-server", action="store_true", help="skip the PostgreSQL sync benchmark (15)")
    args = parser.parse_args(argv)
    ensure_importable()

    import bench_agreements
    import bench_caseload
    import bench_citizen
    import bench_concurrent_saves
    import bench_export
    import bench_follow_up
    import bench_follow_up_sweep
    import bench_import
    import bench_memory
    import bench_results
    import bench_search
    import bench_server_sync
    import bench_startup
    import bench_sync
    from generate import describe, ensure_dataset

    started = time.perf_counter()
    print("== 1. Dataset")
    data_dir, meta, generated_now = ensure_dataset(force=args.force_generate)
    plain_dir = ensure_dataset(encrypted=False, quiet=True)[0]
    print(describe(data_dir, meta, generated_now))
    print(f"Plain copy:     {plain_dir} (the baseline of «Kryptering: krypteret / ukrypteret»)")
    save_results("generate", {"data_dir": str(data_dir), "plain_data_dir": str(plain_dir),
                              "generated_now": generated_now, **meta})  # fmt: skip

    print(f"\n== 2. Start-up ({args.runs} alternating runs per subject) and 4. peak memory")
    subjects = ("bare", "app", "app-plain", "cli") if args.cli else ("bare", "app", "app-plain")
    samples = bench_startup.collect(data_dir, args.runs, subjects, plain_dir=plain_dir)
    startup = bench_startup.summarize(samples)
    print(bench_startup.report(startup))
    memory = bench_memory.summarize(samples)
    print()
    print(bench_memory.report(memory))
    save_results("startup", {"data_dir": str(data_dir), "summary": startup, "samples": samples})
    save_results("memory", {"data_dir": str(data_dir), "summary": memory})

    search = None
    if not args.skip_search:
        print(f"\n== 3. Citizen search ({args.passes} passes)")
        search = bench_search.measure(data_dir, args.passes, plain_dir=plain_dir)
        print(bench_search.report(search))
        save_results("search", search)

    print("\n== 5. Opening a citizen with 5 000 events (issue 3)")
    citizen = bench_citizen.run(30)
    heavy, plain_heavy = citizen["heavy"], citizen["plain"]["heavy"]
    print(f"5 000 events: encrypted {heavy['median_ms']:.1f} ms (p95 {heavy['p95_ms']:.1f}), plain "
          f"{plain_heavy['median_ms']:.1f} ms (p95 {plain_heavy['p95_ms']:.1f})")  # fmt: skip
    save_results("citizen_open", citizen)

    print("\n== 6. Follow-up queue: first page, and recompute after an event (issue 5)")
    follow_up = bench_follow_up.run(30)
    print("\n== 7. Agreements: save with follow-up plan; open a company with 500 agreements (issue 4)")
    agreements = bench_agreements.run(30)
    print(bench_agreements.report(agreements))
    save_results("agreements", agreements)
    print("\n== 8. Sync (issue 6)")
    sync_results = bench_sync.run()
    print(table(["Mål", "Resultat (median)", "Krav", ""], bench_sync.report(sync_results)))
    print(encryption_table(bench_sync.encryption_rows(sync_results)))
    save_results("sync", sync_results)

    print("\n== 9. Daily follow-up sweep, one day step (100 000 citizens)")
    sweep = bench_follow_up_sweep.run(7)

    print("\n== 10. Saves while a sync applies 20 000 changes on the same laptop (issue 12)")
    saves = bench_concurrent_saves.measure(20_000, 200, bench_concurrent_saves.default_batch())
    print(bench_concurrent_saves.report([saves]))
    save_results("concurrent_saves", {"results": [saves]})

    print("\n== 11. Results: the month's figures and the 12-month trend (issue 16)")
    results_figures = bench_results.run(5)

    print("\n== 12. Mine borgere (F8): first page of a 300-citizen caseload (issue 16)")
    caseload = bench_caseload.run(30)

    print("\n== 13. Export for people: XLSX and CSV of the whole dataset (issue 18)")
    export = bench_export.run()

    print("\n== 14. Import of a caseload: 10 000 rows from CSV, dry run and import (issue 18)")
    imported = bench_import.run()

    server_sync = None
    if not args.skip_server:
        print("\n== 15. Sync through a PostgreSQL server: throughput, no-op, 20 laptops, new laptop")
        server_sync = bench_server_sync.run()
        print(table(["Mål", "Resultat (median)", "Krav", ""], bench_server_sync.report(server_sync)))
        save_results("server_sync", server_sync)

    app, bare = startup["app"], startup["bare"]
    counts = meta["counts"]
    rows = [
        ["Generator: 100 000 citizens, ~1 M events", "(made once, then cached)",
         f"{counts['citizens']:,} citizens, {counts['events']:,} events in {meta['total_seconds']:.0f} s; "
         f"{human_bytes(meta['database_bytes'])}", "-", "-"],
        ["Start → first interactive screen", f"≤ {bench_startup.TARGET_RATIO} × bare",
         f"app {app['interactive_ms']:.0f} ms, bare {bare['interactive_ms']:.0f} ms",
         f"{app['interactive_ratio']:.2f} (paired {app['interactive_ratio_paired']:.2f})",
         "PASS" if app["pass"] else "FAIL"],
        ["  (info) start → process exit (wall)", "",
         f"app {app['wall_ms']:.0f} ms, bare {bare['wall_ms']:.0f} ms",
         f"{app['wall_ratio']:.2f} (paired {app['wall_ratio_paired']:.2f})", ""],
        ["  (info) start → ready, inside the clock", "",
         f"app {app['ready_ms']:.0f} ms, bare {bare['ready_ms']:.0f} ms", f"{app['ready_ratio']:.2f}", ""],
        ["  (info) start → log-in screen mounted", "",
         f"app {app['screen_ms']:.0f} ms, bare {bare['screen_ms']:.0f} ms", f"{app['screen_ratio']:.2f}", ""],
    ]  # fmt: skip
    if "cli" in startup:
        cli = startup["cli"]
        rows.append(
            [
                "  (info) same via cli.main (interactive)",
                "",
                f"cli {cli['interactive_ms']:.0f} ms",
                f"{cli['interactive_ratio']:.2f}",
                "PASS" if cli["pass"] else "FAIL",
            ]  # fmt: skip
        )
    if search is not None:
        s, b = search["search_ms"], search["baseline_ms"]
        rows.append(
            [
                "Search per keystroke, p95 (100 000 citizens)",
                f"≤ {bench_search.TARGET_P95_MS:g} ms",
                f"p50 {s['p50']:.2f} / p95 {s['p95']:.2f} / p99 {s['p99']:.2f} ms over {search['keystrokes']} keys; "
                f"PK lookup p95 {b['p95']:.3f} ms",
                f"{search['p95_ratio']:.0f}× PK lookup",
                "PASS" if search["pass"] else "FAIL",
            ]  # fmt: skip
        )
    mem_app, mem_bare = memory["app"], memory["bare"]
    rows.append(
        [
            "Peak memory at start (peak RSS, VmHWM)",
            f"≤ {bench_memory.TARGET_MB:g} MB",
            f"app {mem_app['peak_mb']:.1f} MB, bare {mem_bare['peak_mb']:.1f} MB",
            f"{mem_app['ratio']:.2f}× bare",
            "PASS" if mem_app["pass"] else "FAIL",
        ]  # fmt: skip
    )
    heavy = citizen["heavy"]
    rows.append(
        [
            "Open a citizen with 5 000 events (summary + page)",
            f"≤ {bench_citizen.TARGET_MS:g} ms",
            f"{heavy['median_ms']:.1f} ms (p95 {heavy['p95_ms']:.1f}); 10-event citizen {citizen['typical']['median_ms']:.1f} ms",
            f"{heavy['ratio_to_typical']:.1f}× typical",
            "PASS" if heavy["pass"] else "FAIL",
        ]  # fmt: skip
    )
    fm, fr = follow_up["medians_ms"], follow_up["ratios_to_pk_lookup"]
    rows.append(
        [
            "Follow-up queue, first page (20 000 open tasks)",
            f"≤ {bench_follow_up.PAGE_TARGET_MS:g} ms",
            f"Mine {fm['page_mine']:.1f} / Alle {fm['page_all']:.1f} / by citizen {fm['page_by_citizen']:.1f} ms",
            f"{fr['page_all']:.0f}× PK lookup",
            "PASS" if follow_up["pass"] else "FAIL",
        ]  # fmt: skip
    )
    rows.append(
        ["Recompute one citizen's follow-ups after an event", f"≤ {bench_follow_up.RECOMPUTE_TARGET_MS:g} ms",
         f"{fm['recompute']:.2f} ms (whole add_event action {fm['add_event']:.1f} ms)",
         f"{fr['recompute']:.0f}× PK lookup", "PASS" if fm["recompute"] <= bench_follow_up.RECOMPUTE_TARGET_MS else "FAIL"]
    )  # fmt: skip
    save, opened = agreements["save"], agreements["open"]
    rows.append(
        [
            "Save an agreement with its follow-up plan",
            f"≤ {bench_agreements.SAVE_TARGET_MS:g} ms",
            f"{save['median_ms']:.1f} ms (edit {agreements['edit_active']['median_ms']:.1f}, activate "
            f"{agreements['activate']['median_ms']:.1f}); bare insert {agreements['insert']['median_ms']:.1f} ms",
            f"{save['ratio_to_insert']:.1f}× insert",
            "PASS" if save["pass"] else "FAIL",
        ]  # fmt: skip
    )
    rows.append(
        [
            "Open a company with 500 agreements",
            f"≤ {bench_agreements.OPEN_TARGET_MS:g} ms",
            f"{opened['median_ms']:.1f} ms (p95 {opened['p95_ms']:.1f}); PK lookup {agreements['pk']['median_ms']:.2f} ms",
            f"{opened['ratio_to_pk']:.0f}× PK lookup",
            "PASS" if opened["pass"] else "FAIL",
        ]  # fmt: skip
    )
    sm, sr = sweep["medians_ms"], sweep["ratios_to_recompute"]
    rows.append(
        [
            "Follow-up sweep, one day step (100 000 citizens)",
            f"≤ {bench_follow_up_sweep.TARGET_MS:g} ms",
            f"nothing to write {sm['again']:.0f} ms, with its changes {sm['step']:.0f} ms "
            f"(candidate queries {sm['candidates']:.0f} ms)",
            f"{sr['again']:.0f}× one recompute",
            "PASS" if sweep["pass"] else "FAIL",
        ]  # fmt: skip
    )
    rm, rr = results_figures["medians_ms"], results_figures["ratios_to_pk_lookup"]
    rows.append(
        [
            "Results: the month's figures / 12-month trend",
            f"≤ {bench_results.MONTH_TARGET_MS:g} ms / ≤ {bench_results.TREND_TARGET_MS:g} ms",
            f"month {rm['month']:.0f} ms (per citizen {rm['month_citizens']:.0f}, one staff member "
            f"{rm['month_staff']:.0f}); trend {rm['trend']:.0f} ms; PK lookup {rm['pk_lookup']:.2f} ms",
            f"{rr['month']:.0f}× / {rr['trend']:.0f}× PK lookup",
            "PASS" if results_figures["pass"] else "FAIL",
        ]  # fmt: skip
    )
    cm, cr = caseload["medians_ms"], caseload["ratios_to_pk_lookup"]
    rows.append(
        [
            "Mine borgere (F8): first page, 300-citizen caseload",
            f"≤ {bench_caseload.PAGE_TARGET_MS:g} ms",
            f"by name {cm['page_name']:.0f} ms, by hours {cm['page_hours']:.0f} ms, by contact "
            f"{cm['page_contact']:.0f} ms, marked + name {cm['page_flagged_text']:.0f} ms",
            f"{cr['page_name']:.0f}× PK lookup",
            "PASS" if caseload["pass"] else "FAIL",
        ]  # fmt: skip
    )
    es, er = export["seconds"], export["ratios_to_bare_csv"]
    rows.append(
        [
            "Export for people: XLSX / CSV, whole dataset",
            "(info)",
            f"XLSX {es['xlsx']:.0f} s, CSV {es['csv']:.0f} s, bare csv {es['bare_csv']:.0f} s",
            f"{er['xlsx']:.1f}× / {er['csv']:.1f}× bare csv",
            "",
        ]
    )
    is_, ir = imported["seconds"], imported["ratios_to_bare_csv"]
    rows.append(
        [
            f"Import {imported['rows']:,} citizens from CSV: dry run / import / re-import",
            "(info)",
            f"{is_['dry_run']:.1f} s / {is_['import']:.1f} s / {is_['reimport']:.1f} s",
            f"{ir['dry_run']:,.0f}× / {ir['import']:,.0f}× / {ir['reimport']:,.0f}× bare csv read",
            "",
        ]
    )
    applying, base = saves["applying"], saves["baseline"]
    rows.append(
        [
            "Saves during a sync of 20 000 changes",
            f"0 failed, p99 ≤ {bench_concurrent_saves.TARGET_P99_MS:g} ms",
            f"{saves['failed']} failed; median {applying['median_ms']:.0f} / p99 {applying['p99_ms']:.0f} / "
            f"max {applying['max_ms']:.0f} ms over {applying['n']} saves; baseline p99 {base['p99_ms']:.0f} ms",
            f"{saves['ratio_p99']:.1f}× baseline p99",
            "PASS" if saves["pass"] else "FAIL",
        ]  # fmt: skip
    )
    for name, measured, goal, verdict in bench_sync.report(sync_results):
        if goal:
            rows.append([f"Sync: {name}", goal, measured, "-", "PASS" if verdict == "OK" else "FAIL"])
    if server_sync is not None:
        for name, measured, goal, verdict in bench_server_sync.report(server_sync):
            if goal == "(info)":
                rows.append([name, goal, measured, "-", "" if verdict == "OK" else "FAIL"])
            elif goal:
                rows.append([name, goal, measured, "-", "PASS" if verdict == "OK" else "FAIL"])
            elif name.startswith("Server-synk") or "ikke kørt" in measured:
                rows.append([name, "-", measured, "-", "SKIPPED"])
    encryption = [*bench_startup.encryption_rows(startup)]
    if search is not None:
        encryption += bench_search.encryption_rows(search)
    encryption += bench_citizen.encryption_rows(citizen)
    encryption += bench_follow_up.encryption_rows(follow_up)
    encryption += bench_sync.encryption_rows(sync_results)
    save_results("encryption", {"target_ratio": ENCRYPTION_TARGET_RATIO, "rows": encryption,
                                "pass": all(r["pass"] for r in encryption)})  # fmt: skip
    print("\n== Summary")
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, benchmarks took {time.perf_counter() - started:.0f} s; "
          "every figure on the encrypted database (SQLCipher, demo key)")  # fmt: skip
    print(table(["target", "goal", "measured (medians)", "ratio", "result"], rows))
    print(
        "\n== Kryptering: krypteret / ukrypteret (same run; target: each ≤ "
        f"{ENCRYPTION_TARGET_RATIO:g} × its plain figure)"
    )
    print(table(
        ["Kryptering: krypteret / ukrypteret", "krypteret", "ukrypteret", "forhold", "note", "result"],
        [[r["what"], f"{r['encrypted']:.{r['digits']}f} {r['unit']}", f"{r['plain']:.{r['digits']}f} {r['unit']}",
          f"{r['ratio']:.2f}", r.get("note", ""), "PASS" if r["pass"] else "FAIL"] for r in encryption],
    ))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``report``: the month's results (nøgletal) as CSV, XLSX or PDF — the same figures as the results screen
(``store.queries.results.month_results``). The file is an extract of data and is audited, naming the command
line and the system user (the command line acts as the machine that holds the office key, as ``audit`` does)."""

from __future__ import annotations

import argparse
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, CliError
from aaben_raadgivning.cli.parsing import PROG, add_global_options


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="månedens resultater (nøgletal) som CSV, XLSX eller PDF",
        description="Skriv månedens resultater – bestand pr. trin, tilgang, afgang, selvforsørgelse, fremmøde, "
        "ordinære timer, henvendelser, opfølgning og skift af jobformidler – med målene fra reglerne. "
        "Formatet følger filens endelse (.csv, .xlsx eller .pdf). Udtrækket logges.",
        epilog="Eksempler:\n"
        f"  {PROG} report --month 2026-11 --out resultater.xlsx\n"
        f"  {PROG} report --month 11.2026 --out resultater.csv --staff JK --per-citizen",
    )
    add_global_options(report, top_level=False)
    report.add_argument("--month", required=True, metavar="MÅNED", help="måneden, fx 2026-11, 11.2026 eller «november»")
    report.add_argument("--out", required=True, metavar="FIL", help="filen, der skrives: .csv, .xlsx eller .pdf")
    report.add_argument("--force", action="store_true", help="erstat filen, hvis den findes (kun en almindelig fil)")
    report.add_argument("--housing-area", metavar="OMRÅDE", help="kun borgere i dette boligområde")
    report.add_argument("--staff", metavar="INITIALER", help="kun borgere med denne jobkonsulent eller jobformidler")
    report.add_argument("--step-model", metavar="KODE", help="kun borgere i denne trinmodel, fx flere_skal_med")
    report.add_argument("--per-citizen", action="store_true",
                        help="medtag fremmøde pr. borger (personoplysninger: udtrækket logges)")  # fmt: skip
    report.set_defaults(handler=run_report)


def _via() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "ukendt"
    return f" via kommandolinjen (systembruger {user})"


def run_report(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.clock import local_date
    from aaben_raadgivning.domain.hours import format_month, parse_month
    from aaben_raadgivning.store.actions.results import describe_criterion
    from aaben_raadgivning.store.documents.results_report import report_format, write_results_report
    from aaben_raadgivning.store.queries.audit_log import staff_by_initials
    from aaben_raadgivning.store.queries.results import ResultsFilter, month_results
    from aaben_raadgivning.store.queries.viewer import Viewer

    report_format(args.out)  # a wrong ending is refused before the database is opened
    with opened_runtime(args) as runtime:
        db = runtime.db
        month = parse_month(args.month, local_date(db.now()))
        staff_id = None
        if args.staff:
            staff_id = staff_by_initials(db, args.staff)
            if staff_id is None:
                raise CliError(f"Ingen medarbejder har initialerne {args.staff}.")
        if args.step_model:
            from aaben_raadgivning.domain.step_models import load_step_model

            load_step_model(args.step_model)  # an unknown model: a Danish StepModelError
        filters = ResultsFilter(housing_area=args.housing_area or None, staff_id=staff_id, step_model=args.step_model)
        results = month_results(db, month, viewer=Viewer.system(), filters=filters, per_citizen=args.per_citizen)
        criterion = describe_criterion(month, filters, args.staff.upper() if args.staff else "")
        written = write_results_report(
            db, results, args.out, overwrite=args.force, criterion=criterion,
            filters_text=criterion.partition(", ")[2], via=_via(),
        )  # fmt: skip
    print(f"Resultater for {format_month(month)} skrevet til {written}.")
    return EXIT_OK

"""``audit``: read the audit log (revisionssporet) and make a citizen's indsigt report (GDPR art. 15).

Both are reads of personal data and are audited like any other, naming the command line and the system user.
The hash chain over the audit log is verified by ``check`` («Revisionssporet er ubrudt»).
"""

from __future__ import annotations

import argparse
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime
from aaben_raadgivning.cli.errors import EXIT_OK, CliError
from aaben_raadgivning.cli.parsing import PROG, add_global_options, count

DEFAULT_LIMIT = 50
_COLUMNS = (("Tidspunkt", 16), ("Medarb.", 8), ("Handling", 24), ("Borger", 22))


def register(commands: Any) -> None:
    audit = commands.add_parser(
        "audit",
        help="revisionssporet: hvem har set og ændret hvad, og borgerens indsigtsrapport",
        description="Revisionssporet: hvem har søgt, set, ændret, udtrukket eller slettet personoplysninger, og "
        "hvornår.\nAt læse revisionssporet logges også. Kæden i sporet kontrolleres af «check».",
        epilog="Eksempler:\n"
        f"  {PROG} audit list --staff JK --from 1.11.2026 --to 30.11.2026\n"
        f"  {PROG} audit indsigt --cpr 010190-1234 --pdf indsigt.pdf --csv indsigt.csv",
    )
    add_global_options(audit, top_level=False)
    sub = audit.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="audit_command", required=True)

    listing = sub.add_parser(
        "list", help="vis revisionssporet, nyeste først", description="Vis revisionssporet, nyeste først."
    )
    add_global_options(listing, top_level=False)
    listing.add_argument("--staff", metavar="INITIALER", help="kun denne medarbejder (initialer, fx JK)")
    listing.add_argument("--from", dest="date_from", metavar="DATO", help="fra og med denne dag (dd.mm.åååå)")
    listing.add_argument("--to", dest="date_to", metavar="DATO", help="til og med denne dag (dd.mm.åååå)")
    listing.add_argument("--citizen-id", metavar="ID", help="kun opslag og ændringer om denne borger")
    listing.add_argument("--cpr", help="kun opslag og ændringer om borgeren med dette CPR-nummer")
    listing.add_argument("--kind", choices=_kind_codes(), help="kun denne slags handling")
    listing.add_argument("--limit", type=count, default=DEFAULT_LIMIT, metavar="ANTAL",
                         help=f"højst så mange rækker (standard {DEFAULT_LIMIT})")  # fmt: skip
    listing.set_defaults(handler=run_list)

    indsigt = sub.add_parser(
        "indsigt",
        help="borgerens indsigtsrapport (GDPR art. 15) som PDF og/eller CSV",
        description="Skriv borgerens indsigtsrapport: hvert opslag og hver ændring af borgerens oplysninger – "
        "hvem, hvornår og hvad – som PDF og/eller CSV. Rapporten logges.",
    )
    add_global_options(indsigt, top_level=False)
    who = indsigt.add_mutually_exclusive_group(required=True)
    who.add_argument("--cpr", help="borgerens CPR-nummer")
    who.add_argument("--citizen-id", metavar="ID", help="borgerens id")
    indsigt.add_argument("--pdf", metavar="FIL", help="skriv rapporten som PDF til denne fil")
    indsigt.add_argument("--csv", metavar="FIL", help="skriv rapporten som CSV (semikolon, UTF-8) til denne fil")
    indsigt.add_argument("--force", action="store_true", help="erstat filerne, hvis de findes (kun almindelige filer)")
    indsigt.set_defaults(handler=run_indsigt)


def _kind_codes() -> list[str]:
    return ["opslag", "aendringer", "udtraek", "sletning", "login"]


_KIND_MAP = {"opslag": "lookup", "aendringer": "change", "udtraek": "extract", "sletning": "purge", "login": "login"}


def _via() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "ukendt"
    return f" via kommandolinjen (systembruger {user})"


def _citizen_by_cpr(runtime: Any, text: str) -> tuple[str, str]:
    from aaben_raadgivning.domain.cpr import parse_cpr
    from aaben_raadgivning.store.documents.indsigt import citizen_by_cpr

    info = parse_cpr(text)
    found = citizen_by_cpr(runtime.db, info.digits)
    if not found:
        raise CliError(f"Ingen borger har CPR-nummeret {info.formatted}.")
    if len(found) > 1:
        ids = ", ".join(citizen_id for citizen_id, _ in found)
        raise CliError(f"Flere borgere har CPR-nummeret {info.formatted} ({ids}). Brug --citizen-id.")
    return found[0]


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    from aaben_raadgivning.domain.clock import local_date
    from aaben_raadgivning.domain.dates import parse_date
    from aaben_raadgivning.store.actions.audit_log import record_audit_view
    from aaben_raadgivning.store.queries.audit_log import (
        AuditFilter,
        before_chain_count,
        read_audit_page,
        staff_by_initials,
    )

    with opened_runtime(args) as runtime:
        db = runtime.db
        today = local_date(db.now())
        staff_id = None
        if args.staff:
            staff_id = staff_by_initials(db, args.staff)
            if staff_id is None:
                raise CliError(f"Ingen medarbejder har initialerne {args.staff}.")
        citizen_ids: tuple[str, ...] | None = None
        citizen_label = ""
        if args.citizen_id:
            citizen_ids, citizen_label = (args.citizen_id,), args.citizen_id
        if args.cpr:
            citizen_id, _name = _citizen_by_cpr(runtime, args.cpr)
            citizen_ids, citizen_label = (citizen_id,), citizen_id
        flt = AuditFilter(
            staff_id=staff_id,
            citizen_ids=citizen_ids,
            date_from=parse_date(args.date_from, today) if args.date_from else None,
            date_to=parse_date(args.date_to, today) if args.date_to else None,
            kind=_KIND_MAP[args.kind] if args.kind else None,
        )
        if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
            raise CliError("--from skal ligge før --to.")
        with db.engine.connect() as conn:
            rows = read_audit_page(conn, flt, limit=args.limit)
            conn.rollback()
        criterion = flt.describe(args.staff.upper() if args.staff else "", citizen_label)
        record_audit_view(db, None, f"{criterion}{_via()}", citizen_ids[0] if citizen_ids else None)
        before = before_chain_count(db)
    header = "  ".join(f"{title:<{width}}" for title, width in _COLUMNS) + "  Hvad"
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = (row.local_time.strftime("%d.%m.%Y %H:%M"), row.who, row.action_label,
                 row.citizen_name or ("–" if row.citizen_id is None else "(slettet)"))  # fmt: skip
        mark = "" if row.chained else " [før kæden]"
        line = "  ".join(f"{_cut(cell, width):<{width}}" for cell, (_, width) in zip(cells, _COLUMNS, strict=True))
        print(f"{line}  {_cut(row.detail, 70)}{mark}")
    more = " (der er flere: brug --limit eller et filter)" if len(rows) >= args.limit else ""
    print(f"{len(rows)} {'række' if len(rows) == 1 else 'rækker'}{more}.")
    if before:
        print(f"{before} rækker i revisionssporet er fra før kæden (fra før hashkæden blev indført).")
    return EXIT_OK


def run_indsigt(args: argparse.Namespace) -> int:
    from aaben_raadgivning.store.documents.indsigt import write_indsigt

    if not args.pdf and not args.csv:
        raise CliError("Angiv --pdf FIL og/eller --csv FIL.")
    with opened_runtime(args) as runtime:
        if args.cpr:
            citizen_id, _name = _citizen_by_cpr(runtime, args.cpr)
        else:
            citizen_id = args.citizen_id
        result = write_indsigt(
            runtime.db, citizen_id, pdf=args.pdf, csv_file=args.csv, overwrite=args.force, via=_via()
        )
    count_rows = len(result.report.rows)
    print(f"Indsigtsrapport for {result.report.citizen_name} med {count_rows} "
          f"{'registrering' if count_rows == 1 else 'registreringer'} skrevet til {' og '.join(result.files)}.")  # fmt: skip
    return EXIT_OK

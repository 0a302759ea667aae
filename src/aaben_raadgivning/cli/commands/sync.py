"""``sync``: one round with the office share, and its exit codes."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime, share_path
from aaben_raadgivning.cli.errors import (
    EXIT_NOT_WRITABLE,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_SHARE_UNREACHABLE,
    EXIT_SYNC_BUSY,
    EXIT_SYNC_INCOMPLETE,
    EXIT_SYNC_REFUSED,
    CliError,
)
from aaben_raadgivning.cli.parsing import add_global_options
from aaben_raadgivning.cli.progress import ProgressBar, thousands
from aaben_raadgivning.domain.grammar import count_text


def register(commands: Any) -> None:
    sync = commands.add_parser(
        "sync",
        help="synkronisér med de andre computere via fællesmappen",
        description="Én synkroniseringsrunde: send denne computers nye ændringer til fællesmappen og hent\n"
        "de andres. Fællesmappen står i indstillingsfilen ([sync] share) eller gives med --share.\n"
        "Med en PostgreSQL-server ([sync] server eller --server URL) synkroniseres der gennem den; står\n"
        "begge i indstillingerne, synkroniseres der gennem begge (computeren bærer ændringerne over).\n\n"
        "Afslutningskoder:\n"
        "  0  synkroniseret\n"
        "  1  fejl (se beskeden)\n"
        "  2  forkerte argumenter, eller ingen fællesmappe angivet\n"
        "  3  fællesmappen eller serveren kan ikke nås, eller den er ikke denne computers (tom, ikke\n"
        "     tilsluttet, et andet kontors); intet er skrevet i den, og ændringerne venter her\n"
        "  4  synkronisering afvist: kopieret enheds-id, eller fællesmappen er fra en nyere version\n"
        "  5  en anden synkronisering kører allerede på denne computer\n"
        "  6  databasen på denne computer er beskadiget eller mangler (se beskeden)\n"
        "  7  der kan ikke skrives: mappen er skrivebeskyttet, eller disken er fuld\n"
        "  8  synkroniseret, men ændringer fra en anden computer mangler på fællesmappen (se beskeden)",
    )
    add_global_options(sync, top_level=False)
    sync.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    sync.add_argument(
        "--server", metavar="URL",
        help="synkronisér gennem denne PostgreSQL-server (postgresql://bruger@vært/database) i stedet for indstillingen",
    )  # fmt: skip
    sync.add_argument(
        "--snapshot", action="store_true",
        help="skriv et nyt samlet øjebliksbillede til nye computere nu (ellers højst ét i døgnet)",
    )  # fmt: skip
    sync.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.engine import (
        ShareUnreachable,
        SyncBusy,
        SyncError,
        SyncRefused,
    )

    with opened_runtime(args) as runtime:
        server = args.server or (runtime.settings.sync_server if not args.share else "")
        share = share_path(args, runtime) if not server or (runtime.settings.sync_share and not args.server) else None
        progress = ProgressBar(sys.stderr)
        try:
            from aaben_raadgivning.sync.configured import sync_configured

            report = sync_configured(
                runtime.db, share=share, server=server, device_name=runtime.settings.display_device_name,
                progress=progress, snapshot="always" if args.snapshot else "auto",
                server_in_settings=bool(args.server or runtime.settings.sync_server),
            )  # fmt: skip
        except ShareUnreachable as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
        except SyncRefused as exc:
            raise CliError(str(exc), EXIT_SYNC_REFUSED) from None
        except SyncBusy as exc:
            raise CliError(str(exc), EXIT_SYNC_BUSY) from None
        except SyncError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:  # the share went away or failed mid-round: every step is redone next round
            full = exc.errno in (errno.ENOSPC, errno.EROFS)
            raise CliError(
                f"Synkroniseringen blev afbrudt af en filfejl ({exc.strerror or type(exc).__name__}"
                f"{': ' + str(exc.filename) if exc.filename else ''}). Intet er tabt: det, der ikke nåede frem, "
                "sendes ved næste synkronisering.",
                EXIT_NOT_WRITABLE if full else EXIT_SHARE_UNREACHABLE,
            ) from None
        finally:
            progress.close()
        from aaben_raadgivning.store.backups import scrub_backups

        # An erasure received from another laptop: the local backups taken before it still hold the person.
        scrubbed = scrub_backups(runtime.db, runtime.paths.backup_dir)
    if scrubbed.removed:
        print(f"{len(scrubbed.removed)} sikkerhedskopi(er) med slettede borgere er erstattet af en ny.")
    for warning in report.warnings:
        print(f"Advarsel: {warning}", file=sys.stderr)
    for gap in report.gaps:
        print(f"Fejl: {gap}", file=sys.stderr)
    seconds = f"{report.seconds:.1f}".replace(".", ",")
    new = f" ({thousands(report.new_conflicts)} nye)" if report.new_conflicts else ""
    print(
        f"Synkroniseret på {seconds} s: sendt {count_text(report.sent, 'ændring', 'ændringer')}, "
        f"modtaget {count_text(report.received, 'ændring', 'ændringer')}, konflikter: {thousands(report.conflicts)}{new}."
    )
    if report.conflicts:
        print("Konflikter afgøres i programmet (Konflikter): behold den ene værdi, eller skriv en samlet.")
    if report.gaps:
        return EXIT_SYNC_INCOMPLETE
    if args.snapshot and not report.snapshot_written:
        print("Fejl: det bestilte øjebliksbillede er ikke skrevet (se advarslen). Prøv igen om lidt.", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK

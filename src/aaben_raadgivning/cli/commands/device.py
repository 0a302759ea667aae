"""``device reset``: a new device id for this computer (after a cloned disk)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime, share_path
from aaben_raadgivning.cli.errors import EXIT_OK, EXIT_SHARE_UNREACHABLE, CliError
from aaben_raadgivning.cli.parsing import add_global_options, usage
from aaben_raadgivning.domain.grammar import count_text


def register(commands: Any) -> None:
    device = commands.add_parser(
        "device", help="denne computers enheds-id", description="Denne computers enheds-id på fællesmappen."
    )
    device_commands = device.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="device_command")
    device.set_defaults(handler=lambda _args: usage(device))
    reset = device_commands.add_parser(
        "reset", help="giv computeren et nyt enheds-id (efter en kopieret disk)",
        description="Giv denne computer et nyt enheds-id. Bruges, når synkroniseringen er stoppet, fordi to\n"
        "computere har samme id (en kopieret disk). Ændringer lavet her, som ikke allerede ligger på\n"
        "fællesmappen, sendes under det nye id; intet går tabt. Fællesmappen skal kunne nås.",
    )  # fmt: skip
    add_global_options(reset, top_level=False)
    reset.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    reset.add_argument("--server", metavar="URL", help="serveren (for en computer, der synkroniserer gennem en server)")
    reset.set_defaults(handler=device_reset)


def device_reset(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.device import DeviceResetError, reset_device

    with opened_runtime(args) as runtime:
        server = args.server or ("" if args.share or runtime.settings.sync_share else runtime.settings.sync_server)
        try:
            if server:
                from aaben_raadgivning.sync.server.device_reset import reset_device_on_server

                done = reset_device_on_server(runtime.db, server)
            else:
                done = reset_device(runtime.db, share_path(args, runtime))
        except DeviceResetError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Computeren har fået et nyt enheds-id ({done.new_id[:8]}). {count_text(done.relabelled, 'ændring', 'ændringer')} "
          "herfra sendes under det nye id ved næste synkronisering. Synkronisér nu.")  # fmt: skip
    return EXIT_OK

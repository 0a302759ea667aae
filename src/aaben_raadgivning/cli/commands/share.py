"""``share``: set up the office share, move this computer to another, retire a lost computer."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aaben_raadgivning.cli.commands.common import opened_runtime, share_path
from aaben_raadgivning.cli.errors import EXIT_OK, EXIT_SHARE_UNREACHABLE, CliError
from aaben_raadgivning.cli.parsing import add_global_options, usage


def register(commands: Any) -> None:
    share = commands.add_parser(
        "share", help="fællesmappen: sæt en ny op, eller flyt computeren til en anden",
        description="Kontorets fællesmappe har en identitet. En computer synkroniserer kun med den fællesmappe,\n"
        "den hører til, og afviser en tom eller fremmed mappe (fx et drev, der ikke er tilsluttet).",
    )  # fmt: skip
    share_commands = share.add_subparsers(title="kommandoer", metavar="KOMMANDO", dest="share_command")
    share.set_defaults(handler=lambda _args: usage(share))
    init = share_commands.add_parser(
        "init", help="sæt en ny, tom mappe op som kontorets fællesmappe (én gang pr. kontor)",
        description="Sæt en eksisterende, tom mappe op som kontorets fællesmappe. Gøres én gang pr. kontor;\n"
        "derefter skriver hver computer mappen i indstillingerne ([sync] share) og synkroniserer.",
    )  # fmt: skip
    add_global_options(init, top_level=False)
    init.add_argument("--share", type=Path, metavar="MAPPE", required=True, help="den tomme mappe")
    init.set_defaults(handler=share_init)
    join = share_commands.add_parser(
        "join", help="flyt denne computer til en anden fællesmappe",
        description="Gør MAPPE til denne computers fællesmappe. Hørte computeren til en anden, begynder den\n"
        "forfra på den nye: alle dens egne ændringer sendes igen, og de andres hentes igen. Intet\n"
        "slettes fra den gamle fællesmappe. Husk også at rette [sync] share i indstillingerne.",
    )  # fmt: skip
    add_global_options(join, top_level=False)
    join.add_argument("--share", type=Path, metavar="MAPPE", required=True, help="den nye fællesmappe")
    join.set_defaults(handler=share_join)
    retire = share_commands.add_parser(
        "retire", help="tag en bortkommen eller kasseret computer ud af fællesmappen",
        description="Tag en computer ud af fællesmappen (bortkommet, stjålet eller kasseret). De andre computere\n"
        "venter så ikke længere på den, før de rydder gamle filer op. Dens filer kan stadig læses; dens mappe\n"
        "under devices/ må fjernes bagefter. Computeren angives med sit navn eller sit enheds-id.",
    )  # fmt: skip
    add_global_options(retire, top_level=False)
    retire.add_argument("--share", type=Path, metavar="MAPPE", help="fællesmappen (i stedet for indstillingen)")
    retire.add_argument("--device", required=True, metavar="NAVN", help="computerens navn eller enheds-id")
    retire.set_defaults(handler=share_retire)


def share_init(args: argparse.Namespace) -> int:
    from aaben_raadgivning.cli.commands.common import office_key_for
    from aaben_raadgivning.config import resolve_paths
    from aaben_raadgivning.sync.office_share import ShareIdentityError, create_share

    # The share is made for this computer's office key: a laptop with another key is refused by it.
    key = office_key_for(args, resolve_paths(args.data_dir, demo=args.demo))
    try:
        create_share(args.share.expanduser(), key)
    except ShareIdentityError as exc:
        raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Fællesmappen {args.share} er sat op. Skriv den i hver computers indstillinger ([sync] share) og "
          "synkronisér.")  # fmt: skip
    return EXIT_OK


def share_join(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.office_share import ShareIdentityError, join_share

    with opened_runtime(args) as runtime:
        try:
            moved = join_share(runtime.db, args.share.expanduser())
        except ShareIdentityError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    if moved:
        print(f"Computeren hører nu til fællesmappen {args.share}. Alle dens ændringer sendes dertil ved næste "
              "synkronisering. Husk at rette [sync] share i indstillingerne.")  # fmt: skip
    else:
        print(f"Computeren hører til fællesmappen {args.share}.")
    return EXIT_OK


def share_retire(args: argparse.Namespace) -> int:
    from aaben_raadgivning.sync.office_share import ShareIdentityError, retire_device

    with opened_runtime(args) as runtime:
        share = share_path(args, runtime)
        try:
            device, name = retire_device(runtime.db, share, args.device)
        except ShareIdentityError as exc:
            raise CliError(str(exc), EXIT_SHARE_UNREACHABLE) from None
    print(f"Computeren {name or device[:8]} er taget ud af fællesmappen. Dens mappe devices/{device} kan nu fjernes.")
    return EXIT_OK

"""argparse in Danish: the parser class, the options every command takes, and the value types."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from aaben_raadgivning.cli.errors import EXIT_USAGE, translate_argparse_error

PROG = "aaben-raadgivning"


class Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "Brug: ")


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="vis denne hjælp og afslut")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: fejl: {translate_argparse_error(message)}\n")


def add_global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """The same options on the main parser and on every subcommand, so they work before or after it.
    On subcommands they default to SUPPRESS, so they never overwrite a value given before."""
    group = parser.add_argument_group("fælles tilvalg")
    group.add_argument(
        "--data-dir",
        type=Path,
        metavar="MAPPE",
        default=None if top_level else argparse.SUPPRESS,
        help="brug denne mappe til database, indstillinger og logfiler (i stedet for standardstederne)",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="brug demodata i deres egen mappe, adskilt fra rigtige sager",
    )


def usage(parser: argparse.ArgumentParser) -> int:
    """A command group given without its subcommand: the usage and exit code 2."""
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: fejl: vælg en kommando (se --help)", file=sys.stderr)
    return EXIT_USAGE


def count(text: str) -> int:
    try:
        value = int(text.replace(".", "").replace("_", ""))  # "100.000" as Danes write it
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et helt tal") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"«{text}» må ikke være negativ")
    return value


def rate(text: str) -> float:
    try:
        value = float(text.replace(",", "."))  # decimal comma
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» er ikke et tal (skriv fx 6 eller 2,5)") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"«{text}» skal være mellem 0 og 1000")
    return value

"""No command: open the app itself."""

from __future__ import annotations

import argparse


def open_app(args: argparse.Namespace) -> int:
    import gc

    gc.disable()  # start-up allocates many long-lived objects; the app re-enables the collector (see run_tui)
    try:
        from aaben_raadgivning.ui.app import run_tui  # Textual is imported only here

        return run_tui(data_dir=args.data_dir, demo=args.demo)
    finally:
        gc.enable()  # however it ended: with the collector off, every reference cycle (open files too) stays

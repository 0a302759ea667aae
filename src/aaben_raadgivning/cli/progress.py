"""Progress on stderr for the long commands (demo, sync, follow-up-sweep), and numbers as Danes write them."""

from __future__ import annotations

from typing import TextIO

from aaben_raadgivning.domain import grammar


class ProgressLine:
    """One updating line on a terminal; a line per tenth when stderr is a file or a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, fraction: float, step: str) -> None:
        percent = int(fraction * 100)
        if self.tty:
            self.stream.write(f"\r{percent:3d} %  {step}"[:79].ljust(79))
            self.stream.flush()
        elif percent // 10 > self.shown // 10 or percent == 100:
            self.stream.write(f"{percent:3d} %  {step}\n")
        self.shown = percent

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


class ProgressBar(ProgressLine):
    """A text progress bar: ``[#########-----------]  45 %  step``."""

    WIDTH = 24

    def __call__(self, fraction: float, step: str) -> None:
        filled = int(max(0.0, min(1.0, fraction)) * self.WIDTH)
        super().__call__(fraction, f"[{'#' * filled}{'-' * (self.WIDTH - filled)}]  {step}")


def thousands(n: int) -> str:
    """``12345`` as ``12.345``."""
    return grammar.thousands(n)

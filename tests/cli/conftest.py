"""Shared fixture of the command-line tests."""

from __future__ import annotations

import io
import sys

import pytest

from aaben_raadgivning.cli import main


@pytest.fixture
def run(capsys, monkeypatch):
    """main(argv) → (exit code, stdout, stderr), run in-process as a user would type it; ``stdin`` feeds
    standard input. A traceback on either stream fails the test: users get Danish messages, not those."""

    def runner(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return runner

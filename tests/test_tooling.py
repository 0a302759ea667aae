"""The house rules as tests: the layering contracts (import-linter), lint and format (ruff) and types (mypy),
all configured in pyproject.toml, so the README's test command enforces them as CI does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:  # pragma: no cover - the test extra installs all three
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return on_path


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_layering_contracts_are_kept():
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_layering_check_fails_on_an_upward_import(tmp_path):
    """The contracts can fail: the same check with two layers turned upside down must break."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = config.index("[tool.importlinter]")
    section = config[start : config.index("[[tool.importlinter.contracts]]", start)]
    upside_down = (
        section
        + '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
        + 'layers = ["aaben_raadgivning.store", "aaben_raadgivning.ui"]\n'
    )
    (tmp_path / "pyproject.toml").write_text(upside_down, encoding="utf-8")
    result = _run(_tool("lint-imports"), "--no-cache", "--config", str(tmp_path / "pyproject.toml"))
    assert result.returncode != 0
    assert "upside down BROKEN" in result.stdout


def test_ruff_finds_nothing():
    result = _run(_tool("ruff"), "check", "--no-cache", "src", "tests", "benchmarks", "assets")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    result = _run(_tool("ruff"), "format", "--check", "--no-cache", "src", "tests", "benchmarks", "assets")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = _run(_tool("mypy"))  # files and settings: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr

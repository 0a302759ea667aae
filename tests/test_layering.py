"""Architecture guard: data flows ui → domain/store → sync. Only ui/ may import Textual; the domain
imports neither the store nor the UI; sync imports neither store nor UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "aaben_raadgivning"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_under(*parts: str) -> list[Path]:
    return sorted((PACKAGE.joinpath(*parts)).rglob("*.py"))


def test_the_guard_sees_the_code():
    assert len(modules_under()) > 20
    assert any("textual" in m for p in modules_under("ui") for m in imported_modules(p))


# The entry point sits above every layer: it may start the UI, but not import Textual itself.
ENTRY_POINTS = {"cli.py", "__main__.py"}


@pytest.mark.parametrize("path", [p for p in modules_under() if "ui" not in p.relative_to(PACKAGE).parts], ids=str)
def test_nothing_outside_ui_imports_textual(path):
    forbidden = ("textual.",) if path.name in ENTRY_POINTS else ("textual.", "aaben_raadgivning.ui")
    bad = {m for m in imported_modules(path) if m == "textual" or m.startswith(forbidden)}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


@pytest.mark.parametrize("path", modules_under("domain") + modules_under("sync"), ids=str)
def test_domain_and_sync_do_not_import_store_or_sqlalchemy(path):
    bad = {m for m in imported_modules(path) if m.startswith(("aaben_raadgivning.store", "sqlalchemy", "aaben_raadgivning.ui"))}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"

"""The README's screenshots (assets/screenshots) are the app's current rendering: the snapshot tests' SVGs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("update_screenshots", ROOT / "assets" / "update_screenshots.py")
assert _spec is not None and _spec.loader is not None
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)


@pytest.mark.parametrize("name", sorted(screenshots.SCREENSHOTS))
def test_each_readme_screenshot_is_the_screen_as_the_app_draws_it_now(name):
    shown = screenshots.TARGET / name
    drawn = screenshots.SNAPSHOTS / screenshots.SCREENSHOTS[name]
    assert shown.read_bytes() == drawn.read_bytes(), "run: python assets/update_screenshots.py"


def test_the_readme_shows_every_screenshot():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in screenshots.SCREENSHOTS:
        assert f"assets/screenshots/{name}" in readme


# --- the import's column mapping (src/aaben_raadgivning/assets/import_mapping.toml) and its sample files --------


def test_the_import_mapping_loads_and_knows_the_common_danish_headings():
    from aaben_raadgivning.domain.citizen_import import FIELDS, heading_key, load_import_mapping

    mapping = load_import_mapping()  # validated as it is read (ImportMappingError otherwise)
    assert set(mapping.fields) == set(FIELDS) and mapping.fields["name"].required
    for heading, field in (("CPR", "cpr"), ("CPR-nr.", "cpr"), ("Cpr nummer", "cpr"), ("Navn", "name"),
                           ("Fulde navn", "name"), ("Telefon", "phone"), ("Tlf", "phone"), ("Mobil", "phone"),
                           ("Adresse", "address"), ("Ydelse", "benefit_type"), ("Ydelsestype", "benefit_type"),
                           ("Parathed", "readiness"), ("Match", "match_group"), ("Jobkonsulent", "jobkonsulent"),
                           ("Jobformidler", "jobformidler"), ("Boligområde", "housing_area"),
                           ("Afdeling", "housing_area"), ("Ydelse siden", "benefit_since")):  # fmt: skip
        assert mapping.keys[heading_key(heading)] == field, heading


def test_the_sample_import_files_read_the_same_and_have_no_problems():
    """assets/import/: the CSV and the XLSX made from it (make_sample_xlsx.py) give the same typed rows."""
    from datetime import date

    from aaben_raadgivning.domain.citizen_import import read_source, typed_rows

    folder = ROOT / "assets" / "import"
    typed = [typed_rows(read_source(folder / name), date(2026, 12, 7))[0]
             for name in ("borgere_eksempel.csv", "borgere_eksempel.xlsx")]  # fmt: skip
    assert typed[0] == typed[1], "run: python assets/import/make_sample_xlsx.py"
    assert len(typed[0]) == 5 and all(not row.problems and not row.warnings for row in typed[0])
    assert (folder / "README.md").is_file()


def test_every_walk_in_reason_fits_the_counters_column():
    """At 80 columns the counter's «Årsag» column is 18 characters: a reason shows its short label there, so
    the short label (or the label, when short enough) must fit — a longer one would be cut mid-word."""
    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.ui.screens.counter import REASON_COLUMN

    reasons = load_reference().walk_in_reasons
    too_long = [term.code for term in reasons.terms if len(reasons.short_label(term.code)) > REASON_COLUMN]
    assert too_long == []

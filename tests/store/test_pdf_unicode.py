"""Every name prints as it is written (issue 18, «Print»): the agreement, «Min plan» and the indsigt report
for «Ayşe Yılmaz», «Łukasz Wójcik» and «Nguyễn Văn An» read back with pypdf contain the names exactly, and
the PDFs embed the vendored DejaVu Sans (no core Latin-1 font, no «?»)."""

from __future__ import annotations

import unicodedata

import pytest
from pypdf import PdfReader

from aaben_raadgivning.store.actions.agreement_export import export_agreement
from aaben_raadgivning.store.actions.citizen_record import update_plan
from aaben_raadgivning.store.documents.indsigt import write_indsigt
from aaben_raadgivning.store.documents.pdf import FONT_DIR, FONT_FILES, clean
from aaben_raadgivning.store.documents.plan import print_plan
from support.agreements import citizen_with_agreement

NAMES = ["Ayşe Yılmaz", "Łukasz Wójcik", "Nguyễn Văn An"]


def text_of(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def embedded_fonts(path) -> set[str]:
    """The base names of the fonts with an embedded font file (FontFile2: TrueType) on any page."""
    found = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    found.add(str(font["/BaseFont"]))
            assert str(font.get("/BaseFont", "")) not in ("/Helvetica", "/Helvetica-Bold")  # no core font
    return found


@pytest.fixture(params=NAMES)
def person(request, world):
    citizen, _company, _contact, agreement = citizen_with_agreement(world, name=request.param)
    update_plan(world.db, world.jk.id, citizen.id, job_goal=f"Job til {request.param}", resources="", barriers="",
                parallel_efforts=[], cv_status="mangler")  # fmt: skip
    return request.param, citizen, agreement


def _check(path, name: str) -> None:
    text = text_of(path)
    assert name in text, text[:200]
    assert "?" not in text.replace(name, "")  # no replacement characters anywhere
    fonts = embedded_fonts(path)
    assert any("DejaVuSans" in font for font in fonts), fonts
    assert any("Bold" in font for font in fonts), fonts


def test_the_agreement_pdf_prints_the_name(world, person, tmp_path):
    name, _citizen, agreement = person
    path = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "aftale.pdf", fmt="pdf")
    _check(path, name)
    assert f"Underskrift – Borger: {name}" in text_of(path)


def test_the_plan_pdf_prints_the_name(world, person, tmp_path):
    name, citizen, _agreement = person
    path = print_plan(world.db, world.jk.id, citizen.id, tmp_path / "plan.pdf")
    _check(path, name)
    assert f"Min plan – {name}" in text_of(path) and f"Job til {name}" in text_of(path)


def test_the_indsigt_pdf_prints_the_name(world, person, tmp_path):
    name, citizen, _agreement = person
    write_indsigt(world.db, citizen.id, pdf=tmp_path / "indsigt.pdf", actor_id=world.jk.id)
    text = text_of(tmp_path / "indsigt.pdf")
    assert f"Borger: {name}" in text
    assert any("DejaVuSans" in font for font in embedded_fonts(tmp_path / "indsigt.pdf"))


def test_a_decomposed_name_prints_as_one_glyph_per_letter(world, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert decomposed != "Nguyễn Văn An" and clean(decomposed) == "Nguyễn Văn An"
    citizen, _company, _contact, agreement = citizen_with_agreement(world, name="Nguyễn Văn An")
    path = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "a.pdf", fmt="pdf")
    assert "Nguyễn Văn An" in text_of(path)


def test_the_font_and_its_licence_are_vendored():
    for name in FONT_FILES.values():
        assert (FONT_DIR / name).read_bytes()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    licence = (FONT_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream" in licence and "DejaVu changes are in public domain" in licence


def test_an_arabic_name_prints_joined_and_in_reading_order(world, tmp_path):
    """HarfBuzz shaping (uharfbuzz): without it the letters print separately and reversed, and read back as
    «يلع دمحم»."""
    citizen, _company, _contact, agreement = citizen_with_agreement(world, name="محمد علي")
    path = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "a.pdf", fmt="pdf")
    assert "محمد علي" in text_of(path)

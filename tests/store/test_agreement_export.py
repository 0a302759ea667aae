"""The printable agreement: PDF text (read back with pypdf) and Markdown; health notes only when chosen;
the export is audited and written atomically."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.store.actions.agreement_export import (
    default_file_name,
    export_agreement,
)
from aaben_raadgivning.store.models import AuditEntry
from support.agreements import (
    add_agreement_goal,
    add_plan_visit,
    citizen_with_agreement,
)

HEALTH = "Må ikke løfte over 10 kg – “ryggen”"


@pytest.fixture
def agreement(world):
    _citizen, _company, _contact, agreement = citizen_with_agreement(world, health_notes=HEALTH)
    add_agreement_goal(world.db, agreement, "Møde til tiden tre gange i træk")
    add_plan_visit(world.db, agreement, date(2026, 9, 7), status="done")
    add_plan_visit(world.db, agreement, date(2026, 12, 1))
    return agreement


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_has_parties_hours_dates_and_signature_lines_but_no_health_notes(world, agreement, tmp_path):
    path = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "aftale.pdf", fmt="pdf")
    assert path == tmp_path / "aftale.pdf" and path.read_bytes().startswith(b"%PDF")
    text = flat(pdf_text(path))
    for expected in (
        "Aftale om virksomhedsforløb – Bilka Tilst",
        "Amina Hussein", "CVR 12345674", "Søren Østergaard", "Jakob Frederiksen",  # parties
        "01.09.2026 – 28.02.2027",
        "Varemodtagelse og opfyldning af hylder",
        "Ordinære timer", "Virksomhedspraktik", "I alt pr. uge 4 12", "Ca. pr. måned 17,3 52",
        "30 ordinære timer om måneden",
        "Møde til tiden tre gange i træk",
        "Mandag 07.09.2026", "(gennemført)", "Tirsdag 01.12.2026",
        "Underskrift – Borger: Amina Hussein",
        "Underskrift – Virksomhedens kontaktperson: Søren Østergaard",
        "Underskrift – Jobformidler: Jakob Frederiksen",
    ):  # fmt: skip
        assert expected in text, expected
    assert "Hensyn til helbred" not in text and "løfte" not in text


def test_pdf_with_health_notes_when_chosen_and_the_export_is_audited(world, agreement, tmp_path):
    export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "med", fmt="pdf", include_health=True)
    text = flat(pdf_text(tmp_path / "med.pdf"))
    assert "Hensyn til helbred (fortroligt)" in text and "Må ikke løfte over 10 kg – “ryggen”" in text
    with world.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.entity, entry.entity_id, entry.citizen_id, entry.staff_id) == (
        "agreement",
        agreement.id,
        agreement.citizen_id,
        world.jk.id,
    )
    assert "PDF (med helbredsoplysninger)" in entry.detail and "med.pdf" in entry.detail


def test_markdown_export(world, agreement, tmp_path):
    path = export_agreement(world.db, world.jf.id, agreement.id, tmp_path / "aftale.md", fmt="md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Aftale om virksomhedsforløb – Bilka Tilst")
    assert "| I alt pr. uge | 4 | 12 |" in text and "| Ca. pr. måned | 17,3 | 52 |" in text
    assert "- Møde til tiden tre gange i træk" in text and "- Tirsdag 01.12.2026: Opfølgning på aftale" in text
    assert text.count("Underskrift: ____") == 3 and "**Virksomhedens kontaktperson:** Søren Østergaard" in text
    assert "løfte" not in text
    with_health = export_agreement(
        world.db, world.jf.id, agreement.id, tmp_path / "h.md", fmt="md", include_health=True
    )
    assert HEALTH in with_health.read_text(encoding="utf-8")


def test_refusals_write_no_file_and_no_audit(world, agreement, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(ValidationError) as caught:
        export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "x.pdf", fmt="docx")
    assert caught.value.errors == {"format": "Vælg PDF eller Markdown."}
    with pytest.raises(ValidationError) as caught:
        export_agreement(world.db, world.jk.id, agreement.id, tmp_path, fmt="pdf")
    assert "mappe" in caught.value.errors["path"]
    with pytest.raises(NotFoundError):
        export_agreement(world.db, world.jk.id, "nope", tmp_path / "y.pdf", fmt="pdf")
    assert list(tmp_path.iterdir()) == []  # no half file, no temp file left behind
    with world.db.session() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all() == []


def test_an_existing_file_is_replaced_only_when_asked_and_only_a_regular_file(world, agreement, tmp_path):
    """«Erstat filen, hvis den findes»: without it an existing file is left as it was (and nothing is audited);
    with it a regular file is replaced; a pipe or a device is never written to."""
    import os

    target = tmp_path / "aftale.md"
    target.write_text("mine egne noter", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        export_agreement(world.db, world.jk.id, agreement.id, target, fmt="md")
    assert "findes allerede" in caught.value.errors["path"] and "Erstat filen" in caught.value.errors["path"]
    assert target.read_text(encoding="utf-8") == "mine egne noter"
    with world.db.session() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all() == []
    export_agreement(world.db, world.jk.id, agreement.id, target, fmt="md", force=True)
    assert "Underskrift" in target.read_text(encoding="utf-8")
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    with pytest.raises(ValidationError) as caught:
        export_agreement(world.db, world.jk.id, agreement.id, pipe, fmt="md", force=True)
    assert "ikke en almindelig fil" in caught.value.errors["path"]


def test_default_file_name():
    assert default_file_name("Amina Ærø", "Bilka Tilst A/S", 2, "md") == "aftale-amina-aeroe-bilka-tilst-a-s-v2.md"


def test_the_printed_agreement_shows_purpose_expectations_and_when_ordinary_hours_are_expected(world, tmp_path):
    """Seed 000 KE 7 (whether and when ordinary hours are expected) and seed 002 (the praktik's purpose and the
    expectations agreed with the company) are part of what the parties sign."""
    _citizen, _company, _contact, agreement = citizen_with_agreement(
        world, course_kind="virksomhedspraktik", ordinary=[0] * 7, praktik_purpose="traening",
        praktik_expectations="Faste opgaver på lageret; besked ved fravær", ordinary_expected=True,
        ordinary_expected_from=date(2027, 3, 1),
    )  # fmt: skip
    text = flat(pdf_text(export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "a.pdf", fmt="pdf")))
    for expected in (
        "Forventninger",
        "Ordinære timer: aftalen har ingen endnu; de forventes fra 01.03.2027.",
        "Praktikkens formål: Træning – træne borgerens faglige og sociale kompetencer.",
        "Forventninger aftalt med virksomheden: Faste opgaver på lageret; besked ved fravær",
    ):
        assert expected in text, expected
    markdown = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "a.md", fmt="md").read_text("utf-8")
    assert "## Forventninger" in markdown and "- Praktikkens formål: Træning" in markdown


def test_an_agreement_with_ordinary_hours_prints_no_expectations_section(world, agreement, tmp_path):
    markdown = export_agreement(world.db, world.jk.id, agreement.id, tmp_path / "a.md", fmt="md").read_text("utf-8")
    assert "## Forventninger" not in markdown

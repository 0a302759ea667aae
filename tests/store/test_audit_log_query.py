"""The audit screen's query: newest first, keyset pages without gaps or repeats, every filter, roles; and
the citizen's indsigt report (PDF and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.audit_log import record_audit_view, require_audit_reader
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.documents.export import ExportError
from aaben_raadgivning.store.documents.indsigt import write_indsigt
from aaben_raadgivning.store.queries.audit_log import AuditFilter, audit_page
from support.clock import LOCAL_NOW, PASSWORD


@pytest.fixture
def log(world):
    leder = create_staff(world.db, initials="LL", name="Lone Leder", role="leder", password=PASSWORD)
    bs = create_staff(world.db, initials="BS", name="Bo Bolig", role="boligsocial", password=PASSWORD)
    ase = create_citizen(world.db, world.jk.id, name="Åse Østergård", cpr="0101901234")
    ole = create_citizen(world.db, world.jk.id, name="Ole Olsen")
    for n in range(30):  # one look-up an hour, alternating staff and citizens
        world.clock.advance(hours=1)
        who = world.jk if n % 2 else world.jf
        record_lookup(world.db, who.id, (ase if n % 3 else ole).id, f"søgning {n}", "Borgere")
    return world, leder, bs, ase, ole


def _all_pages(db, role, flt, limit=7):
    rows, after = [], None
    while True:
        page = audit_page(db, role, flt, after, limit=limit)
        rows.extend(page)
        if len(page) < limit:
            return rows
        after = page[-1]


def test_pages_are_newest_first_without_gaps_or_repeats(log):
    world, *_ = log
    rows = _all_pages(world.db, "leder", AuditFilter())
    with world.db.engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()
    assert len(rows) == total == len({r.id for r in rows})
    assert [r.key for r in rows] == sorted((r.key for r in rows), reverse=True)
    assert rows[0].action_label == "Søgning" and rows[0].detail == "Borgere: søgning «søgning 29»"


def test_filters_by_staff_citizen_period_and_kind(log):
    world, _leder, _bs, ase, ole = log
    by_jf = _all_pages(world.db, "leder", AuditFilter(staff_id=world.jf.id))
    assert by_jf and all(r.staff_initials == "JF" for r in by_jf)
    about_ole = _all_pages(world.db, "leder", AuditFilter(citizen_ids=(ole.id,)))
    assert {r.citizen_name for r in about_ole} == {"Ole Olsen"}
    both = _all_pages(world.db, "leder", AuditFilter(citizen_ids=(ole.id, ase.id)), limit=4)
    assert len(both) == len(about_ole) + len(_all_pages(world.db, "leder", AuditFilter(citizen_ids=(ase.id,))))
    assert [r.key for r in both] == sorted((r.key for r in both), reverse=True)
    assert _all_pages(world.db, "leder", AuditFilter(citizen_ids=())) == []
    searches = _all_pages(world.db, "leder", AuditFilter(kind="lookup"), limit=5)
    assert len(searches) == 30 and {r.action for r in searches} == {"search"}
    changes = _all_pages(world.db, "leder", AuditFilter(kind="change"))
    assert {r.action for r in changes} == {"create"}
    first_day = LOCAL_NOW.date()  # the look-ups ran an hour apart from 11:15 on, into the next day
    day_one = _all_pages(world.db, "leder", AuditFilter(date_from=first_day - timedelta(days=1), date_to=first_day))
    day_two = _all_pages(world.db, "leder", AuditFilter(date_from=first_day + timedelta(days=1)))
    assert day_one and day_two and len(day_one) + len(day_two) == len(_all_pages(world.db, "leder", AuditFilter()))
    assert _all_pages(world.db, "leder", AuditFilter(date_to=date(2020, 1, 1))) == []
    combined = _all_pages(world.db, "leder", AuditFilter(staff_id=world.jk.id, citizen_ids=(ase.id,), kind="lookup"))
    assert combined and all(r.staff_initials == "JK" and r.citizen_id == ase.id for r in combined)


def test_only_roles_with_the_audit_scope_read_it_and_viewing_is_audited(log):
    world, leder, bs, *_ = log
    assert audit_page(world.db, "boligsocial", AuditFilter()) == []
    assert audit_page(world.db, "jobformidler", AuditFilter()) == []
    assert audit_page(world.db, "jobkonsulent", AuditFilter())
    with pytest.raises(PermissionDenied):
        require_audit_reader(world.db, bs.id)
    assert require_audit_reader(world.db, leder.id).id == leder.id
    record_audit_view(world.db, leder.id, "medarbejder JK")
    [newest] = audit_page(world.db, "leder", AuditFilter(), limit=1)
    assert (newest.action, newest.staff_initials, newest.detail) == (
        "audit_view",
        "LL",
        "Revisionssporet vist: medarbejder JK",
    )


def test_indsigt_report_as_pdf_and_csv_is_complete_and_audited(log, tmp_path):
    world, leder, bs, ase, _ole = log
    pdf, csv_path = tmp_path / "indsigt.pdf", tmp_path / "indsigt.csv"
    result = write_indsigt(world.db, ase.id, pdf=pdf, csv_file=csv_path, actor_id=leder.id)
    expected = [r for r in _all_pages(world.db, "leder", AuditFilter(citizen_ids=(ase.id,))) if r.action != "indsigt"]
    assert len(result.report.rows) == len(expected)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Dato", "Tid", "Medarbejder", "Medarbejderens navn", "Handling", "Hvad"]
    assert len(lines) == 1 + len(expected)
    assert lines[1][2:5] == ["JK", "Jette Kristensen", "Oprettet"]
    assert any(line[4] == "Søgning" and "søgning 1»" in line[5] for line in lines)
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Indsigt" in text and "Åse Østergård" in text and "010190-1234" in text
    assert "Jakob Frederiksen" in text and "Søgning" in text
    [audit] = audit_page(world.db, "leder", AuditFilter(kind="extract"))
    assert (audit.action, audit.citizen_id, audit.staff_initials) == ("indsigt", ase.id, "LL")
    assert "PDF til" in audit.detail and "CSV til" in audit.detail
    with pytest.raises(ExportError, match="findes allerede"):
        write_indsigt(world.db, ase.id, csv_file=csv_path, actor_id=leder.id)
    with pytest.raises(PermissionDenied):
        write_indsigt(world.db, ase.id, csv_file=tmp_path / "ny.csv", actor_id=bs.id)
    assert not (tmp_path / "ny.csv").exists()

"""``export --csv MAPPE`` and ``export --xlsx FIL``: spreadsheets for people — Danish headings, labels for codes,
dates as dates, hours as numbers, CSV for Danish Excel; cut to the reader's role and consent; audited; never
replacing a file without --force nor writing to anything but a regular file."""

from __future__ import annotations

import csv
import os
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event
from aaben_raadgivning.store.documents.export import PEOPLE_HEADINGS, export_people
from aaben_raadgivning.store.documents.tabular import csv_text
from aaben_raadgivning.store.models import Citizen, Staff
from aaben_raadgivning.store.queries.viewer import Viewer
from support.agreements import make_agreement, make_company
from support.clock import FixedClock
from support.keys import raw_connect

NAME = "Ayşe Yılmaz"
FILES = ("aftaler.csv", "borgere.csv", "henvendelser.csv", "hændelser.csv", "opfølgning.csv", "timer.csv")


@pytest.fixture
def data(tmp_path) -> Path:
    """Ayşe Yılmaz (kontanthjælp, visiteret) with a samtale, an agreement with health notes and 7,5 ordinary
    hours in November 2026; four staff, one per role. No samtykke: a boligsocial medarbejder sees contact only."""
    from aaben_raadgivning.runtime import open_runtime

    folder = tmp_path / "data"
    folder.mkdir()
    clock = FixedClock(datetime(2026, 11, 3, 9))
    runtime = open_runtime(folder, now=clock)
    db = runtime.db
    jk = create_staff(db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password="hemmelig1")
    jf = create_staff(db, initials="JF", name="Jakob Frederiksen", role="jobformidler", password="hemmelig1")
    create_staff(db, initials="BS", name="Birgit Sørensen", role="boligsocial", password="hemmelig1")
    create_staff(db, initials="LE", name="Lars Eriksen", role="leder", password="hemmelig1")
    citizen = create_citizen(db, jk.id, name=NAME, cpr="010190-1234", phone="+45 12 34 56 78", housing_area="Gellerup")
    with db.transaction() as tx:
        tx.session.get(Citizen, citizen.id).benefit_type = "kontanthjaelp"  # type: ignore[union-attr]
    record_visitation(db, jk.id, citizen.id, "projekt")
    clock.utc = to_utc(datetime(2026, 11, 10, 12))
    add_event(db, jk.id, citizen.id, kind="samtale", summary="=Samtale om job", occurred_at=datetime(2026, 11, 10, 10))
    company, contact = make_company(db)
    agreement = make_agreement(db, citizen.id, company, contact, jobformidler_id=jf.id, health_notes="Dårlig ryg")
    clock.utc = to_utc(datetime(2026, 12, 2, 9))
    register_hours(db, jf.id, agreement.id, date(2026, 11, 1), ordinary=450)
    runtime.close()
    return folder


def _csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Danish Excel
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _audits(data: Path) -> list[str]:
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        return [row[0] for row in conn.execute("SELECT detail FROM audit_log WHERE action = 'export'")]


def test_csv_folder_has_a_file_per_kind_with_danish_headings(run, data, tmp_path):
    target = tmp_path / "eksport"
    code, out, err = run("--data-dir", str(data), "export", "--csv", str(target))
    assert code == 0, err
    assert "1 borger, 0 henvendelser, 2 hændelser, 1 aftale, 1 timeregistrering," in out
    assert "citizens" not in out and "events" not in out
    assert "Borgere:" in err  # the progress line
    assert sorted(path.name for path in target.iterdir()) == list(FILES)  # no temporary files left
    [citizen] = _csv(target / "borgere.csv")
    assert list(citizen) == list(PEOPLE_HEADINGS["borgere"])
    assert citizen["Navn"] == NAME and citizen["CPR-nummer"] == "010190-1234"
    assert citizen["Ydelse"] == "Kontanthjælp" and citizen["Fødselsdato"] == "01.01.1990"
    assert citizen["Telefon"] == "12345678" and citizen["Jobkonsulent"] == "Jette Kristensen (JK)"
    [hours] = _csv(target / "timer.csv")
    assert hours["Ordinære timer"] == "7,5" and hours["Måned"] == "11.2026" and hours["Borger"] == NAME
    [event] = [row for row in _csv(target / "hændelser.csv") if row["Resumé"].endswith("Samtale om job")]
    assert event["Tidspunkt"] == "10.11.2026 10:00" and event["Type"] != "samtale"
    assert event["Resumé"] == "'=Samtale om job"  # never a formula in Excel
    [agreement] = _csv(target / "aftaler.csv")
    assert agreement["Helbredsforhold"] == "Dårlig ryg" and agreement["Virksomhed"] == "Bilka Tilst"
    [detail] = _audits(data)
    assert "CSV" in detail and str(target) in detail and "1 borger," in detail and NAME not in detail


def test_xlsx_has_a_sheet_per_kind_with_dates_and_numbers(run, data, tmp_path):
    target = tmp_path / "eksport.xlsx"
    code, out, _ = run("--data-dir", str(data), "export", "--xlsx", str(target))
    assert code == 0 and "1 borger," in out
    book = load_workbook(target)
    assert book.sheetnames == ["Borgere", "Henvendelser", "Hændelser", "Aftaler", "Timer", "Opfølgning"]
    rows = list(book["Borgere"].iter_rows(values_only=True))
    assert rows[0] == PEOPLE_HEADINGS["borgere"]
    citizen = dict(zip(rows[0], rows[1], strict=True))
    assert citizen["Navn"] == NAME and citizen["Ydelse"] == "Kontanthjælp"
    assert isinstance(citizen["Fødselsdato"], datetime) and citizen["Fødselsdato"].date() == date(1990, 1, 1)
    birth_cell = book["Borgere"].cell(row=2, column=rows[0].index("Fødselsdato") + 1)
    assert birth_cell.is_date and birth_cell.number_format == "dd.mm.yyyy"
    hours_rows = list(book["Timer"].iter_rows(values_only=True))
    hours = dict(zip(hours_rows[0], hours_rows[1], strict=True))
    assert hours["Ordinære timer"] == 7.5 and isinstance(hours["Timer i alt"], float)
    events = list(book["Hændelser"].iter_rows(values_only=True))
    assert "=Samtale om job" in [row[4] for row in events]  # text, not a formula
    [detail] = _audits(data)
    assert "XLSX" in detail and "1 borger," in detail


def test_roles_and_consent_cut_what_is_exported(data, tmp_path):
    from aaben_raadgivning.runtime import open_runtime

    runtime = open_runtime(data)
    try:
        db = runtime.db
        with db.session() as session:
            staff = {s.initials: s for s in session.query(Staff)}
            for member in staff.values():
                session.expunge(member)
        for initials in ("BS", "LE"):
            export_people(db, tmp_path / initials, "csv", viewer=Viewer.of(staff[initials]))
        audits = _audits_of(db)
    finally:
        runtime.close()
    # Boligsocial without samtykke: name and contact, CPR masked, no benefit, case, timeline of the case,
    # agreements, hours or follow-up.
    [citizen] = _csv(tmp_path / "BS" / "borgere.csv")
    assert citizen["Navn"] == NAME and citizen["CPR-nummer"] == "010190-xxxx"
    assert citizen["Ydelse"] == "" and citizen["Jobkonsulent"] == "" and citizen["Trin"] == ""
    assert _csv(tmp_path / "BS" / "aftaler.csv") == [] and _csv(tmp_path / "BS" / "timer.csv") == []
    assert _csv(tmp_path / "BS" / "opfølgning.csv") == []
    assert not [row for row in _csv(tmp_path / "BS" / "hændelser.csv") if "Samtale" in row["Resumé"]]
    # Leder: the case and the agreements, the full CPR, but no health notes.
    [citizen] = _csv(tmp_path / "LE" / "borgere.csv")
    assert citizen["CPR-nummer"] == "010190-1234" and citizen["Ydelse"] == "Kontanthjælp"
    [agreement] = _csv(tmp_path / "LE" / "aftaler.csv")
    assert agreement["Helbredsforhold"] == "" and agreement["Forløb"]
    assert len(audits) == 2 and all(staff_id in {staff["BS"].id, staff["LE"].id} for staff_id, _ in audits)
    assert "som boligsocial medarbejder" in audits[0][1] or "som boligsocial medarbejder" in audits[1][1]


def _audits_of(db) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from aaben_raadgivning.store.models import AuditEntry

    with db.session() as session:
        return [tuple(row) for row in session.execute(
            select(AuditEntry.staff_id, AuditEntry.detail).where(AuditEntry.action == "export")
        )]  # fmt: skip


def test_as_cuts_the_export_to_that_staff_members_role_and_audits_it_in_their_name(run, data, tmp_path):
    """``--as BS``: the command line exports only what a boligsocial medarbejder may read (no samtykke here:
    name and contact, CPR masked, no case), and the extract is logged in her name."""
    target = tmp_path / "bs"
    code, out, err = run("--data-dir", str(data), "export", "--csv", str(target), "--as", "bs")
    assert code == 0, err
    [citizen] = _csv(target / "borgere.csv")
    assert citizen["Navn"] == NAME and citizen["CPR-nummer"] == "010190-xxxx" and citizen["Ydelse"] == ""
    assert _csv(target / "aftaler.csv") == []
    [detail] = _audits(data)
    assert "som boligsocial medarbejder" in detail
    code, _out, err = run("--data-dir", str(data), "export", "--csv", str(tmp_path / "x"), "--as", "QQ")
    assert code != 0 and "Ingen medarbejder har initialerne QQ" in err and not (tmp_path / "x").exists()
    code, _out, err = run("--data-dir", str(data), "export", "--json", str(tmp_path / "a.json"), "--as", "JK")
    assert code != 0 and "--as kan kun bruges med --csv og --xlsx" in err and not (tmp_path / "a.json").exists()


def test_never_overwrites_without_force(run, data, tmp_path):
    target = tmp_path / "eksport.xlsx"
    target.write_bytes(b"vigtigt")
    code, _, err = run("--data-dir", str(data), "export", "--xlsx", str(target))
    assert code == 1 and "findes allerede" in err and "--force" in err
    assert target.read_bytes() == b"vigtigt"
    folder = tmp_path / "mappe"
    folder.mkdir()
    (folder / "borgere.csv").write_text("vigtigt", encoding="utf-8")
    (folder / "andet.txt").write_text("uberørt", encoding="utf-8")
    code, _, err = run("--data-dir", str(data), "export", "--csv", str(folder))
    assert code == 1 and "findes allerede" in err
    assert sorted(p.name for p in folder.iterdir()) == ["andet.txt", "borgere.csv"]
    assert _audits(data) == []
    code, _, _ = run("--data-dir", str(data), "export", "--xlsx", str(target), "--force")
    assert code == 0 and load_workbook(target).sheetnames[0] == "Borgere"
    code, _, _ = run("--data-dir", str(data), "export", "--csv", str(folder), "--force")
    assert code == 0 and _csv(folder / "borgere.csv")[0]["Navn"] == NAME
    assert (folder / "andet.txt").read_text(encoding="utf-8") == "uberørt"
    assert len(_audits(data)) == 2


@pytest.mark.parametrize("kind", ["fifo", "folder", "devnull", "csv-folder-is-a-file", "csv-file-is-a-fifo"])
def test_never_writes_to_anything_but_a_regular_file(run, data, tmp_path, kind):
    option, target = "--xlsx", tmp_path / "mål.xlsx"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "devnull":
        target = tmp_path / "null.xlsx"
        target.symlink_to(os.devnull)
    elif kind == "csv-folder-is-a-file":
        option, target = "--csv", tmp_path / "fil"
        target.write_text("x", encoding="utf-8")
    else:
        option, target = "--csv", tmp_path / "mappe"
        target.mkdir()
        os.mkfifo(target / "hændelser.csv")
    code, _, err = run("--data-dir", str(data), "export", option, str(target), "--force")
    assert code == 1
    assert "ikke en almindelig fil" in err or "er en mappe" in err or "er ikke en mappe" in err
    assert _audits(data) == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_an_xlsx_file_must_be_named_so(run, data, tmp_path):
    code, _, err = run("--data-dir", str(data), "export", "--xlsx", str(tmp_path / "eksport.csv"))
    assert code == 1 and ".xlsx" in err


def test_exactly_one_format(run, data, tmp_path):
    code, _, err = run("--data-dir", str(data), "export", "--csv", str(tmp_path), "--xlsx", str(tmp_path / "a.xlsx"))
    assert code == 2 and "præcis én" in err


def test_csv_text_for_danish_excel():
    assert csv_text(2.5) == "2,5" and csv_text(8.0) == "8" and csv_text(date(2026, 1, 2)) == "02.01.2026"
    assert csv_text(True) == "ja" and csv_text(None) == "" and csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("-12") == "-12" and csv_text("+45 12 34 56 78") == "+45 12 34 56 78"

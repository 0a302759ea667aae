"""``audit list`` and ``audit indsigt`` on the command line, and ``check`` finding a changed audit row."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from support.keys import raw_connect


@pytest.fixture
def data(tmp_path) -> Path:
    """A data folder with two staff, a citizen (CPR 010190-1234) and some look-ups of her."""
    folder = tmp_path / "data"
    folder.mkdir()
    from aaben_raadgivning.runtime import open_runtime

    runtime = open_runtime(folder)
    db = runtime.db
    jk = create_staff(db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password="hemmelig1")
    jf = create_staff(db, initials="JF", name="Jakob Frederiksen", role="jobformidler", password="hemmelig1")
    citizen = create_citizen(db, jk.id, name="Åse Østergård", cpr="0101901234")
    for n in range(3):
        record_lookup(db, jf.id, citizen.id, f"Åse {n}", "Borgere")
    runtime.close()
    return folder


def _audit_rows(data: Path, action: str) -> list[tuple]:
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        return conn.execute("SELECT detail, citizen_id FROM audit_log WHERE action = ?", (action,)).fetchall()


def test_audit_list_prints_the_log_newest_first_with_filters(run, data):
    code, out, err = run("--data-dir", str(data), "audit", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Tidspunkt") and "Hvad" in lines[0]
    assert "JF" in lines[2] and "Søgning" in lines[2] and "Åse Østergård" in lines[2] and "«Åse 2»" in lines[2]
    assert "rækker." in lines[-1]
    code, out, _ = run("--data-dir", str(data), "audit", "list", "--staff", "jk", "--from", "1.11.2026",
                       "--to", "31.12.2026")  # fmt: skip
    assert code == 0 and "Søgning" not in out and "Oprettet" in out
    code, out, _ = run("--data-dir", str(data), "audit", "list", "--cpr", "010190-1234", "--kind", "opslag")
    assert code == 0 and out.count("Søgning") == 3
    [(detail, _)] = _audit_rows(data, "audit_view")[-1:]
    assert "kommandolinjen" in detail and "opslag og søgninger" in detail
    code, _, err = run("--data-dir", str(data), "audit", "list", "--staff", "XX")
    assert code == 1 and "Ingen medarbejder har initialerne XX" in err
    code, _, err = run("--data-dir", str(data), "audit", "list", "--from", "32.13.2026")
    assert code == 1 and "Traceback" not in err


def test_audit_indsigt_writes_pdf_and_csv_and_refuses_to_overwrite(run, data, tmp_path):
    pdf, csv_file = tmp_path / "indsigt.pdf", tmp_path / "indsigt.csv"
    code, out, err = run("--data-dir", str(data), "audit", "indsigt", "--cpr", "010190-1234",
                         "--pdf", str(pdf), "--csv", str(csv_file))  # fmt: skip
    assert code == 0, err
    assert "Åse Østergård" in out and "4 registreringer" in out
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbfDato;Tid;Medarbejder")
    assert "Jakob Frederiksen" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
    [(detail, citizen_id)] = _audit_rows(data, "indsigt")
    assert citizen_id and "kommandolinjen" in detail and str(pdf) in detail
    code, _, err = run("--data-dir", str(data), "audit", "indsigt", "--citizen-id", citizen_id, "--csv", str(csv_file))
    assert code == 1 and "findes allerede" in err and "--force" in err
    code, _, err = run("--data-dir", str(data), "audit", "indsigt", "--citizen-id", citizen_id,
                       "--csv", str(csv_file), "--force")  # fmt: skip
    assert code == 0, err
    code, _, err = run("--data-dir", str(data), "audit", "indsigt", "--cpr", "020202-2222", "--csv", "x.csv")
    assert code == 1 and "Ingen borger har CPR-nummeret" in err
    code, _, err = run("--data-dir", str(data), "audit", "indsigt", "--citizen-id", citizen_id)
    assert code == 1 and "--pdf" in err


def test_check_reports_a_changed_audit_row(run, data):
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 0 and "[OK  ] Revisionssporet er ubrudt" in out
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        conn.execute("UPDATE audit_log SET detail = 'ingenting' WHERE chain_seq = 3")
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 1 and "[FEJL] Revisionssporet er ubrudt" in out
    assert "række nr. 3" in out and "er ændret, efter den blev skrevet" in out

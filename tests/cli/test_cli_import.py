"""``import borgere FIL``: the dry run first (Danish report, nothing written), ``--yes`` imports; exit codes 0, 10
(rows refused or left out), 1 (a file that cannot be used), 2 (bad arguments); ``--as`` checks the role; and a real
process killed mid-import leaves whole rows only and the re-run completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aaben_raadgivning.cli.errors import EXIT_IMPORT_INCOMPLETE
from support.keys import open_database

SRC = Path(__file__).resolve().parents[2] / "src"
SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "import"
HEADER = "CPR-nr;Navn;Tlf;Adresse;Ydelse;Ydelse siden;Parathed;Jobkonsulent;Jobformidler;Boligområde\n"


@pytest.fixture
def data(tmp_path, run) -> Path:
    data = tmp_path / "data"
    for initials, name, role in (
        ("JK", "Jette Kristensen", "jobkonsulent"),
        ("JF", "Jakob Frederiksen", "jobformidler"),
    ):
        code, _out, err = run("--data-dir", str(data), "user", "add", "--initials", initials, "--name", name,
                              "--role", role, "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
        assert code == 0, err
    return data


def _query(data: Path, sql: str) -> list[tuple]:
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        with db.engine.connect() as conn:
            rows = [tuple(row) for row in conn.exec_driver_sql(sql)]
            conn.rollback()
        return rows
    finally:
        db.close()


def _citizens(data: Path) -> list[tuple]:
    return _query(data, "SELECT name, cpr, phone, address, housing_area FROM citizens ORDER BY name")


def _changes(data: Path) -> int:
    return _query(data, "SELECT count(*) FROM change_log WHERE table_name != 'audit_log'")[0][0]


def test_the_sample_file_dry_run_then_import_then_again(run, data):
    sample = str(SAMPLE / "borgere_eksempel.csv")
    before = _changes(data)
    code, out, err = run("--data-dir", str(data), "import", "borgere", sample)
    assert code == 0, err
    assert (
        "Prøvekørsel (intet er gemt): borgere_eksempel.csv – CSV, tegnsæt UTF-8 med BOM, adskilt med semikolon." in out
    )
    assert "5 rækker i borgere_eksempel.csv vil give: 5 nye borgere, 0 opdateringer" in out
    assert "  linje 2: Aase Østergaard" in out
    assert f"Intet er gemt. Importér med:\n  aaben-raadgivning import borgere {sample} --yes" in out
    assert _citizens(data) == [] and _changes(data) == before  # the dry run wrote nothing
    assert _query(data, "SELECT action, detail FROM audit_log WHERE entity = 'citizen_import'") == [
        ("search", "Prøvekørsel af import fra «borgere_eksempel.csv»: 5 nye borgere, 0 opdateringer, 0 uændrede, "
                   f"0 mulige dubletter, 0 afviste rækker via kommandolinjen (systembruger {_user()})"),
    ]  # fmt: skip
    code, out, err = run("--data-dir", str(data), "import", "borgere", sample, "--yes")
    assert code == 0, err
    assert "5 rækker i borgere_eksempel.csv gav: 5 nye borgere" in out and "%" in err  # the progress bar
    assert [row[0] for row in _citizens(data)] == ["Aase Østergaard", "Ayşe Prøve", "Bilal Eksempel", "Dorte Demo",
                                                   "Erik Fiktiv"]  # fmt: skip
    changes = _changes(data)
    code, out, err = run("--data-dir", str(data), "import", "borgere", str(SAMPLE / "borgere_eksempel.xlsx"), "--yes")
    assert code == 0, err
    assert "gav: 0 nye borgere, 0 opdateringer, 5 uændrede" in out
    assert _changes(data) == changes


def _user() -> str:
    from aaben_raadgivning.cli.commands.user import os_user_name

    return os_user_name()


def test_refused_rows_give_exit_code_10_and_the_rest_is_imported(run, data, tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_text(HEADER + "010180-1101;God Borger;12345601;;Kontanthjælp;1.2.2019;Aktivitetsparat;JK;JF;Ringparken\n"
                    "010180-1102;Dårlig Borger;12345602;;Folkepension;;;JK;;\n", encoding="cp1252")  # fmt: skip
    code, out, err = run("--data-dir", str(data), "import", "borgere", str(path))
    assert code == EXIT_IMPORT_INCOMPLETE, err
    assert "Windows-1252" in out and "linje 3: Dårlig Borger – Ydelse: ukendt ydelse «Folkepension»" in out
    code, out, err = run("--data-dir", str(data), "import", "borgere", str(path), "--yes")
    assert code == EXIT_IMPORT_INCOMPLETE
    assert "De afviste rækker og de mulige dubletter er ikke importeret." in out
    assert [row[0] for row in _citizens(data)] == ["God Borger"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mangler.csv", None, "findes ikke"),
        ("borgere.ods", b"x", "skal være en CSV- eller XLSX-fil"),
        ("borgere.csv", b"Fornavn,Efternavn\nA,B\n", "ingen kendte kolonneoverskrifter"),
        ("borgere.xlsx", b"PK\x03\x04 damaged", "ikke en gyldig XLSX-fil"),
    ],
)
def test_a_bad_file_exit_code_1_and_nothing_written(run, data, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = _changes(data)
    code, out, err = run("--data-dir", str(data), "import", "borgere", str(path), "--yes")
    assert code == 1 and message in err and "Intet er importeret" in err and out == ""
    assert _changes(data) == before


def test_as_a_staff_member_checks_the_role(run, data):
    sample = str(SAMPLE / "borgere_eksempel.csv")
    code, _out, err = run("--data-dir", str(data), "import", "borgere", sample, "--yes", "--as", "JF")
    assert code == 1 and "Som jobformidler kan du ikke importere borgere fra en fil." in err
    code, _out, err = run("--data-dir", str(data), "import", "borgere", sample, "--yes", "--as", "XX")
    assert code == 1 and "Ingen medarbejder har initialerne XX" in err
    assert _citizens(data) == []
    code, _out, err = run("--data-dir", str(data), "import", "borgere", sample, "--yes", "--as", "jk")
    assert code == 0, err
    assert _query(data, "SELECT DISTINCT s.initials FROM change_log c JOIN staff s ON s.id = c.staff_id "
                        "WHERE c.table_name = 'citizens'") == [("JK",)]  # fmt: skip


def test_bad_arguments_exit_code_2(run, data):
    code, _out, err = run("--data-dir", str(data), "import", "borgere", "x.csv", "--yes", "--dry-run")
    assert code == 2
    code, _out, err = run("--data-dir", str(data), "import")
    assert code == 2 and "vælg en kommando" in err


def test_a_killed_import_leaves_whole_rows_and_the_rerun_completes_it(data, tmp_path):
    rows = 1200
    path = tmp_path / "stor.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for n in range(rows):
            handle.write(f";Borger {n:05d};{20000000 + n};Vej {n};Kontanthjælp;1.2.2019;Aktivitetsparat;JK;JF;"
                         "Ringparken\n")  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "aaben_raadgivning",
        "--data-dir",
        str(data),
        "import",
        "borgere",
        str(path),
        "--yes",
    ]
    env = dict(os.environ, PYTHONPATH=str(SRC))
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    seen = []
    for raw in process.stderr:  # non-tty: a progress line per tenth
        line = raw.decode()
        seen.append(line)
        if "Importerer" in line and int(line.split("%")[0].split("]")[-1]) >= 30:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    imported = _query(data, "SELECT name, phone, address, benefit_type, jobformidler_id IS NOT NULL FROM citizens")
    assert 0 < len(imported) < rows
    assert all(phone and address and benefit and has_jf for _name, phone, address, benefit, has_jf in imported)
    events = _query(data, "SELECT count(*) FROM events WHERE kind = 'jobformidler'")[0][0]
    assert events == len(imported)  # each whole row: the citizen, the jobformidler and its event
    done = subprocess.run(command, env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert f"{len(imported)} uændrede" in done.stdout.decode()
    assert _query(data, "SELECT count(*), count(DISTINCT phone) FROM citizens") == [(rows, rows)]
    assert _query(data, "SELECT count(*) FROM events WHERE kind = 'jobformidler'") == [(rows,)]

"""Import of a caseload (issue 18): files in UTF-8, UTF-8 with BOM and Windows-1252 with either separator and as
XLSX; Danish dates and decimal comma; refused rows with line numbers and reasons (nothing of them written);
probable duplicates by CPR, name + birth date and phone; a re-import changes nothing; an updated file changes only
the changed fields (one change-log entry per field); the jobformidler through its own rules; the audit."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from aaben_raadgivning.domain.citizen_import import (
    DUPLICATE,
    NEW,
    REFUSED,
    UNCHANGED,
    UPDATE,
    ImportFileError,
    ImportMappingError,
    load_import_mapping,
    parse_import_mapping,
)
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizen_import import import_citizens
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Citizen, Event
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer

HEADER = ["CPR-nr", "Navn", "Tlf", "Adresse", "Ydelse", "Ydelse siden", "Parathed", "Matchgruppe", "Jobkonsulent",
          "Jobformidler", "Boligområde"]  # fmt: skip
ROWS = [
    ["010180-1101", "Aase Østergaard", "12 34 56 01", "Eksempelvej 1", "Kontanthjælp", "1.2.2019", "Aktivitetsparat",
     "3", "JK", "JF", "Ringparken"],
    ["020281-1000", "Ayşe Prøve", "+45 12 34 56 02", "Eksempelvej 2", "integrationsydelse", "01-03-2018", "jobparat",
     "4,0", "jk", "", "Motalavej"],
    ["", "Dorte Demo", "12345604", "", "KONTANTHJÆLP", "2017-08-15", "", "", "", "", "Motalavej"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig", delimiter: str = ";") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append([cell if cell != "" else None for cell in row])
    workbook.save(path)
    return path


def citizens(db) -> dict[str, Citizen]:
    with db.session() as session:
        return {c.name: c for c in session.scalars(select(Citizen).where(Citizen.deleted_at.is_(None)))}


def change_count(db) -> int:
    """Change-log entries of everything but the audit log (a dry run writes its audit entry, nothing else)."""
    with db.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(ChangeLogEntry).where(ChangeLogEntry.table_name != "audit_log")
            )
            or 0
        )


def field_changes(db, citizen_id: str) -> list[str]:
    with db.session() as session:
        return sorted(
            session.scalars(
                select(ChangeLogEntry.field).where(ChangeLogEntry.row_id == citizen_id, ChangeLogEntry.op == "update")
            )
        )


def kinds(report) -> list[tuple[int, str]]:
    return [(o.line, o.kind) for o in report.outcomes]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize(
    ("encoding", "described", "second_name"),
    [
        ("utf-8", "UTF-8", "Ayşe Prøve"),
        ("utf-8-sig", "UTF-8 med BOM", "Ayşe Prøve"),
        ("cp1252", "Windows-1252", "Zoë Müller"),  # ş is not in Windows-1252
    ],
)
def test_csv_in_each_encoding_and_separator(world, tmp_path, encoding, described, second_name, delimiter):
    rows = [HEADER, ROWS[0], [ROWS[1][0], second_name, *ROWS[1][2:]], ROWS[2]]
    path = write_csv(tmp_path / "borgere.csv", rows, encoding=encoding, delimiter=delimiter)
    dry = import_citizens(world.db, world.jk.id, path, dry_run=True)
    assert described in dry.described and ("semikolon" if delimiter == ";" else "komma") in dry.described
    assert kinds(dry) == [(2, NEW), (3, NEW), (4, NEW)]
    assert set(citizens(world.db)) == set()  # the dry run wrote no citizen
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(report) == kinds(dry) and report.all_ok
    found = citizens(world.db)
    assert set(found) == {"Aase Østergaard", second_name, "Dorte Demo"}
    aase, second, dorte = found["Aase Østergaard"], found[second_name], found["Dorte Demo"]
    assert (aase.cpr, aase.birth_date, aase.sex, aase.phone) == ("0101801101", date(1980, 1, 1), "M", "12345601")
    assert (aase.benefit_type, aase.benefit_since, aase.readiness, aase.match_group) == (
        "kontanthjaelp", date(2019, 2, 1), "aktivitetsparat", "3"
    )  # fmt: skip
    assert (aase.jobkonsulent_id, aase.jobformidler_id, aase.housing_area) == (world.jk.id, world.jf.id, "Ringparken")
    assert (second.phone, second.match_group, second.readiness, second.jobkonsulent_id) == (
        "12345602", "4", "jobparat", world.jk.id
    )  # fmt: skip
    assert (dorte.cpr, dorte.benefit_type, dorte.benefit_since) == (None, "kontanthjaelp", date(2017, 8, 15))
    hits = search_citizens(world.db, "østergaard", viewer=Viewer.of(world.jk))
    assert [hit.name for hit in hits] == ["Aase Østergaard"]  # the search index knows the new citizens


def test_xlsx_with_dates_and_numbers(world, tmp_path):
    rows: list[list[object]] = [HEADER, list(ROWS[0]), list(ROWS[1])]
    rows[1][5] = date(2019, 2, 1)  # a real date cell
    rows[2][0] = 202811000  # CPR stored as a number: the leading 0 is lost
    rows[2][2] = 12345602  # phone as a number
    rows[2][7] = 4.0  # match group as a number
    path = write_xlsx(tmp_path / "borgere.xlsx", rows)
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(report) == [(2, NEW), (3, NEW)] and report.described.startswith("XLSX")
    found = citizens(world.db)
    assert found["Aase Østergaard"].benefit_since == date(2019, 2, 1)
    assert (found["Ayşe Prøve"].cpr, found["Ayşe Prøve"].phone, found["Ayşe Prøve"].match_group) == (
        "0202811000", "12345602", "4"
    )  # fmt: skip


@pytest.mark.parametrize("written", ["1.2.2024", "01-02-2024", "2024-02-01", "01.02.24", "1/2/2024"])
def test_danish_dates(world, tmp_path, written):
    path = write_csv(tmp_path / "b.csv", [["CPR", "Navn", "Ydelse siden"], ["010180-1101", "Aase", written]])
    import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert citizens(world.db)["Aase"].benefit_since == date(2024, 2, 1)


BAD_ROWS = [
    (["310280-1101", "Ulla Ugyldig", "12345611", "Kontanthjælp", "JK", ""], "CPR-nummer"),
    (["010180-1102", "", "12345612", "Kontanthjælp", "JK", ""], "navnet mangler"),
    (["010180-1103", "Ole Ydelse", "12345613", "Folkepension", "JK", ""], "ukendt ydelse «Folkepension»"),
    (["010180-1104", "Per Ukendt", "12345614", "Kontanthjælp", "XY", ""], "ingen aktiv jobkonsulent har initialerne «XY»"),
    (["010180-1105", "Pia Forkert", "12345615", "Kontanthjælp", "JF", ""], "ingen aktiv jobkonsulent har initialerne «JF»"),
    (["010180-1106", "Jens Jobformidler", "12345616", "Kontanthjælp", "JK", "QQ"],
     "ingen aktiv medarbejder har initialerne «QQ»"),
    (["010180-1107", "Tom Telefon", "12", "Kontanthjælp", "JK", ""], "ikke et telefonnummer"),
    (["", "Uden Nøgle", "", "Kontanthjælp", "JK", ""], "hverken CPR-nummer eller telefonnummer"),
    (["010130-4108", "Fremtid Født", "12345618", "Kontanthjælp", "JK", ""], "fremtiden"),
]  # fmt: skip


def test_bad_rows_are_refused_with_line_and_reason_and_leave_nothing(world, tmp_path):
    header = ["CPR", "Navn", "Telefon", "Ydelse", "Jobkonsulent", "Jobformidler"]
    good = ["020281-1000", "God Borger", "12345699", "Kontanthjælp", "JK", "JF"]
    path = write_csv(tmp_path / "b.csv", [header, good, *(row for row, _ in BAD_ROWS)])
    before = change_count(world.db)
    dry = import_citizens(world.db, world.jk.id, path, dry_run=True)
    assert change_count(world.db) == before
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    for checked in (dry, report):
        assert kinds(checked) == [(2, NEW)] + [(line, REFUSED) for line in range(3, 3 + len(BAD_ROWS))]
        for outcome, (_row, reason) in zip(checked.outcomes[1:], BAD_ROWS, strict=True):
            assert reason in "; ".join(outcome.reasons), (outcome.line, outcome.reasons)
    assert set(citizens(world.db)) == {"God Borger"}  # no refused row wrote anything
    text = "\n".join(report.lines())
    assert "linje 5: Ole Ydelse – Ydelse: ukendt ydelse «Folkepension»" in text
    assert not report.all_ok


def test_probable_duplicates_by_cpr_name_and_birth_date_and_phone(world, tmp_path):
    create_citizen(world.db, world.jk.id, name="Åse Hansen", cpr="010190-1234", phone="22222222")
    header = ["CPR", "Navn", "Telefon"]
    rows = [
        ["010180-1101", "Aase Østergaard", "12345601"],  # 2: new
        ["010180-1101", "Aase Ø. Andersen", "12345602"],  # 3: the CPR of line 2
        ["", "Karen Kopi", "12345601"],  # 4: the phone of line 2
        ["010190-1118", "ÅSE HANSEN", "33333333"],  # 5: name + birth date of a citizen in the register
        ["020281-1000", "Bo Bror", "22222222"],  # 6: the phone of a citizen in the register
        ["010180-1101", "Aase Østergaard", "12345601"],  # 7: line 2 again
    ]
    path = write_csv(tmp_path / "b.csv", [header, *rows])
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(report) == [(2, NEW), (3, DUPLICATE), (4, DUPLICATE), (5, DUPLICATE), (6, DUPLICATE), (7, DUPLICATE)]
    reasons = {o.line: o.reasons[0] for o in report.outcomes[1:]}
    assert reasons[3] == "samme CPR-nummer som linje 2"
    assert reasons[4] == "samme telefonnummer som linje 2"
    assert "ligner Åse Hansen i programmet (samme navn og fødselsdato" in reasons[5]
    assert reasons[6] == "ligner Åse Hansen i programmet (samme telefonnummer)"
    assert set(citizens(world.db)) == {"Åse Hansen", "Aase Østergaard"}
    # Accepted on purpose: those by name + birth date or phone become new citizens; the same CPR never does.
    again = import_citizens(world.db, world.jk.id, path, dry_run=False, accept_duplicates=True)
    assert kinds(again) == [(2, UNCHANGED), (3, DUPLICATE), (4, NEW), (5, NEW), (6, NEW), (7, DUPLICATE)]
    assert set(citizens(world.db)) == {"Åse Hansen", "Aase Østergaard", "Karen Kopi", "ÅSE HANSEN", "Bo Bror"}


def test_reimport_changes_nothing_and_an_updated_file_only_the_changed_fields(world, tmp_path):
    path = write_csv(tmp_path / "b.csv", [HEADER, *ROWS])
    import_citizens(world.db, world.jk.id, path, dry_run=False)
    before = change_count(world.db)
    again = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(again) == [(2, UNCHANGED), (3, UNCHANGED), (4, UNCHANGED)] and again.all_ok
    assert change_count(world.db) == before  # not one change-log entry
    aase = citizens(world.db)["Aase Østergaard"]
    assert field_changes(world.db, aase.id) == ["jobformidler_id"]  # set after the insert, by its own rules
    # The jobkonsulent's system now says: a new phone and benefit for Aase, an address for Dorte (found by name +
    # phone: she has no CPR); an empty cell never clears a stored value.
    changed = [list(row) for row in ROWS]
    changed[0][2], changed[0][4] = "87654321", "Integrationsydelse"
    changed[0][3] = ""
    changed[2][3] = "Prøvegade 4"
    write_csv(path, [HEADER, *changed])
    dry = import_citizens(world.db, world.jk.id, path, dry_run=True)
    assert kinds(dry) == [(2, UPDATE), (3, UNCHANGED), (4, UPDATE)]
    assert dry.outcomes[0].reasons == ("ændrer telefon, ydelse",)
    assert change_count(world.db) == before
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(report) == kinds(dry)
    found = citizens(world.db)
    assert field_changes(world.db, found["Aase Østergaard"].id) == ["benefit_type", "jobformidler_id", "phone"]
    assert field_changes(world.db, found["Dorte Demo"].id) == ["address"]
    assert (found["Aase Østergaard"].phone, found["Aase Østergaard"].address) == ("87654321", "Eksempelvej 1")
    assert change_count(world.db) == before + 3


def test_the_jobformidler_follows_the_rules_of_choosing_one(world, tmp_path):
    from aaben_raadgivning.store.actions.staff import create_staff
    from support.clock import PASSWORD

    create_staff(world.db, initials="MB", name="Mette Broker", role="jobformidler", password=PASSWORD)
    path = write_csv(tmp_path / "b.csv", [["CPR", "Navn", "Jobformidler"], ["010180-1101", "Aase", "JF"]])
    import_citizens(world.db, world.jk.id, path, dry_run=False)
    write_csv(path, [["CPR", "Navn", "Jobformidler"], ["010180-1101", "Aase", "MB"]])
    dry = import_citizens(world.db, world.jk.id, path, dry_run=True)
    assert dry.outcomes[0].warnings == ("jobformidler skiftes fra Jakob Frederiksen til Mette Broker",)
    import_citizens(world.db, world.jk.id, path, dry_run=False)
    aase = citizens(world.db)["Aase"]
    with world.db.session() as session:
        events = session.scalars(select(Event).where(Event.citizen_id == aase.id).order_by(Event.recorded_at)).all()
        assert [(e.kind, json.loads(e.data)["change"]) for e in events] == [
            ("jobformidler", False),
            ("jobformidler", True),
        ]
        assert events[1].summary == "Jobformidler skiftet fra Jakob Frederiksen til Mette Broker"
        assert "import af borgere" in events[1].details


def test_only_the_authority_imports_and_the_import_is_audited_without_personal_data(world, tmp_path):
    path = write_csv(tmp_path / "borgere.csv", [HEADER, *ROWS])
    before = change_count(world.db)
    with pytest.raises(PermissionDenied):
        import_citizens(world.db, world.jf.id, path, dry_run=True)
    with pytest.raises(PermissionDenied):
        import_citizens(world.db, world.jf.id, path, dry_run=False)
    assert change_count(world.db) == before
    import_citizens(world.db, world.jk.id, path, dry_run=True)
    import_citizens(world.db, world.jk.id, path, dry_run=False)
    with world.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "citizen_import")
                                  .order_by(AuditEntry.chain_seq)).all()  # fmt: skip
    assert [(e.action, e.staff_id) for e in entries] == [("search", world.jk.id), ("import", world.jk.id),
                                                         ("import", world.jk.id)]  # fmt: skip
    assert "Prøvekørsel af import fra «borgere.csv»: 3 nye borgere" in entries[0].detail
    assert entries[1].detail == "Import af borgere fra «borgere.csv» begyndt: 3 rækker"
    assert entries[2].detail.startswith("Import af borgere fra «borgere.csv» afsluttet: 3 nye borgere, 0 opdateringer")
    for entry in entries:
        assert not any(part in entry.detail for part in ("Aase", "0101801101", "12345601", "Eksempelvej"))
    with world.db.session() as session:  # the change-log entries name who imported
        stamped = session.scalars(select(ChangeLogEntry.staff_id).where(ChangeLogEntry.table_name == "citizens"))
        assert set(stamped) == {world.jk.id}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("borgere.pdf", b"%PDF-1.4", "skal være en CSV- eller XLSX-fil"),
        ("borgere.csv", None, "findes ikke"),
        ("borgere.csv", b"", "er tom"),
        ("borgere.csv", b"Fornavn;Efternavn\nA;B\n", "ingen kendte kolonneoverskrifter"),
        ("borgere.csv", b"CPR;Telefon\n010180-1101;12345678\n", "mangler kolonnen Navn"),
        ("borgere.csv", b"Navn;Fulde navn\nA;B\n", "To kolonner betyder begge «Navn»"),
        ("borgere.xlsx", b"PK\x03\x04 not really a workbook", "ikke en gyldig XLSX-fil"),
        ("borgere.csv", b"\x00\x01\x02binary", "ikke en tekstfil"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(world, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = change_count(world.db)
    with pytest.raises(ImportFileError) as caught:
        import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert message in caught.value.message and "Intet er importeret" in caught.value.message
    assert change_count(world.db) == before


def test_the_mapping_is_data_and_checked_when_loaded():
    mapping = load_import_mapping()
    assert (
        mapping.keys["cprnr"] == "cpr" and mapping.keys["tlf"] == "phone" and mapping.keys["afdeling"] == "housing_area"
    )
    with pytest.raises(ImportMappingError) as caught:
        parse_import_mapping(
            '[fields.name]\nlabel = "Navn"\nheadings = ["Navn"]\n'
            '[fields.phone]\nlabel = "Tlf"\nheadings = ["Navn"]\n'
            '[fields.shoe_size]\nlabel = "Sko"\nheadings = ["Sko"]\n'
        )
    problems = "\n".join(caught.value.problems)
    assert "fields.shoe_size: ukendt felt" in problems
    assert "overskriften «Navn» bruges også af fields.name" in problems
    assert "fields.name: skal findes og have required = true" in problems


def test_identified_rows_are_no_duplicates_and_a_counter_citizen_gets_the_cpr(world, tmp_path):
    """A family sharing a phone, both with CPR, is two updates, not a duplicate; a citizen made at the counter
    without CPR is found by name + phone and gets the CPR; two lines about the same citizen are a duplicate."""
    mother = create_citizen(world.db, world.jk.id, name="Mor Familie", cpr="010170-1112", phone="44444444")
    son = create_citizen(
        world.db, world.jk.id, name="Søn Familie", cpr="020202-4114", phone="44444444", accept_duplicates=True
    )
    walk_in = create_citizen(world.db, world.jk.id, name="Uden Cpr", phone="55555555")
    rows = [
        ["CPR", "Navn", "Tlf", "Boligområde"],
        ["010170-1112", "Mor Familie", "44444444", "Ringparken"],  # 2: update
        ["020202-4114", "Søn Familie", "44444444", ""],  # 3: unchanged (same phone as line 2: identified by CPR)
        ["030303-4112", "Uden Cpr", "55 55 55 55", ""],  # 4: the counter's citizen: CPR added
        ["", "uden cpr", "55555555", "Motalavej"],  # 5: the same citizen as line 4
    ]
    path = write_csv(tmp_path / "b.csv", rows)
    report = import_citizens(world.db, world.jk.id, path, dry_run=False)
    assert kinds(report) == [(2, UPDATE), (3, UNCHANGED), (4, UPDATE), (5, DUPLICATE)]
    assert report.outcomes[2].reasons == ("ændrer CPR-nummer",)
    assert report.outcomes[3].reasons == ("samme borger som linje 4",)
    found = citizens(world.db)
    assert len(found) == 3 and found["Uden Cpr"].id == walk_in.id
    assert (found["Uden Cpr"].cpr, found["Uden Cpr"].birth_date) == ("0303034112", date(2003, 3, 3))
    assert field_changes(world.db, walk_in.id) == ["birth_date", "cpr", "sex"]
    assert field_changes(world.db, mother.id) == ["housing_area"] and field_changes(world.db, son.id) == []

"""«Min plan»: the citizen's plan as PDF — job goal, plan, delmål with status, the active agreement's hours,
the next appointment and the contact persons, read back with pypdf; the print is audited, refused to a role
without ``print_plan`` (nothing written) and never overwrites a file without ``force``."""

from __future__ import annotations

import os
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import assign_jobformidler, update_plan
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal, assess_sub_goal
from aaben_raadgivning.store.documents.plan import default_file_name, find_citizens, print_plan
from aaben_raadgivning.store.models import AuditEntry
from support.agreements import add_plan_visit, citizen_with_agreement
from support.clock import PASSWORD


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@pytest.fixture
def citizen(world):
    """Amina with a plan, two delmål (one reached), an active agreement with Bilka Tilst (4 ordinary and 12
    internship hours a week), an open follow-up on 01.12.2026 and her jobformidler and jobkonsulent."""
    citizen, _company, _contact, agreement = citizen_with_agreement(world, health_notes="Dårlig ryg")
    update_plan(world.db, world.jk.id, citizen.id, job_goal="Lagerarbejder i Aarhus", resources="Stærk og mødestabil",
                barriers="Jeg har svært ved at stå op om morgenen", parallel_efforts=["gaeldsraadgivning"],
                cv_status="i_gang")  # fmt: skip
    calendar = WorkdayCalendar()
    add_sub_goal(world.db, world.jk.id, citizen.id, "Møde til tiden tre gange i træk", calendar=calendar)
    reached = add_sub_goal(world.db, world.jk.id, citizen.id, "Få truckcertifikat", calendar=calendar)
    assess_sub_goal(world.db, world.jk.id, reached.id, score=5, note="Bestået", status="naaet", calendar=calendar)
    add_plan_visit(world.db, agreement, date(2026, 12, 1))
    add_plan_visit(world.db, agreement, date(2026, 10, 1), status="done")  # done: not an appointment
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    update_base_data(world.db, world.jk.id, citizen.id, jobkonsulent_id=world.jk.id)
    return citizen


def test_the_plan_reads_back_with_goal_delmaal_agreement_appointment_and_contacts(world, citizen, tmp_path):
    path = print_plan(world.db, world.jf.id, citizen.id, tmp_path / "plan")
    assert path == tmp_path / "plan.pdf" and path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    for expected in (
        "Min plan – Amina Hussein",
        "Mit jobmål", "Lagerarbejder i Aarhus",
        "Stærk og mødestabil", "Jeg har svært ved at stå op om morgenen", "Gældsrådgivning",
        "Møde til tiden tre gange i træk", "Vi arbejder på det", "Få truckcertifikat", "Nået",
        "Bilka Tilst", "01.09.2026 – 28.02.2027", "Om ugen: 4 almindelige timer, 12 timer i virksomhedspraktik",
        "Tirsdag 01.12.2026",
        "Jobformidler: Jakob Frederiksen", "Jobkonsulent: Jette Kristensen",
        "Kontaktperson på virksomheden: Søren Østergaard, Lagerchef, Bilka Tilst, telefon 86 12 34 56",
    ):  # fmt: skip
        assert expected in text, expected
    assert "01.10.2026" not in text  # a finished follow-up is no appointment
    assert "ryg" not in text  # never health notes
    assert "0101901234" not in text and "010190-1234" not in text  # no CPR number on the citizen's own paper


def test_the_print_is_audited(world, citizen, tmp_path):
    path = print_plan(world.db, world.jk.id, citizen.id, tmp_path / "min-plan.pdf")
    with world.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
    assert [(e.entity, e.entity_id, e.citizen_id, e.staff_id) for e in entries] == [
        ("citizen", citizen.id, citizen.id, world.jk.id)
    ]
    assert "Min plan" in entries[0].detail and str(path) in entries[0].detail


@pytest.mark.parametrize("role", ["boligsocial", "leder"])
def test_a_role_without_the_permission_is_refused_and_nothing_is_written(world, citizen, tmp_path, role):
    other = create_staff(world.db, initials="XX", name="Anden Person", role=role, password=PASSWORD)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PermissionDenied) as caught:
        print_plan(world.db, other.id, citizen.id, out / "plan.pdf")
    assert caught.value.message.startswith("Som ")
    assert list(out.iterdir()) == []
    with world.db.session() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all() == []


def test_an_existing_file_is_not_overwritten_without_force(world, citizen, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "plan.pdf"
    target.write_bytes(b"mine")
    with pytest.raises(ValidationError) as caught:
        print_plan(world.db, world.jk.id, citizen.id, target)
    assert "findes allerede" in caught.value.errors["path"]
    assert target.read_bytes() == b"mine"
    assert sorted(p.name for p in folder.iterdir()) == ["plan.pdf"]  # no temp file left behind
    print_plan(world.db, world.jk.id, citizen.id, target, force=True)
    assert target.read_bytes().startswith(b"%PDF")


def test_only_a_regular_file_is_ever_written(world, citizen, tmp_path):
    with pytest.raises(ValidationError) as caught:
        print_plan(world.db, world.jk.id, citizen.id, tmp_path)
    assert "mappe" in caught.value.errors["path"]
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError) as caught:
        print_plan(world.db, world.jk.id, citizen.id, fifo, force=True)
    assert "ikke en almindelig fil" in caught.value.errors["path"]
    with world.db.session() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all() == []


def test_a_citizen_without_a_plan_or_agreement_gets_plain_sentences(world, tmp_path):
    from aaben_raadgivning.store.actions.citizens import create_citizen

    bo = create_citizen(world.db, world.jk.id, name="Bo Ny")
    text = pdf_text(print_plan(world.db, world.jk.id, bo.id, tmp_path / "bo.pdf"))
    for expected in ("Vi har ikke skrevet dit jobmål endnu", "Vi har ikke sat delmål endnu",
                     "Du har ingen aftale med en virksomhed lige nu", "Der er ingen aftaler i kalenderen lige nu",
                     "Du har ikke fået en kontaktperson endnu"):  # fmt: skip
        assert expected in text, expected
    with pytest.raises(NotFoundError):
        print_plan(world.db, world.jk.id, "no-such-citizen", tmp_path / "x.pdf")


def test_default_file_name_and_finding_the_citizen(world, citizen):
    assert default_file_name("Ayşe Yılmaz") == "min-plan-ayse-yilmaz.pdf"
    assert default_file_name("Łukasz Wójcik") == "min-plan-lukasz-wojcik.pdf"
    assert default_file_name("Søren Ærø") == "min-plan-soeren-aeroe.pdf"
    assert find_citizens(world.db, "010190-1234") == [(citizen.id, "Amina Hussein")]
    assert find_citizens(world.db, citizen.id) == [(citizen.id, "Amina Hussein")]
    assert find_citizens(world.db, "0202021234") == []


def test_the_command_line_prints_the_plan(world, citizen, tmp_path, run):
    out = tmp_path / "min-plan.pdf"
    data = str(world.runtime.paths.data_dir)
    world.runtime.close()
    code, stdout, _err = run("--data-dir", data, "citizen", "plan", "010190-1234", "--out", str(out))
    assert code == 0 and "Amina Hussein" in stdout and str(out) in stdout
    assert "Lagerarbejder i Aarhus" in pdf_text(out)
    code, _out, err = run("--data-dir", data, "citizen", "plan", "010190-1234", "--out", str(out))
    assert code == 1 and "findes allerede" in err and "--force" in err
    code, _out, _err = run("--data-dir", data, "citizen", "plan", citizen.id, "--out", str(out), "--force")
    assert code == 0
    code, _out, err = run("--data-dir", data, "citizen", "plan", "0303031234", "--out", str(tmp_path / "y.pdf"))
    assert code == 1 and "ingen borger" in err and not (tmp_path / "y.pdf").exists()

"""`aaben-raadgivning follow-up-sweep`: the daily follow-up sweep for a scheduled run."""

from __future__ import annotations

from aaben_raadgivning.cli import EXIT_OK, EXIT_PROBLEM
from aaben_raadgivning.domain.clock import to_local, utc_now
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.follow_ups.sweep import last_sweep_date
from support.keys import open_database


def test_sweep_once_a_day_from_the_command_line(run, tmp_path):
    data = tmp_path / "data"
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        staff = create_staff(db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password="hemmelig1")
        citizen = create_citizen(db, staff.id, name="Åse Østergaard")
        record_visitation(db, staff.id, citizen.id, "projekt")
    finally:
        db.close()
    today = format_date(to_local(utc_now()).date())

    code, out, err = run("--data-dir", str(data), "follow-up-sweep")
    assert code == EXIT_OK
    assert f"Opfølgningerne er opdateret til {today}: 1 borgere gennemgået, 0 med ændringer" in out
    assert "100 %" in err
    code, out, _ = run("--data-dir", str(data), "follow-up-sweep")
    assert (code, out.strip()) == (EXIT_OK, f"Opfølgningerne er allerede opdateret i dag ({today}).")
    db = open_database(data / "aaben-raadgivning.sqlite3", data / "backups")
    try:
        with db.session() as session:
            assert last_sweep_date(session) == to_local(utc_now()).date()
    finally:
        db.close()


def test_the_command_is_in_the_help(run):
    code, out, _ = run("--help")
    assert code == EXIT_OK and "follow-up-sweep" in out and "opdatér opfølgningsopgaverne" in out
    code, out, _ = run("follow-up-sweep", "--help")
    assert code == EXIT_OK and "Opdatér de afledte opfølgningsopgaver til dagens dato" in out


def test_a_folder_without_a_database_is_refused_not_swept(run, tmp_path):
    """A mistyped --data-dir in a scheduled task must fail loudly, not create and sweep an empty database."""
    data = tmp_path / "stavet-forkert"
    code, out, err = run("--data-dir", str(data), "follow-up-sweep")
    assert code == EXIT_PROBLEM and out == ""
    assert f"Der er ingen database i {data}. Tjek mappen (--data-dir)." in err
    assert not (data / "aaben-raadgivning.sqlite3").exists()

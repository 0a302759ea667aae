"""Pilot tests of F9 Synkronisering: the sync state, the manual sync with its progress bar, and the
conflicts side by side (keep one, or write a merged value), asserted on the screen and in the database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from textual.widgets import DataTable, ProgressBar

from aaben_raadgivning.store.actions.citizen_record import update_plan
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import (
    authenticate,
    change_own_password,
    reset_password,
)
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.sync.engine import open_conflicts, sync, sync_status
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.sync_conflicts import MergedValueDialog, SyncScreen
from support.keys import TEST_OFFICE_KEY, open_database
from support.pilot import login, screen_text, type_text
from support.settings import changed

SIZE = (80, 24)


def _with_share(world, share: Path) -> None:
    world.runtime.settings = changed(world.runtime.settings, sync_share=str(share), device_name="skranken")


def _other_laptop(tmp_path: Path, share: Path):
    other = open_database(tmp_path / "other" / "db.sqlite3", tmp_path / "other" / "backups")
    sync(other, share, device_name="beboerhuset")
    return other


def _set(db, citizen_id: str, **fields) -> None:
    with db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen_id), **fields)


async def _open_f9(pilot) -> None:
    """Log in, let the sync after log-in finish, and open F9."""
    await login(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.press("f9")
    await pilot.pause()


def _citizen_on_two_laptops(world, tmp_path: Path):
    """This laptop ("skranken", the app's) and another ("beboerhuset") on one share, both with Åse Hansen."""
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    _with_share(world, share)
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen")
    sync(world.db, share, device_name="skranken")
    return share, citizen, _other_laptop(tmp_path, share)


async def test_f9_shows_the_state_and_a_manual_sync_sends_with_a_progress_bar(world, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    _with_share(world, share)
    create_citizen(world.db, world.jk.id, name="Åse Hansen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()  # the sync right after log-in
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)
        text = screen_text(app)
        assert "Fællesmappen kan nås" in text and "Venter på at blive sendt: 0" in text
        assert "Ingen konflikter" in text
        create_citizen(world.db, world.jk.id, name="Bo Berg")
        app.screen.refresh_all()
        await pilot.pause()
        assert "Venter på at blive sendt: 2" in screen_text(app)
        await pilot.press("ctrl+y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#sync-progress", ProgressBar).progress == 100
        text = screen_text(app)
        assert "Venter på at blive sendt: 0" in text and "sendt 2" in text
    assert any(p.name.startswith("seg-") for p in (share / "devices" / world.db.device_id).iterdir())


async def test_a_conflict_is_shown_side_by_side_and_a_merged_value_syncs(world, tmp_path):
    share, citizen, other = _citizen_on_two_laptops(world, tmp_path)
    _set(world.db, citizen.id, housing_area="Nord")
    _set(other, citizen.id, housing_area="Syd")
    sync(other, share, device_name="beboerhuset")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await _open_f9(pilot)
        text = screen_text(app)
        assert "Konflikter: 1" in text and "Borger: Åse Hansen" in text
        assert "Gældende værdi" in text and "Anden værdi" in text and "beboerhuset" in text
        table = app.screen.query_one("#conflicts", DataTable)
        assert [str(c) for c in table.get_row_at(0)][1:] == ["boligområde", "Syd", "Nord"]
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, MergedValueDialog)
        await pilot.press("home", "ctrl+k")  # clear the suggested value (the one in force)
        await type_text(pilot, "Nord og Syd")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Konflikter: 0" in screen_text(app)
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id).housing_area == "Nord og Syd"
    sync(world.db, share, device_name="skranken")
    sync(other, share, device_name="beboerhuset")
    with other.session() as session:
        assert session.get(Citizen, citizen.id).housing_area == "Nord og Syd"
    assert open_conflicts(other) == []
    other.close()


async def test_each_side_of_a_conflict_says_who_wrote_it(world, tmp_path):
    share, citizen, other = _citizen_on_two_laptops(world, tmp_path)
    with world.db.session() as session:
        cv = session.get(Citizen, citizen.id).cv_status
    for db, who, goal in ((world.db, world.jk.id, "Kok"), (other, world.jf.id, "Tømrer")):
        update_plan(db, who, citizen.id, job_goal=goal, resources="", barriers="", parallel_efforts=[], cv_status=cv)
    sync(other, share, device_name="beboerhuset")
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_f9(pilot)
        text = screen_text(app)
        assert "Konflikter:" in text and "jobmål" in text
        assert "Jette Kristensen (JK)" in text and "Jakob Frederiksen (JF)" in text
        assert "beboerhuset" in text and "skranken (denne" in text
    other.close()


async def test_a_password_conflict_hides_both_values_and_cannot_be_merged(world, tmp_path):
    """JK changes her password here while a colleague resets it on the other laptop: the conflict is shown
    without the hashes, a typed «merged» password is refused, and keeping one side works."""
    share, _citizen, other = _citizen_on_two_laptops(world, tmp_path)
    change_own_password(world.db, world.jk.id, current="hemmelig1", new="minegen1", repeat="minegen1")
    reset_password(other, initials="JK", password="fraandre1")
    sync(other, share, device_name="beboerhuset")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, password="minegen1")
        await app.workers.wait_for_complete()
        await pilot.press("f9")
        await pilot.pause()
        text = screen_text(app)
        assert "adgangskode" in text and "(skjult)" in text and "scrypt" not in text
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)  # no dialog to type a password hash into
        assert "En adgangskode kan ikke skrives her" in "\n".join(n.message for n in app._notifications)
        await pilot.press("ctrl+b")  # keep the one in force
        await pilot.pause()
        assert "Konflikter: 0" in screen_text(app)
    assert open_conflicts(world.db) == []
    winner = [p for p in ("minegen1", "fraandre1") if authenticate(world.db, "JK", p) is not None]
    assert len(winner) == 1
    sync(world.db, share, device_name="skranken")
    sync(other, share, device_name="beboerhuset")
    assert authenticate(other, "JK", winner[0]) is not None and open_conflicts(other) == []
    other.close()


async def test_a_date_conflict_is_shown_and_merged_the_danish_way(world, tmp_path):
    share, citizen, other = _citizen_on_two_laptops(world, tmp_path)
    _set(world.db, citizen.id, project_start=date(2026, 11, 2), jobkonsulent_id=world.jk.id)
    _set(other, citizen.id, project_start=date(2026, 11, 9), jobkonsulent_id=world.jf.id)
    sync(other, share, device_name="beboerhuset")
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_f9(pilot)
        table = app.screen.query_one("#conflicts", DataTable)
        rows = {str(table.get_row_at(i)[1]): [str(c) for c in table.get_row_at(i)][2:] for i in range(table.row_count)}
        assert rows["projektstart"] == ["09.11.2026", "02.11.2026"]
        assert rows["jobkonsulent"] == ["Jakob Frederikse", "Jette Kristensen"]  # names, not ids (cut at 16)
        table.move_cursor(row=list(rows).index("projektstart"))
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MergedValueDialog)
        assert dialog.query_one("#merged").value == "09.11.2026"  # typed as dates are typed everywhere
        await pilot.press("home", "ctrl+k")
        await type_text(pilot, "30.02.2026")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # stays open with the reason under the field
        assert "«30.02.2026» er ikke en gyldig dato." in screen_text(app)
        await pilot.press("home", "ctrl+k")
        await type_text(pilot, "16.11.2026")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id).project_start == date(2026, 11, 16)
    other.close()


# --- problems the user must act on: a gap, a folder that is not this laptop's share -----------------


def notified(app) -> str:
    return "\n".join(n.message for n in app._notifications)


def problem_box(app) -> str:
    """The red box on F9 as plain text (it wraps on screen), or "" when it is hidden."""
    box = app.screen.query_one("#sync-problem")
    return box.render().plain if box.display else ""


def _gap_from_the_other_laptop(world, tmp_path: Path):
    """The other laptop sends two files; the first vanishes from the share before this laptop reads it."""
    share, _citizen, other = _citizen_on_two_laptops(world, tmp_path)
    for name in ("Bo Berg", "Carl Carlsen"):
        create_citizen(other, world.jk.id, name=name)
        sync(other, share, device_name="beboerhuset")
    (share / "devices" / other.device_id / "seg-0000000001-0000000001.jsonl").unlink()
    return share, other


def _names(db) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Citizen.name)))


async def test_a_gap_is_a_failed_round_shown_on_f9_until_the_other_laptop_sends_again(world, tmp_path):
    share, other = _gap_from_the_other_laptop(world, tmp_path)
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()  # the background sync after log-in
        assert "Der mangler ændringer fra computeren «beboerhuset»" in notified(app)  # although in the background
        assert app.sync_badge.startswith("⇅ ✗") and "mangler ændringer" in app.sync_badge
        assert "mangler ændringer" in screen_text(app)
        await pilot.press("f9")
        await pilot.pause()
        text = screen_text(app)
        assert "Der mangler ændringer fra en anden computer" in text
        assert "Ikke alle ændringer kunne modtages." in text
        assert "«beboerhuset» (efter fil nr. 0)" in problem_box(app)
        assert sync_status(world.db).gaps == 1
        assert not {"Bo Berg", "Carl Carlsen"} & _names(world.db)
        sync(other, share, device_name="beboerhuset")  # the other laptop reads the state and sends again
        await pilot.press("ctrl+y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert problem_box(app) == "" and "Der mangler ændringer" not in screen_text(app)
        assert "✗" not in app.sync_badge and "mangler" not in app.sync_badge
    assert {"Bo Berg", "Carl Carlsen"} <= _names(world.db)
    other.close()


async def test_a_gap_recorded_earlier_shows_while_the_share_cannot_be_reached(world, tmp_path):
    """After a restart with the share unmounted, the gap found before is still shown as a problem."""
    _with_share(world, tmp_path / "ikke-tilsluttet")
    with world.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO local_meta (key, value) VALUES ('sync_gaps', ?)", (json.dumps({"b" * 32: 0}),)
        )
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_f9(pilot)
        text = screen_text(app)
        assert "Fællesmappen kan ikke nås" in text
        assert "Der mangler ændringer fra en anden computer" in text
        assert "Den anden computer sender dem igen" in problem_box(app)
        assert app.sync_badge.startswith("⇅ ✗") and "mangler ændringer" in app.sync_badge


async def test_a_folder_that_is_not_this_laptops_share_is_refused_loudly(world, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    sync(world.db, share, device_name="skranken")  # this laptop belongs to the office share
    empty = tmp_path / "Z [drev]"  # an unmounted mount point; the brackets must show as typed
    empty.mkdir()
    _with_share(world, empty)
    create_citizen(world.db, world.jk.id, name="Åse Hansen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()  # the background sync after log-in
        refusal = f"Mappen {empty} er ikke denne computers fællesmappe"
        assert refusal in notified(app)  # not an offline round: said although in the background
        assert app.sync_badge.startswith("⇅ ✗") and "forkert mappe" in app.sync_badge
        await pilot.press("f9")
        await pilot.pause()
        text = screen_text(app)
        assert "Intet synkroniseres, før mappen er rettet" in text
        assert "kan nås" not in text  # the folder is there, but it is the wrong one
        assert refusal in problem_box(app) and "share join" in problem_box(app)
        app.start_sync()  # the next background round: the same problem is not repeated every few minutes
        await app.workers.wait_for_complete()
        assert notified(app).count(refusal) == 1
        await pilot.press("ctrl+y")  # asked for: said again
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notified(app).count(refusal) == 2
        waiting = sync_status(world.db).waiting  # Åse Hansen and what came with her, kept here
        assert waiting > 0 and f"Venter på at blive sendt: {waiting} ændringer" in screen_text(app)
    assert list(empty.iterdir()) == []  # nothing written there

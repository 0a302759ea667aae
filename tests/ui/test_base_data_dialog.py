"""Pilot tests of «Stamdata» (F3, key b) and «Udfald» (F3, key l): saved to the database and shown in the
summary; a refused save shows the Danish reason in the dialog and keeps what was typed."""

from __future__ import annotations

from datetime import date

from textual.widgets import Checkbox, Input, Select, Static

from aaben_raadgivning.store.actions.citizen_record import advance_step, assign_jobformidler, record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import Citizen, CitizenOutcome, FollowUpTask
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.base_data_dialogs import BaseDataDialog, OutcomeDialog
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from support.clock import PASSWORD
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (80, 24)


async def open_citizen(pilot, query: str, initials: str = "JK") -> None:
    await login(pilot, initials)
    await pilot.press("f3")
    await pilot.pause()
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def citizen_row(db, citizen_id: str) -> Citizen:
    with db.session() as session:
        return session.get(Citizen, citizen_id)


def notified(app) -> str:
    return "\n".join(notification.message for notification in app._notifications)


def field(app, selector: str) -> Input:
    return app.screen.query_one(selector, Input)


async def set_text(pilot, selector: str, text: str) -> None:
    widget = field(pilot.app, selector)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await type_text(pilot, text)


async def test_base_data_is_saved_and_the_interpreter_shows_in_the_summary(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina")
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BaseDataDialog)
        await set_text(pilot, "#phone", "12 34 56 78")
        await set_text(pilot, "#address", "Parkvej 3")
        app.screen.query_one("#language", Select).value = "arabisk"
        app.screen.query_one("#interpreter", Checkbox).value = True
        app.screen.query_one("#benefit-type", Select).value = "kontanthjaelp"
        await set_text(pilot, "#benefit-since", "1.3.2019")
        app.screen.query_one("#match-group", Select).value = "3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        text = await wait_for_text(pilot, "Tolk: arabisk")
        assert "Kontanthjælp siden 01.03.2019 (7 år)" in text
        assert "Stamdata gemt" in notified(app)
    saved = citizen_row(world.db, citizen.id)
    assert (saved.phone, saved.address, saved.language, saved.interpreter_needed) == (
        "12345678", "Parkvej 3", "arabisk", True)  # fmt: skip
    assert (saved.benefit_type, saved.benefit_since, saved.match_group) == ("kontanthjaelp", date(2019, 3, 1), "3")


async def test_a_refused_save_shows_the_danish_reason_and_keeps_the_typed_text(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina")
        await pilot.press("b")
        await pilot.pause()
        await set_text(pilot, "#address", "Parkvej 3")
        await set_text(pilot, "#cpr", "320190-1234")
        await set_text(pilot, "#benefit-since", "1.1.2030")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BaseDataDialog)  # still open
        text = screen_text(app)
        assert "i fremtiden" in text and "gyldig dato" in text  # under their fields (wrapped)
        errors = {
            name: str(app.screen.query_one(f"#error-{name}", Static).render()) for name in ("cpr", "benefit_since")
        }
        assert "ligger i fremtiden" in errors["benefit_since"] and "CPR-nummer" in errors["cpr"]
        assert (field(app, "#address").value, field(app, "#cpr").value) == ("Parkvej 3", "320190-1234")
        assert field(app, "#benefit-since").value == "1.1.2030"
        # Corrected, it saves.
        await set_text(pilot, "#cpr", "010190-1234")
        await set_text(pilot, "#benefit-since", "1.1.2020")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
    saved = citizen_row(world.db, citizen.id)
    assert (saved.address, saved.cpr, saved.benefit_since) == ("Parkvej 3", "0101901234", date(2020, 1, 1))


async def test_a_boligsocial_medarbejder_edits_contact_data_only(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    create_staff(world.db, initials="BM", name="Bashir Mahmoud", role="boligsocial", password=PASSWORD)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina", initials="BM")
        assert app.screen.check_action("outcome", ()) is False  # «Udfald» is not offered
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BaseDataDialog)
        assert not app.screen.query("#cpr") and not app.screen.query("#benefit-type")
        app.screen.query_one("#interpreter", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Tolk: ja" in screen_text(app)
    assert citizen_row(world.db, citizen.id).interpreter_needed


async def test_outcome_dialog_records_self_support_and_efterværn(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    for _ in range(2):
        advance_step(world.db, world.jk.id, citizen.id, override_reason="Test")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina", initials="JF")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, OutcomeDialog)
        await set_text(pilot, "#outcome-date", "2.11.2026")
        await pilot.press("ctrl+s")  # no outcome chosen
        await pilot.pause()
        assert isinstance(app.screen, OutcomeDialog)
        assert "Vælg et udfald" in screen_text(app)
        assert field(app, "#outcome-date").value == "2.11.2026"  # kept
        app.screen.query_one("#outcome", Select).value = "job_fuldtid"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Efterværn" in notified(app)
        await wait_for_text(
            pilot, "✓ Mål for ordinære timer nået eller selvforsørgende"
        )  # trin 3's criterion is met now
    with world.db.session() as session:
        assert session.query(CitizenOutcome).filter_by(citizen_id=citizen.id).one().outcome == "job_fuldtid"
        assert session.query(FollowUpTask).filter_by(citizen_id=citizen.id, rule="aftercare").count() == 3
    assert citizen_row(world.db, citizen.id).self_supporting


async def test_a_wrong_outcome_is_corrected_from_the_dialog_and_its_efterværn_goes(world):
    """«Registrér som: Rettelse af …» starts from the current outcome and replaces it: the results count the
    correction once, and the efterværn of the wrong self-supporting outcome is removed."""
    from aaben_raadgivning.store.actions.outcomes import record_outcome

    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    wrong = record_outcome(world.db, world.jk.id, citizen.id, outcome="job_fuldtid", outcome_date="2.11.2026")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot, "amina")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, OutcomeDialog)
        assert "Rettelse af «" not in screen_text(app)  # «Nyt udfald» is chosen at first
        app.screen.query_one("#outcome-kind", Select).value = OutcomeDialog.CORRECT
        await pilot.pause()
        assert app.screen.query_one("#outcome", Select).value == "job_fuldtid"  # starts from the current one
        assert field(app, "#outcome-date").value == "02.11.2026"
        app.screen.query_one("#outcome", Select).value = "fraflyttet"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
    with world.db.session() as session:
        rows = session.query(CitizenOutcome).filter_by(citizen_id=citizen.id).all()
        correction = next(row for row in rows if row.id != wrong.outcome_id)
        assert correction.corrects_id == wrong.outcome_id and correction.outcome == "fraflyttet"
        open_aftercare = session.query(FollowUpTask).filter_by(
            citizen_id=citizen.id, rule="aftercare", status="open", deleted_at=None
        )
        assert open_aftercare.count() == 0
    assert not citizen_row(world.db, citizen.id).self_supporting

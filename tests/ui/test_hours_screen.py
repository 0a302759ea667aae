"""Pilot tests of ordinary hours on the citizen screen (F3): register → summary and chart show them, the DB has
the row; bad input → Danish message and nothing written; reaching the goal in trin 3 offers the step exit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from textual.widgets import Input, Select

from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.models import AuditEntry, Citizen, HoursReport
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.citizen_dialogs import AdvanceDialog
from aaben_raadgivning.ui.screens.hours_dialogs import AgreementsScreen, HoursDialog
from support.agreements import add_plan_visit, citizen_with_agreement, make_agreement
from support.pilot import login, screen_text, type_text

SIZE = (80, 24)


async def open_citizen(pilot, query: str = "amina") -> None:
    await login(pilot)
    await pilot.press("f3")
    await type_text(pilot, query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def reports(db) -> list[HoursReport]:
    with db.session() as session:
        return list(session.scalars(select(HoursReport).order_by(HoursReport.recorded_at)))


def errors_shown(app) -> str:
    """The Danish error lines of the open dialog (they wrap on screen inside narrow fields)."""
    widgets = app.screen.query(".field-error, #form-error")
    return "\n".join(str(widget.render()) for widget in widgets)


def notified(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def fill_hours(pilot, month: str, ordinary: str, praktik: str = "") -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, HoursDialog)
    dialog.query_one("#month", Input).value = month
    dialog.query_one("#ordinary", Input).value = ordinary
    dialog.query_one("#praktik", Input).value = praktik
    await pilot.pause()


async def test_register_hours_shows_them_in_the_summary_and_chart(world):
    _citizen, _company, _contact, agreement = citizen_with_agreement(world)
    register_hours(world.db, world.jf.id, agreement.id, date(2026, 9, 1), ordinary=600)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        text = screen_text(app)
        assert "Ordinære timer sep 10 · okt – · nov – (mål 30) ·········▃··" in text
        assert "Aftale Bilka" in text
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HoursDialog)
        assert "Bilka Tilst" in screen_text(app) and "november 2026" in screen_text(app)
        await fill_hours(pilot, "okt 2026", "20,5", "40")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert "Timer registreret for oktober 2026: 20,5 ordinære timer." in notified(app)
        assert "sep 10 · okt 20,5 · nov –" in screen_text(app)
        rows = reports(world.db)
        assert [(r.month, r.ordinary_minutes, r.praktik_minutes) for r in rows] == [
            (date(2026, 9, 1), 600, 0),
            (date(2026, 10, 1), 1230, 2400),
        ]
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, AgreementsScreen)
        text = screen_text(app)
        assert "Bilka Tilst" in text and "Aktiv" in text and "v1" in text
        assert "okt 26" in text and "20,5" in text and "40" in text  # ordinary and praktik apart
        assert "mål 30 ordinære timer pr. måned" in text
        app.save_screenshot("/tmp/hours_overview.svg")


async def test_invalid_hours_are_explained_and_nothing_is_written(world):
    citizen_with_agreement(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        await pilot.press("h")
        await pilot.pause()
        for month, ordinary, message in [
            ("11.2026", "-3", "Timetallet kan ikke være negativt."),
            ("11.2026", "syv", "«syv» er ikke et timetal."),
            ("13.2026", "7", "Måneden skal være 1–12."),
            ("12.2026", "7", "December 2026 er ikke begyndt endnu."),
            ("02.2026", "700", "mere end en hel måned"),
        ]:
            await fill_hours(pilot, month, ordinary)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, HoursDialog)
            assert message in errors_shown(app), message
            assert message.split()[0] in screen_text(app)
    assert reports(world.db) == []
    with world.db.session() as session:
        assert (
            session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "hours_report")) == 0
        )


async def test_reaching_the_goal_in_trin3_offers_the_step_exit(world):
    citizen, _company, _contact, agreement = citizen_with_agreement(world)
    add_plan_visit(world.db, agreement, date(2026, 12, 1))
    with world.db.transaction() as tx:
        tx.update(
            tx.session.get(Citizen, citizen.id), step_model="flere_skal_med", step_model_version=1, step="trin3",
            step_since=date(2026, 9, 1), visitation="projekt",
        )  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        await fill_hours(pilot, "november", "31")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AdvanceDialog)
        assert "Alle kriterier for at afslutte trinnet er opfyldt" in screen_text(app)
        assert "31 ordinære timer. Målet på 30 timer er nået." in str(app.screen.query_one("#advance-intro").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id).step == "afsluttet"


async def test_export_the_agreement_from_the_overview(world, tmp_path):
    from pypdf import PdfReader
    from textual.widgets import Checkbox

    from aaben_raadgivning.ui.screens.agreement_export import AgreementExportDialog

    _citizen, _company, _contact, agreement = citizen_with_agreement(world, health_notes="Ondt i ryggen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AgreementExportDialog)
        text = screen_text(app)
        assert "Udskriv aftale · Bilka Tilst · Amina Hussein" in text and "PDF" in text and "Markdown" in text
        assert dialog.query_one("#health", Checkbox).value is False  # health notes only when chosen
        assert dialog.query_one("#path", Input).value.endswith("aftale-amina-hussein-bilka-tilst-v1.pdf")
        app.save_screenshot("/tmp/hours_export.svg")
        (tmp_path / "ud").mkdir()
        (tmp_path / "ud" / "aftale.pdf").write_text("en anden fil", encoding="utf-8")
        dialog.query_one("#path", Input).value = str(tmp_path / "ud" / "aftale.pdf")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AgreementExportDialog)  # the file exists: refused, the dialog stays
        assert "findes allerede" in screen_text(app)
        assert (tmp_path / "ud" / "aftale.pdf").read_text(encoding="utf-8") == "en anden fil"
        dialog.query_one("#force", Checkbox).value = True  # «Erstat filen, hvis den findes»
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AgreementsScreen)
        assert f"Aftalen er gemt som PDF: {tmp_path / 'ud' / 'aftale.pdf'}" in notified(app)
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "ud" / "aftale.pdf").pages)
    assert "Bilka Tilst" in text and "ryggen" not in text
    with world.db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.entity_id == agreement.id and "uden helbredsoplysninger" in entry.detail


async def test_registering_a_month_again_says_so_and_saves_a_correction(world):
    _citizen, _company, _contact, agreement = citizen_with_agreement(world)
    register_hours(world.db, world.jf.id, agreement.id, date(2026, 10, 1), ordinary=600)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        await pilot.press("h")
        await pilot.pause()
        await fill_hours(pilot, "sidste måned", "12")
        status = str(app.screen.query_one("#month-status").render())
        assert "→ oktober 2026 · allerede registreret: ordinære 10" in status and "gemmes som rettelse" in status
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Timer rettet for oktober 2026: 12 ordinære timer." in notified(app)
        assert "okt 12" in screen_text(app)
    first, second = reports(world.db)
    assert second.corrects_id == first.id and second.ordinary_minutes == 720


async def test_the_agreement_editor_registers_hours_offers_the_exit_and_prints(world, tmp_path):
    """F10 in the editor registers a month (goal reached in trin 3 → the exit is offered); F11 prints."""
    from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
    from aaben_raadgivning.ui.screens.agreement_export import AgreementExportDialog

    citizen, _company, _contact, agreement = citizen_with_agreement(world)
    with world.db.transaction() as tx:
        tx.update(
            tx.session.get(Citizen, citizen.id), step_model="flere_skal_med", step_model_version=1, step="trin3",
            step_since=date(2026, 9, 1), visitation="projekt",
        )  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        app.open_agreement(agreement.id)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        await pilot.press("f10")
        await pilot.pause()
        await fill_hours(pilot, "november", "31")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AdvanceDialog)  # trin 3 ends on the goal: the exit is offered
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AgreementEditor)
        await pilot.press("f11")
        await pilot.pause()
        assert isinstance(app.screen, AgreementExportDialog)
    assert [(r.month, r.ordinary_minutes) for r in reports(world.db)] == [(date(2026, 11, 1), 31 * 60)]
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id).step == "trin3"  # Esc: nothing recorded


async def test_after_a_renegotiation_the_dialog_picks_the_version_that_covers_the_month(world):
    citizen, company, contact, first = citizen_with_agreement(world, status="afsluttet")
    second = make_agreement(world.db, citizen.id, company, contact, jobformidler_id=world.jf.id, version=2,
                            previous_id=first.id, start=date(2026, 11, 1))  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_citizen(pilot)
        await pilot.press("h")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HoursDialog)
        assert dialog.query_one("#agreement", Select).value == second.id  # november: the new version
        await fill_hours(pilot, "okt 2026", "12")
        assert dialog.query_one("#agreement", Select).value == first.id  # october: the version before
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen), errors_shown(app)
    assert [(r.agreement_id, r.month, r.ordinary_minutes) for r in reports(world.db)] == [
        (first.id, date(2026, 10, 1), 720)
    ]

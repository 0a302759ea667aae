"""F3 · key m: «Min plan» as PDF from the citizen screen — the dialog proposes a file name, writes the PDF
(audited), refuses to overwrite a file unless «Erstat filen» is ticked; a boligsocial medarbejder is not
offered the key, and pressing it anyway says why and writes nothing."""

from __future__ import annotations

from pypdf import PdfReader
from sqlalchemy import select
from textual.widgets import Checkbox, Input

from aaben_raadgivning.store.actions.citizen_record import update_plan
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.citizen import CitizenScreen
from aaben_raadgivning.ui.screens.plan_print import PlanPrintDialog
from support.agreements import citizen_with_agreement
from support.clock import LOCAL_NOW, PASSWORD
from support.pilot import login, screen_text, wait_for_text

SIZE = (110, 32)


def prints(world) -> list[AuditEntry]:
    with world.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "print")))


async def test_m_on_f3_prints_min_plan(world, tmp_path):
    citizen, _company, _contact, _agreement = citizen_with_agreement(world, name="Ayşe Yılmaz")
    update_plan(world.db, world.jk.id, citizen.id, job_goal="Kok i en kantine", resources="", barriers="",
                parallel_efforts=[], cv_status="mangler")  # fmt: skip
    target = tmp_path / "ud" / "plan.pdf"
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JF")
        app.open_citizen(citizen.id, "Borgere")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PlanPrintDialog)
        assert "Udskriv «Min plan» · Ayşe Yılmaz" in screen_text(app)
        path = app.screen.query_one("#path", Input)
        assert path.value.endswith("min-plan-ayse-yilmaz.pdf")
        path.value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        await wait_for_text(pilot, "Min plan er gemt som PDF")
        text = " ".join(page.extract_text() for page in PdfReader(target).pages)
        assert "Ayşe Yılmaz" in text and "Kok i en kantine" in text
        assert len(prints(world)) == 1

        await pilot.press("m")  # again, to the same file: refused until «Erstat filen» is ticked
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlanPrintDialog) and "findes allerede" in screen_text(app)
        assert len(prints(world)) == 1
        app.screen.query_one("#force", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        assert len(prints(world)) == 2


async def test_a_boligsocial_medarbejder_is_refused_the_key(world, tmp_path):
    create_staff(world.db, initials="BS", name="Bo Bolig", role="boligsocial", password=PASSWORD)
    citizen, _company, _contact, _agreement = citizen_with_agreement(world)
    register_consent(world.db, world.jk.id, citizen.id, categories=["kontakt", "forloeb"], given_how="mundtligt",
                     given_on=LOCAL_NOW.date())  # fmt: skip
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "BS")
        app.open_citizen(citizen.id, "Borgere")
        await pilot.pause()
        assert isinstance(app.screen, CitizenScreen)
        await pilot.press("m")
        await pilot.pause()
        assert not isinstance(app.screen, PlanPrintDialog)
        await wait_for_text(pilot, "kan du ikke udskrive")
    assert prints(world) == []

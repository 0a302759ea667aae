"""F7 · Revisionsspor for the leder, hidden from boligsocial; and the indsigt report from F3."""

from __future__ import annotations

from textual.widgets import Input

from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.queries.audit_log import AuditFilter, audit_page
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.audit_log import AuditLogScreen, IndsigtDialog
from support.clock import PASSWORD
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (100, 30)


def _people(world):
    create_staff(world.db, initials="LL", name="Lone Leder", role="leder", password=PASSWORD)
    create_staff(world.db, initials="BS", name="Bo Bolig", role="boligsocial", password=PASSWORD)
    ase = create_citizen(world.db, world.jk.id, name="Åse Østergård", phone="12345678")
    ole = create_citizen(world.db, world.jk.id, name="Ole Olsen")
    record_lookup(world.db, world.jf.id, ase.id, "Åse", "Borgere")
    record_lookup(world.db, world.jf.id, ole.id, "Ole", "Borgere")
    return ase, ole


async def test_the_leder_reads_and_filters_the_audit_log_and_the_viewing_is_audited(world):
    ase, _ole = _people(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "LL")
        await pilot.press("f7")
        text = await wait_for_text(pilot, "Revisionsspor · alle")
        assert isinstance(app.screen, AuditLogScreen)
        assert "Søgning" in text and "Ole Olsen" in text and "Åse Østergård" in text
        await pilot.click("#al-citizen")
        await type_text(pilot, "Åse")
        await pilot.press("enter")
        text = await wait_for_text(pilot, "borger søgning «Åse»")
        rows = [row for row in app.screen.rows if row is not None]
        assert rows and {row.citizen_id for row in rows} == {ase.id}
        app.screen.query_one("#al-from", Input).value = "32.13"
        await pilot.click("#al-from")
        await pilot.press("enter")
        await pilot.pause()
        assert "Fra:" in screen_text(app)  # the date cannot be read: said, and the list is kept
    views = [r for r in audit_page(world.db, "leder", AuditFilter(kind="lookup")) if r.action == "audit_view"]
    assert [v.detail for v in views] == ["Revisionssporet vist: borger søgning «Åse»", "Revisionssporet vist: alle"]
    assert {v.staff_initials for v in views} == {"LL"}


async def test_boligsocial_is_not_offered_the_audit_log(world):
    _people(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "BS")
        assert app.check_action("show_audit_log", ()) is False
        await pilot.press("f7")
        await pilot.pause()
        assert not isinstance(app.screen, AuditLogScreen)
        assert "Revisionsspor" not in [c.title for c in app.get_system_commands(app.screen)]


async def test_indsigt_from_f3_writes_pdf_and_csv(world, tmp_path):
    ase, _ole = _people(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, "JK")
        notes: list[str] = []
        app.push_screen(IndsigtDialog(ase.id, ase.name), lambda message: notes.append(message or ""))
        await pilot.pause()
        assert "Indsigt · Åse Østergård" in screen_text(app)
        app.screen.query_one("#pdf", Input).value = str(tmp_path / "r.pdf")
        app.screen.query_one("#csv", Input).value = str(tmp_path / "r.csv")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, IndsigtDialog)
        assert notes and notes[0].startswith("Indsigtsrapporten (2 registreringer) er gemt")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "Søgning;Borgere: søgning «Åse»" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    [entry] = audit_page(world.db, "jobkonsulent", AuditFilter(kind="extract"))
    assert entry.action == "indsigt" and entry.citizen_id == ase.id

"""How the office key looks at start-up and how demo data is marked (pytest-textual-snapshot). The recovery
code shown is of a fixed key (32 zero bytes), never the suite's own key."""

from __future__ import annotations

from aaben_raadgivning.runtime import open_runtime
from aaben_raadgivning.security.office_key import OfficeKey
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.office_key import NewOfficeKeyDialog
from support.clock import PASSWORD


def test_new_office_key_recovery_code(world, snap_compare):
    async def run_before(pilot) -> None:
        await pilot.app.push_screen(NewOfficeKeyDialog(OfficeKey(bytes(32))))
        await pilot.pause()

    assert snap_compare(AabenApp(world.runtime), terminal_size=(80, 30), run_before=run_before)


def test_demo_login_screen(tmp_path, clock, snap_compare):
    runtime = open_runtime(tmp_path / "demo", demo=True, now=clock)
    create_staff(runtime.db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password=PASSWORD)
    try:
        assert snap_compare(AabenApp(runtime), terminal_size=(80, 24))
    finally:
        runtime.close()

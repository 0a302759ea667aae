"""Demo data (the public demo key) says «DEMODATA» on every screen and in the title, also a demo folder
opened without --demo, so nobody takes it for real cases."""

from __future__ import annotations

from aaben_raadgivning.runtime import RuntimeOpener, open_runtime
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.ui.app import DEMO_MARK, AabenApp
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.login import LoginScreen
from support.clock import PASSWORD
from support.pilot import login, screen_text

SIZE = (100, 30)


def _demo_folder(path, clock) -> None:
    runtime = open_runtime(path, demo=True, now=clock)
    create_staff(runtime.db, initials="JK", name="Jette Kristensen", role="jobkonsulent", password=PASSWORD)
    runtime.close()


async def test_demo_data_is_marked_on_the_login_screen_and_every_screen_after(tmp_path, clock):
    _demo_folder(tmp_path / "demo", clock)
    app = AabenApp(RuntimeOpener.prepare(tmp_path / "demo", demo=True, now=clock))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert DEMO_MARK in app.title
        text = screen_text(app)  # the banner on top, and the line in the log-in box
        assert f"{DEMO_MARK} · fiktive borgere, ikke rigtige sager" in text and f"{DEMO_MARK} · kun til" in text
        await login(pilot)
        assert isinstance(app.screen, CounterScreen)
        assert f"{DEMO_MARK} · fiktive borgere" in screen_text(app)
        await app.run_action("show_follow_ups")
        await pilot.pause()
        assert f"{DEMO_MARK} · fiktive borgere" in screen_text(app)
    app.runtime.close()


async def test_a_demo_folder_opened_without_demo_is_marked_once_open(tmp_path, clock):
    _demo_folder(tmp_path / "demo", clock)
    app = AabenApp(RuntimeOpener.prepare(tmp_path / "demo", now=clock))  # no --demo: the folder's record says so
    assert not app.demo
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.demo and DEMO_MARK in app.title
        text = screen_text(app)
        assert f"{DEMO_MARK} · fiktive borgere, ikke rigtige sager" in text and f"{DEMO_MARK} · kun til" in text
    app.runtime.close()


async def test_real_data_is_not_marked(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        assert DEMO_MARK not in screen_text(app) and DEMO_MARK not in app.title

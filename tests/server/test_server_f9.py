"""Pilot test of F9 with a sync server in the settings: the app syncs through the server after log-in and
on Ctrl+Y, F9 names the server (never its password), and the other laptop gets what was saved."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.sync.server.connection import server_engine
from aaben_raadgivning.sync.server.round import sync_server
from aaben_raadgivning.sync.server.schema import init_server
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.sync_conflicts import SyncScreen
from support.keys import TEST_OFFICE_KEY, open_database
from support.pilot import login, screen_text
from support.settings import changed

SIZE = (100, 30)


async def test_f9_syncs_through_the_server_and_never_shows_its_password(world, tmp_path, server_url):
    init_server(server_engine(server_url), TEST_OFFICE_KEY)
    with_password = make_url(server_url).set(password="hemmelig-kode").render_as_string(hide_password=False)
    world.runtime.settings = changed(world.runtime.settings, sync_server=with_password, device_name="skranken")
    other = open_database(tmp_path / "other" / "db.sqlite3", tmp_path / "other" / "backups")
    sync_server(other, server_url, device_name="beboerhuset")
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await app.workers.wait_for_complete()  # the sync right after log-in
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)
        text = screen_text(app)
        assert "Server:" in text and "postgresql://postgres:***@" in text and "hemmelig-kode" not in text
        assert "Venter på at blive sendt: 0" in text
        create_citizen(world.db, world.jk.id, name="Bo Berg")
        app.screen.refresh_all()
        await pilot.pause()
        assert "Venter på at blive sendt: 2" in screen_text(app)
        await pilot.press("ctrl+y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Venter på at blive sendt: 0" in text and "sendt 2" in text
    sync_server(other, server_url)
    with other.session() as session:
        assert session.get(Citizen, citizen.id).name == "Åse Hansen"
    other.close()

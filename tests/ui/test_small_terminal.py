"""At 80×24 (issue 20): who is logged in is in sight, F9 and F12 are in the footer, F5's «Årsag» can be read, and
a notification never covers a dialog's buttons or its error line."""

from __future__ import annotations

from textual.widgets import Label

from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.account_dialogs import ChangePasswordDialog
from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen, column_widths
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from support.caseload import fill_caseload
from support.pilot import login, screen_text, wait_for_text

SIZE = (80, 24)


async def test_every_main_screen_shows_who_is_logged_in_and_f9_and_f12(world):
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        for key in ("f2", "f3", "f4", "f5"):
            await pilot.press(key)
            await pilot.pause()
            text = screen_text(app)
            assert "f9 Synk." in text and "f12 Log ud" in text, (key, text)
            who = app.screen.query_one(KeyFooter).query_one(".who", Label)
            assert str(who.content) == "JK" and who.region.width > 0 and who.region.bottom <= SIZE[1], key
        await pilot.press("f12")  # reachable from the footer's key, and it works
        await pilot.pause()
        assert app.staff is None


async def test_the_reason_on_f5_can_be_read_at_80_columns(world):
    assert column_widths(80)[3] >= 16  # was 10: «Start i …», now «Start i projek…»
    fill_caseload(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "JF")
        await pilot.press("f5")
        await wait_for_text(pilot, "Opfølgning · ")
        assert isinstance(app.screen, FollowUpQueueScreen)
        rows = [row for row in app.screen.rows if row is not None]
        shown = screen_text(app)
        for row in rows[:3]:
            assert row.reason[:14] in shown, (row.reason, shown)  # and «…»: the line below has it whole


async def test_a_notification_over_a_dialog_leaves_its_buttons_and_error_lines_free(world):
    from aaben_raadgivning.ui.widgets.form import show_errors

    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot)
        await app.run_action("change_password")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChangePasswordDialog)
        general = "Kunne ikke gemme: databasen er optaget. Prøv igen."
        # The errors a refused save shows: under the last field, and the error line above the buttons.
        show_errors(dialog, {"repeat": "Adgangskoderne er ikke ens.", "general": general})
        for number in range(3):  # a few notices at once, as a sync round and a refusal may give
            app.notify(f"Besked {number}: " + "en lang besked om noget, der skete i baggrunden " * 2, timeout=30)
        await pilot.pause()
        await pilot.pause()
        assert "Besked 0" in screen_text(app)
        lines = screen_text(app).splitlines()
        buttons = lines[dialog.query_one(".dialog-buttons").region.y]
        assert "Fortryd" in buttons and "Skift (Ctrl+S)" in buttons and "Besked" not in buttons
        assert general in lines[dialog.query_one("#form-error").region.y]
        repeat_error = next(w for w in dialog.query(".field-error") if w.display).region.y
        assert "Adgangskoderne er ikke ens." in lines[repeat_error]


async def test_with_a_citizen_open_f3_keeps_the_screen_keys_in_sight_and_f1_lists_the_rest(world):
    """F3 with a citizen has more keys than four rows hold at 80 columns: its last keys give way, never the
    keys that move between screens, and «f1 Alle taster» says where the rest are."""
    from aaben_raadgivning.store.actions.citizens import create_citizen
    from support.pilot import type_text

    create_citizen(world.db, world.jk.id, name="Amina Hussein")
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await pilot.press("f3")
        await type_text(pilot, "amina")
        await pilot.press("enter")
        await wait_for_text(pilot, "Amina Hussein · ")
        text = screen_text(app)
        for key in ("f2 Åben rådgivning", "f4 Aftaler", "f5 Opfølgning", "f9 Synk.", "f12 Log ud", "f1 Alle taster"):
            assert key in text, (key, text)
        assert "b Stamdata" not in text  # given way …
        await pilot.press("f1")
        await wait_for_text(pilot, "Stamdata")  # … and listed in the help

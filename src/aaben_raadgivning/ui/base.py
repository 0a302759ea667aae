"""Typed access to the running app for screens and dialogs.

Textual types ``self.app`` as a plain ``App``, so every screen reaching for the database or the logged-in
staff member was untyped. Screens derive from ``AppScreen`` and dialogs from ``AppModalScreen`` instead:
``self.app`` is then the ``AabenApp``, and what screens need most is one word away.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events, getters
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, TextArea

from aaben_raadgivning.domain.clock import local_date

if TYPE_CHECKING:
    from aaben_raadgivning.store.database import Database
    from aaben_raadgivning.store.models import Staff
    from aaben_raadgivning.store.queries.viewer import Viewer
    from aaben_raadgivning.ui.app import AabenApp

ResultT = TypeVar("ResultT")


class AppScreen(Screen[ResultT]):
    """A screen of the app, with the app's database, staff member and date at hand.

    Roles in the UI: ``ACTION_PERMISSIONS`` names the permission (assets/permissions.toml) each key's action
    needs. A screen's ``check_action`` returns False unless ``permitted(action)``, so the footer does not
    offer a key the role may not use, and its ``on_key`` calls ``refuse_key``, so the key pressed anyway
    says why in Danish (the store refuses the action too; this is the mirror, not the guard)."""

    ACTION_PERMISSIONS: ClassVar[Mapping[str, str]] = {}

    if TYPE_CHECKING:
        # Textual's way to narrow ``app`` for the type checker. Only there: at run time Textual's own
        # property answers, and the app module (which imports the screens) is not imported by them.
        app = getters.app(AabenApp)

    @property
    def db(self) -> Database:
        """The open database (no screen but the log-in is shown before it is open)."""
        return self.app.runtime.db

    @property
    def staff(self) -> Staff:
        """The logged-in staff member (screens that act on the data are shown only after log-in)."""
        staff = self.app.staff
        if staff is None:
            raise RuntimeError("nobody is logged in")
        return staff

    @property
    def staff_id(self) -> str:
        return self.staff.id

    @property
    def viewer(self) -> Viewer:
        """The logged-in person as a reader (built at log-in): every query of personal data takes it."""
        viewer = self.app.viewer
        if viewer is None:
            raise RuntimeError("nobody is logged in")
        return viewer

    def may(self, action: str) -> bool:
        """May the logged-in person do ``action`` (assets/permissions.toml)? What they may not is not offered."""
        return self.app.viewer is not None and self.app.viewer.may(action)

    def refuse(self, action: str) -> bool:
        """For an action method reached anyway (a key, the command palette): say in Danish why the role may
        not, and return True; False when the person may go on."""
        viewer = self.app.viewer
        refusal = viewer.refusal(action) if viewer is not None else "Du er ikke logget ind."
        if refusal is None:
            return False
        self.notify(refusal, title="Ikke tilladt", severity="warning")
        return True

    def permitted(self, action: str) -> bool:
        """False when the binding action ``action`` needs a permission the logged-in person lacks."""
        permission = self.ACTION_PERMISSIONS.get(action)
        return permission is None or self.may(permission)

    def refuse_key(self, event: events.Key) -> bool:
        """For ``on_key``: a key bound on this screen to an action the person may not do (hidden by
        ``check_action``) says why in Danish and goes no further. True when the key was refused. A
        character typed into a text field is the field's, never a refused key."""
        if event.is_printable and isinstance(self.focused, (Input, TextArea)):
            return False
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or event.key not in binding.key.split(","):
                continue
            permission = self.ACTION_PERMISSIONS.get(binding.action)
            if permission is not None and self.refuse(permission):
                event.stop()
                event.prevent_default()
                return True
        return False

    def today(self) -> date:
        """Today in Danish time by the database's clock: the one every saved change is stamped with (and
        the one the tests set), so a screen and the store agree on the date."""
        return local_date(self.db.now())


class AppModalScreen(ModalScreen[ResultT], AppScreen[ResultT]):
    """A dialog of the app: a modal screen with the same conveniences.

    ModalScreen comes first: Textual takes a screen's default styles (the dimmed, see-through background)
    and CSS type names from the first base only."""

    if TYPE_CHECKING:
        app = getters.app(AabenApp)

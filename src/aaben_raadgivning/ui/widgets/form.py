"""Small helpers for the app's forms: a labelled field with its own Danish error line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Label, Static


class Field(Vertical):
    """A label, an input widget and an error line (``#error-<name>``) under it."""

    DEFAULT_CSS = """
    Field { height: auto; margin-bottom: 0; }
    Field .field-error { color: $error; height: auto; }
    Field .field-error.-empty { display: none; }
    """

    def __init__(self, label: str, widget: Widget, name: str) -> None:
        super().__init__(id=f"field-{name}")
        self._label = label
        self._widget = widget
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield self._widget
        yield Static("", id=f"error-{self.field_name}", classes="field-error -empty")


def show_errors(root: DOMNode, errors: dict[str, str], general_id: str = "form-error") -> None:
    """Put each message under its field; messages for fields without one go to the general line."""
    leftovers = []
    for field in root.query(Field):
        error = field.query_one(f"#error-{field.field_name}", Static)
        message = errors.get(field.field_name, "")
        error.update(message)
        error.set_class(not message, "-empty")
    known = {field.field_name for field in root.query(Field)}
    leftovers = [message for name, message in errors.items() if name not in known]
    for general in root.query(f"#{general_id}"):
        if isinstance(general, Static):
            general.update("\n".join(leftovers))


def clear_errors(root: DOMNode) -> None:
    show_errors(root, {})

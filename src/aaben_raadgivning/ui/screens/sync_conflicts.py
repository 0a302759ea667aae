"""F9 Synkronisering: the sync state, a manual sync with its progress bar, and the conflicts, side by side.

Problems that need the user stand out in a red box above the rest: a folder that is not this laptop's
share (not "offline": nothing syncs until the path or the mount is put right) and changes of another
computer that cannot be received because a file is missing on the share (a gap).

A conflict is a field two laptops changed while apart: the value in force (the deterministic winner) and
the other value, each with when and on which computer. Keep the one in force, take the other, or write a
merged value; the decision syncs to every laptop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, ProgressBar, Static

from aaben_raadgivning.domain.grammar import count_text
from aaben_raadgivning.store.conflict_values import display_value, editable_value, merge_refusal, record_label
from aaben_raadgivning.ui.base import AppScreen
from aaben_raadgivning.ui.widgets.form import REFUSALS, Field, refusal_text, show_errors
from aaben_raadgivning.ui.widgets.form_dialog import FormDialog
from aaben_raadgivning.ui.widgets.key_footer import KeyFooter
from aaben_raadgivning.ui.widgets.plain import escape, plain_cells

FIELD_LABELS = {
    "name": "navn", "phone": "telefon", "email": "e-mail", "cpr": "CPR-nummer", "birth_date": "fødselsdato",
    "sex": "køn", "housing_area": "boligområde", "address": "adresse", "deleted_at": "slettet",
    "status": "status", "status_reason": "årsag", "due_date": "frist", "benefit_type": "ydelse",
    "readiness": "parathed", "office_id": "kontor", "jobkonsulent_id": "jobkonsulent",
    "jobformidler_id": "jobformidler", "step": "trin", "step_since": "trin siden", "visitation": "visitation",
    "route": "spor", "project_start": "projektstart", "job_goal": "jobmål", "resources": "ressourcer",
    "barriers": "barrierer", "parallel_efforts": "parallelle indsatser", "cv_status": "CV-status",
    "self_supporting": "selvforsørgende", "cvr": "CVR-nummer", "industry": "branche",
    "suitable_tasks": "egnede opgaver", "notes": "noter", "role": "rolle", "company_id": "virksomhed",
    "course_kind": "forløbstype", "tasks": "arbejdsopgaver", "schedule": "ugeskema",
    "health_notes": "helbredsoplysninger", "contact_id": "kontaktperson", "start_date": "start",
    "end_date": "slut", "praktik_assessment": "vurdering af praktik", "praktik_purpose": "praktikkens formål",
    "praktik_expectations": "forventninger til praktikken", "ordinary_expected": "forventes ordinære timer",
    "ordinary_expected_from": "ordinære timer forventes fra", "follow_up_plan": "opfølgningsplan",
    "kind": "art", "reason": "begrundelse", "assignee_id": "ansvarlig", "note": "note", "text": "tekst",
    "initials": "initialer", "active": "aktiv", "password_hash": "adgangskode",
    "categories": "samtykkets kategorier", "given_how": "samtykke givet", "given_on": "samtykke givet den",
    "valid_until": "samtykke gyldigt til", "withdrawn_at": "samtykke trukket tilbage",
    "withdrawn_by": "trukket tilbage af", "benefit_since": "ydelse siden", "match_group": "matchgruppe",
    "language": "sprog", "interpreter_needed": "tolk",
}  # fmt: skip


def _when(hlc: str) -> str:
    from aaben_raadgivning.changes.hlc import decode
    from aaben_raadgivning.domain.clock import to_local
    from aaben_raadgivning.domain.dates import format_date

    moment = to_local(datetime.fromtimestamp(decode(hlc)[0] / 1000, UTC).replace(tzinfo=None))
    return f"{format_date(moment.date())} kl. {moment:%H.%M}"


GAP_HELP = (
    "Den anden computer sender dem igen, næste gang den synkroniserer; sker det ikke, så start den og "
    "synkronisér den. Synkronisér derefter her (Ctrl+Y)."
)


class MergedValueDialog(FormDialog[str]):
    """Write a merged value for the conflicting field (checked as the store will check it, so a bad
    date is corrected here instead of after the dialog has closed)."""

    def __init__(self, label: str, start: str, table: str, field: str) -> None:
        super().__init__()
        self._label = label
        self._start = start
        self._table = table
        self._field = field

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"[b]Skriv en samlet værdi for {escape(self._label)}[/b]")
            yield Field("Værdi", Input(self._start, id="merged", compact=True), "merged")
            yield from self.buttons("Gem")

    def action_save(self) -> None:
        from aaben_raadgivning.domain.errors import ValidationError
        from aaben_raadgivning.store.conflict_values import parse_merged

        value = self.query_one("#merged", Input).value.strip()
        try:
            parse_merged(self._table, self._field, value, self.today())
        except ValidationError as exc:
            show_errors(self, exc.errors)
            return
        self.dismiss(value)


class SyncScreen(AppScreen):
    DEFAULT_CSS = """
    SyncScreen #sync-status { height: auto; padding: 0 1; }
    SyncScreen #sync-progress { padding: 0 1; height: 1; }
    SyncScreen #sync-problem { height: auto; max-height: 12; padding: 0 1; border: heavy $error; color: $fg-error; }
    SyncScreen #conflicts { height: 1fr; }
    SyncScreen #sides { height: auto; max-height: 8; }
    SyncScreen .side { width: 1fr; height: auto; padding: 0 1; border: round $primary; }
    """
    BINDINGS = [
        Binding("ctrl+y", "sync_now", "Synkronisér nu", priority=True),
        Binding("ctrl+b", "keep_winner", "Behold gældende", priority=True),
        Binding("ctrl+t", "take_loser", "Brug den anden", priority=True),
        Binding("ctrl+e", "write_merged", "Skriv samlet", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="sync-status")
        yield Static("", id="sync-problem")
        yield ProgressBar(total=100, show_eta=False, id="sync-progress")
        yield DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="sides"):
            yield Static("", id="side-winner", classes="side")
            yield Static("", id="side-loser", classes="side")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        table.add_column("Post", key="what", width=22)
        table.add_column("Felt", key="field", width=12)
        table.add_column("Gældende", key="winner", width=16)
        table.add_column("Anden værdi", key="loser", width=16)
        self.conflicts: list[dict[str, Any]] = []
        self.refresh_all()
        table.focus()

    # --- reading -------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        from aaben_raadgivning.sync.engine import (
            device_names,
            open_conflicts,
            share_reachable,
            sync_status,
        )

        app: Any = self.app
        db = self.db
        status = sync_status(db)
        share = app.settings.sync_share
        server = app.settings.sync_server
        if server:  # (never reached from here: the screen must not wait on the network)
            from aaben_raadgivning.sync.server.connection import shown

            where = f"Server: {escape(shown(server))}" + (f" og fællesmappen {escape(share)}" if share else "")
        elif not share:
            where = "Ingen fællesmappe i indstillingerne (\\[sync] share) – computeren arbejder alene."
        elif app.sync_wrong_share:  # reachable, but not this laptop's share: «kan nås» would mislead
            where = f"Mappen i indstillingerne: {escape(share)}"
        elif share_reachable(Path(share)):
            where = f"Fællesmappen kan nås: {escape(share)}"
        else:
            where = f"Fællesmappen kan ikke nås: {escape(share)}"
        last = "aldrig" if status.last_success is None else _when_utc(status.last_success)
        lines = [
            f"[b]Synkronisering[/b] · {where}",
            (
                f"Seneste synkronisering: {last} · Venter på at blive sendt: {count_text(status.waiting, 'ændring', 'ændringer')} · "
                f"Konflikter: {status.conflicts}"
            ),
        ]
        if status.safe_mode:
            lines.append(f"[b]Sikker tilstand:[/b] {escape(status.safe_mode)}")
        if app.sync_message:
            lines.append(escape(app.sync_message))
        self.query_one("#sync-status", Static).update("\n".join(lines))
        self._show_problem(status.gaps)
        self.names = device_names(db)
        self.names[db.device_id] = app.settings.display_device_name + " (denne computer)"
        self.conflicts = open_conflicts(db)
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        for conflict in self.conflicts:
            table.add_row(*plain_cells(self._what(conflict), FIELD_LABELS.get(conflict["field"], conflict["field"]),
                                       self._shown(conflict, "winner")[:16], self._shown(conflict, "loser")[:16]),
                          key=conflict["loser_id"])  # fmt: skip
        self._show_sides()

    def _show_problem(self, gaps: int) -> None:
        """The problems that need the user, as plain text (they quote paths and computer names)."""
        app: Any = self.app
        parts: list[Text] = []
        if app.sync_wrong_share:
            parts.append(Text.assemble(("Intet synkroniseres, før mappen er rettet\n", "bold"), app.sync_wrong_share))
        if gaps:  # the state in the database (also after a restart); the last round's messages name who
            who = "en anden computer" if gaps == 1 else f"{gaps} andre computere"
            parts.append(Text.assemble(
                (f"Der mangler ændringer fra {who}: de kan ikke modtages, da en fil mangler i fællesmappen\n", "bold"),
                "\n".join(app.sync_gaps) or GAP_HELP,
            ))  # fmt: skip
        box = self.query_one("#sync-problem", Static)
        box.update(Text("\n").join(parts))
        box.display = bool(parts)

    def _what(self, conflict: dict[str, Any]) -> str:
        return record_label(self.db, conflict["table_name"], conflict["row_id"])

    def selected(self) -> dict[str, Any] | None:
        table = self.query_one("#conflicts", DataTable)
        if not self.conflicts or table.cursor_row < 0 or table.cursor_row >= len(self.conflicts):
            return None
        return self.conflicts[table.cursor_row]

    def _device(self, device_id: str) -> str:
        return self.names.get(device_id) or f"computer {device_id[:8]}"

    def _show_sides(self) -> None:
        conflict = self.selected()
        winner, loser = self.query_one("#side-winner", Static), self.query_one("#side-loser", Static)
        if conflict is None:
            winner.update(
                "Ingen konflikter. Når to computere har ændret det samme felt, mens de var adskilt, vises det her."
            )
            loser.update("")
            return
        winner.update(
            f"[b]Gældende værdi[/b]\n{escape(self._shown(conflict, 'winner'))}\n{self._origin(conflict, 'winner')}"
        )
        loser.update(f"[b]Anden værdi[/b]\n{escape(self._shown(conflict, 'loser'))}\n{self._origin(conflict, 'loser')}")

    def _shown(self, conflict: dict[str, Any], side: str) -> str:
        db = self.db
        return display_value(db, conflict["table_name"], conflict["field"], conflict[f"{side}_value"])

    def _origin(self, conflict: dict[str, Any], side: str) -> str:
        """Who, when, where: «Jens Jensen (JJ) · 24.11.2026 kl. 10.15 · Beboerhuset»."""
        who = conflict.get(f"{side}_by") or "ukendt person"
        return f"{escape(who)}\n{_when(conflict[f'{side}_hlc'])} · {escape(self._device(conflict[f'{side}_device']))}"

    @on(DataTable.RowHighlighted, "#conflicts")
    def _highlighted(self) -> None:
        self._show_sides()

    # --- actions -------------------------------------------------------------------------------

    def _resolve(self, choice: str, merged: Any = None) -> None:
        from aaben_raadgivning.store.actions.sync_conflicts import resolve_conflict

        conflict = self.selected()
        if conflict is None:
            self.notify("Der er ingen konflikt at afgøre.", severity="warning")
            return
        try:
            resolve_conflict(self.db, self.staff_id, conflict["loser_id"], choice, merged)
        except REFUSALS as exc:
            self.notify(refusal_text(exc), title="Ikke afgjort", severity="error", markup=False)
            self.refresh_all()
            return
        self.notify("Konflikten er afgjort og sendes med næste synkronisering.", title="Afgjort")
        self.refresh_all()

    def action_keep_winner(self) -> None:
        self._resolve("vinder")

    def action_take_loser(self) -> None:
        self._resolve("taber")

    def action_write_merged(self) -> None:
        conflict = self.selected()
        if conflict is None:
            self.notify("Der er ingen konflikt at afgøre.", severity="warning")
            return
        refusal = merge_refusal(conflict["table_name"], conflict["field"])
        if refusal:
            self.notify(refusal, title="Ikke muligt", severity="warning")
            return
        label = FIELD_LABELS.get(conflict["field"], conflict["field"])

        def done(value: str | None) -> None:
            if value is not None:
                self._resolve("flettet", value)

        start = editable_value(conflict["table_name"], conflict["field"], conflict["winner_value"])
        self.app.push_screen(MergedValueDialog(label, start, conflict["table_name"], conflict["field"]), done)

    def action_sync_now(self) -> None:
        app: Any = self.app
        app.start_sync(manual=True)

    def show_progress(self, fraction: float, step: str) -> None:
        self.query_one("#sync-progress", ProgressBar).update(progress=int(fraction * 100))
        self.query_one("#sync-status", Static).update(f"[b]Synkroniserer…[/b] {escape(step)}")


def _when_utc(moment: datetime) -> str:
    from aaben_raadgivning.domain.clock import to_local
    from aaben_raadgivning.domain.dates import format_date

    local = to_local(moment)
    return f"{format_date(local.date())} kl. {local:%H.%M}"

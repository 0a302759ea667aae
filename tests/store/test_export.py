"""Export: everything as JSON, never password hashes, always audited, never a half-written file."""

from __future__ import annotations

import errno
import io
import json
import stat
from datetime import date, datetime

import pytest
from sqlalchemy import select

from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.walk_ins import finish_walk_in, register_walk_in
from aaben_raadgivning.store.documents import export as export_module
from aaben_raadgivning.store.documents.export import FORMAT_VERSION, ExportError, export_json
from aaben_raadgivning.store.models import AuditEntry, Citizen

LISTS = ("offices", "staff", "citizens", "walk_ins", "walk_in_transitions", "events", "follow_ups", "audit_log")


@pytest.fixture
def filled(world):
    citizen = create_citizen(world.db, world.jk.id, name="Åse Østergård", cpr="010190-1234", phone="12345678")
    walk_in = register_walk_in(world.db, world.jk.id, reason="post", citizen_id=citizen.id)
    finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="Brev læst sammen.")
    return world, citizen


def _export_audits(db) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export")))


def test_file_holds_every_list_with_english_fields_and_iso_dates(filled, tmp_path):
    world, citizen = filled
    target = tmp_path / "eksport.json"
    result = export_json(world.db, target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format_version"] == FORMAT_VERSION
    datetime.fromisoformat(data["exported_at"])
    assert all(isinstance(data[name], list) for name in LISTS)
    assert {name: len(data[name]) for name in result.counts} == result.counts
    [exported] = data["citizens"]
    assert exported["id"] == citizen.id and exported["name"] == "Åse Østergård" and exported["cpr"] == "0101901234"
    assert date.fromisoformat(exported["birth_date"]) == date(1990, 1, 1)
    datetime.fromisoformat(exported["created_at"])
    assert {"id", "walk_in_id", "kind", "at", "staff_id", "note"} <= set(data["walk_in_transitions"][0])
    assert [e["kind"] for e in data["events"]] == ["aaben_raadgivning"]
    assert data["walk_ins"][0]["reason"] == "post"


def test_every_synced_table_is_exported():
    """Tables added later (with their own issue) must not silently be left out of "all data"."""
    from aaben_raadgivning.store.documents.export import EXPORT_TABLES
    from aaben_raadgivning.store.models import SYNCED_TABLES

    exported = [table.name for _, table in EXPORT_TABLES]
    assert sorted(exported) == sorted(SYNCED_TABLES)
    assert [name for name, _ in EXPORT_TABLES][:7] == list(LISTS[:7]) and exported[-1] == "audit_log"


def test_password_hashes_are_never_exported(filled, tmp_path):
    world, _ = filled
    target = tmp_path / "eksport.json"
    export_json(world.db, target)
    text = target.read_text(encoding="utf-8")
    assert "password_hash" not in text and "scrypt$" not in text
    assert {s["initials"] for s in json.loads(text)["staff"]} == {"JK", "JF"}


def test_export_is_audited_with_file_name_and_counts(filled, tmp_path):
    world, _ = filled
    target = tmp_path / "eksport.json"
    export_json(world.db, target, actor_id=world.jk.id)
    [entry] = _export_audits(world.db)
    assert str(target) in entry.detail and "1 borger" in entry.detail and entry.staff_id == world.jk.id


def test_file_is_readable_only_by_its_owner(filled, tmp_path):
    world, _ = filled
    target = tmp_path / "eksport.json"
    export_json(world.db, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_failed_export_leaves_no_file_and_no_audit(filled, tmp_path, monkeypatch):
    world, _ = filled
    (tmp_path / "ud").mkdir()
    target = tmp_path / "ud" / "eksport.json"
    target.write_text("tidligere eksport", encoding="utf-8")
    real_write = export_module.write_json

    def disk_full(db, out, exported_at, counts=None):
        real_write(db, out, exported_at, counts)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_module, "write_json", disk_full)
    with pytest.raises(ExportError, match="disken er fuld"):
        export_json(world.db, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == "tidligere eksport"  # the old file is untouched
    assert [p.name for p in target.parent.iterdir()] == ["eksport.json"]  # no temporary file left behind
    assert _export_audits(world.db) == []


def test_missing_folder_is_a_danish_error(filled, tmp_path):
    world, _ = filled
    with pytest.raises(ExportError, match="findes ikke"):
        export_json(world.db, tmp_path / "mangler" / "eksport.json")
    with pytest.raises(ExportError, match="er en mappe"):
        export_json(world.db, tmp_path)


def test_standard_output(filled):
    world, _ = filled
    out = io.StringIO()
    result = export_json(world.db, "-", stdout=out)
    assert json.loads(out.getvalue())["citizens"][0]["name"] == "Åse Østergård"
    assert result.destination == "-"
    [entry] = _export_audits(world.db)
    assert "standard output" in entry.detail


def test_all_lists_come_from_one_moment(filled, tmp_path, monkeypatch):
    """A write landing during the export must not show up in later lists only."""
    world, _ = filled
    real_rows = export_module._rows
    written = []

    def rows_then_write(connection, name, table):
        yield from real_rows(connection, name, table)
        if name == "offices" and not written:
            with world.db.transaction() as tx:
                tx.audit(None, "search", detail="samtidig skrivning")
            written.append(True)

    monkeypatch.setattr(export_module, "_rows", rows_then_write)
    target = tmp_path / "eksport.json"
    export_json(world.db, target)
    details = [entry["detail"] for entry in json.loads(target.read_text(encoding="utf-8"))["audit_log"]]
    assert written and "samtidig skrivning" not in details


def test_tombstoned_rows_are_exported_with_deleted_at(filled, tmp_path):
    world, citizen = filled
    with world.db.transaction() as tx:
        tx.tombstone(tx.session.get(Citizen, citizen.id))
    target = tmp_path / "eksport.json"
    export_json(world.db, target)
    [exported] = json.loads(target.read_text(encoding="utf-8"))["citizens"]
    assert exported["deleted_at"] is not None

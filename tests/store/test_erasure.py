"""Erasure (GDPR): the typed confirmation, who may erase, the audit rows about the person, the backups,
``check``, and the retention list."""

from __future__ import annotations

from datetime import date

import pytest

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store import migrate
from aaben_raadgivning.store.actions.audit import record_lookup
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.erasure import erase_citizen, scrub_text
from aaben_raadgivning.store.backups import backup_holds_purged, scrub_backups
from aaben_raadgivning.store.database_file import backups
from aaben_raadgivning.store.integrity import run_checks
from aaben_raadgivning.store.models import Citizen
from aaben_raadgivning.store.queries.retention import citizens_past_retention

CPR = "0101901237"
NAME = "Frida Sletmig"


def _audit_texts(db) -> list[tuple]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT action, citizen_id, entity_id, detail FROM audit_log").all()
        conn.rollback()
    return [tuple(row) for row in rows]


def _frida(world) -> Citizen:
    citizen = create_citizen(world.db, world.jk.id, name=NAME, cpr=CPR, phone="33333333")
    record_lookup(world.db, world.jk.id, citizen.id, "Sletmig", "Borgere")
    with world.db.transaction() as tx:  # a search that only listed hits (no citizen id), typed with the CPR
        tx.audit(world.jf.id, "search", "citizen", None, None, "Borgere: søgning «010190-1237» (2 fundet)")
    return citizen


def test_erasure_needs_the_typed_name_or_the_last_four_cpr_digits(world):
    citizen = _frida(world)
    for wrong in ("", "Frida", "1238", "0101901237 "):
        with pytest.raises(ValidationError) as caught:
            erase_citizen(world.db, world.jk.id, citizen.id, confirmation=wrong, reason="Borgerens anmodning")
        assert "confirmation" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        erase_citizen(world.db, world.jk.id, citizen.id, confirmation="1237", reason=" ")
    assert "reason" in caught.value.errors
    with world.db.session() as session:
        assert session.get(Citizen, citizen.id) is not None  # nothing was written


def test_only_a_jobkonsulent_erases_from_the_app(world):
    citizen = _frida(world)
    with pytest.raises(PermissionDenied, match="slette en borgers oplysninger"):
        erase_citizen(world.db, world.jf.id, citizen.id, confirmation="1237", reason="Anmodning")


def test_erasure_removes_the_person_from_the_audit_rows_and_keeps_only_the_fact(world):
    citizen = _frida(world)
    result = erase_citizen(
        world.db, world.jk.id, citizen.id, confirmation="frida  SLETMIG", reason="Frida Sletmig bad om det"
    )
    assert result.audit_rows_removed >= 3  # created, looked up, listed by CPR
    texts = _audit_texts(world.db)
    assert not [row for row in texts if row[1] == citizen.id]
    flat = repr(texts).casefold()
    assert "sletmig" not in flat and "1237" not in flat and "frida" not in flat
    facts = [row for row in texts if row[0] == "purge"]
    assert len(facts) == 1 and facts[0][2] == citizen.id and "[slettet] bad om det" in facts[0][3]
    assert all(result.ok for result in run_checks(world.db, world.runtime.paths.backup_dir))


def test_scrub_text_removes_name_parts_and_cpr():
    assert scrub_text("Frida (010190-1237) ringede", NAME, CPR) == "[slettet] ([slettet]) ringede"


def test_a_backup_from_before_the_erasure_is_replaced_by_a_fresh_one(world):
    citizen = _frida(world)
    backup_dir = world.runtime.paths.backup_dir
    old = migrate.backup_database(world.db.path, backup_dir, "before-0007", world.db.database_key)
    erase_citizen(world.db, world.jk.id, citizen.id, confirmation="1237", reason="Anmodning")
    assert backup_holds_purged(world.db, old)
    failed = [r for r in run_checks(world.db, backup_dir) if not r.ok]
    assert [r.title for r in failed] == ["Sikkerhedskopierne indeholder ingen slettede borgere"]
    assert old.name in failed[0].problems[0].message
    report = scrub_backups(world.db, backup_dir)
    assert report.removed == (old,) and report.fresh is not None
    assert not old.exists() and backups(backup_dir) == [report.fresh]
    assert not backup_holds_purged(world.db, report.fresh)
    assert all(r.ok for r in run_checks(world.db, backup_dir))
    assert scrub_backups(world.db, backup_dir).removed == ()  # nothing more to do


def test_the_retention_list_shows_cases_closed_longer_ago_than_the_rule(world):
    old = create_citizen(world.db, world.jk.id, name="Gammel Sag", cpr="0202801236")
    recent = create_citizen(world.db, world.jk.id, name="Ny Sag", cpr="0303801235")
    open_case = create_citizen(world.db, world.jk.id, name="Aaben Sag", cpr="0404801234")
    with world.db.transaction() as tx:
        for citizen, step, since in (
            (old, "afsluttet", date(2020, 3, 1)),
            (recent, "afsluttet", date(2024, 3, 1)),
            (open_case, "trin2", date(2019, 3, 1)),
        ):
            row = tx.session.get(Citizen, citizen.id)
            tx.update(row, step_model="flere_skal_med", step_model_version=1, step=step, step_since=since)
    rows = citizens_past_retention(world.db, world.jk.id, date(2026, 11, 24))
    assert [(r.name, r.cpr_tail, r.closed_on) for r in rows] == [("Gammel Sag", "1236", date(2020, 3, 1))]
    assert len(citizens_past_retention(world.db, world.jk.id, date(2026, 11, 24), years=2)) == 2
    with pytest.raises(PermissionDenied):
        citizens_past_retention(world.db, world.jf.id, date(2026, 11, 24))

"""Samtykke actions: register, renew, withdraw — rows, change log, audit, timeline, permissions, and the
«Samtykke udløber» follow-up that appears N days before the last day and disappears on renewal or withdrawal."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.follow_up_rules import RULE_CONSENT_EXPIRY
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent, renew_consent, withdraw_consent
from aaben_raadgivning.store.actions.follow_up_sweep import sweep_follow_ups
from aaben_raadgivning.store.actions.follow_ups import complete_follow_up
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Consent, Event, FollowUpTask
from aaben_raadgivning.store.queries.consent import consent_state, consented_categories
from aaben_raadgivning.store.queries.follow_up_queue import QueueFilter, load_queue
from aaben_raadgivning.store.queries.viewer import Viewer
from support.clock import LOCAL_NOW, PASSWORD
from support.follow_ups import tasks

TODAY = LOCAL_NOW.date()  # Tue 24.11.2026


@pytest.fixture
def citizen(world):
    return create_citizen(world.db, world.jk.id, name="Åse Hansen")


def _register(world, citizen, **kwargs):
    args = dict(categories=["forloeb", "kontakt"], given_how="skriftligt", given_on=TODAY)
    return register_consent(world.db, world.jf.id, citizen.id, **{**args, **kwargs})


def _rows(db, model, **where):
    with db.session() as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(session.scalars(query))


def _consent_tasks(world, citizen_id, **kwargs):
    return {key: t for key, t in tasks(world, citizen_id, **kwargs).items() if key.startswith(RULE_CONSENT_EXPIRY)}


def test_register_writes_row_change_log_audit_and_timeline(world, citizen):
    consent = _register(world, citizen)
    [row] = _rows(world.db, Consent, citizen_id=citizen.id)
    assert (row.categories, row.given_how, row.given_on, row.valid_until) == (
        "kontakt,forloeb", "skriftligt", TODAY, date(2027, 11, 24))  # fmt: skip
    assert row.registered_by == world.jf.id and row.withdrawn_at is None
    [insert] = _rows(world.db, ChangeLogEntry, table_name="consents", row_id=consent.id)
    assert insert.op == "insert" and insert.staff_id == world.jf.id
    [audit] = _rows(world.db, AuditEntry, entity="consent", entity_id=consent.id)
    assert (audit.action, audit.citizen_id, audit.staff_id) == ("create", citizen.id, world.jf.id)
    [event] = _rows(world.db, Event, citizen_id=citizen.id, kind="samtykke")
    assert event.summary == "Samtykke registreret: kontaktoplysninger, forløb og plan · gyldigt til 24.11.2027"
    assert event.details == "Givet skriftligt den 24.11.2026." and event.subject_id == consent.id
    assert json.loads(event.data)["action"] == "register"
    assert consented_categories_of(world, citizen) == {"kontakt", "forloeb"}
    state = consent_state(world.db, citizen.id, TODAY)
    assert state.valid and state.current.id == consent.id and state.renewable


def consented_categories_of(world, citizen, on: date = TODAY) -> set[str]:
    with world.db.session() as session:
        return set(consented_categories(session, citizen.id, on))


def test_invalid_input_writes_nothing(world, citizen):
    with pytest.raises(ValidationError) as caught:
        _register(world, citizen, categories=[], given_on=TODAY + timedelta(days=1))
    assert set(caught.value.errors) == {"categories", "given_on"}
    assert _rows(world.db, Consent) == [] and _rows(world.db, ChangeLogEntry, table_name="consents") == []


def test_a_second_consent_while_one_is_valid_is_refused(world, citizen):
    _register(world, citizen)
    with pytest.raises(ValidationError, match="allerede et gyldigt samtykke"):
        _register(world, citizen, categories=["helbred"])


def test_renew_updates_the_same_row_field_by_field(world, citizen):
    consent = _register(world, citizen)
    world.clock.advance(days=300)
    today = TODAY + timedelta(days=300)
    renewed = renew_consent(world.db, world.jk.id, consent.id, categories=["kontakt", "aftaler"],
                            given_how="mundtligt", given_on=today)  # fmt: skip
    assert renewed.id == consent.id and len(_rows(world.db, Consent)) == 1
    assert (renewed.valid_until, renewed.categories, renewed.registered_by) == (
        date(2028, 9, 20), "kontakt,aftaler", world.jk.id)  # fmt: skip
    fields = {e.field for e in _rows(world.db, ChangeLogEntry, table_name="consents", op="update")}
    assert fields == {"categories", "given_how", "given_on", "valid_until", "registered_by"}
    events = [e.summary for e in _rows(world.db, Event, citizen_id=citizen.id, kind="samtykke")]
    assert "Samtykke fornyet: kontaktoplysninger, aftaler og timer · gyldigt til 20.09.2028" in events
    assert [a.action for a in _rows(world.db, AuditEntry, entity="consent")] == ["create", "update"]
    assert consented_categories_of(world, citizen, today) == {"kontakt", "aftaler"}


def test_withdrawal_takes_effect_at_once_and_cannot_be_renewed(world, citizen):
    consent = _register(world, citizen)
    withdrawn = withdraw_consent(world.db, world.jf.id, consent.id, note="Ringede og trak det tilbage.")
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == world.jf.id
    assert withdrawn.valid_until == TODAY
    assert consented_categories_of(world, citizen) == set()
    [event] = [e for e in _rows(world.db, Event, kind="samtykke") if e.summary == "Samtykke trukket tilbage"]
    assert "Ringede og trak det tilbage." in event.details and "gyldigt til 24.11.2027" in event.details
    state = consent_state(world.db, citizen.id, TODAY)
    assert state.withdrawn and not state.valid and not state.renewable
    with pytest.raises(ValidationError, match="kan ikke fornys"):
        renew_consent(world.db, world.jf.id, consent.id, categories=["kontakt"], given_how="skriftligt",
                      given_on=TODAY)  # fmt: skip
    with pytest.raises(ValidationError, match="allerede trukket tilbage"):
        withdraw_consent(world.db, world.jf.id, consent.id)
    again = _register(world, citizen, categories=["kontakt"])  # a new consent after a withdrawal is fine
    assert consented_categories_of(world, citizen) == {"kontakt"} and again.id != consent.id


def test_the_order_of_the_withdrawal_entries(world, citizen):
    consent = _register(world, citizen)
    withdraw_consent(world.db, world.jf.id, consent.id)
    entries = sorted(_rows(world.db, ChangeLogEntry, table_name="consents", op="update"), key=lambda e: e.hlc)
    assert [e.field for e in entries] == ["valid_until", "withdrawn_by", "withdrawn_at"]


def test_a_renewal_cannot_be_dated_before_the_consent_it_renews(world, citizen):
    consent = _register(world, citizen)
    with pytest.raises(ValidationError) as caught:
        renew_consent(world.db, world.jf.id, consent.id, categories=["kontakt"], given_how="skriftligt",
                      given_on=TODAY - timedelta(days=3))  # fmt: skip
    assert "før det samtykke" in caught.value.errors["given_on"]


def test_unknown_consent_and_roles_without_the_permission(world, citizen, monkeypatch):
    with pytest.raises(NotFoundError):
        withdraw_consent(world.db, world.jf.id, "no-such-consent")
    boligsocial = create_staff(world.db, initials="BS", name="Bente", role="boligsocial", password=PASSWORD)
    assert register_consent(world.db, boligsocial.id, citizen.id, categories=["kontakt"], given_how="mundtligt",
                            given_on=TODAY)  # fmt: skip
    leder = create_staff(world.db, initials="LE", name="Lis", role="leder", password=PASSWORD)
    consent = consent_state(world.db, citizen.id, TODAY).current
    with pytest.raises(PermissionDenied, match="Som leder kan du ikke registrere samtykke"):
        withdraw_consent(world.db, leder.id, consent.id)
    assert consent_state(world.db, citizen.id, TODAY).valid


# --- the «Samtykke udløber» follow-up ---------------------------------------------------------------------


def test_expiry_task_appears_n_days_before_and_goes_on_renewal(world, citizen):
    rules = load_rules()
    consent = _register(world, citizen, valid_until=TODAY + timedelta(days=40))  # ends Sat 03.01.2027
    assert _consent_tasks(world, citizen.id) == {}
    warn = TODAY + timedelta(days=40 - rules.consent_expiry_warning_days)  # Fri 04.12.2026
    world.clock.advance(days=(warn - TODAY).days - 1)
    sweep_follow_ups(world.db)
    assert _consent_tasks(world, citizen.id) == {}, "not before the warning day"
    world.clock.advance(days=1)
    result = sweep_follow_ups(world.db)
    assert result.created >= 1
    [(key, task)] = _consent_tasks(world, citizen.id).items()
    assert key == f"{RULE_CONSENT_EXPIRY}:{consent.id}@2027-01-03"
    assert task.kind == "samtykke" and task.due_date == warn and "03.01.2027" in task.reason
    queue = load_queue(world.db, QueueFilter(), warn, viewer=Viewer.system())
    assert any(row.kind_label == "Samtykke udløber" and row.citizen_id == citizen.id for row in queue.rows)
    renew_consent(world.db, world.jf.id, consent.id, categories=["kontakt"], given_how="skriftligt", given_on=warn)
    assert _consent_tasks(world, citizen.id) == {}, "a renewal moves the end a year on: no task yet"


def test_expiry_task_goes_on_withdrawal_and_a_done_task_stays_done(world, citizen):
    consent = _register(world, citizen, valid_until=TODAY + timedelta(days=10))
    [task] = _consent_tasks(world, citizen.id).values()  # within the warning days already: at once
    assert task.due_date == TODAY
    withdraw_consent(world.db, world.jf.id, consent.id)
    assert _consent_tasks(world, citizen.id) == {}
    other = create_citizen(world.db, world.jk.id, name="Bo Berg")
    second = _register(world, other, valid_until=TODAY + timedelta(days=10))
    [task] = _consent_tasks(world, other.id).values()
    complete_follow_up(world.db, world.jf.id, task.id, kind="telefon", note="Talt om samtykket",
                       calendar=world.runtime.calendar)  # fmt: skip
    assert _consent_tasks(world, other.id) == {}
    assert list(_consent_tasks(world, other.id, status="done")) == [f"{RULE_CONSENT_EXPIRY}:{second.id}@2026-12-04"]
    with world.db.session() as session:
        assert session.get(FollowUpTask, task.id).status == "done"

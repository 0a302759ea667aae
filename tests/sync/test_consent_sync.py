"""Samtykke across laptops: a withdrawal takes effect everywhere after sync, and on a conflict with a renewal
made offline on another laptop the withdrawal wins (privacy first, docs/sync-spec.md M13) — whichever was
stamped later — and the conflict is shown on F9 on both laptops."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from aaben_raadgivning.changes.hlc import encode
from aaben_raadgivning.changes.merge import conflicts, fold
from aaben_raadgivning.domain.clock import local_date
from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.consent import register_consent, renew_consent, withdraw_consent
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.sync_conflicts import resolve_conflict
from aaben_raadgivning.store.conflict_values import display_value, record_label
from aaben_raadgivning.store.models import FollowUpTask
from aaben_raadgivning.store.queries.consent import consent_state, consented_categories
from aaben_raadgivning.sync.engine import open_conflicts, sync
from aaben_raadgivning.sync.office_share import create_share
from aaben_raadgivning.sync.segments import Change
from support.keys import TEST_OFFICE_KEY
from support.replicas import new_device, replica_state, template_database

# --- M13 on hand-made entries ------------------------------------------------------------------------------

T = 1_764_000_000_000


def stamp(ms: int, device: str) -> str:
    return encode(T + ms, 0, device)


def ins(cid, hlc, **values) -> Change:
    return Change(cid, hlc, hlc[-1], "consents", "c1", "insert", None, json.dumps(values))


def upd(cid, hlc, field, value, base=None) -> Change:
    return Change(cid, hlc, hlc[-1], "consents", "c1", "update", field, json.dumps(value), base)


I0 = ins("i0", stamp(0, "A"), valid_until="2027-01-01", given_on="2026-01-01", withdrawn_at=None, deleted_at=None)
WITHDRAW = [
    upd("w1", stamp(20, "B"), "valid_until", "2026-06-01", I0.hlc),
    upd("w2", stamp(21, "B"), "withdrawn_at", "2026-06-01T10:00:00", I0.hlc),
]


@pytest.mark.parametrize("renewed_at", [10, 30], ids=["renewal stamped before", "renewal stamped after"])
def test_m13_the_withdrawal_wins_and_the_renewal_is_a_conflict(renewed_at):
    renewal = [
        upd("r1", stamp(renewed_at, "A"), "given_on", "2026-05-01", I0.hlc),
        upd("r2", stamp(renewed_at + 1, "A"), "valid_until", "2027-05-01", I0.hlc),
    ]
    entries = [I0, *renewal, *WITHDRAW]
    folded = fold(entries)
    assert folded.values["withdrawn_at"] == "2026-06-01T10:00:00"
    assert folded.values["valid_until"] == "2026-06-01" and folded.winners["valid_until"].id == "w1"
    lost = {(c.field, c.loser.id, c.winner.id) for c in conflicts(entries)}
    assert ("valid_until", "r2", "w1") in lost
    if renewed_at > 21:  # after the withdrawal: frozen, so the renewal's given_on is shown as lost too
        assert folded.values["given_on"] == "2026-01-01" and ("given_on", "r1", "i0") in lost


def test_m13_a_frozen_row_can_still_be_tombstoned_and_never_un_withdrawn():
    later = [
        upd("u1", stamp(40, "A"), "withdrawn_at", None, WITHDRAW[1].hlc),
        Change("d1", stamp(41, "A"), "A", "consents", "c1", "delete", "deleted_at", json.dumps("2026-07-01T00:00:00")),
    ]
    folded = fold([I0, *WITHDRAW, *later])
    assert folded.values["withdrawn_at"] == "2026-06-01T10:00:00"
    assert folded.values["deleted_at"] == "2026-07-01T00:00:00"


def test_m13_only_for_tables_with_a_final_field():
    row = [e._replace(table_name="citizens") for e in [I0, *WITHDRAW]]
    late = upd("x", stamp(50, "A"), "valid_until", "2030-01-01")._replace(table_name="citizens")
    assert fold([*row, late]).values["valid_until"] == "2030-01-01"


# --- two laptops through the office share ----------------------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    template = template_database(tmp_path / "template")
    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = new_device(template, tmp_path / "a" / "db.sqlite3")
    b = new_device(template, tmp_path / "b" / "db.sqlite3")
    staff = create_staff(a, initials="JF", name="Jakob", role="jobformidler", password="hemmelig1")
    citizen = create_citizen(a, staff.id, name="Åse Hansen")
    today = local_date(a.now())
    consent = register_consent(a, staff.id, citizen.id, categories=["kontakt", "forloeb"], given_how="skriftligt",
                               given_on=today, valid_until=today + timedelta(days=20))  # fmt: skip
    sync(a, share, device_name="laptop-a")
    sync(b, share, device_name="laptop-b")
    sync(a, share)
    yield a, b, share, staff, citizen, consent
    a.close()
    b.close()


def _exchange(share, *dbs) -> None:
    for _ in range(2):
        for db in dbs:
            sync(db, share)


def _categories(db, citizen_id):
    with db.session() as session:
        return set(consented_categories(session, citizen_id, local_date(db.now())))


def _open_consent_tasks(db, citizen_id):
    with db.session() as session:
        return [
            t
            for t in session.query(FollowUpTask).filter_by(citizen_id=citizen_id, status="open", deleted_at=None)
            if t.rule == "consent_expiry"
        ]


def test_a_withdrawal_takes_effect_on_every_laptop_after_sync(office):
    a, b, share, staff, citizen, consent = office
    assert _categories(b, citizen.id) == {"kontakt", "forloeb"}
    assert len(_open_consent_tasks(b, citizen.id)) == 1  # 20 days left, within the 30 warning days
    withdraw_consent(a, staff.id, consent.id)
    _exchange(share, a, b)
    assert _categories(b, citizen.id) == set()
    assert consent_state(b, citizen.id, local_date(b.now())).withdrawn
    assert _open_consent_tasks(b, citizen.id) == []
    assert replica_state(a) == replica_state(b)


@pytest.mark.parametrize("renew_first", [False, True], ids=["withdrawn, then renewed", "renewed, then withdrawn"])
def test_withdrawal_wins_over_a_concurrent_renewal_and_the_conflict_is_shown(office, renew_first):
    a, b, share, staff, citizen, consent = office
    today = local_date(a.now())

    def renew():
        renew_consent(a, staff.id, consent.id, categories=["kontakt", "forloeb", "helbred"], given_how="mundtligt",
                      given_on=today)  # fmt: skip

    if renew_first:
        renew()  # laptop A, offline: stamped before the withdrawal, which never saw it
        withdraw_consent(b, staff.id, consent.id)
    else:
        withdraw_consent(b, staff.id, consent.id)
        renew()  # stamped after the withdrawal: clocks cannot un-withdraw (M13)
    assert _categories(a, citizen.id) == {"kontakt", "forloeb", "helbred"}  # before sync, A still has it
    _exchange(share, a, b)
    for db in (a, b):
        state = consent_state(db, citizen.id, today)
        assert state.withdrawn and not state.valid, "the withdrawal wins on both laptops"
        assert _categories(db, citizen.id) == set()
        assert state.current.valid_until == today
        assert _open_consent_tasks(db, citizen.id) == []
        shown = [c for c in open_conflicts(db) if c["table_name"] == "consents"]
        fields = {c["field"] for c in shown}
        assert "valid_until" in fields, "the lost renewal is shown on F9"
        row = next(c for c in shown if c["field"] == "valid_until")
        assert row["winner_device"] == b.device_id and row["loser_device"] == a.device_id
        assert record_label(db, "consents", consent.id) == "Samtykke: Åse Hansen"
    assert replica_state(a) == replica_state(b)
    # On F9 only «keep» can settle it: taking the renewal's value is refused, keeping the withdrawal works.
    loser = next(c for c in open_conflicts(b) if c["table_name"] == "consents" and c["field"] == "valid_until")
    if not renew_first:
        assert display_value(b, "consents", "categories", json.dumps("kontakt,helbred")) == (
            "Kontaktoplysninger, Helbredsoplysninger")  # fmt: skip
    with pytest.raises(ValidationError, match="tilbagetrækning vinder altid"):
        resolve_conflict(b, staff.id, loser["loser_id"], "taber")
    for conflict in [c for c in open_conflicts(b) if c["table_name"] == "consents"]:
        resolve_conflict(b, staff.id, conflict["loser_id"], "vinder")
    _exchange(share, a, b)
    for db in (a, b):
        assert [c for c in open_conflicts(db) if c["table_name"] == "consents"] == []
        assert consent_state(db, citizen.id, today).withdrawn
    assert replica_state(a) == replica_state(b)

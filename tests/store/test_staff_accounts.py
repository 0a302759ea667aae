"""Staff accounts: changing one's own password, a reset from the command line, deactivating a leaver.
Each refused attempt changes nothing; each accepted one is one change-log entry plus its audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.store.actions.staff import (
    authenticate,
    change_own_password,
    create_staff,
    list_staff,
    reset_password,
    set_staff_active,
)
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Staff
from support.clock import PASSWORD


def _counts(db) -> tuple[int, str]:
    """(change-log entries, the stored hash of JK): what a refused attempt must leave as it was."""
    with db.session() as session:
        logged = session.scalar(
            select(func.count()).select_from(ChangeLogEntry).where(ChangeLogEntry.table_name == "staff")
        )
        stored = session.scalar(select(Staff.password_hash).where(Staff.initials == "JK"))
    return logged, stored


def _audit(db, action: str) -> AuditEntry:
    with db.session() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()


@pytest.mark.parametrize(
    ("current", "new", "repeat", "errors"),
    [
        ("forkert", "nyhemmelig", "nyhemmelig", {"current": "Den nuværende adgangskode er forkert."}),
        (PASSWORD, "kort", "kort", {"password": "Adgangskoden skal have mindst 8 tegn."}),
        (PASSWORD, "nyhemmelig", "nyhemmelix", {"repeat": "Adgangskoderne er ikke ens."}),
        (PASSWORD, PASSWORD, PASSWORD, {"password": "Den nye adgangskode skal være en anden end den nuværende."}),
        ("", "", "", {"current": "Den nuværende adgangskode er forkert.",
                      "password": "Adgangskoden skal have mindst 8 tegn."}),
    ],
)  # fmt: skip
def test_a_refused_password_change_says_why_and_changes_nothing(world, current, new, repeat, errors):
    before = _counts(world.db)
    with pytest.raises(ValidationError) as refused:
        change_own_password(world.db, world.jk.id, current=current, new=new, repeat=repeat)
    assert refused.value.errors == errors
    assert _counts(world.db) == before
    assert authenticate(world.db, "JK", PASSWORD) is not None


def test_a_wrong_current_password_is_audited(world):
    with pytest.raises(ValidationError):
        change_own_password(world.db, world.jk.id, current="gæt", new="nyhemmelig", repeat="nyhemmelig")
    entry = _audit(world.db, "password_change_failed")
    assert (entry.staff_id, entry.entity_id) == (world.jk.id, world.jk.id)


def test_changing_ones_password(world):
    change_own_password(world.db, world.jk.id, current=PASSWORD, new="nyhemmelig", repeat="nyhemmelig")
    assert authenticate(world.db, "JK", "nyhemmelig").id == world.jk.id
    assert authenticate(world.db, "JK", PASSWORD) is None
    assert authenticate(world.db, "JF", PASSWORD) is not None  # the colleague's account is untouched
    with world.db.session() as session:
        entries = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.table_name == "staff", ChangeLogEntry.row_id == world.jk.id)
            .order_by(ChangeLogEntry.hlc)
        ).all()  # fmt: skip
    assert [(e.op, e.field) for e in entries] == [("insert", None), ("update", "password_hash")]
    assert entries[-1].staff_id == world.jk.id  # the change says who made it
    assert "nyhemmelig" not in entries[-1].value  # only the hash travels
    assert _audit(world.db, "password_changed").staff_id == world.jk.id


def test_a_deactivated_person_cannot_change_a_password(world):
    set_staff_active(world.db, initials="JK", active=False)
    with pytest.raises(NotFoundError):
        change_own_password(world.db, world.jk.id, current=PASSWORD, new="nyhemmelig", repeat="nyhemmelig")


def test_reset_password_from_the_command_line(world):
    staff = reset_password(world.db, initials=" jk ", password="glemt123")
    assert staff.id == world.jk.id
    assert authenticate(world.db, "JK", "glemt123") is not None
    entry = _audit(world.db, "password_reset")
    assert (entry.entity_id, entry.detail) == (world.jk.id, "Ny adgangskode til JK")


@pytest.mark.parametrize(
    ("initials", "password", "error", "message"),
    [
        ("XX", "glemt123", NotFoundError, "Der er ingen medarbejder med initialerne XX."),
        ("JK", "kort", ValidationError, "Adgangskoden skal have mindst 8 tegn."),
    ],
)
def test_reset_password_refusals(world, initials, password, error, message):
    before = _counts(world.db)
    with pytest.raises(error) as refused:
        reset_password(world.db, initials=initials, password=password)
    assert message in str(refused.value.errors if error is ValidationError else refused.value.message)
    assert _counts(world.db) == before


def test_deactivate_and_activate_again(world):
    set_staff_active(world.db, initials="JK", active=False)
    assert authenticate(world.db, "JK", PASSWORD) is None
    assert [s.initials for s in list_staff(world.db)] == ["JF"]
    assert [(s.initials, s.active) for s in list_staff(world.db, include_inactive=True)] == [
        ("JF", True),
        ("JK", False),
    ]
    assert _audit(world.db, "deactivate").detail == "Medarbejder JK deaktiveret"
    set_staff_active(world.db, initials="jk", active=True)
    assert authenticate(world.db, "JK", PASSWORD) is not None
    assert _audit(world.db, "activate").detail == "Medarbejder JK aktiveret igen"


def test_deactivation_refusals(world):
    set_staff_active(world.db, initials="JK", active=False)
    with pytest.raises(ValidationError, match="allerede deaktiveret"):
        set_staff_active(world.db, initials="JK", active=False)
    with pytest.raises(ValidationError, match="JF er den eneste aktive medarbejder"):
        set_staff_active(world.db, initials="JF", active=False)
    with pytest.raises(NotFoundError):
        set_staff_active(world.db, initials="ZZ", active=False)
    assert authenticate(world.db, "JF", PASSWORD) is not None


def test_new_accounts_share_the_password_rule(world):
    with pytest.raises(ValidationError) as refused:
        create_staff(world.db, initials="MO", name="Mona", role="leder", password="kort")
    assert refused.value.errors == {"password": "Adgangskoden skal have mindst 8 tegn."}


def test_the_password_rule_is_eight_characters(world):
    with pytest.raises(ValidationError) as refused:
        reset_password(world.db, initials="JK", password="seks7ta")
    assert refused.value.errors == {"password": "Adgangskoden skal have mindst 8 tegn."}
    reset_password(world.db, initials="JK", password="otte8tal")
    assert authenticate(world.db, "JK", "otte8tal") is not None


def _set_hash(db, staff_id: str, stored: str) -> None:
    with db.transaction() as tx:
        tx.update(tx.session.get(Staff, staff_id), password_hash=stored)


def _stored(db, staff_id: str) -> str:
    with db.session() as session:
        return session.get(Staff, staff_id).password_hash


def _audit_count(db, action: str) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# Made by the app before issue 14 (scrypt N=2^14, r=8, p=1) for "hemmelig1" (PASSWORD).
OLD_HASH = (
    "scrypt$16384$8$1$000102030405060708090a0b0c0d0e0f$cbf8f810e059d9b79f7fe5ba66a1ee97e149841fe8267c8cb7fd10adc9f97218"
)


def test_an_old_hash_gets_todays_cost_at_the_next_log_in(world, monkeypatch):
    from aaben_raadgivning.security import passwords

    # Today's cost above the old hash's (2^15 rather than 2^17 keeps the test fast; test_passwords.py
    # hashes at the production cost).
    monkeypatch.setattr(passwords, "N", 2**15)
    _set_hash(world.db, world.jk.id, OLD_HASH)
    logged_before = _counts(world.db)[0]

    assert authenticate(world.db, "JK", "forkert") is None  # a wrong password upgrades nothing
    assert _stored(world.db, world.jk.id) == OLD_HASH

    assert authenticate(world.db, "JK", PASSWORD).id == world.jk.id
    stored = _stored(world.db, world.jk.id)
    assert stored.startswith("scrypt$32768$8$1$000102030405060708090a0b0c0d0e0f$")  # same salt, new cost
    assert not passwords.needs_rehash(stored)
    with world.db.session() as session:  # one change, written by the person who logged in, and audited
        change = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.table_name == "staff").order_by(ChangeLogEntry.hlc.desc())
        ).first()  # fmt: skip
    assert (change.row_id, change.field, change.staff_id) == (world.jk.id, "password_hash", world.jk.id)
    assert _counts(world.db)[0] == logged_before + 1
    assert _audit(world.db, "password_rehash").staff_id == world.jk.id

    # logging in still works, and does not hash again
    assert authenticate(world.db, "JK", PASSWORD).id == world.jk.id
    assert _stored(world.db, world.jk.id) == stored
    assert _audit_count(world.db, "password_rehash") == 1
    assert _audit_count(world.db, "login") == 2


def test_a_hash_at_todays_cost_is_left_alone_at_log_in(world):
    before = _counts(world.db)
    assert authenticate(world.db, "JK", PASSWORD) is not None
    assert _counts(world.db) == before
    assert _audit_count(world.db, "password_rehash") == 0

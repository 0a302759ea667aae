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
        (PASSWORD, "kort", "kort", {"password": "Adgangskoden skal have mindst 6 tegn."}),
        (PASSWORD, "nyhemmelig", "nyhemmelix", {"repeat": "Adgangskoderne er ikke ens."}),
        (PASSWORD, PASSWORD, PASSWORD, {"password": "Den nye adgangskode skal være en anden end den nuværende."}),
        ("", "", "", {"current": "Den nuværende adgangskode er forkert.",
                      "password": "Adgangskoden skal have mindst 6 tegn."}),
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
        ("JK", "kort", ValidationError, "Adgangskoden skal have mindst 6 tegn."),
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
    assert refused.value.errors == {"password": "Adgangskoden skal have mindst 6 tegn."}

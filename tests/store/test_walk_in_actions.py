"""Walk-in actions: what lands in the database, in one transaction, with change log and audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.citizens import (
    DuplicateCitizenWarning,
    create_citizen,
)
from aaben_raadgivning.store.actions.follow_ups import (
    FollowUpRequest,
    validate_follow_up,
)
from aaben_raadgivning.store.actions.walk_ins import (
    cancel_walk_in,
    finish_walk_in,
    link_walk_in,
    register_walk_in,
    start_walk_in,
)
from aaben_raadgivning.store.models import (
    APPEND_ONLY_TABLES,
    AuditEntry,
    ChangeLogEntry,
    Citizen,
    Event,
    FollowUpTask,
    WalkIn,
    WalkInTransition,
)
from aaben_raadgivning.store.queries.walk_ins import walk_ins_on

TODAY = date(2026, 11, 24)


def counts(db) -> dict[str, int]:
    with db.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Citizen, WalkIn, WalkInTransition, Event, FollowUpTask, ChangeLogEntry, AuditEntry)
        }


def test_known_citizen_walk_in_from_arrival_to_timeline_event(world):
    citizen = create_citizen(world.db, world.jk.id, name="Jens Østergaard", cpr="010190-1234")
    walk_in = register_walk_in(world.db, world.jk.id, reason="post", citizen_id=citizen.id, search_criterion="øster")
    [view] = walk_ins_on(world.db, TODAY)
    assert (view.status, view.citizen_name, view.reason) == ("waiting", "Jens Østergaard", "post")

    world.clock.advance(minutes=12)
    start_walk_in(world.db, world.jf.id, walk_in.id)
    [view] = walk_ins_on(world.db, TODAY)
    assert (view.status, view.helper_initials, view.waiting_minutes(view.started_at)) == ("in_progress", "JF", 12)

    finish_walk_in(world.db, world.jf.id, walk_in.id, outcome="Hjalp med brev om boligstøtte\nRinger igen")
    [view] = walk_ins_on(world.db, TODAY)
    assert view.status == "finished" and view.outcome.startswith("Hjalp med brev")
    with world.db.session() as session:
        event = session.scalars(select(Event).where(Event.citizen_id == citizen.id)).one()
        assert event.kind == "aaben_raadgivning"
        assert event.summary == "Brev, e-Boks eller blanket: Hjalp med brev om boligstøtte"
        assert event.walk_in_id == walk_in.id
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == walk_in.id)).all()
        assert any("øster" in entry.detail for entry in audit)  # the search criterion is audited


def test_every_row_has_an_insert_entry_and_append_only_rows_are_never_updated(world):
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein", phone="12345678")
    walk_in = register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="CV gennemgået")
    with world.db.session() as session:
        entries = session.scalars(select(ChangeLogEntry)).all()
        logged = {(e.table_name, e.row_id) for e in entries if e.op == "insert"}
        for model in (Citizen, WalkIn, WalkInTransition, Event, AuditEntry):
            for row_id in session.scalars(select(model.id)):
                assert (model.__tablename__, row_id) in logged
        assert not [e for e in entries if e.table_name in APPEND_ONLY_TABLES and e.op != "insert"]
        stamps = [e.hlc for e in entries]
        assert len(set(stamps)) == len(stamps)  # the clock never repeats itself


def test_finish_with_invalid_follow_up_assignee_writes_nothing(world):
    citizen = create_citizen(world.db, world.jk.id, name="Peter Hansen")
    walk_in = register_walk_in(world.db, world.jk.id, reason="ydelse", citizen_id=citizen.id)
    before = counts(world.db)
    bad = FollowUpRequest(due_date=date(2026, 11, 30), assignee_id="no-such-staff", reason="Ring til borger")
    with pytest.raises(ValidationError) as excinfo:
        finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="Talt om økonomi", follow_up=bad)
    assert "medarbejder" in excinfo.value.errors["assignee"]
    assert counts(world.db) == before  # no transition, no event, no change log, no audit
    [view] = walk_ins_on(world.db, TODAY)
    assert view.status == "waiting"


def test_finish_with_follow_up_creates_task_on_next_working_day(world):
    citizen = create_citizen(world.db, world.jk.id, name="Sara Nielsen")
    walk_in = register_walk_in(world.db, world.jk.id, reason="job", citizen_id=citizen.id)
    request = validate_follow_up("24.12.2026", world.jf.id, "Følg op på ansøgning", TODAY, world.runtime.calendar)
    assert request.due_date == date(2026, 12, 28)  # 24–27 Dec are days off
    assert "flyttet til 28.12.2026" in request.notice
    _, task = finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="Ansøgning sendt", follow_up=request)
    with world.db.session() as session:
        stored = session.get(FollowUpTask, task.id)
        assert (stored.citizen_id, stored.assignee_id, stored.status, stored.due_date) == (
            citizen.id,
            world.jf.id,
            "open",
            date(2026, 12, 28),
        )


@pytest.mark.parametrize(
    ("due", "assignee", "reason", "field", "fragment"),
    [
        ("31.02.2026", "jf", "x", "due_date", "ikke en gyldig dato"),
        ("23.11.2026", "jf", "x", "due_date", "før i dag"),
        ("", "jf", "x", "due_date", ""),
        ("1.12", None, "x", "assignee", "Vælg hvem"),
        ("1.12", "jf", "   ", "reason", "Skriv hvad"),
    ],
)
def test_follow_up_validation_messages_are_danish(world, due, assignee, reason, field, fragment):
    assignee_id = world.jf.id if assignee else None
    with pytest.raises(ValidationError) as excinfo:
        validate_follow_up(due, assignee_id, reason, TODAY, world.runtime.calendar)
    assert fragment in excinfo.value.errors[field]


def test_anonymous_walk_in_needs_note_and_lands_on_timeline_when_linked(world):
    with pytest.raises(ValidationError) as excinfo:
        register_walk_in(world.db, world.jk.id, reason="post", note="  ")
    assert "beskrivelse" in excinfo.value.errors["note"]
    walk_in = register_walk_in(world.db, world.jk.id, reason="post", note="Kvinde med brev fra Udbetaling Danmark")
    finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="Brevet forklaret")
    citizen = create_citizen(world.db, world.jk.id, name="Fatima Ali")
    link_walk_in(world.db, world.jk.id, walk_in.id, citizen.id)
    [view] = walk_ins_on(world.db, TODAY)
    assert view.citizen_name == "Fatima Ali" and not view.anonymous
    with world.db.session() as session:
        event = session.scalars(select(Event).where(Event.citizen_id == citizen.id)).one()
        assert "Udbetaling Danmark" in event.details and "Brevet forklaret" in event.details
    with pytest.raises(ValidationError):
        link_walk_in(world.db, world.jk.id, walk_in.id, citizen.id)


def test_state_rules(world):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    walk_in = register_walk_in(world.db, world.jk.id, reason="akut", citizen_id=citizen.id)
    with pytest.raises(ValidationError):
        register_walk_in(world.db, world.jk.id, reason="no-such-reason", citizen_id=citizen.id)
    with pytest.raises(ValidationError):
        finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="   ")
    cancel_walk_in(world.db, world.jk.id, walk_in.id)
    [view] = walk_ins_on(world.db, TODAY)
    assert view.status == "cancelled"
    with pytest.raises(ValidationError):
        start_walk_in(world.db, world.jk.id, walk_in.id)
    with pytest.raises(ValidationError):
        finish_walk_in(world.db, world.jk.id, walk_in.id, outcome="for sent")


@pytest.mark.parametrize(
    ("existing", "new", "reason"),
    [
        (dict(name="Jens Hansen", cpr="0101901234"), dict(name="J. Hansen", cpr="010190-1234"), "samme CPR-nummer"),
        (
            dict(name="Mette Ørsted", cpr="0202851236"),
            dict(name="mette orsted", cpr="020285-1244"),
            "samme navn og fødselsdato",
        ),
        (dict(name="Ali Khan", phone="20304050"), dict(name="Ali K", phone="+45 20 30 40 50"), "samme telefonnummer"),
        (dict(name="Imran Iqbal"), dict(name="imran  IQBAL"), "samme navn"),
        (dict(name="Imran Iqbal", cpr="0101901234"), dict(name="Imran Iqbal"), "samme navn"),
        (dict(name="Åse Ærø"), dict(name="Aase Aero"), "samme navn"),  # folded as search folds it
        (
            dict(name="Imran Iqbal", cpr="0101901234"),
            dict(name="Imran Iqbal", cpr="020390-1234"),
            "samme navn og fødselsår",
        ),
    ],
)
def test_duplicate_warning_then_accept(world, existing, new, reason):
    create_citizen(world.db, world.jk.id, **existing)
    before = counts(world.db)
    with pytest.raises(DuplicateCitizenWarning) as excinfo:
        create_citizen(world.db, world.jk.id, **new)
    assert [d.reason for d in excinfo.value.duplicates] == [reason]
    assert counts(world.db) == before
    create_citizen(world.db, world.jk.id, accept_duplicates=True, **new)
    assert counts(world.db)["citizens"] == before["citizens"] + 1


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        (dict(name=""), "name", "Navn mangler"),
        (dict(name="Ib", cpr="3102901234"), "cpr", "gyldig dato"),
        (dict(name="Ib", cpr="12345"), "cpr", "10 cifre"),
        (dict(name="Ib", phone="12"), "phone", "telefonnummer"),
    ],
)
def test_invalid_citizen_input_is_rejected_in_danish_and_writes_nothing(world, fields, field, fragment):
    before = counts(world.db)
    with pytest.raises(ValidationError) as excinfo:
        create_citizen(world.db, world.jk.id, **fields)
    assert fragment in excinfo.value.errors[field]
    assert counts(world.db) == before


def test_the_same_name_with_a_birth_year_that_differs_is_not_a_duplicate(world):
    create_citizen(world.db, world.jk.id, name="Imran Iqbal", cpr="0101901234")
    create_citizen(world.db, world.jk.id, name="Imran Iqbal", cpr="0101851234")  # no warning: born 1985, not 1990
    create_citizen(world.db, world.jk.id, name="Imran Iqbal Khan")  # another name
    assert counts(world.db)["citizens"] == 3


def test_a_same_name_warning_writes_nothing_and_lists_only_living_citizens_with_that_name(world):
    kept = create_citizen(world.db, world.jk.id, name="Imran Iqbal")
    create_citizen(world.db, world.jk.id, name="Iqbal Imran")  # the words in another order: another name
    before = counts(world.db)
    with pytest.raises(DuplicateCitizenWarning) as excinfo:
        create_citizen(world.db, world.jk.id, name="Imran Iqbal", phone="20304050")
    assert [(d.citizen_id, d.reason) for d in excinfo.value.duplicates] == [(kept.id, "samme navn")]
    assert counts(world.db) == before
    created = create_citizen(world.db, world.jk.id, name="Imran Iqbal", phone="20304050", accept_duplicates=True)
    with world.db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == created.id)).one()
    assert audit.detail == "Borger oprettet ved skranken trods advarsel om mulig dublet: samme navn"

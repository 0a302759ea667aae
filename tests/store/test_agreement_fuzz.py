"""Fuzzing every field of the agreement editor through the save action: no crash, every rejection is a
Danish message on the field that was wrong (or one it decides), and a rejected save writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.agreements import save_agreement
from aaben_raadgivning.store.models import (
    Agreement,
    AuditEntry,
    ChangeLogEntry,
    Event,
    FollowUpTask,
)
from support.agreement_input import agreement_input, make_citizen, make_company

# Which error fields a change to one editor field may lead to.
ALLOWED = {
    "tasks": {"tasks"},
    "health_notes": {"health_notes"},
    "praktik_assessment": {"praktik_assessment"},
    "start_date": {"start_date", "end_date", "praktik_assessment"},
    "end_date": {"end_date", "praktik_assessment"},
    "follow_up_plan": {"follow_up_plan"},
    "course_kind": {"course_kind", "schedule"},
    "schedule": {"schedule", "end_date", "praktik_assessment", "ordinary_expected"},  # no ordinary hours: KE 7
}
DATEISH = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["i dag", "i morgen", "+3", "31.2.2027", "1.1.1900", "29.2.2028", "01.12.2026", "1/12", "2027-01-31"]
    ),
)
HOURS = st.one_of(
    st.text(max_size=8), st.sampled_from(["3", "3,5", "7.25", "2:30", "24", "25", "-1", "0:99", "37", "8"])
)
VALUES = {
    "tasks": st.text(max_size=60) | st.just("x" * 4001),
    "health_notes": st.text(max_size=60) | st.just("y" * 4001),
    "praktik_assessment": st.text(max_size=40),
    "start_date": DATEISH,
    "end_date": DATEISH,
    "follow_up_plan": st.one_of(
        st.text(max_size=30),
        st.sampled_from(["1 uge til 4 uger; 1 md til 12 mdr", "2 mdr til 12 mdr", "1 md til 6 mdr"]),
    ),
    "course_kind": st.one_of(
        st.text(max_size=12), st.sampled_from(["ordinaere_timer", "virksomhedspraktik", "kombination", "loentilskud"])
    ),
    "schedule": st.dictionaries(
        st.sampled_from(["ordinary", "praktik", "loentilskud"]), st.lists(HOURS, max_size=8), max_size=3
    ),
}


def counts(db) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m))
            for m in (Agreement, FollowUpTask, Event, ChangeLogEntry, AuditEntry)
        )


@pytest.fixture
def setup(world):
    company, contact = make_company(world)
    citizen = make_citizen(world)
    return citizen, company, contact


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_editor_field(world, setup, data):
    citizen, company, contact = setup
    field = data.draw(st.sampled_from(sorted(VALUES)))
    value = data.draw(VALUES[field])
    base = agreement_input(world, citizen, company, contact)
    before = counts(world.db)
    try:
        save_agreement(world.db, world.jf.id, replace(base, **{field: value}), calendar=world.runtime.calendar)
    except ValidationError as exc:
        assert exc.errors, "a rejection must say why"
        assert set(exc.errors) <= ALLOWED[field], (field, value, exc.errors)
        for message in exc.errors.values():
            assert isinstance(message, str) and len(message) > 5 and message[0].isupper() or message[0] in "«0123456789"
        assert counts(world.db) == before
    else:
        assert counts(world.db) != before


PICKED = st.one_of(st.none(), st.just(""), st.text(max_size=36), st.uuids().map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_picked_records(world, setup, data):
    """Citizen, company, contact person and jobformidler are picked, but a stale or foreign id must be
    refused on its own field too."""
    citizen, company, contact = setup
    field = data.draw(st.sampled_from(["citizen_id", "company_id", "contact_id", "jobformidler_id"]))
    value = data.draw(PICKED)
    before = counts(world.db)
    expected = {
        "citizen_id": "citizen",
        "company_id": "company",
        "contact_id": "contact",
        "jobformidler_id": "jobformidler",
    }[field]
    try:
        save_agreement(
            world.db,
            world.jf.id,
            replace(agreement_input(world, citizen, company, contact), **{field: value}),
            calendar=world.runtime.calendar,
        )
    except ValidationError as exc:
        assert set(exc.errors) <= {expected, "contact"}, exc.errors  # a foreign company also disowns the contact
        assert all(len(m) > 5 for m in exc.errors.values())
        assert counts(world.db) == before
    else:
        assert field in ("contact_id", "jobformidler_id") and not value  # optional in a draft


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_field_of_an_active_agreement(world, setup, data):
    """Editing an active agreement must stay complete; a rejected edit leaves the agreement and its plan
    tasks exactly as they were."""
    from aaben_raadgivning.store.actions.agreements import activate_agreement

    citizen, company, contact = setup
    base = agreement_input(world, citizen, company, contact)
    with world.db.session() as session:
        active = session.scalars(select(Agreement).where(Agreement.status == "aktiv")).first()
    if active is None:
        saved = save_agreement(world.db, world.jf.id, base, calendar=world.runtime.calendar).agreement
        active = activate_agreement(world.db, world.jf.id, saved.id, calendar=world.runtime.calendar).agreement
    field = data.draw(st.sampled_from(sorted(VALUES)))
    value = data.draw(VALUES[field])
    before = counts(world.db)
    try:
        save_agreement(
            world.db,
            world.jf.id,
            replace(base, **{field: value}),
            calendar=world.runtime.calendar,
            agreement_id=active.id,
        )
    except ValidationError as exc:
        assert exc.errors and all(len(m) > 5 for m in exc.errors.values())
        assert set(exc.errors) <= ALLOWED[field] | {"tasks", "schedule", "start_date"}
        assert counts(world.db) == before
    # put it back for the next example
    save_agreement(world.db, world.jf.id, base, calendar=world.runtime.calendar, agreement_id=active.id)

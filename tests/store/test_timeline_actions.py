"""Timeline actions: events and corrections, paging, udeblivelse with its task, the sanction guard, delmål."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal, assess_sub_goal
from aaben_raadgivning.store.actions.timeline import (
    add_event,
    record_no_show,
    register_sanction,
    sanction_status,
)
from aaben_raadgivning.store.models import Event, FollowUpTask
from aaben_raadgivning.store.queries.citizen import (
    TimelineFilter,
    citizen_summary,
    timeline_page,
)
from aaben_raadgivning.store.queries.viewer import Viewer

NOW = datetime(2026, 11, 24, 10, 15)


@pytest.fixture
def citizen(world):
    return create_citizen(world.db, world.jk.id, name="Ole Berg")


def count(db, model, **where) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_correction_is_a_new_event_and_the_old_one_stays(world, citizen):
    original = add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale om praktik",
                         occurred_at=NOW - timedelta(days=2))  # fmt: skip
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale om praktik hos Netto",
              occurred_at=NOW - timedelta(days=2), corrects_id=original.id)  # fmt: skip
    rows = timeline_page(world.db, citizen.id, viewer=Viewer.system())
    by_id = {row.id: row for row in rows}
    assert len(rows) == 2 and by_id[original.id].corrected
    assert [row.corrects_id for row in rows if row.id != original.id] == [original.id]


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        (dict(kind="trylleri", summary="x"), "kind", "Vælg"),
        (dict(kind="note", summary="  "), "summary", "overskrift"),
        (dict(kind="note", summary="x" * 301), "summary", "for lang"),
        (dict(kind="note", summary="x", occurred_at=NOW + timedelta(days=1)), "occurred_at", "fremtiden"),
        (dict(kind="note", summary="x", corrects_id="no-such-event"), "corrects", "findes ikke"),
    ],
)
def test_bad_event_input_is_refused_in_danish_and_writes_nothing(world, citizen, kwargs, field, fragment):
    with pytest.raises(ValidationError) as excinfo:
        add_event(world.db, world.jk.id, citizen.id, **kwargs)
    assert fragment in excinfo.value.errors[field]
    assert count(world.db, Event) == 0


def test_timeline_pages_newest_first_without_gaps_or_duplicates(world, citizen):
    for i in range(250):
        add_event(world.db, world.jk.id, citizen.id, kind="note", summary=f"Note {i}",
                  occurred_at=NOW - timedelta(hours=250 - i))  # fmt: skip
    seen, after = [], None
    while page := timeline_page(world.db, citizen.id, after=after, limit=100, viewer=Viewer.system()):
        seen += [row.summary for row in page]
        after = page[-1].key
    assert seen == [f"Note {i}" for i in reversed(range(250))]


def test_timeline_filters_by_kind_and_period(world, citizen):
    for days, kind in ((10, "samtale"), (5, "note"), (1, "samtale")):
        add_event(world.db, world.jk.id, citizen.id, kind=kind, summary=kind, occurred_at=NOW - timedelta(days=days))
    assert (
        len(
            timeline_page(
                world.db, citizen.id, filter=TimelineFilter(kinds=frozenset({"samtale"})), viewer=Viewer.system()
            )
        )
        == 2
    )
    period = TimelineFilter(start=date(2026, 11, 18), end=date(2026, 11, 23))
    assert [row.kind for row in timeline_page(world.db, citizen.id, filter=period, viewer=Viewer.system())] == [
        "samtale",
        "note",
    ]


def test_no_show_creates_personal_contact_task_next_working_day_and_lowers_attendance(world, citizen):
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Samtale", occurred_at=NOW - timedelta(days=7))
    friday = datetime(2026, 11, 20, 9, 0)
    _, task = record_no_show(world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar, occurred_at=friday)
    assert (task.kind, task.rule, task.rule_key, task.due_date) == (
        "personlig_kontakt", "no_show", "no_show:2026-11-20", date(2026, 11, 23)  # Monday
    )  # fmt: skip
    summary = citizen_summary(world.db, citizen.id, date(2026, 11, 24), viewer=Viewer.system())
    assert (summary.attended, summary.no_shows, summary.attendance_percent) == (1, 1, 50.0)
    assert summary.next_follow_up == date(2026, 11, 23)


def test_sanction_guard_lists_every_missing_step_then_allows(world, citizen):
    as_jf = sanction_status(world.db, world.jf.id, citizen.id)
    assert not as_jf.allowed and "Som jobformidler kan du ikke registrere en sanktion." in as_jf.missing
    check = sanction_status(world.db, world.jk.id, citizen.id)
    assert any("udeblivelse" in text for text in check.missing)
    assert any("skriftligt vejledt" in text for text in check.missing)

    add_event(world.db, world.jk.id, citizen.id, kind="skriftlig_vejledning", summary="Vejledt om mødepligt",
              occurred_at=NOW - timedelta(days=10))  # fmt: skip
    record_no_show(
        world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar, occurred_at=NOW - timedelta(days=3)
    )
    add_event(world.db, world.jk.id, citizen.id, kind="sms", summary="SMS sendt", occurred_at=NOW - timedelta(days=2))
    check = sanction_status(world.db, world.jk.id, citizen.id)
    assert check.missing == (
        "Der er ikke registreret et forsøg på personlig kontakt (telefon, møde eller besøg) efter udeblivelsen 21.11.2026.",
    )  # an SMS is contact, but not personal contact
    args = dict(kind="punktsanktion", assessment="Borgeren har ressourcer til at møde", grounds_considered="Ingen")
    with pytest.raises(ValidationError, match="personlig kontakt"):
        register_sanction(world.db, world.jk.id, citizen.id, **args)
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="telefon",
        summary="Ringede, ingen svar",
        occurred_at=NOW - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as excinfo:
        register_sanction(
            world.db, world.jk.id, citizen.id, kind="punktsanktion", assessment=" ", grounds_considered=" "
        )
    assert set(excinfo.value.errors) == {"assessment", "grounds"}
    event = register_sanction(world.db, world.jk.id, citizen.id, **args)
    assert event.kind == "sanktion" and "Konkret vurdering: Borgeren har ressourcer" in event.details
    with pytest.raises(PermissionDenied, match="Som jobformidler kan du ikke registrere en sanktion"):
        register_sanction(world.db, world.jf.id, citizen.id, **args)


def test_guidance_given_after_the_no_show_does_not_count(world, citizen):
    record_no_show(
        world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar, occurred_at=NOW - timedelta(days=3)
    )
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="skriftlig_vejledning",
        summary="Vejledt",
        occurred_at=NOW - timedelta(days=2),
    )
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet", occurred_at=NOW - timedelta(days=1))
    assert any("skriftligt vejledt" in text for text in sanction_status(world.db, world.jk.id, citizen.id).missing)


def _open_reviews(db, goal_id):
    with db.session() as session:
        return session.scalars(
            select(FollowUpTask).where(
                FollowUpTask.subject_id == goal_id, FollowUpTask.status == "open", FollowUpTask.deleted_at.is_(None)
            )
        ).all()


def test_sub_goal_assessments_keep_one_open_review_task(world, citizen):
    calendar = world.runtime.calendar
    goal = add_sub_goal(world.db, world.jf.id, citizen.id, "Møde til tiden tre uger i træk", calendar=calendar)
    [task] = _open_reviews(world.db, goal.id)
    assert (task.rule, task.kind) == ("sub_goal", "delmaal_vurdering")
    assert task.due_date == date(2027, 1, 5)  # 6 weeks on is 5 Jan 2027, a Tuesday
    world.clock.advance(days=14)
    assessment = assess_sub_goal(
        world.db, world.jf.id, goal.id, score=3, note="Kom til tiden to gange", calendar=calendar
    )
    # The assessment completed the review; the next one is a new task six weeks from the assessment.
    [following] = _open_reviews(world.db, goal.id)
    assert following.due_date == date(2027, 1, 19) and following.id != task.id
    with world.db.session() as session:
        done = session.get(FollowUpTask, task.id)
        event = session.scalars(
            select(Event).where(Event.subject_id == assessment.id).order_by(Event.recorded_at.desc())
        ).first()
        assert (done.status, done.completed_by, done.completed_event_id) == ("done", world.jf.id, event.id)
    assess_sub_goal(world.db, world.jf.id, goal.id, score=5, note="Nået", calendar=calendar, status="naaet")
    assert _open_reviews(world.db, goal.id) == []
    with world.db.session() as session:
        assert session.get(FollowUpTask, following.id).status == "done"
    with pytest.raises(ValidationError, match="nået"):
        assess_sub_goal(world.db, world.jf.id, goal.id, score=5, note="igen", calendar=calendar)


@pytest.mark.parametrize(("score", "note", "field"), [(0, "x", "score"), (6, "x", "score"), (3, " ", "note")])
def test_sub_goal_assessment_validation(world, citizen, score, note, field):
    goal = add_sub_goal(world.db, world.jf.id, citizen.id, "Søge fem job", calendar=world.runtime.calendar)
    before = count(world.db, Event)
    with pytest.raises(ValidationError) as excinfo:
        assess_sub_goal(world.db, world.jf.id, goal.id, score=score, note=note, calendar=world.runtime.calendar)
    assert field in excinfo.value.errors
    assert count(world.db, Event) == before


def test_kinds_with_their_own_action_cannot_be_added_as_plain_events(world, citizen):
    for kind in ("sanktion", "visitation", "udeblivelse", "trin"):
        with pytest.raises(ValidationError) as excinfo:
            add_event(world.db, world.jk.id, citizen.id, kind=kind, summary="forsøg")
        assert "egen handling" in excinfo.value.errors["kind"]
    assert count(world.db, Event) == 0


def test_a_corrected_no_show_counts_once_and_its_correction_may_keep_the_kind(world, citizen):
    no_show, _ = record_no_show(world.db, world.jk.id, citizen.id, calendar=world.runtime.calendar,
                                occurred_at=NOW - timedelta(days=3))  # fmt: skip
    add_event(world.db, world.jk.id, citizen.id, kind="udeblivelse", summary="Udeblev: samtale (rettet dato)",
              occurred_at=NOW - timedelta(days=2), corrects_id=no_show.id)  # fmt: skip
    summary = citizen_summary(world.db, citizen.id, date(2026, 11, 24), viewer=Viewer.system())
    assert summary.no_shows == 1
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="skriftlig_vejledning",
        summary="Vejledt",
        occurred_at=NOW - timedelta(days=10),
    )
    add_event(
        world.db,
        world.jk.id,
        citizen.id,
        kind="telefon",
        summary="Ringet",
        occurred_at=NOW - timedelta(days=2, hours=1),
    )
    # The call came after the original no-show but before its corrected date: not after the missed requirement.
    assert any("personlig kontakt" in text for text in sanction_status(world.db, world.jk.id, citizen.id).missing)


def _no_show_task(db, citizen_id: str) -> FollowUpTask:
    with db.session() as session:
        return session.scalars(
            select(FollowUpTask).where(FollowUpTask.citizen_id == citizen_id, FollowUpTask.rule == "no_show")
        ).one()


def test_a_correction_keeps_the_original_time_to_the_second_and_the_closed_task_stays_closed(world, citizen):
    calendar = world.runtime.calendar
    record_no_show(world.db, world.jk.id, citizen.id, calendar=calendar, occurred_at=datetime(2026, 11, 24, 9, 0, 20))
    call = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op",
                     occurred_at=datetime(2026, 11, 24, 9, 0, 45))  # fmt: skip
    closed = _no_show_task(world.db, citizen.id)
    assert closed.status != "open" or closed.deleted_at is not None  # the call after the no-show closed it
    # The dialog shows the time to the minute («24.11.2026 09.00») and sends it back unchanged.
    correction = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op, aftalt møde",
                           occurred_at=datetime(2026, 11, 24, 9, 0), corrects_id=call.id)  # fmt: skip
    with world.db.session() as session:
        stored = {e.id: e.occurred_at for e in session.scalars(select(Event))}
    assert stored[correction.id] == stored[call.id]  # to the second, so still after the no-show
    after = _no_show_task(world.db, citizen.id)
    assert (after.status, after.deleted_at) == (closed.status, closed.deleted_at)


def test_a_correction_without_a_time_keeps_the_original_time(world, citizen):
    call = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op",
                     occurred_at=datetime(2026, 11, 23, 14, 5, 33))  # fmt: skip
    correction = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op igen",
                           corrects_id=call.id)  # fmt: skip
    with world.db.session() as session:
        assert session.get(Event, correction.id).occurred_at == session.get(Event, call.id).occurred_at


def test_a_correction_that_changes_nothing_is_refused_and_writes_nothing(world, citizen):
    call = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op", details="Svarede ikke",
                     occurred_at=datetime(2026, 11, 23, 14, 5, 33))  # fmt: skip
    before = count(world.db, Event)
    with pytest.raises(ValidationError) as excinfo:
        add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary=" Ringet op ", details="Svarede ikke\n",
                  occurred_at=datetime(2026, 11, 23, 14, 5), corrects_id=call.id)  # fmt: skip
    assert excinfo.value.errors == {"corrects": "Intet er ændret."}
    assert count(world.db, Event) == before
    moved = add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringet op", details="Svarede ikke",
                      occurred_at=datetime(2026, 11, 23, 15, 0), corrects_id=call.id)  # fmt: skip
    with world.db.session() as session:
        assert session.get(Event, moved.id).occurred_at != session.get(Event, call.id).occurred_at


def test_the_timeline_text_filter_matches_folded_words_page_by_page(world, citizen):
    for number in range(60):
        text = "Møde hos Østergård" if number % 3 == 0 else "Opkald"
        add_event(world.db, world.jk.id, citizen.id, kind="note", summary=f"{text} {number}", details="",
                  occurred_at=NOW - timedelta(hours=number + 1))  # fmt: skip
    add_event(world.db, world.jk.id, citizen.id, kind="note", summary="Brev", details="Sendt til Østergård",
              occurred_at=NOW - timedelta(days=30))  # fmt: skip
    wanted = [f"Møde hos Østergård {n}" for n in range(0, 60, 3)] + ["Brev"]
    found, after = [], None
    while True:  # pages of 7, as the screen asks for them
        page = timeline_page(world.db, citizen.id, filter=TimelineFilter(text="oster mod"), after=after, limit=7,
                             viewer=Viewer.system())  # fmt: skip
        found += [row.summary for row in page]
        if len(page) < 7:
            break
        after = page[-1].key
    assert found == wanted[:-1]  # «mod» is a prefix of «møde», not of «brev» or «sendt»
    everything = timeline_page(world.db, citizen.id, filter=TimelineFilter(text="ØSTERGAARD"), limit=100,
                               viewer=Viewer.system())  # fmt: skip
    assert [row.summary for row in everything] == wanted  # the details count too

"""Fremmøde with afbud (issue 17, «Fremmøde»): one definition (store.queries.attendance) for the citizen
summary (F3 «Fremmøde») and the monthly results (F6 / ``report``). Seed 004 (Slagelse): the fremmødeprocent
is kept / (kept + missed); seed 000 KE 3 names «udeblivelser og afbud» side by side — an afbud is the citizen
cancelling in advance: neither kept nor missed, it leaves the denominator and is counted apart."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.timeline import (
    add_event,
    record_cancellation,
    record_no_show,
    sanction_status,
)
from aaben_raadgivning.store.models import Event, FollowUpTask
from aaben_raadgivning.store.queries.citizen import citizen_summary, timeline_page
from aaben_raadgivning.store.queries.results import month_results
from aaben_raadgivning.store.queries.viewer import Viewer

NOV = date(2026, 11, 1)
TODAY = date(2026, 11, 24)

# events of November (kind: samtale, personligt_moede, jobsamtale = kept; udeblivelse; afbud)
#   → (attended, no-shows, afbud, fremmøde % on F3 and F6)
CASES = [
    (("samtale", "afbud"), (1, 0, 1, 100.0)),  # an afbud does not lower the figure
    (("samtale", "udeblivelse"), (1, 1, 0, 50.0)),
    (("jobsamtale", "personligt_moede", "udeblivelse", "afbud", "afbud"), (2, 1, 2, 200 / 3)),  # jobsamtale counts
    (("afbud",), (0, 0, 1, None)),  # only afbud: no appointment to count
    (("udeblivelse", "afbud"), (0, 1, 1, 0.0)),
]


def _record(world, citizen_id: str, kind: str, day: int) -> None:
    when = datetime(2026, 11, day, 10, 0)
    if kind == "udeblivelse":
        record_no_show(world.db, world.jk.id, citizen_id, calendar=world.runtime.calendar, occurred_at=when)
    elif kind == "afbud":
        record_cancellation(world.db, world.jk.id, citizen_id, occurred_at=when)
    else:
        add_event(world.db, world.jk.id, citizen_id, kind=kind, summary=kind.capitalize(), occurred_at=when)


@pytest.mark.parametrize(("kinds", "expected"), CASES)
def test_seed_004_attendance_with_afbud_on_f3_and_f6(world, kinds, expected):
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    for day, kind in enumerate(kinds, start=2):
        _record(world, citizen.id, kind, day)
    attended, no_shows, cancellations, percent = expected
    summary = citizen_summary(world.db, citizen.id, TODAY, viewer=Viewer.system())
    assert (summary.attended, summary.no_shows, summary.cancellations) == (attended, no_shows, cancellations)
    assert summary.attendance_percent == (pytest.approx(percent) if percent is not None else None)
    results = month_results(world.db, NOV, viewer=Viewer.system())
    assert (results.attendance.numerator, results.attendance.denominator) == (attended, attended + no_shows)
    assert results.attendance.percent == (pytest.approx(percent) if percent is not None else None)


def test_afbud_is_on_the_timeline_and_is_not_a_no_show(world):
    """An afbud makes no personal-contact task (unlike an udeblivelse) and is no ground for a sanction."""
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    add_event(world.db, world.jk.id, citizen.id, kind="skriftlig_vejledning", summary="Vejledt om mødepligt",
              occurred_at=datetime(2026, 11, 2, 9, 0))  # fmt: skip
    event = record_cancellation(
        world.db, world.jk.id, citizen.id, what="Samtale tirsdag", occurred_at=datetime(2026, 11, 20, 9, 0)
    )
    assert (event.kind, event.summary) == ("afbud", "Afbud: Samtale tirsdag")
    rows = timeline_page(world.db, citizen.id, viewer=Viewer.system())
    assert [(row.kind, row.summary) for row in rows][0] == ("afbud", "Afbud: Samtale tirsdag")
    with world.db.session() as session:
        assert session.scalars(select(FollowUpTask).where(FollowUpTask.citizen_id == citizen.id)).all() == []
    check = sanction_status(world.db, world.jk.id, citizen.id)
    assert not check.allowed and check.no_show is None
    assert "Der er ikke registreret en udeblivelse" in " ".join(check.missing)


def test_afbud_is_not_a_plain_event(world):
    """«Afbud» has its own action (reference.toml ``own_action``): the plain event form refuses it."""
    citizen = create_citizen(world.db, world.jk.id, name="Ole Berg")
    with pytest.raises(ValidationError, match="Afbud"):
        add_event(world.db, world.jk.id, citizen.id, kind="afbud", summary="Afbud")
    with world.db.session() as session:
        assert session.scalars(select(Event).where(Event.kind == "afbud")).all() == []

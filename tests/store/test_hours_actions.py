"""Registering ordinary hours: corrections, refusals with Danish messages, nothing written on refusal, audit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import NotFoundError, ValidationError
from aaben_raadgivning.domain.hours import MonthHours
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, HoursReport
from aaben_raadgivning.store.queries.hours import (
    agreement_months,
    citizen_agreements,
    citizen_hours,
    version_for_month,
)
from aaben_raadgivning.store.queries.viewer import Viewer
from support.agreements import citizen_with_agreement, make_agreement, make_company

NOV, OCT, SEP = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_register_writes_a_report_and_an_audit_entry(world):
    citizen, _company, _contact, agreement = citizen_with_agreement(world)
    result = register_hours(world.db, world.jf.id, agreement.id, date(2026, 10, 15), ordinary=1230, praktik=3000)
    assert result.corrected is None
    with world.db.session() as session:
        report = session.scalars(select(HoursReport)).one()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity == "hours_report")).one()
        logged = session.scalar(
            select(func.count()).select_from(ChangeLogEntry).where(ChangeLogEntry.table_name == "hours_reports")
        )
    assert (report.month, report.ordinary_minutes, report.praktik_minutes, report.citizen_id) == (
        OCT,
        1230,
        3000,
        citizen.id,
    )
    assert report.recorded_by == world.jf.id and logged == 1
    assert audit.citizen_id == citizen.id and "oktober 2026" in audit.detail and "ordinære 20,5" in audit.detail


def test_registering_a_month_again_is_a_correction_and_the_latest_counts(world):
    citizen, _company, _contact, agreement = citizen_with_agreement(world)
    first = register_hours(world.db, world.jf.id, agreement.id, OCT, ordinary=600)
    world.clock.advance(minutes=5)
    second = register_hours(world.db, world.jf.id, agreement.id, OCT, ordinary=1800, note="Lønseddel modtaget")
    assert second.corrected.id == first.report.id and second.report.corrects_id == first.report.id
    assert count(world.db, HoursReport) == 2  # append-only: the first row is kept
    months = agreement_months(world.db, agreement.id, viewer=Viewer.system())
    assert [(r.month, r.ordinary_minutes) for r in months] == [(OCT, 1800)]
    overview = citizen_hours(world.db, citizen.id, date(2026, 11, 24), viewer=Viewer.system())
    assert overview.series[-2] == MonthHours(OCT, 1800, 0, 0, True)
    assert overview.progress.goal_reached


def test_months_sum_over_agreements_and_praktik_never_counts(world):
    citizen, company, contact, first = citizen_with_agreement(world)
    second = make_agreement(world.db, citizen.id, company, contact, course_kind="ordinaere_timer")
    register_hours(world.db, world.jf.id, first.id, NOV, ordinary=600, praktik=6000)
    register_hours(world.db, world.jf.id, second.id, NOV, ordinary=900, loentilskud=1200)
    overview = citizen_hours(world.db, citizen.id, date(2026, 11, 24), viewer=Viewer.system())
    assert len(overview.series) == 12 and overview.series[0].month == date(2025, 12, 1)
    assert overview.series[-1] == MonthHours(NOV, 1500, 6000, 1200, True)
    assert not overview.progress.goal_reached  # 25 ordinary hours; praktik and løntilskud do not count
    assert [m.month for m in overview.last3] == [SEP, OCT, NOV]


def refusal(world, agreement_id, month, **minutes) -> dict[str, str]:
    before = (count(world.db, HoursReport), count(world.db, AuditEntry), count(world.db, ChangeLogEntry))
    with pytest.raises(ValidationError) as caught:
        register_hours(world.db, world.jf.id, agreement_id, month, **minutes)
    assert (count(world.db, HoursReport), count(world.db, AuditEntry), count(world.db, ChangeLogEntry)) == before
    return caught.value.errors


@pytest.mark.parametrize(
    ("month", "minutes", "field", "message"),
    [
        (NOV, {"ordinary": -60}, "ordinary", "negativt"),
        (NOV, {"ordinary": 0, "praktik": -1}, "praktik", "negativt"),
        (date(2026, 2, 1), {"ordinary": 673 * 60}, "ordinary", "mere end en hel måned"),
        (NOV, {"ordinary": 400 * 60, "praktik": 400 * 60}, "general", "mere end en hel måned"),
        (date(2026, 12, 1), {"ordinary": 600}, "month", "ikke begyndt endnu"),
        (date(2026, 8, 1), {"ordinary": 600}, "month", "begynder først 01.09.2026"),
        (NOV, {"ordinary": "7"}, "ordinary", "et tal"),
    ],
)
def test_refusals_explain_and_write_nothing(world, month, minutes, field, message):
    _citizen, _company, _contact, agreement = citizen_with_agreement(world)
    errors = refusal(world, agreement.id, month, **minutes)
    assert message in errors[field]


def test_a_draft_and_an_ended_course_refuse_months_they_do_not_cover(world):
    citizen, company, contact, _ = citizen_with_agreement(world)
    draft = make_agreement(world.db, citizen.id, company, contact, status="udkast")
    assert "udkast" in refusal(world, draft.id, NOV, ordinary=60)["agreement"]
    ended = make_agreement(world.db, citizen.id, company, contact, status="afsluttet", end=date(2026, 9, 30))
    assert "sluttede 30.09.2026" in refusal(world, ended.id, OCT, ordinary=60)["month"]
    register_hours(world.db, world.jf.id, ended.id, SEP, ordinary=60)  # its own months are fine


def test_broken_off_course_covers_months_until_the_break(world):
    citizen, company, contact, _ = citizen_with_agreement(world)
    broken = make_agreement(world.db, citizen.id, company, contact, status="afbrudt")
    with world.db.transaction() as tx:
        tx.update(tx.session.get(type(broken), broken.id), status_changed_at=datetime(2026, 10, 10, 9))
    assert "sluttede 10.10.2026" in refusal(world, broken.id, NOV, ordinary=60)["month"]
    register_hours(world.db, world.jf.id, broken.id, OCT, ordinary=60)


def test_the_same_numbers_again_are_refused_and_unknown_agreements_are_not_found(world):
    _citizen, _company, _contact, agreement = citizen_with_agreement(world)
    register_hours(world.db, world.jf.id, agreement.id, NOV, ordinary=600)
    assert "allerede registreret med de samme tal" in refusal(world, agreement.id, NOV, ordinary=600)["general"]
    with pytest.raises(NotFoundError):
        register_hours(world.db, world.jf.id, "nope", NOV, ordinary=60)


def test_citizen_agreements_lists_every_version(world):
    citizen, company, contact, first = citizen_with_agreement(world)
    make_agreement(world.db, citizen.id, company, contact, version=2, previous_id=first.id, start=date(2026, 11, 1))
    other, _ = make_company(world.db, name="Netto Gellerup", cvr="87654321")
    make_agreement(world.db, citizen.id, other, None, status="udkast", start=None)
    rows = citizen_agreements(world.db, citizen.id, viewer=Viewer.system())
    assert [(r.company, r.version, r.superseded) for r in rows] == [
        ("Bilka Tilst", 2, False),
        ("Bilka Tilst", 1, True),
        ("Netto Gellerup", 1, False),
    ]


@pytest.fixture
def fuzz_agreement(world):
    return citizen_with_agreement(world, name="Fuzz")[3]


minutes = st.one_of(st.integers(min_value=-10_000, max_value=50_000), st.sampled_from([0, 1800, 44_640, 44_641]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    month=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30)),
    ordinary=minutes, praktik=minutes, loentilskud=minutes, note=st.text(max_size=30),
)  # fmt: skip
def test_fuzz_register_hours_saves_or_explains_and_writes_nothing(
    world, fuzz_agreement, month, ordinary, praktik, loentilskud, note
):
    """Any input: either one report + one audit row, or a Danish message per field and nothing written."""
    agreement = fuzz_agreement
    before = (count(world.db, HoursReport), count(world.db, AuditEntry))
    try:
        register_hours(
            world.db, world.jf.id, agreement.id, month, ordinary=ordinary, praktik=praktik, loentilskud=loentilskud,
            note=note,
        )  # fmt: skip
    except ValidationError as exc:
        assert exc.errors and all(message.strip() for message in exc.errors.values())
        assert (count(world.db, HoursReport), count(world.db, AuditEntry)) == before
    else:
        assert (count(world.db, HoursReport), count(world.db, AuditEntry)) == (before[0] + 1, before[1] + 1)


def test_the_version_for_a_month_follows_the_renegotiations(world):
    citizen, company, contact, first = citizen_with_agreement(world, status="afsluttet")
    second = make_agreement(world.db, citizen.id, company, contact, version=2, previous_id=first.id,
                            start=date(2026, 11, 15))  # fmt: skip
    system = Viewer.system()
    for agreement in (first, second):  # asked from either version
        chosen = {
            month: version_for_month(world.db, agreement.id, date(2026, month, 1), viewer=system)
            for month in (8, 10, 11)
        }
        assert chosen == {8: None, 10: first.id, 11: second.id}
    register_hours(world.db, world.jf.id, first.id, date(2026, 11, 1), ordinary=300)  # the first half of november
    assert version_for_month(world.db, second.id, date(2026, 11, 1), viewer=system) == first.id  # then a correction

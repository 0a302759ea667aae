"""Exit outcomes (udfald): the row, the timeline event, self-support as the step model's exit fact, efterværn
tasks from rules.toml, corrections, validation and permissions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.domain.follow_up_rules import RULE_AFTERCARE
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.citizen_record import advance_step, assign_jobformidler, record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.outcomes import record_outcome
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Citizen, CitizenOutcome, Event, FollowUpTask
from aaben_raadgivning.store.queries.citizen import citizen_summary
from aaben_raadgivning.store.queries.viewer import Viewer
from support.clock import PASSWORD

TODAY = date(2026, 11, 24)


def counts(db) -> dict[str, int]:
    with db.session() as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
                for m in (CitizenOutcome, Event, FollowUpTask, ChangeLogEntry, AuditEntry)}  # fmt: skip


def open_tasks(db, citizen_id) -> list[FollowUpTask]:
    with db.session() as session:
        return list(
            session.scalars(
                select(FollowUpTask)
                .where(FollowUpTask.citizen_id == citizen_id, FollowUpTask.status == "open",
                       FollowUpTask.deleted_at.is_(None))
                .order_by(FollowUpTask.due_date)
            )
        )  # fmt: skip


@pytest.fixture
def in_trin3(world):
    """A visitated citizen with a jobformidler, moved on to trin 3 (a company course)."""
    citizen = create_citizen(world.db, world.jk.id, name="Amina Hussein")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    for _ in range(2):
        advance_step(world.db, world.jk.id, citizen.id, override_reason="Test: kriterierne er vurderet")
    return citizen


def test_every_exit_outcome_says_whether_it_is_self_support():
    terms = {term.code: term.self_supporting for term in load_reference().exit_outcomes.active()}
    assert terms["job_fuldtid"] and terms["job_deltid"] and terms["uddannelse"]
    assert not terms["fleksjob"] and not terms["fraflyttet"] and not terms["anden_ydelse"]


def test_self_support_sets_the_exit_fact_ends_trin3_without_override_and_starts_efterværn(world, in_trin3):
    viewer = Viewer.of(world.jk)
    before = citizen_summary(world.db, in_trin3.id, TODAY, viewer=viewer)
    assert before.citizen.step == "trin3" and not before.evaluation.all_met
    assert open_tasks(world.db, in_trin3.id)  # the project's cadence tasks

    saved = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="job_fuldtid", outcome_date="2.11.2026",
                           note="Fastansat som lagermedarbejder")  # fmt: skip

    assert saved.self_supporting and saved.aftercare_tasks == 3
    after = citizen_summary(world.db, in_trin3.id, TODAY, viewer=viewer)
    assert after.citizen.self_supporting and after.evaluation.all_met
    tasks = open_tasks(world.db, in_trin3.id)
    # Only efterværn is left (the project's cadence stops for a self-supporting citizen): monthly for
    # 3 months from 02.11.2026, each on the next working day (02.01.2027 is a Saturday).
    assert [(t.rule, t.kind, t.due_date) for t in tasks] == [
        (RULE_AFTERCARE, "eftervaern", date(2026, 12, 2)),
        (RULE_AFTERCARE, "eftervaern", date(2027, 1, 4)),
        (RULE_AFTERCARE, "eftervaern", date(2027, 2, 2)),
    ]
    assert {t.assignee_id for t in tasks} == {world.jf.id}
    with world.db.session() as session:
        row = session.get(CitizenOutcome, saved.outcome_id)
        event = session.scalars(select(Event).where(Event.citizen_id == in_trin3.id, Event.kind == "udfald")).one()
    assert (row.outcome, row.outcome_date, row.recorded_by) == ("job_fuldtid", date(2026, 11, 2), world.jf.id)
    assert event.subject_id == row.id and "Ordinært job, fuld tid" in event.summary
    decision = advance_step(world.db, world.jf.id, in_trin3.id)  # no override needed any more
    assert decision.allowed and not decision.overridden


def test_a_later_outcome_without_self_support_ends_it_and_removes_open_efterværn(world, in_trin3):
    record_outcome(world.db, world.jf.id, in_trin3.id, outcome="uddannelse", outcome_date="01.10.2026")
    assert len(open_tasks(world.db, in_trin3.id)) == 3
    saved = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="anden_ydelse", outcome_date="20.11.2026")
    assert not saved.self_supporting
    with world.db.session() as session:
        assert not session.get(Citizen, in_trin3.id).self_supporting
    assert RULE_AFTERCARE not in {t.rule for t in open_tasks(world.db, in_trin3.id)}
    assert open_tasks(world.db, in_trin3.id)  # back in the project's cadence


def test_an_older_outcome_recorded_late_does_not_replace_the_current_one(world, in_trin3):
    record_outcome(world.db, world.jf.id, in_trin3.id, outcome="job_deltid", outcome_date="20.11.2026")
    saved = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="fraflyttet", outcome_date="01.06.2026")
    assert saved.self_supporting and "senere dato" in saved.message


def test_a_correction_replaces_the_outcome_and_its_event(world, in_trin3):
    wrong = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="job_fuldtid", outcome_date="20.11.2026")
    fixed = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="fleksjob", outcome_date="20.11.2026",
                           corrects_id=wrong.outcome_id)  # fmt: skip
    assert not fixed.self_supporting
    assert RULE_AFTERCARE not in {t.rule for t in open_tasks(world.db, in_trin3.id)}
    with world.db.session() as session:
        first, second = session.scalars(
            select(Event).where(Event.kind == "udfald").order_by(Event.recorded_at, Event.summary.desc())
        ).all()
        assert second.corrects_id == first.id or first.corrects_id == second.id


def test_an_outcome_already_corrected_cannot_be_corrected_again(world, in_trin3):
    """A correction replaces one outcome once: two corrections of the same row would leave two «current» ones."""
    wrong = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="job_fuldtid", outcome_date="20.11.2026")
    record_outcome(world.db, world.jf.id, in_trin3.id, outcome="fleksjob", outcome_date="20.11.2026",
                   corrects_id=wrong.outcome_id)  # fmt: skip
    before = counts(world.db)
    with pytest.raises(ValidationError) as excinfo:
        record_outcome(world.db, world.jf.id, in_trin3.id, outcome="uddannelse", outcome_date="20.11.2026",
                       corrects_id=wrong.outcome_id)  # fmt: skip
    assert "allerede rettet" in excinfo.value.errors["corrects_id"]
    assert counts(world.db) == before


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (dict(outcome="lotterigevinst"), "outcome", "Ukendt udfald «lotterigevinst»"),
        (dict(outcome=""), "outcome", "Vælg et udfald"),
        (dict(outcome_date="01.01.2027"), "outcome_date", "ligger i fremtiden"),
        (dict(outcome_date="32.13"), "outcome_date", "Skriv fx"),
        (dict(outcome_date=""), "outcome_date", "Skriv datoen"),
        (dict(note="x" * 5000), "note", "for lang"),
        (dict(corrects_id="no-such-outcome"), "corrects_id", "findes ikke"),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_is_written(world, in_trin3, kwargs, field, message):
    values = dict(outcome="job_fuldtid", outcome_date="20.11.2026") | kwargs
    before = counts(world.db)
    with pytest.raises(ValidationError) as excinfo:
        record_outcome(world.db, world.jf.id, in_trin3.id, **values)
    assert message in excinfo.value.errors[field]
    assert counts(world.db) == before


@pytest.mark.parametrize(("role", "allowed"), [("boligsocial", False), ("leder", False), ("jobkonsulent", True)])
def test_permissions(world, in_trin3, role, allowed):
    actor = create_staff(world.db, initials="XX", name="Xenia", role=role, password=PASSWORD)
    before = counts(world.db)
    if allowed:
        record_outcome(world.db, actor.id, in_trin3.id, outcome="uddannelse", outcome_date="20.11.2026")
        assert counts(world.db)["citizen_outcomes"] == 1
    else:
        with pytest.raises(PermissionDenied, match="registrere udfald"):
            record_outcome(world.db, actor.id, in_trin3.id, outcome="uddannelse", outcome_date="20.11.2026")
        assert counts(world.db) == before


def test_efterværn_can_be_switched_off_in_the_rules(world, in_trin3, monkeypatch):
    from dataclasses import replace

    from aaben_raadgivning.domain.rules import load_rules
    from aaben_raadgivning.store.actions import outcomes

    monkeypatch.setattr(outcomes, "load_rules", lambda: replace(load_rules(), aftercare_months=0))
    saved = record_outcome(world.db, world.jf.id, in_trin3.id, outcome="job_fuldtid", outcome_date="20.11.2026")
    assert saved.self_supporting and saved.aftercare_tasks == 0

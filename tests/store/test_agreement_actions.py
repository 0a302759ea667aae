"""Agreement actions: drafts, activation with follow-up plan tasks (idempotent), finishing, breaking off
(with the citizen's step rule in the same transaction), renegotiation, delmål — rows, events, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.errors import ValidationError
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.security.permissions import PermissionDenied
from aaben_raadgivning.store.actions.agreements import (
    activate_agreement,
    add_agreement_sub_goal,
    break_off_agreement,
    finish_agreement,
    renegotiate_agreement,
    save_agreement,
)
from aaben_raadgivning.store.models import (
    Agreement,
    AuditEntry,
    ChangeLogEntry,
    Citizen,
    Event,
    FollowUpTask,
    SubGoal,
)
from aaben_raadgivning.store.queries.agreements import (
    agreement_detail,
    diff_versions,
    ordinary_trend,
)
from aaben_raadgivning.store.queries.viewer import Viewer
from support.agreement_input import agreement_input, make_citizen, make_company

TABLES = (Agreement, FollowUpTask, Event, ChangeLogEntry, AuditEntry, Citizen, SubGoal)


def counts(db) -> dict[str, int]:
    with db.session() as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def plan_tasks(db, citizen_id, *, live=True) -> list[FollowUpTask]:
    with db.session() as session:
        query = select(FollowUpTask).where(FollowUpTask.citizen_id == citizen_id, FollowUpTask.rule == "agreement_plan")
        if live:
            query = query.where(FollowUpTask.deleted_at.is_(None))
        return list(session.scalars(query.order_by(FollowUpTask.due_date)))


def get(db, model, row_id):
    with db.session() as session:
        return session.get(model, row_id)


@pytest.fixture
def setup(world):
    company, contact = make_company(world)
    citizen = make_citizen(world)
    return citizen, company, contact


def test_draft_has_no_tasks_and_may_be_incomplete(world, setup):
    citizen, company, contact = setup
    result = save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact, tasks="", contact_id=None),
        calendar=world.runtime.calendar,
    )
    agreement = get(world.db, Agreement, result.agreement.id)
    assert (agreement.status, agreement.version, agreement.tasks) == ("udkast", 1, "")
    assert '"praktik":[0,300,0,300,0,0,0]' in agreement.schedule
    assert plan_tasks(world.db, citizen.id) == []
    with world.db.session() as session:
        event = session.scalars(select(Event).where(Event.kind == "aftale")).one()
    assert event.summary == "Aftale om ordinære timer og praktik med Østergårds Bageri (udkast)"
    assert event.subject_id == agreement.id


def test_activation_needs_a_complete_agreement(world, setup):
    citizen, company, contact = setup
    result = save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact, tasks="", contact_id=None),
        calendar=world.runtime.calendar,
    )
    before = counts(world.db)
    with pytest.raises(ValidationError) as caught:
        activate_agreement(world.db, world.jf.id, result.agreement.id, calendar=world.runtime.calendar)
    assert caught.value.errors == {
        "tasks": "Beskriv arbejdsopgaverne.",
        "contact": "Vælg virksomhedens faste kontaktperson.",
    }
    assert counts(world.db) == before
    assert get(world.db, Agreement, result.agreement.id).status == "udkast"


def activate(world, setup, **changes):
    citizen, company, contact = setup
    result = save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact, **changes),
        calendar=world.runtime.calendar,
    )
    return activate_agreement(world.db, world.jf.id, result.agreement.id, calendar=world.runtime.calendar)


def test_activation_creates_the_plan_tasks(world, setup):
    citizen = setup[0]
    result = activate(world, setup)
    tasks = plan_tasks(world.db, citizen.id)
    # 1.12.2026–26.2.2027: weekly ×4, then every 2 weeks to 23.2
    assert [t.due_date for t in tasks] == [
        date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22), date(2026, 12, 29),
        date(2027, 1, 12), date(2027, 1, 26), date(2027, 2, 9), date(2027, 2, 23),
    ]  # fmt: skip
    assert result.tasks == 8
    first = tasks[0]
    assert (first.kind, first.assignee_id, first.agreement_id, first.status) == (
        "aftaleopfoelgning",
        world.jf.id,
        result.agreement.id,
        "open",
    )
    assert first.rule_key == f"agreement:{result.agreement.id}:0"
    assert first.id == derived_id(citizen.id, first.rule_key)
    assert first.reason == "Opfølgning på aftalen med Østergårds Bageri (besøg 1 af 8)"
    assert get(world.db, Agreement, result.agreement.id).status == "aktiv"


def test_saving_twice_gives_the_same_tasks(world, setup):
    citizen, company, contact = setup
    result = activate(world, setup)
    first = [(t.id, t.due_date) for t in plan_tasks(world.db, citizen.id)]
    before = counts(world.db)
    save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact),
        calendar=world.runtime.calendar,
        agreement_id=result.agreement.id,
    )
    assert [(t.id, t.due_date) for t in plan_tasks(world.db, citizen.id)] == first
    assert counts(world.db) == before  # nothing changed: no rows, no change log, no audit


def test_editing_the_plan_moves_open_tasks_keeps_done_ones_and_removes_the_rest(world, setup):
    citizen, company, contact = setup
    result = activate(world, setup)
    tasks = plan_tasks(world.db, citizen.id)
    with world.db.transaction() as tx:  # the first visit was done
        tx.update(tx.session.get(FollowUpTask, tasks[0].id), status="done", completed_at=tx.now)
    save_agreement(
        world.db, world.jf.id,
        agreement_input(world, citizen, company, contact, follow_up_plan="2 uger til 12 mdr", end_date="31.1.2027"),
        calendar=world.runtime.calendar, agreement_id=result.agreement.id,
    )  # fmt: skip
    live = plan_tasks(world.db, citizen.id)
    assert [(t.due_date, t.status) for t in live] == [
        (date(2026, 12, 8), "done"),  # done stays as it was (key 0)
        (date(2026, 12, 29), "open"),  # key 1 moved from 15.12 to 29.12
        (date(2027, 1, 12), "open"),  # key 2 moved from 22.12
        (date(2027, 1, 26), "open"),  # key 3 moved from 29.12
    ]
    assert [t.id for t in live[1:]] == [t.id for t in tasks[1:4]]  # moved, not new
    removed = [t for t in plan_tasks(world.db, citizen.id, live=False) if t.deleted_at is not None]
    assert len(removed) == 4 and all(t.status == "open" for t in removed)
    # back to the old plan: tombstoned tasks are revived, never duplicated
    save_agreement(
        world.db,
        world.jf.id,
        agreement_input(world, citizen, company, contact),
        calendar=world.runtime.calendar,
        agreement_id=result.agreement.id,
    )
    assert len(plan_tasks(world.db, citizen.id)) == 8
    assert len(plan_tasks(world.db, citizen.id, live=False)) == 8


def test_finish_removes_open_future_tasks(world, setup):
    citizen = setup[0]
    result = activate(world, setup)
    world.clock.advance(days=30)  # 24.12.2026: three visits are in the past
    finish_agreement(world.db, world.jf.id, result.agreement.id, "Forløbet gennemført")
    agreement = get(world.db, Agreement, result.agreement.id)
    assert (agreement.status, agreement.status_reason) == ("afsluttet", "Forløbet gennemført")
    assert [t.due_date for t in plan_tasks(world.db, citizen.id)] == [
        date(2026, 12, 8),
        date(2026, 12, 15),
        date(2026, 12, 22),
    ]
    with pytest.raises(ValidationError) as caught:
        finish_agreement(world.db, world.jf.id, result.agreement.id)
    assert caught.value.errors == {"status": "Kun en aktiv aftale kan afsluttes."}


def test_break_off_back_to_trin2_in_one_transaction(world, setup):
    citizen = setup[0]
    result = activate(world, setup)
    outcome = break_off_agreement(world.db, world.jf.id, result.agreement.id, reason="Borgeren blev syg", route="trin2")
    assert outcome.decision is not None and outcome.decision.to_step == "trin2"
    assert get(world.db, Citizen, citizen.id).step == "trin2"
    agreement = get(world.db, Agreement, result.agreement.id)
    assert (agreement.status, agreement.status_reason) == ("afbrudt", "Borgeren blev syg")
    assert plan_tasks(world.db, citizen.id) == []
    with world.db.session() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.citizen_id == citizen.id).order_by(Event.recorded_at, Event.id)
        ).all()
    assert kinds[-2:] == ["aftale", "trin"]


def test_break_off_to_rehab_needs_the_jobkonsulent_and_writes_nothing_when_refused(world, setup):
    citizen = setup[0]
    result = activate(world, setup)
    before = counts(world.db)
    with pytest.raises(PermissionDenied) as caught:
        break_off_agreement(world.db, world.jf.id, result.agreement.id, reason="Helbred", route="rehab")
    assert (
        caught.value.message == "Som jobformidler kan du ikke vurdere, at borgeren er i målgruppen for rehabilitering."
    )
    assert counts(world.db) == before
    assert get(world.db, Agreement, result.agreement.id).status == "aktiv"
    assert len(plan_tasks(world.db, citizen.id)) == 8
    outcome = break_off_agreement(world.db, world.jk.id, result.agreement.id, reason="Helbred", route="rehab")
    assert outcome.decision.route == "rehab"
    assert get(world.db, Citizen, citizen.id).route == "rehab"


@pytest.mark.parametrize(
    ("reason", "route", "errors"),
    [("", "trin2", {"reason"}), ("x", "", {"route"}), ("", "ukendt", {"reason", "route"})],
)
def test_break_off_validation(world, setup, reason, route, errors):
    result = activate(world, setup)
    with pytest.raises(ValidationError) as caught:
        break_off_agreement(world.db, world.jf.id, result.agreement.id, reason=reason, route=route)
    assert set(caught.value.errors) == errors


def test_break_off_for_a_citizen_in_trin2_changes_no_step(world):
    company, contact = make_company(world)
    citizen = make_citizen(world, step="trin2")
    result = activate(world, (citizen, company, contact))
    outcome = break_off_agreement(
        world.db, world.jf.id, result.agreement.id, reason="Virksomheden lukkede", route="trin2"
    )
    assert outcome.decision is None
    assert get(world.db, Citizen, citizen.id).step == "trin2"


def test_renegotiation(world, setup):
    citizen, company, contact = setup
    result = activate(world, setup)
    old_tasks = plan_tasks(world.db, citizen.id)
    world.clock.advance(days=30)
    new = renegotiate_agreement(
        world.db, world.jf.id, result.agreement.id,
        agreement_input(world, citizen, company, contact, start_date="4.1.2027", end_date="30.4.2027",
                        praktik_assessment="Konkret vurdering: mere oplæring i bageriet",
                        schedule={"ordinary": ["4", "", "4"], "praktik": ["", "4"]}),
        calendar=world.runtime.calendar,
    ).agreement  # fmt: skip
    old = get(world.db, Agreement, result.agreement.id)
    assert (old.status, old.status_reason) == ("afsluttet", "genforhandlet")
    assert (new.version, new.previous_id, new.status) == (2, old.id, "aktiv")
    tasks = plan_tasks(world.db, citizen.id)
    # the chain's keys continue from the first start (1.12.2026); open visits before 4.1.2027 are dropped
    assert tasks[0].due_date == date(2027, 1, 12) and tasks[0].id == old_tasks[4].id
    assert all(t.agreement_id == new.id for t in tasks)
    assert [t.due_date for t in tasks][-2:] == [date(2027, 3, 23), date(2027, 4, 23)]
    detail = agreement_detail(world.db, new.id, viewer=Viewer.system())
    assert [v.version for v in detail.versions] == [1, 2]
    changes = {c.label: (c.old, c.new) for c in diff_versions(world.db, old, new)}
    assert changes["Ordinære timer"] == ("4 t/uge (ma 2 on 2)", "8 t/uge (ma 4 on 4)")
    assert changes["Start"] == ("01.12.2026", "04.01.2027")
    assert [p.ordinary_minutes for p in ordinary_trend(detail.versions)] == [240, 480]
    with pytest.raises(ValidationError) as caught:
        renegotiate_agreement(
            world.db,
            world.jf.id,
            old.id,
            agreement_input(world, citizen, company, contact),
            calendar=world.runtime.calendar,
        )
    assert caught.value.errors == {"status": "Kun en aktiv aftale kan genforhandles. Et udkast rettes bare."}


def test_renegotiation_counts_earlier_praktik_weeks(world, setup):
    citizen, company, contact = setup
    result = activate(world, setup)  # 1.12–26.2: 12 weeks and 4 days of praktik
    with pytest.raises(ValidationError) as caught:
        renegotiate_agreement(
            world.db, world.jf.id, result.agreement.id,
            agreement_input(world, citizen, company, contact, start_date="1.2.2027", end_date="31.3.2027"),
            calendar=world.runtime.calendar,
        )  # fmt: skip
    assert caught.value.errors == {
        "praktik_assessment": "Praktik ud over 13 uger kræver en skriftlig, konkret vurdering."
    }


def test_company_without_cvr_and_foreign_contact_are_refused(world, setup):
    citizen, company, contact = setup
    other, other_contact = make_company(world, cvr="25313763", name="Netto")
    with world.db.transaction() as tx:
        tx.update(tx.session.get(type(other), other.id), cvr="")
    before = counts(world.db)
    with pytest.raises(ValidationError) as caught:
        save_agreement(
            world.db,
            world.jf.id,
            agreement_input(world, citizen, other, other_contact),
            calendar=world.runtime.calendar,
        )
    assert caught.value.errors == {"company": "Virksomheden har intet CVR-nummer. Ret virksomheden først (tast r)."}
    with pytest.raises(ValidationError) as caught:
        save_agreement(
            world.db,
            world.jf.id,
            agreement_input(world, citizen, company, other_contact),
            calendar=world.runtime.calendar,
        )
    assert caught.value.errors == {
        "contact": "Kontaktpersonen er ikke (længere) ansat hos virksomheden. Vælg en anden."
    }
    assert counts(world.db) == before


def test_closed_agreement_cannot_be_edited(world, setup):
    citizen, company, contact = setup
    result = activate(world, setup)
    finish_agreement(world.db, world.jf.id, result.agreement.id)
    with pytest.raises(ValidationError) as caught:
        save_agreement(
            world.db,
            world.jf.id,
            agreement_input(world, citizen, company, contact),
            calendar=world.runtime.calendar,
            agreement_id=result.agreement.id,
        )
    assert "afsluttet og kan ikke ændres" in caught.value.errors["status"]


def test_course_sub_goal(world, setup):
    result = activate(world, setup)
    goal = add_agreement_sub_goal(
        world.db, world.jf.id, result.agreement.id, "Møde til tiden tre dage i træk", calendar=world.runtime.calendar
    )
    assert get(world.db, SubGoal, goal.id).agreement_id == result.agreement.id
    assert [g.text for g in agreement_detail(world.db, result.agreement.id, viewer=Viewer.system()).sub_goals] == [
        "Møde til tiden tre dage i træk"
    ]


def test_citizen_agreements_newest_first(world, setup):
    from aaben_raadgivning.store.queries.agreements import citizen_agreements

    citizen, company, contact = setup
    result = activate(world, setup)
    world.clock.advance(days=30)
    renegotiate_agreement(
        world.db, world.jf.id, result.agreement.id,
        agreement_input(world, citizen, company, contact, start_date="4.1.2027", end_date="26.2.2027", schedule={"ordinary": ["6"]},
                        course_kind="ordinaere_timer"),
        calendar=world.runtime.calendar,
    )  # fmt: skip
    listed = citizen_agreements(world.db, citizen.id, viewer=Viewer.system())
    assert [(a.version, a.status, a.company_name, a.ordinary_minutes) for a in listed] == [
        (2, "aktiv", "Østergårds Bageri", 360),
        (1, "afsluttet", "Østergårds Bageri", 240),
    ]


def derived_open(db, citizen_id) -> set[str]:
    with db.session() as session:
        return set(
            session.scalars(
                select(FollowUpTask.rule).where(
                    FollowUpTask.citizen_id == citizen_id,
                    FollowUpTask.rule != "agreement_plan",
                    FollowUpTask.status == "open",
                    FollowUpTask.deleted_at.is_(None),
                )
            )
        )


def test_the_course_start_and_end_recompute_the_monthly_contact_rule(world, setup):
    """Activating an agreement starts a company course, so the monthly-contact rule applies from then on;
    finishing it ends the rule's open task (the plan's own visits are handled separately)."""
    citizen = setup[0]
    assert "monthly_contact" not in derived_open(world.db, citizen.id)
    result = activate(world, setup)
    assert "monthly_contact" in derived_open(world.db, citizen.id)
    finish_agreement(world.db, world.jf.id, result.agreement.id, "Forløbet gennemført")
    assert "monthly_contact" not in derived_open(world.db, citizen.id)

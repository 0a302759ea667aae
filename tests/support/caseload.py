"""A small caseload for the follow-up queue's UI tests: tasks overdue, today, this week and later."""

from __future__ import annotations

from datetime import date, datetime

from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_record import (
    assign_jobformidler,
    record_visitation,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.models import Agreement, Company, FollowUpTask


def _in_project(world, name: str, since: date, area: str):
    now = to_local(world.clock.utc).date()
    world.clock.advance(days=(since - now).days)
    citizen = create_citizen(world.db, world.jk.id, name=name, housing_area=area)
    update_base_data(world.db, world.jk.id, citizen.id, benefit_since=since)  # (LAB § 31 counts from it)
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    assign_jobformidler(world.db, world.jk.id, citizen.id, world.jf.id)
    world.clock.advance(days=(now - since).days)
    return citizen


def fill_caseload(world) -> dict[str, object]:
    """Fixed "today" is Tue 24.11.2026."""
    ole = _in_project(world, "Ole Berg", date(2026, 11, 16), "Motalavej")  # lab31:1 due 23.11 (overdue)
    amina = _in_project(world, "Amina Hussein", date(2026, 10, 1), "Motalavej")
    add_event(world.db, world.jf.id, amina.id, kind="jobsamtale", summary="Jobsamtale",
              occurred_at=datetime(2026, 10, 27, 10, 0))  # fmt: skip
    record_no_show(
        world.db, world.jf.id, amina.id, calendar=world.runtime.calendar, occurred_at=datetime(2026, 11, 23, 9)
    )
    mette = _in_project(world, "Mette Jensen", date(2026, 5, 4), "Ringparken")
    add_event(
        world.db, world.jf.id, mette.id, kind="telefon", summary="Ringet", occurred_at=datetime(2026, 11, 2, 10, 0)
    )
    with world.db.transaction() as tx:
        netto = tx.add(Company(cvr="12345678", name="Netto Slagelse", created_at=tx.now))
        agreement = tx.add(Agreement(citizen_id=mette.id, company_id=netto.id, course_kind="ordinaere_timer",
                                     status="aktiv", start_date=date(2026, 9, 1), created_at=tx.now))  # fmt: skip
        tx.add(FollowUpTask(citizen_id=mette.id, kind="aftaleopfoelgning", rule="agreement_plan",
                            rule_key=f"agreement:{agreement.id}:3", agreement_id=agreement.id,
                            reason="Opfølgningsbesøg 3 efter aftalens plan", due_date=date(2026, 11, 26),
                            assignee_id=world.jf.id, status="open", created_at=tx.now))  # fmt: skip
    return {"ole": ole, "amina": amina, "mette": mette, "agreement": agreement}

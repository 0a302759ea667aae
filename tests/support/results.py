"""A small hand-built world for the results screen (F6): October and November 2026, the clock back at the
tests' «today» (24.11.2026 10:15) afterwards.

    Anna (Vestparken)  visited 05.10.2026; samtale 10.10, udeblivelse 12.10, samtale 20.10 (by JK)
    Bo (Nørrebro)      visited 15.10.2026; samtale 16.10 (by JF)
    Erik (Vestparken)  visited 05.11.2026; samtale 10.11 (by JK)

October: inflow 2, fremmøde 3 of 4 = 75 % (goal 70 %: met); Vestparken alone 2 of 3 = 66,7 % (missed).
November: inflow 1, fremmøde 1 of 1 = 100 %.
"""

from __future__ import annotations

from datetime import datetime

from aaben_raadgivning.domain.clock import to_utc
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.actions.citizen_record import record_visitation
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from support.clock import LOCAL_NOW, PASSWORD


def _at(world, *when: int) -> None:
    world.clock.utc = to_utc(datetime(*when))


def fill_results(world) -> dict[str, str]:
    """The world above; returns the citizens' ids by first name."""
    create_staff(world.db, initials="LE", name="Lene Eriksen", role="leder", password=PASSWORD)
    create_staff(world.db, initials="BS", name="Bo Bolig", role="boligsocial", password=PASSWORD)
    ids: dict[str, str] = {}

    def visit(name: str, area: str, *when: int) -> str:
        _at(world, *when)
        citizen = create_citizen(world.db, world.jk.id, name=name, housing_area=area)
        record_visitation(world.db, world.jk.id, citizen.id, "projekt")
        ids[name.split()[0]] = citizen.id
        return citizen.id

    def talk(citizen_id: str, staff, *when: int) -> None:
        _at(world, *when[:3], 15)
        add_event(world.db, staff.id, citizen_id, kind="samtale", summary="Samtale", occurred_at=datetime(*when))

    anna = visit("Anna Andersen", "Vestparken", 2026, 10, 5, 9)
    talk(anna, world.jk, 2026, 10, 10, 10)
    _at(world, 2026, 10, 12, 15)
    record_no_show(world.db, world.jk.id, anna, calendar=WorkdayCalendar(), occurred_at=datetime(2026, 10, 12, 10))
    talk(anna, world.jk, 2026, 10, 20, 10)
    bo = visit("Bo Berg", "Nørrebro", 2026, 10, 15, 9)
    talk(bo, world.jf, 2026, 10, 16, 10)
    erik = visit("Erik Eriksen", "Vestparken", 2026, 11, 5, 9)
    talk(erik, world.jk, 2026, 11, 10, 10)
    world.clock.utc = to_utc(LOCAL_NOW)
    return ids

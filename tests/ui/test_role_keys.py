"""Roles mirrored in the keys of F2 (the counter), F4 (companies and the agreement editor) and F5 (the
follow-up queue): a key whose action the role may not do (assets/permissions.toml) is not in the footer, and
pressed anyway it says why in Danish and nothing lands in the database. The store refuses the action too
(tests/security/test_permission_matrix.py); this is the UI's half."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from textual.widgets._footer import FooterKey

from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.actions.follow_ups import FollowUpRequest, add_manual_follow_up
from aaben_raadgivning.store.actions.staff import create_staff
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Company,
    CompanyContact,
    FollowUpTask,
    SubGoal,
    WalkIn,
    WalkInTransition,
)
from aaben_raadgivning.ui.app import AabenApp
from aaben_raadgivning.ui.screens.agreement_editor import AgreementEditor
from aaben_raadgivning.ui.screens.agreements import AgreementsScreen
from aaben_raadgivning.ui.screens.counter import CounterScreen
from aaben_raadgivning.ui.screens.follow_up_queue import FollowUpQueueScreen
from support.agreements import citizen_with_agreement
from support.clock import LOCAL_NOW, PASSWORD
from support.pilot import login, screen_text, type_text, wait_for_text

SIZE = (160, 40)  # wide: every key fits the footer, and a refusal fits its toast
COUNTER_KEYS = {"Ny borger": "ctrl+n", "Anonym": "ctrl+r", "Tag næste": "ctrl+t", "Afslut henv.": "ctrl+o"}
COMPANY_KEYS = {"Ny virksomhed": "n", "Ret virksomhed": "r", "Kontaktpersoner": "k", "Ny aftale": "a"}
EDITOR_KEYS = {"Gem": "ctrl+s", "Afbryd": "f8", "Afslut": "f7", "Genforhandl": "f9", "Nyt delmål": "ctrl+d",
               "Timer": "f10"}  # fmt: skip
QUEUE_KEYS = {"Udfør": "u", "Flyt frist": "f", "Giv videre": "g", "Ny opgave": "n"}


def _world(world):
    """A leder and a boligsocial medarbejder; a citizen waiting at the counter, with an active agreement
    with Bilka Tilst and an open follow-up task (the jobformidler's)."""
    create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    create_staff(world.db, initials="BM", name="Bente Madsen", role="boligsocial", password=PASSWORD)
    citizen, _company, _contact, agreement = citizen_with_agreement(world)
    register_walk_in(world.db, world.jk.id, reason=_reason(), citizen_id=citizen.id)
    add_manual_follow_up(world.db, world.jk.id, citizen.id,
                         FollowUpRequest(due_date=date(2026, 11, 26), assignee_id=world.jf.id, reason="Ring til Amina"))  # fmt: skip
    return citizen, agreement


def _reason() -> str:
    from aaben_raadgivning.domain.reference import load_reference

    return load_reference().walk_in_reasons.active()[0].code


def state(db) -> dict[str, object]:
    """What the keys under test could change: counts of the rows they add, and the agreements' and tasks'
    states."""
    with db.session() as session:
        counted = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Citizen, WalkIn, WalkInTransition, Company, CompanyContact, Agreement, SubGoal, FollowUpTask)
        }
        counted["agreements"] = sorted(session.execute(select(Agreement.id, Agreement.status, Agreement.tasks)).all())
        counted["tasks"] = sorted(
            session.execute(select(FollowUpTask.id, FollowUpTask.status, FollowUpTask.due_date,
                                   FollowUpTask.assignee_id)).all()
        )  # fmt: skip
    return counted


def footer(app) -> set[str]:
    """The labels of the keys the footer offers."""
    return {key.description for key in app.screen.query(FooterKey)}


def notified(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def refused(pilot, key: str, message: str, screen_type: type) -> None:
    """Press ``key``: the Danish refusal shows (a toast titled «Ikke tilladt»; its text may wrap on the
    screen, so the message is read from the notification), no dialog opens, the screen stays."""
    await pilot.press(key)
    await wait_for_text(pilot, "Ikke tilladt")
    assert notified(pilot.app) == [message]
    assert type(pilot.app.screen) is screen_type, pilot.app.screen
    pilot.app.clear_notifications()
    await pilot.pause()


async def _counter(pilot, initials: str) -> None:
    await login(pilot, initials)
    await pilot.press("f2")
    await wait_for_text(pilot, "Amina Hussein")  # the queue is read
    assert isinstance(pilot.app.screen, CounterScreen)


async def test_a_leder_is_offered_no_counter_key_and_a_pressed_one_says_why(world):
    _world(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _counter(pilot, "LE")
        before = state(world.db)
        shown = footer(app)
        assert "Åbn borger" in shown  # reading stays
        assert shown.isdisjoint(COUNTER_KEYS), shown & set(COUNTER_KEYS)
        assert not any(label in screen_text(app) for label in ("Tag næste", "Afslut henv.", "Ny borger"))
        await refused(pilot, "ctrl+t", "Som leder kan du ikke behandle en henvendelse.", CounterScreen)
        await refused(pilot, "ctrl+o", "Som leder kan du ikke behandle en henvendelse.", CounterScreen)
        await refused(pilot, "ctrl+n", "Som leder kan du ikke oprette en borger.", CounterScreen)
        await refused(pilot, "ctrl+r", "Som leder kan du ikke registrere en henvendelse.", CounterScreen)
        # Picking a citizen in the search would register an arrival: refused before the reason is asked.
        await type_text(pilot, "Amina")
        await wait_for_text(pilot, "Amina Hussein  · ")  # the hit
        await refused(pilot, "enter", "Som leder kan du ikke registrere en henvendelse.", CounterScreen)
        assert state(world.db) == before


async def test_a_boligsocial_medarbejder_works_the_counter(world):
    """The counter is theirs: every key is offered, and taking the next one works."""
    _world(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _counter(pilot, "BM")
        assert set(COUNTER_KEYS) <= footer(app)
        before = state(world.db)["WalkInTransition"]
        await pilot.press("ctrl+t")
        await wait_for_text(pilot, "Du hjælper nu Amina Hussein")
        assert state(world.db)["WalkInTransition"] == before + 1


async def _company(pilot, initials: str) -> None:
    await login(pilot, initials)
    await pilot.press("f4")
    await pilot.pause()
    await type_text(pilot, "Bilka")
    await pilot.pause()
    await pilot.press("enter")  # the company is shown; the agreements table has focus
    await wait_for_text(pilot, "Søren Østergaard")
    assert isinstance(pilot.app.screen, AgreementsScreen)


async def test_on_f4_a_leder_and_a_boligsocial_medarbejder_get_no_company_or_agreement_keys(world):
    _world(world)
    for initials, role in (("LE", "leder"), ("BM", "boligsocial medarbejder")):
        app = AabenApp(world.runtime)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await _company(pilot, initials)
            before = state(world.db)
            shown = footer(app)
            assert shown.isdisjoint(COMPANY_KEYS), (role, shown & set(COMPANY_KEYS))
            assert not any(label in screen_text(app) for label in COMPANY_KEYS), role
            await refused(pilot, "a", f"Som {role} kan du ikke skrive eller ændre aftaler.", AgreementsScreen)
            await refused(pilot, "n", f"Som {role} kan du ikke oprette eller ændre virksomheder.", AgreementsScreen)
            await refused(pilot, "k", f"Som {role} kan du ikke oprette eller ændre virksomheder.", AgreementsScreen)
            assert state(world.db) == before


async def test_on_f4_a_jobformidler_gets_every_company_and_agreement_key(world):
    _world(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _company(pilot, "JF")
        assert set(COMPANY_KEYS) <= footer(app)


async def test_a_leder_reads_an_agreement_and_may_print_it_but_not_change_it(world):
    _world(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _company(pilot, "LE")
        await pilot.press("enter")  # open the agreement: a read
        await wait_for_text(pilot, "Aftale · version 1")
        assert isinstance(app.screen, AgreementEditor)
        await pilot.pause()
        before = state(world.db)
        shown = footer(app)
        assert {"Udskriv", "Luk"} <= shown  # a leder may print an agreement (export_agreement)
        assert shown.isdisjoint(EDITOR_KEYS), shown & set(EDITOR_KEYS)
        message = "Som leder kan du ikke skrive eller ændre aftaler."
        for key in ("ctrl+s", "f8", "f7", "f9"):
            await refused(pilot, key, message, AgreementEditor)
        await refused(pilot, "ctrl+d", "Som leder kan du ikke oprette eller vurdere delmål.", AgreementEditor)
        await refused(pilot, "f10", "Som leder kan du ikke registrere timer.", AgreementEditor)
        assert state(world.db) == before
        # Read only: no field takes typing that could never be saved, and the title says why.
        await wait_for_text(pilot, "kun visning: din rolle kan ikke ændre aftaler")
        fields = list(app.screen.query("Input, TextArea, Select"))
        assert fields and all(field.disabled for field in fields)


async def _queue(pilot, initials: str) -> None:
    await login(pilot, initials)
    await pilot.press("f5")
    await wait_for_text(pilot, "Opfølgning · ")
    assert isinstance(pilot.app.screen, FollowUpQueueScreen)
    await pilot.press("m")  # every colleague's tasks, not only one's own
    await wait_for_text(pilot, "Ring til Amina")


async def test_on_f5_a_leder_and_a_boligsocial_medarbejder_see_the_tasks_but_get_no_task_keys(world):
    citizen, _agreement = _world(world)
    # With samtykke to «forløb» a boligsocial medarbejder reads the citizen's tasks: still no key to work them.
    register_consent(world.db, world.jk.id, citizen.id, categories=["kontakt", "forloeb"], given_how="skriftligt",
                     given_on=LOCAL_NOW.date())  # fmt: skip
    for initials, role in (("LE", "leder"), ("BM", "boligsocial medarbejder")):
        app = AabenApp(world.runtime)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await _queue(pilot, initials)
            before = state(world.db)
            shown = footer(app)
            assert "Borger" in shown  # opening the citizen is a read
            assert shown.isdisjoint(QUEUE_KEYS), (role, shown & set(QUEUE_KEYS))
            for key in QUEUE_KEYS.values():
                await refused(pilot, key, f"Som {role} kan du ikke arbejde med opfølgning.", FollowUpQueueScreen)
            assert state(world.db) == before


async def test_on_f5_a_jobformidler_gets_every_task_key(world):
    _world(world)
    app = AabenApp(world.runtime)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _queue(pilot, "JF")
        assert set(QUEUE_KEYS) <= footer(app)

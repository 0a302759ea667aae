"""Realistic, fictional Danish demo data: staff, an office, citizens, walk-ins, timeline events, follow-ups.

Two uses: trying the app (a few hundred citizens and a live-looking queue today) and load tests
(100 000 citizens, a million events). For the latter, rows go in as bulk Core inserts in batches,
each with its change-log "insert" entry carrying the same JSON ``rows.row_dict`` would give, so demo
data syncs and passes ``check`` exactly like data typed in at the counter. Every name, number and
company is made up; the CPR numbers are generated, not looked up.
"""

from __future__ import annotations

import random
import time as time_module
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from aaben_raadgivning.demo.bulk import BATCH_ROWS, BulkWriter
from aaben_raadgivning.demo.companies import write_companies_and_agreements
from aaben_raadgivning.demo.follow_ups import with_derived_follow_ups
from aaben_raadgivning.demo.texts import (
    ANONYMOUS_NOTES,
    ARRIVAL_NOTES,
    CANCEL_NOTES,
    DETAILS,
    EVENT_TEXTS,
    EVENT_WEIGHTS,
    FIRST_EVENTS,
    FOLLOW_UPS,
    INTERNATIONAL_NAMES,
    JOBS,
    OUTCOMES,
    PHONE_PATTERNS,
    WALK_IN_FOLLOW_UP,
    WALK_IN_REASON_WEIGHTS,
)
from aaben_raadgivning.demo.world import Clock, World, default_open_hours, thousands, weighted
from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.cpr import generate_cpr
from aaben_raadgivning.domain.open_hours import OpenHours
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.step_models import DEFAULT_STEP_MODEL
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.security.passwords import hash_password
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    Office,
    Staff,
)
from aaben_raadgivning.store.search_index import index_many

DEMO_PASSWORD = "demo1234"
DEMO_STAFF = (
    ("JK", "Jette Kristensen", "jobkonsulent"),
    ("JF", "Jakob Frederiksen", "jobformidler"),
    ("BM", "Bashir Mahmoud", "boligsocial"),
    ("LE", "Lene Eriksen", "leder"),
)
DEMO_OFFICE = "Fremskudt Jobcenter Vibeholmparken"
DEMO_HOUSING_AREA = "Vibeholmparken"

# Upper bounds for a demo: a large municipality's caseload over ten years (more is a typo, or days of work).
MAX_CITIZENS = 1_000_000
MAX_DAYS = 3_650
MAX_EVENTS_PER_CITIZEN = 1_000
CITIZENS_PER_TX = 2_000  # citizens (with their events) per transaction


ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class DemoSummary:
    offices: int
    staff: int
    citizens: int
    walk_ins: int
    walk_in_transitions: int
    events: int
    follow_ups: int
    seconds: float
    companies: int = 0
    agreements: int = 0
    hours_reports: int = 0


# --- the generators ---------------------------------------------------------------------------


def _ensure_staff_and_office(db: Database) -> tuple[dict[str, str], str, str, int, int]:
    """The fixed demo staff and the office, created only if absent. One scrypt hash serves all demo staff."""
    created_staff = created_office = 0
    with db.transaction() as tx:
        existing = dict(tx.session.execute(select(Staff.initials, Staff.id).where(Staff.deleted_at.is_(None))).all())
        password_hash = None
        for initials, name, role in DEMO_STAFF:
            if initials in existing:
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            staff = tx.add(
                Staff(initials=initials, name=name, role=role, password_hash=password_hash, active=True,
                      created_at=tx.now)
            )  # fmt: skip
            existing[initials] = staff.id
            created_staff += 1
        office = tx.session.scalar(
            select(Office).where(Office.deleted_at.is_(None)).order_by(Office.created_at).limit(1)
        )
        if office is None:
            office = tx.add(Office(name=DEMO_OFFICE, housing_area=DEMO_HOUSING_AREA, created_at=tx.now))
            created_office = 1
        housing_area = office.housing_area or DEMO_HOUSING_AREA
        return existing, office.id, housing_area, created_staff, created_office


def _citizen(world: World, used_cprs: set[str]) -> dict[str, Any]:
    rng, fake = world.rng, world.fake
    sex = "M" if rng.random() < 0.5 else "K"
    if rng.random() < 0.45:
        male, female, last = INTERNATIONAL_NAMES[int(rng.random() * len(INTERNATIONAL_NAMES))]
        name = f"{world.pick(male if sex == 'M' else female)} {world.pick(last)}"
        international = True
    else:
        first = fake.first_name_male() if sex == "M" else fake.first_name_female()
        middle = f" {fake.last_name()}" if rng.random() < 0.25 else ""
        name = f"{first}{middle} {fake.last_name()}"
        international = False
    birth_date = world.today - timedelta(days=rng.randint(18 * 365 + 5, 65 * 365 - 5))
    cpr = None
    if rng.random() >= 0.15:
        while True:  # a CPR number belongs to one person
            digits = generate_cpr(birth_date, sex, rng, modulus11=rng.random() >= 0.04).replace("-", "")
            if digits not in used_cprs:
                used_cprs.add(digits)
                cpr = digits
                break
    # Danish numbers are 8 digits not starting with 0 or 1 (Faker's own formats include impossible ones).
    phone = fake.numerify(world.pick(PHONE_PATTERNS)) if rng.random() >= 0.30 else None
    # Known to the office before the demo window starts, so every event comes after creation.
    created_local = datetime.combine(
        world.first_day - timedelta(days=rng.randint(1, 900)), time(8, rng.randint(0, 59))
    ) + timedelta(hours=rng.randint(0, 6))
    roll = rng.random()
    benefit: str | None
    if international and roll < 0.35:
        benefit = "integrationsydelse"
    elif created_local.date() < date(2025, 7, 1) and roll < 0.45:
        benefit = "uddannelseshjaelp"  # retired from 1 Jul 2025; old records keep it
    else:
        benefit = rng.choices(("kontanthjaelp", "selvforsorgelse", "andet", None), (80, 6, 6, 8))[0]
    readiness = rng.choices(("aktivitetsparat", "jobparat", None), (80, 15, 5))[0]
    return {
        "name": name,
        "cpr": cpr,
        "birth_date": birth_date if cpr else (birth_date if rng.random() < 0.3 else None),
        "sex": sex if cpr else None,
        "phone": phone,
        "benefit_type": benefit,
        "readiness": readiness,
        "housing_area": world.housing_area,
        "office_id": world.office_id,
        "jobkonsulent_id": world.staff.get("JK") if readiness == "aktivitetsparat" else None,
        "created_at": world.clock.utc(created_local),
    }


def _record_state(world: World, created: datetime) -> dict[str, Any]:
    """Where a visited citizen stands in the default step model (their first events are the visitation,
    the jobformidler and the job goal)."""
    rng = world.rng
    step = rng.choices(("trin1", "trin2", "trin3"), (50, 30, 20))[0]
    start = to_local(created).date() + timedelta(days=rng.randint(1, 30))
    return {
        "step_model": DEFAULT_STEP_MODEL,
        "step_model_version": 1,
        "step": step,
        "step_since": min(world.today, start + timedelta(days=rng.randint(0, 200))),
        "visitation": "projekt",
        "project_start": min(world.today, start),
        "jobformidler_id": world.staff.get("JF"),
        "job_goal": world.pick(JOBS),
        "cv_status": rng.choice(("mangler", "i_gang")) if step == "trin1" else "faerdig",
    }


def _events_for(world: World, citizen_id: str, count: int, choose_kind: Callable[[], str]) -> None:
    rng = world.rng
    if not world.work_days:
        return
    moments = sorted(
        datetime.combine(world.pick(world.work_days), time(8)) + timedelta(minutes=int(rng.random() * 450))
        for _ in range(count)
    )
    previous: str | None = None
    for index, local in enumerate(moments):
        kind = FIRST_EVENTS[index] if index < len(FIRST_EVENTS) else choose_kind()
        templates, writers = EVENT_TEXTS[kind]
        summary = world.fill(world.pick(templates))
        corrects = None
        if previous is not None and rng.random() < 0.003:
            kind, summary, corrects = "note", "Rettelse: forkert dato i det forrige notat", previous
        occurred = world.clock.utc(local)
        previous = world.writer.add(
            "events",
            citizen_id=citizen_id,
            kind=kind,
            occurred_at=occurred,
            recorded_at=occurred + timedelta(minutes=int(rng.random() * 90)),
            staff_id=world.staff.get(world.pick(writers)),
            summary=summary[:300],
            details=world.fill(world.pick(DETAILS)),
            corrects_id=corrects,
        )


def _follow_up(world: World, calendar: WorkdayCalendar, citizen_id: str) -> None:
    rng = world.rng
    kind, reason = FOLLOW_UPS[int(rng.random() * len(FOLLOW_UPS))]
    due = calendar.next_working_day(world.today + timedelta(days=rng.randint(-6, 21)))
    created = min(datetime.combine(due - timedelta(days=rng.randint(3, 30)), time(10)), world.now_local)
    assignee = world.staff.get("JF" if kind == "manuel" and rng.random() < 0.5 else "JK")
    world.writer.add(
        "follow_up_tasks",
        citizen_id=citizen_id,
        kind=kind,
        rule="manuel",
        reason=world.fill(reason),
        due_date=due,
        assignee_id=assignee,
        status="open",
        created_by=assignee,
        created_at=world.clock.utc(created),
    )


def _walk_in(
    world: World,
    citizen_ids: list[str],
    calendar: WorkdayCalendar,
    arrived: datetime,
    state: str,
    choose_reason: Callable[[], str],
    reason_labels: Callable[[str], str],
) -> None:
    """One walk-in (local times) ending in ``state``: finished, cancelled, in_progress or waiting."""
    rng, writer, utc = world.rng, world.writer, world.clock.utc
    reason = choose_reason()
    anonymous = not citizen_ids or rng.random() < 0.10
    citizen_id = None if anonymous else world.pick(citizen_ids)
    note = ANONYMOUS_NOTES[reason] if anonymous else world.pick(ARRIVAL_NOTES)
    walk_in_id = writer.add(
        "walk_ins",
        office_id=world.office_id,
        citizen_id=citizen_id,
        reason=reason,
        note=note,
        arrived_at=utc(arrived),
        registered_by=world.staff.get("BM" if rng.random() < 0.6 else "JK"),
    )
    if state == "waiting":
        return
    wait = timedelta(minutes=min(45, int(rng.expovariate(1 / 8))))
    if state == "cancelled":
        writer.add(
            "walk_in_transitions", walk_in_id=walk_in_id, kind="cancel", at=utc(min(arrived + wait, world.now_local)),
            staff_id=world.staff.get("BM"), note=world.pick(CANCEL_NOTES),
        )  # fmt: skip
        return
    started = min(arrived + wait, world.now_local)
    helper = world.staff.get(rng.choices(("JK", "JF", "BM"), (4, 3, 3))[0])
    writer.add("walk_in_transitions", walk_in_id=walk_in_id, kind="start", at=utc(started), staff_id=helper)
    if state == "in_progress":
        return
    finished = min(started + timedelta(minutes=rng.randint(5, 35)), world.now_local)
    outcome = world.pick(OUTCOMES[reason])
    writer.add(
        "walk_in_transitions", walk_in_id=walk_in_id, kind="finish", at=utc(finished), staff_id=helper, note=outcome
    )
    if anonymous and citizen_ids and rng.random() < 0.15:  # later recognised and linked
        citizen_id = world.pick(citizen_ids)
        linked = min(finished + timedelta(minutes=2), world.now_local)
        writer.add(
            "walk_in_transitions", walk_in_id=walk_in_id, kind="link", at=utc(linked), staff_id=helper,
            citizen_id=citizen_id,
        )  # fmt: skip
    if citizen_id is not None:  # the same timeline event finish_walk_in writes
        summary = f"{reason_labels(reason)}: {outcome}"
        writer.add(
            "events",
            citizen_id=citizen_id,
            kind="aaben_raadgivning",
            occurred_at=utc(arrived),
            recorded_at=utc(finished),
            staff_id=helper,
            summary=summary[:300],
            details="\n\n".join(part for part in (note if not anonymous else "", outcome) if part),
            walk_in_id=walk_in_id,
        )
    if (world.today - arrived.date()).days <= 10 and rng.random() < 0.08:
        due = calendar.add_working_days(arrived.date(), rng.randint(2, 5))
        writer.add(
            "follow_up_tasks",
            citizen_id=citizen_id,
            kind="tilbagemelding",
            rule="manuel",
            reason=WALK_IN_FOLLOW_UP.format(day=f"{arrived.day:02d}.{arrived.month:02d}"),
            due_date=due,
            assignee_id=helper,
            status="open",
            walk_in_id=walk_in_id,
            created_by=helper,
            created_at=utc(finished),
        )


def _arrivals(rng: random.Random, intervals: list[tuple[time, time]], day: date, count: int) -> list[datetime]:
    spans = [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in intervals]
    lengths = [(b - a).total_seconds() for a, b in spans]
    total = sum(lengths)
    moments = []
    for _ in range(count):
        offset = rng.random() * total
        for (start, _end), length in zip(spans, lengths, strict=True):
            if offset < length:
                moments.append(start + timedelta(seconds=int(offset) // 60 * 60))
                break
            offset -= length
    return sorted(moments)


def _today_queue(world: World) -> list[tuple[datetime, str]]:
    """A live-looking queue: some finished earlier today, one or two being helped, two or three waiting."""
    rng, now = world.rng, world.now_local
    day_start = datetime.combine(world.today, time.min)

    def ago(low: int, high: int) -> datetime:  # squeezed into today just after midnight
        return max(day_start, now - timedelta(minutes=rng.randint(low, high)))

    queue = [(ago(60, 200), "finished") for _ in range(rng.randint(3, 5))]
    queue.append((ago(40, 90), "cancelled"))
    queue += [(ago(12, 35), "in_progress") for _ in range(rng.randint(1, 2))]
    queue += [(ago(1, 11), "waiting") for _ in range(rng.randint(2, 3))]
    return sorted(queue)


@contextmanager
def _bulk_session(db: Database) -> Iterator[Callable[[], AbstractContextManager[Session]]]:
    """Transactions on one connection with ``synchronous=NORMAL``: in WAL mode still all-or-nothing
    per transaction, but without an fsync per commit. Fictional data may lose its last chunk on a
    power cut; real data never goes through here. The connection's setting is restored after."""
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA synchronous=NORMAL")  # not allowed inside a transaction; none is open yet

        @contextmanager
        def transaction() -> Iterator[Session]:
            with Session(bind=connection) as session, session.begin():
                yield session

        try:
            yield transaction
        finally:
            if connection.in_transaction():
                connection.rollback()
            raw.execute("PRAGMA synchronous=FULL")


def _write_citizens(
    world: World, transaction: Callable[[], AbstractContextManager[Session]], citizens: int,
    events_per_citizen: float, calendar: WorkdayCalendar, report: ProgressFn,
) -> list[str]:  # fmt: skip
    """Citizens with their timelines and some open follow-ups, a transaction per chunk."""
    rng, writer = world.rng, world.writer
    choose_kind = weighted(rng, EVENT_WEIGHTS)
    citizen_ids: list[str] = []
    used_cprs: set[str] = set()
    max_events = max(1, int(events_per_citizen * 10))
    for chunk_start in range(0, citizens, CITIZENS_PER_TX):
        chunk_end = min(citizens, chunk_start + CITIZENS_PER_TX)
        with transaction() as session:
            search_rows = []
            for _ in range(chunk_start, chunk_end):
                values = _citizen(world, used_cprs)
                count = 0
                if events_per_citizen:  # a long tail: most have a few events, some have many
                    count = min(max_events, int(rng.expovariate(1 / events_per_citizen) + 0.5))
                if count >= len(FIRST_EVENTS):
                    values.update(_record_state(world, values["created_at"]))
                citizen_id = writer.add("citizens", **values)
                if values.get("step") in ("trin2", "trin3"):
                    world.course_citizens.append((citizen_id, values["step"]))
                citizen_ids.append(citizen_id)
                search_rows.append((citizen_id, values["name"], values["cpr"], values["phone"]))
                if count:
                    _events_for(world, citizen_id, count, choose_kind)
                if rng.random() < 0.05:
                    _follow_up(world, calendar, citizen_id)
                if writer.pending >= BATCH_ROWS:
                    writer.flush(session)
            writer.flush(session)
            index_many(session, search_rows)
        done = f"{thousands(chunk_end)} af {thousands(citizens)}"
        report(0.9 * chunk_end / max(citizens, 1), f"Borgere og hændelser: {done}")
    return citizen_ids


def _write_walk_ins(
    world: World, session: Session, citizen_ids: list[str], window: list[date], open_hours: OpenHours,
    calendar: WorkdayCalendar,
) -> None:  # fmt: skip
    """Walk-ins on the counter's open days (a few per day for a small office, up to 40), then today's queue."""
    rng, writer = world.rng, world.writer
    choose_reason = weighted(rng, WALK_IN_REASON_WEIGHTS)
    labels = load_reference().walk_in_reasons.label
    per_day = max(6, min(40, len(citizen_ids) // 20))
    for day in window:
        intervals = open_hours.intervals_on(day)
        if not intervals:
            continue
        count = max(1, int(per_day * (0.6 + 0.8 * rng.random())))
        for arrived in _arrivals(rng, intervals, day, count):
            state = "cancelled" if rng.random() < 0.06 else "finished"
            _walk_in(world, citizen_ids, calendar, arrived, state, choose_reason, labels)
        if writer.pending >= BATCH_ROWS:
            writer.flush(session)
    for arrived, state in _today_queue(world):
        _walk_in(world, citizen_ids, calendar, arrived, state, choose_reason, labels)
    writer.flush(session)


def generate_demo(
    db: Database,
    *,
    citizens: int = 300,
    days: int = 120,
    events_per_citizen: float = 6,
    seed: int = 1,
    today: date | None = None,
    progress: ProgressFn | None = None,
    open_hours: OpenHours | None = None,
    calendar: WorkdayCalendar | None = None,
) -> DemoSummary:
    """Fill ``db`` with fictional data over the past ``days`` days and a live queue today.

    Adds to what is there: the demo staff and the office are reused if present. ``open_hours``
    defaults to the default settings' hours, ``calendar`` to the standard Danish one.
    """
    for value, high, what in ((citizens, MAX_CITIZENS, "borgere"), (days, MAX_DAYS, "dage"),
                              (events_per_citizen, MAX_EVENTS_PER_CITIZEN, "hændelser pr. borger")):  # fmt: skip
        if not 0 <= value <= high:
            raise ValueError(f"Antal {what} skal være mellem 0 og {high:,}.".replace(",", "."))
    started_at = time_module.perf_counter()
    report = progress or (lambda _fraction, _step: None)
    calendar = calendar or WorkdayCalendar()
    open_hours = open_hours or default_open_hours(calendar)

    report(0.0, "Opretter medarbejdere og kontor …")
    staff, office_id, housing_area, created_staff, created_office = _ensure_staff_and_office(db)

    rng = random.Random(seed)
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    now_local = to_local(db.now())
    today = today or now_local.date()
    if now_local.date() != today:
        now_local = datetime.combine(today, time(10, 30))  # a chosen day: the queue is seen mid-morning
    first_day = today - timedelta(days=max(days, 1))
    window = [first_day + timedelta(days=i) for i in range((today - first_day).days)]
    streets = [fake.street_name() for _ in range(3)]
    world = World(
        rng=rng,
        fake=fake,
        writer=BulkWriter(db),
        clock=Clock(),
        staff=staff,
        office_id=office_id,
        housing_area=housing_area,
        today=today,
        first_day=first_day,
        now_local=now_local,
        work_days=[d for d in window if calendar.is_working_day(d)] or window,
        companies=[fake.company() for _ in range(60)],
        addresses=[f"{rng.choice(streets)} {rng.randint(1, 80)}, {rng.randint(0, 4)}. {rng.choice(('th', 'tv', 'mf'))}."
                   for _ in range(200)],
    )  # fmt: skip

    with _bulk_session(db) as transaction:
        citizen_ids = _write_citizens(world, transaction, citizens, events_per_citizen, calendar, report)
        report(0.9, "Henvendelser i åben rådgivning …")
        with transaction() as session:
            _write_walk_ins(world, session, citizen_ids, window, open_hours, calendar)
        report(0.95, "Virksomheder og aftaler …")
        with transaction() as session:
            write_companies_and_agreements(world, session, calendar)

    counts = world.writer.counts
    summary = DemoSummary(
        offices=created_office,
        staff=created_staff,
        citizens=counts["citizens"],
        walk_ins=counts["walk_ins"],
        walk_in_transitions=counts["walk_in_transitions"],
        events=counts["events"],
        follow_ups=counts["follow_up_tasks"],
        seconds=time_module.perf_counter() - started_at,
        companies=counts["companies"],
        agreements=counts["agreements"],
        hours_reports=counts["hours_reports"],
    )
    summary = with_derived_follow_ups(db, summary, today=today, calendar=calendar)  # F5: the engine's tasks
    with db.transaction() as tx:
        tx.audit(
            None,
            "create",
            "demo",
            detail=(
                f"Demodata genereret (frø {seed}): {thousands(summary.citizens)} borgere, "
                f"{thousands(summary.walk_ins)} henvendelser, {thousands(summary.events)} hændelser, "
                f"{thousands(summary.follow_ups)} opfølgninger"
            ),
        )
    report(1.0, "Demodata er klar.")
    return summary

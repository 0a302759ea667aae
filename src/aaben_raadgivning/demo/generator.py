"""Realistic, fictional Danish demo data: staff, an office, citizens, walk-ins, timeline events, follow-ups.

Two uses: trying the app (a few hundred citizens and a live-looking queue today) and load tests
(100 000 citizens, a million events). For the latter, rows go in as bulk Core inserts in batches,
each with its change-log "insert" entry carrying the same JSON ``rows.row_dict`` would give, so demo
data syncs and passes ``check`` exactly like data typed in at the counter. Every name, number and
company is made up; the CPR numbers are generated, not looked up.
"""

from __future__ import annotations

import json
import random
import time as time_module
from bisect import bisect_right
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
    LANGUAGES,
    NO_SHOW_MONTH_SPREAD,
    NO_SHOW_RATE,
    OUTCOMES,
    PHONE_PATTERNS,
    WALK_IN_FOLLOW_UP,
    WALK_IN_REASON_WEIGHTS,
)
from aaben_raadgivning.demo.world import Clock, World, default_open_hours, thousands, weighted
from aaben_raadgivning.domain.clock import to_local
from aaben_raadgivning.domain.cpr import generate_cpr
from aaben_raadgivning.domain.dates import format_date
from aaben_raadgivning.domain.follow_up_rules import aftercare_tasks
from aaben_raadgivning.domain.open_hours import OpenHours
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.step_models import DEFAULT_STEP_MODEL, load_step_model
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
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
PROJECT_DAYS = 730  # project starts (visitations) fall on the working days of the last two years


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


def _citizen(world: World, used_cprs: set[str], project_start: date | None) -> dict[str, Any]:
    """A citizen's record; one visited into the project was created up to a month before ``project_start``."""
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
    # Known to the office before their first event: before the project start (visitation), or — for one not
    # visited — before the demo window starts, so every event comes after creation.
    if project_start is not None:
        created_day = project_start - timedelta(days=rng.randint(1, 30))
    else:
        created_day = world.first_day - timedelta(days=rng.randint(1, 900))
    world.created_days.append(created_day)
    created_local = datetime.combine(created_day, time(8, rng.randint(0, 59))) + timedelta(hours=rng.randint(0, 6))
    roll = rng.random()
    benefit: str | None
    if international and roll < 0.35:
        benefit = "integrationsydelse"
    elif created_local.date() < date(2025, 7, 1) and roll < 0.45:
        benefit = "uddannelseshjaelp"  # retired from 1 Jul 2025; old records keep it
    else:
        benefit = rng.choices(("kontanthjaelp", "selvforsorgelse", "andet", None), (80, 6, 6, 8))[0]
    readiness = rng.choices(("aktivitetsparat", "jobparat", None), (80, 15, 5))[0]
    values = {
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
    values.update(_base_data(world, international, birth_date, created_local.date(), benefit, readiness))
    return values


def _base_data(
    world: World, international: bool, birth_date: date, known_since: date, benefit: str | None, readiness: str | None
) -> dict[str, Any]:
    """Address, language and tolk, benefit since (years on benefit: Flere skal med's target group has ≥ 5)
    and match group, from the generator's second random source."""
    x = world.extra_rng
    language = x.choice(LANGUAGES) if international else ("dansk" if x.random() < 0.8 else None)
    adult = birth_date + timedelta(days=18 * 366)
    since = None
    if benefit not in (None, "selvforsorgelse"):
        since = max(adult, known_since - timedelta(days=int(x.random() * 12 * 365)))
    match_group = None
    if readiness == "aktivitetsparat":
        match_group = x.choices(("2", "3", "4"), (10, 50, 40))[0]
    elif readiness == "jobparat":
        match_group = "1"
    return {
        "address": f"{world.housing_area} {x.randint(1, 120)}, {x.randint(0, 4)}. {x.choice(('th', 'tv', 'mf'))}.",
        "language": language,
        "interpreter_needed": international and x.random() < 0.35,
        "benefit_since": since,
        "match_group": match_group,
    }


# The chance that a citizen in the project becomes self-supporting (some time), by the step they reached: with the
# outcome dates below, about a third of a start month's cohort is self-supporting within 12 months (goal: 40 %).
SELF_SUPPORT_CHANCE = {"trin1": 0.25, "trin2": 0.55, "trin3": 0.8}


def _outcome(world: World, values: dict[str, Any]) -> tuple[str, date] | None:
    """An exit outcome for some citizens in the project, dated a few weeks to a year after they reached their
    step: self-support (job, education) for more of those further on, a few gone another way (moved away,
    another benefit …). None when the date is not yet reached. Sets the record's self-support fact."""
    x, step = world.extra_rng, values.get("step")
    since = values.get("step_since") or values.get("project_start")
    if since is None or step is None:
        return None
    day = since + timedelta(days=x.randint(14, 330))
    if x.random() < SELF_SUPPORT_CHANCE.get(step, 0.0):
        if day >= world.today:
            return None
        code = x.choices(("job_fuldtid", "job_deltid", "uddannelse", "egen_virksomhed"), (40, 35, 22, 3))[0]
        values["self_supporting"] = True
    elif x.random() < 0.06:
        if day >= world.today:
            return None
        code = x.choice(("fraflyttet", "anden_ydelse", "fleksjob", "udeblevet", "job_deltid_ydelse"))
    else:
        return None
    return code, day


def _write_outcome(world: World, calendar: WorkdayCalendar, citizen_id: str, outcome: tuple[str, date]) -> None:
    """The outcome row, its timeline event and — for self-support — the efterværn tasks still ahead."""
    code, day = outcome
    term = load_reference().exit_outcomes.term(code)
    assert term is not None
    writer, staff = world.writer, world.staff.get("JF")
    recorded = world.clock.utc(datetime.combine(day, time(11)))
    outcome_id = writer.add("citizen_outcomes", citizen_id=citizen_id, outcome=code, outcome_date=day,
                            recorded_by=staff, created_at=recorded)  # fmt: skip
    summary = f"Udfald: {term.label} fra {format_date(day)}" + (" (selvforsørgende)" if term.self_supporting else "")
    writer.add("events", citizen_id=citizen_id, kind="udfald", occurred_at=recorded, recorded_at=recorded,
               staff_id=staff, summary=summary, subject_id=outcome_id,
               data=json.dumps({"outcome": code, "date": day.isoformat(), "self_supporting": term.self_supporting}))  # fmt: skip
    if not term.self_supporting:
        return
    for task in aftercare_tasks(outcome_id, day, load_rules(), calendar):
        if task.due < world.today:
            continue  # the months already past: the demo keeps only open tasks ahead
        writer.add(
            "follow_up_tasks", id=derived_id(citizen_id, task.key), citizen_id=citizen_id, kind=task.kind,
            rule=task.rule, rule_key=task.key, reason=task.reason, due_date=task.due, assignee_id=staff,
            status="open", subject_id=outcome_id, created_by=staff, created_at=recorded,
        )  # fmt: skip


def _record_state(world: World, start: date) -> dict[str, Any]:
    """Where a citizen visited into the project on ``start`` stands in the default step model (their first
    events are the visitation, the jobformidler and the job goal; then a «trin» event per step moved up)."""
    rng = world.rng
    step = rng.choices(("trin1", "trin2", "trin3"), (50, 30, 20))[0]
    room = (world.today - start).days - 1  # days after the start a step change can be on (before today)
    if room < 2:
        step = "trin1"
    return {
        "step_model": DEFAULT_STEP_MODEL,
        "step_model_version": 1,
        "step": step,
        "step_since": start if step == "trin1" else start + timedelta(days=rng.randint(2, min(200, room))),
        "visitation": "projekt",
        "project_start": start,
        "jobformidler_id": world.staff.get("JF"),
        "job_goal": world.pick(JOBS),
        "cv_status": rng.choice(("mangler", "i_gang")) if step == "trin1" else "faerdig",
    }


def _step_events(world: World, values: dict[str, Any]) -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """The visitation on the project start and a «trin» event per step moved up, the last on ``step_since``:
    (local time, kind, summary, data), the data as store.actions.citizen_record._apply_step writes it."""
    rng, model = world.rng, load_step_model(values["step_model"], values["step_model_version"])
    start, step, since = values["project_start"], values["step"], values["step_since"]
    outcome = model.visitation_outcome(values["visitation"])

    def data(from_step: str, to_step: str) -> dict[str, Any]:
        return {"model": model.code, "version": model.version, "from": from_step, "to": to_step,
                "override_reason": None, "route": None}  # fmt: skip

    def at(day: date) -> datetime:
        return datetime.combine(day, time(8)) + timedelta(minutes=int(rng.random() * 420))

    first = model.first_step.code
    events = [(at(start), "visitation", f"{outcome.label}. {outcome.action}", data(first, first))]
    moves: list[date] = []  # the days the citizen moved up to trin 2 and trin 3
    if step == "trin2":
        moves = [since]
    elif step == "trin3":
        moves = [start + timedelta(days=rng.randint(1, (since - start).days - 1)), since]
    path = [first, "trin2", "trin3"]
    for index, day in enumerate(moves):
        before, after = model.step(path[index]), model.step(path[index + 1])
        moving = f"Borgeren går fra «{before.label}» til «{after.label}»."
        events.append((at(day), "trin", moving, data(before.code, after.code)))
    return events


def _events_for(
    world: World, citizen_id: str, count: int, choose_kind: Callable[[], str], values: dict[str, Any]
) -> None:
    """A citizen's timeline: for one in the project the visitation, jobformidler and job goal on the project start
    and the step changes; the rest drawn from the window's working days after the start."""
    rng, work_days = world.rng, world.work_days
    timeline: list[tuple[datetime, str, str | None, dict[str, Any] | None]] = []
    first_day = 0
    if values.get("project_start") is not None:
        steps = _step_events(world, values)
        visited = steps[0][0]
        timeline.append(steps[0])
        for minutes, kind in ((6, FIRST_EVENTS[1]), (14, FIRST_EVENTS[2])):
            timeline.append((visited + timedelta(minutes=minutes), kind, None, None))
        timeline += steps[1:]
        count -= len(FIRST_EVENTS)
        first_day = bisect_right(work_days, values["project_start"])
    days = len(work_days) - first_day
    if days > 0:
        for _ in range(count):
            day = work_days[first_day + int(rng.random() * days)]
            timeline.append((datetime.combine(day, time(8)) + timedelta(minutes=int(rng.random() * 450)),
                             choose_kind(), None, None))  # fmt: skip
    timeline.sort(key=lambda event: event[0])
    previous: str | None = None
    for local, kind, summary, data in timeline:
        writer_initials = None
        corrects = None
        if summary is None:
            templates, writers = EVENT_TEXTS[kind]
            writer_initials = world.pick(writers)
            summary = world.fill(world.pick(templates))
            if kind == "samtale" and rng.random() < _no_show_chance(world, writer_initials, local.date()):
                kind, summary = "udeblivelse", f"Udeblev fra samtale {local.day:02d}.{local.month:02d}"
            elif previous is not None and rng.random() < 0.003:
                kind, summary, corrects = "note", "Rettelse: forkert dato i det forrige notat", previous
        else:
            writer_initials = EVENT_TEXTS[kind][1][0]
        occurred = world.clock.utc(local)
        event_id = world.writer.add(
            "events",
            citizen_id=citizen_id,
            kind=kind,
            occurred_at=occurred,
            recorded_at=occurred + timedelta(minutes=int(rng.random() * 90)),
            staff_id=world.staff.get(writer_initials),
            summary=summary[:300],
            details=world.fill(world.pick(DETAILS)),
            corrects_id=corrects,
            data=json.dumps(data, ensure_ascii=False) if data is not None else None,
        )
        previous = event_id if data is None else None  # a step event is never "corrected" by a note


def _no_show_chance(world: World, initials: str, day: date) -> float:
    """The chance a samtale held by ``initials`` in ``day``'s month is an udeblivelse (drawn once per month)."""
    key = (initials, day.replace(day=1))
    chance = world.no_show.get(key)
    if chance is None:
        month_random = random.Random(f"{initials}-{key[1].isoformat()}-fremmøde")
        base = NO_SHOW_RATE.get(initials, 0.27)
        chance = world.no_show[key] = base + NO_SHOW_MONTH_SPREAD * (2 * month_random.random() - 1)
    return chance


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


def _known_citizen(world: World, citizen_ids: list[str], day: date) -> str | None:
    """A citizen already known to the office on ``day`` (a few tries; None: the walk-in stays anonymous)."""
    for _ in range(4):
        index = int(world.rng.random() * len(citizen_ids))
        if world.created_days[index] < day:
            return citizen_ids[index]
    return None


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
    citizen_id = None if anonymous else _known_citizen(world, citizen_ids, arrived.date())
    anonymous = citizen_id is None
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
        citizen_id = _known_citizen(world, citizen_ids, arrived.date())
        if citizen_id is not None:
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
                count = 0
                if events_per_citizen:  # a long tail: most have a few events, some have many
                    count = min(max_events, int(rng.expovariate(1 / events_per_citizen) + 0.5))
                # Visited into the project on a working day within the last two years (the project's inflow).
                start = world.pick(world.project_days) if count >= len(FIRST_EVENTS) and world.project_days else None
                values = _citizen(world, used_cprs, start)
                if start is not None:
                    values.update(_record_state(world, start))
                outcome = _outcome(world, values)
                citizen_id = writer.add("citizens", **values)
                if outcome is not None:
                    _write_outcome(world, calendar, citizen_id, outcome)
                if values.get("step") in ("trin2", "trin3"):
                    world.course_citizens.append((citizen_id, values["step"]))
                    world.readiness[citizen_id] = values["readiness"]
                citizen_ids.append(citizen_id)
                search_rows.append((citizen_id, values["name"], values["cpr"], values["phone"]))
                if count:
                    _events_for(world, citizen_id, count, choose_kind, values)
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
        project_days=[d for d in (today - timedelta(days=i) for i in range(PROJECT_DAYS, 0, -1))
                      if calendar.is_working_day(d)],
        companies=[fake.company() for _ in range(60)],
        addresses=[f"{rng.choice(streets)} {rng.randint(1, 80)}, {rng.randint(0, 4)}. {rng.choice(('th', 'tv', 'mf'))}."
                   for _ in range(200)],
        extra_rng=random.Random(f"{seed}-stamdata"),
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

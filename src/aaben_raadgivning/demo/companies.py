"""Demo companies, their contacts, and agreements (virksomhedspraktik, løntilskud, ordinary hours) with
their follow-up plans and hours reports."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from aaben_raadgivning.demo.bulk import BATCH_ROWS
from aaben_raadgivning.demo.texts import PHONE_PATTERNS
from aaben_raadgivning.demo.world import World
from aaben_raadgivning.domain.agreements import PLAN_TASK_RULE, praktik_limits
from aaben_raadgivning.domain.rules import load_rules
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id

# --- companies and agreements ---------------------------------------------------------------------

_INDUSTRIES = (
    "Dagligvarer", "Bageri", "Rengøring", "Lager og logistik", "Kantine og catering", "Hotel", "Gartneri",
    "Byggemarked", "Plejecenter", "Vaskeri", "Genbrugsbutik", "Boligselskab", "Pizzeria", "Autoværksted",
)  # fmt: skip
_SUITABLE_TASKS = (
    "Opfyldning af varer om morgenen", "Rengøring af fællesarealer", "Pakning af ordrer", "Opvask og klargøring",
    "Sortering af tøj og genbrug", "Pasning af udearealer", "Hjælp i køkkenet til frokost", "Kørsel med varer",
)  # fmt: skip
_CONTACT_ROLES = ("Indehaver", "Butikschef", "Mester", "Driftsleder", "HR-ansvarlig", "Køkkenchef")
_BREAK_OFF_REASONS = (
    "Borgeren blev syg i længere tid", "Virksomheden havde ikke længere opgaver", "Borgeren mødte ikke op",
    "Transporten var for svær", "Borgeren ønskede et andet fag",
)  # fmt: skip


def _cvr(rng: random.Random, used: set[str]) -> str:
    """A made-up CVR number that passes the modulus-11 check (weights 2,7,6,5,4,3,2,1)."""
    from aaben_raadgivning.domain.cvr import WEIGHTS

    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(w * d for w, d in zip(WEIGHTS, digits, strict=False)) % 11
        if check < 10:
            number = "".join(map(str, digits)) + str(check)
            if number not in used:
                used.add(number)
                return number


def _schedule(rng: random.Random, kind: str, ordinary_days: int) -> tuple[str, int]:
    """A weekly schedule (store format of domain.agreements) and its ordinary minutes per week."""
    week = {"ordinary": [0] * 7, "praktik": [0] * 7, "loentilskud": [0] * 7}
    days = rng.sample(range(5), k=min(5, max(1, ordinary_days)))
    if kind in ("ordinaere_timer", "kombination", "loentilskud"):
        for day in days:
            week["ordinary"][day] = rng.choice((60, 90, 120, 150, 180, 240))
    if kind in ("virksomhedspraktik", "kombination"):
        for day in rng.sample(range(5), k=rng.randint(2, 4)):
            if not week["ordinary"][day]:
                week["praktik"][day] = rng.choice((180, 240, 300, 360))
    if kind == "loentilskud":
        for day in range(5):
            week["loentilskud"][day] = 444 - week["ordinary"][day] if week["ordinary"][day] < 444 else 0
    return json.dumps(week, separators=(",", ":")), sum(week["ordinary"])


_PRAKTIK_EXPECTATIONS = (
    "Borgeren møder til tiden og giver besked ved fravær; virksomheden oplærer i de faste opgaver.",
    "Afklare om borgeren kan klare lagerarbejde; kontaktpersonen giver en kort tilbagemelding hver uge.",
    "Træne samarbejde og arbejdstempo; målet er flere timer, når borgeren er klar.",
    "Virksomheden overvejer ansættelse, hvis praktikken går godt.",
)


def _terms(rng: random.Random, schedule: str, start: date, *, renegotiated: bool = False) -> dict:
    """What the models ask of an agreement (domain.agreements): with praktik hours a purpose and the agreed
    expectations (seed 002), without ordinary hours whether and when they are expected (seed 000 KE 7); a
    renegotiated version that keeps praktik past the limit has its written assessment."""
    week = json.loads(schedule)
    terms: dict = {}
    if sum(week["praktik"]):
        terms["praktik_purpose"] = rng.choice(("afklaring", "traening", "traening", "rekruttering"))
        terms["praktik_expectations"] = rng.choice(_PRAKTIK_EXPECTATIONS)
        if renegotiated:
            terms["praktik_assessment"] = (
                "Konkret vurdering: borgeren har brug for længere oplæring før ordinære timer."
            )
    if not any(week["ordinary"]) and any(any(days) for days in week.values()):
        expected = rng.random() < 0.8
        terms["ordinary_expected"] = expected
        if expected:
            month = start.month + rng.randint(1, 3)
            terms["ordinary_expected_from"] = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return terms


def write_companies_and_agreements(world: World, session: Session, calendar: WorkdayCalendar) -> None:
    """Companies with contact persons; an agreement for each citizen in trin 3 and some in trin 2 (a few
    renegotiated towards more ordinary hours, some finished or broken off), the follow-up plan tasks of the
    active ones (past visits done) and monthly hours reports. A few companies take many citizens."""
    from aaben_raadgivning.domain.follow_up_cadence import default_plan, plan_visits

    rng, writer, fake = world.rng, world.writer, world.fake
    course = world.course_citizens
    n_companies = max(6, min(2000, len(course) // 4 + 6))
    used_cvr: set[str] = set()
    now = world.clock.utc(world.now_local)
    jf = world.staff.get("JF")
    companies: list[tuple[str, str, list[str]]] = []  # (id, name, contact ids)
    for index in range(n_companies):
        name = world.companies[index] if index < len(world.companies) else fake.company()
        company_id = writer.add(
            "companies", cvr=_cvr(rng, used_cvr), name=name, address=f"{fake.street_address()}, {fake.postcode()} {fake.city()}",
            industry=world.pick(_INDUSTRIES), suitable_tasks=world.pick(_SUITABLE_TASKS), notes="",
            created_at=now - timedelta(days=rng.randint(30, 900)), created_by=jf,
        )  # fmt: skip
        contacts = [
            writer.add(
                "company_contacts",
                company_id=company_id,
                name=fake.name(),
                role=world.pick(_CONTACT_ROLES),
                phone=fake.numerify(world.pick(PHONE_PATTERNS)),
                email=f"kontakt{index}.{n}@example.dk",
                created_at=now - timedelta(days=rng.randint(1, 29)),
            )  # fmt: skip
            for n in range(rng.randint(1, 3))
        ]
        companies.append((company_id, name, contacts))
        if writer.pending >= BATCH_ROWS:
            writer.flush(session)
    plan = default_plan()
    plan_json = plan.to_json()
    kinds = ("ordinaere_timer", "virksomhedspraktik", "kombination", "loentilskud")
    rules = load_rules()
    for citizen_id, step in course:
        if step == "trin2" and rng.random() < 0.7:
            continue
        # five big employers take a tenth of the courses (about 500 each in the 100k benchmark data)
        big = rng.random() < 0.1
        company_id, company_name, contacts = companies[
            rng.randrange(min(5, len(companies))) if big else rng.randrange(len(companies))
        ]
        kind = rng.choices(kinds, (35, 25, 30, 10))[0]
        start = world.today - timedelta(days=rng.randint(-20, 330))
        # LAB § 61: the praktik limit follows readiness (4 weeks for jobparate and unrecorded, 13 otherwise)
        praktik_weeks = praktik_limits(world.readiness.get(citizen_id), rules).limit
        weeks = praktik_weeks if kind in ("virksomhedspraktik", "kombination") else rng.choice((13, 26, 52))
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        if step == "trin3":
            status = "aktiv" if end >= world.today else "afsluttet"
        else:
            status = rng.choices(("udkast", "afsluttet", "afbrudt"), (2, 3, 3))[0]
        if status == "afsluttet" and end >= world.today:  # ended in the past
            end = world.today - timedelta(days=rng.randint(1, 30))
            start = end - timedelta(weeks=weeks) + timedelta(days=1)
        elif status == "afbrudt" and start >= world.today - timedelta(days=1):  # begun before it was broken off
            start = world.today - timedelta(days=rng.randint(7, 60))
            end = start + timedelta(weeks=weeks) - timedelta(days=1)
        if status == "udkast":
            start = world.today + timedelta(days=rng.randint(3, 30))
            end = start + timedelta(weeks=weeks) - timedelta(days=1)
        renegotiate = status == "aktiv" and start < world.today - timedelta(days=60) and rng.random() < 0.45
        schedule, ordinary = _schedule(rng, kind, rng.randint(1, 3))
        common = {
            "citizen_id": citizen_id, "company_id": company_id, "course_kind": kind, "health_notes": "",
            "tasks": world.pick(_SUITABLE_TASKS), "contact_id": world.pick(contacts), "jobformidler_id": jf,
            "follow_up_plan": plan_json, "created_by": jf,
        }  # fmt: skip
        created = world.clock.utc(datetime.combine(min(start, world.today) - timedelta(days=7), time(11)))
        versions = []
        terms_rng = random.Random(f"terms:{citizen_id}")  # its own stream: the other demo data stay as they were
        if renegotiate:
            middle = start + timedelta(days=rng.randint(40, 60))
            first_id = writer.add(
                "agreements", **common, version=1, status="afsluttet", status_reason="genforhandlet",
                status_changed_at=world.clock.utc(datetime.combine(middle, time(12))), schedule=schedule,
                start_date=start, end_date=middle - timedelta(days=1), created_at=created,
                **_terms(terms_rng, schedule, start),
            )  # fmt: skip
            versions.append(first_id)
            schedule, ordinary = _schedule(
                rng, "ordinaere_timer" if kind == "virksomhedspraktik" else kind, rng.randint(2, 5)
            )
            if kind == "virksomhedspraktik":
                common["course_kind"] = "ordinaere_timer"
            agreement_id = writer.add(
                "agreements", **common, version=2, previous_id=first_id, status="aktiv",
                status_changed_at=world.clock.utc(datetime.combine(middle, time(12))), schedule=schedule,
                start_date=middle, end_date=max(end, middle + timedelta(weeks=13)), created_at=world.clock.utc(datetime.combine(middle, time(11))),
                **_terms(terms_rng, schedule, middle, renegotiated=True),
            )  # fmt: skip
            end = max(end, middle + timedelta(weeks=13))
        else:
            reason = world.pick(_BREAK_OFF_REASONS) if status == "afbrudt" else ""
            changed = (
                None if status == "udkast" else world.clock.utc(datetime.combine(min(start, world.today), time(12)))
            )
            if status == "afbrudt":
                end = min(end, world.today - timedelta(days=1))
            agreement_id = writer.add(
                "agreements", **common, version=1, status=status, status_reason=reason, status_changed_at=changed,
                schedule=schedule, start_date=start, end_date=end, created_at=created,
                **_terms(terms_rng, schedule, start),
            )  # fmt: skip
        root = versions[0] if versions else agreement_id
        if status == "aktiv":
            visits = plan_visits(plan, start, end, calendar)
            for number, visit in enumerate(visits, start=1):
                key = f"agreement:{root}:{visit.index}"
                done = visit.due < world.today
                completed = visit.due
                if done and rng.random() < 0.15:  # some visits are late: done a few days after, or still open
                    completed = visit.due + timedelta(days=rng.randint(1, 10))
                    done = completed < world.today
                writer.add(
                    "follow_up_tasks", id=derived_id(citizen_id, key), citizen_id=citizen_id, kind="aftaleopfoelgning",
                    rule=PLAN_TASK_RULE, reason=f"Opfølgning på aftalen med {company_name} (besøg {number} af {len(visits)})",
                    due_date=visit.due, assignee_id=jf, status="done" if done else "open", subject_id=agreement_id,
                    created_by=jf, created_at=created, rule_key=key, agreement_id=agreement_id,
                    completed_at=world.clock.utc(datetime.combine(completed, time(14))) if done else None,
                    completed_by=jf if done else None,
                )  # fmt: skip
        # monthly hours for each whole month the course ran (ordinary hours growing a little)
        month = date(start.year, start.month, 1)
        last = min(end, world.today)
        growth = 0
        while month < date(last.year, last.month, 1) or (
            month == date(last.year, last.month, 1) and last == end and end < world.today
        ):
            week = json.loads(schedule)
            growth += rng.choice((0, 0, 30, 60))
            writer.add(
                "hours_reports", agreement_id=agreement_id, citizen_id=citizen_id, month=month,
                ordinary_minutes=max(0, int(ordinary * 4.33 * rng.uniform(0.6, 1.1)) + growth) if ordinary else 0,
                praktik_minutes=int(sum(week["praktik"]) * 4.33 * rng.uniform(0.6, 1.0)),
                loentilskud_minutes=int(sum(week["loentilskud"]) * 4.33 * rng.uniform(0.8, 1.0)),
                note="", recorded_at=world.clock.utc(datetime.combine(_next_month(month), time(9))), recorded_by=jf,
            )  # fmt: skip
            month = _next_month(month)
            if month > world.today:
                break
        if writer.pending >= BATCH_ROWS:
            writer.flush(session)
    writer.flush(session)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)

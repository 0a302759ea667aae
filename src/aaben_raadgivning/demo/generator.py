"""Realistic, fictional Danish demo data: staff, an office, citizens, walk-ins, timeline events, follow-ups.

Two uses: trying the app (a few hundred citizens and a live-looking queue today) and load tests
(100 000 citizens, a million events). For the latter, rows go in as bulk Core inserts in batches,
each with its change-log "insert" entry carrying the same JSON ``rows.row_dict`` would give, so demo
data syncs and passes ``check`` exactly like data typed in at the counter. Every name, number and
company is made up; the CPR numbers are generated, not looked up.
"""

from __future__ import annotations

import json
import os
import random
import time as time_module
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from aaben_raadgivning.config import DEFAULT_SETTINGS_TEXT
from aaben_raadgivning.demo.follow_ups import with_derived_follow_ups
from aaben_raadgivning.domain.agreements import PLAN_TASK_RULE
from aaben_raadgivning.domain.clock import to_local, to_utc
from aaben_raadgivning.domain.cpr import generate_cpr
from aaben_raadgivning.domain.open_hours import OpenHours
from aaben_raadgivning.domain.reference import load_reference
from aaben_raadgivning.domain.step_models import DEFAULT_STEP_MODEL
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.ids import derived_id
from aaben_raadgivning.security.passwords import hash_password
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.models import (
    Agreement,
    ChangeLogEntry,
    Citizen,
    Company,
    CompanyContact,
    Event,
    FollowUpTask,
    HoursReport,
    Office,
    Staff,
    WalkIn,
    WalkInTransition,
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
BATCH_ROWS = 5_000  # rows per bulk insert
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


# --- bulk writing ------------------------------------------------------------------------------
# Rows are written with the driver's executemany, values converted the way SQLAlchemy's SQLite types
# store them (datetime "YYYY-MM-DD HH:MM:SS.ffffff", date ISO, bool 0/1): Core's per-row parameter
# processing costs more than the insert itself at a million rows. tests/store/test_demo.py reads
# the rows back through the ORM to keep the two in step.

_MODELS = (
    Office, Staff, Citizen, WalkIn, WalkInTransition, Event, Company, CompanyContact, Agreement, FollowUpTask, HoursReport,
)  # fmt: skip
_ORDER = tuple(model.__tablename__ for model in _MODELS)  # parents before children (foreign keys)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # == rows.dumps, minus a call


@dataclass(frozen=True)
class _TableSpec:
    name: str
    keys: tuple[str, ...]
    defaults: tuple[Any, ...]
    sql: str

    @classmethod
    def of(cls, table: Table) -> _TableSpec:
        # Column order is the mapper's order, which is the key order rows.row_dict logs.
        columns = list(table.columns)
        defaults = tuple(c.default.arg if c.default is not None and c.default.is_scalar else None for c in columns)
        names = ", ".join(c.name for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        return cls(table.name, tuple(c.key for c in columns), defaults, sql)


_SPECS = {
    model.__tablename__: _TableSpec.of(model.__table__)  # type: ignore[arg-type]
    for model in (*_MODELS, ChangeLogEntry)
}


class _FastIds:
    """UUIDv7 text ids in the form ids.new_id makes, about twice as fast: randomness is drawn from
    the OS in blocks, and the millisecond clock is read once per id. Ids made within the same
    millisecond are not ordered among themselves (nothing relies on that)."""

    _BLOCK = 10 * 4096

    def __init__(self) -> None:
        self._random = b""
        self._at = 0

    def __call__(self) -> str:
        if self._at >= len(self._random):
            self._random, self._at = os.urandom(self._BLOCK), 0
        bits = int.from_bytes(self._random[self._at : self._at + 10], "big")
        self._at += 10
        ms = time_module.time_ns() // 1_000_000
        value = (ms << 80) | (0x7 << 76) | ((bits >> 64) & 0xFFF) << 64 | (0b10 << 62) | (bits & _LOW_62)
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_LOW_62 = (1 << 62) - 1


class _BulkWriter:
    """Collects rows per table and writes them, with one change-log insert entry each, in bulk."""

    def __init__(self, db: Database) -> None:
        self._hlc = db.clock.now
        self._device_id = db.device_id
        self._new_id = _FastIds()
        self._pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _ORDER}
        self._log: list[tuple[Any, ...]] = []
        self.counts: dict[str, int] = dict.fromkeys(_ORDER, 0)

    def add(self, table: str, **values: Any) -> str:
        spec = _SPECS[table]
        new_id = self._new_id
        row_id = values.pop("id", None) or new_id()
        stored: list[Any] = [row_id]
        plain: dict[str, Any] = {"id": row_id}
        for key, default in zip(spec.keys[1:], spec.defaults[1:], strict=True):
            value = values.pop(key, default)
            kind = value.__class__
            if kind is datetime:
                plain[key] = value.isoformat()
                stored.append(value.isoformat(" ", "microseconds"))
            elif kind is date:
                plain[key] = stored_value = value.isoformat()
                stored.append(stored_value)
            elif kind is bool:
                plain[key] = value
                stored.append(int(value))
            else:
                plain[key] = value
                stored.append(value)
        if values:
            raise KeyError(f"{table} has no column(s) {sorted(values)}")
        self._pending[table].append(tuple(stored))
        # (no staff: demo data is system work)
        self._log.append((new_id(), self._hlc(), self._device_id, table, row_id, "insert", None, _JSON(plain), None))
        self.counts[table] += 1
        return row_id

    @property
    def pending(self) -> int:
        return len(self._log)

    def flush(self, session: Session) -> None:
        connection = session.connection()
        for name in _ORDER:
            rows = self._pending[name]
            for start in range(0, len(rows), BATCH_ROWS):
                connection.exec_driver_sql(_SPECS[name].sql, rows[start : start + BATCH_ROWS])
            rows.clear()
        for start in range(0, len(self._log), BATCH_ROWS):
            connection.exec_driver_sql(_SPECS["change_log"].sql, self._log[start : start + BATCH_ROWS])
        self._log.clear()


# --- the texts --------------------------------------------------------------------------------
# Names common among residents of Danish social housing areas with roots outside Denmark, grouped
# by language so that first and last names go together: (male first names, female first names, last names).
_INTERNATIONAL_NAMES = (
    (("Mohammed", "Ahmad", "Khalid", "Bilal", "Hamza", "Omar", "Jamal", "Samir", "Ibrahim"),
     ("Fatima", "Aisha", "Layla", "Maryam", "Nour", "Rania", "Samira", "Hanan", "Yasmin"),
     ("Ahmed", "Mahmoud", "Ibrahim", "Al-Sayed", "Haddad", "Khalil", "Saleh", "Hassan", "Hussein")),
    (("Abdi", "Abdirahman", "Mohamed", "Yusuf", "Hassan", "Ali"),
     ("Hodan", "Fadumo", "Hibo", "Amina", "Sahra", "Ifrah"),
     ("Abdullahi", "Farah", "Jama", "Osman", "Nur", "Warsame")),
    (("Mehmet", "Mustafa", "Hüseyin", "Emre", "Murat", "Ahmet"),
     ("Ayşe", "Emine", "Zeynep", "Elif", "Fatma", "Hatice"),
     ("Yilmaz", "Kaya", "Demir", "Öztürk", "Çelik", "Aydin")),
    (("Dilshad", "Karwan", "Rebwar", "Azad"),
     ("Rojin", "Dilan", "Leyla", "Shilan"),
     ("Karim", "Rashid", "Mustafa", "Abdullah")),
    (("Reza", "Amir", "Mohammad", "Ali", "Hamid"),
     ("Shirin", "Parisa", "Zahra", "Maryam", "Fereshte"),
     ("Rahimi", "Hosseini", "Karimi", "Ahmadi", "Mohammadi")),
    (("Dawit", "Yonas", "Tesfay", "Filmon"),
     ("Meron", "Selam", "Helen", "Senait"),
     ("Tesfaye", "Gebremedhin", "Haile", "Berhane")),
    (("Imran", "Faisal", "Tariq", "Usman"),
     ("Saima", "Ayesha", "Nadia", "Sana"),
     ("Khan", "Iqbal", "Butt", "Malik")),
    (("Oleksandr", "Andrii", "Dmytro", "Serhii"),
     ("Olena", "Iryna", "Natalia", "Oksana"),
     ("Kovalenko", "Shevchenko", "Bondarenko", "Melnyk")),
)  # fmt: skip
_PHONE_PATTERNS = tuple(f"{first}#######" for first in "23456789")
_LANGUAGES = ("arabisk", "somali", "tyrkisk", "kurdisk", "farsi", "urdu", "tigrinya", "ukrainsk")
_JOBS = (
    "lager og logistik", "rengøring", "køkken og kantine", "butik", "pædagogmedhjælper", "chauffør",
    "social- og sundhedshjælper", "gartner og grønne områder", "bygge og anlæg", "frisør", "vicevært",
    "tøjbutik", "bageri", "pakkeri", "hotel og housekeeping",
)  # fmt: skip
_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december",
)  # fmt: skip
_SUBGOALS = (
    "møde til tiden tre dage om ugen",
    "tage bussen selv til praktikstedet",
    "deltage i danskundervisning to gange om ugen",
    "ringe, hvis der er forhindringer, inden kl. 9",
    "øge arbejdstiden med to timer om ugen",
    "lave et CV sammen med jobformidleren",
    "besøge to virksomheder inden næste samtale",
)
_PARALLEL = (
    "Henvist til gældsrådgivning i boligområdet",
    "Parallel indsats: helbredsafklaring hos egen læge",
    "Henvist til familietilbud i kommunen",
    "Parallel indsats: kontakt til sundhedskoordinator",
    "Parallel indsats: hjælp til ansøgning om boligstøtte",
    "Henvist til mentor i beboerhuset",
)

# Event kind → (summary templates, who usually writes it).
_EVENT_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "samtale": (
        (
            "Opfølgende samtale om jobmål og delmål",
            "Samtale om praktikforløb hos {company}",
            "Samtale om helbred og hverdag – borgeren vil gerne videre",
            "Jobsamtale – planen gennemgået sammen med borgeren",
            "Samtale med tolk ({language})",
            "Fælles samtale med jobformidler om næste skridt",
        ),
        ("JK", "JF"),
    ),
    "telefon": (
        (
            "Telefonsamtale: aftalt møde {day}",
            "Ringede til borgeren – ingen svar, lagt besked",
            "Borgeren ringede om brev fra Ydelsesservice",
            "Telefonopfølgning på praktikken hos {company}",
        ),
        ("JK", "JF"),
    ),
    "sms": (
        (
            "SMS: påmindelse om møde {day} kl. {clock}",
            "SMS sendt med tid til samtale {day}",
            "SMS: tak for i dag – næste møde {day}",
        ),
        ("JK", "JF"),
    ),
    "virksomhedsbesoeg": (
        (
            "Besøg hos {company} sammen med borgeren",
            "Virksomhedsbesøg: {company} – mulig praktik inden for {job}",
            "Opfølgning på arbejdspladsen hos {company}",
        ),
        ("JF",),
    ),
    "opsoegende": (
        (
            "Hjemmebesøg – borgeren var hjemme, samtale aftalt",
            "Opsøgende besøg på {address} – ingen hjemme, seddel i postkassen",
            "Mødte borgeren i beboerhuset; aftalt at komme forbi skranken",
        ),
        ("BM", "JK"),
    ),
    "udeblivelse": (("Udeblev fra samtale {day}", "Udeblev fra aftalt møde hos {company}"), ("JK", "JF")),
    "cv": (
        ("CV opdateret med erfaring inden for {job}", "CV lavet sammen med borgeren", "CV lagt på Jobnet"),
        ("JF",),
    ),
    "jobmaal": (("Jobmål: {job}", "Jobmål justeret til {job}"), ("JF", "JK")),
    "jobformidler": (("Jobformidler tildelt: Jakob Frederiksen",), ("JK",)),
    "visitation": (("Visitation: optaget i projektet",), ("JK",)),
    "trin": (("Trin 1 – Afklaring påbegyndt", "Trin 2 – På vej mod job", "Trin 3 – Virksomhedsforløb"), ("JK",)),
    "aftale": (
        (
            "Aftale med {company}: {hours} timer om ugen, heraf {ordinary} ordinære",
            "Aftale om virksomhedspraktik hos {company} i {weeks} uger",
        ),
        ("JF",),
    ),
    "timer": (("{hours} ordinære timer i {month}", "Timeseddel fra {company}: {hours} timer i {month}"), ("JF",)),
    "delmaal": (("Delmål: {subgoal}", "Delmål nået: {subgoal}"), ("JF", "JK")),
    "partshoering": (("Partshøring sendt om manglende fremmøde",), ("JK",)),
    "sanktion": (("Sanktion efter konkret vurdering og forsøg på personlig kontakt",), ("JK",)),
    "parallel_indsats": (_PARALLEL, ("BM", "JK")),
    "rehab": (("Sagen forberedt til rehabiliteringsteamet",), ("JK",)),
    "underretning": (("Underretning sendt til socialforvaltningen",), ("JK",)),
    "note": (
        (
            "Note: borgeren har nyt telefonnummer",
            "Note: tolkebehov ({language})",
            "Note: flyttet inden for boligområdet",
            "Note: borgeren foretrækker kontakt om formiddagen",
        ),
        ("JK", "JF", "BM"),
    ),
}
# How often each kind occurs after the first steps (visitation, jobformidler, jobmål).
_EVENT_WEIGHTS = {
    "samtale": 20, "telefon": 15, "sms": 12, "virksomhedsbesoeg": 6, "opsoegende": 5, "udeblivelse": 5,
    "cv": 3, "jobmaal": 2, "trin": 3, "aftale": 4, "timer": 6, "delmaal": 6, "partshoering": 0.6,
    "sanktion": 0.2, "parallel_indsats": 3, "rehab": 0.3, "underretning": 0.1, "note": 8,
}  # fmt: skip
_FIRST_EVENTS = ("visitation", "jobformidler", "jobmaal")
_DETAILS = (
    "",
    "",
    "",
    "Borgeren ønsker at arbejde inden for {job}. Vi ser på praktik hos {company}.",
    "Aftalt at borgeren selv ringer, hvis der opstår forhindringer.",
    "Borgeren er motiveret, men bekymret for transporten. Vi ser på buskort.",
    "Gennemgået planen; næste skridt er et virksomhedsbesøg.",
)

_WALK_IN_REASON_WEIGHTS = {
    "post": 25, "ydelse": 15, "job": 15, "aktivering": 10, "aftale": 12, "praktik": 8, "akut": 8, "andet": 7,
}  # fmt: skip
_ANONYMOUS_NOTES = {
    "post": "Ønsker ikke at oplyse navn. Har brev fra Udbetaling Danmark med.",
    "ydelse": "Vil ikke oplyse navn; spørger generelt til regler for kontanthjælp.",
    "job": "Anonym henvendelse: spørger til jobmuligheder i området.",
    "aktivering": "Vil ikke oplyse navn; spørger til, hvordan man ændrer et aktiveringsforløb.",
    "aftale": "Anonym: vil høre, hvordan man flytter et møde.",
    "praktik": "Anonym: spørger til praktik hos en lokal virksomhed.",
    "akut": "Ønsker ikke at oplyse navn. Har fået varsel om udsættelse fra boligen.",
    "andet": "Anonym henvendelse: spørger til tilbud i beboerhuset.",
}
_ARRIVAL_NOTES = ("", "", "", "Har brev med.", "Vil gerne tale med Jette.", "Kommer sammen med sin søster.")
_OUTCOMES = {
    "post": (
        "Hjalp med at læse og besvare brev fra Udbetaling Danmark.",
        "Gennemgik post i e-Boks sammen med borgeren; intet der haster.",
    ),
    "ydelse": (
        "Forklarede nedsættelsen af kontanthjælpen; borgeren kontakter Ydelsesservice.",
        "Hjalp med ansøgning om enkeltydelse.",
    ),
    "job": ("Opdaterede CV og søgte to stillinger på Jobnet.", "Talte om jobmål; aftalt samtale med jobformidler."),
    "aktivering": (
        "Aktiveringsforløbet tilpasses; jobkonsulenten kontakter udbyderen.",
        "Borgeren ønsker andet forløb; aftalt samtale.",
    ),
    "aftale": ("Mødet er flyttet til næste uge.", "Ny tid aftalt; SMS-påmindelse sendt."),
    "praktik": (
        "Talte om praktikken; virksomheden kontaktes om flere timer.",
        "Aftalt virksomhedsbesøg sammen med jobformidler.",
    ),
    "akut": (
        "Kontakt til boligselskabet om restance; aftale om afdrag.",
        "Hjalp med at kontakte lægen; opfølgning i morgen.",
    ),
    "andet": ("Henvist til rådgivning i beboerhuset.", "Vejledning givet; ingen videre opfølgning."),
}
_CANCEL_NOTES = ("Gik inden vi nåede at tale sammen.", "Måtte hente børn; kommer igen.", "")
_FOLLOW_UPS = (
    ("personlig_kontakt", "Borgeren udeblev – ring eller besøg borgeren personligt."),
    ("manuel", "Månedlig opfølgning med borgeren (første år i virksomhedsforløb)."),
    ("manuel", "Følg op på praktikken hos {company}."),
    ("manuel", "Tjek om CV er lagt på Jobnet."),
    ("tilbagemelding", "Giv borgeren svar om buskort til praktikstedet."),
)
_WALK_IN_FOLLOW_UP = "Vend tilbage til borgeren om henvendelsen fra {day}."


# --- helpers ----------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> Callable[[], str]:
    """A fast weighted chooser (cumulative weights computed once)."""
    keys = list(weights)
    cumulative: list[float] = []
    total = 0.0
    for key in keys:
        total += weights[key]
        cumulative.append(total)

    def choose() -> str:
        return keys[min(bisect_right(cumulative, rng.random() * total), len(keys) - 1)]

    return choose


class _Clock:
    """Danish local wall-clock times to stored naive UTC, with each day's offset computed once."""

    def __init__(self) -> None:
        self._offsets: dict[date, timedelta] = {}

    def utc(self, local: datetime) -> datetime:
        day = local.date()
        offset = self._offsets.get(day)
        if offset is None:
            noon = datetime.combine(day, time(12))
            offset = self._offsets[day] = to_utc(noon) - noon
        return local + offset


def _default_open_hours(calendar: WorkdayCalendar) -> OpenHours:
    import tomllib

    hours = tomllib.loads(DEFAULT_SETTINGS_TEXT)["counter"]["open_hours"]
    return OpenHours.parse(hours, calendar)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass
class _World:
    """Everything the generators share."""

    rng: random.Random
    fake: Faker
    writer: _BulkWriter
    clock: _Clock
    staff: dict[str, str]  # initials → id
    office_id: str
    housing_area: str
    today: date
    first_day: date
    now_local: datetime
    work_days: list[date]  # past working days within the window, for timeline events
    companies: list[str]
    addresses: list[str]
    course_citizens: list[tuple[str, str]] = field(default_factory=list)  # (citizen id, step) in trin 2/3

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.random() * len(options))]

    def fill(self, template: str) -> str:
        return template.format_map(_Blanks(self)) if "{" in template else template


class _Blanks(dict):
    """Values for a text template's blanks, each made only when the template uses it."""

    def __init__(self, world: _World) -> None:
        super().__init__()
        self.world = world

    def __missing__(self, key: str) -> Any:
        world, rng = self.world, self.world.rng
        if key == "company":
            value: Any = world.pick(world.companies)
        elif key == "job":
            value = world.pick(_JOBS)
        elif key == "language":
            value = world.pick(_LANGUAGES)
        elif key == "address":
            value = world.pick(world.addresses)
        elif key == "day":
            soon = world.today + timedelta(days=rng.randint(1, 14))
            value = f"{soon.day:02d}.{soon.month:02d}"
        elif key == "clock":
            value = f"{rng.choice((9, 10, 11, 13, 14))}.{rng.choice(('00', '30'))}"
        elif key in ("hours", "ordinary"):  # drawn together: ordinary hours are part of the hours
            hours = rng.randint(4, 30)
            self["hours"], self["ordinary"] = hours, rng.randint(0, min(hours, 10))
            return self[key]
        elif key == "weeks":
            value = rng.choice((4, 6, 8, 13))
        elif key == "month":
            value = _MONTHS[(world.today.month - 2) % 12]
        elif key == "subgoal":
            value = world.pick(_SUBGOALS)
        else:
            raise KeyError(key)
        self[key] = value
        return value


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


def _citizen(world: _World, used_cprs: set[str]) -> dict[str, Any]:
    rng, fake = world.rng, world.fake
    sex = "M" if rng.random() < 0.5 else "K"
    if rng.random() < 0.45:
        male, female, last = _INTERNATIONAL_NAMES[int(rng.random() * len(_INTERNATIONAL_NAMES))]
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
    phone = fake.numerify(world.pick(_PHONE_PATTERNS)) if rng.random() >= 0.30 else None
    # Known to the office before the demo window starts, so every event comes after creation.
    created_local = datetime.combine(
        world.first_day - timedelta(days=rng.randint(1, 900)), time(8, rng.randint(0, 59))
    ) + timedelta(hours=rng.randint(0, 6))
    roll = rng.random()
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


def _record_state(world: _World, created: datetime) -> dict[str, Any]:
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
        "job_goal": world.pick(_JOBS),
        "cv_status": rng.choice(("mangler", "i_gang")) if step == "trin1" else "faerdig",
    }


def _events_for(world: _World, citizen_id: str, count: int, choose_kind: Callable[[], str]) -> None:
    rng = world.rng
    if not world.work_days:
        return
    moments = sorted(
        datetime.combine(world.pick(world.work_days), time(8)) + timedelta(minutes=int(rng.random() * 450))
        for _ in range(count)
    )
    previous: str | None = None
    for index, local in enumerate(moments):
        kind = _FIRST_EVENTS[index] if index < len(_FIRST_EVENTS) else choose_kind()
        templates, writers = _EVENT_TEXTS[kind]
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
            details=world.fill(world.pick(_DETAILS)),
            corrects_id=corrects,
        )


def _follow_up(world: _World, calendar: WorkdayCalendar, citizen_id: str) -> None:
    rng = world.rng
    kind, reason = _FOLLOW_UPS[int(rng.random() * len(_FOLLOW_UPS))]
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
    world: _World,
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
    note = _ANONYMOUS_NOTES[reason] if anonymous else world.pick(_ARRIVAL_NOTES)
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
            staff_id=world.staff.get("BM"), note=world.pick(_CANCEL_NOTES),
        )  # fmt: skip
        return
    started = min(arrived + wait, world.now_local)
    helper = world.staff.get(rng.choices(("JK", "JF", "BM"), (4, 3, 3))[0])
    writer.add("walk_in_transitions", walk_in_id=walk_in_id, kind="start", at=utc(started), staff_id=helper)
    if state == "in_progress":
        return
    finished = min(started + timedelta(minutes=rng.randint(5, 35)), world.now_local)
    outcome = world.pick(_OUTCOMES[reason])
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
            reason=_WALK_IN_FOLLOW_UP.format(day=f"{arrived.day:02d}.{arrived.month:02d}"),
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


def _today_queue(world: _World) -> list[tuple[datetime, str]]:
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


def _write_companies_and_agreements(world: _World, session: Session, calendar: WorkdayCalendar) -> None:
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
                phone=fake.numerify(world.pick(_PHONE_PATTERNS)),
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
        weeks = 13 if kind in ("virksomhedspraktik", "kombination") else rng.choice((13, 26, 52))
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        if step == "trin3":
            status = "aktiv" if end >= world.today else "afsluttet"
        else:
            status = rng.choices(("udkast", "afsluttet", "afbrudt"), (2, 3, 3))[0]
        if status == "udkast":
            start = world.today + timedelta(days=rng.randint(3, 30))
            end = start + timedelta(weeks=weeks) - timedelta(days=1)
        renegotiate = status == "aktiv" and start < world.today - timedelta(days=60) and rng.random() < 0.35
        schedule, ordinary = _schedule(rng, kind, rng.randint(1, 3))
        common = {
            "citizen_id": citizen_id, "company_id": company_id, "course_kind": kind, "health_notes": "",
            "tasks": world.pick(_SUITABLE_TASKS), "contact_id": world.pick(contacts), "jobformidler_id": jf,
            "follow_up_plan": plan_json, "created_by": jf,
        }  # fmt: skip
        created = world.clock.utc(datetime.combine(min(start, world.today) - timedelta(days=7), time(11)))
        versions = []
        if renegotiate:
            middle = start + timedelta(days=rng.randint(40, 60))
            first_id = writer.add(
                "agreements", **common, version=1, status="afsluttet", status_reason="genforhandlet",
                status_changed_at=world.clock.utc(datetime.combine(middle, time(12))), schedule=schedule,
                start_date=start, end_date=middle - timedelta(days=1), created_at=created,
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
            )  # fmt: skip
        root = versions[0] if versions else agreement_id
        if status == "aktiv":
            visits = plan_visits(plan, start, end, calendar)
            for number, visit in enumerate(visits, start=1):
                key = f"agreement:{root}:{visit.index}"
                done = visit.due < world.today
                writer.add(
                    "follow_up_tasks", id=derived_id(citizen_id, key), citizen_id=citizen_id, kind="aftaleopfoelgning",
                    rule=PLAN_TASK_RULE, reason=f"Opfølgning på aftalen med {company_name} (besøg {number} af {len(visits)})",
                    due_date=visit.due, assignee_id=jf, status="done" if done else "open", subject_id=agreement_id,
                    created_by=jf, created_at=created, rule_key=key, agreement_id=agreement_id,
                    completed_at=world.clock.utc(datetime.combine(visit.due, time(14))) if done else None,
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
    world: _World, transaction: Callable[[], AbstractContextManager[Session]], citizens: int,
    events_per_citizen: float, calendar: WorkdayCalendar, report: ProgressFn,
) -> list[str]:  # fmt: skip
    """Citizens with their timelines and some open follow-ups, a transaction per chunk."""
    rng, writer = world.rng, world.writer
    choose_kind = _weighted(rng, _EVENT_WEIGHTS)
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
                if count >= len(_FIRST_EVENTS):
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
        done = f"{_thousands(chunk_end)} af {_thousands(citizens)}"
        report(0.9 * chunk_end / max(citizens, 1), f"Borgere og hændelser: {done}")
    return citizen_ids


def _write_walk_ins(
    world: _World, session: Session, citizen_ids: list[str], window: list[date], open_hours: OpenHours,
    calendar: WorkdayCalendar,
) -> None:  # fmt: skip
    """Walk-ins on the counter's open days (a few per day for a small office, up to 40), then today's queue."""
    rng, writer = world.rng, world.writer
    choose_reason = _weighted(rng, _WALK_IN_REASON_WEIGHTS)
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
    open_hours = open_hours or _default_open_hours(calendar)

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
    world = _World(
        rng=rng,
        fake=fake,
        writer=_BulkWriter(db),
        clock=_Clock(),
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
            _write_companies_and_agreements(world, session, calendar)

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
                f"Demodata genereret (frø {seed}): {_thousands(summary.citizens)} borgere, "
                f"{_thousands(summary.walk_ins)} henvendelser, {_thousands(summary.events)} hændelser, "
                f"{_thousands(summary.follow_ups)} opfølgninger"
            ),
        )
    report(1.0, "Demodata er klar.")
    return summary

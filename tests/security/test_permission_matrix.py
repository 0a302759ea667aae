"""The permission matrix (assets/permissions.toml) against a real database: every role tries every one of
the store's actions (allowed → rows land; refused → PermissionDenied and nothing written) and reads every
kind of personal data (with and without consent for the boligsocial role). Plus the guards that every action
of the TOML has a case here, that the TOML and the code name the same actions, and that every write action
of store/actions checks one."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.changes.change import Change
from aaben_raadgivning.changes.hlc import decode, encode
from aaben_raadgivning.domain.agreements import AgreementInput
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.security.permissions import PermissionDenied, load_permissions
from aaben_raadgivning.store.actions.agreement_export import export_agreement
from aaben_raadgivning.store.actions.agreements import save_agreement
from aaben_raadgivning.store.actions.audit_log import record_audit_view
from aaben_raadgivning.store.actions.base_data import update_base_data
from aaben_raadgivning.store.actions.citizen_import import import_citizens
from aaben_raadgivning.store.actions.citizen_record import (
    advance_step,
    assign_jobformidler,
    break_off_course,
    record_visitation,
    reveal_cpr,
    update_plan,
)
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.companies import CompanyInput, create_company
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.actions.follow_ups import FollowUpRequest, add_manual_follow_up
from aaben_raadgivning.store.actions.hours import register_hours
from aaben_raadgivning.store.actions.outcomes import record_outcome
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.actions.staff import create_staff, set_staff_active
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.actions.sync_conflicts import resolve_conflict
from aaben_raadgivning.store.actions.timeline import (
    add_event,
    record_cancellation,
    record_no_show,
    register_sanction,
)
from aaben_raadgivning.store.actions.walk_ins import register_walk_in, start_walk_in
from aaben_raadgivning.store.database import Database
from aaben_raadgivning.store.documents.plan import print_plan
from aaben_raadgivning.store.models import AuditEntry, ChangeLogEntry, Citizen, Consent, Event, Staff
from aaben_raadgivning.store.queries.agreements import agreement_detail, citizen_agreements
from aaben_raadgivning.store.queries.audit_log import AuditFilter, audit_page
from aaben_raadgivning.store.queries.citizen import citizen_summary, timeline_page
from aaben_raadgivning.store.queries.hours import citizen_agreements as hours_agreements
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from aaben_raadgivning.store.replica import Applier, store_changes
from aaben_raadgivning.sync.bookkeeping import open_conflicts
from support.agreements import make_agreement, make_company
from support.clock import PASSWORD

ROLES = ("jobkonsulent", "jobformidler", "boligsocial", "leder")
ACTIONS_DIR = Path(__file__).parents[2] / "src" / "aaben_raadgivning" / "store" / "actions"
# Write functions that are not a role's action: the log-in itself, one's own password, the nightly sweep.
NOT_ROLE_ACTIONS = {
    "authenticate", "log_out", "change_own_password", "mark_swept", "sweep_follow_ups", "record_lock",
    "record_takeover",
}  # fmt: skip
TODAY = date(2026, 11, 24)
HEALTH_NOTE = "Tåler ikke tunge løft"


@pytest.fixture
def people(world):
    staff = {"jobkonsulent": world.jk, "jobformidler": world.jf}
    staff["boligsocial"] = create_staff(
        world.db, initials="BS", name="Bo Social", role="boligsocial", password=PASSWORD
    )
    staff["leder"] = create_staff(world.db, initials="LE", name="Lise Leder", role="leder", password=PASSWORD)
    citizen = create_citizen(world.db, world.jk.id, name="Åse Hansen", cpr="010190-1234", phone="12345678")
    record_visitation(world.db, world.jk.id, citizen.id, "projekt")
    add_event(world.db, world.jk.id, citizen.id, kind="samtale", summary="Første samtale")
    register_walk_in(world.db, world.jk.id, reason=_reason(), citizen_id=citizen.id)
    return staff, citizen


def _reason() -> str:
    from aaben_raadgivning.domain.reference import load_reference

    return load_reference().walk_in_reasons.active()[0].code


def changes(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0


class Footprint(NamedTuple):
    changes: int  # change-log rows (every synced write)
    audit: int  # audit-log entries (an export writes only this and a file)


def footprint(db) -> Footprint:
    with db.session() as session:
        return Footprint(changes(db), session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def give_consent(db, citizen_id: str, categories: str) -> None:
    with db.transaction() as tx:
        tx.add(Consent(citizen_id=citizen_id, categories=categories, given_how="skriftligt",
                       given_on=TODAY - timedelta(days=1), valid_until=TODAY + timedelta(days=300),
                       created_at=tx.now))  # fmt: skip


def _walk_in(world, citizen, tmp_path):
    return register_walk_in(world.db, world.jk.id, reason=_reason(), citizen_id=citizen.id)


def _in_course(world, citizen, tmp_path):
    """The prepared citizen (visitated, trin 1) moved on to trin 3, a company course."""
    for _ in range(2):
        advance_step(world.db, world.jk.id, citizen.id, override_reason="Test: kriterierne er vurderet")


def _sanction_guard_met(world, citizen, tmp_path):
    """Written guidance, then a no-show, then an attempt at personal contact: the law's guard passes."""
    now = datetime.combine(TODAY, time(10, 15))
    add_event(world.db, world.jk.id, citizen.id, kind="skriftlig_vejledning", summary="Vejledt om mødepligt",
              occurred_at=now - timedelta(days=10))  # fmt: skip
    record_no_show(world.db, world.jk.id, citizen.id, calendar=WorkdayCalendar(), occurred_at=now - timedelta(days=3))
    add_event(world.db, world.jk.id, citizen.id, kind="telefon", summary="Ringede", occurred_at=now - timedelta(days=1))


def _import_file(world, citizen, tmp_path):
    """A caseload file: the prepared citizen (a new phone) and a new one."""
    path = tmp_path / "borgere.csv"
    path.write_text("CPR;Navn;Tlf\n010190-1234;Åse Hansen;87654321\n020281-1000;Ny Importeret;12121212\n",
                    encoding="utf-8")  # fmt: skip
    return path


def _company(world, citizen, tmp_path):
    return make_company(world.db)


def _agreement(world, citizen, tmp_path):
    """An active agreement with a company for the prepared citizen."""
    company, contact = make_company(world.db)
    return make_agreement(world.db, citizen.id, company, contact, jobformidler_id=world.jf.id, health_notes=HEALTH_NOTE)


def _conflict(world, citizen, tmp_path):
    """A real sync conflict on the citizen's phone number: two other laptops changed it from the same base;
    their changes arrive and are applied as a sync applies them. Returns the losing change's id."""
    with world.db.session() as session:
        base = session.scalars(
            select(ChangeLogEntry.hlc)
            .where(ChangeLogEntry.table_name == "citizens", ChangeLogEntry.row_id == citizen.id)
            .order_by(ChangeLogEntry.hlc.desc())
        ).first()
    ms, _counter, _device = decode(base)
    edits = [
        Change(f"remote-{device}", encode(ms + step, 0, device), device, "citizens", citizen.id, "update", "phone",
               json.dumps(phone), base)
        for step, device, phone in ((10, "laptop-b", "11111111"), (20, "laptop-c", "22222222"))
    ]  # fmt: skip
    with world.db.engine.begin() as conn:
        store_changes(conn, edits)
        Applier(conn).apply(edits)
    conflicts = open_conflicts(world.db)
    assert [c["field"] for c in conflicts] == ["phone"]  # the case has something to resolve
    return conflicts[0]["loser_id"]


@dataclass(frozen=True)
class Case:
    """How ``actor`` does the action on the prepared citizen; ``prepare`` (run as the jobkonsulent before
    the count is taken) builds the state the action needs and returns what ``act`` gets as ``ready``."""

    act: Callable[[Database, str, Citizen, Any], object]
    prepare: Callable[[Any, Citizen, Path], Any] | None = None


# permission → one of the store actions that checks it, done as the actor on the prepared citizen
ACTION_CASES: dict[str, Case] = {
    "register_walk_in": Case(
        lambda db, actor, c, ready: register_walk_in(db, actor, reason=_reason(), citizen_id=c.id)
    ),
    "handle_walk_in": Case(lambda db, actor, c, walk_in: start_walk_in(db, actor, walk_in.id), _walk_in),
    "create_citizen": Case(lambda db, actor, c, ready: create_citizen(db, actor, name="Ny Borger")),
    "record_visitation": Case(lambda db, actor, c, ready: record_visitation(db, actor, c.id, "projekt")),
    "advance_step": Case(
        lambda db, actor, c, ready: advance_step(db, actor, c.id, override_reason="Kriterierne er vurderet")
    ),
    "assign_jobformidler": Case(lambda db, actor, c, ready: assign_jobformidler(db, actor, c.id, _staff_id(db, "JF"))),
    "break_off_course": Case(
        lambda db, actor, c, ready: break_off_course(db, actor, c.id, reason="Virksomheden lukkede"), _in_course
    ),
    "judge_rehab": Case(
        lambda db, actor, c, ready: break_off_course(
            db, actor, c.id, reason="Virksomheden lukkede", rehab_target_group=True
        ),
        _in_course,
    ),
    "update_plan": Case(
        lambda db, actor, c, ready: update_plan(
            db,
            actor,
            c.id,
            job_goal=f"Lager {actor[-4:]}",
            resources="",
            barriers="",
            parallel_efforts=[],
            cv_status="mangler",
        )
    ),
    "sub_goals": Case(
        lambda db, actor, c, ready: add_sub_goal(db, actor, c.id, "Møde til tiden", calendar=WorkdayCalendar())
    ),
    "add_event": Case(lambda db, actor, c, ready: add_event(db, actor, c.id, kind="samtale", summary="Samtale")),
    "record_no_show": Case(lambda db, actor, c, ready: record_no_show(db, actor, c.id, calendar=WorkdayCalendar())),
    "record_cancellation": Case(lambda db, actor, c, ready: record_cancellation(db, actor, c.id)),
    "register_sanction": Case(
        lambda db, actor, c, ready: register_sanction(
            db,
            actor,
            c.id,
            kind="punktsanktion",
            assessment="Borgeren har ressourcer til at møde",
            grounds_considered="Ingen rimelige grunde",
        ),
        _sanction_guard_met,
    ),
    "agreements": Case(
        lambda db, actor, c, company: save_agreement(
            db,
            actor,
            AgreementInput(
                citizen_id=c.id,
                company_id=company[0].id,
                course_kind="kombination",
                contact_id=company[1].id,
                tasks="Opfyldning af varer",
            ),
            calendar=WorkdayCalendar(),
        ),
        _company,
    ),
    "companies": Case(
        lambda db, actor, c, ready: create_company(db, actor, CompanyInput(cvr="10000009", name="Firma"))
    ),
    "register_hours": Case(
        lambda db, actor, c, agreement: register_hours(db, actor, agreement.id, date(2026, 10, 1), ordinary=600),
        _agreement,
    ),
    "follow_ups": Case(
        lambda db, actor, c, ready: add_manual_follow_up(
            db,
            actor,
            c.id,
            FollowUpRequest(
                due_date=date(2026, 12, 1), assignee_id=_staff_id(db, "JF"), reason="Ring og hør hvordan det går"
            ),
        )
    ),
    "export_agreement": Case(
        lambda db, actor, c, ready: export_agreement(db, actor, ready[0].id, ready[1] / f"{actor}.md", fmt="md"),
        lambda world, c, tmp_path: (_agreement(world, c, tmp_path), tmp_path),
    ),
    "print_plan": Case(
        lambda db, actor, c, ready: print_plan(db, actor, c.id, ready[1] / f"{actor}.pdf"),
        lambda world, c, tmp_path: (_agreement(world, c, tmp_path), tmp_path),
    ),
    "resolve_conflict": Case(lambda db, actor, c, loser_id: resolve_conflict(db, actor, loser_id, "vinder"), _conflict),
    "consent": Case(
        lambda db, actor, c, ready: register_consent(
            db, actor, c.id, categories=["kontakt"], given_how="mundtligt", given_on=TODAY
        )
    ),
    "purge_citizen": Case(lambda db, actor, c, ready: purge_citizen(db, actor, c.id, "Test")),
    "manage_staff": Case(lambda db, actor, c, ready: set_staff_active(db, initials="JF", active=False, actor_id=actor)),
    "edit_contact_data": Case(
        lambda db, actor, c, ready: update_base_data(db, actor, c.id, phone="23456789", interpreter_needed=True)
    ),
    "edit_base_data": Case(
        lambda db, actor, c, ready: update_base_data(db, actor, c.id, benefit_type="kontanthjaelp", match_group="3")
    ),
    "import_citizens": Case(lambda db, actor, c, path: import_citizens(db, actor, path, dry_run=False), _import_file),
    "record_outcome": Case(
        lambda db, actor, c, ready: record_outcome(db, actor, c.id, outcome="job_fuldtid", outcome_date=TODAY)
    ),
}


def _staff_id(db, initials: str) -> str:
    with db.session() as session:
        return session.scalars(select(Staff.id).where(Staff.initials == initials)).one()


def test_every_action_of_the_toml_has_a_case():
    """A new action in permissions.toml without a case here fails: every action is tried by every role."""
    assert set(ACTION_CASES) == set(load_permissions().actions)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(ACTION_CASES))
def test_every_role_tries_the_action(people, world, tmp_path, role, permission):
    staff, citizen = people
    case = ACTION_CASES[permission]
    ready = case.prepare(world, citizen, tmp_path) if case.prepare else None
    allowed = load_permissions().may(role, permission)
    before = footprint(world.db)
    if allowed:
        try:
            case.act(world.db, staff[role].id, citizen, ready)
        except PermissionDenied as exc:  # pragma: no cover - the failure message says which
            pytest.fail(f"{role} should be allowed {permission}: {exc.message}")
        after = footprint(world.db)
        assert after.changes > before.changes or after.audit > before.audit  # something landed
    else:
        with pytest.raises(PermissionDenied) as caught:
            case.act(world.db, staff[role].id, citizen, ready)
        assert caught.value.message.startswith("Som ")
        assert footprint(world.db) == before  # no change-log rows, no audit entries
        assert list(tmp_path.glob("*.md")) == []  # (an export refused writes no file)


def test_a_deactivated_account_may_do_nothing(people, world):
    staff, citizen = people
    set_staff_active(world.db, initials="BS", active=False, actor_id=world.jk.id)
    before = changes(world.db)
    with pytest.raises(PermissionDenied):
        register_walk_in(world.db, staff["boligsocial"].id, reason=_reason(), citizen_id=citizen.id)
    with pytest.raises(PermissionDenied):
        create_citizen(world.db, "no-such-staff", name="X")
    assert changes(world.db) == before


@pytest.mark.parametrize(
    ("role", "consent", "cpr", "has_step", "kinds"),
    [
        ("jobkonsulent", None, "0101901234", True, {"visitation", "samtale"}),
        ("jobformidler", None, "0101901234", True, {"visitation", "samtale"}),
        ("leder", None, "0101901234", True, {"visitation", "samtale"}),
        ("boligsocial", None, "010190-xxxx", False, set()),
        ("boligsocial", "kontakt", "010190-xxxx", False, set()),
        ("boligsocial", "kontakt,forloeb", "010190-xxxx", True, {"visitation", "samtale"}),
    ],
)
def test_every_role_reads_the_citizen(people, world, role, consent, cpr, has_step, kinds):
    staff, citizen = people
    # A walk-in on the timeline: the one kind a boligsocial medarbejder always sees.
    with world.db.transaction() as tx:
        tx.add(Event(citizen_id=citizen.id, kind="aaben_raadgivning", occurred_at=tx.now, recorded_at=tx.now,
                     summary="Kom forbi"))  # fmt: skip
    if consent:
        give_consent(world.db, citizen.id, consent)
    viewer = Viewer.of(staff[role])
    summary = citizen_summary(world.db, citizen.id, TODAY, viewer=viewer)
    assert summary is not None and summary.citizen.name == "Åse Hansen" and summary.citizen.phone == "12345678"
    assert summary.citizen.cpr == cpr
    assert (summary.citizen.step is not None) == has_step
    assert summary.citizen.benefit_type is None or role != "boligsocial"
    shown = {row.kind for row in timeline_page(world.db, citizen.id, viewer=viewer)}
    assert shown == kinds | {"aaben_raadgivning"}
    hits = search_citizens(world.db, "Åse", viewer=viewer)
    assert [hit.cpr for hit in hits] == [cpr]


ALL_CONSENT = "kontakt,forloeb,aftaler,helbred"


@pytest.fixture
def reading(people, world):
    """The prepared citizen with something of every read scope: a benefit, an active agreement with health
    notes, and a timeline event of each scope's kinds (the actions before have written audit entries)."""
    staff, citizen = people
    agreement = _agreement(world, citizen, None)
    with world.db.transaction() as tx:
        tx.update(tx.session.get(Citizen, citizen.id), benefit_type="kontanthjaelp")
        for kind, summary in (
            ("aaben_raadgivning", "Kom forbi"),
            ("aftale", "Aftale med Bilka"),
            ("underretning", "Underretning sendt"),
            ("sanktion", "Punktsanktion"),
        ):
            tx.add(Event(citizen_id=citizen.id, kind=kind, occurred_at=tx.now, recorded_at=tx.now, summary=summary))
    return staff, citizen, agreement  # fmt: skip


def _kinds(db, citizen, viewer) -> set[str]:
    return {row.kind for row in timeline_page(db, citizen.id, viewer=viewer)}


def _revealed(db, actor_id: str, citizen) -> str | None:
    try:
        return reveal_cpr(db, actor_id, citizen.id)
    except PermissionDenied:
        return None


def _audit_view(db, actor_id: str) -> bool:
    try:
        record_audit_view(db, actor_id, "alle")
    except PermissionDenied:
        return False
    return True


# read scope → what a reader sees of it, each part True when shown (through the store's queries and audited
# reads, as the screens read): all True when the role may read the scope, all False when it may not.
READ_PROBES: dict[str, Callable[[Database, Staff, Citizen, Any], list[bool]]] = {
    "contact": lambda db, staff, c, agreement: [
        (summary := citizen_summary(db, c.id, TODAY, viewer=Viewer.of(staff))) is not None
        and summary.citizen.phone == "12345678",
        [hit.phone for hit in search_citizens(db, "Åse", viewer=Viewer.of(staff))] == ["12345678"],
        "aaben_raadgivning" in _kinds(db, c, Viewer.of(staff)),
    ],
    "cpr_full": lambda db, staff, c, agreement: [
        citizen_summary(db, c.id, TODAY, viewer=Viewer.of(staff)).citizen.cpr == "0101901234",
        [hit.cpr for hit in search_citizens(db, "Åse", viewer=Viewer.of(staff))] == ["0101901234"],
        _revealed(db, staff.id, c) == "0101901234",
    ],
    "case": lambda db, staff, c, agreement: [
        citizen_summary(db, c.id, TODAY, viewer=Viewer.of(staff)).citizen.step is not None,
        {"visitation", "samtale"} <= _kinds(db, c, Viewer.of(staff)),
    ],
    "agreements": lambda db, staff, c, agreement: [
        [row.id for row in citizen_agreements(db, c.id, viewer=Viewer.of(staff))] == [agreement.id],
        agreement_detail(db, agreement.id, viewer=Viewer.of(staff)) is not None,
        [row.id for row in hours_agreements(db, c.id, viewer=Viewer.of(staff))] == [agreement.id],
        "aftale" in _kinds(db, c, Viewer.of(staff)),
    ],
    "health": lambda db, staff, c, agreement: [
        (detail := agreement_detail(db, agreement.id, viewer=Viewer.of(staff))) is not None
        and detail.agreement.health_notes == HEALTH_NOTE,
        "underretning" in _kinds(db, c, Viewer.of(staff)),
    ],
    "benefit": lambda db, staff, c, agreement: [
        citizen_summary(db, c.id, TODAY, viewer=Viewer.of(staff)).citizen.benefit_type == "kontanthjaelp",
        "sanktion" in _kinds(db, c, Viewer.of(staff)),
    ],
    "audit": lambda db, staff, c, agreement: [
        audit_page(db, Viewer.of(staff).role, AuditFilter()) != [],
        audit_page(db, Viewer.of(staff).role, AuditFilter(citizen_ids=(c.id,))) != [],
        _audit_view(db, staff.id),
    ],
    "results": lambda db, staff, c, agreement: [_reads_results(db, staff)],
}


def _reads_results(db, staff) -> bool:
    """The month's figures (F6, the report command): refused in Danish without the «results» scope."""
    from aaben_raadgivning.store.queries.results import month_results

    try:
        figures = month_results(db, TODAY.replace(day=1), viewer=Viewer.of(staff))
    except PermissionDenied as refused:
        assert refused.message.startswith("Som ")
        return False
    return figures is not None


def test_every_read_scope_has_a_probe():
    assert set(READ_PROBES) == set(load_permissions().reads)


@pytest.mark.parametrize(
    ("role", "consent"),
    [(role, None) for role in ROLES] + [("boligsocial", ALL_CONSENT)],
)
@pytest.mark.parametrize("scope", sorted(READ_PROBES))
def test_every_role_reads_each_scope(reading, world, role, consent, scope):
    staff, citizen, agreement = reading
    if consent:
        give_consent(world.db, citizen.id, consent)
    allowed = load_permissions().may_read(role, scope, consent.split(",") if consent else ())
    seen = READ_PROBES[scope](world.db, staff[role], citizen, agreement)
    assert seen == [allowed] * len(seen), f"{role} ({consent or 'uden samtykke'}) reads {scope}: {seen}"


def test_a_deactivated_viewer_reads_nothing(people, world):
    staff, citizen = people
    set_staff_active(world.db, initials="BS", active=False, actor_id=world.jk.id)
    from aaben_raadgivning.store.models import Staff

    with world.db.session() as session:
        gone = session.get(Staff, staff["boligsocial"].id)
    viewer = Viewer.of(gone)
    assert citizen_summary(world.db, citizen.id, TODAY, viewer=viewer) is None
    assert search_citizens(world.db, "Åse", viewer=viewer) == []


def _action_functions() -> dict[str, ast.FunctionDef]:
    found = {}
    for path in sorted(ACTIONS_DIR.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found[f"{path.stem}.{node.name}"] = node
    return found


def _opens_transaction(node: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "transaction" for n in ast.walk(node))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants (an action may name its permission once, e.g. PERMISSION)."""
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }  # fmt: skip


def _names(call: ast.Call, constants: dict[str, str]) -> set[str]:
    found = set()
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
        elif isinstance(arg, ast.Name) and arg.id in constants:
            found.add(constants[arg.id])
    return found


def _checks(node: ast.FunctionDef) -> set[str]:
    """The permission names a function checks (authorize / authorize_if_person / authorize_read calls; an
    audited read that only needs an active account calls load_actor)."""
    names = set()
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id.startswith(("authorize", "load_actor"))
        ):
            names |= {a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            names.add(call.func.id)
    return names


def test_every_write_action_checks_a_permission():
    unchecked = [
        name
        for name, node in _action_functions().items()
        if _opens_transaction(node) and not _checks(node) and node.name not in NOT_ROLE_ACTIONS
    ]
    assert unchecked == [], "write actions without authorize(...): " + ", ".join(unchecked)


def test_the_toml_and_the_code_name_the_same_actions():
    used: set[str] = set()
    for path in ACTIONS_DIR.parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("authorize"):
                used |= _names(node, constants)
    permissions = load_permissions()
    assert set(permissions.actions) - used == set(), "in permissions.toml but checked nowhere"
    assert used - set(permissions.actions) - set(permissions.reads) == set(), "checked but not in permissions.toml"


@pytest.mark.parametrize(
    ("role", "message"),
    [("boligsocial", "må ikke oprette medarbejdere"), (None, "mangler 'first_account'")],
)
def test_the_first_account_role_is_data_and_must_be_allowed_to_make_the_others(role, message):
    """assets/permissions.toml [first_account]: the role an office's first account gets in the app; one that
    may not manage staff (or none at all) is refused when the file is read, in Danish."""
    from importlib import resources

    from aaben_raadgivning.domain.reference import load_reference
    from aaben_raadgivning.security.permissions import PermissionsError, parse_permissions

    text = resources.files("aaben_raadgivning.assets").joinpath("permissions.toml").read_text(encoding="utf-8")
    assert 'role = "jobkonsulent"' in text
    changed = (
        text.replace("[first_account]\n", "[no_first_account]\n")
        if role is None
        else text.replace('role = "jobkonsulent"', f'role = "{role}"')
    )
    roles = [term.code for term in load_reference().roles.terms]
    with pytest.raises(PermissionsError) as caught:
        parse_permissions(changed, roles, ["kontakt", "forloeb", "aftaler", "helbred"])
    assert message in str(caught.value)

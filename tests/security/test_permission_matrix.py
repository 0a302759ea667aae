"""The permission matrix (assets/permissions.toml) against a real database: every role tries the store's
actions (allowed → rows land; refused → PermissionDenied and nothing written) and reads a citizen (with
and without consent for the boligsocial role). Plus the guard that the TOML and the code name the same
actions, and that every write action of store/actions checks one."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.security.permissions import PermissionDenied, load_permissions
from aaben_raadgivning.store.actions.citizen_record import assign_jobformidler, record_visitation, update_plan
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.actions.companies import CompanyInput, create_company
from aaben_raadgivning.store.actions.consent import register_consent
from aaben_raadgivning.store.actions.purge import purge_citizen
from aaben_raadgivning.store.actions.staff import create_staff, set_staff_active
from aaben_raadgivning.store.actions.sub_goals import add_sub_goal
from aaben_raadgivning.store.actions.timeline import add_event, record_no_show
from aaben_raadgivning.store.actions.walk_ins import register_walk_in
from aaben_raadgivning.store.models import ChangeLogEntry, Consent, Event, Staff
from aaben_raadgivning.store.queries.citizen import citizen_summary, timeline_page
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from support.clock import PASSWORD

ROLES = ("jobkonsulent", "jobformidler", "boligsocial", "leder")
ACTIONS_DIR = Path(__file__).parents[2] / "src" / "aaben_raadgivning" / "store" / "actions"
# Write functions that are not a role's action: the log-in itself, one's own password, the nightly sweep.
NOT_ROLE_ACTIONS = {
    "authenticate", "log_out", "change_own_password", "mark_swept", "sweep_follow_ups", "record_lock",
    "record_takeover",
}  # fmt: skip
TODAY = date(2026, 11, 24)


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


def give_consent(db, citizen_id: str, categories: str) -> None:
    with db.transaction() as tx:
        tx.add(Consent(citizen_id=citizen_id, categories=categories, given_how="skriftligt",
                       given_on=TODAY - timedelta(days=1), valid_until=TODAY + timedelta(days=300),
                       created_at=tx.now))  # fmt: skip


# (permission, how to do it as actor on the prepared citizen)
ACTION_CASES = {
    "register_walk_in": lambda db, actor, c: register_walk_in(db, actor, reason=_reason(), citizen_id=c.id),
    "create_citizen": lambda db, actor, c: create_citizen(db, actor, name="Ny Borger"),
    "record_visitation": lambda db, actor, c: record_visitation(db, actor, c.id, "projekt"),
    "update_plan": lambda db, actor, c: update_plan(
        db,
        actor,
        c.id,
        job_goal=f"Lager {actor[-4:]}",
        resources="",
        barriers="",
        parallel_efforts=[],
        cv_status="mangler",
    ),
    "add_event": lambda db, actor, c: add_event(db, actor, c.id, kind="samtale", summary="Samtale"),
    "sub_goals": lambda db, actor, c: add_sub_goal(db, actor, c.id, "Møde til tiden", calendar=WorkdayCalendar()),
    "companies": lambda db, actor, c: create_company(db, actor, CompanyInput(cvr="10000009", name="Firma")),
    "purge_citizen": lambda db, actor, c: purge_citizen(db, actor, c.id, "Test"),
    "manage_staff": lambda db, actor, c: set_staff_active(db, initials="JF", active=False, actor_id=actor),
    "record_no_show": lambda db, actor, c: record_no_show(db, actor, c.id, calendar=WorkdayCalendar()),
    "assign_jobformidler": lambda db, actor, c: assign_jobformidler(db, actor, c.id, _staff_id(db, "JF")),
    "consent": lambda db, actor, c: register_consent(
        db, actor, c.id, categories=["kontakt"], given_how="mundtligt", given_on=TODAY
    ),
}


def _staff_id(db, initials: str) -> str:
    with db.session() as session:
        return session.scalars(select(Staff.id).where(Staff.initials == initials)).one()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(ACTION_CASES))
def test_every_role_tries_the_action(people, world, role, permission):
    staff, citizen = people
    allowed = load_permissions().may(role, permission)
    before = changes(world.db)
    action = ACTION_CASES[permission]
    if allowed:
        try:
            action(world.db, staff[role].id, citizen)
        except PermissionDenied:  # pragma: no cover - the failure message says which
            pytest.fail(f"{role} should be allowed {permission}")
        except TypeError:
            pytest.skip("the action's signature differs; covered by its own tests")
        assert changes(world.db) > before
    else:
        with pytest.raises(PermissionDenied) as caught:
            action(world.db, staff[role].id, citizen)
        assert caught.value.message.startswith("Som ")
        assert changes(world.db) == before


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

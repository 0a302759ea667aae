"""Which citizens the daily follow-up sweep must recompute, and this database's record of the last sweep.

Derived follow-up tasks are recomputed in the transaction of every action that changes a citizen's facts.
What changes without any action is the date: the rules compare ``today`` with a few boundary dates of a
citizen (domain.follow_up_rules, "Time"), so between the last sweep D1 and today D2 a citizen's tasks can
differ only when one of these lies in (D1, D2] — one query per kind of boundary:

- **events** (contacts, personal contacts, no-shows, jobsamtaler): an event counts from its Danish day on.
  Only an event recorded on an *earlier* day than it happened can cross the boundary unseen (one recorded
  on or after its day was already counted by its own action's recompute); when the clock went back, every
  event in the range counts. The range scan reads the covering index ``ix_events_citizen_occurred``
  (citizen, occurred_at) — not a seek, there is no index on ``occurred_at`` alone — and then reads just
  the candidates' events in the range through the same index.
- **project start** (``citizens.project_start``: the inactivity rule counts from it), **benefit start** and
  the end of its LAB § 31 period (``citizens.benefit_since``): one table scan, there is no index on either
  — the same scan lists the tombstoned citizens;
- **company course start** and the end of its first period (the monthly-contact rule ends, the inactivity
  rule takes over): any agreement's ``start_date`` (a renegotiated course counts from its first version's
  start, which is some agreement's start date; table scan, no index on it);
- **consent warning day**: ``consent_expiry_warning_days`` before a consent's last day (``valid_until``), for
  consents neither withdrawn nor deleted: the «Samtykke udløber» task appears (table scan of ``consents``,
  one row per consent given);
- **the first day of a month** (the stagnation rule looks at last month's ordinary hours): when one lies in
  (D1, D2], the citizens with an active agreement (a company course; table scan of ``agreements``) whose
  stagnation task (its key: :func:`~aaben_raadgivning.domain.follow_up_rules.stagnation_key`) differs
  between D1 and D2, computed from their hours reports read in one pass (ix_hours_reports_citizen_month);
- and, not date-bound, **tombstoned citizens with open derived tasks** (a deletion that arrived by sync):
  the recompute removes those tasks (their tasks are looked up by ``citizen_id``, never by scanning the
  open tasks: that took 0.3 s with 110 000 open tasks).

The SQL reads a slightly wider window for month periods (31.03 + 1 month = 30.04); Python then keeps only
citizens whose exact boundary lies in the range. Without a recorded last sweep (a new database;
``local_meta`` is never synced) every citizen is a candidate once; a laptop made from a snapshot gets the
snapshot writer's sweep date with it (sync.snapshot keeps that one entry).

The entry also records a fingerprint of what the tasks were derived with — the engine's
:data:`~aaben_raadgivning.domain.follow_up_rules.ENGINE_VERSION`, the rules' numbers and the policy's lists
(``"2026-11-24 3f9a…"``). When the app's rules change (a new version of the app, a municipality's own
numbers), the date is not trusted (:func:`last_sweep_date` gives None) and every citizen is recomputed
once, so no task made under the old rules lingers for a citizen whose facts never change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date, local_day_bounds
from aaben_raadgivning.domain.codes import AgreementStatus, FollowUpStatus
from aaben_raadgivning.domain.follow_up_policy import FollowUpPolicy, load_policy
from aaben_raadgivning.domain.follow_up_rules import (
    ENGINE_VERSION,
    RULES_DERIVED,
    consent_boundary,
    date_boundaries,
    month_boundary_crossed,
    stagnation_key,
    stagnation_months,
)
from aaben_raadgivning.domain.rules import Rules, load_rules
from aaben_raadgivning.store.follow_ups.facts import dated_kinds, ordinary_minutes
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Consent,
    Event,
    FollowUpTask,
    HoursReport,
    LocalMeta,
)

SWEEP_DATE_KEY = "follow_up_sweep_date"  # local_meta: the Danish date of this database's last sweep
_IN_CHUNK = 500  # ids per IN (...) list
_MONTH_SLACK = timedelta(days=3)  # a month step clips the day to the month's end by at most 3 days


def rules_fingerprint(rules: Rules | None = None, policy: FollowUpPolicy | None = None) -> str:
    """A short digest of what derived tasks depend on besides the facts: the engine version, the rules'
    numbers and the policy's lists (the shipped ones by default)."""
    rules = rules or load_rules()
    policy = policy or load_policy()
    monthly = policy.monthly_contact
    parts = [
        ENGINE_VERSION,
        *(f"{key}={rules.value(key)}" for key in rules.keys()),
        ",".join(sorted(monthly.event_kinds)), ",".join(sorted(monthly.staff_roles)), str(monthly.assigned_jobformidler),
        *(f"{r.kind}:{','.join(sorted(r.outcomes))}" for r in policy.routes),
    ]  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def last_sweep_date(session: Session) -> date | None:
    """The day of this database's last sweep; None when never swept, unreadable, or swept under other rules
    (then every citizen is recomputed once)."""
    meta = session.get(LocalMeta, SWEEP_DATE_KEY)
    if meta is None:
        return None
    day, _, fingerprint = meta.value.partition(" ")
    if fingerprint != rules_fingerprint():
        return None  # derived under other rules (or before they were recorded): sweep everyone once
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None  # unreadable: sweep everyone once


def record_sweep_date(session: Session, day: date) -> None:
    """Remember the sweep, and the rules it was made with, in ``local_meta`` (this database only; never
    synced, like the device id)."""
    session.merge(LocalMeta(key=SWEEP_DATE_KEY, value=f"{day.isoformat()} {rules_fingerprint()}"))


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]


def _crossed(day: date, lo: date, hi: date) -> bool:
    return lo < day <= hi


def _period_window(lo: date, hi: date, months: int) -> tuple[date, date]:
    """Start dates S whose ``S + months`` may lie in (lo, hi] (a little wider; filtered exactly after)."""
    return lo + timedelta(days=1) - relativedelta(months=months), hi - relativedelta(months=months) + _MONTH_SLACK


def _events_crossed(session: Session, lo: date, hi: date, *, forward: bool) -> set[str]:
    start, _ = local_day_bounds(lo + timedelta(days=1))
    _, end = local_day_bounds(hi)
    in_range = and_(Event.occurred_at >= start, Event.occurred_at < end)
    # Only (citizen_id, occurred_at): SQLite answers from the covering index, never reading the event rows.
    near = session.scalars(select(Event.citizen_id).where(in_range).distinct()).all()
    kinds = dated_kinds()
    found: set[str] = set()
    for chunk in _chunks(near):
        for row in session.execute(
            select(Event.citizen_id, Event.kind, Event.occurred_at, Event.recorded_at).where(
                Event.citizen_id.in_(chunk), in_range
            )
        ):
            if row.kind not in kinds or row.citizen_id in found:
                continue
            if forward and local_date(row.recorded_at) >= local_date(row.occurred_at):
                continue  # already past when it was recorded: that action's recompute counted it
            found.add(row.citizen_id)
    return found


def _citizens_crossed(session: Session, lo: date, hi: date, rules: Rules) -> tuple[set[str], set[str]]:
    """One scan of ``citizens``: (those whose project start, benefit start or LAB § 31 period end lies in
    (lo, hi], the tombstoned ones)."""
    back_lo, back_hi = _period_window(lo, hi, rules.jobsamtaler_period_months)
    start, benefit = Citizen.project_start, Citizen.benefit_since
    rows = session.execute(
        select(Citizen.id, start, benefit, Citizen.deleted_at).where(
            or_(
                Citizen.deleted_at.is_not(None),
                and_(start > lo, start <= hi),
                and_(benefit > lo, benefit <= hi),
                and_(benefit >= back_lo, benefit <= back_hi),
            )
        )
    )
    crossed, tombstoned = set(), set()
    for row in rows:
        if row.deleted_at is not None:
            tombstoned.add(row.id)
        elif any(
            _crossed(b, lo, hi) for b in date_boundaries(row.project_start, (), rules, benefit_since=row.benefit_since)
        ):
            crossed.add(row.id)
    return crossed, tombstoned


def _course_starts_crossed(session: Session, lo: date, hi: date, rules: Rules) -> set[str]:
    back_lo, back_hi = _period_window(lo, hi, rules.follow_up_first_period_months)
    start = Agreement.start_date
    rows = session.execute(
        select(Agreement.citizen_id, start).where(
            Agreement.deleted_at.is_(None),
            or_(and_(start > lo, start <= hi), and_(start >= back_lo, start <= back_hi)),
        )
    )
    return {
        row.citizen_id
        for row in rows
        if any(_crossed(b, lo, hi) for b in date_boundaries(None, (row.start_date,), rules))
    }


def _stagnation_changed(session: Session, lo: date, hi: date, rules: Rules) -> set[str]:
    """When a month began in (lo, hi]: the citizens in a company course (an active agreement) whose stagnation
    task on ``hi`` is not the one of ``lo`` (a new stretch, a stretch ended, or its next task raised)."""
    if not month_boundary_crossed(lo, hi):
        return set()
    _, base_month = stagnation_months(hi, rules)
    in_course = set(
        session.scalars(
            select(Agreement.citizen_id)
            .where(
                Agreement.status == AgreementStatus.AKTIV,
                Agreement.deleted_at.is_(None),
                exists().where(HoursReport.citizen_id == Agreement.citizen_id, HoursReport.month <= base_month),
            )
            .distinct()
        )
    )
    hours = ordinary_minutes(session, in_course, hi)
    return {
        citizen_id
        for citizen_id, minutes in hours.items()
        if stagnation_key(minutes, lo, rules) != stagnation_key(minutes, hi, rules)
    }


def _consents_crossed(session: Session, lo: date, hi: date, rules: Rules) -> set[str]:
    shift = timedelta(days=rules.consent_expiry_warning_days)
    until = Consent.valid_until
    rows = session.execute(
        select(Consent.citizen_id, until).where(
            Consent.withdrawn_at.is_(None),
            Consent.deleted_at.is_(None),
            until > lo + shift,
            until <= hi + shift,
        )
    )
    return {row.citizen_id for row in rows if _crossed(consent_boundary(row.valid_until, rules), lo, hi)}


def _with_open_derived_tasks(session: Session, citizen_ids: set[str]) -> set[str]:
    """Those of the (tombstoned) citizens that still have open derived tasks: the recompute removes them."""
    found: set[str] = set()
    for chunk in _chunks(citizen_ids):
        found.update(
            session.scalars(
                select(FollowUpTask.citizen_id)
                .where(
                    FollowUpTask.citizen_id.in_(chunk),
                    FollowUpTask.status == FollowUpStatus.OPEN,
                    FollowUpTask.deleted_at.is_(None),
                    FollowUpTask.rule.in_(RULES_DERIVED),
                )
                .distinct()
            )
        )
    return found


def sweep_candidates(session: Session, since: date | None, today: date, rules: Rules) -> list[str]:
    """The citizens whose derived tasks may differ between ``since`` (the last sweep; None = never) and
    ``today``, sorted. A wider set is harmless (the recompute writes nothing for an unchanged citizen)."""
    if since is None or since == today:
        found: set[str] = set()
        if since is None:
            found = set(session.scalars(select(Citizen.id).where(Citizen.deleted_at.is_(None))))
        tombstoned = set(session.scalars(select(Citizen.id).where(Citizen.deleted_at.is_not(None))))
    else:
        lo, hi = sorted((since, today))
        found, tombstoned = _citizens_crossed(session, lo, hi, rules)
        found |= _events_crossed(session, lo, hi, forward=today > since)
        found |= _course_starts_crossed(session, lo, hi, rules)
        found |= _consents_crossed(session, lo, hi, rules)
        found |= _stagnation_changed(session, lo, hi, rules)
    found |= _with_open_derived_tasks(session, tombstoned)
    return sorted(found)

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
- **project start** and the end of its LAB § 31 period (``citizens.project_start``; table scan, there is
  no index on it — the same scan lists the tombstoned citizens);
- **company course start** and the end of its first period (the monthly-contact rule ends, the inactivity
  rule takes over): any agreement's ``start_date`` (a renegotiated course counts from its first version's
  start, which is some agreement's start date; table scan, no index on it);
- **consent warning day**: ``consent_expiry_warning_days`` before a consent's last day (``valid_until``), for
  consents neither withdrawn nor deleted: the «Samtykke udløber» task appears (table scan of ``consents``,
  one row per consent given);
- and, not date-bound, **tombstoned citizens with open derived tasks** (a deletion that arrived by sync):
  the recompute removes those tasks (their tasks are looked up by ``citizen_id``, never by scanning the
  open tasks: that took 0.3 s with 110 000 open tasks).

The SQL reads a slightly wider window for month periods (31.03 + 1 month = 30.04); Python then keeps only
citizens whose exact boundary lies in the range. Without a recorded last sweep (a new database;
``local_meta`` is never synced) every citizen is a candidate once; a laptop made from a snapshot gets the
snapshot writer's sweep date with it (sync.snapshot keeps that one entry).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from aaben_raadgivning.domain.clock import local_date, local_day_bounds
from aaben_raadgivning.domain.codes import FollowUpStatus
from aaben_raadgivning.domain.follow_up_rules import RULES_DERIVED, consent_boundary, date_boundaries
from aaben_raadgivning.domain.rules import Rules
from aaben_raadgivning.store.follow_ups.facts import dated_kinds
from aaben_raadgivning.store.models import (
    Agreement,
    Citizen,
    Consent,
    Event,
    FollowUpTask,
    LocalMeta,
)

SWEEP_DATE_KEY = "follow_up_sweep_date"  # local_meta: the Danish date of this database's last sweep
_IN_CHUNK = 500  # ids per IN (...) list
_MONTH_SLACK = timedelta(days=3)  # a month step clips the day to the month's end by at most 3 days


def last_sweep_date(session: Session) -> date | None:
    meta = session.get(LocalMeta, SWEEP_DATE_KEY)
    if meta is None:
        return None
    try:
        return date.fromisoformat(meta.value)
    except ValueError:
        return None  # unreadable: sweep everyone once


def record_sweep_date(session: Session, day: date) -> None:
    """Remember the sweep in ``local_meta`` (this database only; never synced, like the device id)."""
    session.merge(LocalMeta(key=SWEEP_DATE_KEY, value=day.isoformat()))


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
    """One scan of ``citizens``: (those whose project start or LAB § 31 period end lies in (lo, hi], the
    tombstoned ones)."""
    back_lo, back_hi = _period_window(lo, hi, rules.jobsamtaler_period_months)
    start = Citizen.project_start
    rows = session.execute(
        select(Citizen.id, start, Citizen.deleted_at).where(
            or_(
                Citizen.deleted_at.is_not(None),
                and_(start > lo, start <= hi),
                and_(start >= back_lo, start <= back_hi),
            )
        )
    )
    crossed, tombstoned = set(), set()
    for row in rows:
        if row.deleted_at is not None:
            tombstoned.add(row.id)
        elif any(_crossed(b, lo, hi) for b in date_boundaries(row.project_start, (), rules)):
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
    found |= _with_open_derived_tasks(session, tombstoned)
    return sorted(found)

"""Fremmøde (attendance): which timeline events are appointments kept, missed or cancelled — one definition
for the citizen summary (F3 «Fremmøde»), the monthly results (F6, ``report``) and anything else that counts
attendance.

- **kept** (fremmødt): samtale, personligt møde, jobsamtale;
- **missed** (udeblevet): udeblivelse (store.actions.timeline.record_no_show);
- **cancelled** (afbud, store.actions.timeline.record_cancellation): the citizen cancelled in advance. Neither
  kept nor missed: it leaves the denominator, so an afbud never lowers the fremmødeprocent (the seeds name
  «udeblivelser og afbud» side by side, seed 000 KE 3, and the result requirement of seed 004 is about
  attendance at the appointments that were held or missed). It is counted apart and shown beside the figure.

Walk-ins (åben rådgivning) are not appointments and count neither way; praktik days are not recorded per day.
A corrected event counts as its correction.
"""

from __future__ import annotations

from aaben_raadgivning.domain.codes import EventKind

KEPT_KINDS = (EventKind.SAMTALE, EventKind.PERSONLIGT_MOEDE, EventKind.JOBSAMTALE)
MISSED_KINDS = (EventKind.UDEBLIVELSE,)
CANCELLED_KINDS = (EventKind.AFBUD,)


def attendance_percent(kept: int, missed: int) -> float | None:
    """Kept / (kept + missed) in per cent; None when there was no appointment to count (afbud left out)."""
    total = kept + missed
    return 100.0 * kept / total if total else None

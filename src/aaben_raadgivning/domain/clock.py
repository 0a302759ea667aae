"""Time as the app sees it: stored in UTC, shown and reasoned about in Danish local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def utc_now() -> datetime:
    """Naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC timestamp as naive Danish wall-clock time."""
    return moment.replace(tzinfo=UTC).astimezone(DANISH_TIME).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """Naive Danish wall-clock time as naive UTC."""
    return local.replace(tzinfo=DANISH_TIME).astimezone(UTC).replace(tzinfo=None)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) covering one Danish calendar day (23 or 25 hours at DST changes)."""
    start = to_utc(datetime.combine(day, time.min))
    end = to_utc(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def local_date(moment: datetime) -> date:
    """The Danish calendar day of a stored naive-UTC timestamp (e.g. a transaction's ``now``)."""
    return to_local(moment).date()


def today() -> date:
    """Today in Danish time, whatever the machine's own time zone."""
    return local_date(utc_now())

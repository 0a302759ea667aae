"""Everything a running app needs, opened once: paths, settings, the database, the calendar and open hours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aaben_raadgivning.config import AppPaths, Settings, load_settings, resolve_paths
from aaben_raadgivning.domain.clock import utc_now
from aaben_raadgivning.domain.open_hours import OpenHours
from aaben_raadgivning.domain.workdays import WorkdayCalendar
from aaben_raadgivning.store.database import Database, open_database


@dataclass
class Runtime:
    paths: AppPaths
    settings: Settings
    db: Database
    calendar: WorkdayCalendar
    open_hours: OpenHours
    demo: bool = False

    def close(self) -> None:
        self.db.close()


def open_runtime(
    data_dir: Path | None = None, demo: bool = False, now: Callable[[], datetime] = utc_now
) -> Runtime:
    paths = resolve_paths(data_dir, demo=demo)
    paths.ensure()
    settings = load_settings(paths.settings_file)
    calendar = WorkdayCalendar(settings.extra_days_off)
    open_hours = OpenHours.parse(settings.open_hours, calendar=calendar)  # closed on helligdage
    db = open_database(paths.database, paths.backup_dir, now=now)
    return Runtime(paths=paths, settings=settings, db=db, calendar=calendar, open_hours=open_hours, demo=demo)

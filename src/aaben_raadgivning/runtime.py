"""Everything a running app needs: paths, settings, the database, the calendar and open hours.

Opening happens in two stages so the first screen appears fast: ``RuntimeOpener`` reads paths and
settings (cheap, no database), and ``RuntimeOpener.open()`` — run in a worker by the UI — imports the
database layer, migrates if needed and returns the full ``Runtime``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from aaben_raadgivning.config import AppPaths, Settings, load_settings, resolve_paths
from aaben_raadgivning.domain.clock import utc_now

if TYPE_CHECKING:
    from aaben_raadgivning.domain.open_hours import OpenHours
    from aaben_raadgivning.domain.workdays import WorkdayCalendar
    from aaben_raadgivning.security.office_key import OfficeKey
    from aaben_raadgivning.store.database import Database


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


@dataclass
class RuntimeOpener:
    """Paths and settings, known at once; the database is opened by ``open()``."""

    paths: AppPaths
    settings: Settings
    demo: bool = False
    now: Callable[[], datetime] = field(default=utc_now, repr=False)
    # Create a new database even where one has been (see store/database_file.py); demo data always may.
    allow_new_database: bool = False
    # The office key, when the caller has it already (a first-start dialog); else found by ``open()``.
    office_key: OfficeKey | None = field(default=None, repr=False)
    # An unencrypted database: only the benchmarks' plain baseline sets this; no command or screen can.
    plain_for_benchmarks: bool = False

    @classmethod
    def prepare(
        cls,
        data_dir: Path | None = None,
        demo: bool = False,
        now: Callable[[], datetime] = utc_now,
        *,
        allow_new_database: bool = False,
    ) -> RuntimeOpener:
        paths = resolve_paths(data_dir, demo=demo)
        paths.ensure()
        return cls(paths, load_settings(paths.settings_file), demo, now, allow_new_database)

    def open(self) -> Runtime:
        from aaben_raadgivning.domain.open_hours import OpenHours
        from aaben_raadgivning.domain.step_models import load_step_model
        from aaben_raadgivning.domain.workdays import WorkdayCalendar
        from aaben_raadgivning.security.key_store import check_key, find_key, read_record, write_record
        from aaben_raadgivning.store.database import open_database

        load_step_model(self.settings.step_model)  # an unknown model in settings.toml is reported at once

        calendar = WorkdayCalendar(self.settings.extra_days_off)
        open_hours = OpenHours.parse(self.settings.open_hours, calendar=calendar)  # closed on helligdage
        allow_new = self.allow_new_database or self.demo
        # No key, a wrong one, or the demo key for a real office's folder: refused before the file is opened.
        if self.plain_for_benchmarks:
            db = open_database(self.paths.database, self.paths.backup_dir, now=self.now, allow_new=allow_new,
                               office_key=None)  # fmt: skip
            db.calendar = calendar
            return Runtime(self.paths, self.settings, db, calendar, open_hours, self.demo)
        record = read_record(self.paths.data_dir)
        key = self.office_key or find_key(self.paths.data_dir, demo=self.demo)
        check_key(record, key, self.paths.data_dir)
        db = open_database(
            self.paths.database, self.paths.backup_dir, now=self.now, allow_new=allow_new, office_key=key
        )
        if record is None:  # the folder now belongs to this key: a wrong one is told from damage from now on
            try:
                write_record(self.paths.data_dir, key)
            except BaseException:
                db.close()
                raise
        db.calendar = calendar  # derived follow-up deadlines skip the configured days off too
        return Runtime(self.paths, self.settings, db, calendar, open_hours, self.demo or key.is_demo)


def open_runtime(
    data_dir: Path | None = None,
    demo: bool = False,
    now: Callable[[], datetime] = utc_now,
    *,
    allow_new_database: bool = False,
) -> Runtime:
    return RuntimeOpener.prepare(data_dir, demo, now, allow_new_database=allow_new_database).open()

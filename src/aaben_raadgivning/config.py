"""Where the app keeps its files, and the one TOML settings file.

Paths come from platformdirs; ``--data-dir DIR`` puts everything (database, settings, logs, backups)
inside DIR, which is how several offices, demo data and tests stay apart. Settings are read with
tomllib and written with tomlkit so comments a user wrote in the file survive.
"""

from __future__ import annotations

import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import PlatformDirs

APP_NAME = "aaben-raadgivning"
DB_FILENAME = "aaben-raadgivning.sqlite3"
SETTINGS_FILENAME = "settings.toml"

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILENAME

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    def ensure(self) -> None:
        for directory in (self.data_dir, self.config_dir, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True)


def resolve_paths(data_dir: Path | None = None, demo: bool = False) -> AppPaths:
    """``data_dir`` overrides everything; demo data lives in its own folder so it never mixes with real cases."""
    if data_dir is not None:
        root = data_dir.expanduser().resolve()
        return AppPaths(root, root, root / "logs")
    dirs = PlatformDirs(APP_NAME, appauthor=False)
    if demo:
        root = Path(dirs.user_data_dir) / "demo"
        return AppPaths(root, root, root / "logs")
    return AppPaths(Path(dirs.user_data_dir), Path(dirs.user_config_dir), Path(dirs.user_log_dir))


DEFAULT_SETTINGS_TEXT = """\
# Åben Rådgivning – indstillinger for denne computer.
# Filen må gerne redigeres; kommentarer bevares, når programmet gemmer ændringer.

[office]
# Kontorets navn og boligområdet, som skranken betjener.
name = "Fremskudt beskæftigelsesindsats"
housing_area = ""

[device]
# Et navn, kollegerne kan genkende computeren på (fx "laptop-beboerhuset").
name = ""

[counter]
# Åbningstider for åben rådgivning, fx "09.00-12.00" eller "09.00-12.00, 13.00-15.00". Tom = lukket.
[counter.open_hours]
mandag = "09.00-12.00"
tirsdag = "13.00-16.00"
onsdag = "09.00-12.00"
torsdag = "13.00-17.00"
fredag = ""
"lørdag" = ""
"søndag" = ""

[casework]
# Trinmodel for nye forløb: "flere_skal_med" (standard), "jobgaranti" eller "trappemodel".
# En borger beholder den model, forløbet blev startet i, også hvis denne ændres.
step_model = "flere_skal_med"

[security]
# Skærmen låses efter så mange minutter uden aktivitet.
idle_lock_minutes = 10

[calendar]
# Ekstra fridage ud over helligdagene: grundlovsdag, juleaftensdag, nytaarsaftensdag.
extra_days_off = ["grundlovsdag", "juleaftensdag", "nytaarsaftensdag"]

[sync]
# Fællesmappen på kontorets netværk, som computerne synkroniserer igennem, fx "/mnt/faelles/aaben-raadgivning"
# eller 'S:\\aaben-raadgivning' (en Windows-sti i enkelte anførselstegn). Tom = ingen synkronisering (computeren arbejder alene).
share = ""
# Hvor ofte programmet synkroniserer i baggrunden (minutter), når fællesmappen kan nås.
interval_minutes = 5
"""


@dataclass(frozen=True)
class Settings:
    office_name: str = "Fremskudt beskæftigelsesindsats"
    housing_area: str = ""
    device_name: str = ""
    open_hours: dict[str, str] = field(default_factory=dict)
    idle_lock_minutes: int = 10
    step_model: str = "flere_skal_med"
    extra_days_off: tuple[str, ...] = ("grundlovsdag", "juleaftensdag", "nytaarsaftensdag")
    sync_share: str = ""
    sync_interval_minutes: int = 5

    @property
    def display_device_name(self) -> str:
        return self.device_name or socket.gethostname()


class SettingsError(ValueError):
    """The settings file could not be read; the message is Danish and names the file."""


def _settings_from_mapping(data: dict[str, Any]) -> Settings:
    office = data.get("office", {})
    counter = data.get("counter", {})
    security = data.get("security", {})
    calendar = data.get("calendar", {})
    device = data.get("device", {})
    casework = data.get("casework", {})
    sync = data.get("sync", {})
    defaults = Settings()
    return Settings(
        office_name=str(office.get("name", defaults.office_name)),
        housing_area=str(office.get("housing_area", defaults.housing_area)),
        device_name=str(device.get("name", defaults.device_name)),
        open_hours={str(k): str(v) for k, v in counter.get("open_hours", {}).items()},
        idle_lock_minutes=int(security.get("idle_lock_minutes", defaults.idle_lock_minutes)),
        step_model=str(casework.get("step_model", defaults.step_model)),
        extra_days_off=tuple(calendar.get("extra_days_off", defaults.extra_days_off)),
        sync_share=str(sync.get("share", defaults.sync_share)),
        sync_interval_minutes=max(1, int(sync.get("interval_minutes", defaults.sync_interval_minutes))),
    )


def load_settings(path: Path) -> Settings:
    """Read the settings file, creating it with commented defaults on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_SETTINGS_TEXT, encoding="utf-8")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        return _settings_from_mapping(data)
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise SettingsError(f"Indstillingsfilen {path} kan ikke læses: {exc}") from exc


def update_setting(path: Path, dotted_key: str, value: Any) -> None:
    """Change one value in the settings file, keeping the user's comments and layout."""
    import tomlkit  # only needed when writing; kept off the start-up path
    if not path.exists():
        load_settings(path)
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    *parents, leaf = dotted_key.split(".")
    table: Any = document
    for name in parents:
        if name not in table:
            table[name] = tomlkit.table()
        table = table[name]
    table[leaf] = value
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    tmp.replace(path)

"""Where the app keeps its files, and the one TOML settings file.

Paths come from platformdirs; ``--data-dir DIR`` puts everything (database, settings, logs, backups)
inside DIR, which is how several offices, demo data and tests stay apart. Settings are declared once, as
dataclasses whose defaults also make the commented file written on first use; they are read with tomllib and
written with tomlkit so comments a user wrote in the file survive.
"""

from __future__ import annotations

import difflib
import json
import re
import socket
import tomllib
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, cast

from platformdirs import PlatformDirs

from aaben_raadgivning import file_modes
from aaben_raadgivning.domain.errors import UserError

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
        """Create the folders, readable by this OS user only (they hold citizens' data, even if encrypted)."""
        for directory in (self.data_dir, self.config_dir, self.log_dir):
            file_modes.private_dir(directory)


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


class SettingsError(UserError, ValueError):
    """The settings file could not be read; ``message`` is Danish and names the file."""


# --- the settings, declared once ----------------------------------------------------------------
# Each section of settings.toml is a dataclass; its field defaults are the only defaults. The file written on
# first use (DEFAULT_SETTINGS_TEXT) is generated from them, with the comment in each field's metadata above the
# key, and the reader (_SCHEMA) is derived from them too, so the three cannot disagree.

# What a key may hold. text: a quoted text; minutes: a whole number in MINUTES_RANGE; names: a list of
# texts; hours: a table of weekday = text.
TEXT, MINUTES, NAMES, HOURS = "text", "minutes", "names", "hours"
MINUTES_RANGE = (1, 1440)  # at least a minute, at most a day
MAX_TEXT_LENGTH = 200


def _key(default: Any, kind: str, comment: str = "") -> Any:
    """A settings key: its default, what it may hold, and the comment written above it in the file."""
    if isinstance(default, dict):  # a mutable default: each Settings gets its own copy
        return field(default_factory=lambda: dict(default), metadata={"kind": kind, "comment": comment})
    return field(default=default, metadata={"kind": kind, "comment": comment})


def _table(cls: type[Any]) -> Any:
    return field(default_factory=cls)


@dataclass(frozen=True)
class OfficeSettings:
    name: str = _key("Fremskudt beskæftigelsesindsats", TEXT, "Kontorets navn og boligområdet, som skranken betjener.")
    housing_area: str = _key("", TEXT)


@dataclass(frozen=True)
class DeviceSettings:
    name: str = _key("", TEXT, 'Et navn, kollegerne kan genkende computeren på (fx "laptop-beboerhuset").')


@dataclass(frozen=True)
class CounterSettings:
    open_hours: dict[str, str] = _key(
        {"mandag": "09.00-12.00", "tirsdag": "13.00-16.00", "onsdag": "09.00-12.00", "torsdag": "13.00-17.00",
         "fredag": "", "lørdag": "", "søndag": ""},
        HOURS,
        'Åbningstider for åben rådgivning, fx "09.00-12.00" eller "09.00-12.00, 13.00-15.00". Tom = lukket.',
    )  # fmt: skip


@dataclass(frozen=True)
class CaseworkSettings:
    step_model: str = _key(
        "flere_skal_med",
        TEXT,
        'Trinmodel for nye forløb: "flere_skal_med" (standard), "jobgaranti" eller "trappemodel".\n'
        "En borger beholder den model, forløbet blev startet i, også hvis denne ændres.",
    )


@dataclass(frozen=True)
class SecuritySettings:
    idle_lock_minutes: int = _key(10, MINUTES, "Skærmen låses efter så mange minutter uden aktivitet.")


@dataclass(frozen=True)
class CalendarSettings:
    extra_days_off: tuple[str, ...] = _key(
        ("grundlovsdag", "juleaftensdag", "nytaarsaftensdag"),
        NAMES,
        "Ekstra fridage ud over helligdagene: grundlovsdag, juleaftensdag, nytaarsaftensdag.",
    )


@dataclass(frozen=True)
class SyncSettings:
    share: str = _key(
        "",
        TEXT,
        'Fællesmappen på kontorets netværk, som computerne synkroniserer igennem, fx "/mnt/faelles/aaben-raadgivning"\n'
        "eller 'S:\\aaben-raadgivning' (en Windows-sti i enkelte anførselstegn). Tom = ingen synkronisering "
        "(computeren arbejder alene).",
    )
    server: str = _key(
        "",
        TEXT,
        "En PostgreSQL-server, som computerne synkroniserer igennem i stedet for (eller ud over) fællesmappen, fx\n"
        '"postgresql://laptop3@db.kommune.dk/aaben?sslmode=verify-full". Adgangskoden står aldrig her: gem den med\n'
        "«aaben-raadgivning server password». Tom = ingen server.",
    )
    interval_minutes: int = _key(
        5, MINUTES, "Hvor ofte programmet synkroniserer i baggrunden (minutter), når fællesmappen kan nås."
    )


@dataclass(frozen=True)
class DisplaySettings:
    theme: str = _key(
        "", TEXT, "Farvetemaet, som programmet gemmer, når det skiftes (Ctrl+P → «Skift farvetema»). Tom = standard."
    )


@dataclass(frozen=True)
class Settings:
    """settings.toml: one field per section, in the order of the file."""

    office: OfficeSettings = _table(OfficeSettings)
    device: DeviceSettings = _table(DeviceSettings)
    counter: CounterSettings = _table(CounterSettings)
    casework: CaseworkSettings = _table(CaseworkSettings)
    security: SecuritySettings = _table(SecuritySettings)
    calendar: CalendarSettings = _table(CalendarSettings)
    sync: SyncSettings = _table(SyncSettings)
    display: DisplaySettings = _table(DisplaySettings)

    # The flat names the rest of the app reads.
    @property
    def office_name(self) -> str:
        return self.office.name

    @property
    def housing_area(self) -> str:
        return self.office.housing_area

    @property
    def device_name(self) -> str:
        return self.device.name

    @property
    def open_hours(self) -> dict[str, str]:
        return self.counter.open_hours

    @property
    def step_model(self) -> str:
        return self.casework.step_model

    @property
    def idle_lock_minutes(self) -> int:
        return self.security.idle_lock_minutes

    @property
    def extra_days_off(self) -> tuple[str, ...]:
        return self.calendar.extra_days_off

    @property
    def sync_share(self) -> str:
        return self.sync.share

    @property
    def sync_server(self) -> str:
        return self.sync.server

    @property
    def sync_interval_minutes(self) -> int:
        return self.sync.interval_minutes

    @property
    def theme(self) -> str:
        return self.display.theme

    @property
    def display_device_name(self) -> str:
        return self.device.name or socket.gethostname()


def _default(key: Field[Any]) -> Any:
    return key.default_factory() if callable(key.default_factory) else key.default


# section name -> (section class, key name -> kind), in the order of the file
_SCHEMA: dict[str, tuple[type[Any], dict[str, str]]] = {
    section.name: (cls, {key.name: key.metadata["kind"] for key in fields(cls)})
    for section in fields(Settings)
    for cls in [cast(type[Any], section.default_factory)]
}


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_value(name)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, tuple | list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    return str(value)  # a whole number


def _settings_template() -> str:
    """settings.toml with every default and its comment, as written on first use."""
    lines = [
        "# Åben Rådgivning – indstillinger for denne computer.",
        "# Filen må gerne redigeres; kommentarer bevares, når programmet gemmer ændringer.",
    ]
    for section, (cls, _keys) in _SCHEMA.items():
        lines += ["", f"[{section}]"]
        for key in fields(cls):
            lines += [f"# {line}" for line in key.metadata["comment"].splitlines()]
            default = _default(key)
            if isinstance(default, dict):
                lines.append(f"[{section}.{key.name}]")
                lines += [f"{_toml_key(name)} = {_toml_value(text)}" for name, text in default.items()]
            else:
                lines.append(f"{key.name} = {_toml_value(default)}")
    return "\n".join(lines) + "\n"


DEFAULT_SETTINGS_TEXT = _settings_template()


# tomllib's messages (Python 3.11–3.13), in Danish; the position is added from the message's end.
_TOML_MESSAGES = (
    ("Invalid statement", "linjen kan ikke forstås (skriv fx navn = \"værdi\" eller [afsnit])"),
    ("Expected '=' after a key", "der mangler = efter navnet"),
    ("Expected ']' at the end of a table", "der mangler ] efter afsnittets navn"),
    ("Expected ']]'", "der mangler ]] efter afsnittets navn"),
    ("Expected \"'\"", "en tekst mangler sit afsluttende anførselstegn"),
    ("Expected", "der mangler et tegn"),
    ("Cannot declare", "afsnittet står to gange"),
    ("Cannot overwrite a value", "indstillingen står to gange"),
    ("Duplicate inline table key", "indstillingen står to gange"),
    ("Cannot mutate immutable namespace", "afsnittet er allerede skrevet"),
    ("Cannot redefine namespace", "afsnittet er allerede skrevet"),
    ("Found invalid character", "et tegn, der ikke må stå der"),
    ("Invalid initial character for a key", "navnet begynder med et tegn, der ikke må stå der"),
    ("Unclosed array", "en liste mangler sin ]"),
    ("Unclosed inline table", "en tabel mangler sin }"),
    ("Unterminated string", "en tekst mangler sit afsluttende anførselstegn"),
    ("Unescaped '\\' in a string", "en \\ i en tekst i dobbelte anførselstegn: skriv Windows-stier i enkelte "
     "anførselstegn, fx 'S:\\aaben-raadgivning'"),
    ("Invalid hex value", "en ugyldig \\u-kode i en tekst"),
    ("Escaped character", "en ugyldig \\u-kode i en tekst"),
    ("Illegal character '\\n'", "en tekst mangler sit afsluttende anførselstegn"),
    ("Illegal character", "et tegn, der ikke må stå i en tekst"),
    ("Invalid date", "en ugyldig dato"),
    ("Invalid value", "en ugyldig værdi (tekst skal stå i anførselstegn)"),
)  # fmt: skip
_TOML_POSITION_RE = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> SettingsError:
    text = str(exc)
    reason = next((danish for english, danish in _TOML_MESSAGES if text.startswith(english)), "ugyldig TOML")
    position = _TOML_POSITION_RE.search(text)
    if position and position.group(1):
        where = f"linje {position.group(1)}, kolonne {position.group(2)}"
    else:
        where = "sidst i filen"
    return SettingsError(f"Indstillingsfilen {path} kan ikke læses: {where}: {reason}.")


def _suggestion(name: str, known: list[str], quote: Callable[[str], str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" — mente du {quote(close[0])}?" if close else f" (kendte: {', '.join(map(quote, known))})"


def _quoted(name: str) -> str:
    return f'"{name}"'


def _section(name: str) -> str:
    return f"[{name}]"


def _value(kind: str, where: str, value: Any, problems: list[str]) -> Any:
    """The value of one key, checked; None (and a Danish problem) when it cannot be used."""
    shown = repr(value) if not isinstance(value, str) else f'"{value}"'
    if kind == "text":
        if not isinstance(value, str):
            problems.append(f"{where} skal være en tekst i anførselstegn (ikke {shown})")
        elif len(value) > MAX_TEXT_LENGTH:
            problems.append(f"{where} må højst være {MAX_TEXT_LENGTH} tegn")
        elif any(not char.isprintable() for char in value):
            problems.append(
                f"{where} indeholder et kontroltegn; står der en \\ i dobbelte anførselstegn, så "
                "skriv teksten i enkelte anførselstegn, fx 'S:\\bolig'"
            )
        else:
            return value
    elif kind == "minutes":
        low, high = MINUTES_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{where} skal være et helt antal minutter fra {low} til {high}, fx 10 (ikke {shown})")
        else:
            return value
    elif kind == "names":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems.append(f'{where} skal være en liste af tekster, fx ["grundlovsdag"] (ikke {shown})')
        else:
            return tuple(value)
    elif kind == "hours":
        if not isinstance(value, dict):
            problems.append(f"{where} skal være et afsnit med en linje pr. ugedag")
            return None
        hours = {}
        for day, text in value.items():
            if day not in WEEKDAYS:
                problems.append(f"ukendt ugedag {_quoted(day)} i {where}{_suggestion(day, list(WEEKDAYS), _quoted)}")
            elif not isinstance(text, str):
                problems.append(f'{where}.{day} skal være en tekst, fx "09.00-12.00" (ikke {text!r})')
            else:
                hours[day] = text
        return hours
    return None


def _top_level_key(key: str) -> str:
    """A key written above every section, e.g. ``share = …`` without ``[sync]``."""
    homes = [section for section, (_cls, keys) in _SCHEMA.items() if key in keys]
    if homes:
        return f"indstillingen {_quoted(key)} skal stå under [{homes[0]}]"
    known = sorted({name for _cls, keys in _SCHEMA.values() for name in keys})
    return f"ukendt indstilling {_quoted(key)} øverst i filen{_suggestion(key, known, _quoted)}"


def _settings_from_mapping(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """The settings and the Danish problems with them (one per key); defaults stand in for missing or bad
    values. A table that is given (e.g. [counter.open_hours]) replaces its default as a whole."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for section, content in data.items():
        schema = _SCHEMA.get(section)
        if schema is None and not isinstance(content, dict):
            problems.append(_top_level_key(section))
            continue
        if schema is None:
            problems.append(f"ukendt afsnit [{section}]{_suggestion(section, list(_SCHEMA), _section)}")
            continue
        if not isinstance(content, dict):
            problems.append(f"[{section}] skal være et afsnit (en linje [{section}] med indstillinger under)")
            continue
        cls, keys = schema
        values: dict[str, Any] = {}
        for key, value in content.items():
            if key not in keys:
                problems.append(
                    f"ukendt indstilling {_quoted(key)} i [{section}]{_suggestion(key, list(keys), _quoted)}"
                )
                continue
            checked = _value(keys[key], f"[{section}] {key}", value, problems)
            if checked is not None:
                values[key] = checked
        sections[section] = cls(**values)
    return Settings(**sections), problems


def load_settings(path: Path) -> Settings:
    """Read the settings file, creating it with commented defaults on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_SETTINGS_TEXT, encoding="utf-8")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # Notepad may start the file with a byte-order mark
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"Indstillingsfilen {path} kan ikke læses: den er ikke gemt som UTF-8 (byte {exc.start + 1}). "
            "Gem den igen med tegnsættet UTF-8."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from None
    settings, problems = _settings_from_mapping(data)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise SettingsError(f"Indstillingsfilen {path} har fejl:\n{listed}")
    return settings


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

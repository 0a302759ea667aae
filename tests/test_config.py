"""Settings: created with commented defaults, read with tomllib, written without losing comments."""

from __future__ import annotations

import pytest

from aaben_raadgivning.config import (
    SettingsError,
    load_settings,
    resolve_paths,
    update_setting,
)


def test_defaults_are_created_and_read(tmp_path):
    settings = load_settings(tmp_path / "settings.toml")
    assert settings.idle_lock_minutes == 10
    assert settings.open_hours["tirsdag"] == "13.00-16.00"
    assert "grundlovsdag" in settings.extra_days_off


def test_update_keeps_user_comments(tmp_path):
    path = tmp_path / "settings.toml"
    load_settings(path)
    path.write_text(path.read_text(encoding="utf-8") + "\n# min egen kommentar\n", encoding="utf-8")
    update_setting(path, "office.housing_area", "Vollsmose")
    update_setting(path, "counter.open_hours.fredag", "09.00-11.00")
    text = path.read_text(encoding="utf-8")
    assert "# min egen kommentar" in text and "# Åbningstider" in text
    settings = load_settings(path)
    assert (settings.housing_area, settings.open_hours["fredag"]) == ("Vollsmose", "09.00-11.00")


def test_broken_settings_file_gives_danish_error(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[office\nname = ", encoding="utf-8")
    with pytest.raises(SettingsError, match="kan ikke læses"):
        load_settings(path)


def test_data_dir_overrides_every_path(tmp_path):
    paths = resolve_paths(tmp_path / "kontor")
    assert paths.database.parent == paths.settings_file.parent == tmp_path / "kontor"
    assert paths.log_dir.is_relative_to(tmp_path / "kontor")
    assert resolve_paths(demo=True).data_dir != resolve_paths().data_dir


def test_step_model_setting_defaults_and_unknown_model_is_reported(tmp_path):
    from aaben_raadgivning.domain.step_models import StepModelError
    from aaben_raadgivning.runtime import open_runtime

    path = tmp_path / "settings.toml"
    assert load_settings(path).step_model == "flere_skal_med"
    update_setting(path, "casework.step_model", "trappemodel")
    open_runtime(tmp_path).close()
    update_setting(path, "casework.step_model", "ukendt")
    with pytest.raises(StepModelError, match="ukendt"):
        open_runtime(tmp_path)


def _problems(tmp_path, text: str) -> str:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    message = str(excinfo.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sync]\nshaer = '/mnt/x'\n", 'ukendt indstilling "shaer" i [sync] — mente du "share"?'),
        ("[ofice]\nname = 'x'\n", "ukendt afsnit [ofice] — mente du [office]?"),
        ("share = '/mnt/x'\n", 'indstillingen "share" skal stå under [sync]'),
        (
            "[counter.open_hours]\nmandg = '09.00-12.00'\n",
            'ukendt ugedag "mandg" i [counter] open_hours — mente du "mandag"?',
        ),
        (
            "[security]\nidle_lock_minutes = 'ti'\n",
            '[security] idle_lock_minutes skal være et helt antal minutter fra 1 til 1440, fx 10 (ikke "ti")',
        ),
        ("[sync]\ninterval_minutes = 0\n", "[sync] interval_minutes skal være et helt antal minutter fra 1 til 1440"),
        ("[sync]\nshare = 5\n", "[sync] share skal være en tekst i anførselstegn (ikke 5)"),
        ("[calendar]\nextra_days_off = 'grundlovsdag'\n", "[calendar] extra_days_off skal være en liste af tekster"),
        ('[sync]\nshare = "S:\\bolig"\n', "skriv teksten i enkelte anførselstegn"),  # \b is a backspace in TOML
        ("[office]\nhousing_area = '" + "x" * 201 + "'\n", "[office] housing_area må højst være 200 tegn"),
    ],
)
def test_each_bad_key_is_named_in_danish(tmp_path, text, expected):
    assert expected in _problems(tmp_path, text)


def test_every_problem_is_listed_at_once(tmp_path):
    message = _problems(tmp_path, "[sync]\nshaer = 'x'\ninterval_minutes = -1\n[security]\nidle_lock_minutes = true\n")
    assert message.count("\n  - ") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[office\nname = 'x'\n", "linje 1, kolonne 8: der mangler ] efter afsnittets navn"),
        ("[office]\nname 'x'\n", "linje 2, kolonne 6: der mangler = efter navnet"),
        ('[sync]\nshare = "S:\\aaben"\n', "linje 2, kolonne 14: en \\ i en tekst i dobbelte anførselstegn"),
        ("[office]\nname = Kontoret\n", "linje 2, kolonne 8: en ugyldig værdi (tekst skal stå i anførselstegn)"),
        ("[office]\nname = 'x\n", "sidst i filen: en tekst mangler sit afsluttende anførselstegn"),
        ('[office]\nname = "x\n', "linje 2, kolonne 10: en tekst mangler sit afsluttende anførselstegn"),
        ("[office]\nname = 'a'\nname = 'b'\n", "linje 3, kolonne 11: indstillingen står to gange"),
        ("[office]\nname =", "sidst i filen"),
    ],
)
def test_a_toml_syntax_error_is_reported_in_danish_with_line_and_column(tmp_path, text, expected):
    message = _problems(tmp_path, text)
    assert expected in message
    assert not any(word in message for word in ("Expected", "Invalid", "line", "column"))


def test_a_byte_order_mark_is_accepted_and_a_non_utf8_file_is_explained(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_bytes("\ufeff[office]\nname = 'Kontoret'\n".encode())
    assert load_settings(path).office_name == "Kontoret"
    path.write_bytes("[office]\nname = 'K\xf8ge'\n".encode("latin-1"))
    with pytest.raises(SettingsError, match="ikke gemt som UTF-8"):
        load_settings(path)


def test_the_default_file_has_no_problems(tmp_path):
    settings = load_settings(tmp_path / "settings.toml")
    assert settings.sync_interval_minutes == 5 and settings.open_hours["fredag"] == ""


def test_the_written_template_parses_back_to_exactly_the_defaults(tmp_path):
    """The dataclass defaults are the only defaults: the file written on first use says the same."""
    import tomllib
    from dataclasses import fields

    from aaben_raadgivning.config import DEFAULT_SETTINGS_TEXT, Settings

    assert load_settings(tmp_path / "settings.toml") == Settings()
    assert (tmp_path / "settings.toml").read_text(encoding="utf-8") == DEFAULT_SETTINGS_TEXT
    written = tomllib.loads(DEFAULT_SETTINGS_TEXT)
    defaults = Settings()
    declared = {
        section.name: {key.name for key in fields(getattr(defaults, section.name))} for section in fields(Settings)
    }
    assert {section: set(keys) for section, keys in written.items()} == declared  # every key, none extra
    assert "# Skærmen låses efter så mange minutter uden aktivitet.\nidle_lock_minutes = 10\n" in DEFAULT_SETTINGS_TEXT


def test_a_missing_section_or_key_takes_the_declared_default(tmp_path):
    from aaben_raadgivning.config import Settings

    path = tmp_path / "settings.toml"
    path.write_text("[office]\nname = 'Kontoret'\n[sync]\nshare = '/mnt/x'\n", encoding="utf-8")
    settings = load_settings(path)
    defaults = Settings()
    assert (settings.office_name, settings.sync_share) == ("Kontoret", "/mnt/x")
    assert settings.housing_area == defaults.housing_area == ""
    assert settings.sync_interval_minutes == defaults.sync_interval_minutes == 5
    assert settings.open_hours == defaults.open_hours and settings.open_hours["torsdag"] == "13.00-17.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sync]\nshar = '/mnt/x'\n", 'ukendt indstilling "shar" i [sync] — mente du "share"?'),
        ("[counter]\nopen_hour = 'x'\n", 'ukendt indstilling "open_hour" i [counter] — mente du "open_hours"?'),
        ("[security]\nidle_lock = 5\n", 'ukendt indstilling "idle_lock" i [security] — mente du "idle_lock_minutes"?'),
        (
            "[sync]\nkontor = 'x'\n",
            'ukendt indstilling "kontor" i [sync] (kendte: "share", "server", "interval_minutes")',
        ),
        ("[syncc]\nshare = '/mnt/x'\n", "ukendt afsnit [syncc] — mente du [sync]?"),
        (
            "intervall_minutes = 5\n",
            'ukendt indstilling "intervall_minutes" øverst i filen — mente du "interval_minutes"?',
        ),
    ],
)
def test_an_unknown_key_is_refused_naming_it_and_the_closest_known_key(tmp_path, text, expected):
    message = _problems(tmp_path, text)
    assert message.startswith(f"Indstillingsfilen {tmp_path / 'settings.toml'} har fejl:\n  - ")
    assert expected in message

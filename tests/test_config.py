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

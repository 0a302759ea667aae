"""The command line, run in-process as a user would type it (plus two real subprocess runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from aaben_raadgivning import __version__
from aaben_raadgivning.store.actions.staff import authenticate
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from support.keys import open_database, raw_connect

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path / "data"


def _db(data: Path):
    return open_database(data / "aaben-raadgivning.sqlite3", data / "backups")


def _add_user(run, data: Path, initials: str = "ab", password: str = "hemmelig1") -> tuple[int, str, str]:
    return run("--data-dir", str(data), "user", "add", "--initials", initials, "--name", "Anne Bak",
               "--role", "jobkonsulent", "--password-stdin", stdin=password + "\n")  # fmt: skip


def test_user_add_then_the_user_can_log_in(run, data):
    code, out, _ = _add_user(run, data)
    assert code == 0 and "AB" in out and "oprettet" in out
    db = _db(data)
    assert authenticate(db, "ab", "hemmelig1").name == "Anne Bak"
    assert authenticate(db, "AB", "forkert") is None
    db.close()


def test_user_list_shows_initials_name_and_role(run, data):
    _add_user(run, data)
    code, out, _ = run("--data-dir", str(data), "user", "list")
    assert code == 0
    assert "AB" in out and "Anne Bak" in out and "Jobkonsulent" in out


def test_user_add_rejects_a_short_password_in_danish(run, data):
    code, _, err = _add_user(run, data, password="kort")
    assert code == 1 and "mindst 8 tegn" in err
    code, out, _ = run("--data-dir", str(data), "user", "list")
    assert "ingen medarbejdere" in out


def test_user_add_refuses_taken_initials(run, data):
    _add_user(run, data)
    code, _, err = _add_user(run, data)
    assert code == 1 and "allerede i brug" in err


def test_passwords_typed_twice_must_match(run, data, monkeypatch):
    answers = iter(["hemmelig1", "hemmelig2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run("--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "A", "--role", "leder")
    assert code == 1 and "ikke ens" in err


def test_user_password_gives_a_new_password(run, data, monkeypatch):
    _add_user(run, data)
    answers = iter(["nyhemmelig", "nyhemmelig"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, out, _ = run("--data-dir", str(data), "user", "password", "--initials", "ab")
    assert code == 0 and "AB (Anne Bak) har fået en ny adgangskode" in out
    db = _db(data)
    assert authenticate(db, "AB", "nyhemmelig") is not None
    assert authenticate(db, "AB", "hemmelig1") is None
    db.close()


@pytest.mark.parametrize(
    ("initials", "stdin", "message"),
    [
        ("XY", "nyhemmelig\n", "Der er ingen medarbejder med initialerne XY."),
        ("AB", "kort\n", "Adgangskoden skal have mindst 8 tegn."),
    ],
)
def test_user_password_refusals_keep_the_old_password(run, data, initials, stdin, message):
    _add_user(run, data)
    code, _, err = run("--data-dir", str(data), "user", "password", "--initials", initials, "--password-stdin",
                       stdin=stdin)  # fmt: skip
    assert code == 1 and message in err
    db = _db(data)
    assert authenticate(db, "AB", "hemmelig1") is not None
    db.close()


def test_user_password_asks_only_for_a_known_account(run, data, monkeypatch):
    _add_user(run, data)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    code, _, err = run("--data-dir", str(data), "user", "password", "--initials", "XY")
    assert code == 1 and "ingen medarbejder med initialerne XY" in err


def test_user_deactivate_and_activate(run, data):
    _add_user(run, data)
    _add_user(run, data, initials="cd")
    code, out, _ = run("--data-dir", str(data), "user", "deactivate", "--initials", "ab")
    assert code == 0 and "AB (Anne Bak) er deaktiveret" in out
    db = _db(data)
    assert authenticate(db, "AB", "hemmelig1") is None
    db.close()
    _, listed, _ = run("--data-dir", str(data), "user", "list")
    assert "AB " not in listed and "CD " in listed
    _, listed_all, _ = run("--data-dir", str(data), "user", "list", "--all")
    assert "AB         Anne Bak  Jobkonsulent  (deaktiveret)" in listed_all
    code, _, err = run("--data-dir", str(data), "user", "deactivate", "--initials", "AB")
    assert code == 1 and "AB er allerede deaktiveret." in err
    code, out, _ = run("--data-dir", str(data), "user", "activate", "--initials", "AB")
    assert code == 0 and "kan logge ind igen" in out
    db = _db(data)
    assert authenticate(db, "AB", "hemmelig1") is not None
    db.close()


def test_the_last_active_account_cannot_be_deactivated(run, data):
    _add_user(run, data)
    code, _, err = run("--data-dir", str(data), "user", "deactivate", "--initials", "AB")
    assert code == 1 and "AB er den eneste aktive medarbejder" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["frob"],
        ["--bogus"],
        ["user"],
        ["user", "add", "--initials", "AB"],
        ["user", "add", "--initials", "AB", "--name", "A", "--role", "chef"],
        ["user", "password"],
        ["user", "deactivate"],
        ["user", "list", "--alle"],
        ["demo"],
        ["demo", "--citizens", "mange"],
        ["demo", "--citizens", "-5"],
        ["export"],
        ["export", "--json"],
        ["check", "--repair=ja"],
    ],
)
def test_bad_arguments_give_usage_and_exit_2(run, data, argv):
    code, out, err = run("--data-dir", str(data), *argv)
    assert code == 2
    assert "Brug:" in err and "fejl:" in err
    assert not (data / "aaben-raadgivning.sqlite3").exists()  # nothing was opened or created


def test_argparse_errors_are_danish(run):
    _, _, err = run("user", "add", "--initials", "AB", "--name", "A", "--role", "chef")
    assert "ukendt valg 'chef'" in err and "jobkonsulent" in err
    _, _, err = run("demo")
    assert "disse argumenter mangler: --citizens" in err


def test_help_and_version(run):
    code, out, _ = run("--help")
    assert code == 0 and "kommandoer" in out and "vis denne hjælp" in out
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_global_options_work_before_and_after_the_subcommand(run, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    _add_user(run, before)
    run("user", "add", "--initials", "CD", "--name", "C D", "--role", "leder", "--password-stdin",
        "--data-dir", str(after), stdin="hemmelig1\n")  # fmt: skip
    _, out_before, _ = run("--data-dir", str(before), "user", "list")
    _, out_after, _ = run("user", "list", "--data-dir", str(after))
    assert "AB" in out_before and "CD" not in out_before
    assert "CD" in out_after and "AB" not in out_after


def test_demo_needs_an_explicit_place(run, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    code, _, err = run("demo", "--citizens", "5")
    assert code == 2 and "--demo" in err
    assert not (tmp_path / "xdg").exists()


def test_demo_creates_searchable_citizens(run, data):
    code, out, err = run("--data-dir", str(data), "demo", "--citizens", "50", "--days", "20",
                         "--events-per-citizen", "2,5")  # fmt: skip
    assert code == 0
    assert "50 borgere" in out and "demo1234" in out
    assert "100 %" in err  # progress on stderr
    db = _db(data)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM citizens").scalar() == 50
        names = [row[0] for row in connection.exec_driver_sql("SELECT name FROM citizens LIMIT 3")]
    for name in names:
        assert name in [hit.name for hit in search_citizens(db, name, limit=50, viewer=Viewer.system())]
    db.close()


def test_export_json_file(run, data, tmp_path):
    run("--data-dir", str(data), "demo", "--citizens", "10", "--days", "5")
    target = tmp_path / "eksport.json"
    code, out, _ = run("--data-dir", str(data), "export", "--json", str(target))
    assert code == 0 and "10 borgere" in out
    exported = json.loads(target.read_text(encoding="utf-8"))
    lists = ("offices", "staff", "citizens", "walk_ins", "walk_in_transitions", "events", "follow_ups", "audit_log")
    assert {"format_version", "exported_at", *lists} <= set(exported)  # plus tables added later
    assert len(exported["citizens"]) == 10 and exported["events"] and exported["walk_ins"]
    assert {"id", "name", "cpr", "birth_date", "phone", "benefit_type"} <= set(exported["citizens"][0])
    assert all("password_hash" not in staff for staff in exported["staff"]) and len(exported["staff"]) == 4
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        [(detail,)] = conn.execute("SELECT detail FROM audit_log WHERE action = 'export'").fetchall()
    assert str(target) in detail and "10 borgere" in detail


def test_export_to_standard_output(run, data):
    _add_user(run, data)
    code, out, err = run("--data-dir", str(data), "export", "--json", "-")
    assert code == 0
    assert json.loads(out)["staff"][0]["initials"] == "AB"
    assert "Eksporteret" in err  # the receipt stays out of the JSON


def test_export_to_a_missing_folder_fails_cleanly(run, data, tmp_path):
    _add_user(run, data)
    code, _, err = run("--data-dir", str(data), "export", "--json", str(tmp_path / "mangler" / "x.json"))
    assert code == 1 and "findes ikke" in err
    assert not (tmp_path / "mangler").exists()


def test_check_on_a_fresh_database(run, data):
    _add_user(run, data)
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 0 and "Alt er i orden." in out


def test_check_finds_a_broken_search_index_and_repair_fixes_it(run, data):
    run("--data-dir", str(data), "demo", "--citizens", "8", "--days", "3")
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        conn.execute("DELETE FROM citizen_search WHERE rowid IN (SELECT rowid FROM citizen_search LIMIT 1)")
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 1
    assert "Søgeindekset mangler 1 af 8 borgere" in out and "check --repair" in out
    assert "Alt er i orden." not in out

    code, out, _ = run("--data-dir", str(data), "check", "--repair")
    assert code == 0 and "genopbygget (8 borgere)" in out and out.rstrip().endswith("Alt er i orden.")
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 0


def test_check_without_a_database(run, data):
    code, _, err = run("--data-dir", str(data), "check")
    assert code == 1 and "ingen database" in err


def test_check_reports_bad_open_hours_but_still_checks_the_database(run, data):
    _add_user(run, data)
    settings = data / "settings.toml"
    text = settings.read_text(encoding="utf-8").replace('mandag = "09.00-12.00"', 'mandag = "12.00-09.00"')
    settings.write_text(text, encoding="utf-8")
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 1 and "Åbningstiderne" in out and "slutter før det begynder" in out
    assert "Søgeindekset svarer til borgerne" in out


@pytest.mark.parametrize(
    ("settings_text", "expected"),
    [
        ("[office\nname = ", "Indstillingsfilen"),
        ('[counter.open_hours]\nmandag = "9-25"\n', "Åbningstiderne"),
    ],
)
def test_broken_settings_give_a_danish_message(run, data, settings_text, expected):
    data.mkdir()
    (data / "settings.toml").write_text(settings_text, encoding="utf-8")
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == 1 and expected in err


def test_failed_migration_gives_a_danish_message(run, data, monkeypatch):
    from aaben_raadgivning.store import migrate

    def fail(*_args):
        raise migrate.MigrationError("Databasen kunne ikke opdateres til den nye version: disk I/O error.")

    monkeypatch.setattr(migrate, "upgrade", fail)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == 1 and "kunne ikke opdateres" in err


def test_library_log_records_go_to_the_log_file_not_the_terminal(data, tmp_path):
    """A failing migration logs its traceback; the user must only see the Danish message."""
    script = (
        "import logging, sys\n"
        "from aaben_raadgivning.store import migrate\n"
        "def upgrade(*_args):\n"
        "    try:\n"
        "        raise RuntimeError('disk I/O error')\n"
        "    except RuntimeError:\n"
        "        logging.getLogger(migrate.__name__).exception('Migration failed')\n"
        "    raise migrate.MigrationError('Databasen kunne ikke opdateres til den nye version.')\n"
        "migrate.upgrade = upgrade\n"
        "from aaben_raadgivning.cli import main\n"
        f"sys.exit(main(['--data-dir', {str(data)!r}, 'user', 'list']))\n"
    )
    result = _python("-c", script, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Databasen kunne ikke opdateres til den nye version."
    log = (data / "logs" / "fejl.log").read_text(encoding="utf-8")
    assert "Migration failed" in log and "RuntimeError" in log
    assert "disk I/O error" not in log  # exception messages may quote personal data: type and frames only


def test_data_dir_that_is_a_file(run, tmp_path):
    not_a_folder = tmp_path / "fil"
    not_a_folder.write_text("x")
    code, _, err = run("--data-dir", str(not_a_folder), "user", "list")
    assert code == 1 and "kan ikke bruges" in err


def test_unexpected_error_is_logged_not_shown_as_traceback(run, data, monkeypatch):
    def bug(_db):
        raise RuntimeError("noget gik galt")

    monkeypatch.setattr("aaben_raadgivning.store.actions.staff.list_staff", bug)
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == 1 and "uventet fejl" in err
    assert "Traceback" in (data / "logs" / "fejl.log").read_text(encoding="utf-8")


def test_no_subcommand_opens_the_app(run, monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("aaben_raadgivning.ui.app")
    fake.run_tui = lambda data_dir=None, demo=False: calls.append((data_dir, demo)) or 0
    monkeypatch.setitem(sys.modules, "aaben_raadgivning.ui.app", fake)
    assert run("--demo")[0] == 0
    assert run("--data-dir", str(tmp_path))[0] == 0
    assert calls == [(None, True), (tmp_path, False)]


def test_the_collector_is_on_again_however_the_app_command_ends(run, monkeypatch, tmp_path):
    """Found when the whole suite ran out of file handles: the app command paused the garbage collector for
    start-up and left it off when the app returned early, so reference cycles holding open database files
    were never freed for the rest of the process."""
    import gc

    fake = types.ModuleType("aaben_raadgivning.ui.app")
    fake.run_tui = lambda data_dir=None, demo=False: 1  # ends before the app could switch it on
    monkeypatch.setitem(sys.modules, "aaben_raadgivning.ui.app", fake)
    try:
        assert run("--data-dir", str(tmp_path))[0] == 1
        assert gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_on_again_when_the_settings_stop_the_app(tmp_path, capsys):
    import gc

    from aaben_raadgivning.ui.app import run_tui

    (tmp_path / "settings.toml").write_text("[ofice]\nname = 'x'\n", encoding="utf-8")
    try:
        assert run_tui(data_dir=tmp_path) == 1
        assert gc.isenabled()
    finally:
        gc.enable()
    assert "ofice" in capsys.readouterr().err


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_python_dash_m_from_another_directory(run, data, tmp_path):
    _add_user(run, data)
    elsewhere = tmp_path / "et andet sted"
    elsewhere.mkdir()
    result = _python("-m", "aaben_raadgivning", "--data-dir", str(data), "check", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "Alt er i orden." in result.stdout
    assert list(elsewhere.iterdir()) == []  # nothing written where it was started from


def test_importing_the_cli_does_not_load_textual_or_the_database(tmp_path):
    code = (
        "import sys, aaben_raadgivning.cli as cli; cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'sqlalchemy', 'faker'}))"
    )
    result = _python("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_misspelt_setting_is_named_by_every_command_and_by_check(run, data):
    _add_user(run, data)
    settings = data / "settings.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("share =", "shaer ="), encoding="utf-8")
    code, _, err = run("--data-dir", str(data), "user", "list")
    assert code == 1 and 'ukendt indstilling "shaer" i [sync] — mente du "share"?' in err
    code, out, _ = run("--data-dir", str(data), "check")
    assert code == 1 and '           - ukendt indstilling "shaer"' in out


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--days", "999999999", "«999999999» er for mange; højst 3.650"),
        ("--citizens", str(10**20), f"«{10**20}» er for mange; højst 1.000.000"),
        ("--events-per-citizen", "inf", "skal være mellem 0 og 1000"),
    ],
)
def test_demo_sizes_are_bounded_with_a_danish_usage_error(run, data, option, value, says):
    argv = {"--citizens": "5", option: value}
    code, _, err = run("--data-dir", str(data), "demo", *(part for item in argv.items() for part in item))
    assert code == 2 and says in err
    assert not data.exists()


def test_export_never_replaces_a_file_without_force(run, data, tmp_path):
    _add_user(run, data)
    target = tmp_path / "eksport.json"
    target.write_text("vigtigt dokument", encoding="utf-8")
    code, _, err = run("--data-dir", str(data), "export", "--json", str(target))
    assert code == 1 and "findes allerede" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "vigtigt dokument"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "eksport.json"]  # no temporary file
    code, _, _ = run("--data-dir", str(data), "export", "--json", str(target), "--force")
    assert code == 0 and json.loads(target.read_text(encoding="utf-8"))["staff"][0]["initials"] == "AB"


@pytest.mark.parametrize("kind", ["devnull", "fifo", "folder", "link-to-devnull"])
def test_export_never_writes_to_something_that_is_not_a_regular_file(run, data, tmp_path, kind):
    _add_user(run, data)
    target = tmp_path / "mål"
    if kind == "devnull":
        target = Path(os.devnull)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(os.devnull)
    code, _, err = run("--data-dir", str(data), "export", "--json", str(target), "--force")
    assert code == 1 and ("ikke en almindelig fil" in err or "er en mappe" in err)
    with raw_connect(data / "aaben-raadgivning.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone() == (0,)


def test_a_name_that_is_not_valid_text_is_refused_in_danish(run, data):
    """`--name $'\\xff'`: Python hands the undecodable byte over as a lone surrogate."""
    code, _, err = run("--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "Anne\udcff",
                       "--role", "jobkonsulent", "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    assert code == 1 and "ødelagt tegn" in err
    code, _, err = run("--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "Anne\u202eBak",
                       "--role", "jobkonsulent", "--password-stdin", stdin="hemmelig1\n")  # fmt: skip
    assert code == 1 and "skriveretningen" in err
    _, out, _ = run("--data-dir", str(data), "user", "list")
    assert "ingen medarbejdere" in out


def test_a_password_on_standard_input_that_is_not_utf8_is_refused(run, data, monkeypatch):
    import io

    class Undecodable(io.StringIO):
        def readline(self, *_args):
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(sys, "stdin", Undecodable())
    from aaben_raadgivning.cli import main

    assert main(["--data-dir", str(data), "user", "add", "--initials", "AB", "--name", "Anne Bak",
                 "--role", "jobkonsulent", "--password-stdin"]) == 1  # fmt: skip


def test_a_password_with_undecodable_bytes_hashes_instead_of_crashing():
    from aaben_raadgivning.security.passwords import hash_password, verify_password

    stored = hash_password("hemme\udcfflig")
    assert verify_password("hemme\udcfflig", stored) and not verify_password("hemmelig", stored)

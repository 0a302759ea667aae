"""`aaben-raadgivning server …` and `sync --server`: setting a server up and syncing through it from the
command line, with the exit codes and Danish messages a scheduled job or a person sees."""

from __future__ import annotations

from aaben_raadgivning.cli import EXIT_OK, EXIT_SHARE_UNREACHABLE, EXIT_USAGE
from aaben_raadgivning.config import update_setting
from aaben_raadgivning.store.actions.citizens import create_citizen
from aaben_raadgivning.store.queries.search import search_citizens
from aaben_raadgivning.store.queries.viewer import Viewer
from support.keys import open_database


def _db(data):
    return open_database(data / "aaben-raadgivning.sqlite3", data / "backups")


def test_init_then_two_laptops_exchange_a_citizen_through_the_server(run, tmp_path, server_url):
    a, b = tmp_path / "a", tmp_path / "b"
    code, out, _ = run("--data-dir", str(a), "server", "init", server_url)
    assert code == EXIT_OK and "er sat op" in out
    code, out, _ = run("--data-dir", str(a), "server", "init", server_url)
    assert code == EXIT_OK and "var allerede sat op" in out  # (again: harmless)
    run("--data-dir", str(b), "sync", "--server", server_url)
    db = _db(a)
    try:
        create_citizen(db, None, name="Åse Østergaard")
    finally:
        db.close()
    code, out, _ = run("--data-dir", str(a), "sync", "--server", server_url)
    assert code == EXIT_OK and "sendt 2 ændringer, modtaget 0 ændringer" in out
    update_setting(b / "settings.toml", "sync.server", server_url)
    code, out, _ = run("--data-dir", str(b), "sync")  # the server from the settings file
    assert code == EXIT_OK and "modtaget 2 ændringer" in out
    db = _db(b)
    try:
        assert [hit.name for hit in search_citizens(db, "ostergaard", viewer=Viewer.system())] == ["Åse Østergaard"]
    finally:
        db.close()
    code, out, _ = run("--data-dir", str(b), "server", "status")
    assert code == EXIT_OK and "Ændringer på serveren: 2" in out and "mangler 0 ændringer" in out


def test_an_uninitialised_server_is_refused_with_advice(run, tmp_path, server_url):
    code, _, err = run("--data-dir", str(tmp_path / "a"), "sync", "--server", server_url)
    assert code == EXIT_SHARE_UNREACHABLE
    assert "server init" in err


def test_an_unreachable_server_exits_3_and_keeps_the_changes(run, tmp_path):
    dead = f"postgresql://postgres@/nothing?host={tmp_path}"
    code, _, err = run("--data-dir", str(tmp_path / "a"), "sync", "--server", dead)
    assert code == EXIT_SHARE_UNREACHABLE
    assert "kan ikke nås" in err and "venter her" in err


def test_a_bad_server_address_is_explained(run, tmp_path):
    code, _, err = run("--data-dir", str(tmp_path / "a"), "sync", "--server", "mysql://x@y/z")
    assert code != EXIT_OK
    assert "postgresql://" in err
    code, _, err = run("--data-dir", str(tmp_path / "a"), "server", "password", "postgresql://u:hemmelig@x/y")
    assert code == EXIT_USAGE and "uden adgangskode" in err


def test_a_one_off_share_round_keeps_the_servers_bookkeeping(run, tmp_path, server_url):
    """`sync --share` on a laptop whose settings name a server: its next server round sends only what is new."""
    from aaben_raadgivning.sync.office_share import create_share
    from support.keys import TEST_OFFICE_KEY

    share = tmp_path / "share"
    share.mkdir()
    create_share(share, TEST_OFFICE_KEY)
    a = tmp_path / "a"
    run("--data-dir", str(a), "server", "init", server_url)
    run("--data-dir", str(a), "user", "list")  # (creates settings.toml)
    update_setting(a / "settings.toml", "sync.server", server_url)
    assert run("--data-dir", str(a), "sync")[0] == EXIT_OK
    assert run("--data-dir", str(a), "sync", "--share", str(share))[0] == EXIT_OK
    db = _db(a)
    try:
        with db.engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT count(*) FROM local_meta WHERE key LIKE 'server:%:pushed'").scalar()
    finally:
        db.close()
    assert kept == 1
    code, out, _ = run("--data-dir", str(a), "sync")
    assert code == EXIT_OK and "sendt 0 ændringer" in out


def test_server_commands_refuse_in_danish_and_change_nothing(run, tmp_path, server_url, pg_cluster):
    """A second role of the same name, and «server init» by a user without the rights: Danish, exit 1."""
    from sqlalchemy.engine import make_url

    admin = tmp_path / "admin"
    code, _, err = run("--data-dir", str(admin), "server", "add-device", server_url, "--login", "laptop_twice")
    assert code == 1 and "server init" in err  # (not set up yet)
    assert run("--data-dir", str(admin), "server", "init", server_url)[0] == EXIT_OK
    assert run("--data-dir", str(admin), "server", "add-device", server_url, "--login", "laptop_twice")[0] == EXIT_OK
    code, _, err = run("--data-dir", str(admin), "server", "add-device", server_url, "--login", "laptop_twice")
    assert code == 1 and "findes allerede" in err
    pg_cluster.sql("CREATE ROLE no_rights LOGIN")
    as_nobody = make_url(server_url).set(username="no_rights").render_as_string(hide_password=False)
    code, _, err = run("--data-dir", str(admin), "server", "init", as_nobody)
    assert code == 1 and "rettighederne" in err and "Intet er ændret" in err

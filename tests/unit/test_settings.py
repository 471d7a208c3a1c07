"""Tests for joinery.settings: defaults, layering, environment names, URLs, override, files."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from joinery.errors import DataJointError
from joinery.settings import (
    Config,
    InvalidSettingError,
    UnknownSettingError,
    connection_settings,
    make_config,
    parse_database_url,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """Remove the user's own DJ_* variables so that tests see only what they set."""
    for name in list(os.environ):
        if name.startswith("DJ_") or name == "JOINERY_CONFIG":
            monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder (a .git marker stops the upward search) as working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fresh() -> Config:
    return make_config(system_secrets_dir=None)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


# -- defaults ----------------------------------------------------------------------------


def test_defaults_follow_datajoint_except_backend(project):
    cfg = fresh()
    assert cfg["database.backend"] == "sqlite"
    assert cfg["database.host"] == "localhost"
    assert cfg["database.port"] is None
    assert cfg["database.user"] is None and cfg["database.password"] is None
    assert cfg["database.name"] is None
    assert cfg["database.database_prefix"] == ""
    assert cfg["database.create_tables"] is True and cfg["database.reconnect"] is True
    assert cfg["database.use_tls"] is None
    assert cfg["database.path"] == "joinery.db"
    assert cfg["safemode"] is True and cfg["loglevel"] == "INFO"
    assert (cfg["display.limit"], cfg["display.width"], cfg["display.show_tuple_count"]) == (12, 14, True)
    assert cfg["stores"] == {} and cfg["query_cache"] is None and cfg["download_path"] == "."
    assert cfg["jobs.stale_timeout"] == 3600 and cfg["jobs.default_priority"] == 5
    assert cfg["jobs.auto_refresh"] is True and cfg["jobs.keep_completed"] is False
    assert cfg["jobs.version_method"] is None and cfg["jobs.add_job_metadata"] is False
    assert cfg["jobs.heartbeat_interval"] == 60


@pytest.mark.parametrize(("backend", "port"), [("postgresql", 5432), ("postgres", 5432), ("mysql", 3306)])
def test_port_defaults_to_the_backend_port(project, backend, port):
    cfg = fresh()
    cfg["database.backend"] = backend
    assert cfg["database.port"] == port
    assert cfg["database.backend"] in ("postgresql", "mysql")


def test_sqlite_path_is_resolved_when_the_connection_opens(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    cfg = fresh()
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    assert connection_settings(cfg)["path"] == str(other.resolve() / "joinery.db")


def test_creating_a_config_reads_no_file(project):
    (project / "datajoint.json").write_text("{ not json")
    cfg = Config(system_secrets_dir=None)  # must not raise: files are read on first use
    with pytest.raises(DataJointError, match="datajoint.json"):
        cfg["safemode"]


# -- layering ----------------------------------------------------------------------------


def test_environment_beats_file_and_runtime_beats_environment(project, monkeypatch):
    write_json(project / "datajoint.json", {"database": {"host": "file-host", "user": "file-user"}})
    monkeypatch.setenv("DJ_HOST", "env-host")
    cfg = fresh()
    assert cfg["database.user"] == "file-user"
    assert cfg["database.host"] == "env-host"
    assert cfg.source_of("database.host") == "env"
    cfg["database.host"] = "runtime-host"
    assert cfg["database.host"] == "runtime-host"
    del cfg["database.host"]
    assert cfg["database.host"] == "env-host"


def test_file_is_found_in_a_parent_folder_up_to_the_project_root(project, monkeypatch):
    write_json(project / "datajoint.json", {"safemode": False})
    sub = project / "src" / "analysis"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert fresh()["safemode"] is False
    (sub / ".git").mkdir()  # a nested repository stops the search before the parent file
    assert fresh()["safemode"] is True


def test_file_accepts_dotted_keys_and_dotted_store_keys(project):
    data = {
        "database.host": "h",
        "display.limit": 3,
        "stores.main.protocol": "file",
        "stores.main.location": "/d",
    }
    write_json(project / "datajoint.json", data)
    cfg = fresh()
    assert (cfg["database.host"], cfg["display.limit"]) == ("h", 3)
    assert cfg["stores"] == {"main": {"protocol": "file", "location": "/d"}}


def test_legacy_local_conf_is_read_under_datajoint_json(project):
    write_json(
        project / "dj_local_conf.json",
        {"database.host": "old", "database.user": "ann", "fetch_format": "frame"},
    )
    cfg = fresh()
    assert (cfg["database.host"], cfg["fetch_format"]) == ("old", "frame")
    write_json(project / "datajoint.json", {"database": {"host": "new"}})
    cfg = fresh()
    assert (cfg["database.host"], cfg["database.user"]) == ("new", "ann")


def test_joinery_config_names_the_file(project, monkeypatch, tmp_path_factory):
    write_json(project / "datajoint.json", {"display": {"limit": 1}})
    elsewhere = write_json(tmp_path_factory.mktemp("conf") / "mine.json", {"display": {"limit": 7}})
    monkeypatch.setenv("JOINERY_CONFIG", str(elsewhere))
    assert fresh()["display.limit"] == 7
    monkeypatch.setenv("JOINERY_CONFIG", str(project / "missing.json"))
    with pytest.raises(DataJointError, match="missing.json"):
        fresh()


def test_ignore_config_file_skips_the_file(project, monkeypatch):
    write_json(project / "datajoint.json", {"safemode": False})
    monkeypatch.setenv("DJ_IGNORE_CONFIG_FILE", "true")
    assert fresh()["safemode"] is True


@pytest.mark.parametrize("content", ["{ not json", "[1, 2]"])
def test_malformed_file_error_names_the_file(project, content):
    (project / "datajoint.json").write_text(content)
    with pytest.raises(DataJointError, match=str(project / "datajoint.json")):
        fresh()


def test_bad_value_in_file_names_the_file_and_key(project):
    write_json(project / "datajoint.json", {"database": {"port": "abc"}})
    with pytest.raises(InvalidSettingError, match=r"database\.port.*datajoint\.json"):
        fresh()


def test_unknown_key_in_file_is_ignored_with_a_warning(project, caplog):
    write_json(project / "datajoint.json", {"safe_mode": False, "database": {"hots": "x"}})
    with caplog.at_level(logging.WARNING, logger="joinery"):
        cfg = fresh()
    assert cfg["safemode"] is True
    assert "safe_mode" in caplog.text and "database.hots" in caplog.text


def test_secrets_fill_only_what_file_and_environment_leave_unset(project):
    write_json(
        project / "datajoint.json", {"database": {"user": "file-user"}, "stores": {"s": {"protocol": "s3"}}}
    )
    secrets = project / ".secrets"
    secrets.mkdir()
    (secrets / "database.user").write_text("secret-user\n")
    (secrets / "database.password").write_text("pw\n")
    (secrets / "stores.s.secret_key").write_text("sk")
    cfg = fresh()
    assert (cfg["database.user"], cfg["database.password"]) == ("file-user", "pw")
    assert cfg["stores"]["s"] == {"protocol": "s3", "secret_key": "sk"}
    assert cfg.source_of("database.password") == "secrets"


def test_system_secrets_dir_is_used_without_project_secrets(project, tmp_path_factory):
    system = tmp_path_factory.mktemp("run-secrets")
    (system / "database.password").write_text("sys-pw")
    cfg = make_config(system_secrets_dir=system)
    assert cfg["database.password"] == "sys-pw"


def test_reload_rereads_environment_and_forgets_runtime_values(project, monkeypatch):
    cfg = fresh()
    cfg["display.limit"] = 99
    monkeypatch.setenv("DJ_USER", "bob")
    cfg.reload()
    assert (cfg["display.limit"], cfg["database.user"]) == (12, "bob")


def test_load_applies_a_file_over_runtime_but_under_environment(project, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DJ_HOST", "env-host")
    cfg = fresh()
    cfg["display.limit"] = 2
    other = write_json(tmp_path_factory.mktemp("c") / "x.json", {"display.limit": 5, "database.host": "file"})
    cfg.load(other)
    assert (cfg["display.limit"], cfg["database.host"]) == (5, "env-host")


# -- environment names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "raw", "key", "expected"),
    [
        ("DJ_HOST", "db.lab", "database.host", "db.lab"),
        ("DJ_USER", "ann", "database.user", "ann"),
        ("DJ_PASS", "s3cret", "database.password", "s3cret"),
        ("DJ_PORT", "5433", "database.port", 5433),
        ("DJ_BACKEND", "postgres", "database.backend", "postgresql"),
        ("DJ_DATABASE_NAME", "lab", "database.name", "lab"),
        ("DJ_DATABASE_PREFIX", "ann_", "database.database_prefix", "ann_"),
        ("DJ_CREATE_TABLES", "false", "database.create_tables", False),
        ("DJ_RECONNECT", "0", "database.reconnect", False),
        ("DJ_USE_TLS", "true", "database.use_tls", True),
        ("DJ_LOG_LEVEL", "debug", "loglevel", "DEBUG"),
        ("DJ_SAFEMODE", "no", "safemode", False),
        ("DJ_DOWNLOAD_PATH", "/dl", "download_path", "/dl"),
        ("DJ_QUERY_CACHE", "/qc", "query_cache", Path("/qc")),
        ("DJ_DIAGRAM_DIRECTION", "TB", "display.diagram_direction", "TB"),
        ("DJ_DIAGRAM_THEME", "dark", "display.diagram_theme", "dark"),
        ("DJ_JOBS_STALE_TIMEOUT", "60", "jobs.stale_timeout", 60),
        ("DJ_JOBS_KEEP_COMPLETED", "yes", "jobs.keep_completed", True),
        ("DJ_JOBS_HEARTBEAT_INTERVAL", "0.5", "jobs.heartbeat_interval", 0.5),
        ("DJ_PROVENANCE_SOURCE", '{"system": "PyRat"}', "provenance.source", {"system": "PyRat"}),
        ("DJ_STORES", '{"main": {"protocol": "file", "location": "/d"}}', "stores.main.location", "/d"),
        ("DJ_DATABASE_PATH", "/data/lab.db", "database.path", "/data/lab.db"),
    ],
)
def test_environment_variable_names(project, monkeypatch, env, raw, key, expected):
    monkeypatch.setenv(env, raw)
    assert fresh()[key] == expected


def test_empty_environment_variable_counts_as_unset(project, monkeypatch):
    monkeypatch.setenv("DJ_PORT", "")
    assert fresh()["database.port"] is None


def test_bad_environment_value_names_the_variable(project, monkeypatch):
    monkeypatch.setenv("DJ_PORT", "abc")
    with pytest.raises(InvalidSettingError, match="DJ_PORT"):
        fresh()


def test_dj_stores_replaces_the_file_stores(project, monkeypatch):
    write_json(project / "datajoint.json", {"stores": {"a": {"protocol": "file", "location": "/a"}}})
    monkeypatch.setenv("DJ_STORES", '{"b": {"protocol": "file", "location": "/b"}}')
    assert list(fresh()["stores"]) == ["b"]


# -- values and keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("database.port", "abc"),
        ("database.port", 70000),
        ("safemode", "maybe"),
        ("database.backend", "oracle"),
        ("loglevel", "loud"),
        ("display.limit", 3.5),
        ("display.limit", True),
        ("jobs.default_priority", 256),
        ("jobs.heartbeat_interval", 0),
        ("database.host", 42),
        ("stores", {"main": "not a dict"}),
        ("provenance.source", {("tuple", "key"): 1}),
    ],
)
def test_bad_values_raise_a_clear_error(project, key, value):
    cfg = fresh()
    before = cfg[key]
    with pytest.raises(DataJointError, match=key.replace(".", r"\.")) as caught:
        cfg[key] = value
    assert isinstance(caught.value, ValueError)  # DataJoint raises a ValueError subclass too
    assert cfg[key] == before


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("database.port", "3307", 3307),
        ("safemode", "yes", True),
        ("safemode", 0, False),
        ("loglevel", "warning", "WARNING"),
    ],
)
def test_values_are_normalized(project, key, value, stored):
    cfg = fresh()
    cfg[key] = value
    assert cfg[key] == stored


def test_unknown_keys_raise_key_error(project):
    cfg = fresh()
    for key in ("foo", "database.foo", "foo.bar", "stores.nothing"):
        with pytest.raises(KeyError):
            cfg[key]
        assert cfg.get(key, "fallback") == "fallback"
    with pytest.raises(UnknownSettingError, match="Did you mean 'database.host'"):
        cfg["host"] = "x"
    with pytest.raises(DataJointError):
        cfg["database.foo"] = 1


def test_attribute_access_reads_and_writes_settings(project):
    cfg = fresh()
    cfg.database.host = "db"
    cfg.safemode = False
    assert cfg["database.host"] == "db" and cfg.database.host == "db"
    assert cfg.safemode is False and cfg.display.limit == 12
    assert cfg["database"]["host"] == "db"
    assert cfg.database.to_dict()["host"] == "db"
    with pytest.raises(AttributeError):
        _ = cfg.database.hots
    with pytest.raises(AttributeError):
        _ = cfg.no_such_thing


def test_setting_a_group_with_a_dict_sets_its_keys(project):
    cfg = fresh()
    cfg["display"] = {"limit": 3, "width": 20}
    assert (cfg["display.limit"], cfg["display.width"], cfg["display.show_tuple_count"]) == (3, 20, True)
    with pytest.raises(InvalidSettingError, match="group"):
        cfg["display"] = 5


def test_membership_iteration_and_repr(project):
    cfg = fresh()
    cfg["database.password"] = "topsecret"
    cfg["stores"] = {"s": {"protocol": "s3", "secret_key": "sk-value"}}
    assert "database.host" in cfg and "safemode" in cfg and "stores.s.protocol" in cfg
    assert "database.nope" not in cfg and "stores.t" not in cfg and 3 not in cfg
    assert list(cfg) == cfg.keys() and len(cfg) == len(cfg.keys()) and "jobs.stale_timeout" in list(cfg)
    assert dict(cfg.items())["display.limit"] == 12
    text = repr(cfg)
    assert "topsecret" not in text and "sk-value" not in text
    assert "database.password: '***'  # runtime" in text


def test_stores_can_be_changed_in_place(project):
    cfg = fresh()
    cfg["stores"]["main"] = {"protocol": "file", "location": "/data"}
    cfg["stores.main.location"] = "/other"
    assert cfg["stores.main.location"] == "/other"
    assert cfg.stores["main"]["protocol"] == "file"
    del cfg["stores.main"]
    assert cfg["stores"] == {}


def test_get_store_spec_fills_defaults_and_checks_keys(project):
    cfg = fresh()
    cfg["stores"] = {
        "default": "main",
        "main": {"protocol": "file", "location": "/data"},
        "cloud": {"protocol": "s3", "endpoint": "e", "bucket": "b", "location": "l"},
        "bad": {"protocol": "file", "location": "/x", "colour": "red"},
    }
    spec = cfg.get_store_spec()
    assert spec["location"] == "/data" and spec["token_length"] == 8 and spec["hash_prefix"] == "_hash"
    assert cfg.get_store_spec("cloud")["secure"] is True
    with pytest.raises(DataJointError, match="colour"):
        cfg.get_store_spec("bad")
    with pytest.raises(DataJointError, match="not configured"):
        cfg.get_store_spec("missing")
    with pytest.raises(DataJointError, match="filepath_default"):
        cfg.get_store_spec(use_filepath_default=True)


# -- override ----------------------------------------------------------------------------


def test_override_sets_and_restores(project, monkeypatch):
    monkeypatch.setenv("DJ_HOST", "env-host")
    cfg = fresh()
    cfg["display.limit"] = 5
    with cfg.override(safemode=False, database__host="x", display__limit=7) as inside:
        assert inside is cfg
        assert (cfg["safemode"], cfg["database.host"], cfg["display.limit"]) == (False, "x", 7)
    assert (cfg["safemode"], cfg["database.host"], cfg["display.limit"]) == (True, "env-host", 5)
    assert cfg.source_of("database.host") == "env"


def test_override_restores_on_exception(project):
    cfg = fresh()
    with pytest.raises(RuntimeError), cfg.override(safemode=False, stores={"a": {"protocol": "file"}}):
        raise RuntimeError("boom")
    assert cfg["safemode"] is True and cfg["stores"] == {}


def test_override_with_a_bad_or_unknown_key_changes_nothing(project):
    cfg = fresh()
    with pytest.raises(InvalidSettingError), cfg.override(safemode=False, database__port="abc"):
        pass
    assert cfg["safemode"] is True
    with pytest.raises(UnknownSettingError), cfg.override(display__limit=1, safe_mode=False):
        pass
    assert cfg["display.limit"] == 12


def test_override_accepts_a_database_url(project):
    cfg = fresh()
    with cfg.override(database__url="mysql://u:p@h/db"):
        assert (cfg["database.backend"], cfg["database.host"], cfg["database.port"]) == ("mysql", "h", 3306)
    assert cfg["database.backend"] == "sqlite" and cfg["database.user"] is None


# -- URLs and connection settings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://ann:p%40ss@db.lab:5433/pipeline",
            {
                "database.backend": "postgresql",
                "database.host": "db.lab",
                "database.port": 5433,
                "database.user": "ann",
                "database.password": "p@ss",
                "database.name": "pipeline",
            },
        ),
        (
            "postgres://db.lab/lab?sslmode=require",
            {
                "database.backend": "postgresql",
                "database.host": "db.lab",
                "database.name": "lab",
                "database.use_tls": True,
            },
        ),
        ("postgresql+psycopg://h", {"database.backend": "postgresql", "database.host": "h"}),
        (
            "mysql://root:pw@127.0.0.1:3307",
            {
                "database.backend": "mysql",
                "database.host": "127.0.0.1",
                "database.port": 3307,
                "database.user": "root",
                "database.password": "pw",
            },
        ),
        ("mariadb://h", {"database.backend": "mysql", "database.host": "h"}),
        ("sqlite:///lab.db", {"database.backend": "sqlite", "database.path": "lab.db"}),
        ("sqlite:////abs/lab.db", {"database.backend": "sqlite", "database.path": "/abs/lab.db"}),
        ("sqlite://", {"database.backend": "sqlite", "database.path": ":memory:"}),
    ],
)
def test_parse_database_url(url, expected):
    assert parse_database_url(url) == expected


@pytest.mark.parametrize("url", ["oracle://h/db", "postgresql://h:port/db", "mysql://h/?ssl=perhaps"])
def test_bad_database_url_raises_without_showing_the_password(url):
    with pytest.raises(InvalidSettingError):
        parse_database_url(url)
    with pytest.raises(InvalidSettingError) as caught:
        parse_database_url(url.replace("://", "://u:hunter2@"))
    assert "hunter2" not in str(caught.value)


def test_database_url_sets_the_separate_keys(project):
    cfg = fresh()
    cfg["database.url"] = "postgresql://ann:pw@db.lab/pipeline"
    assert (cfg["database.user"], cfg["database.password"], cfg["database.port"]) == ("ann", "pw", 5432)
    assert cfg["database.url"] == "postgresql://ann@db.lab:5432/pipeline"  # composed, without the password
    del cfg["database.url"]
    assert cfg["database.backend"] == "sqlite"


def test_url_in_environment_is_refined_by_explicit_variables(project, monkeypatch):
    write_json(project / "datajoint.json", {"database": {"password": "from-file"}})
    monkeypatch.setenv("DJ_DATABASE_URL", "mysql://ann@db.lab/x")
    monkeypatch.setenv("DJ_HOST", "replica.lab")
    cfg = fresh()
    assert (cfg["database.backend"], cfg["database.host"], cfg["database.user"]) == (
        "mysql",
        "replica.lab",
        "ann",
    )
    assert cfg["database.password"] == "from-file"


def test_connection_settings_for_each_backend(project):
    cfg = fresh()
    cfg["database.url"] = "sqlite:///data/lab.db"
    sqlite = connection_settings(cfg)
    assert sqlite["backend"] == "sqlite" and sqlite["host"] is None
    assert sqlite["path"] == str((project / "data" / "lab.db").resolve())
    cfg["database.url"] = "postgresql://ann:pw@db.lab"
    postgres = connection_settings(cfg)
    assert (postgres["host"], postgres["port"], postgres["database"], postgres["path"]) == (
        "db.lab",
        5432,
        "postgres",
        None,
    )
    assert (postgres["user"], postgres["password"]) == ("ann", "pw")
    cfg["database.url"] = "mysql://root@db.lab:3310/lab"
    mysql = connection_settings(cfg)
    assert (mysql["backend"], mysql["port"], mysql["database"]) == ("mysql", 3310, "lab")


def test_host_with_port_overrides_the_port(project):
    cfg = fresh()
    cfg.update({"database.backend": "mysql", "database.host": "db.lab:3399", "database.port": 3306})
    assert connection_settings(cfg)[("port")] == 3399 and connection_settings(cfg)["host"] == "db.lab"


# -- files written -----------------------------------------------------------------------


def test_save_writes_changed_settings_that_load_back(project):
    cfg = fresh()
    cfg["database.user"] = "ann"
    cfg["display.limit"] = 4
    path = cfg.save_local()
    assert path == project / "dj_local_conf.json"
    assert json.loads(path.read_text()) == {"database.user": "ann", "display.limit": 4}
    assert fresh()["display.limit"] == 4


def test_save_template_writes_a_readable_file_and_secrets_but_never_overwrites(project):
    path = Config.save_template(project / "datajoint.json", minimal=False)
    assert (project / ".secrets" / "database.password").is_file()
    assert (project / ".secrets" / ".gitignore").is_file()
    data = json.loads(path.read_text())
    assert data["database"]["backend"] == "sqlite" and data["display"]["limit"] == 12
    assert fresh()["database.password"] == "your_password"
    with pytest.raises(FileExistsError):
        Config.save_template(project / "datajoint.json")


def test_loglevel_drives_the_joinery_logger_for_the_managed_config(project):
    joinery_logger = logging.getLogger("joinery")
    before = joinery_logger.level
    try:
        cfg = Config(system_secrets_dir=None, manage_logger=True)
        with cfg.override(loglevel="ERROR"):
            assert joinery_logger.level == logging.ERROR
        assert joinery_logger.level == logging.INFO
    finally:
        joinery_logger.setLevel(before)

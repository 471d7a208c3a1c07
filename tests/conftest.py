"""Shared fixtures: every behaviour test gets a fresh database and its own schema.

``backend`` names the database the test runs on. SQLite always runs;
PostgreSQL and MySQL run when ``JOINERY_TEST_POSTGRES_URL`` /
``JOINERY_TEST_MYSQL_URL`` are set (``.ci/run`` sets both). On a server, every
schema a test created is dropped when it ends, so runs do not interfere.
"""

from __future__ import annotations

import itertools
import os
import re

import pytest

import joinery as dj
from joinery.connect import _reset_for_tests

_counter = itertools.count()

SERVER_URLS = {
    "postgresql": os.environ.get("JOINERY_TEST_POSTGRES_URL"),
    "mysql": os.environ.get("JOINERY_TEST_MYSQL_URL"),
}
BACKENDS = ["sqlite"] + [name for name, url in SERVER_URLS.items() if url]


def pytest_report_header(config):
    missing = [name for name, url in SERVER_URLS.items() if not url]
    note = f"; not tested (URL not set): {', '.join(missing)}" if missing else ""
    return f"joinery backends: {', '.join(BACKENDS)}{note}"


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def _server_settings(backend: str) -> dict:
    from joinery.settings import parse_database_url

    return parse_database_url(SERVER_URLS[backend])


@pytest.fixture
def connection(backend, tmp_path, monkeypatch):
    """A connection to a fresh database for this test (a fresh file, or a server cleaned afterwards)."""
    monkeypatch.chdir(tmp_path)
    _reset_for_tests()
    settings = {"database.path": str(tmp_path / "test.db")}
    if backend != "sqlite":
        settings = _server_settings(backend)
    with dj.config.override(safemode=False):
        for key, value in settings.items():
            dj.config[key] = value
        dj.config["database.backend"] = backend
        connection = dj.conn()
        before = set(connection.catalog.list_schemas())
        yield connection
        _drop_new_schemas(before)
        _reset_for_tests()
        for key in [*settings, "database.backend"]:
            del dj.config[key]


@pytest.fixture
def database_url(connection):
    """The URL of the test's database, for other processes: ``dj.config["database.url"] = url``."""
    if connection.settings["backend"] == "sqlite":
        return "sqlite:///" + connection.settings["path"]
    return SERVER_URLS[connection.settings["backend"]]


_OTHER_RUN = re.compile(r"^(?:test_(\d+)_|bench)")


def _ours(name: str) -> bool:
    """False for schemas another test process (``test_<pid>_...``) or a benchmark run is using right now."""
    match = _OTHER_RUN.match(name)
    return match is None or match.group(1) == str(os.getpid())


def _drop_new_schemas(before: set) -> None:
    """Drop every schema the test created on a server (dependents first, by retrying)."""
    connection = dj.conn()
    if connection.settings["backend"] == "sqlite":
        return
    if connection.in_transaction:
        connection.cancel_transaction()
    leftover = [s for s in connection.catalog.list_schemas() if s not in before and _ours(s)]
    for _ in range(len(leftover) + 1):
        failed = []
        for name in leftover:
            try:
                dj.Schema(name, connection=connection, create_schema=False).drop(prompt=False)
            except Exception:
                failed.append(name)
        if not failed:
            return
        leftover = failed
    raise RuntimeError(f"Could not drop the test's schemas {leftover}")


@pytest.fixture
def schema(connection):
    """A new, empty schema, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    result = dj.Schema(name, connection=connection)
    yield result
    if result.exists:
        result.drop(prompt=False)


@pytest.fixture
def statements(connection, monkeypatch):
    """The SQL of every statement the connection sends from now on (wrapping ``query``, the one path)."""
    sent: list[str] = []
    query = connection.query

    def counting(sql, params=(), **options):
        sent.append(sql)
        return query(sql, params, **options)

    monkeypatch.setattr(connection, "query", counting)
    return sent

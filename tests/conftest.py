"""Shared fixtures: every behaviour test gets a fresh database and its own schema.

``backend`` names the database the test runs on. SQLite always runs; server
backends join once the engine supports them (their URLs come from
``JOINERY_TEST_POSTGRES_URL`` / ``JOINERY_TEST_MYSQL_URL``).
"""

from __future__ import annotations

import itertools
import os

import pytest

import joinery as dj
from joinery.connect import _reset_for_tests

_counter = itertools.count()

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def connection(backend, tmp_path, monkeypatch):
    """A connection to a fresh database for this test."""
    monkeypatch.chdir(tmp_path)
    _reset_for_tests()
    with dj.config.override(safemode=False):
        dj.config["database.backend"] = backend
        dj.config["database.path"] = str(tmp_path / "test.db")
        yield dj.conn()
        _reset_for_tests()
        del dj.config["database.path"]
        del dj.config["database.backend"]


@pytest.fixture
def schema(connection):
    """A new, empty schema, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    result = dj.Schema(name, connection=connection)
    yield result
    if result.exists:
        result.drop(prompt=False)

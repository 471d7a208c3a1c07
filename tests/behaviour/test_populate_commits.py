"""How populate commits each key: atomically, in one round trip where the driver pipelines
(PostgreSQL), and durably by the time populate returns.

On PostgreSQL each key's commit is sent with its writes (``BEGIN``, the rows, the
job's completion, ``COMMIT``) and, unless ``populate.synchronous_commit`` is on,
does not wait for the server's disk; populate ends with one commit that does, and
puts the session's setting back.
"""

from __future__ import annotations

import pytest

import joinery as dj
from joinery.errors import DuplicateError


@pytest.fixture
def pipeline(schema):
    """Source (5 rows) -> Result (a master row and two part rows per key; key 3's parts collide)."""

    @schema
    class Source(dj.Manual):
        definition = """
        source_id : int32
        """

    @schema
    class Result(dj.Computed):
        definition = """
        -> Source
        ---
        total : int32
        """

        class Item(dj.Part):
            definition = """
            -> master
            item : int32
            """

        def make(self, key):
            self.insert1({**key, "total": 2})
            second = 0 if key["source_id"] == 3 else 1  # key 3 repeats a part key: nothing of it is kept
            self.Item.insert([{**key, "item": 0}, {**key, "item": second}])

    Source.insert([{"source_id": i} for i in range(5)])
    return Source, Result


@pytest.mark.parametrize("reserve_jobs", [False, True])
def test_a_failing_write_keeps_nothing_of_its_key_and_names_its_table(pipeline, reserve_jobs):
    _, Result = pipeline
    summary = Result.populate(reserve_jobs=reserve_jobs, suppress_errors=True)
    assert summary["success_count"] == 4
    [(key, message)] = summary["error_list"]
    assert key == {"source_id": 3}
    assert message.startswith("DuplicateError") and "Item" in message and "skip_duplicates" in message
    assert sorted(Result.keys(), key=lambda k: k["source_id"]) == [{"source_id": i} for i in (0, 1, 2, 4)]
    assert len(Result.Item()) == 8 and not (Result.Item() & {"source_id": 3})
    if reserve_jobs:
        assert (Result.jobs & {"status": "error"}).to_dicts()[0]["error_message"].startswith("DuplicateError")
        assert len(Result.jobs) == 1  # the four done jobs were completed in their keys' commits


def test_a_failing_write_raises_the_explained_error(pipeline):
    _, Result = pipeline
    with pytest.raises(DuplicateError, match="Item"):
        Result.populate()
    assert len(Result()) == 3  # keys 0-2 committed before key 3 failed


def test_commits_skip_waiting_for_the_disk_until_populate_ends(pipeline, statements, connection):
    _, Result = pipeline
    Result.populate(suppress_errors=True)
    relax, restore = connection.dialect.relax_commits, connection.dialect.restore_commits
    if relax:
        assert statements.count(relax) == 1 and statements[-1] == restore
        assert (
            connection.query("SHOW synchronous_commit").fetchone()[0] == "on"
        )  # the session's setting is back
    else:
        assert not [sql for sql in statements if "synchronous_commit" in sql]


def test_synchronous_commit_setting_makes_every_commit_wait(pipeline, statements, monkeypatch):
    _, Result = pipeline
    monkeypatch.setitem(dj.config, "populate.synchronous_commit", True)
    assert Result.populate(suppress_errors=True)["success_count"] == 4
    assert not [sql for sql in statements if "synchronous_commit" in sql]


def test_a_session_setting_of_the_users_own_is_kept(pipeline, connection):
    _, Result = pipeline
    if not connection.dialect.relax_commits:
        pytest.skip("the embedded database has no per-session commit setting")
    connection.query("SET synchronous_commit TO local")
    Result.populate(suppress_errors=True)
    assert connection.query("SHOW synchronous_commit").fetchone()[0] == "local"
    connection.query("SET synchronous_commit TO DEFAULT")


def test_an_error_that_stops_populate_still_restores_the_setting(pipeline, connection):
    _, Result = pipeline
    with pytest.raises(DuplicateError):
        Result.populate()
    if connection.dialect.relax_commits:
        assert connection.query("SHOW synchronous_commit").fetchone()[0] == "on"


def test_populate_with_nothing_to_do_changes_no_setting(pipeline, statements):
    _, Result = pipeline
    Result.populate("source_id < 3")
    statements.clear()
    assert Result.populate("source_id < 3")["success_count"] == 0
    assert len(statements) == 1  # the query for the keys to do

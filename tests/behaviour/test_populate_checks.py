"""populate()'s round trips: what it sends per key and when there is nothing to do, and that the
cheaper checks still skip exactly the keys that are done.

The statements are counted by wrapping the connection's ``query``, the one
path every statement takes.
"""

from __future__ import annotations

import time

import pytest

import joinery as dj
from joinery.engine import Connection

N = 60


@pytest.fixture
def pipeline(schema):
    """Source (N rows) -> Result, whose make records its key and inserts one row."""
    calls: list[int] = []

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
        doubled : int32
        """

        def make(self, key):
            calls.append(key["source_id"])
            self.insert1({**key, "doubled": 2 * key["source_id"]})

    Source.insert([{"source_id": i} for i in range(N)])
    return Source, Result, calls


def test_populate_with_nothing_to_do_sends_one_query(pipeline, statements):
    _, Result, _ = pipeline
    Result.populate()
    statements.clear()
    assert Result.populate() == {"success_count": 0, "error_list": []}
    assert len(statements) == 1, statements  # the anti-join: no catalog queries again


def test_quick_makes_are_checked_for_being_done_many_keys_at_a_time(pipeline, statements):
    _, Result, calls = pipeline
    Result.progress(display=False)  # the catalog is read here, before counting
    statements.clear()
    assert Result.populate()["success_count"] == N
    assert sorted(calls) == list(range(N))
    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    assert len(inserts) == N
    # one INSERT per key, plus the anti-join and a few checks of many keys (one check per key before).
    # Transaction control is not counted: on PostgreSQL it shares the INSERT's round trip (a pipeline)
    work = [sql for sql in statements if sql not in ("BEGIN", "COMMIT") and "synchronous_commit" not in sql]
    assert len(work) < 1.5 * N, work
    checks = [sql for sql in statements if sql.startswith("SELECT 1")]
    assert len(checks) < 0.2 * N, checks


def test_keys_given_skip_exactly_those_done_among_many(pipeline):
    _, Result, calls = pipeline
    done = set(range(0, N, 7))
    Result.populate(keys=[{"source_id": i} for i in sorted(done)])
    calls.clear()
    result = Result.populate(keys=[{"source_id": i} for i in range(N)])
    assert result["success_count"] == N - len(done)
    assert calls == [i for i in range(N) if i not in done]  # no make for a key that was done
    assert len(Result()) == N


def test_dry_run_with_keys_leaves_out_those_done(pipeline):
    _, Result, _ = pipeline
    Result.populate(keys=[{"source_id": 3}, {"source_id": 40}])
    planned = Result.populate(keys=[{"source_id": i} for i in range(N)], dry_run=True)["keys"]
    assert [key["source_id"] for key, _ in planned] == [i for i in range(N) if i not in (3, 40)]


def test_a_slow_makes_next_key_is_checked_right_before_it_runs(schema, connection):
    other = Connection(connection.settings)  # another process's connection
    calls: list[int] = []

    @schema
    class Item(dj.Manual):
        definition = """
        item_id : int32
        """

    @schema
    class Slow(dj.Computed):
        definition = """
        -> Item
        """

        def make(self, key):
            calls.append(key["item_id"])
            time.sleep(0.25)  # longer than a check of many keys is trusted
            if key["item_id"] == 1:  # meanwhile another process finishes key 2
                other.query(f"INSERT INTO {self.full_table_name} VALUES ({other.dialect.placeholder})", (2,))
            self.insert1(key)

    Item.insert([{"item_id": i} for i in range(4)])
    assert Slow.populate()["success_count"] == 3
    assert calls == [0, 1, 3]
    other.close()


def test_key_source_follows_the_schema_a_class_is_bound_to(pipeline, connection):
    Source, Result, calls = pipeline
    Result.populate()
    second = dj.Schema(f"{Source.database}_b", connection=connection)
    second(Source)
    second(Result)
    Source.insert([{"source_id": 1000}])
    calls.clear()
    assert Result.populate()["success_count"] == 1
    assert calls == [1000]
    second.drop(prompt=False)

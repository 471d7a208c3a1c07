"""populate(reserve_jobs=True): the jobs table, exclusive reservations, recorded errors, ignore, progress."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import pytest

import joinery as dj
from joinery.engine.connection import Connection
from joinery.jobs import Jobs
from joinery.tables import FreeTable


class OddError(ValueError):
    """Raised by the failing make for odd keys."""


@pytest.fixture
def pipeline(schema, tmp_path):
    """Subject (10 rows) -> Result (Computed); make fails for keys in ``fail`` and logs each call to a file."""
    fail: set[int] = set()
    log = tmp_path / "calls.log"

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int32
        ---
        value : float64
        """

    @schema
    class Result(dj.Computed):
        definition = """
        -> Subject
        ---
        doubled : float64
        """

        def make(self, key):
            with log.open("a") as f:
                f.write(f"{key['subject_id']}\n")
            if key["subject_id"] in fail:
                raise OddError(f"odd subject {key['subject_id']}")
            self.insert1({**key, "doubled": 2 * (Subject & key).fetch1("value")})

    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(10)])
    return Subject, Result, fail, log


def calls(log: Path) -> list[int]:
    return sorted(int(line) for line in log.read_text().split()) if log.exists() else []


def test_jobs_table_is_named_and_laid_out_as_in_datajoint_plus_two_columns_of_ours(pipeline, schema):
    _, Result, _, _ = pipeline
    jobs = Result.jobs
    assert jobs.table_name == "~~result" and jobs.database == schema.database
    assert jobs.primary_key == ["subject_id"]
    # DataJoint 2.3.5's columns in its order; then joinery's, which DataJoint sees as extra defaults
    assert jobs.heading.names[:-2] == [
        "subject_id",
        "status",
        "priority",
        "created_time",
        "scheduled_time",
        "reserved_time",
        "completed_time",
        "duration",
        "error_message",
        "error_stack",
        "user",
        "host",
        "pid",
        "connection_id",
        "version",
    ]
    assert jobs.heading.names[-2:] == ["peak_memory", "attempts"]
    assert jobs.progress() == {"pending": 0, "reserved": 0, "success": 0, "error": 0, "ignore": 0, "total": 0}


def test_populate_without_reserve_jobs_leaves_no_jobs_table(pipeline, schema):
    _, Result, _, _ = pipeline
    assert Result.populate()["success_count"] == 10
    assert "~~result" not in schema.list_tables()


def test_a_reservation_is_exclusive_across_connections(pipeline, connection):
    _, Result, _, _ = pipeline
    mine = Result.jobs
    other_connection = Connection(dict(connection.settings))
    theirs = Jobs(FreeTable(other_connection, Result.full_table_name))
    # a key with no job row yet
    assert mine.reserve({"subject_id": 1})
    assert not theirs.reserve({"subject_id": 1})
    # a pending key
    assert mine.refresh()["added"] == 9
    assert theirs.reserve({"subject_id": 2})
    assert not mine.reserve({"subject_id": 2})
    assert len(mine.reserved) == 2
    row = (mine & {"subject_id": 2}).fetch1()
    assert row["status"] == "reserved" and row["reserved_time"] is not None and row["pid"] > 0
    theirs.complete({"subject_id": 2}, duration=0.1)
    assert not (mine & {"subject_id": 2}).keys()  # removed, as DataJoint does without keep_completed
    other_connection.close()


def test_errors_are_recorded_with_message_and_stack_and_not_retried(pipeline):
    _, Result, fail, log = pipeline
    fail.update({3, 5})
    result = Result.populate(reserve_jobs=True, suppress_errors=True)
    assert result["success_count"] == 8
    assert sorted(result["error_list"], key=lambda e: e[0]["subject_id"]) == [
        ({"subject_id": 3}, "OddError: odd subject 3"),
        ({"subject_id": 5}, "OddError: odd subject 5"),
    ]
    errors = Result.jobs.errors.to_dicts(order_by="KEY")
    assert [e["subject_id"] for e in errors] == [3, 5]
    assert errors[0]["error_message"] == "OddError: odd subject 3"
    assert "in make" in errors[0]["error_stack"] and "OddError" in errors[0]["error_stack"]
    assert errors[0]["completed_time"] is not None
    assert len(Result.jobs) == 2  # the successes were removed

    log.unlink()
    fail.clear()  # the make would succeed now, but errors stay until someone clears them
    assert Result.populate(reserve_jobs=True, suppress_errors=True) == {"success_count": 0, "error_list": []}
    assert calls(log) == []


def test_an_error_without_suppress_errors_is_recorded_then_raised(pipeline):
    _, Result, fail, _ = pipeline
    fail.add(0)
    with pytest.raises(OddError):
        Result.populate(reserve_jobs=True)
    assert Result.jobs.errors.keys() == [{"subject_id": 0}]
    assert len(Result()) == 0


def test_clearing_an_error_makes_the_key_run_again(pipeline):
    _, Result, fail, log = pipeline
    fail.update({3, 5})
    Result.populate(reserve_jobs=True, suppress_errors=True)
    fail.clear()
    log.unlink()
    (Result.jobs & {"subject_id": 3}).delete()
    assert Result.populate(reserve_jobs=True) == {"success_count": 1, "error_list": []}
    assert calls(log) == [3]
    Result.jobs.errors.delete()
    assert Result.populate(reserve_jobs=True)["success_count"] == 1
    assert len(Result()) == 10 and len(Result.jobs) == 0


def test_ignored_keys_are_never_computed(pipeline):
    _, Result, _, log = pipeline
    Result.jobs.ignore({"subject_id": 4})
    assert not Result.jobs.reserve({"subject_id": 4})
    assert Result.populate(reserve_jobs=True)["success_count"] == 9
    assert Result.populate(reserve_jobs=True, keys=[{"subject_id": 4}])["success_count"] == 0
    assert 4 not in calls(log)
    assert Result.jobs.ignored.keys() == [{"subject_id": 4}]
    assert Result.progress(display=False) == (1, 10)


def test_jobs_progress_counts_jobs_by_status(pipeline):
    _, Result, fail, _ = pipeline
    fail.add(1)
    Result.jobs.ignore({"subject_id": 2})
    Result.populate({"subject_id": 1}, reserve_jobs=True, suppress_errors=True)
    Result.jobs.refresh()
    Result.jobs.reserve({"subject_id": 9})
    assert Result.jobs.progress() == {
        "pending": 7,
        "reserved": 1,
        "success": 0,
        "error": 1,
        "ignore": 1,
        "total": 10,
    }
    assert len(Result.jobs.pending) == 7


def test_keep_completed_keeps_success_rows_with_their_duration(pipeline):
    _, Result, _, _ = pipeline
    with dj.config.override(**{"jobs.keep_completed": True}):
        assert Result.populate(reserve_jobs=True, max_calls=3)["success_count"] == 3
    done = Result.jobs.completed.to_dicts()
    assert len(done) == 3 and all(row["duration"] >= 0 and row["completed_time"] for row in done)
    assert Result.jobs.progress()["pending"] == 7


def test_refresh_returns_orphaned_reservations_to_pending(pipeline, connection):
    _, Result, _, _ = pipeline
    jobs = Result.jobs
    jobs.reserve({"subject_id": 6})
    jobs.reserve({"subject_id": 7})
    connection.query(
        f"UPDATE {jobs.full_table_name} SET reserved_time = '2000-01-01 00:00:00' WHERE subject_id = 6"
    )
    assert jobs.refresh(orphan_timeout=3600)["orphaned"] == 1
    assert jobs.reserved.keys() == [{"subject_id": 7}]
    assert len(jobs.pending & {"subject_id": 6}) == 1


def test_refresh_removes_jobs_whose_keys_are_gone(pipeline):
    Subject, Result, fail, _ = pipeline
    fail.add(8)
    Result.populate(reserve_jobs=True, suppress_errors=True)
    (Subject & {"subject_id": 8}).delete()
    assert Result.jobs.refresh()["removed"] == 1
    assert len(Result.jobs) == 0


def _populate_in_child(table: type) -> None:
    table.populate(reserve_jobs=True)


def test_independent_processes_compute_every_key_once(pipeline, connection):
    Subject, Result, _, log = pipeline
    Subject.insert([{"subject_id": i, "value": float(i)} for i in range(10, 60)])
    Result.jobs.refresh()
    connection.close()  # each forked process opens its own
    context = mp.get_context("fork")
    workers = [context.Process(target=_populate_in_child, args=(Result,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    connection.connect()
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert calls(log) == list(range(60))
    assert len(Result()) == 60 and len(Result.jobs) == 0


def test_processes_with_reserve_jobs_compute_every_key_once(pipeline):
    _, Result, fail, log = pipeline
    fail.add(7)
    start = time.perf_counter()
    result = Result.populate(reserve_jobs=True, processes=2, suppress_errors=True)
    assert time.perf_counter() - start < 10
    assert result["success_count"] == 9
    assert [key for key, _ in result["error_list"]] == [{"subject_id": 7}]
    assert calls(log) == list(range(10))
    assert Result.jobs.errors.keys() == [{"subject_id": 7}]


def test_schema_jobs_lists_the_jobs_tables_that_exist(pipeline, schema):
    Subject, Result, _, _ = pipeline

    @schema
    class Other(dj.Computed):
        definition = """
        -> Subject
        """

        def make(self, key):
            self.insert1(key)

    assert schema.jobs == []
    Result.populate(reserve_jobs=True)
    assert [jobs.table_name for jobs in schema.jobs] == ["~~result"]


# -- heartbeats, orphans, dry runs ---------------------------------------------------------------


def test_a_live_worker_keeps_its_reservation_however_long_make_takes(schema, connection):
    seen: dict = {}

    @schema
    class Slow(dj.Lookup):
        definition = """
        slow_id : int32
        """
        contents = [(1,)]

    @schema
    class Long(dj.Computed):
        definition = """
        -> Slow
        """

        def make(self, key):
            observer = Connection(dict(connection.settings))  # another process's view
            jobs = Jobs(FreeTable(observer, Long.full_table_name))
            first = (jobs & key).fetch1("reserved_time")
            time.sleep(2.0)  # far longer than the orphan timeout below
            seen["orphaned"] = jobs.refresh(orphan_timeout=1.0)["orphaned"]
            seen["beats"] = (jobs & key).fetch1("reserved_time") > first
            seen["status"] = (jobs & key).fetch1("status")
            observer.close()
            self.insert1(key)

    with dj.config.override(**{"jobs.heartbeat_interval": 0.05}):
        assert Long.populate(reserve_jobs=True)["success_count"] == 1
    assert seen == {"orphaned": 0, "beats": True, "status": "reserved"}


def test_a_reservation_without_heartbeat_is_taken_over_by_the_next_populate(pipeline, connection):
    _, Result, _, log = pipeline
    dead = Jobs(FreeTable(Connection(dict(connection.settings)), Result.full_table_name))
    assert dead.reserve({"subject_id": 4})  # a worker that reserved, then died: no heartbeat
    # margins wide enough for a loaded machine: populating 9 keys must finish well inside the timeout
    with dj.config.override(**{"jobs.heartbeat_interval": 0.1, "jobs.orphan_timeout": 1.5}):
        started = time.monotonic()
        assert Result.populate(reserve_jobs=True)["success_count"] == 9
        assert Result.jobs.reserved.keys() == [{"subject_id": 4}]  # not yet expired
        plan = Result.populate(reserve_jobs=True, dry_run=True)
        assert plan["keys"] == []
        time.sleep(max(0.0, started + 1.6 - time.monotonic()))
        plan = Result.populate(reserve_jobs=True, dry_run=True)
        assert plan["keys"] == [({"subject_id": 4}, "reservation expired")]
        assert Result.populate(reserve_jobs=True)["success_count"] == 1
    assert calls(log) == list(range(10)) and len(Result.jobs) == 0


def test_dry_run_computes_nothing_and_gives_each_key_a_reason_and_an_estimate(pipeline, connection):
    _, Result, fail, log = pipeline
    fail.update({1, 2})
    with dj.config.override(**{"jobs.keep_completed": True}):
        Result.populate([{"subject_id": i} for i in (1, 2, 3, 4)], reserve_jobs=True, suppress_errors=True)
    log.unlink()
    q = connection.dialect.quote
    connection.query(
        f"UPDATE {Result.jobs.full_table_name} SET {q('status')} = 'pending' WHERE {q('subject_id')} = 1"
    )
    Result.jobs.ignore({"subject_id": 9})
    plan = Result.populate(reserve_jobs=True, dry_run=True, processes=2)
    assert plan["keys"][:2] == [({"subject_id": 0}, "new"), ({"subject_id": 1}, "error cleared")]
    assert plan["reasons"] == {"new": 5, "error cleared": 1}  # 2 is in error, 9 ignored, 3 and 4 done
    mean = plan["mean_duration"]
    assert mean > 0 and plan["estimated_seconds"] == pytest.approx(mean * 6 / 2)
    assert Result.populate(dry_run=True)["reasons"] == {"new": 8}  # without reserve_jobs: every missing key
    assert Result.populate(reserve_jobs=True, dry_run=True, limit=2)["reasons"] == {
        "new": 1,
        "error cleared": 1,
    }
    assert calls(log) == [] and len(Result()) == 2 and Result.jobs.progress()["pending"] == 1


def test_dry_run_writes_nothing_not_even_a_jobs_table(pipeline, schema):
    _, Result, _, _ = pipeline
    plan = Result.populate(reserve_jobs=True, dry_run=True)
    assert len(plan["keys"]) == 10 and plan["estimated_seconds"] is None
    assert "~~result" not in schema.list_tables()


def test_duration_and_peak_memory_are_recorded(pipeline):
    _, Result, fail, _ = pipeline
    fail.add(5)
    with dj.config.override(**{"jobs.keep_completed": True}):
        Result.populate(reserve_jobs=True, suppress_errors=True)
    rows = Result.jobs.to_dicts()
    assert {row["status"] for row in rows} == {"success", "error"}
    assert all(row["duration"] > 0 and row["peak_memory"] > 1_000_000 for row in rows)

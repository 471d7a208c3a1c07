"""Distributed populate under faults: a worker SIGKILLed mid-make, failing makes, retries.

Workers are forked OS processes running the ``joinery worker`` loop
(``joinery.cli.run_worker``) against the test's database, as N copies of the CLI
on a cluster would. Completions are appended to a side file at the end of each
``make`` (one short ``O_APPEND`` write per line, so lines never interleave).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

import joinery as dj
from joinery.cli import run_worker

N_KEYS = 2000
VICTIM = 777


class Flaky(ValueError):
    """A permanent failure of make, for a chosen subset of keys."""


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.fixture
def pipeline(schema, tmp_path):
    """Source (N_KEYS rows) -> Square; make of VICTIM hangs the first time (to be killed), once."""
    done_log, victim_marker = tmp_path / "completed.log", tmp_path / "victim.pid"

    @schema
    class Source(dj.Manual):
        definition = """
        source_id : int32
        """

    @schema
    class Square(dj.Computed):
        definition = """
        -> Source
        ---
        square : int64
        """

        def make(self, key):
            if key["source_id"] == VICTIM and not victim_marker.exists():
                victim_marker.write_text(str(os.getpid()))
                time.sleep(120)  # killed here
            self.insert1({**key, "square": key["source_id"] ** 2})
            _append(done_log, str(key["source_id"]))

    Source.insert([{"source_id": i} for i in range(N_KEYS)])
    return Source, Square, done_log, victim_marker


def _worker(tables: list) -> None:
    try:
        run_worker(tables, poll=0.1)
    finally:
        os._exit(0)


def _wait_for(path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)
    return path.read_text()


def test_a_worker_killed_mid_make_loses_nothing_and_no_key_is_made_twice(pipeline, connection):
    _, Square, done_log, victim_marker = pipeline
    Square.jobs.refresh()  # declare the jobs table before forking
    context = mp.get_context("fork")
    workers = [context.Process(target=_worker, args=([Square],)) for _ in range(5)]
    with dj.config.override(**{"jobs.heartbeat_interval": 0.1, "jobs.orphan_timeout": 1.0}):
        connection.close()  # every worker opens its own
        try:
            for worker in workers[:4]:
                worker.start()
            victim_pid = int(_wait_for(victim_marker, 30))
            os.kill(victim_pid, signal.SIGKILL)
            workers[4].start()  # the killed worker's replacement
            for worker in workers:
                worker.join(30)
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
            connection.connect()
    exit_codes = {worker.pid: worker.exitcode for worker in workers}
    assert exit_codes.pop(victim_pid) == -signal.SIGKILL
    assert set(exit_codes.values()) == {0}
    completions = Counter(int(line) for line in _lines(done_log))
    assert set(completions) == set(range(N_KEYS))  # the killed worker's key was taken over
    assert [key for key, count in completions.items() if count > 1] == []
    assert len(Square()) == N_KEYS and len(dj.U("source_id") & Square) == N_KEYS
    assert (Square & {"source_id": VICTIM}).fetch1("square") == VICTIM**2
    assert Square.jobs.progress()["total"] == 0  # no reservation left behind


def test_errors_are_kept_ignored_keys_never_run_and_cleared_errors_run_again(schema, tmp_path):
    failing, log = {3, 14, 15, 92}, tmp_path / "calls.log"

    @schema
    class Item(dj.Lookup):
        definition = """
        item_id : int32
        """
        contents = [(i,) for i in range(100)]

    @schema
    class Checked(dj.Computed):
        definition = """
        -> Item
        """

        def make(self, key):
            _append(log, str(key["item_id"]))
            if key["item_id"] in failing:
                raise Flaky(f"item {key['item_id']} is flaky")
            self.insert1(key)

    for ignored in (7, 8):
        Checked.jobs.ignore({"item_id": ignored})
    result = run_worker([Checked], poll=0.05)
    assert result == {"success_count": 94, "error_count": 4, "passes": 2}
    errors = Checked.jobs.errors.to_dicts(order_by="item_id")
    assert [(e["item_id"], e["error_message"]) for e in errors] == [
        (i, f"Flaky: item {i} is flaky") for i in sorted(failing)
    ]
    assert all("raise Flaky" in e["error_stack"] and e["attempts"] == 1 for e in errors)
    assert sorted(Counter(int(x) for x in _lines(log)).items()) == [
        (i, 1) for i in range(100) if i not in (7, 8)
    ]

    # errors stay put: a second worker computes nothing
    assert run_worker([Checked])["success_count"] == 0
    failing.clear()
    (Checked.jobs & {"item_id": 3}).delete()  # cleared by deleting the job row
    Checked.jobs.errors.restrict({"item_id": 14}).delete()
    dry = Checked.populate(reserve_jobs=True, dry_run=True)
    assert dry["keys"] == [({"item_id": 3}, "new"), ({"item_id": 14}, "new")]
    assert run_worker([Checked]) == {"success_count": 2, "error_count": 0, "passes": 2}
    assert len(Checked.jobs.errors) == 2 and 7 not in Checked.fetch("item_id")
    log.unlink()
    Checked.jobs.errors.delete()
    assert run_worker([Checked])["success_count"] == 2
    assert sorted(int(x) for x in _lines(log)) == [15, 92]
    assert len(Checked()) == 98 and len(Checked.jobs.ignored) == 2


def test_transient_errors_are_retried_and_each_attempt_is_recorded(schema, tmp_path):
    failures = {"timeouts": {1: 2, 2: 5}}  # key -> how many times make times out first

    @schema
    class Probe(dj.Lookup):
        definition = """
        probe_id : int32
        """
        contents = [(1,), (2,), (3,)]

    @schema
    class Reading(dj.Computed):
        definition = """
        -> Probe
        """

        def make(self, key):
            left = failures["timeouts"].get(key["probe_id"], 0)
            if left:
                failures["timeouts"][key["probe_id"]] = left - 1
                raise TimeoutError(f"probe {key['probe_id']} did not answer")
            if key["probe_id"] == 3:
                raise ValueError("bad probe")
            self.insert1(key)

    with dj.config.override(**{"jobs.retry_delay": 0, "jobs.keep_completed": True}):
        result = Reading.populate(reserve_jobs=True, max_attempts=3, suppress_errors=True)
    assert result["success_count"] == 1
    assert sorted((k["probe_id"], m) for k, m in result["error_list"]) == [
        (2, "TimeoutError: probe 2 did not answer"),
        (3, "ValueError: bad probe"),  # not transient: one attempt only
    ]
    jobs = {row["probe_id"]: row for row in Reading.jobs.to_dicts()}
    assert (jobs[1]["status"], jobs[1]["attempts"]) == ("success", 3)
    assert (jobs[2]["status"], jobs[2]["attempts"]) == ("error", 3)
    assert (jobs[3]["status"], jobs[3]["attempts"]) == ("error", 1)
    stack = jobs[2]["error_stack"]
    assert [f"attempt {i} of 3" in stack for i in (1, 2, 3)] == [True, True, True]
    assert jobs[1]["duration"] > 0 and jobs[1]["peak_memory"] > 0


def test_retry_on_names_the_transient_exception_types(schema):
    calls: list[int] = []

    @schema
    class Unit(dj.Lookup):
        definition = """
        unit_id : int32
        """
        contents = [(1,)]

    @schema
    class Fit(dj.Computed):
        definition = """
        -> Unit
        """

        def make(self, key):
            calls.append(1)
            if len(calls) < 3:
                raise Flaky("not yet")
            self.insert1(key)

    with dj.config.override(**{"jobs.retry_delay": 0}):
        assert Fit.populate(max_attempts=3, suppress_errors=True)["success_count"] == 0
        assert len(calls) == 1  # Flaky is not transient by default
        assert Fit.populate(max_attempts=3, retry_on=(Flaky,))["success_count"] == 1
    assert len(calls) == 3

"""populate(reserve_jobs=True) reserves keys in batches: sized to make's pace, bounded by limit and
max_calls, kept alive while they wait, given back when populate stops early, never made twice."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

import joinery as dj
from joinery.engine.connection import Connection
from joinery.errors import DeadlockError
from joinery.jobs import Jobs
from joinery.tables import FreeTable

N_KEYS = 120


class Stop(ValueError):
    """Raised by make for the key chosen to stop the populate."""


@pytest.fixture
def pipeline(schema, connection, tmp_path):
    """Item (N_KEYS rows) -> Made; make logs each call, records how many jobs are reserved, and can fail.

    ``control`` sets which call of make fails (0 for the first; and with what), how long each make
    sleeps, and from which call on it sleeps for how many calls (populate's order among equal
    priorities is the database's). ``AHEAD`` instead of a call: the first call from the tenth on
    that finds keys reserved ahead of it (where ``control['ahead']`` records it).
    """
    log = tmp_path / "calls.log"
    control: dict = {"fail": None, "error": Stop, "sleep": 0.0, "slow_from": 0, "slow_for": N_KEYS}
    control.update(reserved=[], ahead=None, fail_key=None)  # fail_key: an item_id whose make fails
    observer = Connection(dict(connection.settings))  # another client's view of the jobs table

    @schema
    class Item(dj.Manual):
        definition = """
        item_id : int32
        """

    @schema
    class Made(dj.Computed):
        definition = """
        -> Item
        ---
        twice : int64
        """

        def make(self, key):
            with log.open("a") as f:
                f.write(f"{key['item_id']}\n")
            jobs = Jobs(FreeTable(observer, Made.full_table_name))
            call = len(control["reserved"])
            control["reserved"].append(len(jobs.reserved))
            if control["ahead"] is None and call >= 10 and control["reserved"][-1] > 1:
                control["ahead"] = call
            if call == _resolve(control["fail"], control) or key["item_id"] == control["fail_key"]:
                raise control["error"](f"stop at {key['item_id']}")
            slow_from = _resolve(control["slow_from"], control)
            if slow_from is not None and slow_from <= call < slow_from + control["slow_for"]:
                time.sleep(control["sleep"])
            self.insert1({**key, "twice": 2 * key["item_id"]})

    Item.insert([{"item_id": i} for i in range(N_KEYS)])
    yield Made, control, log
    observer.close()


AHEAD = "ahead"


def _resolve(call, control: dict):
    return control["ahead"] if call == AHEAD else call


def calls(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def _never_reserved(jobs: Jobs) -> bool:
    """Every pending job looks as refresh() inserts it: no reservation time, no worker named."""
    rows = jobs.pending.to_dicts()
    return all(r["reserved_time"] is None and r["host"] == "" and r["pid"] == 0 for r in rows)


def test_quick_makes_are_reserved_many_at_once(pipeline):
    Made, control, log = pipeline
    assert Made.populate(reserve_jobs=True)["success_count"] == N_KEYS
    assert control["reserved"][0] == 1  # the first key alone: make's pace is not known yet
    assert max(control["reserved"]) > 2  # then batches (the key being made counts as reserved)
    assert sorted(calls(log)) == list(range(N_KEYS)) and len(Made.jobs) == 0


def test_slow_makes_are_reserved_one_at_a_time(pipeline):
    Made, control, _ = pipeline
    control["sleep"] = 0.3  # longer than a batch's time window: nothing is reserved ahead
    assert Made.populate([{"item_id": i} for i in range(4)], reserve_jobs=True)["success_count"] == 4
    assert control["reserved"] == [1, 1, 1, 1]


@pytest.mark.parametrize("bound", ["max_calls", "limit"])
def test_batches_never_reach_past_limit_or_max_calls(pipeline, bound):
    Made, control, log = pipeline
    assert Made.populate(reserve_jobs=True, **{bound: 37})["success_count"] == 37
    assert max(control["reserved"]) > 1  # batches were reserved
    for i, reserved in enumerate(control["reserved"]):
        assert reserved <= 37 - i  # never beyond what is left to make (the key being made included)
    assert len(set(calls(log))) == 37 and len(Made()) == 37  # (limit picks any 37 of equal priority)
    assert Made.jobs.progress()["reserved"] == 0 and len(Made.jobs.pending) == N_KEYS - 37
    assert _never_reserved(Made.jobs)


@pytest.mark.parametrize("error", [Stop, KeyboardInterrupt])
def test_a_populate_stopped_by_an_error_gives_back_the_keys_it_reserved_ahead(pipeline, error):
    Made, control, log = pipeline
    control.update(fail=AHEAD, error=error)  # a key reserved with keys after it
    with pytest.raises(error):
        Made.populate(reserve_jobs=True)
    made = len(calls(log))
    assert made == control["ahead"] + 1 and len(set(calls(log))) == made
    jobs = Made.jobs
    assert jobs.progress() == {
        "pending": N_KEYS - made,
        "reserved": 0,
        "success": 0,
        "error": 1,
        "ignore": 0,
        "total": N_KEYS - made + 1,
    }
    assert jobs.errors.keys() == [{"item_id": calls(log)[-1]}]
    assert _never_reserved(jobs)  # given back as DataJoint itself would find them: pending, unclaimed
    control["fail"] = None
    assert Made.populate(reserve_jobs=True)["success_count"] == N_KEYS - made


def test_keys_reserved_ahead_are_kept_alive_while_an_earlier_make_runs(pipeline, connection):
    Made, control, _ = pipeline
    seen: dict = {}

    def observe() -> None:  # another worker's populate, while make runs
        with _another_clients_jobs(connection, Made) as jobs:
            seen["orphaned"] = jobs.refresh(orphan_timeout=0.5)["orphaned"]
            seen["reserved"] = len(jobs.reserved)

    original = control["error"]
    control.update(fail=AHEAD, error=lambda message: _sleep_then(0.8, observe, original(message)))
    with dj.config.override(**{"jobs.heartbeat_interval": 0.05}):
        time.sleep(1.1)  # a heartbeat thread already running sees the new interval after its current pause
        with pytest.raises(Stop):
            Made.populate(reserve_jobs=True)
    assert seen["orphaned"] == 0  # 0.8 s with no make started on them, yet none was orphaned
    assert seen["reserved"] > 1  # the failing key's batch-mates were still reserved
    assert Made.jobs.progress()["reserved"] == 0


@contextmanager
def _another_clients_jobs(connection, table):
    """``table``'s jobs as another client sees them, through a connection of its own."""
    observer = Connection(dict(connection.settings))
    try:
        yield Jobs(FreeTable(observer, table.full_table_name))
    finally:
        observer.close()


def _sleep_then(seconds: float, action, error: BaseException) -> BaseException:
    time.sleep(seconds)
    action()
    return error


def test_processes_stopped_by_an_error_leave_no_key_reserved(pipeline):
    Made, control, log = pipeline
    control["fail_key"] = 50  # (each worker process counts its own calls)
    with pytest.raises(Stop):
        Made.populate(reserve_jobs=True, processes=2)
    assert Made.jobs.progress()["reserved"] == 0
    assert Made.jobs.errors.keys() == [{"item_id": 50}]
    assert max(Counter(calls(log)).values()) == 1
    control["fail_key"] = None
    Made.jobs.errors.delete()
    Made.populate(reserve_jobs=True)
    assert len(Made()) == N_KEYS and len(Made.jobs) == 0


def _populate_in_child(table: type, order: str) -> None:
    table.populate(reserve_jobs=True, order=order)


def test_concurrent_populates_in_any_order_make_every_key_once(pipeline, connection):
    Made, _, log = pipeline
    Made.jobs.refresh()
    connection.close()  # each forked process opens its own
    context = mp.get_context("fork")
    orders = ["original", "original", "reverse", "random"]
    workers = [context.Process(target=_populate_in_child, args=(Made, order)) for order in orders]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    connection.connect()
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert sorted(calls(log)) == list(range(N_KEYS))  # each key made exactly once
    assert len(Made()) == N_KEYS and len(Made.jobs) == 0


def test_a_batch_held_longer_than_make_was_sized_for_is_given_back(pipeline):
    Made, control, _ = pipeline
    # quick makes (the batch grows), then four slow ones, from a key reserved with keys after it
    control.update(slow_from=AHEAD, slow_for=4, sleep=0.6)
    assert Made.populate(reserve_jobs=True)["success_count"] == N_KEYS
    slow = control["ahead"]
    # two slow makes later the batch is older than it was sized for: the rest is given back and
    # reserved again at make's new pace, one key at a time
    assert control["reserved"][slow + 2 : slow + 4] == [1, 1]


def test_a_batch_reservation_wins_only_the_pending_keys_no_one_else_holds(schema, connection):
    @schema
    class Word(dj.Lookup):
        definition = """
        word : varchar(16)
        """
        contents = [("alpha",), ("Beta",), ("gamma",), ("delta",), ("eps",)]

    @schema
    class Length(dj.Computed):
        definition = """
        -> Word
        ---
        n : int32
        """

        def make(self, key):
            self.insert1({**key, "n": len(key["word"])})

    mine = Length.jobs
    other_connection = Connection(dict(connection.settings))
    theirs = Jobs(FreeTable(other_connection, Length.full_table_name))
    assert mine.refresh()["added"] == 5
    assert theirs.reserve({"word": "gamma"})
    mine.ignore({"word": "delta"})
    keys = [{"word": w} for w in ("alpha", "beta", "gamma", "delta", "eps", "zeta")]
    won = mine.reserve_many(keys)
    assert won[0] and not won[2] and not won[3] and won[4] and not won[5]  # zeta has no job
    # 'beta' is won exactly where the database's collation equates it with 'Beta' (MySQL's)
    assert won == [len(mine.reserved & key) == 1 and key["word"] != "gamma" for key in keys]
    row = (mine & {"word": "alpha"}).fetch1()
    assert row["status"] == "reserved" and row["pid"] > 0 and row["reserved_time"] is not None
    assert mine.release([key for key, w in zip(keys, won) if w]) == sum(won)
    assert _never_reserved(mine) and len(mine.pending) == 3  # alpha, Beta, eps: as before
    other_connection.close()


def test_keys_waiting_behind_a_make_that_hangs_go_to_other_workers(pipeline, connection):
    Made, control, log = pipeline
    seen: dict = {}

    def observe() -> None:  # another worker's populate, while make hangs
        with _another_clients_jobs(connection, Made) as jobs:
            seen["reserved"] = len(jobs.reserved)
            seen["orphaned"] = jobs.refresh(orphan_timeout=0.5)["orphaned"]
            seen["still_reserved"] = len(jobs.reserved)

    original = control["error"]
    control.update(fail=AHEAD, error=lambda message: _sleep_then(2.2, observe, original(message)))
    with dj.config.override(**{"jobs.heartbeat_interval": 0.05}):
        result = Made.populate(reserve_jobs=True, suppress_errors=True)
    # the keys reserved behind the hanging make were no longer kept alive: recovered by the other
    # worker's refresh; the hanging key itself stayed alive
    assert seen["reserved"] > 1 and seen["orphaned"] == seen["reserved"] - 1 and seen["still_reserved"] == 1
    assert result["success_count"] == N_KEYS - 1 and len(result["error_list"]) == 1
    assert sorted(calls(log)) == list(range(N_KEYS))  # each made once, by this populate in the end
    assert Made.jobs.progress()["reserved"] == 0


def test_a_job_record_aborted_by_a_deadlock_is_written_again_outside_a_transaction(
    pipeline, connection, monkeypatch
):
    Made, _, _ = pipeline
    jobs = Made.jobs
    query = connection.query
    aborted: list[str] = []

    def deadlocking_once(sql, params=(), **options):
        if sql.startswith("INSERT") and "~~" in sql and not aborted:  # the job row's upsert
            aborted.append(sql)
            raise DeadlockError("Deadlock: the transaction was rolled back")
        return query(sql, params, **options)

    monkeypatch.setattr(connection, "query", deadlocking_once)
    jobs.error({"item_id": 1}, "boom")
    assert aborted and (jobs & {"status": "error"}).to_dicts()[0]["error_message"] == "boom"
    aborted.clear()
    with pytest.raises(DeadlockError), connection.transaction:  # inside one, the transaction's owner decides
        jobs.error({"item_id": 2}, "boom")

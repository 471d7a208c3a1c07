"""Workload 7: ``populate(processes=2, reserve_jobs=True)`` against one process, with a CPU-bound ``make``.

Each ``make`` spends about 25 ms of pure-Python computation, then inserts
one row. With two worker processes on a machine with at least two cores the
ideal is twice the throughput; the target is 1.8x. The raw side is the ideal
case done by hand: a pool of forked processes, each with its own connection,
handed keys by the pool (no jobs table), each key's row committed on its own.
The figure per side is its own speed-up, 1-process time / 2-process time.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from .backends import Backend
from .cases import Case
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, measure

WORKLOAD = "7 workers"
WORK = 300_000  # loop iterations per make: about 25 ms of CPython on this machine

_worker_db: RawDB | None = None
_worker_sql = ""


def burn(seed: int) -> float:
    """CPU-bound, deterministic, pure Python (holds the GIL: only processes can run it in parallel)."""
    total = 0
    for i in range(WORK):
        total += (i * seed) % 7
    return float(total)


def declare_pipeline(dj: Any, schema: Any, n: int) -> Any:
    class Task(dj.Manual):
        definition = """
        task_id : int32
        """

    class Outcome(dj.Computed):
        definition = """
        -> Task
        ---
        score : float64
        """

        def make(self, key: dict) -> None:
            self.insert1({**key, "score": burn(key["task_id"] + 1)})

    schema(Task)
    schema(Outcome)
    Task.insert([{"task_id": i} for i in range(n)])
    return Outcome


def _start_raw_worker(db: RawDB, sql: str) -> None:
    global _worker_db, _worker_sql
    _worker_db, _worker_sql = db.reopen(), sql


def _raw_make(key: int) -> None:
    assert _worker_db is not None
    _worker_db.execute(_worker_sql, (key, burn(key + 1)))


def run(backend: Backend, plan: Plan) -> list[Case]:
    n = plan.size(200, 16)
    repeat = plan.repeat(3, 2)

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        outcome = declare_pipeline(dj, schema, n)

        def reset() -> None:
            outcome.delete_quick()
            outcome().jobs.delete_quick()

        def timed(processes: int) -> Measurement:
            return measure(
                lambda: outcome.populate(reserve_jobs=True, processes=processes),
                repeat=repeat,
                items=n,
                unit="keys",
                setup=reset,
                check=lambda _: _assert_count(len(outcome()), n),
            )

        return {"one": timed(1), "two": timed(2)}

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        table = db.create("outcome", [("task_id", "int"), ("score", "float")], ["task_id"])
        sql = db.insert_sql(table, 2)
        count = f"SELECT COUNT(*) FROM {table}"

        def one() -> None:
            for key in range(n):
                db.execute(sql, (key, burn(key + 1)))

        def two() -> None:
            with mp.get_context("fork").Pool(2, _start_raw_worker, (db, sql)) as pool:
                list(pool.imap_unordered(_raw_make, range(n), chunksize=max(1, n // 32)))

        options: dict[str, Any] = {"repeat": repeat, "items": n, "unit": "keys"}
        options["setup"] = lambda: db.execute(f"DELETE FROM {table}")
        options["check"] = lambda _: _assert_count(db.fetchone(count)[0], n)  # type: ignore[index]
        return {"one": measure(one, **options), "two": measure(two, **options)}

    names = {
        "one": f"populate {n} CPU-bound keys, reserve_jobs, 1 process",
        "two": f"populate {n} CPU-bound keys, reserve_jobs, 2 processes",
    }
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    for side in cases["two"].sides:
        first, second = cases["one"].sides.get(side), cases["two"].sides[side]
        if first is not None and first.ok and second.ok:
            cases["two"].derived[f"speedup_{side}"] = first.median / second.median
    cases["two"].judge(">=1.8x one process", lambda case: case.derived["speedup_joinery"] >= 1.8)
    return list(cases.values())


def _assert_count(found: int, expected: int) -> None:
    assert found == expected, f"{found} rows made, expected {expected}"

"""Workload 4: ``populate()`` of 5,000 keys with a trivial ``make`` (one ``insert1``), plain and with
``reserve_jobs=True``, and the cost of a ``populate()`` that finds nothing to do.

This is the library's own cost per key: finding the keys to do, calling
``make``, committing its row (and, with reservation, reserving and releasing
the job). The raw driver does the same work by hand: one anti-join for the
keys to do, then per key one committed INSERT; with reservation also a
committed INSERT into a jobs table before, and the job's DELETE committed with
the result row. The no-work case is that anti-join returning nothing.
"""

from __future__ import annotations

from typing import Any

from .backends import Backend
from .cases import Case, faster_than_datajoint, median_below, rate_at_least
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, measure

WORKLOAD = "4 populate"


def declare_pipeline(dj: Any, schema: Any, n: int) -> Any:
    """Source with N rows and a Computed Result whose make inserts one row; returns Result."""

    class Source(dj.Manual):
        definition = """
        source_id : int32
        ---
        value : float64
        """

    class Result(dj.Computed):
        definition = """
        -> Source
        ---
        doubled : float64
        """

        def make(self, key: dict) -> None:
            self.insert1({**key, "doubled": 1.0})

    schema(Source)
    schema(Result)
    Source.insert([{"source_id": i, "value": float(i)} for i in range(n)])
    return Result


def library_cases(result: Any, n: int, repeat: int, idle_repeat: int) -> dict[str, Measurement]:
    def reset() -> None:
        result.delete_quick()
        result().jobs.delete_quick()

    def check(summary: Any) -> None:
        count = summary["success_count"] if isinstance(summary, dict) else None
        assert count in (n, None), f"populate made {count} of {n} keys"
        assert len(result()) == n, f"populate left {len(result())} of {n} rows"

    plain = measure(lambda: result.populate(), repeat=repeat, items=n, unit="keys", setup=reset, check=check)
    reserved = measure(
        lambda: result.populate(reserve_jobs=True),
        repeat=repeat,
        items=n,
        unit="keys",
        setup=reset,
        check=check,
    )
    if len(result()) < n:
        result.populate()
    idle = measure(lambda: result.populate(), repeat=idle_repeat, items=1, unit="calls")
    return {"plain": plain, "reserve": reserved, "idle": idle}


def raw_cases(db: RawDB, n: int, repeat: int, idle_repeat: int) -> dict[str, Measurement]:
    source = db.create("source", [("source_id", "int"), ("value", "float")], ["source_id"])
    result = db.create("result", [("source_id", "int"), ("doubled", "float")], ["source_id"])
    jobs = db.create("jobs", [("source_id", "int"), ("status", "str")], ["source_id"])
    db.executemany(db.insert_sql(source, 2), [(i, float(i)) for i in range(n)])
    todo_sql = (
        f"SELECT s.source_id FROM {source} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {result} r WHERE r.source_id = s.source_id)"
    )
    insert = db.insert_sql(result, 2)
    reserve = db.insert_sql(jobs, 2)
    release = f"DELETE FROM {jobs} WHERE source_id = {db.marker}"

    def plain() -> None:
        for (key,) in db.fetchall(todo_sql):
            db.execute(insert, (key, 1.0))

    def reserved() -> None:
        for (key,) in db.fetchall(todo_sql):
            db.execute(reserve, (key, "reserved"))
            with db.transaction():
                db.execute(insert, (key, 1.0))
                db.execute(release, (key,))

    def reset() -> None:
        db.execute(f"DELETE FROM {result}")
        db.execute(f"DELETE FROM {jobs}")

    return {
        "plain": measure(plain, repeat=repeat, items=n, unit="keys", setup=reset),
        "reserve": measure(reserved, repeat=repeat, items=n, unit="keys", setup=reset),
        "idle": measure(lambda: db.fetchall(todo_sql), repeat=idle_repeat, items=1, unit="calls"),
    }


def run(backend: Backend, plan: Plan) -> list[Case]:
    n = plan.size(5_000, 200)
    repeat, idle_repeat = plan.repeat(3, 2), plan.repeat(30, 5)

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        return library_cases(declare_pipeline(dj, schema, n), n, repeat, idle_repeat)

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        return raw_cases(db, n, repeat, idle_repeat)

    names = {
        "plain": f"populate {n:,} keys, trivial make",
        "reserve": f"populate {n:,} keys, reserve_jobs=True",
        "idle": "populate() with nothing to do",
    }
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    if backend.is_server:
        cases["plain"].judge(">=3x DataJoint", faster_than_datajoint(3))
        cases["reserve"].judge(">=4x DataJoint", faster_than_datajoint(4))
    else:
        cases["plain"].judge(">=5,000 keys/s", rate_at_least(5_000))
    cases["idle"].judge("<5 ms", median_below(0.005))
    return list(cases.values())

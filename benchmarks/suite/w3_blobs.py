"""Workload 3: store and read back float32 arrays in a ``<blob>`` attribute (2,000 of 256x256, 20,000 of 32x32).

The raw driver stores ``ndarray.tobytes()`` in a BLOB / bytea / LONGBLOB column
and rebuilds each array with ``np.frombuffer(...).reshape``: the least work
that keeps the array. Its fetch stacks them with ``np.stack``, since that is
what ``to_arrays("data")`` returns for equal-shaped arrays (as DataJoint's does):
one ``(n, side, side)`` array. joinery and DataJoint serialize to their blob format
(header, shape, dtype). Each insert is one ``insert()`` / ``executemany`` of all
arrays; each fetch reads them all. Throughput is in MB of array data per second.

On MySQL, DataJoint's ``insert()`` sends all rows as one statement, far larger
than the server's ``max_allowed_packet``, and loses its connection; so there
its side inserts with ``chunk_size=`` as many rows as fit half that packet
(``backends.statement_rows``), each chunk its own statement and commit.
joinery's and the raw side's inserts are unchanged: their driver (PyMySQL's
``executemany``) already sends statements of about 1 MB.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import Backend, statement_rows
from .cases import Case, all_of, faster_than_datajoint, within_raw
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, fastest, measure

WORKLOAD = "3 blobs"
DEFINITION = """
blob_id : int32
---
data : <blob>
"""


def make_arrays(count: int, side: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.random((side, side), dtype=np.float32) for _ in range(count)]


def declare_blobs(dj: Any, schema: Any, name: str) -> Any:
    table = type(name, (dj.Manual,), {"definition": DEFINITION, "__module__": __name__})
    return schema(table)


def library_cases(
    table: Any, arrays: list[np.ndarray], repeat: int, chunk_size: int | None = None
) -> dict[str, Measurement]:
    """Insert all arrays, then fetch them; ``chunk_size``: rows per ``insert`` statement (DataJoint on MySQL)."""
    rows = [{"blob_id": i, "data": a} for i, a in enumerate(arrays)]
    megabytes = sum(a.nbytes for a in arrays) / 1e6

    def check(value: Any) -> None:
        assert len(value) == len(arrays) and value[0].shape == arrays[0].shape

    def store() -> None:
        if chunk_size is None:
            table.insert(rows)
        else:
            table.insert(rows, chunk_size=chunk_size)

    # the last repetition leaves the rows in place for the fetch
    store_time = measure(store, repeat=repeat, items=megabytes, unit="MB", setup=table.delete_quick)
    read = measure(lambda: table().to_arrays("data"), repeat=repeat, items=megabytes, unit="MB", check=check)
    return {"insert": store_time, "fetch": read}


def raw_cases(db: RawDB, table: str, arrays: list[np.ndarray], repeat: int) -> dict[str, Measurement]:
    shape, dtype = arrays[0].shape, arrays[0].dtype
    megabytes = sum(a.nbytes for a in arrays) / 1e6
    sql = db.insert_sql(table, 2)

    def store() -> None:
        db.executemany(sql, [(i, a.tobytes()) for i, a in enumerate(arrays)])

    def read(binary: bool) -> np.ndarray:
        # the same result as joinery's (and DataJoint's) to_arrays("data"): one stacked array
        rows = db.fetchall(f"SELECT blob_id, data FROM {table}", binary=binary)
        return np.stack([np.frombuffer(data, dtype=dtype).reshape(shape) for _, data in rows])

    def check(value: Any) -> None:
        assert len(value) == len(arrays) and value[0].shape == shape

    clear = lambda: db.execute(f"DELETE FROM {table}")  # noqa: E731
    inserted = measure(store, repeat=repeat, items=megabytes, unit="MB", setup=clear)
    reads = {
        name: measure(lambda b=binary: read(b), repeat=repeat, items=megabytes, unit="MB", check=check)
        for name, binary in db.result_formats.items()
    }
    return {"insert": inserted, "fetch": fastest(reads)}


def run(backend: Backend, plan: Plan) -> list[Case]:
    sets = {
        "large": make_arrays(plan.size(2_000, 20), 256, seed=1),
        "small": make_arrays(plan.size(20_000, 500), 32, seed=2),
    }
    repeat = plan.repeat(3, 2)

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        results = {}
        for label, arrays in sets.items():
            table = declare_blobs(dj, schema, f"Blob{label.title()}")
            chunk_size = statement_rows(dj, backend, arrays[0].nbytes)
            for action, m in library_cases(table, arrays, repeat, chunk_size).items():
                results[f"{action} {label}"] = m
        return results

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        results = {}
        for label, arrays in sets.items():
            table = db.create(f"blob_{label}", [("blob_id", "int"), ("data", "bytes")], ["blob_id"])
            for action, m in raw_cases(db, table, arrays, repeat).items():
                results[f"{action} {label}"] = m
        return results

    names = {}
    for label, arrays in sets.items():
        shape = "x".join(map(str, arrays[0].shape))
        for action in ("insert", "fetch"):
            names[f"{action} {label}"] = f"{action} {len(arrays):,} float32 {shape} <blob>"
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    for case in cases.values():
        case.judge("<=1.5x raw; >=5x DataJoint", all_of(within_raw(1.5), faster_than_datajoint(5)))
    return list(cases.values())

"""Workload 2: fetch the 100,000 scalar rows of workload 1 with ``to_arrays()``, ``to_dicts()``, ``to_pandas()``.

Each is compared with the raw driver producing the same thing from the same
rows: ``fetchall()`` turned into a numpy structured array, into a list of
dicts, and into a pandas DataFrame. So the ratio measures the library's own
overhead, not the cost of the output format.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import Backend
from .cases import Case, within_raw
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, measure
from .w1_insert import COLUMNS, as_tuples, create_raw_rows, declare_rows, raw_bulk_insert, scalar_rows

WORKLOAD = "2 fetch"
NAMES = [name for name, _ in COLUMNS]
DTYPE = np.dtype([("id", "<i4"), ("a", "<f8"), ("b", "<f8"), ("c", "<f8"), ("name", "O")])


def raw_fetchers(db: RawDB, table: str) -> dict[str, Any]:
    """The raw driver's counterparts of to_arrays / to_dicts / to_pandas."""
    sql = f"SELECT {', '.join(NAMES)} FROM {table}"

    def arrays() -> np.ndarray:
        return np.array(db.fetchall(sql), dtype=DTYPE)

    def dicts() -> list[dict]:
        return [dict(zip(NAMES, row, strict=True)) for row in db.fetchall(sql)]

    def frame() -> Any:
        import pandas as pd

        return pd.DataFrame.from_records(db.fetchall(sql), columns=NAMES)

    return {"to_arrays": arrays, "to_dicts": dicts, "to_pandas": frame}


def run(backend: Backend, plan: Plan) -> list[Case]:
    rows = scalar_rows(plan.size(100_000, 5_000))
    repeat = plan.repeat(5, 3)
    n = len(rows)

    def check(value: Any) -> None:
        assert len(value) == n, f"fetched {len(value)} rows, expected {n}"

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        table = declare_rows(dj, schema)
        table.insert(rows)
        fetchers = {
            "to_arrays": table().to_arrays,
            "to_dicts": table().to_dicts,
            "to_pandas": table().to_pandas,
        }
        return {
            name: measure(fetch, repeat=repeat, items=n, unit="rows", check=check)
            for name, fetch in fetchers.items()
        }

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        table = create_raw_rows(db)
        raw_bulk_insert(db, table, as_tuples(rows), repeat=1)
        return {
            name: measure(fetch, repeat=repeat, items=n, unit="rows", check=check)
            for name, fetch in raw_fetchers(db, table).items()
        }

    names = {name: f"{name}() of {n:,} rows" for name in ("to_arrays", "to_dicts", "to_pandas")}
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    for case in cases.values():
        case.judge("<=1.5x raw", within_raw(1.5))
    return list(cases.values())

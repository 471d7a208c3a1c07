"""Workload 1: insert 100,000 scalar rows in one ``insert()``, and 2,000 rows one ``insert1`` at a time.

Rows are (int key, 3 floats, a varchar), given to joinery and DataJoint as
dicts (what user code passes) and to the raw driver as tuples. The raw bulk
insert is one ``executemany`` in a transaction (on PostgreSQL also ``COPY``;
the faster counts); the raw ``insert1`` counterpart commits each row on its own,
as ``insert1`` outside a transaction does. The table is emptied, untimed,
before each repetition.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import Backend
from .cases import Case, within_raw
from .common import Plan, compare
from .raw import RawDB
from .timing import Measurement, fastest, measure

WORKLOAD = "1 insert"
COLUMNS = (("id", "int"), ("a", "float"), ("b", "float"), ("c", "float"), ("name", "str"))
DEFINITION = """
id : int32
---
a : float64
b : float64
c : float64
name : varchar(32)
"""


def scalar_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """N rows as dicts; the same rows on every side."""
    values = np.random.default_rng(seed).random((n, 3)).tolist()
    return [{"id": i, "a": v[0], "b": v[1], "c": v[2], "name": f"row{i}"} for i, v in enumerate(values)]


def as_tuples(rows: list[dict[str, Any]]) -> list[tuple]:
    return [tuple(row[name] for name, _ in COLUMNS) for row in rows]


def declare_rows(dj: Any, schema: Any) -> Any:
    """The scalar table, declared through joinery or DataJoint (same definition)."""

    class Row(dj.Manual):
        definition = DEFINITION

    return schema(Row)


def create_raw_rows(db: RawDB, table: str = "row") -> str:
    return db.create(table, COLUMNS, ["id"])


def raw_bulk_insert(db: RawDB, table: str, tuples: list[tuple], repeat: int) -> Measurement:
    """One executemany in a transaction; on PostgreSQL also COPY, and the faster of the two."""
    clear = lambda: db.execute(f"DELETE FROM {table}")  # noqa: E731
    sql = db.insert_sql(table, len(COLUMNS))
    unit = {"items": len(tuples), "unit": "rows", "repeat": repeat, "setup": clear}
    candidates = {"executemany": measure(lambda: db.executemany(sql, tuples), **unit)}
    if db.backend == "postgresql":
        names = [name for name, _ in COLUMNS]
        candidates["COPY"] = measure(lambda: db.copy_rows(table, names, tuples), **unit)
    return fastest(candidates)


def run(backend: Backend, plan: Plan) -> list[Case]:
    rows = scalar_rows(plan.size(100_000, 5_000))
    singles = rows[: plan.size(2_000, 100)]
    repeat = plan.repeat(5, 3)

    def library_side(dj: Any, schema: Any) -> dict[str, Measurement]:
        table = declare_rows(dj, schema)
        bulk = measure(
            lambda: table.insert(rows), repeat=repeat, items=len(rows), unit="rows", setup=table.delete_quick
        )
        one_by_one = measure(
            lambda: [table.insert1(row) for row in singles],
            repeat=repeat,
            items=len(singles),
            unit="rows",
            setup=table.delete_quick,
        )
        return {"bulk": bulk, "insert1": one_by_one}

    def raw_side(db: RawDB) -> dict[str, Measurement]:
        table = create_raw_rows(db)
        single_tuples = as_tuples(singles)
        sql = db.insert_sql(table, len(COLUMNS))
        one_by_one = measure(
            lambda: [db.execute(sql, row) for row in single_tuples],
            repeat=repeat,
            items=len(singles),
            unit="rows",
            setup=lambda: db.execute(f"DELETE FROM {table}"),
        )
        return {"bulk": raw_bulk_insert(db, table, as_tuples(rows), repeat), "insert1": one_by_one}

    names = {
        "bulk": f"insert {len(rows):,} rows, one insert()",
        "insert1": f"insert1 x {len(singles):,} rows",
    }
    cases = compare(backend, WORKLOAD, names, library_side, raw_side)
    cases["bulk"].judge("<=1.5x raw", within_raw(1.5))
    cases["insert1"].judge("<=1.5x raw", within_raw(1.5))
    return list(cases.values())

"""Restrict a table by a key dict and fetch1 its row: joinery vs raw sqlite3, per key.

This is the inner step of every ``make(key)`` in ``populate()``:
``(Table & key).fetch1()``. The raw side runs ``SELECT ... WHERE pk = ?`` on the
same database file through its own ``sqlite3`` connection.

Run: .venv/bin/python benchmarks/bench_fetch1.py [--rows N] [--keys K] [--repeat R]
Prints the mean time per key of each side (best of R interleaved passes over K
different keys) and the ratio joinery / raw.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import joinery as dj
from joinery.connect import _reset_for_tests


def declare(schema: dj.Schema) -> type:
    @schema
    class Spec(dj.Manual):
        definition = """
        spec_id : int32
        ---
        c_real : float64
        c_imag : float64
        noise_level = 50 : float64
        label : varchar(32)
        """

    return Spec


def per_key(fn, keys: list) -> float:
    """Mean seconds per call of ``fn(key)`` over ``keys``."""
    start = time.perf_counter()
    for key in keys:
        fn(key)
    return (time.perf_counter() - start) / len(keys)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ids = random.Random(0).sample(range(args.rows), args.keys)
    with tempfile.TemporaryDirectory() as tmp:
        _reset_for_tests()
        dj.config["database.path"] = str(Path(tmp) / "bench.db")
        Spec = declare(dj.Schema("bench_fetch1"))
        Spec.insert(
            {"spec_id": i, "c_real": i / 3, "c_imag": -i / 7, "label": f"spec{i}"} for i in range(args.rows)
        )
        table = Spec().full_table_name
        raw = sqlite3.connect(dj.config["database.path"], isolation_level=None)
        columns = ", ".join(f'"{name}"' for name in Spec.heading.names)
        raw_sql = f'SELECT {columns} FROM {table} WHERE "spec_id" = ?'

        def joinery_fetch1(i: int) -> dict:
            return (Spec & {"spec_id": i}).fetch1()

        def raw_fetch1(i: int) -> tuple:
            return raw.execute(raw_sql, (i,)).fetchone()

        assert joinery_fetch1(ids[0])["label"] == raw_fetch1(ids[0])[4]
        joinery_times, raw_times = [], []
        for _ in range(args.repeat):  # interleaved, so that a busy machine slows both sides alike
            joinery_times.append(per_key(joinery_fetch1, ids))
            raw_times.append(per_key(raw_fetch1, ids))
        raw.close()
        _reset_for_tests()
    best_joinery, best_raw = min(joinery_times), min(raw_times)
    print(f"keys: {args.keys} different keys of a {args.rows}-row table, best of {args.repeat} passes")
    print(f"joinery (Table & key).fetch1()   {best_joinery * 1e6:8.1f} us per key")
    print(f"raw sqlite3 SELECT ... WHERE pk=? {best_raw * 1e6:8.1f} us per key")
    print(f"ratio joinery / raw: {best_joinery / best_raw:.1f}")


if __name__ == "__main__":
    main()

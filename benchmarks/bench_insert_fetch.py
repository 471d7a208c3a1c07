"""Insert 100,000 rows of five scalar attributes and read them back: joinery vs raw sqlite3.

Run: .venv/bin/python benchmarks/bench_insert_fetch.py [--rows N] [--repeat R]
Prints the median time of each side and the ratio joinery / raw.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import joinery as dj
from joinery.connect import _reset_for_tests


def make_rows(n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    values = rng.random((n, 3)).tolist()
    return [{"id": i, "a": v[0], "b": v[1], "c": v[2], "name": f"row{i}"} for i, v in enumerate(values)]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    tuples = [(r["id"], r["a"], r["b"], r["c"], r["name"]) for r in rows]
    results: dict[str, list[float]] = {
        k: [] for k in ("joinery insert", "raw insert", "joinery to_arrays", "raw fetch")
    }
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeat):
            _reset_for_tests()
            dj.config["database.path"] = str(Path(tmp) / f"bench{rep}.db")
            schema = dj.Schema(f"bench{rep}")

            @schema
            class Row(dj.Manual):
                definition = """
                id : int32
                ---
                a : float64
                b : float64
                c : float64
                name : varchar(32)
                """

            results["joinery insert"].append(timed(lambda: Row.insert(rows)))
            results["joinery to_arrays"].append(timed(lambda: Row().to_arrays()))
            table = Row().full_table_name
            raw = sqlite3.connect(dj.config["database.path"], isolation_level=None)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute(f"DELETE FROM {table}")

            def raw_insert(raw: sqlite3.Connection = raw, table: str = table) -> None:
                raw.execute("BEGIN")
                raw.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", tuples)
                raw.execute("COMMIT")

            def raw_fetch(raw: sqlite3.Connection = raw, table: str = table) -> None:
                raw.execute(f"SELECT * FROM {table}").fetchall()

            results["raw insert"].append(timed(raw_insert))
            results["raw fetch"].append(timed(raw_fetch))
            raw.close()
    med = {k: statistics.median(v) for k, v in results.items()}
    for k, v in results.items():
        print(f"{k:20s} median {med[k] * 1000:8.1f} ms  (min {min(v) * 1000:.1f}, max {max(v) * 1000:.1f})")
    print(f"insert ratio joinery/raw:   {med['joinery insert'] / med['raw insert']:.2f}")
    print(f"fetch ratio to_arrays/raw:  {med['joinery to_arrays'] / med['raw fetch']:.2f}")


if __name__ == "__main__":
    main()

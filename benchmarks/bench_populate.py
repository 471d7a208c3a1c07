"""Populate overhead: keys per second for a make that does one fetch1 and one insert1.

Run: .venv/bin/python benchmarks/bench_populate.py [--keys 5000 50000] [--profile] [--reserve]

For each N, a Source table gets N rows and ``Result.populate()`` computes them
all on the embedded SQLite default. The make does nothing but read its parent
row and insert one row, so the figure is joinery's own cost per key. The same
work through raw sqlite3 (one SELECT, one INSERT, one COMMIT per key) is timed
alongside, and the ratio printed. Then the largest N is populated in ten
``limit=`` slices, to show the cost per key does not grow as the table fills.
With ``--profile``, the first N is also run
under cProfile and the 25 costliest functions printed. With ``--reserve``, joinery
populates with ``reserve_jobs=True`` (a jobs table; each key reserved, then completed).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import tempfile
import time
from pathlib import Path

import joinery as dj
from joinery.connect import _reset_for_tests


def build(path: Path, n: int):
    """A fresh database with N source rows; returns the Result table class."""
    _reset_for_tests()
    dj.config["database.path"] = str(path)
    schema = dj.Schema("bench_populate")

    @schema
    class Source(dj.Manual):
        definition = """
        source_id : int32
        ---
        value : float64
        """

    @schema
    class Result(dj.Computed):
        definition = """
        -> Source
        ---
        doubled : float64
        """

        def make(self, key):
            value = (Source & key).fetch1("value")
            self.insert1({**key, "doubled": 2 * value})

    Source.insert([{"source_id": i, "value": float(i)} for i in range(n)])
    return Result


def bench_joinery(tmp: Path, n: int, profile: bool = False, reserve: bool = False) -> float:
    """Keys per second of Result.populate() over N keys."""
    result = build(tmp / f"joinery_{n}.db", n)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = result.populate(reserve_jobs=reserve)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    assert summary == {"success_count": n, "error_list": []}, summary
    assert len(result()) == n
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return n / elapsed


def bench_growth(tmp: Path, n: int, chunk: int, reserve: bool = False) -> list[float]:
    """Keys per second of successive ``populate(limit=chunk)`` calls while the table fills up."""
    result = build(tmp / f"growth_{n}.db", n)
    rates = []
    for _ in range(n // chunk):
        start = time.perf_counter()
        assert result.populate(limit=chunk, reserve_jobs=reserve)["success_count"] == chunk
        rates.append(chunk / (time.perf_counter() - start))
    return rates


def bench_raw(tmp: Path, n: int) -> float:
    """Keys per second of the same work through raw sqlite3, one transaction per key."""
    db = sqlite3.connect(tmp / f"raw_{n}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE source (source_id INTEGER PRIMARY KEY, value REAL NOT NULL)")
    db.execute(
        "CREATE TABLE result (source_id INTEGER PRIMARY KEY REFERENCES source(source_id), doubled REAL NOT NULL)"
    )
    db.executemany("INSERT INTO source VALUES (?, ?)", [(i, float(i)) for i in range(n)])
    start = time.perf_counter()
    keys = db.execute(
        "SELECT source_id FROM source WHERE source_id NOT IN (SELECT source_id FROM result)"
    ).fetchall()
    for (key,) in keys:
        (value,) = db.execute("SELECT value FROM source WHERE source_id = ?", (key,)).fetchone()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO result VALUES (?, ?)", (key, 2 * value))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--reserve", action="store_true", help="populate with reserve_jobs=True")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for i, n in enumerate(args.keys):
            ours = bench_joinery(Path(tmp), n, profile=args.profile and i == 0, reserve=args.reserve)
            raw = bench_raw(Path(tmp), n)
            print(
                f"{n:>7} keys: joinery {ours:8.0f} keys/s   raw sqlite3 {raw:8.0f} keys/s   ratio {raw / ours:5.1f}x"
            )
        n = max(args.keys)
        rates = bench_growth(Path(tmp), n, n // 10, reserve=args.reserve)
        print(
            f"{n:>7} keys in 10 populate(limit={n // 10}) calls, keys/s of each call (does the cost grow?):"
        )
        print("        " + " ".join(f"{rate:.0f}" for rate in rates))
    _reset_for_tests()


if __name__ == "__main__":
    main()

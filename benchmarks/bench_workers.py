"""Distributed populate: N independent worker processes vs 1, each ``populate(reserve_jobs=True)``.

Run: .venv/bin/python benchmarks/bench_workers.py [--keys 5000] [--sleep 0.02] [--workers 1 4]
     [--database-url postgresql://postgres@127.0.0.1:5432/test]  (a server; default: a SQLite file)

A Source table gets ``--keys`` rows; ``Result.make`` sleeps ``--sleep`` seconds (the
computation) and inserts one row. For each worker count W, a fresh database is
built and W forked processes each run ``Result.populate(reserve_jobs=True)``, as W
copies of ``joinery worker`` on a cluster would: keys are shared only through the
jobs table. Printed: wall time, keys per second, the speed-up over one worker, and
the ideal time (keys x sleep / W), so the overhead of reservation is visible.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import joinery as dj
from joinery.connect import _reset_for_tests


def build(path: Path, n: int, pause: float, url: str | None = None):
    """A fresh database (a new SQLite file, or a new schema on the server at ``url``) with N source rows."""
    _reset_for_tests()
    if url:
        dj.config["database.url"] = url
    else:
        dj.config["database.path"] = str(path)
    schema = dj.Schema(f"bench_workers_{os.getpid()}_{path.stem}")

    @schema
    class Source(dj.Manual):
        definition = """
        source_id : int32
        """

    @schema
    class Result(dj.Computed):
        definition = """
        -> Source
        ---
        value : int64
        """

        def make(self, key):
            time.sleep(pause)
            self.insert1({**key, "value": key["source_id"] * 2})

    Source.insert([{"source_id": i} for i in range(n)])
    Result.jobs.refresh()  # the queue is filled once, before the workers start
    return Result


def _work(table: type) -> None:
    try:
        table.populate(reserve_jobs=True)
    finally:
        os._exit(0)


def run(table: type, workers: int) -> float:
    """Seconds for ``workers`` processes to complete every key."""
    table.connection.close()
    context = mp.get_context("fork")
    processes = [context.Process(target=_work, args=(table,)) for _ in range(workers)]
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    table.connection.connect()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=5000)
    parser.add_argument("--sleep", type=float, default=0.02)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--database-url", default=None, help="a server to run on (default: a SQLite file)")
    args = parser.parse_args()
    where = args.database_url.split("://")[0] if args.database_url else "SQLite file"
    print(f"{args.keys} keys, make sleeps {args.sleep * 1000:.0f} ms, reserve_jobs=True, {where}")
    baseline = None
    with tempfile.TemporaryDirectory() as folder:
        for workers in args.workers:
            table = build(Path(folder) / f"w{workers}.db", args.keys, args.sleep, args.database_url)
            elapsed = run(table, workers)
            assert len(table()) == args.keys and len(table.jobs) == 0, "not every key was completed"
            if args.database_url:
                dj.Schema(table.database).drop(prompt=False)
            baseline = baseline or elapsed * workers  # the first count's time, scaled to one worker
            ideal = args.keys * args.sleep / workers
            print(
                f"{workers} worker(s): {elapsed:7.2f} s  {args.keys / elapsed:7.1f} keys/s  "
                f"speed-up {baseline / elapsed:4.2f}x vs 1  (ideal {ideal:6.2f} s, overhead "
                f"{(elapsed - ideal) / args.keys * 1000:.2f} ms/key)"
            )


if __name__ == "__main__":
    main()

"""The ``joinery`` command line: ``joinery worker`` populates tables until nothing is left.

Layer: the top; it imports the user's pipeline modules and calls ``populate``.
A SLURM array or a Kubernetes job starts N copies of the same command; they
share the work through the jobs tables (``reserve_jobs``, on by default), so
every key is computed once, and a copy that is killed loses only the key it was
computing, which another copy takes over after ``jobs.orphan_timeout`` seconds.

    joinery worker my_pipeline                 # every Computed/Imported table of the module
    joinery worker my_pipeline.Filtered my_pipeline.Stats --max-attempts 3
    joinery worker my_pipeline --forever --poll 30 --set database.host=db.lab.org

Tables run in dependency order. A worker repeats its pass while it makes
progress or while another worker still holds reservations (whose results may
make new keys computable downstream); then it exits, or with ``--forever`` it
keeps polling for new upstream data. The exit status is 1 if any ``make``
failed (the errors are in the jobs tables), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .errors import DataJointError

logger = logging.getLogger("joinery.worker")


# -- finding the tables ------------------------------------------------------------------------------


def _auto_populated(value: Any) -> bool:
    from .populate import AutoPopulate
    from .tiers import Part

    return (
        isinstance(value, type)
        and issubclass(value, AutoPopulate)
        and not issubclass(value, Part)
        and value.__dict__.get("database") is not None
    )


def _tables_of(module: ModuleType) -> list[type]:
    return [value for value in vars(module).values() if _auto_populated(value)]


def resolve(target: str) -> list[type]:
    """The tables named by ``target``: ``package.module`` (all its auto-populated tables) or ``module.Class``."""
    try:
        return _tables_of(importlib.import_module(target))
    except ModuleNotFoundError as error:
        if "." not in target or error.name != target:
            raise
    module_name, _, name = target.rpartition(".")
    table = getattr(importlib.import_module(module_name), name, None)
    if not _auto_populated(table):
        raise DataJointError(
            f"{target} is not a Computed or Imported table bound to a schema: name a module, or module.Class."
        )
    return [table]  # type: ignore[list-item]


def dependency_order(tables: Sequence[type]) -> list[type]:
    """The tables, each after every table it depends on (directly or not)."""
    import networkx as nx

    unique = list(dict.fromkeys(tables))
    if not unique:
        return []
    graph = unique[0].connection.dependencies  # type: ignore[attr-defined]
    graph.load(force=True)
    rank = {name: i for i, name in enumerate(nx.topological_sort(graph.graph))}
    return sorted(unique, key=lambda table: rank.get(table.full_table_name, -1))  # type: ignore[attr-defined]


# -- the worker loop ---------------------------------------------------------------------------------


def _others_working(tables: Sequence[Any]) -> bool:
    """True while some table has reserved jobs (their results may unlock keys downstream)."""
    return any(len(table.jobs.reserved) for table in tables)


def _one_pass(tables: Sequence[Any], options: dict) -> tuple[int, int]:
    """Populate each table once; (keys made, errors)."""
    made = failed = 0
    for table in tables:
        result = table.populate(suppress_errors=True, **options)
        made += result["success_count"]
        failed += len(result["error_list"])
        if result["success_count"] or result["error_list"]:
            logger.info(
                "%s: %d made, %d failed", table.__name__, result["success_count"], len(result["error_list"])
            )
    return made, failed


def run_worker(
    tables: Sequence[type], *, forever: bool = False, poll: float = 10.0, **options: Any
) -> dict[str, int]:
    """Populate ``tables`` in dependency order until nothing is left (or forever); the totals.

    ``options`` go to each ``populate`` call (``reserve_jobs``, ``max_attempts``, ...).

    >>> run_worker([FilteredImage], max_attempts=3)  # doctest: +SKIP
    {'success_count': 120, 'error_count': 0, 'passes': 2}
    """
    ordered = dependency_order(tables)
    reserve = options.setdefault("reserve_jobs", True)
    totals = {"success_count": 0, "error_count": 0, "passes": 0}
    while True:
        made, failed = _one_pass(ordered, options)
        totals["passes"] += 1
        totals["success_count"] += made
        totals["error_count"] += failed
        if made:
            continue
        if not forever and not (reserve and _others_working(ordered)):
            return totals
        time.sleep(poll)


# -- the command line --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="joinery", description="joinery: data pipelines on a database.")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser(
        "worker",
        help="populate tables until nothing is left",
        description="Populate Computed/Imported tables in dependency order, sharing the work with other "
        "workers through the jobs tables.",
    )
    worker.add_argument("targets", nargs="+", help="module (all its tables) or module.Class")
    worker.add_argument("--schema", action="append", help="only tables of this database schema (repeatable)")
    worker.add_argument("--forever", action="store_true", help="keep polling for new keys instead of exiting")
    worker.add_argument("--poll", type=float, default=10.0, help="seconds between polls (default 10)")
    worker.add_argument(
        "--no-reserve", dest="reserve_jobs", action="store_false", help="do not reserve keys (single worker)"
    )
    worker.add_argument("--max-attempts", type=int, default=1, help="attempts per key on transient errors")
    worker.add_argument(
        "--retry-on",
        action="append",
        metavar="module.Exception",
        help="an exception type to retry (repeatable)",
    )
    worker.add_argument("--processes", type=int, default=1, help="worker processes of this worker (fork)")
    worker.add_argument("--max-calls", type=int, help="at most this many makes per table and pass")
    worker.add_argument("--order", choices=("original", "reverse", "random"), default="original")
    worker.add_argument("--priority", type=int, help="only jobs of this priority or more urgent")
    worker.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a dj.config setting (repeatable)"
    )
    worker.add_argument("--quiet", action="store_true", help="print only errors")
    return parser


def _exception_type(name: str) -> type[BaseException]:
    module_name, _, attribute = name.rpartition(".")
    found = getattr(importlib.import_module(module_name or "builtins"), attribute, None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise DataJointError(f"--retry-on {name}: not an exception class.")
    return found


def _configure(settings: list[str]) -> None:
    from .settings import config

    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise DataJointError(f"--set {item}: expected KEY=VALUE, e.g. --set database.host=db.lab.org.")
        config[key.strip()] = value.strip()


def _populate_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "reserve_jobs": args.reserve_jobs,
        "max_attempts": args.max_attempts,
        "processes": args.processes,
        "order": args.order,
    }
    if args.retry_on:
        options["retry_on"] = tuple(_exception_type(name) for name in args.retry_on)
    if args.max_calls is not None:
        options["max_calls"] = args.max_calls
    if args.priority is not None:
        options["priority"] = args.priority
    return options


def worker(args: argparse.Namespace) -> int:
    """``joinery worker``: resolve the tables, run the worker loop, report; the exit status."""
    _configure(args.set)
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(
            0, os.getcwd()
        )  # find the user's modules in the working directory, as `python -m` does
    tables = [table for target in args.targets for table in resolve(target)]
    if args.schema:
        tables = [table for table in tables if table.database in args.schema]  # type: ignore[attr-defined]
    if not tables:
        raise DataJointError(f"No Computed or Imported tables found in {' '.join(args.targets)}.")
    totals = run_worker(tables, forever=args.forever, poll=args.poll, **_populate_options(args))
    if not args.quiet:
        print(
            f"joinery worker: {totals['success_count']} made, {totals['error_count']} failed "
            f"in {totals['passes']} passes over {len(tables)} tables"
        )
    return 1 if totals["error_count"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``joinery`` script; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        return worker(args)
    except DataJointError as error:
        print(f"joinery: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

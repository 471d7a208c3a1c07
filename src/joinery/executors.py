"""``populate(executor=...)``: the makes of one populate call run by a ``concurrent.futures``
executor (threads or processes) or by a Dask ``distributed.Client``.

Layer: beside ``parallel.py``; ``populate.py`` hands it the keys to compute.
The keys are cut into chunks, one task per chunk. A task carries no database
connection, only the connection's settings: it opens a connection of its own
(one per worker thread, reused by that thread's later tasks), reserves keys
through the database exactly as a serial populate does (``reserve_jobs=True``),
and sends back each key's outcome. Nothing is ever shared between threads or
processes but keys, settings and outcomes.

A task in another process (a process pool, a Dask worker) finds the table
class by its import name, so the class must be defined at a module's top level.
There the table classes of that module are bound to the task's connection, so
the ``make``'s own queries (``(Parent & key).fetch1()``) reach the same database.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import os
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import DataJointError
from .retry import RetryPolicy

#: (table class, database, table name) of a table class to bind in a worker process
Binding = tuple[Any, str, str]
#: what a task sends back for each key: (key, made, error, error message, traceback text)
Outcome = tuple[dict, bool, Any, str, str]


@dataclass(frozen=True)
class Task:
    """One chunk of keys of one populate call, as sent to a worker."""

    table: type
    keys: list[dict]
    settings: dict
    bindings: tuple[Binding, ...]
    make_kwargs: dict = field(default_factory=dict)
    reserve: bool = False
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    stop_on_error: bool = False
    parent_pid: int = field(default_factory=os.getpid)


_local = threading.local()
_bound: dict[int, str] = {}  # pid -> settings the module's classes were bound to


def _own_connection(settings: dict) -> Any:
    """This thread's connection to the database of ``settings``, opened on its first task."""
    from .engine.connection import Connection

    key = (os.getpid(), repr(sorted(settings.items(), key=lambda item: item[0])))
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    if key not in connections:
        connections[key] = Connection(settings)
    return connections[key]


def _bind(bindings: tuple[Binding, ...], connection: Any) -> None:
    """In a worker process: point the table classes at this process's connection (once per database)."""
    marker = repr(sorted(connection.settings.items(), key=lambda item: item[0]))
    if _bound.get(os.getpid()) == marker:
        return
    for cls, database, table_name in bindings:
        cls.database, cls.table_name, cls._connection = database, table_name, connection
        cls._heading_cache = None
        cls._table_node_cache = None
    _bound[os.getpid()] = marker


def run_task(task: Task) -> list[Outcome]:
    """Compute one chunk of keys with a connection of this thread's own; each key's outcome."""
    from .jobs import Jobs
    from .jobs_worker import make_runner, planned
    from .parallel import portable
    from .populate import error_message

    connection = _own_connection(task.settings)
    if os.getpid() != task.parent_pid:
        _bind(task.bindings, connection)
    table = task.table()
    table._connection_value = connection
    runner = make_runner(table, task.make_kwargs, Jobs(table) if task.reserve else None, task.policy)
    outcomes: list[Outcome] = []
    with planned(runner, task.keys):  # reserved in batches; what was never started is given back
        for key in task.keys:
            try:
                outcomes.append((key, runner(key), None, "", ""))
            except Exception as error:
                outcomes.append((key, False, portable(error), error_message(error), traceback.format_exc()))
                if task.stop_on_error:
                    break
    return outcomes


# -- the parent's side -----------------------------------------------------------------------------


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _in_process(executor: Any) -> bool:
    return isinstance(executor, cf.ThreadPoolExecutor)


def workers_of(executor: Any) -> int:
    """How many tasks the executor runs at once (to size the chunks)."""
    if _is_dask(executor):
        return max(1, sum(executor.nthreads().values()))
    return max(1, getattr(executor, "_max_workers", None) or os.cpu_count() or 1)


def _chunks(keys: list[dict], workers: int) -> list[list[dict]]:
    """About four chunks per worker, at most 64 keys each: balanced, yet not all messaging."""
    size = max(1, min(64, len(keys) // (workers * 4)))
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def _importable(cls: type) -> bool:
    module = sys.modules.get(cls.__module__)
    if module is None or cls.__module__ == "__main__" and not getattr(module, "__file__", None):
        return False
    found: Any = module
    for part in cls.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is cls


def _bindings(table: Any) -> tuple[Binding, ...]:
    """The bound table classes of the target's module (and their parts): what its make may query."""
    from .tiers import Part, UserTable

    module = importlib.import_module(type(table).__module__)
    classes = [type(table)] + [
        value for value in vars(module).values() if isinstance(value, type) and issubclass(value, UserTable)
    ]
    parts = [
        part
        for cls in classes
        for part in vars(cls).values()
        if isinstance(part, type) and issubclass(part, Part)
    ]
    bound = dict.fromkeys(cls for cls in classes + parts if cls.__dict__.get("database") is not None)
    return tuple((cls, cls.database, cls.table_name) for cls in bound if _importable(cls))


def _tasks(table: Any, keys: list[dict], executor: Any, options: dict) -> list[Task]:
    cls = type(table)
    foreign = not _in_process(executor)
    if foreign and not _importable(cls):
        raise DataJointError(
            f"populate(executor=...) sends {cls.__name__} to other processes by its import name, but "
            f"{cls.__module__}.{cls.__qualname__} cannot be imported: define the table class at the top level "
            "of a module, or use a concurrent.futures.ThreadPoolExecutor or populate(processes=N)."
        )
    common = {
        "settings": dict(table.connection.settings),
        "bindings": _bindings(table) if foreign else (),
        "make_kwargs": options["make_kwargs"],
        "reserve": options["jobs"] is not None,
        "policy": options["policy"],
        "stop_on_error": not options["suppress_errors"],
    }
    return [Task(cls, chunk, **common) for chunk in _chunks(keys, workers_of(executor))]


def _submit(executor: Any, tasks: list[Task], connection: Any) -> list[Any]:
    if _is_dask(executor):
        return [executor.submit(run_task, task, pure=False) for task in tasks]
    forks = isinstance(executor, cf.ProcessPoolExecutor)
    if forks:
        connection.close()  # pool processes may be forked now: none must inherit an open connection
    try:
        return [executor.submit(run_task, task) for task in tasks]
    finally:
        if forks:
            connection.connect()


def _completed(executor: Any, futures: list[Any]) -> Iterator[Any]:
    if _is_dask(executor):
        from distributed import as_completed

        return iter(as_completed(futures))
    return cf.as_completed(futures)


def _cancel(executor: Any, futures: Iterable[Any]) -> None:
    if _is_dask(executor):
        executor.cancel(list(futures))
        return
    for future in futures:
        future.cancel()


def populate_with_executor(table: Any, keys: list[dict], executor: Any, **options: Any) -> dict:
    """Compute ``keys`` through ``executor``; the same summary as a serial populate.

    Without ``suppress_errors`` the first error is raised here (its worker
    traceback as its cause) and the tasks not yet started are cancelled.
    """
    from .parallel import RemoteTraceback

    success, error_list = 0, []
    if not keys:
        return {"success_count": 0, "error_list": []}
    futures = _submit(executor, _tasks(table, keys, executor, options), table.connection)
    progress = _progress(table, len(keys), options["display_progress"])
    try:
        for future in _completed(executor, futures):
            for key, made, error, message, stack in future.result():
                progress.update()
                if error is None:
                    success += made
                    continue
                error.__cause__ = RemoteTraceback(stack)
                if not options["suppress_errors"]:
                    raise error
                error_list.append((key, error if options["return_exception_objects"] else message))
    except BaseException:
        _cancel(executor, futures)
        raise
    finally:
        progress.close()
    return {"success_count": success, "error_list": error_list}


class _NoProgress:
    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(table: Any, total: int, display: bool) -> Any:
    if not display:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, desc=type(table).__name__)


__all__ = ["Task", "populate_with_executor", "run_task"]

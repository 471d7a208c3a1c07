"""``populate()``: compute the missing rows of Imported and Computed tables.

Layer: above ``tables.py``/``insert.py`` (it calls the user's ``make`` and writes
what it inserts), below the tiers that mix it in (``tiers.py``).

The keys to compute are one query, ``(key_source & restrictions) - self``.
``make_runner.py`` computes one key (``make`` with no transaction open, its rows
committed at once); ``parallel.py`` runs the same ``KeyRunner`` in worker
processes, ``executors.py`` in the tasks of a ``concurrent.futures`` executor or
a Dask cluster;
``jobs_worker.py`` wraps it for ``reserve_jobs=True`` (reservation, heartbeat,
retries, recorded outcome) and ``populate_plan.py`` answers ``dry_run=True``.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from .errors import DataJointError
from .make_runner import TRIPARTITE, KeyRunner, buffered_insert, inside_make_of, same_values

# -- the mixin -------------------------------------------------------------------------------------


class AutoPopulate:
    """What Imported and Computed tables add: ``make``, ``key_source``, ``populate``, ``progress``."""

    # provided by Table, which every auto-populated tier also derives from
    connection: Any
    full_table_name: str
    primary_key: list[str]
    heading: Any
    is_restricted: bool

    @property
    def key_source(self) -> Any:
        """The keys to compute: the join of the primary-key parents, projected to their keys."""
        from .key_source import default_key_source

        return default_key_source(self)

    def make(self, key: dict, **kwargs: Any) -> None:
        """Compute and insert one key's rows: define it, or make_fetch, make_compute and make_insert."""
        if not all(hasattr(self, m) for m in TRIPARTITE):
            raise NotImplementedError(
                f"{type(self).__name__} must define make(self, key), or make_fetch, make_compute and make_insert, "
                "to be populated."
            )
        fetch, compute, insert = (getattr(self, name) for name in TRIPARTITE)
        insert(key, *compute(key, *fetch(key, **kwargs)))

    def _make_steps(self, key: dict, **kwargs: Any) -> Any:
        """make_fetch, make_compute and make_insert as DataJoint's generator protocol."""
        fetch, compute, insert = (getattr(self, name) for name in TRIPARTITE)
        fetched = fetch(key, **kwargs)
        computed = yield fetched
        if computed is None:
            computed = compute(key, *fetched)
            yield computed
        insert(key, *computed)
        yield

    def _jobs_to_do(self, restrictions: tuple) -> Any:
        """``key_source & restrictions``, projected to its primary key."""
        if self.is_restricted:
            raise DataJointError(
                "Cannot call populate on a restricted table. Instead, pass conditions to populate() as arguments."
            )
        todo = self.key_source
        if isinstance(todo, type):
            todo = todo()
        if not hasattr(todo, "_node"):
            raise DataJointError(
                f"key_source of {type(self).__name__} must be a table or a query, not {todo!r}."
            )
        missing = [name for name in todo.primary_key if name not in self.heading]
        if missing:
            raise DataJointError(
                f"The populate target lacks attribute(s) {missing} of key_source's primary key."
            )
        for restriction in restrictions:
            todo = todo & restriction
        return todo.proj()

    def populate(
        self,
        *restrictions: Any,
        keys: Any = None,
        suppress_errors: bool = False,
        return_exception_objects: bool = False,
        reserve_jobs: bool = False,
        order: str = "original",
        limit: int | None = None,
        max_calls: int | None = None,
        display_progress: bool = False,
        processes: int = 1,
        make_kwargs: dict | None = None,
        priority: int | None = None,
        refresh: bool | None = None,
        return_success_count: bool = True,
        max_attempts: int = 1,
        retry_on: tuple[type[BaseException], ...] | None = None,
        dry_run: bool = False,
        executor: Any = None,
    ) -> dict:
        """Call ``make`` for every key of ``key_source`` (restricted) that has no row yet.

        Returns ``{'success_count': n, 'error_list': [(key, message or exception), ...]}``.
        ``keys``, ``order`` ('original', 'reverse', 'random') and ``limit`` are DataJoint 0.14's;
        the rest are DataJoint 2.x's, plus these of joinery's:

        - ``reserve_jobs=True``: each key is reserved in the jobs table (``Table.jobs``)
          before ``make`` runs, so any number of processes on any number of machines
          can populate together; errors are recorded there and not retried until
          cleared. While ``make`` runs, a heartbeat refreshes the reservation every
          ``dj.config['jobs.heartbeat_interval']`` seconds; reservations with no
          heartbeat for ``jobs.orphan_timeout`` seconds (a killed worker's) are
          handed to the next populate.
        - ``max_attempts=N``, ``retry_on=(ExceptionType, ...)``: a ``make`` failing
          with a transient error (default: ``TimeoutError``, ``ConnectionError``,
          lost connections) is tried up to N times in all; other errors count at once.
        - ``dry_run=True``: compute and write nothing; return
          ``{'keys': [(key, reason), ...], 'reasons': {reason: count},
          'estimated_seconds': s or None, 'mean_duration': s or None}``.
          Reasons: ``'new'``, ``'error cleared'``, ``'reservation expired'``, ``'result deleted'``.
        - ``executor=``: a ``concurrent.futures.Executor`` (threads or processes) or a
          Dask ``distributed.Client`` runs the makes; each task opens its own connection.

        >>> Result.populate(reserve_jobs=True, max_attempts=3, suppress_errors=True)  # doctest: +SKIP
        {'success_count': 10, 'error_list': []}
        """
        if self.connection.in_transaction:
            raise DataJointError("populate() cannot run inside a transaction: commit or cancel it first.")
        if order not in ("original", "reverse", "random"):
            raise DataJointError(f"populate order must be 'original', 'reverse' or 'random', not {order!r}.")
        from .retry import RetryPolicy

        policy = RetryPolicy(max_attempts, tuple(retry_on) if retry_on is not None else None)
        if dry_run:
            from .populate_plan import plan

            most = min((n for n in (limit, max_calls) if n is not None), default=None)
            return plan(self, restrictions, keys, most, reserve_jobs, refresh, max(processes, 1), executor)
        jobs = self.jobs if reserve_jobs else None
        todo = self._keys_for(restrictions, keys, limit, jobs, priority, refresh)
        if order == "reverse":
            todo.reverse()
        elif order == "random":
            random.shuffle(todo)
        todo = todo[:max_calls] if max_calls is not None else todo
        options: dict[str, Any] = {"suppress_errors": suppress_errors, "make_kwargs": make_kwargs or {}}
        options.update(return_exception_objects=return_exception_objects, display_progress=display_progress)
        options.update(jobs=jobs, policy=policy)
        if executor is not None:
            from .executors import populate_with_executor

            return populate_with_executor(self, todo, executor, **options)
        if processes > 1 and len(todo) > 1:
            from .parallel import populate_in_processes

            return populate_in_processes(self, todo, processes, **options)
        return self._populate_keys(todo, **options)

    def _keys_for(
        self, restrictions: tuple, keys: Any, limit: int | None, jobs: Any, priority: int | None, refresh: Any
    ) -> list[dict]:
        """The keys to try, in the order found: pending jobs with ``reserve_jobs``, else the missing keys."""
        if jobs is None:
            return self._todo(restrictions, keys, limit)
        from .jobs_worker import reserved_todo

        return reserved_todo(self, jobs, restrictions, keys, limit, priority, refresh)

    def _todo(self, restrictions: tuple, keys: Any, limit: int | None) -> list[dict]:
        if keys is None:
            return (self._jobs_to_do(restrictions) - self).keys(limit=limit)
        if hasattr(keys, "_node") or isinstance(keys, type):
            keys = keys.keys()
        return [dict(key) for key in keys][:limit]

    def _populate_keys(
        self, todo: list, *, suppress_errors: bool, display_progress: bool, **options: Any
    ) -> dict:
        from .done_checks import expecting
        from .jobs_worker import make_runner, planned

        runner = make_runner(self, options["make_kwargs"], options["jobs"], options["policy"])
        success, error_list = 0, []
        keys = todo
        if display_progress:
            from tqdm import tqdm

            todo = tqdm(todo, desc=type(self).__name__)
        # keys reserved ahead and never started are given back on leaving. Without reservation the keys
        # ahead are checked for being done together; with it, each key is checked after its reservation
        ahead = keys if options["jobs"] is None else ()
        with planned(runner, keys), expecting(self, ahead):
            for key in todo:
                try:
                    success += runner(key)
                except Exception as error:
                    if not suppress_errors:
                        raise
                    error_list.append(
                        (key, error if options["return_exception_objects"] else error_message(error))
                    )
        return {"success_count": success, "error_list": error_list}

    @property
    def jobs(self) -> Any:
        """This table's jobs table (``~~name``, declared on first use): reservations, errors, progress."""
        from .jobs import Jobs

        return Jobs(self)

    def progress(self, *restrictions: Any, display: bool = True) -> tuple[int, int]:
        """(remaining, total) keys of ``key_source``; printed when ``display``."""
        todo = self._jobs_to_do(restrictions)
        total = len(todo)
        remaining = len(todo - self)
        if display:
            done = total - remaining
            percent = 100.0 * done / total if total else 100.0
            now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            print(f"{type(self).__name__:<20} Completed {done} of {total} ({percent:2.1f}%)   {now}")
        return remaining, total


def error_message(error: BaseException) -> str:
    """DataJoint's error_list text: ``'ClassName: message'`` (or just the class name)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


__all__ = ["AutoPopulate", "KeyRunner", "buffered_insert", "error_message", "inside_make_of", "same_values"]

"""``populate()``: compute the missing rows of Imported and Computed tables.

Layer: above ``tables.py``/``insert.py`` (it calls the user's ``make`` and writes
what it inserts), below the tiers that mix it in (``tiers.py``).

The keys to compute are one query, ``(key_source & restrictions) - self``.
``make(key)`` runs with no transaction open: each insert it makes (into any
table) is checked and encoded at once, so errors point at the user's line, and
kept; when ``make`` returns, the rows are written in one short transaction.
So a long computation never holds the write lock, a failing ``make`` leaves
nothing, and a key another process finished first is dropped, not duplicated.
A tripartite make runs its insert step inside that transaction, after checking
that ``make_fetch`` still returns what the computation started from.
``parallel.py`` runs the same ``KeyRunner`` in worker processes, ``executors.py``
in the tasks of a ``concurrent.futures`` executor or a Dask cluster;
``jobs_worker.py`` wraps it for ``reserve_jobs=True`` (reservation, heartbeat,
retries, recorded outcome) and ``populate_plan.py`` answers ``dry_run=True``.
"""

from __future__ import annotations

import contextvars
import copy
import datetime
import inspect
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from .errors import DataJointError, DuplicateError

#: checked, encoded rows waiting for the commit: (table, names, rows, replace, skip_duplicates)
_Write = tuple[Any, tuple[str, ...], list[tuple], bool, bool]
_TRIPARTITE = ("make_fetch", "make_compute", "make_insert")


@dataclass
class _MakeContext:
    """The table whose ``make`` is running, and the inserts it has made so far."""

    table: Any
    writes: list[_Write] = field(default_factory=list)


_current: contextvars.ContextVar[_MakeContext | None] = contextvars.ContextVar("joinery_make", default=None)


@contextmanager
def _making(context: _MakeContext) -> Iterator[None]:
    """Inserts made in this block go to ``context``, not to the database."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def _owned_by(context: _MakeContext, table: Any) -> bool:
    target = type(context.table)
    return type(table) is target or getattr(type(table), "master", None) is target


def inside_make_of(table: Any) -> bool:
    """True while ``make`` of this table (or of its master) is running in this thread."""
    context = _current.get()
    return context is not None and _owned_by(context, table)


def buffered_insert(
    table: Any, rows: Any, replace: bool, skip_duplicates: bool, ignore_extra_fields: bool
) -> bool:
    """Inside ``make``, check and encode the rows now and keep them for the commit; True if kept."""
    context = _current.get()
    if context is None:
        return False
    context.writes.extend(_prepare(table, rows, replace, skip_duplicates, ignore_extra_fields))
    return True


def _prepare(table: Any, rows: Any, replace: bool, skip_duplicates: bool, ignore_extra: bool) -> list[_Write]:
    """The rows ``insert_rows`` would write, checked and encoded, not yet written."""
    from .insert import prepare_groups

    if hasattr(rows, "_node") or (isinstance(rows, type) and hasattr(rows, "heading")):
        rows = (rows() if isinstance(rows, type) else rows).to_dicts()
    return [
        (table, names, encoded, replace, skip_duplicates)
        for names, encoded in prepare_groups(table, rows, ignore_extra)
    ]


class KeyRunner:
    """Computes one key of one table: skip if done, run ``make``, commit its rows (one per populate call)."""

    def __init__(self, table: Any, make_kwargs: dict | None = None):
        self.table = table
        self.make_kwargs = make_kwargs or {}
        self._probes: dict[tuple[str, ...], tuple[str, list]] = {}
        self._make = getattr(table, "_make_tuples", None) or table.make
        self._steps = _steps_of(table, self._make)

    def done(self, key: dict) -> bool:
        """True if the table already has rows for ``key`` (one indexed ``SELECT 1``, compiled once)."""
        names = tuple(name for name in self.table.primary_key if name in key)
        if names not in self._probes:
            self._probes[names] = _probe(self.table, names)
        sql, encoders = self._probes[names]
        params = [key[name] if encode is None else encode(key[name]) for name, encode in encoders]
        return self.table.connection.query(sql, params).fetchone() is not None

    def __call__(self, key: dict, on_commit: Callable[[], None] | None = None) -> bool:
        """Make ``key``; False if it was already done (here or by another process).

        ``on_commit`` runs inside the transaction that writes the make's rows (if any are written).
        """
        key = dict(key)
        if self.done(key):
            return False
        context = _MakeContext(self.table)
        finish: Callable[[], None] | None = None
        with _making(context):
            if self._steps is None:
                self._make(dict(key), **self.make_kwargs)
            else:
                fetched, computed = _fetch_and_compute(self._steps, key, self.make_kwargs)
                finish = partial(self._insert_steps, self._steps, key, fetched, computed)
        return self._commit(context, key, finish, on_commit)

    def _commit(
        self,
        context: _MakeContext,
        key: dict,
        finish: Callable[[], None] | None,
        on_commit: Callable[[], None] | None = None,
    ) -> bool:
        """One transaction: unless another process did ``key`` first, run ``finish`` and write."""
        if not context.writes and finish is None:
            return True
        try:
            return self._write(context, key, finish, on_commit)
        except DuplicateError:
            # on a server another process can commit this key between our check and our insert
            if self.done(key):
                return False
            raise

    def _write(
        self,
        context: _MakeContext,
        key: dict,
        finish: Callable[[], None] | None,
        on_commit: Callable[[], None] | None,
    ) -> bool:
        """The commit transaction: check the key is still missing, run ``finish``, write the rows."""
        from .insert import write_group

        connection = self.table.connection
        recheck = self._must_recheck(context, finish)
        if not recheck and on_commit is None and len(context.writes) == 1 and len(context.writes[0][2]) == 1:
            # one row into the table itself: one INSERT, atomic on its own, no BEGIN/COMMIT round trips
            table, names, rows, replace, skip_duplicates = context.writes[0]
            write_group(_on_connection(table, connection), names, rows, replace, skip_duplicates)
            return True
        with connection.transaction:
            if recheck and self.done(key):
                return False
            if finish is not None:
                with _making(context):
                    finish()
            for table, names, rows, replace, skip_duplicates in context.writes:
                write_group(_on_connection(table, connection), names, rows, replace, skip_duplicates)
            if on_commit is not None:
                on_commit()
        return True

    def _must_recheck(self, context: _MakeContext, finish: Callable[[], None] | None) -> bool:
        """Whether the commit must look for the key first.

        Not when the first write is a plain insert into the table itself: if
        another process committed the key meanwhile, that insert fails with a
        duplicate key, which ``_commit`` reads as "done", and a round trip is saved.
        """
        if finish is not None or not context.writes:
            return True
        table, _names, _rows, replace, skip_duplicates = context.writes[0]
        return replace or skip_duplicates or type(table) is not type(self.table)

    def _insert_steps(self, make: Callable, key: dict, fetched: Any, computed: Any) -> None:
        """The insert step of a tripartite make, refused if its inputs changed since they were fetched."""
        steps = make(dict(key), **self.make_kwargs)
        try:
            if not same_values(next(steps), fetched):
                raise DataJointError(
                    f"Referential integrity failed: the inputs of {type(self.table).__name__} for {key} changed "
                    "while make_compute ran (make_fetch returned different data). Nothing was inserted."
                )
            steps.send(computed)
        finally:
            steps.close()


def _on_connection(table: Any, connection: Any) -> Any:
    """``table`` writing through ``connection``: a part's rows join its master's transaction.

    They differ when a task of an executor populates through its own
    connection while the table classes keep the connection they were declared with.
    """
    if table.connection is connection:
        return table
    table = copy.copy(table)
    table._connection_value = connection
    return table


def _probe(table: Any, names: tuple[str, ...]) -> tuple[str, list]:
    from .codecs import encoder

    dialect = table.connection.dialect
    where = " AND ".join(f"{dialect.quote(name)} = {dialect.placeholder}" for name in names)
    return f"SELECT 1 FROM {table.full_table_name} WHERE {where} LIMIT 1", [
        (name, encoder(table.heading[name])) for name in names
    ]


# -- the tripartite make: make_fetch / make_compute / make_insert ----------------------------------


def _steps_of(table: Any, make: Callable) -> Callable | None:
    """A generator make following DataJoint's protocol for this table; None for a plain make."""
    if inspect.isgeneratorfunction(make):
        return make
    if getattr(make, "__func__", None) is AutoPopulate.make and all(hasattr(table, m) for m in _TRIPARTITE):
        return table._make_steps
    return None


def _fetch_and_compute(make: Callable, key: dict, make_kwargs: dict) -> tuple[Any, Any]:
    """The first pass of a generator make: what it fetched and what it computed from that."""
    steps = make(dict(key), **make_kwargs)
    try:
        return next(steps), next(steps)
    finally:
        steps.close()


def same_values(a: Any, b: Any) -> bool:
    """Deep equality of fetched data: arrays by shape, dtype and content (NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return _same_arrays(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(same_values, a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _same_arrays(a: Any, b: Any) -> bool:
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or a.shape != b.shape:
        return False
    if a.dtype != b.dtype:
        return False
    if a.dtype.names:
        return all(_same_arrays(a[name], b[name]) for name in a.dtype.names)
    if a.dtype.kind == "O":
        return all(map(same_values, a.ravel().tolist(), b.ravel().tolist()))
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


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
        from .tables import FreeTable

        connection = self.connection
        graph = connection.dependencies
        graph.load()
        name = self.full_table_name
        key = set(self.primary_key)
        source = None
        for parent in graph.parents(name, primary=True):
            for pairs in graph.graph.edges[parent, name]["fks"]:
                if not all(child in key for child, _ in pairs):
                    continue
                renames = {child: par for child, par in pairs if child != par}
                part = FreeTable(connection, parent).proj(**renames)
                source = part if source is None else source * part
        if source is None:
            raise DataJointError(
                f"{type(self).__name__} has no foreign keys in its primary key, so there is nothing to populate "
                "from. Add `-> Parent` above `---`, or define key_source."
            )
        return source

    def make(self, key: dict, **kwargs: Any) -> None:
        """Compute and insert one key's rows: define it, or make_fetch, make_compute and make_insert."""
        if not all(hasattr(self, m) for m in _TRIPARTITE):
            raise NotImplementedError(
                f"{type(self).__name__} must define make(self, key), or make_fetch, make_compute and make_insert, "
                "to be populated."
            )
        fetch, compute, insert = (getattr(self, name) for name in _TRIPARTITE)
        insert(key, *compute(key, *fetch(key, **kwargs)))

    def _make_steps(self, key: dict, **kwargs: Any) -> Any:
        """make_fetch, make_compute and make_insert as DataJoint's generator protocol."""
        fetch, compute, insert = (getattr(self, name) for name in _TRIPARTITE)
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
        from .jobs_worker import make_runner

        runner = make_runner(self, options["make_kwargs"], options["jobs"], options["policy"])
        success, error_list = 0, []
        if display_progress:
            from tqdm import tqdm

            todo = tqdm(todo, desc=type(self).__name__)
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

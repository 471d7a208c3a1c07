"""Computing one key: run ``make`` with its inserts held back, then commit them at once.

Layer: below ``populate.py`` (which chooses the keys) and the runners that
wrap a :class:`KeyRunner` (``jobs_worker.py``, ``parallel.py``,
``executors.py``); ``insert.py`` asks it whether an insert happens inside a
``make`` (:func:`buffered_insert`). ``make(key)`` runs with no transaction
open: each insert it makes is checked and encoded at once, so errors point at
the user's line, and kept; when ``make`` returns, the rows are written in one
short transaction. Whether a key is done already is asked before ``make``
(``done_checks.py``: several keys per query when populate says which come
next). A key another process committed first is dropped, not duplicated. A
tripartite make runs its insert step inside that transaction, after checking
that ``make_fetch`` still returns what the computation started from.
"""

from __future__ import annotations

import contextvars
import copy
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from .done_checks import DoneChecks
from .errors import DataJointError, DuplicateError, LostConnectionError

#: checked, encoded rows waiting for the commit: (table, names, rows, replace, skip_duplicates)
_Write = tuple[Any, tuple[str, ...], list[tuple], bool, bool]
TRIPARTITE = ("make_fetch", "make_compute", "make_insert")


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
        self._checks = DoneChecks(table)
        self._make = getattr(table, "_make_tuples", None) or table.make
        self._steps = _steps_of(table, self._make)

    def done(self, key: dict) -> bool:
        """True if the table already has rows for ``key`` (one indexed ``SELECT 1``, compiled once)."""
        return self._checks.done(key)

    def __call__(self, key: dict, on_commit: Callable[[], None] | None = None) -> bool:
        """Make ``key``; False if it was already done (here or by another process).

        ``on_commit`` runs inside the transaction that writes the make's rows (if any are written).
        """
        key = dict(key)
        if self._checks.done_before_make(key):
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
        if finish is None and connection.pipelines and _batchable(context.writes):
            try:
                with connection.batched_transaction():
                    return self._write_rows(context, key, recheck, on_commit)
            except LostConnectionError:
                raise
            except DataJointError:
                pass  # nothing was kept: the steps below write again, one by one, and say which row failed
        with connection.transaction:
            if finish is not None:
                if recheck and self.done(key):
                    return False
                with _making(context):
                    finish()
                recheck = False
            return self._write_rows(context, key, recheck, on_commit)

    def _write_rows(
        self, context: _MakeContext, key: dict, recheck: bool, on_commit: Callable[[], None] | None
    ) -> bool:
        """Inside the commit transaction: unless ``key`` is done meanwhile, write the make's rows."""
        from .insert import write_group

        if recheck and self.done(key):
            return False
        connection = self.table.connection
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


def _batchable(writes: list[_Write]) -> bool:
    """True when the writes can share one pipelined round trip: none is a bulk load (``COPY``)."""
    from .insert import BULK_LOAD_MIN_ROWS

    return bool(writes) and all(len(rows) < BULK_LOAD_MIN_ROWS for _t, _n, rows, _r, _s in writes)


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


# -- the tripartite make: make_fetch / make_compute / make_insert ----------------------------------


def _steps_of(table: Any, make: Callable) -> Callable | None:
    """A generator make following DataJoint's protocol for this table; None for a plain make."""
    if inspect.isgeneratorfunction(make):
        return make
    from .populate import AutoPopulate

    if getattr(make, "__func__", None) is AutoPopulate.make and all(hasattr(table, m) for m in TRIPARTITE):
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


__all__ = ["TRIPARTITE", "KeyRunner", "buffered_insert", "inside_make_of", "same_values"]

"""``populate()``: compute the missing rows of Imported and Computed tables.

The keys to compute are one query, ``(key_source & restrictions) - self``.
``make(key)`` runs without any transaction open: its inserts (into the table
and its parts) are validated and buffered, then written together in one short
transaction when ``make`` returns, so a long computation never holds the
database's write lock and a failing ``make`` leaves nothing behind. If another
process finished the same key first, the buffered rows are dropped.
"""

from __future__ import annotations

import contextvars
import random
import traceback
from dataclasses import dataclass, field
from typing import Any

from .errors import DataJointError, DuplicateError


@dataclass
class _MakeContext:
    """The table whose ``make`` is running, and the inserts it has made so far."""

    table: Any
    writes: list[tuple[Any, list, dict]] = field(default_factory=list)


_current: contextvars.ContextVar[_MakeContext | None] = contextvars.ContextVar("joinery_make", default=None)


def _owned_by(context: _MakeContext, table: Any) -> bool:
    target = type(context.table)
    return type(table) is target or getattr(type(table), "master", None) is target


def inside_make_of(table: Any) -> bool:
    """True while ``make`` of this table (or of its master) is running in this thread."""
    context = _current.get()
    return context is not None and _owned_by(context, table)


def buffered_insert(table: Any, rows: Any, replace: bool, skip_duplicates: bool, ignore_extra_fields: bool) -> bool:
    """Inside ``make``, keep the rows for the commit at the end; returns True if buffered."""
    context = _current.get()
    if context is None or not _owned_by(context, table):
        return False
    if hasattr(rows, "_node"):
        rows = rows.to_dicts()
    elif type(rows).__name__ == "DataFrame":
        rows = rows.reset_index().to_dict("records") if any(rows.index.names) else rows.to_dict("records")
    else:
        rows = list(rows) if not hasattr(rows, "dtype") else rows
    options = {"replace": replace, "skip_duplicates": skip_duplicates, "ignore_extra_fields": ignore_extra_fields}
    context.writes.append((table, rows, options))
    return True


def _flush(context: _MakeContext, key: dict) -> bool:
    """Write the buffered rows in one transaction; False if another worker already did this key."""
    from .insert import insert_rows

    table = context.table
    try:
        with table.connection.transaction:
            if context.writes and (table & key):
                raise _AlreadyDone
            for target, rows, options in context.writes:
                insert_rows(target, rows, allow_direct_insert=True, **options)
    except _AlreadyDone:
        return False
    return True


class _AlreadyDone(Exception):
    """Another worker committed this key first (rolls back the flush)."""


class AutoPopulate:
    """What Imported and Computed tables add: ``make``, ``key_source``, ``populate``, ``progress``."""

    @property
    def key_source(self) -> Any:
        """The keys to compute: the join of the primary-key parents, projected to their keys."""
        from .tables import FreeTable

        connection = self.connection
        graph = connection.dependencies
        graph.load()
        name = self.full_table_name
        source = None
        for parent in graph.parents(name, primary=True):
            for pairs in graph.graph.edges[parent, name]["fks"]:
                renames = {child: par for child, par in pairs if child != par}
                part = FreeTable(connection, parent).proj(**renames)
                source = part if source is None else source * part
        if source is None:
            raise DataJointError(
                f"{type(self).__name__} has no foreign keys in its primary key, so there is nothing to populate "
                "from. Add `-> Parent` above `---`, or define key_source."
            )
        return source

    def make(self, key: dict) -> None:
        """Compute and insert the rows for one key; auto-populated tables must define it."""
        if hasattr(self, "make_fetch") and hasattr(self, "make_compute") and hasattr(self, "make_insert"):
            return self._make_tripartite(key)
        raise NotImplementedError(f"{type(self).__name__} must define make(self, key) to be populated.")

    def _make_tripartite(self, key: dict) -> None:
        fetched = self.make_fetch(key)
        computed = self.make_compute(key, *fetched)
        if not _same(self.make_fetch(key), fetched):
            raise DataJointError(f"The inputs of {type(self).__name__} for {key} changed during make_compute.")
        self.make_insert(key, *computed)

    def _jobs_to_do(self, restrictions: tuple) -> Any:
        todo = self.key_source
        if isinstance(todo, type):
            todo = todo()
        for restriction in restrictions:
            todo = todo & restriction
        return todo.proj() - self

    def populate(self, *restrictions: Any, keys: Any = None, suppress_errors: bool = False,
                 return_exception_objects: bool = False, reserve_jobs: bool = False,
                 order: str = "original", limit: int | None = None, max_calls: int | None = None,
                 display_progress: bool = False, processes: int = 1, make_kwargs: dict | None = None,
                 return_success_count: bool = True) -> dict:
        """Call ``make`` for every key of ``key_source`` that has no row yet; returns a summary."""
        if self.connection.in_transaction:
            raise DataJointError("populate() cannot run inside a transaction: commit or cancel it first.")
        if order not in ("original", "reverse", "random"):
            raise DataJointError("populate order must be 'original', 'reverse' or 'random'.")
        todo = keys if keys is not None else self._jobs_to_do(restrictions).keys(limit=limit)
        todo = list(todo)
        if order == "reverse":
            todo.reverse()
        elif order == "random":
            random.shuffle(todo)
        if max_calls is not None:
            todo = todo[:max_calls]
        if processes > 1 and len(todo) > 1:
            from .parallel import populate_in_processes

            return populate_in_processes(self, todo, processes, suppress_errors, return_exception_objects,
                                         display_progress, make_kwargs or {})
        return self._populate_keys(todo, suppress_errors, return_exception_objects, display_progress,
                                   make_kwargs or {})

    def _populate_keys(self, todo: list, suppress_errors: bool, return_exception_objects: bool,
                       display_progress: bool, make_kwargs: dict) -> dict:
        success, errors = 0, []
        if display_progress:
            from tqdm.auto import tqdm

            todo = tqdm(todo, desc=type(self).__name__)
        for key in todo:
            try:
                if self._populate1(key, make_kwargs):
                    success += 1
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as error:
                if not suppress_errors:
                    raise
                errors.append((key, error if return_exception_objects else _error_message(error)))
        return {"success_count": success, "error_list": errors}

    def _populate1(self, key: dict, make_kwargs: dict) -> bool:
        context = _MakeContext(self)
        token = _current.set(context)
        try:
            self.make(dict(key), **make_kwargs)
        finally:
            _current.reset(token)
        return _flush(context, key)

    def progress(self, *restrictions: Any, display: bool = True) -> tuple[int, int]:
        """(remaining, total) keys of ``key_source``, printed when ``display``."""
        source = self.key_source
        for restriction in restrictions:
            source = source & restriction
        total = len(source)
        remaining = len(source.proj() - self)
        if display:
            done = total - remaining
            percent = 100.0 * done / total if total else 100.0
            print(f"{type(self).__name__:<20} Completed {done} of {total} ({percent:.1f}%)")
        return remaining, total


def _same(a: Any, b: Any) -> bool:
    import numpy as np

    try:
        return bool(np.all([np.array_equal(x, y) for x, y in zip(a, b)])) and len(a) == len(b)
    except Exception:
        return False


def _error_message(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def format_stack(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


__all__ = ["AutoPopulate", "DuplicateError", "buffered_insert", "inside_make_of"]

"""What an insert into one table needs, worked out once per set of attribute names.

Layer: under ``insert.py``. Checking the given names (unknown, missing), choosing
each column's encoder and building the ``INSERT`` text cost far more than
writing one row, so :func:`plan_for` and :func:`statements` keep their results
in the table heading's memo, keyed by the attribute names. ``insert1`` in a loop
then pays for a dict lookup, not for rebuilding SQL.

Values are checked and encoded a column at a time, and a column whose values
need no work (the common case: ints, floats, strings) is left untouched: a
``set(map(type, column))`` tells in C whether any value could need it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors
from .codecs import encoder
from .sql.ddl import default_expression, rowid_key

#: a column's values in, the changed values out (None: unchanged)
ColumnJob = Callable[[Sequence], list | None]

_FLOATS = frozenset({float, np.float64, np.float32, np.float16})
#: value types numpy turns into float64 exactly enough to find NaN
_REAL = frozenset({float, int, bool, np.float64, np.float32, np.float16, np.int64, np.int32})


@dataclass(frozen=True)
class InsertPlan:
    """Rows given with ``given`` names: which of them to write, and the work per column."""

    names: tuple[str, ...]  #: the attributes written, in the given order
    keep: tuple[int, ...] | None  #: positions of ``names`` in the given names; None: all of them
    jobs: tuple[tuple[int, ColumnJob], ...]  #: (position, job) for columns that may need work


@dataclass(frozen=True)
class Statements:
    """The statements writing rows with one set of attribute names."""

    insert: str
    ignore: str  #: skips rows whose key exists
    copy: str | None  #: the dialect's bulk load, when no column needs its default filled in
    #: (sql, params) to run after explicit auto_increment values, so the next number follows the largest
    resync: tuple[tuple[str, tuple[str, str]], ...]


def plan_for(table: Any, given: tuple[str, ...], ignore_extra: bool) -> InsertPlan:
    """The plan for rows with attribute names ``given`` (checked; raises for unknown or missing ones)."""
    memo = table.heading.memo
    key = ("insert-plan", table.connection.dialect.name, given, ignore_extra)
    plan = memo.get(key)
    if plan is None:
        plan = memo[key] = _make_plan(table, given, ignore_extra)
    return plan


def statements(table: Any, names: tuple[str, ...]) -> Statements:
    """The statements writing columns ``names`` of ``table`` (built once per names)."""
    memo = table.heading.memo
    key = ("insert-sql", table.connection.dialect.name, names)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _make_statements(table, names)
    return found


def check_names(table: Any, names: tuple[str, ...], ignore_extra: bool) -> list[int]:
    """Positions of the names to keep; raises for unknown or missing attributes."""
    heading = table.heading
    unknown = [name for name in names if name not in heading]
    if unknown and not ignore_extra:
        raise errors.UnknownAttributeError(
            f"`{table.table_name}` has no attribute(s) {unknown}; its attributes are {heading.names}. "
            "Pass ignore_extra_fields=True to drop extra fields."
        )
    given = set(names)
    missing = [
        a.name
        for a in heading
        if a.name not in given and not a.nullable and a.default is None and not a.auto_increment
    ]
    if missing:
        raise errors.MissingAttributeError(
            f"Rows for `{table.table_name}` lack required attribute(s) {missing}, which have no default."
        )
    return [i for i, name in enumerate(names) if name in heading]


def _make_plan(table: Any, given: tuple[str, ...], ignore_extra: bool) -> InsertPlan:
    keep = check_names(table, given, ignore_extra)
    names = tuple(given[i] for i in keep)
    dialect = table.connection.dialect
    jobs = []
    rowid = rowid_key(dialect, list(table.heading))
    for position, name in enumerate(names):
        job = column_job(table.heading[name], dialect, refuse_null=name == rowid)
        if job is not None:
            jobs.append((position, job))
    return InsertPlan(names, None if len(keep) == len(given) else tuple(keep), tuple(jobs))


def encode_rows(table: Any, plan: InsertPlan, values: list[tuple]) -> list[tuple]:
    """``values`` (already reduced to ``plan.names``) with every column checked and encoded.

    Only the columns with a job are taken out of the rows; the rows are rebuilt
    only if a job changed a value.
    """
    if not plan.jobs or not values:
        return values
    changed: dict[int, list] = {}
    try:
        for position, job in plan.jobs:
            new = job(list(map(operator.itemgetter(position), values)))
            if new is not None:
                changed[position] = new
    except (errors.DataTypeError, errors.IntegrityError) as error:
        raise type(error)(f"Cannot insert into `{type(table).__name__}`: {error}") from None
    if not changed:
        return values
    columns = [changed.get(i) or list(map(operator.itemgetter(i), values)) for i in range(len(plan.names))]
    return list(zip(*columns))


# -- one column's work -------------------------------------------------------------------


def _is_nan(value: Any) -> bool:
    return type(value) in _FLOATS and value != value


#: from this many values on, numpy's vectorised test is faster than a Python loop
_NAN_SCAN_MIN = 32


def _has_nan(column: Sequence, kinds: set) -> bool:
    if kinds <= _REAL and len(column) >= _NAN_SCAN_MIN:
        try:
            return bool(np.isnan(np.array(column, dtype=np.float64)).any())
        except (OverflowError, TypeError, ValueError):
            pass
    return any(_is_nan(v) for v in column)


def _whole_numbers(attribute: Any, column: Sequence) -> list:
    """An integer column's floats as ints; a fraction is refused (the database would round it)."""
    values = []
    for value in column:
        if isinstance(value, float | np.floating):
            if not float(value).is_integer():
                raise errors.DataTypeError(
                    f"Attribute `{attribute.name}` ({attribute.type.core}) cannot take {value!r}: "
                    "expected an integer."
                )
            value = int(value)
        values.append(value)
    return values


def column_job(attribute: Any, dialect: Any, refuse_null: bool = False) -> ColumnJob | None:
    """The work one column's values need before the driver binds them, or None if none.

    NaN (pandas' missing value) becomes NULL where the driver would store NaN; an
    integer column's whole floats become ints (where the database does not refuse
    floats itself); then the attribute's encoder runs on every non-NULL value.
    ``refuse_null``: a NULL (or NaN) is refused here, for a key the database
    would number instead (``Dialect.rowid_key_type``).
    """
    adapt = encoder(attribute)
    integers = adapt is None and not dialect.strict_types and attribute.type.category == "int"
    nan = not dialect.stores_nan_as_null
    if adapt is None and not integers and not nan and not refuse_null:
        return None

    def job(column: Sequence) -> list | None:
        kinds = set(map(type, column))
        if refuse_null and (
            type(None) in kinds or (not kinds.isdisjoint(_FLOATS) and _has_nan(column, kinds))
        ):
            raise errors.IntegrityError(
                f"A non-nullable attribute received NULL: primary key attribute `{attribute.name}` "
                f"({attribute.type.core}) cannot be NULL."
            )
        new = None
        if nan and not kinds.isdisjoint(_FLOATS) and _has_nan(column, kinds):
            new = [None if _is_nan(v) else v for v in column]
            kinds.discard(float)
        if integers and any(issubclass(k, float | np.floating) for k in kinds):
            new = _whole_numbers(attribute, column if new is None else new)
        if adapt is not None:
            new = [None if v is None else adapt(v) for v in (column if new is None else new)]
        return new

    return job


# -- statements ---------------------------------------------------------------------------


def value_sql(table: Any, name: str) -> str:
    """The placeholder of one column: ``None`` (and NaN) take the attribute's default, as in DataJoint."""
    dialect = table.connection.dialect
    attribute = table.heading[name]
    if attribute.default is None:
        return dialect.placeholder
    default = dialect.escape_percent(default_expression(dialect, attribute.default, attribute.type.category))
    value = dialect.placeholder
    cast = dialect.parameter_cast(attribute.type)
    if cast:
        value = f"CAST({value} AS {cast})"
    return f"COALESCE({value}, {default})"


def _make_statements(table: Any, names: tuple[str, ...]) -> Statements:
    dialect = table.connection.dialect
    values = ", ".join(value_sql(table, name) for name in names)
    ref = table.full_table_name
    heading = table.heading
    copy = None
    # text COPY pays off for scalars; bytes would travel hex-escaped, twice their size
    if dialect.copy_sql and all(heading[n].default is None and not heading[n].is_blob for n in names):
        copy = dialect.copy_sql.format(table=ref, columns=", ".join(dialect.quote(n) for n in names))
    resync: tuple[tuple[str, tuple[str, str]], ...] = ()
    if dialect.auto_increment_resync:
        resync = tuple(
            (dialect.auto_increment_resync.format(table=ref, column=dialect.quote(name)), (ref, name))
            for name in names
            if heading[name].auto_increment
        )
    return Statements(
        insert=dialect.insert_sql(ref, names, values),
        ignore=dialect.insert_sql(ref, names, values, ignore=True),
        copy=copy,
        resync=resync,
    )

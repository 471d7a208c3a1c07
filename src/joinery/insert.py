"""Inserting and updating rows.

Rows of any accepted shape are normalised into groups of (attribute names,
value tuples); each group is checked once (unknown or missing attributes),
encoded column by column (only the columns whose type needs it), and written
with one ``executemany`` inside one transaction: a bad row leaves nothing of
the call behind. The database enforces types and keys; when it refuses a row,
the error is re-worded with the table and the attribute.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import errors
from .codecs import encode_value, encoder
from .errors import DataJointError
from .fetch import compiler_for

Group = tuple[tuple[str, ...], list[tuple]]


def _groups_from_dicts(rows: list[Mapping]) -> list[Group]:
    groups: dict[tuple[str, ...], list[tuple]] = {}
    first = tuple(rows[0].keys())
    first_set = set(first)
    getter = operator.itemgetter(*first)
    if all(len(row) == len(first) and row.keys() == first_set for row in rows):
        values = [getter(row) for row in rows] if len(first) > 1 else [(getter(row),) for row in rows]
        return [(first, values)]
    for row in rows:
        names = tuple(row.keys())
        groups.setdefault(names, []).append(tuple(row.values()))
    return list(groups.items())


def _normalise(table: Any, rows: Any) -> list[Group]:
    """Rows of any accepted shape as groups of (names, value tuples)."""
    heading = table.heading
    if isinstance(rows, np.ndarray) and rows.dtype.names:
        return [(tuple(rows.dtype.names), rows.tolist())]
    if type(rows).__name__ == "DataFrame":
        frame = rows.reset_index() if any(name is not None for name in rows.index.names) else rows
        return [(tuple(frame.columns), list(frame.itertuples(index=False, name=None)))]
    if isinstance(rows, Mapping):
        raise DataJointError("insert() takes a list of rows; use insert1() for a single dict.")
    rows = list(rows)
    if not rows:
        return []
    if all(isinstance(row, Mapping) for row in rows):
        return _groups_from_dicts(rows)
    if all(isinstance(row, np.void) for row in rows):
        return [(tuple(rows[0].dtype.names), [tuple(row.tolist()) for row in rows])]
    names = tuple(heading.names)
    values = []
    for row in rows:
        if isinstance(row, Mapping) or isinstance(row, (str, bytes)) or not isinstance(row, Sequence | np.ndarray):
            raise DataJointError(
                f"Cannot insert {row!r} into `{table.table_name}`: rows must all be dicts, or all sequences."
            )
        if len(row) != len(names):
            raise DataJointError(
                f"A row of `{table.table_name}` given as a sequence must have {len(names)} values "
                f"({', '.join(names)}), got {len(row)}: {row!r}."
            )
        values.append(tuple(row))
    return [(names, values)]


def _check_names(table: Any, names: tuple[str, ...], ignore_extra: bool) -> list[int]:
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
        a.name for a in heading
        if a.name not in given and not a.nullable and a.default is None and not a.auto_increment
    ]
    if missing:
        raise errors.MissingAttributeError(
            f"Rows for `{table.table_name}` lack required attribute(s) {missing}, which have no default."
        )
    return [i for i, name in enumerate(names) if name in heading]


def _encode_columns(table: Any, names: tuple[str, ...], values: list[tuple]) -> list[tuple]:
    adapters = [encoder(table.heading[name]) for name in names]
    if not any(adapters):
        return values
    columns = [list(col) for col in zip(*values)]
    for i, adapt in enumerate(adapters):
        if adapt is not None:
            columns[i] = [None if v is None else adapt(v) for v in columns[i]]
    return list(zip(*columns))


def _statement(table: Any, names: tuple[str, ...], replace: bool, skip_duplicates: bool) -> str:
    dialect = table.connection.dialect
    quote = dialect.quote
    sql = (
        f"INSERT INTO {table.full_table_name} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({dialect.placeholders(len(names))})"
    )
    return sql + _conflict_clause(table, names, replace, skip_duplicates)


def _conflict_clause(table: Any, names: tuple[str, ...], replace: bool, skip_duplicates: bool) -> str:
    dialect = table.connection.dialect
    quote = dialect.quote
    if replace:
        secondary = [n for n in names if n not in table.primary_key]
        if not secondary:
            return dialect.on_conflict_ignore
        assignments = ", ".join(dialect.upsert_assignment.format(c=quote(n)) for n in secondary)
        key = ", ".join(quote(k) for k in table.primary_key)
        return dialect.upsert_template.format(key=key, assignments=assignments)
    return dialect.on_conflict_ignore if skip_duplicates else ""


def _check_direct_insert(table: Any, allow: bool | None) -> None:
    if getattr(table, "_allows_direct_insert", True) or allow:
        return
    from .populate import inside_make_of

    if not inside_make_of(table):
        raise DataJointError(
            f"Inserts into the auto-populated table `{type(table).__name__}` are made by its make() during "
            "populate(). To insert directly anyway, pass allow_direct_insert=True."
        )


def insert_rows(table: Any, rows: Any, *, replace: bool = False, skip_duplicates: bool = False,
                ignore_extra_fields: bool = False, allow_direct_insert: bool | None = None) -> None:
    """Insert ``rows`` into ``table``: all of them, or none."""
    _check_direct_insert(table, allow_direct_insert)
    from .populate import buffered_insert

    if buffered_insert(table, rows, replace, skip_duplicates, ignore_extra_fields):
        return
    if hasattr(rows, "_node") or (isinstance(rows, type) and hasattr(rows, "heading")):
        _insert_query(table, rows() if isinstance(rows, type) else rows, replace, skip_duplicates,
                       ignore_extra_fields)
        return
    connection = table.connection
    groups = _normalise(table, rows)
    with connection.atomic():
        for names, values in groups:
            keep = _check_names(table, names, ignore_extra_fields)
            if len(keep) != len(names):
                names = tuple(names[i] for i in keep)
                values = [tuple(row[i] for i in keep) for row in values]
            encoded = _encode_columns(table, names, values)
            try:
                connection.executemany(_statement(table, names, replace, skip_duplicates), encoded)
            except errors.DataJointError as error:
                raise _explain(table, error) from error
            except (TypeError, ValueError, OverflowError) as error:
                raise errors.DataTypeError(f"Cannot insert into `{table.table_name}`: {error}.") from error


def _insert_query(table: Any, query: Any, replace: bool, skip_duplicates: bool, ignore_extra: bool) -> None:
    names = tuple(query.heading.names)
    keep = _check_names(table, names, ignore_extra)
    names = tuple(names[i] for i in keep)
    compiler = compiler_for(query)
    select, params = compiler.render(compiler.select(query._node), list(names))
    quote = table.connection.dialect.quote
    sql = (
        f"INSERT INTO {table.full_table_name} ({', '.join(quote(n) for n in names)}) "
        f"SELECT * FROM ({select}) AS _src WHERE 1 = 1"
        + _conflict_clause(table, names, replace, skip_duplicates)
    )
    with table.connection.atomic():
        try:
            table.connection.query(sql, params)
        except errors.DataJointError as error:
            raise _explain(table, error) from error


def _explain(table: Any, error: errors.DataJointError) -> errors.DataJointError:
    """The same error class, its message saying which table refused the rows."""
    message = str(error)
    return type(error)(f"Insert into `{type(table).__name__}` ({table.full_table_name}) failed: {message}")


def update_row(table: Any, row: Mapping) -> None:
    """``update1``: set secondary attributes of the one row with this primary key."""
    heading = table.heading
    if not isinstance(row, Mapping):
        raise DataJointError("update1() takes a dict with the primary key and the attributes to change.")
    missing = [k for k in table.primary_key if k not in row]
    if missing:
        raise DataJointError(f"update1() needs the full primary key; missing {missing}.")
    unknown = [k for k in row if k not in heading]
    if unknown:
        raise errors.UnknownAttributeError(f"`{table.table_name}` has no attribute(s) {unknown}.")
    changes = [k for k in row if k not in table.primary_key]
    if not changes:
        raise DataJointError("update1() got no secondary attributes to change.")
    key = {k: row[k] for k in table.primary_key}
    if len(table & key) != 1:
        raise DataJointError(f"update1() can only update an existing row; no row of `{table.table_name}` has key {key}.")
    dialect = table.connection.dialect
    quote = dialect.quote
    sets = ", ".join(f"{quote(k)} = {dialect.placeholder}" for k in changes)
    where = " AND ".join(f"{quote(k)} = {dialect.placeholder}" for k in table.primary_key)
    params = [encode_value(heading[k], row[k]) for k in changes] + [
        encode_value(heading[k], row[k]) for k in table.primary_key
    ]
    with table.connection.atomic():
        try:
            table.connection.query(f"UPDATE {table.full_table_name} SET {sets} WHERE {where}", params)
        except errors.DataJointError as error:
            raise _explain(table, error) from error

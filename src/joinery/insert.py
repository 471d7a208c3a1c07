"""Inserting and updating rows.

Rows of any accepted shape are normalised into groups of (attribute names,
value tuples); each group is checked once (unknown or missing attributes),
encoded column by column (only the columns whose type needs it), and written
with one ``executemany`` inside one transaction: a bad row leaves nothing of
the call behind. The database enforces types and keys; when it refuses a row,
the error is re-worded with the table and the attribute.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import errors
from .codecs import encode_value, encoder
from .engine.errors import constraint_column
from .errors import DataJointError
from .fetch import compiler_for
from .misfit import find_misfit
from .sql.ddl import default_expression

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
        if isinstance(row, (Mapping, str, bytes)) or not isinstance(row, Sequence | np.ndarray):
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
        a.name
        for a in heading
        if a.name not in given and not a.nullable and a.default is None and not a.auto_increment
    ]
    if missing:
        raise errors.MissingAttributeError(
            f"Rows for `{table.table_name}` lack required attribute(s) {missing}, which have no default."
        )
    return [i for i, name in enumerate(names) if name in heading]


_FLOATS = (float, np.float64, np.float32, np.float16)


def _is_nan(value: Any) -> bool:
    return type(value) in _FLOATS and value != value


def _nan_to_null(columns: list[list]) -> bool:
    """Missing values (NaN, as pandas writes them) become NULL in place; True if there were any."""
    found = False
    for i, column in enumerate(columns):
        if any(_is_nan(v) for v in column):
            columns[i] = [None if _is_nan(v) else v for v in column]
            found = True
    return found


def _refuse_fractions(attribute: Any) -> Any:
    """An adapter refusing 1.5 for an integer, where the database would round it silently."""

    def check(value: Any) -> Any:
        if isinstance(value, float | np.floating) and not float(value).is_integer():
            raise errors.DataTypeError(
                f"Attribute `{attribute.name}` ({attribute.type.core}) cannot take {value!r}: expected an integer."
            )
        return value

    return check


def _adapters(table: Any, names: tuple[str, ...]) -> list:
    """The encoder of each column; integers are checked in Python where the database would round them."""
    adapters = [encoder(table.heading[name]) for name in names]
    if not table.connection.dialect.strict_types:
        for i, name in enumerate(names):
            if adapters[i] is None and table.heading[name].type.category == "int":
                adapters[i] = _refuse_fractions(table.heading[name])
    return adapters


def _encode_columns(table: Any, names: tuple[str, ...], values: list[tuple]) -> list[tuple]:
    adapters = _adapters(table, names)
    columns: list[list] = []
    nan_found = False
    if not table.connection.dialect.stores_nan_as_null and values:
        columns = [list(col) for col in zip(*values)]
        nan_found = _nan_to_null(columns)
    if not any(adapters):
        return list(zip(*columns)) if nan_found else values
    columns = columns or [list(col) for col in zip(*values)]
    try:
        for i, adapt in enumerate(adapters):
            if adapt is not None:
                columns[i] = [None if v is None else adapt(v) for v in columns[i]]
    except errors.DataTypeError as error:
        raise errors.DataTypeError(f"Cannot insert into `{type(table).__name__}`: {error}") from None
    return list(zip(*columns))


def _value_sql(table: Any, name: str) -> str:
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


def _statement(table: Any, names: tuple[str, ...], skip_duplicates: bool) -> str:
    values = ", ".join(_value_sql(table, name) for name in names)
    return table.connection.dialect.insert_sql(table.full_table_name, names, values, ignore=skip_duplicates)


def _key_condition(table: Any) -> str:
    dialect = table.connection.dialect
    return " AND ".join(f"{dialect.quote(k)} = {dialect.placeholder}" for k in table.primary_key)


def _delete_replaced(table: Any, names: tuple[str, ...], values: list[tuple]) -> None:
    """``replace=True`` replaces whole rows, as MySQL's REPLACE does: rows with the same key go first.

    Attributes left out of the new row take their defaults; a row that other
    tables still reference cannot be replaced (IntegrityError).
    """
    if not set(table.primary_key) <= set(names):
        return
    positions = [names.index(k) for k in table.primary_key]
    keys = [tuple(row[i] for i in positions) for row in values]
    table.connection.executemany(f"DELETE FROM {table.full_table_name} WHERE {_key_condition(table)}", keys)


def _check_direct_insert(table: Any, allow: bool | None) -> None:
    if getattr(table, "_allows_direct_insert", True) or allow:
        return
    from .populate import inside_make_of

    if not inside_make_of(table):
        raise DataJointError(
            f"Inserts into the auto-populated table `{type(table).__name__}` are made by its make() during "
            "populate(). To insert directly anyway, pass allow_direct_insert=True."
        )


def insert_rows(
    table: Any,
    rows: Any,
    *,
    replace: bool = False,
    skip_duplicates: bool = False,
    ignore_extra_fields: bool = False,
    allow_direct_insert: bool | None = None,
) -> None:
    """Insert ``rows`` into ``table``: all of them, or none."""
    _check_direct_insert(table, allow_direct_insert)
    from .populate import buffered_insert

    if buffered_insert(table, rows, replace, skip_duplicates, ignore_extra_fields):
        return
    if hasattr(rows, "_node") or (isinstance(rows, type) and hasattr(rows, "heading")):
        _insert_query(
            table, rows() if isinstance(rows, type) else rows, replace, skip_duplicates, ignore_extra_fields
        )
        return
    groups = prepare_groups(table, rows, ignore_extra_fields)
    with table.connection.atomic():
        for names, encoded in groups:
            write_group(table, names, encoded, replace, skip_duplicates)


def prepare_groups(table: Any, rows: Any, ignore_extra: bool) -> list[tuple[tuple[str, ...], list[tuple]]]:
    """Rows checked (unknown, missing attributes) and encoded, grouped by attribute names; nothing written."""
    groups = []
    for names, values in _normalise(table, rows):
        keep = _check_names(table, names, ignore_extra)
        if len(keep) != len(names):
            names = tuple(names[i] for i in keep)
            values = [tuple(row[i] for i in keep) for row in values]
        try:
            groups.append((names, _encode_columns(table, names, values)))
        except (TypeError, ValueError, OverflowError) as error:
            raise errors.DataTypeError(f"Cannot insert into `{type(table).__name__}`: {error}.") from error
    return groups


def write_group(
    table: Any, names: tuple[str, ...], encoded: list[tuple], replace: bool, skip_duplicates: bool
) -> None:
    """One ``executemany`` for rows sharing their attribute names; database refusals re-worded."""
    try:
        if replace:
            _delete_replaced(table, names, encoded)
        table.connection.executemany(_statement(table, names, skip_duplicates and not replace), encoded)
        _resync_auto_increment(table, names)
    except errors.DataJointError as error:
        raise _explain(table, error, names, encoded) from error
    except OverflowError as error:
        raise _out_of_range(table, names, encoded) from error
    except (TypeError, ValueError) as error:
        misfit = find_misfit(table.heading, names, encoded)
        raise errors.DataTypeError(
            f"Cannot insert into `{type(table).__name__}`: {error}." + (f" {misfit}" if misfit else "")
        ) from error


def _resync_auto_increment(table: Any, names: tuple[str, ...]) -> None:
    """After explicit values for an auto_increment key, let the next number follow the largest (as MySQL does)."""
    template = table.connection.dialect.auto_increment_resync
    if template is None:
        return
    for name in names:
        if table.heading[name].auto_increment:
            quote = table.connection.dialect.quote
            sql = template.format(table=table.full_table_name, column=quote(name))
            table.connection.query(sql, (table.full_table_name, name))


def insert_chunks(table: Any, rows: Any, chunk_size: int, **options: Any) -> None:
    """Insert ``rows`` ``chunk_size`` at a time, each chunk in its own transaction."""
    if hasattr(rows, "_node") or isinstance(rows, type):
        raise DataJointError("chunk_size is not supported when inserting from a query.")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise DataJointError(f"chunk_size must be a positive integer, not {chunk_size!r}.")
    if type(rows).__name__ == "DataFrame":
        rows = (rows.iloc[i : i + chunk_size] for i in range(0, len(rows), chunk_size))
        for chunk in rows:
            insert_rows(table, chunk, **options)
        return
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, chunk_size)):
        insert_rows(table, chunk, **options)


def _insert_query(table: Any, query: Any, replace: bool, skip_duplicates: bool, ignore_extra: bool) -> None:
    """``insert(Other & cond)``: one ``INSERT ... SELECT``, never a round trip through Python."""
    names = tuple(query.heading.names)
    keep = _check_names(table, names, ignore_extra)
    names = tuple(names[i] for i in keep)
    compiler = compiler_for(query)
    select, params = compiler.render(compiler.select(query._node), list(names))
    quote = table.connection.dialect.quote
    columns = ", ".join(quote(n) for n in names)
    dialect = table.connection.dialect
    ignore = skip_duplicates and not replace
    verb = dialect.insert_ignore_verb if ignore else "INSERT"
    # `WHERE 1 = 1` keeps SQLite from reading ON CONFLICT as part of the SELECT's join
    sql = f"{verb} INTO {table.full_table_name} ({columns}) SELECT * FROM ({select}) AS _src WHERE 1 = 1"
    if ignore:
        sql += dialect.ignore_clause(table.full_table_name, names[0])
    with table.connection.atomic():
        try:
            if replace and set(table.primary_key) <= set(names):
                key = ", ".join(quote(k) for k in table.primary_key)
                key_select, key_params = compiler.render(
                    compiler.select(query._node), list(table.primary_key)
                )
                target = f"({key})" if len(table.primary_key) > 1 else key
                table.connection.query(
                    f"DELETE FROM {table.full_table_name} WHERE {target} IN (SELECT * FROM ({key_select}) AS _old)",
                    key_params,
                )
            table.connection.query(sql, params)
        except errors.DataJointError as error:
            raise _explain(table, error, names) from error


def _explain(
    table: Any, error: errors.DataJointError, names: tuple[str, ...] = (), rows: Sequence = ()
) -> errors.DataJointError:
    """The same error class, its message saying which table and attribute refused the rows, and what to do."""
    message = f"Cannot insert into `{type(table).__name__}` ({table.full_table_name}): {error}"
    column = constraint_column(error, names)
    if column not in table.heading and isinstance(error, errors.DataTypeError):
        misfit = find_misfit(table.heading, names, rows)
        if misfit:
            return type(error)(f"{message} {misfit}")
    if column in table.heading:
        attribute = table.heading[column]
        null = "nullable" if attribute.nullable else "not nullable"
        message += f" Attribute `{column}` is declared as {attribute.type.core} ({null})."
    if isinstance(error, errors.DuplicateError):
        message += " To skip rows whose key exists, pass skip_duplicates=True."
    elif isinstance(error, errors.IntegrityError) and "foreign key" in str(error).lower():
        message += _parents_hint(table)
    return type(error)(message)


def _parents_hint(table: Any) -> str:
    catalog = table.connection.catalog
    try:
        foreign_keys = catalog.foreign_keys(table.database, table.table_name)
    except errors.DataJointError:
        return ""  # PostgreSQL reads nothing more in a failed transaction; its message names the key
    parents = [f"{fk.parent_schema}.{fk.parent_table}" for fk in foreign_keys]
    if not parents:
        return ""
    return f" Each row must reference existing rows of {', '.join(parents)}; insert those first."


def _out_of_range(table: Any, names: tuple[str, ...], rows: list[tuple]) -> errors.DataTypeError:
    """Name the attribute whose integer is beyond the 64-bit range the database stores."""
    low, high = -(2**63), 2**63 - 1
    for position, name in enumerate(names):
        for row in rows:
            value = row[position]
            if isinstance(value, int) and not low <= value <= high:
                return errors.DataTypeError(
                    f"Cannot insert into `{type(table).__name__}`: attribute `{name}` "
                    f"({table.heading[name].type.core}) got {value}, outside the range this database stores "
                    f"({low} .. {high})."
                )
    return errors.DataTypeError(f"Cannot insert into `{type(table).__name__}`: an integer is out of range.")


def update_row(table: Any, row: Mapping) -> None:
    """``update1``: set secondary attributes of the one row with this primary key.

    ``None`` resets an attribute to its default (NULL when it has none), as in DataJoint.
    """
    heading = table.heading
    name = type(table).__name__
    if not isinstance(row, Mapping):
        raise DataJointError("update1() takes a dict with the primary key and the attributes to change.")
    missing = [k for k in table.primary_key if k not in row]
    if missing:
        raise DataJointError(f"update1() of `{name}` needs the full primary key; missing {missing}.")
    unknown = [k for k in row if k not in heading]
    if unknown:
        raise errors.UnknownAttributeError(
            f"`{name}` has no attribute(s) {unknown}; its attributes are {heading.names}."
        )
    if table.is_restricted:
        raise DataJointError(
            "update1() cannot be applied to a restricted table: call it on the table itself."
        )
    changes = tuple(k for k in row if k not in table.primary_key)
    if not changes:
        raise DataJointError(
            f"update1() of `{name}` got no secondary attribute to change. Primary-key attributes identify "
            "the row and cannot be updated: delete the row and insert it with the new key."
        )
    key = {k: row[k] for k in table.primary_key}
    if len(table & key) != 1:
        raise DataJointError(
            f"update1() can only update an existing row; `{name}` has no row with key {key}."
        )
    sets = ", ".join(f"{table.connection.dialect.quote(k)} = {_value_sql(table, k)}" for k in changes)
    params = [encode_value(heading[k], row[k]) for k in changes + tuple(table.primary_key)]
    with table.connection.atomic():
        try:
            table.connection.query(
                f"UPDATE {table.full_table_name} SET {sets} WHERE {_key_condition(table)}", params
            )
        except errors.DataJointError as error:
            raise _explain(table, error, changes) from error
        except (TypeError, ValueError, OverflowError) as error:
            raise errors.DataTypeError(f"Cannot update `{name}`: {error}.") from error

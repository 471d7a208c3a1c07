"""Inserting and updating rows.

Rows of any accepted shape are normalised into groups of (attribute names,
value tuples); each group is checked once (unknown or missing attributes),
encoded column by column (only the columns whose type needs it; see
``insert_plan.py``, which caches that work per table), and written with one
``executemany`` (or the dialect's bulk load) inside one transaction: a bad row
leaves nothing of the call behind. One row outside a transaction is one
statement, atomic by itself, so it goes without BEGIN/COMMIT. The database
enforces types and keys; when it refuses a row, the error is re-worded with the
table and the attribute.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import errors
from .codecs import encode_value
from .engine.errors import constraint_column
from .errors import DataJointError
from .fetch import compiler_for
from .insert_plan import Statements, check_names, column_job, encode_rows, plan_for, statements, value_sql
from .make_runner import buffered_insert
from .misfit import find_misfit

Group = tuple[tuple[str, ...], list[tuple]]

#: fewer rows than this go by INSERT even where the dialect offers a bulk load (COPY)
BULK_LOAD_MIN_ROWS = 1000


def _groups_from_dicts(rows: list[dict]) -> list[Group]:
    """Plain dicts as groups; the common case (every row has the first row's keys) in C-speed passes."""
    first = tuple(rows[0])
    if first and len(set(map(len, rows))) == 1:
        getter = operator.itemgetter(*first)
        try:
            values = list(map(getter, rows))
        except KeyError:
            pass  # some row has other keys: group them below
        else:
            return [(first, values if len(first) > 1 else [(v,) for v in values])]
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(tuple(row.values()))
    return list(groups.items())


def _groups_from_mappings(rows: list[Mapping]) -> list[Group]:
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for row in rows:
        groups.setdefault(tuple(row.keys()), []).append(tuple(row.values()))
    return list(groups.items())


def _normalise(table: Any, rows: Any) -> list[Group]:
    """Rows of any accepted shape as groups of (names, value tuples)."""
    if isinstance(rows, np.ndarray) and rows.dtype.names:
        return [(tuple(rows.dtype.names), rows.tolist())]
    if type(rows).__name__ == "DataFrame":
        frame = rows.reset_index() if any(name is not None for name in rows.index.names) else rows
        return [(tuple(frame.columns), list(frame.itertuples(index=False, name=None)))]
    if isinstance(rows, Mapping):
        raise DataJointError("insert() takes a list of rows; use insert1() for a single dict.")
    rows = rows if type(rows) in (list, tuple) else list(rows)
    if not rows:
        return []
    kinds = set(map(type, rows))
    if kinds == {dict}:
        return _groups_from_dicts(rows)
    if all(isinstance(row, Mapping) for row in rows):
        return _groups_from_mappings(rows)
    if kinds == {np.void}:
        return [(tuple(rows[0].dtype.names), [tuple(row.tolist()) for row in rows])]
    return [(tuple(table.heading.names), _sequences(table, rows))]


def _sequences(table: Any, rows: Sequence) -> list[tuple]:
    """Rows given as sequences (in heading order), each checked for its length."""
    names = table.heading.names
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
    return values


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
    from .make_runner import inside_make_of

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
    if buffered_insert(table, rows, replace, skip_duplicates, ignore_extra_fields):
        return
    if hasattr(rows, "_node") or (isinstance(rows, type) and hasattr(rows, "heading")):
        _insert_query(
            table, rows() if isinstance(rows, type) else rows, replace, skip_duplicates, ignore_extra_fields
        )
        return
    groups = prepare_groups(table, rows, ignore_extra_fields)
    if len(groups) == 1 and len(groups[0][1]) == 1 and not replace and not table.connection.in_transaction:
        sql = statements(table, groups[0][0])
        if not sql.resync:  # one single-row statement: atomic by itself, no BEGIN/COMMIT needed
            write_group(table, *groups[0], replace, skip_duplicates, sql)
            return
    with table.connection.atomic():
        for names, encoded in groups:
            write_group(table, names, encoded, replace, skip_duplicates)


def prepare_groups(table: Any, rows: Any, ignore_extra: bool) -> list[Group]:
    """Rows checked (unknown, missing attributes) and encoded, grouped by attribute names; nothing written."""
    groups = []
    for given, values in _normalise(table, rows):
        plan = plan_for(table, given, ignore_extra)
        if plan.keep is not None:
            values = [tuple(row[i] for i in plan.keep) for row in values]
        try:
            groups.append((plan.names, encode_rows(table, plan, values)))
        except (TypeError, ValueError, OverflowError) as error:
            raise errors.DataTypeError(f"Cannot insert into `{type(table).__name__}`: {error}.") from error
    return groups


def write_group(
    table: Any,
    names: tuple[str, ...],
    encoded: list[tuple],
    replace: bool,
    skip_duplicates: bool,
    sql: Statements | None = None,
) -> None:
    """Rows sharing their attribute names in one statement (or one bulk load); refusals re-worded."""
    sql = sql or statements(table, names)
    connection = table.connection
    try:
        if replace:
            _delete_replaced(table, names, encoded)
        if len(encoded) == 1:
            connection.query(sql.ignore if skip_duplicates and not replace else sql.insert, encoded[0])
        elif sql.copy and not skip_duplicates and not replace and len(encoded) >= BULK_LOAD_MIN_ROWS:
            connection.executemany(sql.copy, encoded)
        else:
            connection.executemany(sql.ignore if skip_duplicates and not replace else sql.insert, encoded)
        for statement, params in sql.resync:
            connection.query(statement, params)
    except errors.DataJointError as error:
        raise _explain(table, error, names, encoded) from error
    except OverflowError as error:
        raise _out_of_range(table, names, encoded) from error
    except (TypeError, ValueError) as error:
        misfit = find_misfit(table.heading, names, encoded)
        raise errors.DataTypeError(
            f"Cannot insert into `{type(table).__name__}`: {error}." + (f" {misfit}" if misfit else "")
        ) from error


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
    keep = check_names(table, names, ignore_extra)
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


def _encode_one(table: Any, attribute: Any, value: Any) -> Any:
    """One value through its column's insert work (see ``insert_plan.column_job``)."""
    job = column_job(attribute, table.connection.dialect)
    if job is None:
        return encode_value(attribute, value)
    new = job([value])
    return value if new is None else new[0]


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
    sets = ", ".join(f"{table.connection.dialect.quote(k)} = {value_sql(table, k)}" for k in changes)
    try:
        # the same checks as an insert: NaN is NULL, 1.5 is refused for an integer, codecs encode
        values = [_encode_one(table, heading[k], row[k]) for k in changes]
    except errors.DataTypeError as error:
        raise errors.DataTypeError(f"Cannot update `{name}`: {error}") from None
    params = [*values, *(encode_value(heading[k], row[k]) for k in table.primary_key)]
    with table.connection.atomic():
        try:
            table.connection.query(
                f"UPDATE {table.full_table_name} SET {sets} WHERE {_key_condition(table)}", params
            )
        except errors.DataJointError as error:
            raise _explain(table, error, changes) from error
        except (TypeError, ValueError, OverflowError) as error:
            raise errors.DataTypeError(f"Cannot update `{name}`: {error}.") from error

"""Mapping driver exceptions onto joinery's error classes.

Each backend words its errors differently; this is the one place that reads
them, so the layers above catch :mod:`joinery.errors` classes on every backend.
A translated error carries the column the database named (``error.column``),
so that the insert layer can say which attribute refused a value.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from .. import errors

_DUPLICATE = "Duplicate entry: a row with the same key exists"
_FOREIGN_KEY = (
    "Foreign key constraint failed: the referenced parent row does not exist, "
    "or dependent rows still refer to this row"
)
_NOT_NULL = "A non-nullable attribute received NULL"
_BAD_VALUE = "A value does not fit its attribute's declared type"

Rule = tuple[Any, type[errors.DataJointError], str]

_SQLITE_RULES: tuple[Rule, ...] = (
    ("UNIQUE constraint failed", errors.DuplicateError, _DUPLICATE),
    ("PRIMARY KEY must be unique", errors.DuplicateError, _DUPLICATE),
    ("FOREIGN KEY constraint failed", errors.IntegrityError, _FOREIGN_KEY),
    ("NOT NULL constraint failed", errors.IntegrityError, _NOT_NULL),
    ("CHECK constraint failed", errors.DataTypeError, _BAD_VALUE),
    ("cannot store", errors.DataTypeError, "A value has the wrong type for its attribute"),
    ("Error binding parameter", errors.DataTypeError, "A value has a type the database cannot store"),
    ("no such table", errors.MissingTableError, "The table does not exist"),
    ("no such column", errors.UnknownAttributeError, "Unknown attribute"),
    ("syntax error", errors.QuerySyntaxError, "SQL syntax error"),
    ("database is locked", errors.QueryError, "The database stayed locked by another process for too long"),
)

#: PostgreSQL SQLSTATE classes and codes
_POSTGRES_RULES: tuple[Rule, ...] = (
    ("23505", errors.DuplicateError, _DUPLICATE),
    ("23503", errors.IntegrityError, _FOREIGN_KEY),
    ("23502", errors.IntegrityError, _NOT_NULL),
    ("23514", errors.DataTypeError, _BAD_VALUE),
    ("42804", errors.DataTypeError, "A value has the wrong type for its attribute"),
    ("42846", errors.DataTypeError, "A value has the wrong type for its attribute"),
    ("22", errors.DataTypeError, _BAD_VALUE),  # data exceptions: too long, out of range, bad format
    ("42P01", errors.MissingTableError, "The table does not exist"),
    ("3F000", errors.MissingTableError, "The schema does not exist"),
    ("42703", errors.UnknownAttributeError, "Unknown attribute"),
    ("42601", errors.QuerySyntaxError, "SQL syntax error"),
    ("42501", errors.AccessError, "The database user lacks a privilege"),
    ("40P01", errors.DeadlockError, "Deadlock: the transaction was rolled back"),
    ("08", errors.LostConnectionError, "The connection to the server was lost"),
    ("57P", errors.LostConnectionError, "The server closed the connection"),
)

#: MySQL / MariaDB error numbers
_MYSQL_RULES: tuple[Rule, ...] = (
    (1062, errors.DuplicateError, _DUPLICATE),
    (1451, errors.IntegrityError, _FOREIGN_KEY),
    (1452, errors.IntegrityError, _FOREIGN_KEY),
    (1048, errors.IntegrityError, _NOT_NULL),
    (1364, errors.MissingAttributeError, "A value is missing for an attribute without a default"),
    (1406, errors.DataTypeError, _BAD_VALUE),
    (1264, errors.DataTypeError, _BAD_VALUE),
    (1265, errors.DataTypeError, _BAD_VALUE),
    (1366, errors.DataTypeError, _BAD_VALUE),
    (1292, errors.DataTypeError, _BAD_VALUE),
    (3819, errors.DataTypeError, _BAD_VALUE),
    (4025, errors.DataTypeError, _BAD_VALUE),
    (1241, errors.DataTypeError, "A value has the wrong type for its attribute"),
    (1146, errors.MissingTableError, "The table does not exist"),
    (1049, errors.MissingTableError, "The schema does not exist"),
    (1054, errors.UnknownAttributeError, "Unknown attribute"),
    (1064, errors.QuerySyntaxError, "SQL syntax error"),
    (1142, errors.AccessError, "The database user lacks a privilege"),
    (1044, errors.AccessError, "The database user lacks a privilege"),
    (1205, errors.QueryError, "Lock wait timeout: another transaction held the rows too long"),
    (1213, errors.DeadlockError, "Deadlock: the transaction was rolled back"),
    (2006, errors.LostConnectionError, "The connection to the server was lost"),
    (2013, errors.LostConnectionError, "The connection to the server was lost"),
)


def _with_column(error: errors.DataJointError, column: str | None) -> errors.DataJointError:
    error.column = column  # type: ignore[attr-defined]
    return error


def translate_sqlite(error: sqlite3.Error, sql: str = "") -> Exception:
    """A joinery error for an ``sqlite3`` exception (or the exception itself)."""
    message = str(error)
    for needle, cls, explanation in _SQLITE_RULES:
        if needle in message:
            return _with_column(cls(f"{explanation} ({message})."), _sqlite_column(message))
    if isinstance(error, sqlite3.OperationalError):
        return errors.QueryError(f"{message}. SQL: {_shorten(sql)}")
    return error


def _sqlite_column(message: str) -> str | None:
    match = re.search(r"(?:constraint failed: |value in \w+ column )([^\s,)]+)", message)
    return match.group(1).rsplit(".", 1)[-1].strip('"') if match else None


def translate_postgres(error: Any, sql: str = "") -> Exception:
    """A joinery error for a psycopg exception (or the exception itself)."""
    state = getattr(error, "sqlstate", None) or ""
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    diag = getattr(error, "diag", None)
    detail = getattr(diag, "message_detail", None)
    if detail:
        message = f"{message}; {detail}"
    column = getattr(diag, "column_name", None) or getattr(diag, "constraint_name", None)
    for prefix, cls, explanation in _POSTGRES_RULES:
        if state.startswith(prefix):
            return _with_column(cls(f"{explanation} ({message})."), column or _quoted_column(message))
    if type(error).__name__ in ("ProgrammingError", "DataError") and not state:
        # raised by psycopg itself before sending: a value it cannot adapt (a dict, an array ...)
        return errors.DataTypeError(f"A value has a type the database cannot store ({message}).")
    if not state and type(error).__name__ in ("OperationalError", "InterfaceError"):
        return errors.LostConnectionError(f"The connection to the server was lost ({message}).")
    return errors.QueryError(f"{message}. SQL: {_shorten(sql)}")


def translate_mysql(error: Any, sql: str = "") -> Exception:
    """A joinery error for a PyMySQL exception (or the exception itself)."""
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    message = str(error.args[-1]) if error.args else type(error).__name__
    for number, cls, explanation in _MYSQL_RULES:
        if code == number:
            return _with_column(cls(f"{explanation} ({message})."), _quoted_column(message))
    if type(error).__name__ == "InterfaceError":
        return errors.LostConnectionError(f"The connection to the server was lost ({message}).")
    return errors.QueryError(f"{message}. SQL: {_shorten(sql)}")


def _quoted_column(message: str) -> str | None:
    """The column a server message names: ``column 'x'``, ``Column "x"``, ``CONSTRAINT `x```."""
    match = re.search(r"[Cc]olumn [`'\"]([^`'\"]+)[`'\"]|CONSTRAINT [`'\"]([^`'\"]+)[`'\"]", message)
    if not match:
        return None
    return (match.group(1) or match.group(2)).rsplit(".", 1)[-1]


def constraint_column(error: Exception, names: Sequence[str] = ()) -> str | None:
    """The column a translated database error names, if any.

    ``names`` are the statement's columns in parameter order, to name the column
    of an SQLite "Error binding parameter N" message.
    """
    column = getattr(error, "column", None)
    if column:
        return column
    match = re.search(r"Error binding parameter :?(\d+)", str(error))
    if match and 0 < int(match.group(1)) <= len(names):
        return names[int(match.group(1)) - 1]
    return None


def _shorten(sql: str, limit: int = 300) -> str:
    return sql if len(sql) <= limit else sql[:limit] + " ..."

"""Mapping driver exceptions onto joinery's error classes.

Each backend words its errors differently; this is the one place that reads
them, so the layers above catch :mod:`joinery.errors` classes on every backend.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from .. import errors

_SQLITE_RULES: tuple[tuple[str, type[errors.DataJointError], str], ...] = (
    ("UNIQUE constraint failed", errors.DuplicateError, "Duplicate entry: a row with the same key exists"),
    ("PRIMARY KEY must be unique", errors.DuplicateError, "Duplicate entry: a row with the same key exists"),
    (
        "FOREIGN KEY constraint failed",
        errors.IntegrityError,
        "Foreign key constraint failed: the referenced parent row does not exist, "
        "or dependent rows still refer to this row",
    ),
    ("NOT NULL constraint failed", errors.IntegrityError, "A non-nullable attribute received NULL"),
    ("CHECK constraint failed", errors.DataTypeError, "A value does not fit its attribute's declared type"),
    ("cannot store", errors.DataTypeError, "A value has the wrong type for its attribute"),
    ("Error binding parameter", errors.DataTypeError, "A value has a type the database cannot store"),
    ("no such table", errors.MissingTableError, "The table does not exist"),
    ("no such column", errors.UnknownAttributeError, "Unknown attribute"),
    ("syntax error", errors.QuerySyntaxError, "SQL syntax error"),
    ("database is locked", errors.QueryError, "The database stayed locked by another process for too long"),
)


def translate_sqlite(error: sqlite3.Error, sql: str = "") -> Exception:
    """A joinery error for an ``sqlite3`` exception (or the exception itself)."""
    message = str(error)
    for needle, cls, explanation in _SQLITE_RULES:
        if needle in message:
            return cls(f"{explanation} ({message}).")
    if isinstance(error, sqlite3.OperationalError):
        return errors.QueryError(f"{message}. SQL: {_shorten(sql)}")
    return error


def constraint_column(error: Exception, names: Sequence[str] = ()) -> str | None:
    """The column an SQLite error message names (``t.col`` -> ``col``), if any.

    ``names`` are the statement's columns in parameter order, to name the column
    of an "Error binding parameter N" message.
    """
    message = str(error)
    match = re.search(r"(?:constraint failed: |value in \w+ column )([^\s,)]+)", message)
    if match:
        return match.group(1).rsplit(".", 1)[-1].strip('"')
    match = re.search(r"Error binding parameter :?(\d+)", message)
    if match and 0 < int(match.group(1)) <= len(names):
        return names[int(match.group(1)) - 1]
    return None


def _shorten(sql: str, limit: int = 300) -> str:
    return sql if len(sql) <= limit else sql[:limit] + " ..."

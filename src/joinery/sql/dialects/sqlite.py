"""SQLite: the embedded default.

Every schema lives in one database file (SQLite enforces foreign keys only within
one file), so a schema becomes a prefix of the table name: ``"tutorial.#image"``.
Tables are ``STRICT``; ``CHECK`` constraints add what SQLite's five storage
classes cannot say (string lengths, enum members, integer ranges). Dates and
times are ISO-8601 text, which sorts and compares correctly as text.
"""

from __future__ import annotations

from ...definition.spec import TypeSpec
from .base import Dialect, integer_range, quote_literal

# "INT", not "INTEGER": a one-column `INTEGER PRIMARY KEY` is SQLite's rowid, which silently
# numbers a NULL key instead of refusing it. Only one-column integer keys are declared INTEGER
# (``rowid_key_type``), and inserts refuse their NULLs before SQLite sees them.
_STORAGE = {
    "int": "INT",
    "bool": "INT",
    "float": "REAL",
    "decimal": "TEXT",
    "string": "TEXT",
    "enum": "TEXT",
    "uuid": "BLOB",
    "json": "TEXT",
    "bytes": "BLOB",
    "blob": "BLOB",
    "date": "TEXT",
    "datetime": "TEXT",
    "timestamp": "TEXT",
    "time": "TEXT",
}


def _native_type(spec: TypeSpec) -> str:
    return _STORAGE.get(spec.category, "BLOB")


def _check(column: str, spec: TypeSpec) -> str | None:
    category = spec.category
    if category == "string" and spec.length is not None:
        return f"length({column}) <= {spec.length}"
    if category == "enum":
        return f"{column} IN ({', '.join(quote_literal(m) for m in spec.members)})"
    if category == "bool":
        return f"{column} IN (0, 1)"
    if category == "int" and spec.bits and spec.bits < 64:
        low, high = integer_range(spec)
        return f"{column} BETWEEN {low} AND {high}"
    if category == "int" and spec.unsigned:
        return f"{column} >= 0"
    if category == "uuid":
        return f"length({column}) = 16"
    return None


SQLITE = Dialect(
    name="sqlite",
    quote_char='"',
    placeholder="?",
    native_type=_native_type,
    check_constraint=_check,
    comments_in_side_table=True,
    schema_is_table_prefix=True,
    table_suffix=" STRICT",
    # Small rows are stored in primary-key order (one B-tree, not a rowid table plus a key index):
    # inserts write half the pages and a lookup by key is one search. Rows up to ~1000 bytes never
    # spill into overflow pages there; tables with blobs or unbounded text keep rowid storage,
    # which SQLite handles better for large rows.
    clustered_suffix=" WITHOUT ROWID,",
    clustered_row_bytes=1000,
    indexes_foreign_keys=True,
    auto_increment="INTEGER PRIMARY KEY AUTOINCREMENT",
    auto_increment_is_key=True,
    rowid_key_type="INTEGER",
    stores_nan_as_null=True,
    strict_types=True,
    begin_write="BEGIN IMMEDIATE",
    unbounded_limit="-1",
    # INT/TEXT/BLOB cannot tell `time` from `text`: keep every declared type in the comment
    extra={
        "lossy_native_types": True,
        # SQLite's CURRENT_TIMESTAMP is UTC; MySQL's is the server's local time, and so is ours
        "current_timestamp": "(datetime('now', 'localtime'))",
    },
)

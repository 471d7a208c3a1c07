"""Compiling a resolved table declaration to ``CREATE TABLE`` for one dialect.

Input is a :class:`Declaration`: the table's attributes after foreign keys were
expanded, its foreign keys and its indexes. Output is the statements to run
and the comments to keep (``:type:comment``, DataJoint's convention) for the
dialects that keep comments outside the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import DataJointError
from ..query.heading import Attribute
from .dialects import Dialect
from .dialects.base import quote_literal


@dataclass(frozen=True)
class ForeignKey:
    """A resolved foreign key: parent table and (child attribute, parent attribute) pairs."""

    parent_schema: str
    parent_table: str
    pairs: tuple[tuple[str, str], ...]
    unique: bool = False


@dataclass(frozen=True)
class Declaration:
    """Everything needed to create a table."""

    schema: str
    table: str
    comment: str
    attributes: tuple[Attribute, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[tuple[tuple[str, ...], bool], ...] = ()


def column_comment(dialect: Dialect, attribute: Attribute) -> str:
    """DataJoint's column comment: ``:type:comment`` for core types and codecs.

    A legacy native spelling (``time``, ``longblob``) goes without the prefix
    where the column's own type says it (MySQL). Where the native column type is
    lossy (SQLite's INT/TEXT/BLOB), the declared type is always recorded:
    without it a ``time`` column would read back as text.
    """
    keeps_native = not dialect.extra.get("lossy_native_types", False)
    # a legacy `boolean` is MySQL's tinyint: only the comment can say its values are truth values
    if keeps_native and attribute.type.native and attribute.type.category not in ("codec", "bool"):
        return attribute.comment
    return f":{attribute.type.core}:{attribute.comment}"


def default_expression(dialect: Dialect, default: str, category: str = "") -> str:
    """The SQL of a default as declared or read back from the catalog (``CURRENT_TIMESTAMP``, ``'raw'``, ``5``).

    ``CURRENT_TIMESTAMP`` becomes the dialect's spelling of the local time now,
    the time the database server (MySQL) or this machine (SQLite) shows.
    """
    upper = default.upper()
    if upper.startswith("CURRENT_TIMESTAMP"):
        return dialect.extra.get("current_timestamp", "CURRENT_TIMESTAMP")
    if upper in ("TRUE", "FALSE") or (category == "bool" and upper in ("1", "0")):
        return dialect.boolean_literals[upper in ("FALSE", "0")]
    if default[:1] == '"':
        return quote_literal(default[1:-1])
    return default


def _default_sql(dialect: Dialect, attribute: Attribute) -> str:
    if attribute.default is None:
        return " DEFAULT NULL" if attribute.nullable else ""
    return f" DEFAULT {default_expression(dialect, attribute.default, attribute.type.category)}"


def rowid_key(dialect: Dialect, attributes: Sequence[Attribute]) -> str | None:
    """The one integer key attribute that becomes the table's row id (``Dialect.rowid_key_type``), or None."""
    key = [a for a in attributes if a.in_key]
    if dialect.rowid_key_type is None or len(key) != 1 or key[0].auto_increment:
        return None
    return key[0].name if key[0].type.category == "int" else None


def _column(dialect: Dialect, attribute: Attribute, comment: str, rowid: str | None = None) -> str:
    name = dialect.quote(attribute.name)
    native = dialect.native_type(attribute.type)
    if attribute.name == rowid:
        native = dialect.rowid_key_type or native
    if attribute.auto_increment:
        native = dialect.auto_increment.format(type=native)
    parts = [name, native]
    if not attribute.nullable and not (attribute.auto_increment and "NOT NULL" in native):
        parts.append("NOT NULL")
    sql = " ".join(parts) + _default_sql(dialect, attribute)
    check = dialect.check_constraint(name, attribute.type)
    if check:
        # named after the column, so that a refused value's error names its attribute
        sql += f" CONSTRAINT {name} CHECK ({check})"
    if dialect.inline_comments:
        sql += f" COMMENT {quote_literal(comment)}"
    return sql


def _check_auto_increment(decl: Declaration, key: list[str]) -> bool:
    auto = [a for a in decl.attributes if a.auto_increment]
    if auto and (len(key) != 1 or auto[0].name != key[0] or auto[0].type.category != "int"):
        raise DataJointError(
            f"Table `{decl.table}`: auto_increment is supported only on a primary key of one integer attribute."
        )
    return bool(auto)


def _foreign_key(dialect: Dialect, fk: ForeignKey) -> str:
    child = ", ".join(dialect.quote(c) for c, _ in fk.pairs)
    parent = ", ".join(dialect.quote(p) for _, p in fk.pairs)
    return (
        f"FOREIGN KEY ({child}) REFERENCES {dialect.table_ref(fk.parent_schema, fk.parent_table)} "
        f"({parent}) ON UPDATE CASCADE ON DELETE RESTRICT"
    )


#: the name prefix of the indexes joinery adds on foreign keys (not shown by ``describe()``)
FOREIGN_KEY_INDEX_PREFIX = "fk"


def index_name(decl: Declaration, number: int, prefix: str = "ix") -> str:
    """A short name unique in the database (PostgreSQL's index names are schema-wide, 63 bytes at most)."""
    digest = hashlib.sha1(f"{decl.schema}.{decl.table}".encode()).hexdigest()[:12]
    return f"{prefix}{digest}_{number}"


def _foreign_key_indexes(decl: Declaration, declared: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The foreign keys' columns that no index starts with (the primary key's, a declared one's)."""
    key = tuple(a.name for a in decl.attributes if a.in_key)
    covered = [key, *declared]
    needed: list[tuple[str, ...]] = []
    for fk in decl.foreign_keys:
        columns = tuple(child for child, _ in fk.pairs)
        if not any(index[: len(columns)] == columns for index in covered + needed):
            needed.append(columns)
    return needed


def _indexes(dialect: Dialect, decl: Declaration) -> list[str]:
    indexes = list(decl.indexes) + [
        (tuple(c for c, _ in fk.pairs), True) for fk in decl.foreign_keys if fk.unique
    ]
    named = [(index_name(decl, number), *index) for number, index in enumerate(indexes)]
    if dialect.indexes_foreign_keys:
        for number, columns in enumerate(_foreign_key_indexes(decl, [columns for columns, _ in indexes])):
            named.append((index_name(decl, number, FOREIGN_KEY_INDEX_PREFIX), columns, False))
    table = dialect.table_ref(decl.schema, decl.table)
    return [
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {dialect.quote(name)} ON {table} "
        f"(" + ", ".join(dialect.quote(a) for a in attributes) + ")"
        for name, attributes, unique in named
    ]


def _comment_statements(dialect: Dialect, decl: Declaration, comments: dict[str, str]) -> list[str]:
    table = dialect.table_ref(decl.schema, decl.table)
    statements = [f"COMMENT ON TABLE {table} IS {quote_literal(decl.comment)}"]
    statements += [
        f"COMMENT ON COLUMN {table}.{dialect.quote(name)} IS {quote_literal(text)}"
        for name, text in comments.items()
        if name
    ]
    return statements


#: the most bytes a value of these categories takes (dates and times as ISO-8601 text)
_VALUE_BYTES = {
    "int": 8,
    "float": 8,
    "bool": 1,
    "uuid": 16,
    "date": 10,
    "datetime": 26,
    "timestamp": 26,
    "time": 16,
}


def declared_row_bytes(attributes: tuple[Attribute, ...]) -> int | None:
    """About the most bytes a row takes, from the declared types; None if a column is unbounded
    (blobs, bytes, json, text, codecs)."""
    total = 0
    for attribute in attributes:
        spec = attribute.type
        size = _VALUE_BYTES.get(spec.category)
        if size is None and spec.category == "string" and spec.length is not None:
            size = spec.length
        elif spec.category == "enum":
            size = max((len(member) for member in spec.members), default=0)
        elif spec.category == "decimal":
            size = (spec.precision or 65) + 2
        if size is None:
            return None
        total += size
    return total


def create_table(dialect: Dialect, decl: Declaration) -> tuple[list[str], dict[str, str]]:
    """The statements creating the table, and the comments ('' = table comment) to record.

    The statements carry no parameters; on dialects where ``%`` marks one, literal
    ``%`` signs are doubled.
    """
    key = [a.name for a in decl.attributes if a.in_key]
    if not key:
        raise DataJointError(
            f"Table `{decl.table}` has no primary key: declare at least one attribute above `---`."
        )
    auto = _check_auto_increment(decl, key)
    comments = {"": decl.comment, **{a.name: column_comment(dialect, a) for a in decl.attributes}}
    rowid = rowid_key(dialect, decl.attributes)
    columns = [_column(dialect, a, comments[a.name], rowid) for a in decl.attributes]
    if not (auto and dialect.auto_increment_is_key):
        columns.append("PRIMARY KEY (" + ", ".join(dialect.quote(k) for k in key) + ")")
    columns += [_foreign_key(dialect, fk) for fk in decl.foreign_keys]
    suffix = dialect.table_suffix
    row_bytes = declared_row_bytes(decl.attributes)
    if not auto and not rowid and row_bytes is not None and row_bytes <= dialect.clustered_row_bytes:
        suffix = dialect.clustered_suffix + suffix
    if dialect.inline_comments:
        suffix += f" COMMENT={quote_literal(decl.comment)}"
    table_ref = dialect.table_ref(decl.schema, decl.table)
    statements = [f"CREATE TABLE {table_ref} (\n  " + ",\n  ".join(columns) + f"\n){suffix}"]
    statements += _indexes(dialect, decl)
    if dialect.bytes_column_storage:
        statements += [
            dialect.bytes_column_storage.format(table=table_ref, column=dialect.quote(a.name))
            for a in decl.attributes
            if dialect.native_type(a.type) == "bytea"
        ]
    if dialect.comment_statements:
        statements += _comment_statements(dialect, decl, comments)
    return [dialect.escape_percent(statement) for statement in statements], comments

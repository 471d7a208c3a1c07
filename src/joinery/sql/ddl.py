"""Compiling a resolved table declaration to ``CREATE TABLE`` for one dialect.

Input is a :class:`Declaration`: the table's attributes after foreign keys were
expanded, its foreign keys and its indexes. Output is the statements to run
and the comments to keep (``:type:comment``, DataJoint's convention) for the
dialects that keep comments outside the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataJointError
from ..query.heading import Attribute
from .dialects import Dialect


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
    if keeps_native and attribute.type.native and attribute.type.category != "codec":
        return attribute.comment
    return f":{attribute.type.core}:{attribute.comment}"


def default_expression(dialect: Dialect, default: str) -> str:
    """The SQL of a default as declared or read back from the catalog (``CURRENT_TIMESTAMP``, ``'raw'``, ``5``).

    ``CURRENT_TIMESTAMP`` becomes the dialect's spelling of the local time now,
    the time the database server (MySQL) or this machine (SQLite) shows.
    """
    upper = default.upper()
    if upper.startswith("CURRENT_TIMESTAMP"):
        return dialect.extra.get("current_timestamp", "CURRENT_TIMESTAMP")
    if upper in ("TRUE", "FALSE"):
        return "1" if upper == "TRUE" else "0"
    if default[:1] == '"':
        return "'" + default[1:-1].replace("'", "''") + "'"
    return default


def _default_sql(dialect: Dialect, attribute: Attribute) -> str:
    if attribute.default is None:
        return " DEFAULT NULL" if attribute.nullable else ""
    return f" DEFAULT {default_expression(dialect, attribute.default)}"


def _column(dialect: Dialect, attribute: Attribute, inline_key: bool) -> str:
    name = dialect.quote(attribute.name)
    parts = [name, dialect.native_type(attribute.type)]
    if inline_key:
        # SQLite numbers rows only for a column declared exactly `INTEGER PRIMARY KEY`
        parts = [name, "INTEGER PRIMARY KEY AUTOINCREMENT"]
    if not attribute.nullable:
        parts.append("NOT NULL")
    sql = " ".join(parts) + _default_sql(dialect, attribute)
    check = dialect.check_constraint(name, attribute.type)
    if check:
        # named after the column, so that a refused value's error names its attribute
        sql += f" CONSTRAINT {name} CHECK ({check})"
    return sql


def create_table(dialect: Dialect, decl: Declaration) -> tuple[list[str], dict[str, str]]:
    """The statements creating the table, and the comments ('' = table comment) to record."""
    quote = dialect.quote
    key = [a.name for a in decl.attributes if a.in_key]
    if not key:
        raise DataJointError(
            f"Table `{decl.table}` has no primary key: declare at least one attribute above `---`."
        )
    auto = [a for a in decl.attributes if a.auto_increment]
    if auto and (len(key) != 1 or auto[0].name != key[0] or auto[0].type.category != "int"):
        raise DataJointError(
            f"Table `{decl.table}`: auto_increment is supported only on a primary key of one integer attribute."
        )
    columns = [_column(dialect, a, inline_key=bool(auto) and a.in_key) for a in decl.attributes]
    if not auto:
        columns.append("PRIMARY KEY (" + ", ".join(quote(k) for k in key) + ")")
    for fk in decl.foreign_keys:
        child = ", ".join(quote(c) for c, _ in fk.pairs)
        parent = ", ".join(quote(p) for _, p in fk.pairs)
        columns.append(
            f"FOREIGN KEY ({child}) REFERENCES {dialect.table_ref(fk.parent_schema, fk.parent_table)} "
            f"({parent}) ON UPDATE CASCADE ON DELETE RESTRICT"
        )
    suffix = " STRICT" if dialect.strict_tables else ""
    statements = [
        f"CREATE TABLE {dialect.table_ref(decl.schema, decl.table)} (\n  "
        + ",\n  ".join(columns)
        + f"\n){suffix}"
    ]
    indexes = list(decl.indexes) + [
        (tuple(c for c, _ in fk.pairs), True) for fk in decl.foreign_keys if fk.unique
    ]
    for number, (attributes, unique) in enumerate(indexes):
        name = quote(f"{decl.schema}.{decl.table}.index{number}")
        statements.append(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {dialect.table_ref(decl.schema, decl.table)} "
            f"(" + ", ".join(quote(a) for a in attributes) + ")"
        )
    comments = {"": decl.comment, **{a.name: column_comment(dialect, a) for a in decl.attributes}}
    return statements, comments

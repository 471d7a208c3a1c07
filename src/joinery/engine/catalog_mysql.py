"""The catalog of a MySQL / MariaDB server, read from ``information_schema``.

A DataJoint schema is a MySQL database; comments are inline in the table
definitions, exactly where DataJoint puts them.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import ColumnInfo, ForeignKeyInfo

_SYSTEM_SCHEMAS = ("information_schema", "mysql", "performance_schema", "sys")

_COLUMNS = """
SELECT column_name, column_type, is_nullable = 'YES', column_default, column_comment,
       column_key = 'PRI', extra LIKE %s
FROM information_schema.columns
WHERE table_schema = %s AND table_name = %s
ORDER BY ordinal_position
"""

_FOREIGN_KEYS = """
SELECT constraint_name, referenced_table_schema, referenced_table_name, column_name, referenced_column_name
FROM information_schema.key_column_usage
WHERE table_schema = %s AND table_name = %s AND referenced_table_name IS NOT NULL
ORDER BY constraint_name, ordinal_position
"""

_INDEXES = """
SELECT index_name, non_unique = 0, column_name
FROM information_schema.statistics
WHERE table_schema = %s AND table_name = %s AND index_name <> 'PRIMARY'
ORDER BY index_name, seq_in_index
"""


def _natural(name: str) -> tuple:
    """``t_ibfk_10`` after ``t_ibfk_9``: the order constraints were created in."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _default(raw: str | None, native: str) -> str | None:
    """A column default as a definition spells it (MariaDB quotes strings; MySQL 8 does not)."""
    if raw is None or raw.upper() == "NULL":
        return None
    if raw.lower().startswith("current_timestamp"):
        return "CURRENT_TIMESTAMP"
    textual = re.match(r"(var)?char|.*text|enum|date|time", native, re.IGNORECASE)
    if textual and not raw.startswith("'"):
        return "'" + raw.replace("'", "''") + "'"
    return raw


class MySQLCatalog:
    """Catalog queries for MySQL and MariaDB."""

    def __init__(self, connection: Any):
        self.connection = connection

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return list(self.connection.query(sql, params).fetchall())

    def bootstrap(self) -> None:
        """Nothing to create: the server keeps schemas and comments itself."""

    # -- schemas ----------------------------------------------------------------

    def list_schemas(self) -> list[str]:
        rows = self._rows("SELECT schema_name FROM information_schema.schemata ORDER BY 1")
        return [row[0] for row in rows if row[0] not in _SYSTEM_SCHEMAS]

    def schema_exists(self, schema: str) -> bool:
        sql = "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
        return bool(self._rows(sql, (schema,)))

    def create_schema(self, schema: str) -> None:
        self.connection.query(f"CREATE DATABASE IF NOT EXISTS {self.connection.dialect.quote(schema)}")

    def forget_schema(self, schema: str) -> None:
        """Drop the (now empty) database itself."""
        self.connection.query(f"DROP DATABASE IF EXISTS {self.connection.dialect.quote(schema)}")

    # -- tables -----------------------------------------------------------------

    def list_tables(self, schema: str) -> list[str]:
        rows = self._rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY 1",
            (schema,),
        )
        return [row[0] for row in rows]

    def table_exists(self, schema: str, table: str) -> bool:
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s"
        return bool(self._rows(sql, (schema, table)))

    def table_comment(self, schema: str, table: str) -> str:
        sql = (
            "SELECT table_comment FROM information_schema.tables WHERE table_schema = %s AND table_name = %s"
        )
        rows = self._rows(sql, (schema, table))
        return rows[0][0] if rows else ""

    def columns(self, schema: str, table: str) -> list[ColumnInfo]:
        return [
            ColumnInfo(
                name=name,
                native_type=native,
                nullable=bool(nullable),
                default=_default(default, native),
                comment=comment,
                in_key=bool(in_key),
                auto_increment=bool(auto),
            )
            for name, native, nullable, default, comment, in_key, auto in self._rows(
                _COLUMNS, ("%auto_increment%", schema, table)
            )
        ]

    def foreign_keys(self, schema: str, table: str) -> list[ForeignKeyInfo]:
        grouped: dict[str, list[tuple]] = {}
        for name, *rest in self._rows(_FOREIGN_KEYS, (schema, table)):
            grouped.setdefault(name, []).append(tuple(rest))
        return [
            ForeignKeyInfo(rows[0][0], rows[0][1], tuple((child, parent) for _, _, child, parent in rows))
            for _, rows in sorted(grouped.items(), key=lambda item: _natural(item[0]))
        ]

    def indexes(self, schema: str, table: str) -> list[tuple[tuple[str, ...], bool]]:
        """Secondary indexes declared by the user (not those MySQL adds for foreign keys)."""
        grouped: dict[str, tuple[bool, list[str]]] = {}
        for name, unique, column in self._rows(_INDEXES, (schema, table)):
            grouped.setdefault(name, (bool(unique), []))[1].append(column)
        added = self._foreign_key_index_names(schema, table)
        return [
            (tuple(columns), unique)
            for name, (unique, columns) in sorted(grouped.items(), key=lambda item: _natural(item[0]))
            if (name, tuple(columns)) not in added or unique
        ]

    def _foreign_key_index_names(self, schema: str, table: str) -> set[tuple[str, tuple[str, ...]]]:
        """(name, columns) of the index the server adds for each foreign key: MySQL names it after the
        constraint, MariaDB after its first column."""
        columns: dict[str, list[str]] = {}
        for name, _schema, _table, child, _parent in self._rows(_FOREIGN_KEYS, (schema, table)):
            columns.setdefault(name, []).append(child)
        return {(name, tuple(cols)) for constraint, cols in columns.items() for name in (constraint, cols[0])}

    def set_comments(self, schema: str, table: str, comments: dict[str, str]) -> None:
        """Comments are part of the table's DDL here."""

    def forget_table(self, schema: str, table: str) -> None:
        """Dropping the table dropped its comments."""

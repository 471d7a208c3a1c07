"""The catalog of a PostgreSQL database, read from ``pg_catalog``.

A DataJoint schema is a PostgreSQL schema; comments are PostgreSQL's own
(``COMMENT ON``), so nothing is kept on the side.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import ColumnInfo, ForeignKeyInfo

_SYSTEM_SCHEMAS = ("information_schema", "public")

_TABLE_OID = (
    "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p'))"
)

_COLUMNS = f"""
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), coalesce(col_description(a.attrelid, a.attnum), ''),
       coalesce(a.attnum = ANY(pk.conkey), false), a.attidentity <> ''
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p'
WHERE a.attrelid = {_TABLE_OID} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_FOREIGN_KEYS = """
SELECT con.oid, pn.nspname, pc.relname, a.attname, pa.attname
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class pc ON pc.oid = con.confrelid
JOIN pg_namespace pn ON pn.oid = pc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, parent, position)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.child
JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent
WHERE con.contype = 'f' AND n.nspname = %s AND c.relname = %s
ORDER BY con.oid, k.position
"""

_INDEXES = f"""
SELECT ix.indexrelid, ix.indisunique, a.attname
FROM pg_index ix
CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, position)
JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
WHERE ix.indrelid = {_TABLE_OID} AND NOT ix.indisprimary
ORDER BY ix.indexrelid, k.position
"""

#: a literal default with PostgreSQL's cast appended: 'abc'::character varying
_CAST_LITERAL = re.compile(r"^('(?:[^']|'')*'|-?[\d.]+)::[\w\s\"]+(?:\(\d+(?:,\d+)?\))?(?:\[\])?$")


def _default(raw: str | None) -> str | None:
    """A column default as a definition would spell it: casts on literals dropped."""
    if raw is None:
        return None
    match = _CAST_LITERAL.match(raw)
    return match.group(1) if match else raw


class PostgresCatalog:
    """Catalog queries for PostgreSQL."""

    def __init__(self, connection: Any):
        self.connection = connection

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.connection.query(sql, params).fetchall()

    def bootstrap(self) -> None:
        """Nothing to create: PostgreSQL keeps schemas and comments itself."""

    # -- schemas ----------------------------------------------------------------

    def list_schemas(self) -> list[str]:
        rows = self._rows(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE %s AND nspname <> ALL(%s) ORDER BY 1",
            ("pg\\_%", list(_SYSTEM_SCHEMAS)),
        )
        return [row[0] for row in rows]

    def schema_exists(self, schema: str) -> bool:
        return bool(self._rows("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)))

    def create_schema(self, schema: str) -> None:
        self.connection.query(f"CREATE SCHEMA IF NOT EXISTS {self.connection.dialect.quote(schema)}")

    def forget_schema(self, schema: str) -> None:
        """Drop the (now empty) schema itself."""
        self.connection.query(f"DROP SCHEMA IF EXISTS {self.connection.dialect.quote(schema)}")

    # -- tables -----------------------------------------------------------------

    def list_tables(self, schema: str) -> list[str]:
        rows = self._rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
            (schema,),
        )
        return [row[0] for row in rows]

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(self._rows(f"SELECT {_TABLE_OID}", (schema, table))[0][0])

    def table_comment(self, schema: str, table: str) -> str:
        rows = self._rows(f"SELECT obj_description({_TABLE_OID}, 'pg_class')", (schema, table))
        return (rows[0][0] if rows else None) or ""

    def columns(self, schema: str, table: str) -> list[ColumnInfo]:
        return [
            ColumnInfo(
                name=name,
                native_type=native,
                nullable=nullable,
                default=_default(default),
                comment=comment,
                in_key=in_key,
                auto_increment=identity,
            )
            for name, native, nullable, default, comment, in_key, identity in self._rows(
                _COLUMNS, (schema, table)
            )
        ]

    def foreign_keys(self, schema: str, table: str) -> list[ForeignKeyInfo]:
        grouped: dict[int, list[tuple]] = {}
        for oid, *rest in self._rows(_FOREIGN_KEYS, (schema, table)):
            grouped.setdefault(oid, []).append(tuple(rest))
        return [
            ForeignKeyInfo(rows[0][0], rows[0][1], tuple((child, parent) for _, _, child, parent in rows))
            for rows in grouped.values()
        ]

    def indexes(self, schema: str, table: str) -> list[tuple[tuple[str, ...], bool]]:
        """Secondary indexes declared by the user: (columns, unique), in the order they were created."""
        grouped: dict[int, tuple[bool, list[str]]] = {}
        for oid, unique, column in self._rows(_INDEXES, (schema, table)):
            grouped.setdefault(oid, (unique, []))[1].append(column)
        return [(tuple(columns), unique) for unique, columns in grouped.values()]

    def set_comments(self, schema: str, table: str, comments: dict[str, str]) -> None:
        """Comments are part of the table's DDL here."""

    def forget_table(self, schema: str, table: str) -> None:
        """Dropping the table dropped its comments."""

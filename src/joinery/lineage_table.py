"""DataJoint's ``~lineage`` table on the server backends.

joinery derives lineage from foreign keys (``lineage.py``). DataJoint 2.x reads
it from a ``~lineage`` table in each schema and skips its semantic check where
that table is missing, so on PostgreSQL and MySQL, where the two libraries can
share a server, joinery keeps the table as DataJoint lays it out: one row per
attribute with a lineage, written when a table is declared and removed when it
is dropped.
"""

from __future__ import annotations

from typing import Any

from .lineage import LINEAGE_TABLE, lineage_rows


def _ref(connection: Any, schema: str) -> str:
    return connection.dialect.table_ref(schema, LINEAGE_TABLE)


def _ensure(connection: Any, schema: str) -> None:
    quote = connection.dialect.quote
    columns = ", ".join(
        f"{quote(name)} varchar({width}) NOT NULL"
        for name, width in (("table_name", 64), ("attribute_name", 64), ("lineage", 255))
    )
    key = f"PRIMARY KEY ({quote('table_name')}, {quote('attribute_name')})"
    suffix = connection.dialect.table_suffix
    connection.query(f"CREATE TABLE IF NOT EXISTS {_ref(connection, schema)} ({columns}, {key}){suffix}")


def record_lineage(connection: Any, schema: str, table: str) -> None:
    """Write ``table``'s rows of the schema's ``~lineage`` table (creating it if needed)."""
    if not connection.dialect.keeps_lineage_table:
        return
    _ensure(connection, schema)
    forget_lineage(connection, schema, table)
    rows = lineage_rows(connection, schema, table)
    if rows:
        sql = connection.dialect.insert_sql(
            _ref(connection, schema), ("table_name", "attribute_name", "lineage")
        )
        connection.executemany(sql, rows)


def forget_lineage(connection: Any, schema: str, table: str) -> None:
    """Remove ``table``'s rows from the schema's ``~lineage`` table, if the schema has one."""
    if not connection.dialect.keeps_lineage_table or table == LINEAGE_TABLE:
        return
    if not connection.catalog.table_exists(schema, LINEAGE_TABLE):
        return
    dialect = connection.dialect
    connection.query(
        f"DELETE FROM {_ref(connection, schema)} WHERE {dialect.quote('table_name')} = {dialect.placeholder}",
        (table,),
    )

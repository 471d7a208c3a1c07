"""What tables, columns and foreign keys exist: read from the database itself.

The catalog is the single source of truth for a table's heading: classes read
it back instead of trusting their own definition text, so two programs (or
joinery and DataJoint) that share a database agree on what is there.

SQLite has no column comments; joinery keeps DataJoint's comment convention
(``:type:comment``) in a side table ``"~comments"`` there, and the list of
schemas in ``"~schemas"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..sql.ddl import FOREIGN_KEY_INDEX_PREFIX


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the database describes it."""

    name: str
    native_type: str
    nullable: bool
    default: str | None
    comment: str
    in_key: bool
    auto_increment: bool = False


@dataclass(frozen=True)
class ForeignKeyInfo:
    """One foreign key: the parent table and (child column, parent column) pairs."""

    parent_schema: str
    parent_table: str
    pairs: tuple[tuple[str, str], ...]


def catalog_for(connection: Any) -> Any:
    """The catalog reader for the connection's backend."""
    backend = connection.settings["backend"]
    if backend == "postgresql":
        from .catalog_postgres import PostgresCatalog

        return PostgresCatalog(connection)
    if backend == "mysql":
        from .catalog_mysql import MySQLCatalog

        return MySQLCatalog(connection)
    return SQLiteCatalog(connection)


class SQLiteCatalog:
    """Catalog queries for the embedded SQLite backend."""

    def __init__(self, connection: Any):
        self.connection = connection
        self._bootstrapped = False

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.connection.query(sql, params).fetchall()

    def bootstrap(self) -> None:
        """Create the side tables joinery keeps its metadata in (idempotent)."""
        if self._bootstrapped:
            return
        query = self.connection.query
        query('CREATE TABLE IF NOT EXISTS "~schemas" (name TEXT PRIMARY KEY) STRICT')
        query(
            'CREATE TABLE IF NOT EXISTS "~comments" ('
            "schema_name TEXT NOT NULL, table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
            "comment TEXT NOT NULL, PRIMARY KEY (schema_name, table_name, column_name)) STRICT"
        )
        self._bootstrapped = True

    # -- schemas ----------------------------------------------------------------

    def list_schemas(self) -> list[str]:
        self.bootstrap()
        return [row[0] for row in self._rows('SELECT name FROM "~schemas" ORDER BY name')]

    def schema_exists(self, schema: str) -> bool:
        self.bootstrap()
        return bool(self._rows('SELECT 1 FROM "~schemas" WHERE name = ?', (schema,)))

    def create_schema(self, schema: str) -> None:
        self.bootstrap()
        self.connection.query('INSERT OR IGNORE INTO "~schemas" (name) VALUES (?)', (schema,))

    def forget_schema(self, schema: str) -> None:
        """Remove a schema's bookkeeping (its tables must be dropped already)."""
        self.connection.query('DELETE FROM "~schemas" WHERE name = ?', (schema,))
        self.connection.query('DELETE FROM "~comments" WHERE schema_name = ?', (schema,))

    # -- tables -----------------------------------------------------------------

    def list_tables(self, schema: str) -> list[str]:
        prefix = schema + "."
        rows = self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ? ORDER BY name",
            (len(prefix), prefix),
        )
        return [row[0][len(prefix) :] for row in rows]

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self._rows(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (f"{schema}.{table}",)
            )
        )

    def _comments(self, schema: str, table: str) -> dict[str, str]:
        self.bootstrap()
        rows = self._rows(
            'SELECT column_name, comment FROM "~comments" WHERE schema_name = ? AND table_name = ?',
            (schema, table),
        )
        return dict(rows)

    def table_comment(self, schema: str, table: str) -> str:
        return self._comments(schema, table).get("", "")

    def columns(self, schema: str, table: str) -> list[ColumnInfo]:
        comments = self._comments(schema, table)
        quoted = self.connection.dialect.table_ref(schema, table)
        rows = self._rows(f"PRAGMA table_xinfo({quoted})")
        create_sql = self._rows("SELECT sql FROM sqlite_master WHERE name = ?", (f"{schema}.{table}",))
        autoinc = bool(create_sql) and "AUTOINCREMENT" in (create_sql[0][0] or "").upper()
        return [
            ColumnInfo(
                name=name,
                native_type=native,
                nullable=not notnull,
                default=default,
                comment=comments.get(name, ""),
                in_key=bool(pk),
                auto_increment=autoinc and bool(pk),
            )
            for _cid, name, native, notnull, default, pk, _hidden in rows
        ]

    def foreign_keys(self, schema: str, table: str) -> list[ForeignKeyInfo]:
        quoted = self.connection.dialect.table_ref(schema, table)
        grouped: dict[int, list[tuple]] = {}
        for row in self._rows(f"PRAGMA foreign_key_list({quoted})"):
            grouped.setdefault(row[0], []).append(row)
        result = []
        for fk_rows in grouped.values():
            fk_rows.sort(key=lambda r: r[1])
            parent_schema, parent_table = fk_rows[0][2].split(".", 1)
            result.append(ForeignKeyInfo(parent_schema, parent_table, tuple((r[3], r[4]) for r in fk_rows)))
        return result

    def indexes(self, schema: str, table: str) -> list[tuple[tuple[str, ...], bool]]:
        """Secondary indexes declared by the user: (columns, unique)."""
        quoted = self.connection.dialect.table_ref(schema, table)
        unique_of = {
            name: bool(unique)
            for _seq, name, unique, origin, _partial in self._rows(f"PRAGMA index_list({quoted})")
            if origin == "c" and not name.startswith(FOREIGN_KEY_INDEX_PREFIX)
        }
        # sqlite_master lists indexes in the order they were created, i.e. as declared
        names = self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY rowid",
            (f"{schema}.{table}",),
        )
        result = []
        for (name,) in names:
            if name in unique_of:
                cols = tuple(
                    r[2] for r in self._rows(f"PRAGMA index_info({self.connection.dialect.quote(name)})")
                )
                result.append((cols, unique_of[name]))
        return result

    def set_comments(self, schema: str, table: str, comments: dict[str, str]) -> None:
        """Record the table comment (key ``''``) and the column comments."""
        self.bootstrap()
        self.connection.executemany(
            'INSERT OR REPLACE INTO "~comments" (schema_name, table_name, column_name, comment) VALUES (?, ?, ?, ?)',
            [(schema, table, column, comment) for column, comment in comments.items()],
        )

    def forget_table(self, schema: str, table: str) -> None:
        self.bootstrap()
        self.connection.query(
            'DELETE FROM "~comments" WHERE schema_name = ? AND table_name = ?', (schema, table)
        )

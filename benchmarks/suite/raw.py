"""The raw driver side: the same work through sqlite3, psycopg 3 or PyMySQL, with no library on top.

:class:`RawDB` hides only what differs between the three drivers and that a
benchmark needs (parameter marker, identifier quoting, column types,
transactions, a private namespace that is dropped afterwards), so a
workload writes its raw side once. Everything else is plain DB-API.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: portable column kinds -> each backend's type name
TYPES = {
    "sqlite": {"int": "INTEGER", "float": "REAL", "str": "VARCHAR(64)", "bytes": "BLOB"},
    "postgresql": {"int": "integer", "float": "double precision", "str": "varchar(64)", "bytes": "bytea"},
    "mysql": {"int": "INT", "float": "DOUBLE", "str": "VARCHAR(64)", "bytes": "LONGBLOB"},
}


def server_params(url: str) -> dict[str, Any]:
    """Host, port, user, password and database name from a postgresql:// or mysql:// URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port,
        "user": parts.username or "",
        "password": parts.password or "",
        "database": parts.path.strip("/") or None,
    }


class RawDB:
    """A raw driver connection in autocommit mode, owning one namespace (file, schema or database)."""

    def __init__(self, backend: str, namespace: str, *, url: str | None = None, folder: Path | None = None):
        self.backend = backend
        self.namespace = namespace
        self.marker = "?" if backend == "sqlite" else "%s"
        self.types = TYPES[backend]
        #: the result formats the driver can read rows in, by name (psycopg: text or binary), as the
        #: ``binary`` flag of :meth:`fetchall`; a read is timed in each and the faster kept
        self.result_formats = {"text": False, "binary": True} if backend == "postgresql" else {"text": False}
        self._file: Path | None = None
        if backend == "sqlite":
            assert folder is not None
            self._file = folder / f"{namespace}.db"
            self.conn = sqlite3.connect(self._file, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")  # what joinery uses: a fair comparison
            self.conn.execute("PRAGMA mmap_size = 268435456")  # as joinery (driver_sqlite.SQLITE_MMAP_BYTES)
        elif backend == "postgresql":
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
            self.conn.execute(f'CREATE SCHEMA "{namespace}"')
        else:
            import pymysql

            params = server_params(url or "")
            params.pop("database")
            self.conn = pymysql.connect(**params, autocommit=True)
            self.execute(f"CREATE DATABASE `{namespace}`")

    @staticmethod
    def drop_namespace(backend: str, namespace: str, url: str) -> None:
        """Drop a server schema / database by name (for tables a library failed to drop)."""
        if backend == "postgresql":
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE')
        elif backend == "mysql":
            import pymysql

            params = server_params(url)
            params.pop("database")
            with pymysql.connect(**params, autocommit=True) as conn, conn.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{namespace}`")

    def reopen(self) -> RawDB:
        """A second connection to the same namespace (for a worker process); it does not own it."""
        twin = object.__new__(RawDB)
        twin.__dict__.update(self.__dict__)
        if self.backend == "sqlite":
            twin.conn = sqlite3.connect(self._file, isolation_level=None, timeout=60)
        elif self.backend == "postgresql":
            import psycopg

            twin.conn = psycopg.connect(self.conn.info.dsn, autocommit=True)
        else:
            import pymysql

            twin.conn = pymysql.connect(
                host=self.conn.host,
                port=self.conn.port,
                user=self.conn.user,
                password=self.conn.password,
                autocommit=True,
            )
        twin._file = None  # only the owner drops the namespace
        return twin

    def name(self, table: str) -> str:
        """The quoted, namespace-qualified table name."""
        if self.backend == "sqlite":
            return f'"{table}"'
        if self.backend == "postgresql":
            return f'"{self.namespace}"."{table}"'
        return f"`{self.namespace}`.`{table}`"

    def create(self, table: str, columns: Sequence[tuple[str, str]], key: Sequence[str]) -> str:
        """CREATE TABLE with (name, kind) columns and a primary key; returns the qualified name."""
        body = ", ".join(f"{col} {self.types[kind]} NOT NULL" for col, kind in columns)
        qualified = self.name(table)
        self.execute(f"CREATE TABLE {qualified} ({body}, PRIMARY KEY ({', '.join(key)}))")
        return qualified

    def insert_sql(self, table: str, n_columns: int) -> str:
        return f"INSERT INTO {table} VALUES ({', '.join([self.marker] * n_columns)})"

    def execute(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> Any:
        """Run one statement; ``binary``: rows in PostgreSQL's binary format (bytea unencoded)."""
        cursor = self.conn.cursor()
        if binary:
            cursor.execute(sql, params, binary=True)
        else:
            cursor.execute(sql, params)
        return cursor

    def fetchall(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> list[tuple]:
        return list(self.execute(sql, params, binary=binary).fetchall())

    def fetchone(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> tuple | None:
        return self.execute(sql, params, binary=binary).fetchone()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.transaction():
            self.conn.cursor().executemany(sql, rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL COPY ... FROM STDIN in one transaction (binary-safe, row by row)."""
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.transaction(), self.conn.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self.backend == "postgresql":
            with self.conn.transaction():
                yield
            return
        if self.backend == "sqlite":
            self.conn.execute("BEGIN")
        else:
            self.conn.begin()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def close(self, drop: bool = True) -> None:
        """Close; the owner also drops its namespace (schema, database or file)."""
        if drop and self.backend == "postgresql":
            self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.namespace}" CASCADE')
        elif drop and self.backend == "mysql":
            self.execute(f"DROP DATABASE IF EXISTS `{self.namespace}`")
        self.conn.close()
        if drop and self._file is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self._file}{suffix}").unlink(missing_ok=True)

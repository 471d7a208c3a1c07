"""A connection to one database, and its transactions.

Everything that reaches the database goes through :meth:`Connection.query` (or
:meth:`Connection.executemany`), which maps driver errors onto
:mod:`joinery.errors`. Transactions are explicit: the driver runs in autocommit
mode and joinery issues ``BEGIN``/``COMMIT`` so a write lock is held only as
long as the writes themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import Any

from .. import errors
from ..sql.dialects import Dialect, get_dialect
from .drivers import get_driver


class Connection:
    """A live connection: a DB-API connection, its dialect and its settings.

    ``settings`` is the resolved dict from ``settings.connection_settings``:
    backend, host, port, user, password, path.
    """

    def __init__(self, settings: dict[str, Any]):
        self.settings = dict(settings)
        self.dialect: Dialect = get_dialect(_dialect_name(self.settings["backend"]))
        self.driver = get_driver(self.settings["backend"])
        self._driver_errors = self.driver.driver_errors()
        self._raw: Any = None
        self._pid = -1
        self._in_transaction = False
        self._savepoints = 0
        self.schemas: dict[str, Any] = {}
        from ..dependencies import Dependencies
        from .catalog import catalog_for

        self.catalog = catalog_for(self)
        self.dependencies = Dependencies(self)
        self.connect()

    # -- lifecycle -------------------------------------------------------------

    def connect(self) -> None:
        """Open the driver connection (again)."""
        self._raw = self.driver.open(self.settings)
        self._pid = os.getpid()
        self._in_transaction = False

    @property
    def raw(self) -> Any:
        """The DB-API connection; reopened after a fork so processes never share one."""
        if self._raw is None or self._pid != os.getpid():
            self.connect()
        return self._raw

    def close(self) -> None:
        """Close the driver connection."""
        if self._raw is not None:
            with suppress(*self._driver_errors):
                self._raw.close()
            self._raw = None

    def is_connected(self) -> bool:
        """True while the driver connection is open."""
        return self._raw is not None

    def __repr__(self) -> str:
        target = (
            self.settings.get("path") if self.settings["backend"] == "sqlite" else self.settings.get("host")
        )
        return f"joinery connection to {self.settings['backend']} at {target}"

    # -- statements ------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement and return its cursor.

        A lost connection is re-established and the statement run again, unless
        a transaction was open: its writes are gone, which the caller must know.
        """
        try:
            return self.driver.execute(self.raw, sql, params)
        except self._driver_errors as error:
            self._reconnect_or_raise(error, sql)
        try:
            return self.driver.execute(self.raw, sql, params)
        except self._driver_errors as error:
            raise self.driver.translate(error, sql) from error

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        """Run one statement for many parameter rows."""
        try:
            return self.driver.executemany(self.raw, sql, rows)
        except self._driver_errors as error:
            self._reconnect_or_raise(error, sql)
        try:
            return self.driver.executemany(self.raw, sql, rows)
        except self._driver_errors as error:
            raise self.driver.translate(error, sql) from error

    def _reconnect_or_raise(self, error: BaseException, sql: str) -> None:
        """Reconnect after a lost connection outside a transaction; raise the translated error otherwise."""
        if not self.driver.is_lost_connection(error):
            raise self.driver.translate(error, sql) from error
        if self._in_transaction:
            self._in_transaction = False
            self._savepoints = 0
            self.close()
            raise errors.LostConnectionError(
                f"The connection to the database server was lost inside a transaction ({error}); the "
                "transaction's writes were rolled back by the server. Run the transaction again."
            ) from error
        if not self.settings.get("reconnect", True):
            raise errors.LostConnectionError(
                f"The connection to the database server was lost ({error}) and database.reconnect is off; "
                "call dj.conn(reset=True) to reconnect."
            ) from error
        self.close()
        self.connect()

    def ping(self) -> bool:
        """True if the server answers (reconnecting first if the connection was lost)."""
        self.query("SELECT 1").fetchall()
        return True

    # -- transactions ----------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        """True inside ``with connection.transaction:`` (or an internal atomic block)."""
        return self._in_transaction

    def start_transaction(self) -> None:
        """Begin a write transaction; refused when one is already open."""
        if self._in_transaction:
            raise errors.DataJointError(
                "Nested transactions are not supported: a transaction is already open on this connection. "
                "Finish it (commit or cancel) before starting another."
            )
        self.query(self.dialect.begin_write)
        self._in_transaction = True

    def commit_transaction(self) -> None:
        """Commit the open transaction."""
        self._in_transaction = False
        self.query("COMMIT")

    def cancel_transaction(self) -> None:
        """Roll back the open transaction."""
        self._in_transaction = False
        self._savepoints = 0
        with suppress(*self._driver_errors):
            self.driver.execute(self.raw, "ROLLBACK", ())

    @property
    def transaction(self):
        """``with conn.transaction:`` groups writes: all are committed, or none."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        self.start_transaction()
        try:
            yield self
        except BaseException:
            self.cancel_transaction()
            raise
        self.commit_transaction()

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """A transaction for joinery's own multi-statement writes: all of them, or none.

        Inside an open transaction it becomes a savepoint, so a failed insert
        leaves nothing behind while the user's earlier writes stay pending.
        """
        if not self._in_transaction:
            with self._transaction():
                yield self
            return
        self._savepoints += 1
        name = f"joinery_{self._savepoints}"
        self.query(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self._rollback_to(name)
            raise
        finally:
            self._savepoints -= 1
        self.query(f"RELEASE SAVEPOINT {name}")

    def atomic_ddl(self) -> Any:
        """:meth:`atomic` for statements that create or drop tables, where the backend can undo them.

        MySQL commits before every ``CREATE``/``DROP TABLE``, so there each
        statement stands alone (and a transaction must not be open).
        """
        if self.dialect.transactional_ddl:
            return self.atomic()
        if self._in_transaction:
            raise errors.DataJointError(
                "Tables cannot be created or dropped inside a transaction on MySQL (it would commit the "
                "transaction's writes silently). Declare or drop tables outside `with conn.transaction:`."
            )
        return nullcontext(self)

    def _rollback_to(self, savepoint: str) -> None:
        # if the transaction itself is gone, its owner's rollback reports that
        with suppress(*self._driver_errors):
            self.driver.execute(self.raw, f"ROLLBACK TO SAVEPOINT {savepoint}", ())
            self.driver.execute(self.raw, f"RELEASE SAVEPOINT {savepoint}", ())


def _dialect_name(backend: str) -> str:
    return {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql"}.get(backend, backend)

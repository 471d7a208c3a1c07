"""A connection to one database, and its transactions.

Everything that reaches the database goes through :meth:`Connection.query` (or
:meth:`Connection.executemany`), which maps driver errors onto
:mod:`joinery.errors`. Transactions are explicit: the driver runs in autocommit
mode and joinery issues ``BEGIN``/``COMMIT`` so a write lock is held only as
long as the writes themselves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import Any

from .. import errors
from ..sql.dialects import Dialect, get_dialect
from .drivers import get_driver


class _Process:
    """This process's id, kept current through forks: read on every statement, where a system call
    (``os.getpid()``) would cost as much as the rest of a cached key lookup's Python."""

    pid = os.getpid()

    @classmethod
    def forked(cls) -> None:
        cls.pid = os.getpid()


_process = _Process
os.register_at_fork(after_in_child=_Process.forked)


class _ThreadState(threading.local):
    """One thread's DB-API connection and its transaction state."""

    raw: Any = None
    pid: int = -1
    in_transaction: bool = False
    savepoints: int = 0
    relaxed: bool = False  # inside ``relaxed_commits``


class _SharedState:
    """The same state for every thread (an in-memory SQLite database)."""

    def __init__(self) -> None:
        self.raw: Any = None
        self.pid = -1
        self.in_transaction = False
        self.savepoints = 0
        self.relaxed = False


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
        # each thread (and each forked process) talks through a DB-API connection of its own;
        # an in-memory SQLite database exists only in its one connection, so threads share that
        shared = self.settings.get("path") == ":memory:"
        self._state: Any = _ThreadState() if not shared else _SharedState()
        self._opened: list[tuple[int, Any]] = []
        self.schemas: dict[str, Any] = {}
        from ..dependencies import Dependencies
        from .catalog import catalog_for

        self.catalog = catalog_for(self)
        self.dependencies = Dependencies(self)
        self.connect()

    # -- lifecycle -------------------------------------------------------------

    def connect(self) -> None:
        """Open this thread's driver connection (again)."""
        state = self._state
        state.raw = self.driver.open(self.settings)
        state.pid = _process.pid
        state.in_transaction = False
        state.savepoints = 0
        self._opened.append((state.pid, state.raw))

    @property
    def raw(self) -> Any:
        """This thread's DB-API connection; opened on first use, and again after a fork."""
        state = self._state
        if state.raw is None or state.pid != _process.pid:
            self.connect()
        return state.raw

    def close(self) -> None:
        """Close the driver connections this process opened (every thread's)."""
        # a connection inherited through fork belongs to the parent: closing it here would close theirs
        pid = _process.pid
        for opener, raw in self._opened:
            if opener == pid:
                with suppress(*self._driver_errors):
                    raw.close()
        self._opened = [(opener, raw) for opener, raw in self._opened if opener != pid]
        self._state.raw = None

    def is_connected(self) -> bool:
        """True while this thread's driver connection is open."""
        return self._state.raw is not None

    def __repr__(self) -> str:
        target = (
            self.settings.get("path") if self.settings["backend"] == "sqlite" else self.settings.get("host")
        )
        return f"joinery connection to {self.settings['backend']} at {target}"

    # -- statements ------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = (), *, binary: bool = False) -> Any:
        """Run one statement and return its cursor.

        ``binary=True`` asks for rows in the driver's binary format where it has
        one (PostgreSQL): for rows of large binary values, which then read several
        times faster. Values of every declared type read the same either way.

        A lost connection is re-established and the statement run again, unless
        a transaction was open: its writes are gone, which the caller must know.
        """
        return self._run(self.driver.execute_binary if binary else self.driver.execute, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        """Run one statement for many parameter rows (retried after a lost connection, as ``query``)."""
        return self._run(self.driver.executemany, sql, rows)

    def _run(self, method: Any, sql: str, arguments: Any) -> Any:
        try:
            return method(self.raw, sql, arguments)
        except self._driver_errors as error:
            self._reconnect_or_raise(error, sql)
        try:
            return method(self.raw, sql, arguments)
        except self._driver_errors as error:
            raise self.driver.translate(error, sql) from error

    def _reconnect_or_raise(self, error: BaseException, sql: str) -> None:
        """Reconnect after a lost connection outside a transaction; raise the translated error otherwise."""
        if not self.driver.is_lost_connection(error):
            raise self.driver.translate(error, sql) from error
        if self._state.in_transaction:
            self._state.in_transaction = False
            self._state.savepoints = 0
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

    @property
    def connection_id(self) -> int:
        """The server's id of this thread's session (0 for the embedded database)."""
        sql = self.dialect.connection_id_sql
        return int(self.query(sql).fetchone()[0]) if sql else 0

    def ping(self) -> bool:
        """True if the server answers (reconnecting first if the connection was lost)."""
        self.query("SELECT 1").fetchall()
        return True

    # -- transactions ----------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        """True inside ``with connection.transaction:`` (or an internal atomic block)."""
        return self._state.in_transaction

    def start_transaction(self) -> None:
        """Begin a write transaction; refused when one is already open."""
        if self._state.in_transaction:
            raise errors.DataJointError(
                "Nested transactions are not supported: a transaction is already open on this connection. "
                "Finish it (commit or cancel) before starting another."
            )
        self.query(self.dialect.begin_write)
        self._state.in_transaction = True

    def commit_transaction(self) -> None:
        """Commit the open transaction."""
        self._state.in_transaction = False
        self.query("COMMIT")

    def cancel_transaction(self) -> None:
        """Roll back the open transaction."""
        self._state.in_transaction = False
        self._state.savepoints = 0
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

    @property
    def pipelines(self) -> bool:
        """True when :meth:`batched_transaction` sends its block in one round trip (else it is a plain one)."""
        return self.driver.pipeline is not None

    @contextmanager
    def batched_transaction(self) -> Iterator[Connection]:
        """A transaction of writes that need no result before the commit, sent in one round trip.

        Where the driver pipelines (PostgreSQL), ``BEGIN``, the block's statements
        and ``COMMIT`` reach the server together and are answered once: a failing
        statement is reported when the block ends, and nothing of the block is
        kept. Reading inside the block is allowed (it waits for the results so
        far) but saves nothing. Elsewhere this is :attr:`transaction`.
        """
        pipeline = self.driver.pipeline
        if pipeline is None:
            with self._transaction():
                yield self
            return
        batch = pipeline(self.raw)
        try:
            batch.__enter__()
            self.start_transaction()
            yield self
            self.commit_transaction()  # sent here, answered as the pipeline ends
            batch.__exit__(None, None, None)
        except BaseException as error:
            self._end_failed_batch(batch, error)
            raise

    def _end_failed_batch(self, batch: Any, error: BaseException) -> None:
        """Leave the pipeline and roll back; a driver error becomes joinery's (raised here)."""
        with suppress(*self._driver_errors):  # the pipeline reports the same failure again, or "aborted"
            batch.__exit__(None, None, None)
        lost = isinstance(error, self._driver_errors) and self.driver.is_lost_connection(error)
        self._state.in_transaction = False
        if not lost:
            self.cancel_transaction()
        if isinstance(error, self._driver_errors):
            self._state.in_transaction = lost  # a lost connection is reported as a lost transaction
            self._reconnect_or_raise(error, "COMMIT")

    @contextmanager
    def relaxed_commits(self) -> Iterator[None]:
        """In the block, commits return before the server's disk has them; when it ends, all are durable.

        For populate's per-key commits: the wait for the disk is most of a quick
        key's commit on a server. A server crash inside the block may lose the
        latest commits (whole transactions, never part of one): keys the next
        populate computes again. Where the dialect has no such setting (the
        embedded database's commits already skip the disk), or inside another
        such block, the block changes nothing.
        """
        relax, restore = self.dialect.relax_commits, self.dialect.restore_commits
        state = self._state
        if relax is None or restore is None or state.relaxed:
            yield
            return
        previous = self.query(relax).fetchone()[0]
        state.relaxed = True
        try:
            yield
        except BaseException:
            state.relaxed = False
            with suppress(errors.DataJointError):  # the error in flight says more
                self.query(restore, (previous,)).fetchall()
            raise
        state.relaxed = False
        self.query(restore, (previous,)).fetchall()

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """A transaction for joinery's own multi-statement writes: all of them, or none.

        Inside an open transaction it becomes a savepoint, so a failed insert
        leaves nothing behind while the user's earlier writes stay pending.
        """
        if not self._state.in_transaction:
            with self._transaction():
                yield self
            return
        self._state.savepoints += 1
        name = f"joinery_{self._state.savepoints}"
        self.query(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self._rollback_to(name)
            raise
        finally:
            self._state.savepoints -= 1
        self.query(f"RELEASE SAVEPOINT {name}")

    def atomic_ddl(self) -> Any:
        """:meth:`atomic` for statements that create or drop tables, where the backend can undo them.

        MySQL commits before every ``CREATE``/``DROP TABLE``, so there each
        statement stands alone (and a transaction must not be open).
        """
        if self.dialect.transactional_ddl:
            return self.atomic()
        if self._state.in_transaction:
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

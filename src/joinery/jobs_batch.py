"""Reserving many jobs in one round trip, keeping them alive, giving back those never started or orphaned.

Layer: mixed into :class:`~joinery.jobs.Jobs` (the statements); ``batching.py``
decides which keys ``populate`` reserves together and when it gives them back.

A batch reservation is one ``UPDATE`` that switches the pending, due jobs of
the keys named to reserved by this worker, as DataJoint's reservation does for
one key: a key whose job another worker reserved, failed, ignored or completed
(its row deleted) meanwhile is not won, and is skipped. Where the dialect can,
the ``UPDATE`` returns the rows it changed; elsewhere (MySQL) its row count
says when all or none were won, and otherwise a ``SELECT`` reads back the rows
stamped with this process's host, pid and a reservation time no other
reservation of this process shares. A deadlock the server reports is retried
(the statement runs alone, so an aborted one changed nothing).

A key reserved but never started (populate stopped early) is given back:
its row becomes pending again with no worker named, as a row ``refresh()``
inserts, which is what DataJoint 2.3.5 itself reserves from.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import random
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import DataJointError, DeadlockError
from .jobs_worker import local_now, worker_identity
from .settings import config

#: how often a reservation statement the server aborted for a deadlock is tried in all
_DEADLOCK_ATTEMPTS = 5
#: what a reservation writes: the status, and who reserved when (DataJoint's columns)
_RESERVED_COLUMNS = ("status", "reserved_time", "user", "host", "pid", "connection_id", "version")
#: the most keys one statement names (orphans released in chunks of this many)
_KEYS_PER_STATEMENT = 500
#: a job row given back: pending, no worker named (as ``refresh()`` inserts it)
_NEVER_STARTED = {"status": "pending", "user": "", "host": "", "pid": 0, "connection_id": 0, "version": ""}


class BatchReservations:
    """The batch statements of a jobs table (see the module docstring); mixed into ``Jobs``."""

    # provided by Jobs
    _connection: Any
    _sql: dict[str, str]
    if TYPE_CHECKING:  # cached properties of Jobs

        @property
        def _key_names(self) -> list[str]: ...

        @property
        def _encoders(self) -> dict[str, Any]: ...

    full_table_name: str
    heading: Any
    _values: Callable[[list[str], dict], list]
    _key_values: Callable[[dict], list]
    _worker_row: Callable[[str, dt.datetime], dict]

    def reserve_many(self, keys: Sequence[dict]) -> list[bool]:
        """Reserve the pending jobs of ``keys`` for this process at once; for each key, True if won.

        As in DataJoint, only a pending job whose scheduled time has come is
        won: a key with no job row, or one reserved, failed, ignored or
        completed meanwhile, is not. The keys must differ in their job key.
        """
        if not keys:
            return []
        encoded = [tuple(self._key_values(key)) for key in keys]
        if len({self.job_key(key) for key in keys}) != len(keys):
            raise DataJointError("reserve_many needs keys with distinct job keys; a key was given twice.")
        stamp = unique_stamp()
        identity = self._worker_row("reserved", stamp)
        values = self._values(list(_RESERVED_COLUMNS), identity)
        params = [*values, *_flat(encoded), *self._values(["reserved_time"], identity)]
        rows = retry_deadlocks(lambda: self._reserve_rows(len(keys), params, encoded, stamp))
        if len(rows) == len(keys):  # all won: each row is one key's (the usual case, no matching needed)
            return [True] * len(keys)
        return self._match(keys, encoded, rows)

    def job_key(self, key: dict) -> tuple:
        """The stored values of ``key``'s job key, hashable: keys with equal job keys share one job row."""
        return tuple(value if _hashable(value) else repr(value) for value in self._key_values(key))

    def _reserve_rows(
        self, count: int, params: list, encoded: list[tuple], stamp: dt.datetime
    ) -> list[tuple]:
        """Run the batch reservation; the key values of the rows it reserved, as the database gives them."""
        dialect = self._connection.dialect
        cursor = self._connection.query(self._reserve_sql(count), params)
        if dialect.update_returning:
            return [tuple(row) for row in cursor.fetchall()]
        if cursor.rowcount in (0, count):  # none or all: no need to ask which
            return [tuple(values) for values in encoded[: cursor.rowcount]]
        q, p = dialect.quote, dialect.placeholder
        names = ", ".join(q(k) for k in self._key_names)
        sql = (
            f"SELECT {names} FROM {self.full_table_name} WHERE {self._keys_condition(count)} "
            f"AND {q('status')} = 'reserved' AND {q('host')} = {p} AND {q('pid')} = {p} "
            f"AND {q('reserved_time')} = {p}"
        )
        mine = self._mine(stamp)
        return [tuple(row) for row in self._connection.query(sql, _flat(encoded) + mine).fetchall()]

    def _reserve_sql(self, count: int) -> str:
        """``UPDATE`` of ``count`` keys' pending, due jobs to reserved by this worker (compiled once per count)."""
        cache_key = f"reserve{count}"
        if cache_key not in self._sql:
            dialect = self._connection.dialect
            q, p = dialect.quote, dialect.placeholder
            assignments = ", ".join(f"{q(c)} = {p}" for c in _RESERVED_COLUMNS)
            sql = (
                f"UPDATE {self.full_table_name} SET {assignments} WHERE {self._keys_condition(count)} "
                f"AND {q('status')} = 'pending' AND {q('scheduled_time')} <= {p}"
            )
            if dialect.update_returning:
                sql += " RETURNING " + ", ".join(q(k) for k in self._key_names)
            self._sql[cache_key] = sql
        return self._sql[cache_key]

    def _match(self, keys: Sequence[dict], encoded: list[tuple], rows: list[tuple]) -> list[bool]:
        """Which of ``keys`` the reserved ``rows`` are (values compared as the user sees them).

        A row matching no key (a case-insensitive collation matched 'ABC' for
        'abc') is given back, and the keys not matched are reserved one by
        one, as they would have been without batches.
        """
        normal = self._normal_key
        position = {normal(values): i for i, values in enumerate(encoded)}
        won = [False] * len(keys)
        strays = []
        for row in rows:
            i = position.get(normal(row))
            if i is None:
                strays.append(row)
            else:
                won[i] = True
        if not strays:
            return won
        self._give_back(strays)
        return [mine or self.reserve_many([key])[0] for key, mine in zip(keys, won)]

    @functools.cached_property
    def _key_decoders(self) -> list[Any]:
        from .codecs.values import decoder

        return [decoder(self.heading[name]) for name in self._key_names]

    def _normal_key(self, values: Sequence[Any]) -> tuple:
        """Stored or encoded key values in the form fetch gives them, so the two compare equal."""
        normal = []
        for value, decode in zip(values, self._key_decoders):
            if decode is not None and value is not None:
                with contextlib.suppress(TypeError, ValueError):
                    value = decode(value)
            normal.append(value if _hashable(value) else repr(value))
        return tuple(normal)

    # -- giving back (never started, dead workers, orphans), keeping alive ---------------------------------------------------------

    def release(self, keys: Sequence[dict]) -> int:
        """Give back this process's reservations of ``keys`` (never started): pending again; their count."""
        if not keys:
            return 0
        return self._give_back([tuple(self._key_values(key)) for key in keys])

    def _give_back(self, encoded: list[tuple]) -> int:
        q, p = self._connection.dialect.quote, self._connection.dialect.placeholder
        where = (
            f"{self._keys_condition(len(encoded))} AND {q('status')} = 'reserved' "
            f"AND {q('host')} = {p} AND {q('pid')} = {p}"
        )
        params = _flat(encoded) + self._mine()
        return int(retry_deadlocks(lambda: self._set_never_started(where, params)).rowcount)

    def release_processes(self, pids: Sequence[int]) -> int:
        """Give back every reservation held by these processes of this host (known dead); their count.

        ``populate(processes=N)`` calls it after stopping its worker processes
        early: their reservations, started or not, committed nothing.
        """
        if not pids:
            return 0
        dialect = self._connection.dialect
        q, p = dialect.quote, dialect.placeholder
        where = f"{q('status')} = 'reserved' AND {q('host')} = {p} AND {q('pid')} IN ({dialect.placeholders(len(pids))})"
        host = worker_identity(self._connection.settings.get("user"))["host"]
        return int(retry_deadlocks(lambda: self._set_never_started(where, [host, *pids])).rowcount)

    def release_orphans(self, orphan_timeout: float) -> int:
        """Set back to pending the reservations with no heartbeat for ``orphan_timeout`` seconds; their count.

        The candidates are read first (no lock taken: usually there are none),
        then updated by key with the condition checked again row by row as it
        writes, so a heartbeat that lands in between keeps its reservation.
        """
        if orphan_timeout <= config["jobs.heartbeat_interval"]:
            warnings.warn(
                f"orphan_timeout={orphan_timeout} s is not longer than jobs.heartbeat_interval="
                f"{config['jobs.heartbeat_interval']} s: live workers may lose their reservations. "
                "Use at least three heartbeat intervals.",
                stacklevel=3,
            )
        q, p = self._connection.dialect.quote, self._connection.dialect.placeholder
        cutoff = self._values(
            ["reserved_time"], {"reserved_time": local_now() - dt.timedelta(seconds=orphan_timeout)}
        )
        stale = f"{q('status')} = 'reserved' AND {q('reserved_time')} < {p}"
        names = ", ".join(q(k) for k in self._key_names)
        rows = self._connection.query(
            f"SELECT {names} FROM {self.full_table_name} WHERE {stale}", cutoff
        ).fetchall()
        released = 0
        for start in range(0, len(rows), _KEYS_PER_STATEMENT):
            chunk = rows[start : start + _KEYS_PER_STATEMENT]
            sql = (
                f"UPDATE {self.full_table_name} SET {q('status')} = 'pending' "
                f"WHERE {self._keys_condition(len(chunk))} AND {stale}"
            )
            params = [value for row in chunk for value in row] + cutoff
            released += self._connection.query(sql, params).rowcount
        return released

    def _set_never_started(self, where: str, params: list) -> Any:
        """Make the jobs ``where`` holds pending again, with no worker named; the cursor."""
        q, p = self._connection.dialect.quote, self._connection.dialect.placeholder
        columns = list(_NEVER_STARTED)
        assignments = ", ".join(f"{q(c)} = {p}" for c in columns)
        sql = f"UPDATE {self.full_table_name} SET {assignments}, {q('reserved_time')} = NULL WHERE {where}"
        return self._connection.query(sql, self._values(columns, _NEVER_STARTED) + params)

    def heartbeat_statement(self, keys: Sequence[dict]) -> tuple[str, list, Callable[[dt.datetime], Any]]:
        """The ``UPDATE`` that keeps this worker's reservations of ``keys`` alive.

        Returns the SQL, its parameters after the new time, and the function
        that encodes that time (no database access: it runs in the heartbeat
        thread). It matches only jobs still reserved by this host and process,
        so a reservation that was taken over, or completed, is never touched.
        """
        cache_key = f"heartbeat{len(keys)}"
        sql = self._sql.get(cache_key)
        if sql is None:
            q, p = self._connection.dialect.quote, self._connection.dialect.placeholder
            sql = self._sql[cache_key] = (
                f"UPDATE {self.full_table_name} SET {q('reserved_time')} = {p} "
                f"WHERE {self._keys_condition(len(keys))} "
                f"AND {q('status')} = 'reserved' AND {q('host')} = {p} AND {q('pid')} = {p}"
            )
        params = _flat([tuple(self._key_values(key)) for key in keys]) + self._mine()
        encode = self._encoders["reserved_time"]
        return sql, params, encode or _unchanged

    def _mine(self, stamp: dt.datetime | None = None) -> list:
        """The parameters naming this process (host, pid), and the reservation ``stamp`` if given."""
        worker = worker_identity(self._connection.settings.get("user"))
        mine = [worker["host"], worker["pid"]]
        return mine if stamp is None else mine + self._values(["reserved_time"], {"reserved_time": stamp})

    def _keys_condition(self, count: int) -> str:
        """``count`` keys, matched by their job-key columns (one ``IN`` list, or one term per key)."""
        dialect = self._connection.dialect
        q, p = dialect.quote, dialect.placeholder
        if len(self._key_names) == 1:
            return f"{q(self._key_names[0])} IN ({dialect.placeholders(count)})"
        one = "(" + " AND ".join(f"{q(k)} = {p}" for k in self._key_names) + ")"
        return "(" + " OR ".join([one] * count) + ")"


def _unchanged(moment: dt.datetime) -> dt.datetime:
    return moment


def _flat(rows: list[tuple]) -> list:
    return [value for row in rows for value in row]


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def retry_deadlocks(statement: Callable[[], Any]) -> Any:
    """Run a jobs-table statement; if the server aborts it to break a deadlock, run it again.

    Only for a statement that runs alone (autocommit): an aborted one changed nothing.
    """
    for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
        try:
            return statement()
        except DeadlockError:
            if attempt == _DEADLOCK_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")


# -- a reservation time no other reservation of this process shares ---------------------------------

_stamp_lock = threading.Lock()
_last_stamp = dt.datetime.min


def unique_stamp() -> dt.datetime:
    """Now, to the millisecond of ``reserved_time``, later than any stamp this process gave before.

    Host, pid and this time together name one batch reservation (MySQL reads its rows back by them).
    """
    global _last_stamp
    now = local_now()
    now = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
    with _stamp_lock:
        if now <= _last_stamp:
            now = _last_stamp + dt.timedelta(milliseconds=1)
        _last_stamp = now
    return now


def _reset_after_fork() -> None:
    global _stamp_lock
    _stamp_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)

__all__ = ["BatchReservations", "unique_stamp"]

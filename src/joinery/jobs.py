"""The jobs table of an auto-populated table: reservations, errors and progress.

Layer: beside ``populate.py``, above ``tables.py``. ``jobs_worker.py`` holds the
worker's side: ``populate(reserve_jobs=True)`` asks it for the keys to compute
and wraps its ``KeyRunner`` in a ``ReservingRunner``, which calls the primitives
here (``reserve_many``, ``complete``, ``error``, ``release``) around the makes.

Each Computed/Imported table ``__name`` (or ``_name``) has, as in DataJoint 2.x,
a jobs table ``~~name`` in the same schema, declared on first use. Its primary
key is the part of the target's key that comes from primary foreign keys; each
row has a status: ``pending`` (to do), ``reserved`` (a worker is on it),
``success`` (kept only with ``jobs.keep_completed``; otherwise the row is
deleted), ``error`` (with message and stack, not retried until the row is
deleted or set back to pending) and ``ignore`` (never computed).

A reservation is one atomic statement that succeeds only if the job is pending
(``reserve``, for one key, also when it has no row), checked by its row count or
by the rows it returns: two workers can never both win a key. ``populate``
reserves the pending jobs of several keys at once (``jobs_batch.py``), and gives
back those it did not start.

While a reserved key waits for its ``make`` (see ``batching.py``) and while
``make`` runs, the worker's heartbeat (``heartbeat.py``) moves the job's
``reserved_time`` forward every ``jobs.heartbeat_interval`` seconds, so
``reserved_time`` is the time of the last sign of life: ``refresh(orphan_timeout=s)``
re-pends reservations older than ``s`` (a killed worker's), never a live one.
DataJoint 2.3.5 has no heartbeat column and reads ``reserved_time`` the same way,
so its own ``refresh(orphan_timeout=...)`` leaves joinery's live workers alone.

Two columns are joinery's own, appended after DataJoint's (DataJoint sees them as
extra attributes with defaults and ignores them): ``peak_memory`` (bytes) and
``attempts`` (how many times ``make`` ran for the reservation). Jobs tables
declared by DataJoint lack them; joinery then simply does not record them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from typing import Any, cast

import numpy as np

from .declare import declare
from .errors import DataJointError
from .jobs_batch import BatchReservations, retry_deadlocks
from .jobs_worker import local_now, worker_identity
from .query import nodes as n
from .query.operands import Not
from .settings import config
from .tables import FreeTable

#: the longest error message kept (DataJoint's limit), and what marks a cut one
ERROR_MESSAGE_LENGTH = 2047
TRUNCATION_APPENDIX = "...truncated"
STATUSES = ("pending", "reserved", "success", "error", "ignore")

_BODY = f"""
---
status : enum('pending', 'reserved', 'success', 'error', 'ignore')
priority : int8
created_time=CURRENT_TIMESTAMP(3) : datetime(3)
scheduled_time=CURRENT_TIMESTAMP(3) : datetime(3)
reserved_time=null : datetime(3)
completed_time=null : datetime(3)
duration=null : float64
error_message="" : varchar({ERROR_MESSAGE_LENGTH})
error_stack=null : <blob>
user="" : varchar(255)
host="" : varchar(255)
pid=0 : int32
connection_id=0 : int64
version="" : varchar(64)
peak_memory=null : int64  # peak resident memory of the worker process during make, bytes (joinery)
attempts=0 : int32  # times make ran for this reservation (joinery)
INDEX (status, priority, scheduled_time)
"""


def jobs_table_name(table_name: str) -> str:
    """DataJoint 2.x's name of a table's jobs table: ``__filtered`` -> ``~~filtered``."""
    return "~~" + table_name.lstrip("_")


def job_key_attributes(target: Any) -> list[str]:
    """The target's primary-key attributes that come from its primary foreign keys, in key order."""
    graph = target.connection.dependencies
    graph.load()
    name = target.full_table_name
    inherited: set[str] = set()
    for parent in graph.parents(name, primary=True):
        for pairs in graph.graph.edges[parent, name]["fks"]:
            inherited.update(child for child, _ in pairs)
    names = [a for a in target.primary_key if a in inherited]
    if not names:
        raise DataJointError(
            f"Cannot make a jobs table for {type(target).__name__}: its primary key has no attribute "
            "inherited through a foreign key, so there is nothing to reserve."
        )
    return names


class Jobs(BatchReservations, FreeTable):
    """The jobs table of one auto-populated table: a query over it, plus the job operations.

    ``Table.jobs`` returns one; restricting it (``jobs & key``, ``jobs.errors``)
    gives a ``Jobs`` again, so ``Table.jobs.errors.delete()`` clears errors.
    """

    def __init__(self, target: Any):
        connection = target.connection
        self._target = target
        table = jobs_table_name(target.table_name)
        if not connection.catalog.table_exists(target.database, table):
            lines = "\n".join(f"{a} : {target.heading[a].type.core}" for a in job_key_attributes(target))
            definition = f"# Job queue for {target.full_table_name}\n{lines}\n{_BODY}"
            declare(connection, target.database, table, "Jobs", definition, {})
        super().__init__(connection, connection.dialect.table_ref(target.database, table))
        self._sql: dict[str, str] = {}

    def _restricted(self, node: n.Node) -> Jobs:
        copy = object.__new__(Jobs)
        copy.__dict__.update(self.__dict__)
        copy._node_value = node
        return copy

    def __repr__(self) -> str:
        return f"Jobs of {type(self._target).__name__}\n" + super(FreeTable, self).__repr__()

    @property
    def target(self) -> Any:
        """The auto-populated table whose keys these jobs are."""
        return self._target

    # -- filters ----------------------------------------------------------------------------

    @property
    def pending(self) -> Jobs:
        """Jobs waiting for a worker."""
        return self._with_status("pending")

    @property
    def reserved(self) -> Jobs:
        """Jobs a worker is computing now."""
        return self._with_status("reserved")

    @property
    def errors(self) -> Jobs:
        """Jobs whose ``make`` failed; deleting them makes their keys eligible again."""
        return self._with_status("error")

    @property
    def ignored(self) -> Jobs:
        """Jobs marked never to be computed."""
        return self._with_status("ignore")

    @property
    def completed(self) -> Jobs:
        """Jobs done (kept only when ``dj.config['jobs.keep_completed']`` is on)."""
        return self._with_status("success")

    def _with_status(self, status: str) -> Jobs:
        return cast("Jobs", self & {"status": status})

    def delete(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Delete these job rows, without a prompt (nothing depends on them)."""
        self.delete_quick()

    def drop(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Drop the jobs table, without a prompt."""
        self.drop_quick()

    # -- the primitives ---------------------------------------------------------------------

    @functools.cached_property
    def _key_names(self) -> list[str]:
        return list(self.heading.primary_key)

    @functools.cached_property
    def _encoders(self) -> dict[str, Any]:
        from .codecs.values import encoder

        return {a.name: encoder(a) for a in self.heading.attributes.values()}

    def _values(self, names: list[str], row: dict) -> list:
        """The stored form of ``row``'s values of ``names`` (encoders looked up once per jobs table)."""
        encoders = self._encoders
        values = []
        for name in names:
            value, encode = row[name], encoders[name]
            if value is not None and encode is not None:
                value = encode(value)
            values.append(value.item() if isinstance(value, np.generic) else value)
        return values

    def _key_values(self, key: dict) -> list:
        missing = [name for name in self._key_names if name not in key]
        if missing:
            raise DataJointError(f"A job key needs {missing}; got {sorted(key)}.")
        return self._values(self._key_names, key)

    def _insert_sql(self, columns: list[str], ignore: bool = False) -> str:
        """``INSERT`` of a job row: its key, then ``columns``."""
        return self._connection.dialect.insert_sql(
            self.full_table_name, self._key_names + columns, ignore=ignore
        )

    def _upsert_sql(self, columns: list[str], update: list[str], condition: str = "") -> str:
        """``INSERT`` a job row, or on its key update ``update`` columns where ``condition`` holds."""
        cache_key = f"{columns}{update}{condition}"
        if cache_key not in self._sql:
            self._sql[cache_key] = self._connection.dialect.upsert_sql(
                self.full_table_name, self._key_names + columns, self._key_names, update, condition
            )
        return self._sql[cache_key]

    @functools.cached_property
    def _where_key(self) -> str:
        dialect = self._connection.dialect
        return " AND ".join(f"{dialect.quote(k)} = {dialect.placeholder}" for k in self._key_names)

    def _worker_row(self, status: str, now: dt.datetime) -> dict:
        """A job row naming this worker (user, host, pid), all its times ``now``."""
        row = {"status": status, "priority": config["jobs.default_priority"]}
        row.update(created_time=now, scheduled_time=now, reserved_time=now)
        row.update(worker_identity(self._connection.settings.get("user")))
        return row

    def reserve(self, key: dict) -> bool:
        """Reserve ``key`` for this process; False if it is reserved, failed, ignored or not yet due.

        One statement: a missing job row is inserted as reserved, a pending one
        (whose scheduled time has come) is switched to reserved, and anything
        else is left alone; the row count tells which happened.
        """
        row = self._worker_row("reserved", local_now())
        columns = list(row)
        update = ["status", "reserved_time", "user", "host", "pid", "connection_id", "version"]
        condition = (
            "{existing[status]} = 'pending' AND {existing[scheduled_time]} <= {incoming[reserved_time]}"
        )
        sql = self._upsert_sql(columns, update, condition)
        cursor = self._connection.query(sql, self._key_values(key) + self._values(columns, row))
        return cursor.rowcount > 0

    def complete(
        self,
        key: dict,
        duration: float | None = None,
        peak_memory: int | None = None,
        attempts: int | None = None,
    ) -> None:
        """Mark ``key`` done: its row is deleted, or kept as 'success' with ``jobs.keep_completed``."""
        if not config["jobs.keep_completed"]:
            self._connection.query(
                f"DELETE FROM {self.full_table_name} WHERE {self._where_key}", self._key_values(key)
            )
            return
        row = {"status": "success", "completed_time": local_now(), "duration": duration}
        self._write(key, self._with_usage(row, peak_memory, attempts))

    def error(
        self,
        key: dict,
        error_message: str,
        error_stack: str | None = None,
        *,
        duration: float | None = None,
        peak_memory: int | None = None,
        attempts: int | None = None,
    ) -> None:
        """Record that ``make`` failed for ``key``: message (cut to 2047 characters) and stack."""
        now = local_now()
        row = {**self._worker_row("error", now), "completed_time": now, "error_message": _cut(error_message)}
        row.update(error_stack=error_stack, duration=duration)
        self._write(key, self._with_usage(row, peak_memory, attempts))

    def record_attempt(self, key: dict, attempts: int, error_message: str, error_stack: str) -> None:
        """Note a failed attempt that will be retried: the job stays reserved, with the error so far."""
        row = {"status": "reserved", "error_message": _cut(error_message), "error_stack": error_stack}
        self._write(key, self._with_usage(row, None, attempts))

    def _with_usage(self, row: dict, peak_memory: int | None, attempts: int | None) -> dict:
        """``row`` plus the joinery-only columns this jobs table has (DataJoint's tables lack them)."""
        names = self.heading.names
        if peak_memory is not None and "peak_memory" in names:
            row = {**row, "peak_memory": int(peak_memory)}
        if attempts is not None and "attempts" in names:
            row = {**row, "attempts": int(attempts)}
        return row

    def ignore(self, key: dict) -> None:
        """Mark ``key`` never to be computed (inserting its job row if needed)."""
        self._write(key, {"status": "ignore", "priority": config["jobs.default_priority"]})

    def _write(self, key: dict, row: dict) -> None:
        """Set the columns of ``row`` on the job of ``key``, inserting the job if it is missing."""
        columns = list(row)
        if "priority" not in row:
            columns.append("priority")
            row = {**row, "priority": config["jobs.default_priority"]}
        update = [c for c in columns if c != "priority"]
        sql = self._upsert_sql(columns, update)
        params = self._key_values(key) + self._values(columns, row)
        if self._connection.in_transaction:  # a deadlock rolled back the whole transaction: its owner retries
            self._connection.query(sql, params)
        else:  # alone, it may meet another worker's or a refresh's writes (MySQL's gap locks): tried again
            retry_deadlocks(lambda: self._connection.query(sql, params))

    # -- the queue as a whole ---------------------------------------------------------------

    def refresh(
        self,
        *restrictions: Any,
        delay: float = 0,
        priority: int | None = None,
        stale_timeout: float | None = None,
        orphan_timeout: float | None = None,
    ) -> dict:
        """Add pending jobs for missing keys and remove jobs whose keys are gone.

        Returns the counts ``{'added', 'removed', 'orphaned', 're_pended'}``.
        Reservations older than ``orphan_timeout`` seconds are set back to pending.
        """
        from .populate import AutoPopulate

        priority = config["jobs.default_priority"] if priority is None else priority
        stale_timeout = config["jobs.stale_timeout"] if stale_timeout is None else stale_timeout
        target = self._target
        key_source = AutoPopulate.key_source.fget(target)  # type: ignore[attr-defined]
        todo = key_source
        for restriction in restrictions:
            todo = todo & restriction
        result = {"added": 0, "removed": 0, "orphaned": 0, "re_pended": 0}
        now = local_now()
        new = _without(todo - target.proj(), self).keys()
        if new:
            self._insert_pending(new, priority, now, now + dt.timedelta(seconds=delay))
            result["added"] = len(new)
        if config["jobs.keep_completed"]:
            done = _without(_within(self.completed, key_source), target.proj())
            result["re_pended"] = self._set_pending(done.keys())
        vanished = _without(self, key_source.proj())
        finished = _without(vanished & "status in ('success', 'error')", target.proj())
        result["removed"] = finished.delete_quick(get_count=True) or 0
        if stale_timeout > 0:
            cutoff = _iso(now - dt.timedelta(seconds=stale_timeout))
            stale = vanished & f"created_time < '{cutoff}'" & "status != 'ignore'"
            result["removed"] += stale.delete_quick(get_count=True) or 0
        if orphan_timeout:
            result["orphaned"] = self.release_orphans(orphan_timeout)
        return result

    def add_pending(self, keys: list[dict]) -> None:
        """Add a pending job, due now, for each of ``keys`` that has no job (populate's ``keys=``)."""
        if keys:
            now = local_now()
            self._insert_pending(keys, config["jobs.default_priority"], now, now - dt.timedelta(seconds=1))

    def _insert_pending(self, keys: list[dict], priority: int, now: dt.datetime, due: dt.datetime) -> None:
        """Insert pending jobs for ``keys``, leaving alone the keys that have one."""
        row = {"status": "pending", "priority": priority, "scheduled_time": due, "created_time": now}
        names = self._key_names + list(row)
        sql = self._insert_sql(list(row), ignore=True)
        unique: dict[tuple, dict] = {}  # one row per job, however many keys share it
        for key in keys:
            with contextlib.suppress(DataJointError):  # a malformed key fails on its own turn
                unique.setdefault(self.job_key(key), key)
        with self._connection.atomic():
            self._connection.executemany(
                sql, [self._values(names, {**key, **row}) for key in unique.values()]
            )

    def _set_pending(self, keys: list[dict]) -> int:
        q = self._connection.dialect.quote
        sql = f"UPDATE {self.full_table_name} SET {q('status')} = 'pending' WHERE {self._where_key}"
        if keys:
            self._connection.executemany(sql, [self._key_values(key) for key in keys])
        return len(keys)

    def pending_keys(
        self, restriction: Any = None, priority: int | None = None, limit: int | None = None
    ) -> list:
        """Keys of pending jobs that are due, most urgent (lowest priority number) first."""
        query = self.pending & f"scheduled_time <= '{_iso(local_now())}'"
        if priority is not None:
            query = query & f"priority <= {int(priority)}"
        if restriction is not None:
            query = _within(query, restriction)
        rows = query.proj("priority", "scheduled_time").to_dicts(
            order_by=["priority", "scheduled_time"], limit=limit
        )
        names = self._key_names
        return [{name: row[name] for name in names} for row in rows]

    def progress(self) -> dict:
        """Counts of jobs by status, and their ``'total'``."""
        rows = self._connection.query(f"SELECT status, COUNT(*) FROM {self.full_table_name} GROUP BY status")
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: count for status, count in rows.fetchall()})
        counts["total"] = sum(counts.values())
        return counts


def _within(query: Any, restriction: Any) -> Any:
    """``query & restriction`` matched by name: a jobs table's key has its own lineage (as in DataJoint)."""
    return query.restrict(restriction, semantic_check=False)


def _without(query: Any, restriction: Any) -> Any:
    """``query - restriction`` matched by name (see :func:`_within`)."""
    return query.restrict(Not(restriction), semantic_check=False)


def _cut(error_message: str) -> str:
    """The message cut to DataJoint's limit, marked as cut."""
    if len(error_message) <= ERROR_MESSAGE_LENGTH:
        return error_message
    return error_message[: ERROR_MESSAGE_LENGTH - len(TRUNCATION_APPENDIX)] + TRUNCATION_APPENDIX


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ", timespec="milliseconds")


__all__ = ["ERROR_MESSAGE_LENGTH", "STATUSES", "Jobs", "job_key_attributes", "jobs_table_name"]

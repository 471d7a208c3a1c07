"""``populate(dry_run=True)``: what populate would compute, why, and for about how long.

Layer: beside ``populate.py``, which calls :func:`plan` instead of computing.
Nothing is written, not even a jobs table: the keys are the missing keys of
``key_source`` (or the ``keys`` given), and with ``reserve_jobs=True`` each is
looked up in the jobs table, if there is one, to tell why it would run:

- ``'new'``: no job yet (or a pending one that never failed);
- ``'error cleared'``: pending again after an error (its message is still there);
- ``'reservation expired'``: reserved by a worker that sent no heartbeat for
  ``jobs.orphan_timeout`` seconds, so populate would take it over;
- ``'result deleted'``: completed before (``jobs.keep_completed``), but its rows are gone.

Keys in error, ignored, reserved by a live worker or scheduled for later are
left out, as populate would skip them. An error cleared by deleting its job row
looks like a new key. The estimate is the mean recorded ``duration`` of
successful jobs (kept with ``jobs.keep_completed``) times the number of keys,
divided by the number of processes or executor workers; None without records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from .settings import config

NEW = "new"
ERROR_CLEARED = "error cleared"
RESERVATION_EXPIRED = "reservation expired"
RESULT_DELETED = "result deleted"


def _candidates(table: Any, restrictions: tuple, keys: Any) -> list[dict]:
    """The keys populate would try before the jobs table has its say."""
    if keys is None:
        return (table._jobs_to_do(restrictions) - table).keys()
    from .done_checks import DoneChecks, expecting

    checks, todo = DoneChecks(table), table._todo(restrictions, keys, None)
    with expecting(table, todo):  # many keys per query
        return [key for key in todo if not checks.done_before_make(key)]


def _jobs_if_declared(table: Any) -> Any:
    from .jobs import jobs_table_name

    exists = table.connection.catalog.table_exists(table.database, jobs_table_name(table.table_name))
    return table.jobs if exists else None


def _reason(job: dict | None, now: dt.datetime, adds_new: bool, repends: bool) -> str | None:
    """Why populate would compute a key with this job row; None if it would not."""
    if job is None:
        return NEW if adds_new else None
    status = job["status"]
    if status == "pending":
        if job["scheduled_time"] is not None and job["scheduled_time"] > now:
            return None
        return ERROR_CLEARED if job["error_message"] else NEW
    if status == "reserved":
        from .jobs_worker import orphan_timeout

        expired = now - dt.timedelta(seconds=orphan_timeout())
        return RESERVATION_EXPIRED if job["reserved_time"] is None or job["reserved_time"] < expired else None
    if status == "success":
        return RESULT_DELETED if repends else None
    return None


def _job_rows(jobs: Any) -> dict[tuple, dict]:
    names = jobs.primary_key
    rows = jobs.proj("status", "error_message", "reserved_time", "scheduled_time").to_dicts()
    return {tuple(row[name] for name in names): row for row in rows}


def _reasons(
    table: Any, candidates: list[dict], keys_given: bool, refresh: bool | None
) -> list[tuple[dict, str]]:
    jobs = _jobs_if_declared(table)
    if jobs is None:
        return [(key, NEW) for key in candidates]
    refreshing = config["jobs.auto_refresh"] if refresh is None else refresh
    adds_new = keys_given or refreshing
    repends = not keys_given and refreshing and config["jobs.keep_completed"]
    rows, names, now = _job_rows(jobs), jobs.primary_key, dt.datetime.now()
    planned = []
    for key in candidates:
        reason = _reason(rows.get(tuple(key[name] for name in names)), now, adds_new, repends)
        if reason is not None:
            planned.append((key, reason))
    return planned


def mean_duration(table: Any) -> float | None:
    """The mean recorded duration of this table's successful jobs, in seconds (None if none is recorded)."""
    jobs = _jobs_if_declared(table)
    if jobs is None:
        return None
    sql = (
        f"SELECT AVG(duration), COUNT(duration) FROM {jobs.full_table_name} "
        "WHERE status = 'success' AND duration IS NOT NULL"
    )
    average, count = table.connection.query(sql).fetchone()
    return float(average) if count else None


def _parallelism(processes: int, executor: Any) -> int:
    if executor is None:
        return processes
    from .executors import workers_of

    return workers_of(executor)


def plan(
    table: Any,
    restrictions: tuple,
    keys: Any,
    limit: int | None,
    reserve_jobs: bool,
    refresh: bool | None,
    processes: int,
    executor: Any = None,
) -> dict:
    """What ``populate(..., dry_run=True)`` returns (see the module docstring)."""
    candidates = _candidates(table, restrictions, keys)
    if reserve_jobs:
        planned = _reasons(table, candidates, keys is not None, refresh)
    else:
        planned = [(key, NEW) for key in candidates]
    planned = planned[:limit] if limit is not None else planned
    mean = mean_duration(table)
    estimate = None if mean is None else mean * len(planned) / max(1, _parallelism(processes, executor))
    return {
        "keys": planned,
        "reasons": dict(Counter(reason for _, reason in planned)),
        "estimated_seconds": estimate,
        "mean_duration": mean,
    }


__all__ = ["ERROR_CLEARED", "NEW", "RESERVATION_EXPIRED", "RESULT_DELETED", "mean_duration", "plan"]

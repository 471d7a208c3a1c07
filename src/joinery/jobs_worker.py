"""The worker's side of the jobs table: who is working, and populate's reserving runner.

Layer: between ``populate.py`` and ``jobs.py``. ``populate(reserve_jobs=True)``
gets its keys from :func:`reserved_todo` (pending jobs, after a refresh) and
runs each through a :class:`ReservingRunner`: reserve, ``make``, then mark the
job complete or record the error with its stack. The worker's identity (user,
host, pid, code version) is computed once per process, since it is written
with every reservation.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import os
import platform
import subprocess
import time
import traceback
from typing import TYPE_CHECKING, Any

from .settings import config

if TYPE_CHECKING:
    from .jobs import Jobs


def local_now() -> dt.datetime:
    """Now, in local time like the tables' ``CURRENT_TIMESTAMP`` defaults (the worker's clock, not the server's)."""
    return dt.datetime.now()


@functools.lru_cache(maxsize=1)
def _git_version() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _version() -> str:
    return _git_version() if config["jobs.version_method"] == "git" else ""


@functools.lru_cache(maxsize=4)
def _worker_of(user: str | None, pid: int) -> dict:
    return {
        "user": user or getpass.getuser(),
        "host": platform.node(),
        "pid": pid,
        "connection_id": 0,
        "version": _version(),
    }


def worker_identity(user: str | None) -> dict:
    """Who is working: database user (or login name), host, pid; cached per process."""
    return _worker_of(user, os.getpid())


class ReservingRunner:
    """A ``KeyRunner`` that reserves each key first and records its outcome in the jobs table."""

    def __init__(self, runner: Any, jobs: Jobs):
        self.runner = runner
        self.jobs = jobs

    def __call__(self, key: dict) -> bool:
        """Make ``key`` if this process wins its reservation; False if not (or if it was already done)."""
        if not self.jobs.reserve(key):
            return False
        start = time.perf_counter()
        try:
            made = self.runner(key)
        except (Exception, KeyboardInterrupt, SystemExit) as error:
            from .populate import error_message

            self.jobs.error(key, error_message(error), traceback.format_exc())
            raise
        self.jobs.complete(key, time.perf_counter() - start)
        return made


def reserved_todo(
    table: Any,
    jobs: Jobs,
    restrictions: tuple,
    keys: Any,
    limit: int | None,
    priority: int | None,
    refresh: bool | None,
) -> list[dict]:
    """The keys ``populate(reserve_jobs=True)`` tries: pending jobs (after a refresh), or the ``keys`` given."""
    if keys is not None:
        return table._todo(restrictions, keys, limit)
    if config["jobs.auto_refresh"] if refresh is None else refresh:
        jobs.refresh(*restrictions, priority=priority, delay=-1)
    restriction = table._jobs_to_do(restrictions) if restrictions else None
    return jobs.pending_keys(restriction, priority, limit)

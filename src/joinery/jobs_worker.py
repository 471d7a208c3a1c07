"""The worker's side of the jobs table: who is working, and populate's reserving runner.

Layer: between ``populate.py`` and ``jobs.py``. ``populate(reserve_jobs=True)``
gets its keys from :func:`reserved_todo` (pending jobs, after a refresh) and
runs each through a :class:`ReservingRunner`: reserve, ``make`` (kept alive by
the heartbeat, retried on transient errors), then mark the job complete or
record the error with its stack, duration and peak memory. The worker's identity (user,
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
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .heartbeat import keeping_alive
from .populate import error_message
from .retry import RetryPolicy, attempt_header, run_with_retries
from .settings import config
from .usage import Usage, measuring

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


def orphan_timeout() -> float:
    """Seconds without a heartbeat after which populate re-pends a reservation (``jobs.orphan_timeout``).

    Unset, it is five heartbeat intervals: long enough that a busy worker's
    late heartbeat is not mistaken for death.
    """
    value = config["jobs.orphan_timeout"]
    return float(value) if value is not None else 5 * config["jobs.heartbeat_interval"]


class ReservingRunner:
    """A ``KeyRunner`` that reserves each key first and records its outcome in the jobs table.

    While ``make`` runs, the process's heartbeat keeps the reservation alive.
    A transient failure (see :class:`~joinery.retry.RetryPolicy`) is retried
    while attempts remain, each failed attempt written to the job row (which
    stays reserved): ``attempts``, the error message prefixed with the attempt,
    and ``error_stack`` holding every attempt's traceback so far. The final
    outcome records the duration and peak memory of all attempts together.
    """

    def __init__(self, runner: Any, jobs: Jobs, policy: RetryPolicy | None = None):
        self.runner = runner
        self.jobs = jobs
        self.policy = policy or RetryPolicy()

    def __call__(self, key: dict) -> bool:
        """Make ``key`` if this process wins its reservation; False if not (or if it was already done)."""
        if not self.jobs.reserve(key):
            return False
        stacks: list[str] = []
        completed: list[bool] = []

        def complete_in_commit() -> None:
            # the job is completed in the transaction that writes the make's rows: one commit, not two
            self.jobs.complete(key, **self._usage(usage.finish(), len(stacks) + 1))
            completed.append(True)

        with keeping_alive(self.jobs, key), measuring() as usage:
            made = self._attempts(key, stacks, complete_in_commit)
        if isinstance(made, BaseException):
            self.jobs.error(key, error_message(made), "".join(stacks), **self._usage(usage, len(stacks)))
            raise made
        if not completed:
            self.jobs.complete(key, **self._usage(usage, len(stacks) + 1))
        return made

    def _attempts(self, key: dict, stacks: list[str], on_commit: Callable[[], None]) -> bool | BaseException:
        """Run ``make`` until it succeeds or fails for good; the result, or the error that ended it."""
        policy = self.policy
        while True:
            try:
                return self.runner(key, on_commit=on_commit)
            except (Exception, KeyboardInterrupt, SystemExit) as error:
                attempt = len(stacks) + 1
                header = attempt_header(attempt, policy.max_attempts, error_message(error))
                # a single attempt's stack is DataJoint's plain traceback; retried ones are headed
                stacks.append((header if policy.max_attempts > 1 else "") + traceback.format_exc())
                if attempt >= policy.max_attempts or not policy.transient(error, self.jobs.connection):
                    return error
                self.jobs.record_attempt(key, attempt, header.strip("- \n"), "".join(stacks))
                policy.pause(attempt)

    @staticmethod
    def _usage(usage: Usage, attempts: int) -> dict:
        return {"duration": usage.duration, "peak_memory": usage.peak_memory, "attempts": attempts}


class RetryingRunner:
    """A ``KeyRunner`` whose transient failures are retried (populate without a jobs table)."""

    def __init__(self, runner: Any, policy: RetryPolicy):
        self.runner = runner
        self.policy = policy

    def __call__(self, key: dict) -> bool:
        what = f"make of {type(self.runner.table).__name__} for {key}"
        return run_with_retries(lambda: self.runner(key), self.policy, self.runner.table.connection, what)


def make_runner(
    table: Any, make_kwargs: dict, jobs: Jobs | None, policy: RetryPolicy
) -> Callable[[dict], bool]:
    """The callable that computes one key as ``populate`` was asked to: reserved, retried, or plain."""
    from .make_runner import KeyRunner

    runner = KeyRunner(table, make_kwargs)
    if jobs is not None:
        return ReservingRunner(runner, jobs, policy)
    if policy.max_attempts > 1:
        return RetryingRunner(runner, policy)
    return runner


def reserved_todo(
    table: Any,
    jobs: Jobs,
    restrictions: tuple,
    keys: Any,
    limit: int | None,
    priority: int | None,
    refresh: bool | None,
) -> list[dict]:
    """The keys ``populate(reserve_jobs=True)`` tries: pending jobs (after a refresh), or the ``keys`` given.

    First, reservations whose worker sent no heartbeat for ``jobs.orphan_timeout``
    seconds go back to pending, so a killed worker's key is computed again.
    """
    jobs.release_orphans(orphan_timeout())
    if keys is not None:
        return table._todo(restrictions, keys, limit)
    if config["jobs.auto_refresh"] if refresh is None else refresh:
        jobs.refresh(*restrictions, priority=priority, delay=-1)
    restriction = table._jobs_to_do(restrictions) if restrictions else None
    return jobs.pending_keys(restriction, priority, limit)

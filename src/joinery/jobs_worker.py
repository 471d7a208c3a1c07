"""The worker's side of the jobs table: who is working, and populate's reserving runner.

Layer: between ``populate.py`` and ``jobs.py``. ``populate(reserve_jobs=True)``
gets its keys from :func:`reserved_todo` (pending jobs, after a refresh) and
runs them through a :class:`ReservingRunner`: reserve (several keys at once,
see ``batching.py``), ``make`` (kept alive by the heartbeat, retried on
transient errors), then mark the job complete or record the error with its
stack, duration and peak memory. The worker's identity (user,
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from .batching import Batch, BatchSize, next_batch
from .done_checks import expecting
from .heartbeat import Heartbeat, heartbeat_for, keeping_alive
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
    """A ``KeyRunner`` that reserves keys first and records each outcome in the jobs table.

    Told the keys to come (:meth:`expect`), it reserves them in batches
    (``batching.py``): the key asked for and the next ones, as many as ``make``
    gets through in a short while; a key another worker holds is skipped.
    Reserved keys are kept alive by the process's heartbeat until they are
    made; :meth:`release` gives back those never started.
    A transient failure (see :class:`~joinery.retry.RetryPolicy`) is retried
    while attempts remain, each failed attempt written to the job row (which
    stays reserved): ``attempts``, the error message prefixed with the attempt,
    and ``error_stack`` holding every attempt's traceback so far. The final
    outcome records the duration and peak memory of all attempts together.
    """

    def __init__(self, runner: Any, jobs: Jobs, policy: RetryPolicy | None = None):
        self.runner = runner
        self.table = runner.table
        self.jobs = jobs
        self.policy = policy or RetryPolicy()
        self._plan: Sequence[dict] = ()
        self._next = 0  # the position in the plan of the next key not yet reserved
        self._batch: Batch | None = None
        self._size = BatchSize()
        self._heartbeat: Heartbeat | None = None  # this process's, found once (on first use)

    def expect(self, keys: Sequence[dict]) -> None:
        """The keys the next calls ask for, in this order: reserved ahead of their turn, in batches."""
        self.release()
        self._plan, self._next = keys, 0

    def release(self) -> None:
        """Give back the keys reserved ahead that were never started (pending again)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.close()
            if batch.start is not None:  # the keys given back are the plan's next ones again
                self._next = min(self._next, batch.start + batch.taken)

    def __call__(self, key: dict) -> bool:
        """Make ``key`` if this process wins its reservation; False if not (or if it was already done)."""
        if not self._reserved(key):
            return False
        started = time.perf_counter()
        try:
            return self._make(key)
        finally:
            self._size.record(time.perf_counter() - started)

    def _reserved(self, key: dict) -> bool:
        """Whether this process holds ``key``: from the current batch, or from a new one starting at it."""
        if self._batch is None or not self._batch.expects(key):
            self.release()
            plan, at = self._plan, self._next
            if at < len(plan) and (plan[at] is key or plan[at] == key):
                keys = next_batch(self.jobs, plan, at, int(self._size))
                self._batch = Batch(self.jobs, keys, at, self.heartbeat)
                self._next = at + len(keys)
            else:  # a key out of the plan's order: reserved alone
                self._batch = Batch(self.jobs, [key], None, self.heartbeat)
        return self._batch.take()

    @property
    def heartbeat(self) -> Heartbeat:
        """This process's heartbeat for the jobs' database (started on first use)."""
        if self._heartbeat is None:
            self._heartbeat = heartbeat_for(self.jobs.connection.settings)
        return self._heartbeat

    def _make(self, key: dict) -> bool:
        """Run ``make`` for a reserved key; complete its job in the make's commit, or record its error."""
        stacks: list[str] = []
        completed: list[bool] = []

        def complete_in_commit() -> None:
            # the job is completed in the transaction that writes the make's rows: one commit, not two
            self.jobs.complete(key, **self._usage(usage.finish(), len(stacks) + 1))
            completed.append(True)

        # the keys this process won are checked for being done together, now that no other worker can make them
        batch_keys = self._batch.won_keys if self._batch else ()
        alive = keeping_alive(self.jobs, [key], self.heartbeat)
        with alive, measuring() as usage, expecting(self.runner.table, batch_keys):
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
        self.table = runner.table
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


@contextmanager
def planned(runner: Any, keys: Sequence[dict]) -> Iterator[None]:
    """Run ``keys`` through ``runner`` in this order inside the block: a reserving runner reserves
    them in batches, and gives back at the end those it reserved but never started (stopped early).
    The block's commits are quick (:func:`_quick_commits`)."""
    with _quick_commits(runner.table.connection) if keys else nullcontext():
        if not isinstance(runner, ReservingRunner):
            yield
            return
        runner.expect(keys)
        try:
            yield
        finally:
            runner.release()


def _quick_commits(connection: Any) -> Any:
    """Commits that need not wait for the server's disk, durable together when the block ends.

    A key whose commit a server crash loses is missing afterwards, and the next
    populate computes it again; ``populate.synchronous_commit`` turns this off.
    """
    return nullcontext() if config["populate.synchronous_commit"] else connection.relaxed_commits()


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
        todo = table._todo(restrictions, keys, limit)
        jobs.add_pending(todo)  # reservations are won from pending jobs
        return todo
    if config["jobs.auto_refresh"] if refresh is None else refresh:
        jobs.refresh(*restrictions, priority=priority, delay=-1)
    restriction = table._jobs_to_do(restrictions) if restrictions else None
    return jobs.pending_keys(restriction, priority, limit)

"""``populate(processes=N)``: the keys of one populate call shared by N worker processes.

Layer: beside ``populate.py``, which hands it the list of keys to compute. Each
worker runs the same :class:`~joinery.populate.KeyRunner` as a serial populate,
so a key's rows are still committed together in one short transaction, and a
key another worker finished first is skipped.

Workers are forked: they inherit the table class and its ``make`` (which may be
defined anywhere, even inside a function) without pickling. The parent closes
its database connection before forking and reopens it afterwards; each worker
opens its own on first use (``Connection.raw`` reconnects in a new process), so
no process ever uses another's connection. Only keys and outcomes cross the
process boundary (``worker_pool.py``: a pipe per worker). When populate stops
early (an error that is not suppressed, ^C), each worker ends after its current
key, or is killed if that takes longer than a second.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any

from .errors import DataJointError
from .jobs_worker import make_runner, planned
from .populate import error_message
from .retry import RetryPolicy
from .worker_pool import Work, WorkerPool

#: what a worker sends back for each key: (key, made, error, error message, traceback text)
Outcome = tuple[dict, bool, Any, str, str]


logger = logging.getLogger(__name__)


class RemoteTraceback(Exception):
    """The formatted traceback of an error raised in a worker process (set as the error's cause)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


def compute_chunk(
    runner: Callable[[dict], bool],
    keys: list[dict],
    *,
    stop_on_error: bool,
    stopping: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Each key's outcome, computed in order by ``runner``; an error ends the chunk if ``stop_on_error``.

    The chunk is the runner's plan: a reserving runner reserves its keys in
    batches, and gives back at the end those it reserved but did not start.
    """
    outcomes: list[Outcome] = []
    with planned(runner, keys):
        for key in keys:
            if stopping():
                break
            try:
                outcomes.append((key, runner(key), None, "", ""))
            except Exception as error:
                outcomes.append((key, False, portable(error), error_message(error), traceback.format_exc()))
                if stop_on_error:
                    break
    return outcomes


def _chunk_work(table: Any, make_kwargs: dict, jobs: Any, policy: RetryPolicy, stop_on_error: bool) -> Work:
    """In a worker, once: the function that computes a chunk of keys there."""
    runner = make_runner(table, make_kwargs, jobs, policy)
    return lambda keys, stopping: compute_chunk(runner, keys, stop_on_error=stop_on_error, stopping=stopping)


def portable(error: Exception) -> Exception:
    """The error itself if it survives pickling (to the parent), else a DataJointError with its message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return DataJointError(error_message(error))
    return error


def populate_in_processes(
    table: Any,
    keys: list[dict],
    processes: int,
    *,
    suppress_errors: bool,
    return_exception_objects: bool,
    display_progress: bool,
    make_kwargs: dict,
    jobs: Any = None,
    policy: RetryPolicy | None = None,
) -> dict:
    """Compute ``keys`` in up to ``processes`` worker processes; the same summary as a serial populate.

    With ``jobs`` (a :class:`~joinery.jobs.Jobs`), each worker reserves a key before making it.
    Without ``suppress_errors`` the first error is raised here (its worker
    traceback as its cause) and the other workers are stopped.
    """
    processes = max(1, min(processes, len(keys), os.cpu_count() or 1))
    connection = table.connection
    connection.close()
    progress = None
    if display_progress:
        from tqdm import tqdm

        progress = tqdm(total=len(keys), desc=type(table).__name__)
    success, error_list = 0, []
    pool = None
    setup = functools.partial(
        _chunk_work, table, make_kwargs, jobs, policy or RetryPolicy(), not suppress_errors
    )
    try:
        with WorkerPool(processes, setup) as pool:
            for _chunk, outcomes in pool.results(_chunks(keys, processes)):
                for key, done, error, message, stack in outcomes:
                    if progress is not None:
                        progress.update()
                    if error is None:
                        success += done
                        continue
                    error.__cause__ = RemoteTraceback(stack)
                    if not suppress_errors:
                        raise error
                    error_list.append((key, error if return_exception_objects else message))
    finally:
        if progress is not None:
            progress.close()
        connection.connect()
        if pool is not None and pool.killed and jobs is not None:
            _give_back(jobs, pool.killed)  # what workers killed mid-chunk had reserved
    return {"success_count": success, "error_list": error_list}


def _give_back(jobs: Any, pids: list[int]) -> None:
    """Give back the reservations of worker processes killed mid-populate (best effort: orphan
    recovery takes over what cannot be given back now)."""
    try:
        jobs.release_processes(pids)
    except Exception as error:
        logger.warning("joinery could not give back the stopped workers' reservations (%s)", error)


def _chunks(keys: list[dict], processes: int) -> list[list[dict]]:
    """The keys cut into the pieces a worker takes at a time (see :func:`_chunk`)."""
    size = _chunk(len(keys), processes)
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def _chunk(n_keys: int, processes: int) -> int:
    """Keys per task: small enough to balance the load, large enough that quick makes are not all IPC."""
    return max(1, min(32, n_keys // (processes * 8)))

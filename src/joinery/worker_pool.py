"""A small pool of forked worker processes, each fed chunks of work through a pipe of its own.

Layer: under ``parallel.py`` (``populate(processes=N)``); knows nothing of tables.

Why not ``multiprocessing.Pool``: its workers share one task queue and one
result queue, guarded by locks that live across processes and fed by helper
threads. Stopping it early (``terminate()``, on an error or ^C) kills workers
that may hold one of those locks mid-write, and the parent can then wait
forever joining its helper threads; a worker that dies (a segfault, the OOM
killer, ``os._exit`` in ``make``) loses its task and leaves the pool waiting
for it. Here each worker has its own duplex pipe and nothing else is shared
but one lock-free stop flag, the parent does all the waiting itself (on the
pipes and the processes' sentinels), and a dead worker is reported for the
chunk it held.

A chunk's work function runs in the worker; it gets the chunk and a
``stopping()`` callable, which turns true when the parent stops the pool, so
long chunks can end between items.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn

from .errors import DataJointError

#: in the worker: (chunk, stopping) -> the chunk's result, sent back to the parent
Work = Callable[[Any, Callable[[], bool]], Any]

#: seconds a stopped pool's busy workers get to end their current item before they are killed
GRACE = 1.0


class WorkerDied(DataJointError):
    """A worker process ended without sending the result of the chunk it held."""


@dataclass
class _Worker:
    process: Any
    pipe: Connection
    chunk: Any = None  # the chunk in flight, None when idle
    busy: bool = False


def _fork_context() -> Any:
    if "fork" not in mp.get_all_start_methods():
        raise DataJointError(
            "populate(processes=N) needs the 'fork' start method, which this platform lacks; "
            "run several populate() processes instead, or use processes=1."
        )
    return mp.get_context("fork")


def _discard(pipe: Connection) -> None:
    """Read and drop whatever ``pipe`` holds now."""
    try:
        while pipe.poll():
            pipe.recv()
    except (EOFError, OSError):
        pass


def _serve(pipe: Connection, stop: Any, setup: Callable[[], Work]) -> None:
    """A worker's life: set up, then compute each chunk received until told to end (``None``)."""
    try:
        work = setup()
        while (chunk := pipe.recv()) is not None:
            pipe.send(work(chunk, lambda: bool(stop.value)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass  # ^C reaches every process of the terminal; the parent decides what it means
    finally:
        pipe.close()


class WorkerPool:
    """``processes`` forked workers; :meth:`results` yields (chunk, result) as chunks complete.

    Use as a context manager: leaving the block stops the workers, letting a
    busy one end its current item for up to :data:`GRACE` seconds before it
    is killed.
    """

    def __init__(self, processes: int, setup: Callable[[], Work]):
        context = _fork_context()
        self._stop = context.RawValue("b", 0)  # lock-free: a killed worker cannot leave it locked
        self._workers: list[_Worker] = []
        for _ in range(processes):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, self._stop, setup), daemon=True)
            process.start()
            theirs.close()
            self._workers.append(_Worker(process, mine))

    def results(self, chunks: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        """Hand out ``chunks`` to idle workers and yield (chunk, result) in completion order.

        Raises :class:`WorkerDied` for a worker that ends without its result.
        """
        waiting = deque(chunks)
        for worker in self._workers:
            self._hand(worker, waiting)
        while busy := [worker for worker in self._workers if worker.busy]:
            ready = wait([worker.pipe for worker in busy] + [worker.process.sentinel for worker in busy])
            for worker in busy:
                if worker.pipe in ready or worker.pipe.poll():
                    chunk, result = worker.chunk, self._receive(worker)
                    self._hand(worker, waiting)
                    yield chunk, result
                elif worker.process.sentinel in ready:
                    self._died(worker)

    def _hand(self, worker: _Worker, waiting: deque) -> None:
        worker.chunk = waiting.popleft() if waiting else None
        worker.busy = worker.chunk is not None
        if worker.busy:
            try:
                worker.pipe.send(worker.chunk)
            except (BrokenPipeError, ConnectionResetError):
                self._died(worker)

    def _receive(self, worker: _Worker) -> Any:
        try:
            return worker.pipe.recv()
        except (EOFError, ConnectionResetError):
            self._died(worker)

    def _died(self, worker: _Worker) -> NoReturn:
        worker.process.join(GRACE)
        worker.busy = False
        code = worker.process.exitcode
        raise WorkerDied(
            f"worker process {worker.process.pid} ended (exit code {code}) while computing "
            f"{worker.chunk!r}; its other work was stopped. A make that crashes the interpreter "
            "(or is killed for memory) shows here: run populate() with processes=1 to see it."
        )

    def close(self) -> None:
        """Stop the workers: idle ones end at once, busy ones after their current item (or are killed)."""
        self._stop.value = 1
        for worker in self._workers:
            with contextlib.suppress(OSError):  # it is gone already
                worker.pipe.send(None)
        deadline = time.monotonic() + GRACE
        for worker in self._workers:
            while worker.process.exitcode is None and (left := deadline - time.monotonic()) > 0:
                wait([worker.pipe, worker.process.sentinel], left)
                _discard(worker.pipe)  # a result sent after the stop must not block its sender
            if worker.process.exitcode is None:
                worker.process.kill()
            worker.process.join()
            worker.pipe.close()

    @property
    def killed(self) -> list[int]:
        """The pids of the workers that had to be killed (or died) rather than end on their own."""
        return [worker.process.pid for worker in self._workers if (worker.process.exitcode or 0) != 0]

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

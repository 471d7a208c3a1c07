"""Heartbeats: a running ``make`` keeps its job reservation alive.

Layer: beside ``jobs_worker.py`` and ``batching.py``, which register here each
batch of reserved keys while its keys wait for their ``make`` (for a limited
time), and each key while its ``make`` runs. One daemon thread per process (and per database), started
with the first reserved ``make``, moves the registered jobs' ``reserved_time``
to now every ``jobs.heartbeat_interval`` seconds (it polls at most once a
second, and does nothing else while idle). A worker killed mid-``make`` stops
beating, so ``Jobs.refresh(orphan_timeout=...)`` (run by every
``populate(reserve_jobs=True)``) hands its key to another worker, while a live
worker keeps its reservation however long ``make`` takes.

The thread has its own database connection, opened from the settings of the
connection whose jobs it keeps alive: a connection is never used by two
threads, and a ``make`` holding a transaction never delays a heartbeat. After
a fork the child starts its own thread and connection on first use (threads
do not survive a fork, and the parent's connection is not the child's).
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from .settings import config

logger = logging.getLogger(__name__)


@dataclass
class _Beat:
    """Reserved keys: the statement that refreshes their reservations, and when it last ran."""

    sql: str
    params: list
    encode_time: Any
    until: float | None = None  # when to stop beating (``time.monotonic()``), None: until unregistered
    last: float = field(default_factory=time.monotonic)


class Heartbeat:
    """The heartbeat thread of one process for one database (see the module docstring)."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = dict(settings)
        self._beats: dict[int, _Beat] = {}
        self._tokens = itertools.count()
        self._lock = threading.Lock()
        self._connection: Any = None
        self._thread = threading.Thread(target=self._run, name="joinery-heartbeat", daemon=True)
        self._thread.start()

    def register(self, sql: str, params: list, encode_time: Any, until: float | None = None) -> int:
        """Start keeping a reservation alive (until ``until``, if given); the token to :meth:`unregister` it with."""
        token = next(self._tokens)
        with self._lock:
            self._beats[token] = _Beat(sql, params, encode_time, until)
        return token

    def unregister(self, token: int) -> None:
        """Stop beating for a reservation (its ``make`` has returned)."""
        with self._lock:
            self._beats.pop(token, None)

    def _run(self) -> None:
        # polling (at most once a second) rather than being woken: a populate registers a
        # key every few milliseconds, and waking this thread each time costs more than it saves
        while True:
            interval = config["jobs.heartbeat_interval"]
            time.sleep(min(interval, 1.0))
            now = time.monotonic()
            with self._lock:
                for token in [
                    t for t, beat in self._beats.items() if beat.until is not None and now > beat.until
                ]:
                    del self._beats[token]
                due = [beat for beat in self._beats.values() if now - beat.last >= interval]
            for beat in due:
                self._beat(beat)

    def _beat(self, beat: _Beat) -> None:
        """Refresh one reservation; a failure is logged and retried at the next beat."""
        beat.last = time.monotonic()
        try:
            from .jobs_worker import local_now

            cursor = self._connect().query(beat.sql, [beat.encode_time(local_now()), *beat.params])
        except Exception as error:  # the worker must go on; the next beat tries again
            logger.warning("joinery heartbeat failed (%s); retrying in the next interval", error)
            self._drop_connection()
            return
        if cursor.rowcount == 0:
            logger.warning(
                "joinery heartbeat: reservations were taken over by another worker (%s)", beat.params
            )

    def _connect(self) -> Any:
        if self._connection is None:
            from .engine.connection import Connection

            self._connection = Connection(self.settings)
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with suppress(Exception):
                self._connection.close()
            self._connection = None


_lock = threading.Lock()
_heartbeats: dict[tuple[int, str], Heartbeat] = {}


def _reset_after_fork() -> None:
    """In a forked child: the parent's threads are gone, and so must be their registry and its lock."""
    global _lock
    _lock = threading.Lock()
    _heartbeats.clear()


os.register_at_fork(after_in_child=_reset_after_fork)


def heartbeat_for(settings: dict[str, Any]) -> Heartbeat:
    """This process's heartbeat for the database of ``settings`` (started on first use)."""
    key = (os.getpid(), repr(sorted(settings.items(), key=lambda item: item[0])))
    with _lock:
        heartbeat = _heartbeats.get(key)
        if heartbeat is None:
            heartbeat = _heartbeats[key] = Heartbeat(settings)
        return heartbeat


def keep_alive(
    jobs: Any, keys: Sequence[dict], until: float | None = None, heartbeat: Heartbeat | None = None
) -> Callable[[], None]:
    """Start keeping this process's reservations of ``keys`` in ``jobs`` alive; returns what stops it.

    One statement refreshes them all, however many (those made meanwhile,
    completed, are simply no longer matched). With ``until`` (a
    ``time.monotonic()`` value) the beating stops by itself then: a batch's
    keys not started by that time are left to expire (see ``batching.py``).
    ``heartbeat``: this process's for the jobs' database, if the caller has it at hand.
    """
    heartbeat = heartbeat or heartbeat_for(jobs.connection.settings)
    sql, params, encode_time = jobs.heartbeat_statement(keys)
    token = heartbeat.register(sql, params, encode_time, until)
    return functools.partial(heartbeat.unregister, token)


@contextmanager
def keeping_alive(jobs: Any, keys: Sequence[dict], heartbeat: Heartbeat | None = None) -> Iterator[None]:
    """While the block runs, this process's heartbeat keeps its reservations of ``keys`` in ``jobs`` alive."""
    stop = keep_alive(jobs, keys, heartbeat=heartbeat)
    try:
        yield
    finally:
        stop()


__all__ = ["Heartbeat", "heartbeat_for", "keep_alive", "keeping_alive"]

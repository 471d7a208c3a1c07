"""Which keys a worker reserves together, and for how long it holds them.

Layer: used by ``jobs_worker.py``'s ``ReservingRunner``; the statements are in
``jobs_batch.py``. Reserving a key costs a statement and a commit, as much as
a trivial ``make``; reserving the next keys of populate's list together pays
that once per batch. The batch is sized from ``make``'s measured pace: one key
to start with, then as many as ``make`` gets through in about
:data:`WINDOW` seconds (at most :data:`MOST`). A ``make`` of a second or more
thus still reserves one key at a time (workers share the keys fairly, nothing
waits long behind another worker's batch), while quick ones are amortized.

Every key a batch won is kept alive by the heartbeat while it waits, and on
its own while it is made. The won keys not yet started are given back (pending
again) when the worker stops early. A batch is held for :data:`HOLD` seconds
at most (``make`` got slower than the batch was sized for): its next key then
starts a new batch, at ``make``'s new pace, and the rest of the old one is
given back. If a ``make`` runs longer than that, the keys waiting behind it
are no longer kept alive, so orphan recovery hands them to other workers
rather than letting one slow ``make`` hold them; this worker never makes a key
of a batch older than :data:`HOLD` without reserving it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from .heartbeat import keep_alive

logger = logging.getLogger(__name__)

#: seconds of ``make`` a batch aims to hold
WINDOW = 0.2
#: the most keys reserved at once
MOST = 100
#: seconds after which a batch's keys not yet started are given back and reserved afresh
HOLD = 5 * WINDOW


class BatchSize:
    """How many keys to reserve next: about :data:`WINDOW` seconds of ``make`` at its recent pace."""

    def __init__(self) -> None:
        self.seconds_per_key: float | None = None

    def record(self, seconds: float) -> None:
        """Note how long one key took (``make`` and its commit); recent keys weigh most."""
        previous = self.seconds_per_key
        self.seconds_per_key = seconds if previous is None else (previous + seconds) / 2

    def __int__(self) -> int:
        if self.seconds_per_key is None:
            return 1  # nothing measured yet: a long make must not hold many keys
        return max(1, min(MOST, int(WINDOW / max(self.seconds_per_key, WINDOW / MOST))))


class Batch:
    """One reservation of several keys: the keys in populate's order, which were won, the next one to take."""

    def __init__(self, jobs: Any, keys: Sequence[dict], start: int | None = None, heartbeat: Any = None):
        self.jobs = jobs
        self.keys = list(keys)
        self.start = start  # the position of the first key in populate's list (None: not from it)
        self.won = jobs.reserve_many(self.keys)
        self.taken = 0
        self.reserved_at = time.monotonic()
        #: the keys this process won, in populate's order
        self.won_keys = [key for key, won in zip(self.keys, self.won) if won]
        # alive while they may be taken; a key taken is kept alive on its own while it is made
        until = self.reserved_at + HOLD
        self._stop_heartbeat: Callable[[], None] | None = (
            keep_alive(jobs, self.won_keys, until, heartbeat) if self.won_keys else None
        )

    def expects(self, key: dict) -> bool:
        """True if ``key`` is this batch's next key, still held for less than :data:`HOLD` seconds."""
        if self.taken >= len(self.keys) or time.monotonic() - self.reserved_at > HOLD:
            return False
        expected = self.keys[self.taken]
        return key is expected or key == expected

    def take(self) -> bool:
        """Move to the next key; True if this process won it."""
        self.taken += 1
        return self.won[self.taken - 1]

    def close(self) -> None:
        """Give back the won keys not taken, then stop their heartbeat.

        Best effort: if the database cannot be reached, the keys are no longer
        kept alive, so orphan recovery hands them to another worker.
        """
        rest = [key for key, won in zip(self.keys[self.taken :], self.won[self.taken :]) if won]
        try:
            if rest:
                self.jobs.release(rest)
        except Exception as error:
            logger.warning(
                "joinery could not give back %d reserved keys (%s); orphan recovery will", len(rest), error
            )
        finally:
            if self._stop_heartbeat is not None:
                self._stop_heartbeat()


def next_batch(jobs: Any, plan: Sequence[dict], start: int, size: int) -> list[dict]:
    """Up to ``size`` keys of ``plan`` from ``start``, stopping before one whose job key came already.

    Keys sharing a job key (a ``key_source`` wider than the jobs table's key)
    go to separate batches, as they went to separate reservations before.
    """
    chosen: list[dict] = []
    seen: set[tuple] = set()
    for key in plan[start : start + size]:
        try:
            job_key = jobs.job_key(key)
        except Exception:  # a malformed key fails on its own turn, not its neighbour's
            break
        if job_key in seen:
            break
        seen.add(job_key)
        chosen.append(key)
    return chosen or list(plan[start : start + 1])


__all__ = ["HOLD", "MOST", "WINDOW", "Batch", "BatchSize", "next_batch"]

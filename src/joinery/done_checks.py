"""Is a key done already? Asked before each ``make``; answered for several keys in one query.

Layer: used by ``make_runner.py``'s ``KeyRunner``; ``populate.py`` says which
keys come next (:func:`expecting`). Before computing a key, populate checks
that no other process has committed it meanwhile, so that concurrent
populates do not compute the same key twice. For a quick ``make`` that check
(one round trip) costs as much as the ``make`` and its commit together. When
populate has said which keys follow, the check covers the key asked for and
the next ones at once, as many as ``make`` gets through in about :data:`FRESH`
seconds at its measured pace: a ``make`` of a second or more is still checked
alone, right before it runs. A key seen missing is trusted for :data:`FRESH`
seconds; if one of a batch is done, those keys are checked one by one.

With ``reserve_jobs=True`` populate does not say which keys follow: each key
is checked alone, after it is reserved, so that a check can never predate the
reservation (a key another worker made and released meanwhile would be made
again).

Correctness never depends on these checks: a row another process committed
first still makes the commit fail with a duplicate key (the key is then
counted as done), and writes that could not detect that look again inside
their transaction (``KeyRunner._must_recheck``).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: seconds a check that found a key missing is trusted; also the ``make`` time a batch covers
FRESH = 0.2
#: the most keys one check names (a power of two: batches are padded to one, so few statements exist)
MOST = 256

_expected: contextvars.ContextVar[tuple[type, Sequence[dict]] | None] = contextvars.ContextVar(
    "joinery_expected_keys", default=None
)


@contextmanager
def expecting(table: Any, keys: Sequence[dict]) -> Iterator[None]:
    """Inside the block, ``make`` of ``table`` is asked for ``keys``, in this order (some may be skipped)."""
    token = _expected.set((type(table), keys))
    try:
        yield
    finally:
        _expected.reset(token)


class DoneChecks:
    """The done-checks of one table's runner: exact ones, and batched ones ahead of ``make``."""

    def __init__(self, table: Any):
        self.table = table
        self._statements: dict[tuple[tuple[str, ...], int], tuple[str, list]] = {}
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # a key's attributes -> its key names
        self._missing: dict[tuple, float] = {}  # key values -> when they were seen missing
        self._plan: Sequence[dict] | None = None
        self._positions: dict[tuple, int] = {}
        self._alone_until = -1  # positions before this are checked one by one (a batch had a done key)
        self._last: float | None = None
        self._pace: float | None = None  # seconds per key, recent keys weighing most

    def done(self, key: dict) -> bool:
        """True if the table has rows for ``key`` now (one indexed ``SELECT 1``, compiled once)."""
        names = self._names(key)
        return self._any_done(names, [key])

    def done_before_make(self, key: dict) -> bool:
        """:meth:`done`, or the answer of a recent check of several keys (see the module docstring)."""
        now = time.monotonic()
        self._measure(now)
        names = self._names(key)
        values = _values(key, names)
        if values is None:
            return self.done(key)
        seen = self._missing.pop(values, None)
        if seen is not None and now - seen < FRESH:
            return False
        batch = self._batch(key, names, values)
        if len(batch) < 2:
            return self.done(key)
        if self._any_done(names, [other for other, _ in batch]):
            self._alone_until = self._positions[values] + len(batch)
            return self.done(key)
        for _, other_values in batch[1:]:
            self._missing[other_values] = now
        return False

    # -- which keys to check together -------------------------------------------------------------

    def _measure(self, now: float) -> None:
        if self._last is not None:
            seconds = now - self._last
            self._pace = seconds if self._pace is None else (self._pace + seconds) / 2
        self._last = now

    def _size(self) -> int:
        if self._pace is None:
            return 1  # nothing measured yet: the first key is checked alone
        return max(1, min(MOST, int(FRESH / max(self._pace, FRESH / MOST))))

    def _batch(self, key: dict, names: tuple[str, ...], values: tuple) -> list[tuple[dict, tuple]]:
        """``key`` and the keys expected after it (same attributes), as many as fit the pace; each
        with its values."""
        plan = self._expected_plan()
        most = self.table.connection.dialect.max_parameters
        size = self._size() if most is None else min(self._size(), most // len(names) // 2)
        at = self._positions.get(values) if plan is not None and size > 1 else None
        if plan is None or at is None or at < self._alone_until:
            return [(key, values)]
        batch = [(key, values)]
        for other in plan[at + 1 : at + size]:
            other_values = _values(other, names) if self._names(other) == names else None
            if other_values is None:
                break
            batch.append((other, other_values))
        return batch

    def _expected_plan(self) -> Sequence[dict] | None:
        """The keys populate said come next for this table, indexed by their values (once per plan)."""
        expected = _expected.get()
        if expected is None or expected[0] is not type(self.table):
            return None
        plan = expected[1]
        if plan is not self._plan:
            self._plan, self._missing, self._alone_until = plan, {}, -1
            self._positions = {}
            for position, key in enumerate(plan):
                values = _values(key, self._names(key))
                if values is not None:
                    self._positions.setdefault(values, position)
        return plan

    # -- the statement ------------------------------------------------------------------------------

    def _names(self, key: dict) -> tuple[str, ...]:
        """The table's primary-key attributes that ``key`` has (looked up once per kind of key)."""
        shape = tuple(key)
        names = self._shapes.get(shape)
        if names is None:
            names = self._shapes[shape] = tuple(name for name in self.table.primary_key if name in key)
        return names

    def _any_done(self, names: tuple[str, ...], keys: list[dict]) -> bool:
        """True if the table has rows for any of ``keys`` (all with the attributes ``names``)."""
        count = 1
        while count < len(keys):
            count *= 2
        statement = self._statements.get((names, count))
        if statement is None:
            statement = self._statements[names, count] = _statement(self.table, names, count)
        sql, encoders = statement
        padded = keys + [keys[-1]] * (count - len(keys))
        params = [
            key[name] if encode is None else encode(key[name]) for key in padded for name, encode in encoders
        ]
        return self.table.connection.query(sql, params).fetchone() is not None


def _values(key: dict, names: tuple[str, ...]) -> tuple | None:
    """The key's values as a dict key; None if one cannot be (unhashable) or names nothing."""
    try:
        values = tuple(key[name] for name in names)
        hash(values)
    except (KeyError, TypeError):
        return None
    return values if values and None not in values else None


def _statement(table: Any, names: tuple[str, ...], count: int) -> tuple[str, list]:
    """``SELECT 1 FROM t WHERE <any of count keys> LIMIT 1`` and each parameter's encoder, per key."""
    from .codecs import encoder

    dialect = table.connection.dialect
    if len(names) == 1:
        where = f"{dialect.quote(names[0])} IN ({dialect.placeholders(count)})"
    else:
        one = " AND ".join(f"{dialect.quote(name)} = {dialect.placeholder}" for name in names)
        where = " OR ".join([f"({one})"] * count)
    encoders = [(name, encoder(table.heading[name])) for name in names]
    return f"SELECT 1 FROM {table.full_table_name} WHERE {where} LIMIT 1", encoders


__all__ = ["FRESH", "MOST", "DoneChecks", "expecting"]

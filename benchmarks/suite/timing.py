"""Repeated timing of one piece of work, and the summary the report prints.

Every figure in the suite is a :class:`Measurement`: the wall-clock seconds of
each repetition (setup excluded), how many items one repetition handles, and
the unit of those items. The median is the headline figure; the min/max spread
and the interquartile range say how much to trust it. A side that fails keeps
its error text instead of times, so one broken backend never stops a run.
"""

from __future__ import annotations

import gc
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Measurement:
    """Seconds per repetition of one side of one case, or the error that side raised."""

    times: list[float] = field(default_factory=list)
    items: float = 1.0
    unit: str = "items"
    error: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def iqr(self) -> float:
        """Interquartile range of the times (0 with fewer than 4 repetitions)."""
        if len(self.times) < 4:
            return 0.0
        quartiles = statistics.quantiles(self.times, n=4)
        return quartiles[2] - quartiles[0]

    @property
    def rate(self) -> float:
        """Items per second at the median time."""
        return self.items / self.median if self.median > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        if not self.ok:
            return {"error": self.error, "note": self.note}
        return {
            "median_s": self.median,
            "min_s": min(self.times),
            "max_s": max(self.times),
            "iqr_s": self.iqr,
            "times_s": self.times,
            "items": self.items,
            "unit": self.unit,
            "rate_per_s": self.rate,
            "note": self.note,
        }


def failure(error: BaseException, unit: str = "items") -> Measurement:
    """A measurement that records why a side could not run (the error's type and message, on one line)."""
    message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    text = f"{type(error).__name__}: {message}"
    return Measurement(unit=unit, error=text[:300], note=traceback.format_exc(limit=-3)[-600:])


def measure(
    run: Callable[[], Any],
    *,
    repeat: int,
    items: float,
    unit: str,
    setup: Callable[[], Any] | None = None,
    check: Callable[[Any], None] | None = None,
    warmup: bool = True,
) -> Measurement:
    """Time ``run()`` ``repeat`` times, calling ``setup()`` untimed before each repetition.

    With ``warmup`` one more repetition runs first and is not counted (imports,
    caches, the database's page cache). ``check`` receives the value of the
    first counted run, so a fast but wrong side is caught.
    The garbage collector runs before each repetition but stays on during it:
    a library that allocates more pays for its collections, as it would for users.
    """
    result = Measurement(items=items, unit=unit)
    try:
        for index in range(-1 if warmup else 0, repeat):
            if setup is not None:
                setup()
            gc.collect()
            start = time.perf_counter()
            value = run()
            elapsed = time.perf_counter() - start
            if index < 0:
                continue
            result.times.append(elapsed)
            if index == 0 and check is not None:
                check(value)
    except Exception as error:
        return failure(error, unit)
    return result


def fastest(candidates: dict[str, Measurement]) -> Measurement:
    """The candidate with the lowest median (e.g. psycopg executemany vs COPY), labelled in its note."""
    working = {name: m for name, m in candidates.items() if m.ok}
    if not working:
        return next(iter(candidates.values()))
    name, best = min(working.items(), key=lambda item: item[1].median)
    others = ", ".join(f"{n} {m.median * 1000:.0f} ms" for n, m in working.items() if n != name)
    best.note = f"{name}" + (f" (faster than {others})" if others else "")
    return best

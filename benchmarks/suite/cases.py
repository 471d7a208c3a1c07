"""One row of the results: a case (e.g. "insert 100,000 rows in one insert()") timed on each side.

Sides are named ``joinery``, ``raw`` (the database driver doing the same work),
``datajoint`` (DataJoint 2.x on a server backend) and, where it is the natural
baseline, ``files`` (one file per item in a folder). Ratios are of median
times, joinery / other: below 1 joinery is faster. A case may carry a target
from issue 6 and whether this run met it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .timing import Measurement

SIDES = ("joinery", "raw", "files", "datajoint")


@dataclass
class Case:
    """A named piece of work with one measurement per side, and its target if the issue sets one."""

    workload: str
    name: str
    sides: dict[str, Measurement] = field(default_factory=dict)
    target: str = ""
    met: bool | None = None
    derived: dict[str, float] = field(default_factory=dict)

    def ratio(self, other: str) -> float | None:
        """Median time of joinery / median time of ``other`` (None when either side is missing)."""
        ours, theirs = self.sides.get("joinery"), self.sides.get(other)
        if ours is None or theirs is None or not ours.ok or not theirs.ok or theirs.median == 0:
            return None
        return ours.median / theirs.median

    def judge(self, target: str, rule: Callable[[Case], bool | None]) -> Case:
        """Attach a target and evaluate it (None when the sides it needs did not run)."""
        self.target = target
        try:
            self.met = rule(self)
        except (TypeError, ValueError, ZeroDivisionError, KeyError):
            self.met = None
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "case": self.name,
            "sides": {name: m.as_dict() for name, m in self.sides.items()},
            "ratio_joinery_raw": self.ratio("raw"),
            "ratio_joinery_files": self.ratio("files"),
            "ratio_joinery_datajoint": self.ratio("datajoint"),
            "derived": self.derived,
            "target": self.target,
            "met": self.met,
        }


def within_raw(limit: float) -> Callable[[Case], bool | None]:
    """Joinery's median time is at most ``limit`` times the raw driver's."""

    def rule(case: Case) -> bool | None:
        ratio = case.ratio("raw")
        return None if ratio is None else ratio <= limit

    return rule


def faster_than_datajoint(factor: float) -> Callable[[Case], bool | None]:
    """Joinery's throughput is at least ``factor`` times DataJoint's (None without a DataJoint side)."""

    def rule(case: Case) -> bool | None:
        ratio = case.ratio("datajoint")
        return None if ratio is None else ratio <= 1 / factor

    return rule


def rate_at_least(rate: float) -> Callable[[Case], bool | None]:
    def rule(case: Case) -> bool | None:
        ours = case.sides["joinery"]
        return ours.rate >= rate if ours.ok else None

    return rule


def median_below(seconds: float) -> Callable[[Case], bool | None]:
    def rule(case: Case) -> bool | None:
        ours = case.sides["joinery"]
        return ours.median < seconds if ours.ok else None

    return rule


def all_of(*rules: Callable[[Case], bool | None]) -> Callable[[Case], bool | None]:
    """Met when every rule that could be evaluated is met (None when none could)."""

    def rule(case: Case) -> bool | None:
        verdicts = [r(case) for r in rules]
        known = [v for v in verdicts if v is not None]
        return all(known) if known else None

    return rule

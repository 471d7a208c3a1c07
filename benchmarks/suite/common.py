"""What every workload shares: the run's sizes, and running the three sides of a comparison.

joinery and DataJoint expose the same API for everything these workloads do
(``insert``, ``insert1``, ``to_arrays``, ``fetch1``, ``populate``, ...), so a
workload writes its library side once, as a function of the library module
and a fresh schema, and :func:`compare` runs it for both. A side that raises
(e.g. a backend that is not implemented yet) is recorded as failed for each of
its cases; the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backends import Backend, drop_schema
from .cases import Case
from .raw import RawDB
from .timing import Measurement, failure

LibrarySide = Callable[[Any, Any], dict[str, Measurement]]
RawSide = Callable[[RawDB], dict[str, Measurement]]


@dataclass(frozen=True)
class Plan:
    """Full size (the issue's figures) or quick size (the whole suite in under a minute)."""

    quick: bool = False

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def repeat(self, full: int = 5, quick: int = 3) -> int:
        return quick if self.quick else full


def guarded(side: Callable[[], dict[str, Measurement]], keys: list[str]) -> dict[str, Measurement]:
    """Run one side; if it fails outside a timed section, mark each of its cases failed."""
    try:
        return side()
    except Exception as error:
        broken = failure(error)
        return dict.fromkeys(keys, broken)


def library_run(backend: Backend, library: str, tag: str, side: LibrarySide) -> dict[str, Measurement]:
    """Run ``side(module, schema)`` through joinery or DataJoint on a fresh schema, dropped afterwards."""
    if library == "joinery":
        module = backend.joinery(tag)
        schema = module.Schema(backend.unique(tag))
    else:
        module = backend.datajoint()
        schema = module.Schema(backend.unique(f"dj_{tag}")) if module is not None else None
    try:
        return side(module, schema)
    finally:
        drop_schema(schema, backend)


def raw_run(backend: Backend, tag: str, side: RawSide) -> dict[str, Measurement]:
    db = backend.raw(tag)
    try:
        return side(db)
    finally:
        db.close()


def compare(
    backend: Backend,
    workload: str,
    names: dict[str, str],
    library_side: LibrarySide,
    raw_side: RawSide,
) -> dict[str, Case]:
    """Run joinery, the raw driver and (on servers, when installed) DataJoint; one Case per name."""
    keys = list(names)
    tag = workload.split()[0].lower()
    sides = {
        "joinery": guarded(lambda: library_run(backend, "joinery", tag, library_side), keys),
        "raw": guarded(lambda: raw_run(backend, tag, raw_side), keys),
    }
    if backend.datajoint_available():
        sides["datajoint"] = guarded(lambda: library_run(backend, "datajoint", tag, library_side), keys)
    cases = {}
    for key, title in names.items():
        measured = {side: results[key] for side, results in sides.items() if key in results}
        cases[key] = Case(workload, title, measured)
    return cases

"""Helper values users put into restrictions: ``AndList``, ``Not``, ``Top``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class AndList(list):
    """A list of conditions that must all hold (a plain list means *any*).

    >>> AndList(['a > 1', {'b': 2}])
    AndList(['a > 1', {'b': 2}])
    """

    def __repr__(self) -> str:
        return f"AndList({list.__repr__(self)})"


class Not:
    """The negation of a condition: ``q & Not(cond)`` is ``q - cond``."""

    def __init__(self, restriction: Any):
        self.restriction = restriction

    def __repr__(self) -> str:
        return f"Not({self.restriction!r})"


@dataclass(frozen=True)
class Top:
    """The first ``limit`` rows in ``order_by`` order, skipping ``offset`` rows.

    ``order_by`` is an attribute name, a list of them, or ``'KEY'``; each may end
    in `` DESC``. ``order_by=None`` keeps the order of a ``Top`` applied just
    before (primary-key order otherwise). ``limit=None`` keeps every row (useful
    with ``offset``).

    >>> Top(5, 'score DESC').limit
    5
    """

    limit: int | None = 1
    order_by: Any = "KEY"
    offset: int = 0

    def __post_init__(self) -> None:
        from ..errors import DataJointError

        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 0):
            raise DataJointError(f"Top limit must be a non-negative integer or None, not {self.limit!r}.")
        if self.offset is None:
            object.__setattr__(self, "offset", 0)
        if not isinstance(self.offset, int) or self.offset < 0:
            raise DataJointError(f"Top offset must be a non-negative integer, not {self.offset!r}.")
        if isinstance(self.order_by, str):
            object.__setattr__(self, "order_by", (self.order_by,))
        elif self.order_by is not None:
            object.__setattr__(self, "order_by", tuple(self.order_by))

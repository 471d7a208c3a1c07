"""Restriction conditions, as immutable values.

User input (a dict, a string, a query, a list, ``AndList``, ``Not``, a record
array, a DataFrame, ``True``/``False``) is normalised into these small
condition nodes by ``query/restrict.py``; the compiler turns them into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class Condition:
    """Base of every condition."""


@dataclass(frozen=True, eq=False)
class Always(Condition):
    """True (every row) or False (no row)."""

    value: bool


@dataclass(frozen=True, eq=False)
class Equals(Condition):
    """Attributes equal to given values (``None`` means IS NULL)."""

    items: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class InKeys(Condition):
    """Rows whose ``attributes`` match one of ``rows`` (many keys at once)."""

    attributes: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, eq=False)
class Fragment(Condition):
    """A SQL condition written by the user in DataJoint's (MySQL) flavour."""

    text: str


@dataclass(frozen=True, eq=False)
class SemiJoin(Condition):
    """Rows matching some row of another query on the attributes ``on``."""

    node: Any  # query.nodes.Node (Any avoids an import cycle)
    on: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class And(Condition):
    items: tuple[Condition, ...]


@dataclass(frozen=True, eq=False)
class Or(Condition):
    items: tuple[Condition, ...]


@dataclass(frozen=True, eq=False)
class Negate(Condition):
    item: Condition

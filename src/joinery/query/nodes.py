"""The lazy query algebra: immutable nodes that describe a query.

A tree of nodes is built by the operators of ``QueryExpression`` and compiled
to SQL by ``sql/compiler.py``; nodes never write SQL. Each node carries the
heading of its result.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import Condition
from .heading import Heading


@dataclass(frozen=True, eq=False)
class Node:
    """Base of every node: its result heading."""

    heading: Heading


@dataclass(frozen=True, eq=False)
class TableNode(Node):
    """A stored table."""

    schema: str
    table: str


@dataclass(frozen=True, eq=False)
class RestrictNode(Node):
    """Rows of ``source`` that satisfy ``condition``."""

    source: Node
    condition: Condition


@dataclass(frozen=True, eq=False)
class ProjectNode(Node):
    """Pick, rename and compute attributes.

    ``columns`` pairs each output name with its origin: ``('attr', name)`` for an
    attribute of ``source`` (possibly renamed), ``('sql', fragment)`` for an
    expression written by the user in DataJoint's SQL flavour, ``('null', '')``
    for a NULL placeholder (the missing side of a union).
    """

    source: Node
    columns: tuple[tuple[str, tuple[str, str]], ...]


@dataclass(frozen=True, eq=False)
class JoinNode(Node):
    """Rows of ``left`` and ``right`` that agree on the attributes in ``on``."""

    left: Node
    right: Node
    on: tuple[str, ...]
    left_outer: bool = False


@dataclass(frozen=True, eq=False)
class AggregateNode(Node):
    """For each row of ``group``, aggregates over the matching rows of ``source``.

    ``computed`` pairs output names with aggregate expressions (user fragments).
    With ``keep_all`` rows of ``group`` without matches are kept (DataJoint 2.x).
    """

    group: Node
    source: Node
    on: tuple[str, ...]
    computed: tuple[tuple[str, str], ...]
    keep_all: bool = True


@dataclass(frozen=True, eq=False)
class GroupNode(Node):
    """Aggregates of ``source`` per distinct value of the attributes ``by`` (``dj.U(...).aggr``).

    With no ``by`` the whole of ``source`` is one group: exactly one row, even
    when ``source`` is empty.
    """

    source: Node
    by: tuple[str, ...]
    computed: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class UnionNode(Node):
    """Rows in either ``left`` or ``right``; both sides provide every attribute of the heading."""

    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class DistinctNode(Node):
    """The distinct values of some attributes of ``source`` (``dj.U('a') & q``)."""

    source: Node


@dataclass(frozen=True, eq=False)
class TopNode(Node):
    """The first ``limit`` rows of ``source`` in ``order_by`` order, after ``offset``."""

    source: Node
    limit: int | None
    offset: int
    order_by: tuple[str, ...]

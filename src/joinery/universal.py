"""``dj.U``: the universal set, for distinct values and aggregation by any attributes.

``dj.U('a', 'b') & q`` gives the distinct (a, b) of ``q``, with (a, b) as the key;
``dj.U('a').aggr(q, n='count(*)')`` aggregates ``q`` per value of ``a``;
``dj.U().aggr(q, n='count(*)')`` aggregates the whole of ``q`` into one row.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .errors import DataJointError
from .expression import QueryExpression, _as_query
from .query import nodes as n
from .query.heading import EXPRESSION_TYPE, Attribute, Heading


class U:
    """A set of attributes with every possible value."""

    def __init__(self, *attributes: str):
        self.primary_key = list(attributes)

    def _check(self, query: QueryExpression) -> None:
        missing = [a for a in self.primary_key if a not in query.heading]
        if missing:
            raise DataJointError(f"dj.U attributes {missing} are not in the query ({query.heading.names}).")

    def __and__(self, query: Any) -> QueryExpression:
        query = _as_query(query)
        self._check(query)
        heading = Heading(replace(query.heading[a], in_key=True) for a in self.primary_key)
        return query._derive(n.DistinctNode(heading, query._node))

    def __mul__(self, query: Any) -> QueryExpression:
        query = _as_query(query)
        self._check(query)
        attributes = [replace(a, in_key=a.in_key or a.name in self.primary_key) for a in query.heading]
        return query._derive(
            n.ProjectNode(
                Heading(attributes), query._node, tuple((a.name, ("attr", a.name)) for a in attributes)
            )
        )

    def aggr(self, group: Any, exclude_nonmatching: bool = True, **named: str) -> QueryExpression:
        """Aggregate ``group`` per distinct value of these attributes."""
        if not exclude_nonmatching:
            raise DataJointError("Cannot set exclude_nonmatching=False when aggregating on a universal set.")
        group = _as_query(group)
        keys = self & group if self.primary_key else None
        computed = tuple(named.items())
        extra = [Attribute(k, EXPRESSION_TYPE, nullable=True) for k in named]
        if keys is None:
            node = n.AggregateNode(Heading(extra), _one_row(group), group._node, (), computed, keep_all=True)
        else:
            heading = Heading(list(keys.heading) + extra)
            node = n.AggregateNode(
                heading, keys._node, group._node, tuple(self.primary_key), computed, keep_all=False
            )
        return group._derive(node)

    aggregate = aggr


def _one_row(query: QueryExpression) -> n.Node:
    """A node with exactly one row and no attributes, to aggregate a whole query into one row."""
    return n.DistinctNode(Heading([]), query._node)

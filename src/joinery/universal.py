"""``dj.U``: the universal set, for distinct values and aggregation by any attributes.

Layer: beside ``expression.py``; builds query nodes (``query/nodes.py``) from a
query. ``dj.U('a', 'b') & q`` gives the distinct (a, b) of ``q``, with (a, b) as
the key; ``dj.U('a').aggr(q, n='count(*)')`` aggregates ``q`` per value of ``a``
(NULL is a value of its own, as in SQL's GROUP BY); ``dj.U().aggr(q, ...)``
aggregates the whole of ``q`` into exactly one row.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .errors import DataJointError
from .expression import QueryExpression, _as_query, computed_attributes
from .query import nodes as n
from .query.heading import Heading


class U:
    """A set of attributes with every possible value.

    Restricting a query by ``dj.U(...)`` keeps every row; ``dj.U`` never takes
    part in the semantic check (it has every lineage), and the attributes it
    selects or groups by keep their lineage.
    """

    #: marks the universal set for ``query/restrict.py`` (which cannot import this module)
    _universal = True

    def __init__(self, *attributes: str):
        self.primary_key = list(attributes)

    def _check(self, query: QueryExpression) -> None:
        missing = [a for a in self.primary_key if a not in query.heading]
        if missing:
            raise DataJointError(f"dj.U attributes {missing} are not in the query ({query.heading.names}).")

    def __and__(self, query: Any) -> QueryExpression:
        """The distinct values of these attributes in ``query``."""
        query = _as_query(query)
        self._check(query)
        heading = Heading(replace(query.heading[a], in_key=True) for a in self.primary_key)
        return query._derive(n.DistinctNode(heading, query._node))

    def __mul__(self, query: Any) -> QueryExpression:
        """``query`` with these attributes added to its primary key."""
        query = _as_query(query)
        self._check(query)
        attributes = [replace(a, in_key=a.in_key or a.name in self.primary_key) for a in query.heading]
        columns = tuple((a.name, ("attr", a.name)) for a in attributes)
        return query._derive(n.ProjectNode(Heading(attributes), query._node, columns))

    def __sub__(self, query: Any) -> QueryExpression:
        raise DataJointError("dj.U(...) - query would be an infinite set; restrict a query instead.")

    def aggr(self, group: Any, exclude_nonmatching: bool = True, **named: str) -> QueryExpression:
        """Aggregate ``group`` per distinct value of these attributes (one row overall for ``dj.U()``)."""
        if not exclude_nonmatching:
            raise DataJointError("Cannot set exclude_nonmatching=False when aggregating on a universal set.")
        group = _as_query(group)
        self._check(group)
        keys = [replace(group.heading[a], in_key=True) for a in self.primary_key]
        heading = Heading(keys + computed_attributes(named, group.heading))
        node = n.GroupNode(heading, group._node, tuple(self.primary_key), tuple(named.items()))
        return group._derive(node)

    aggregate = aggr

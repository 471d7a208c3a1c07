"""``QueryExpression``: the user-facing, immutable query value.

Operators build a new expression around a new query node (``query/``) and
never touch the database; the fetch methods (``fetch.py``) compile the node
(``sql/compiler.py``) and run it through the connection (``engine/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import DataJointError
from .query import nodes as n
from .query.heading import EXPRESSION_TYPE, Attribute, Heading
from .query.operands import Top
from .query.restrict import make_condition, negate


class QueryExpression:
    """A lazy query: restrict ``&``, ``-``, join ``*``, ``proj``, ``aggr``, union ``+``."""

    def __init__(self, node: n.Node, connection: Any):
        self._node_value = node
        self._connection_value = connection

    # -- the tree -------------------------------------------------------------------

    @property
    def _node(self) -> n.Node:
        return self._node_value

    @property
    def connection(self) -> Any:
        """The connection queries run on."""
        return self._connection_value

    def _derive(self, node: n.Node) -> QueryExpression:
        return QueryExpression(node, self.connection)

    @property
    def heading(self) -> Heading:
        """The attributes of the result."""
        return self._node.heading

    @property
    def primary_key(self) -> list[str]:
        return self.heading.primary_key

    @property
    def original_heading(self) -> Heading:
        return self.heading

    # -- restriction ------------------------------------------------------------------

    def restrict(self, restriction: Any) -> QueryExpression:
        """Rows satisfying ``restriction`` (see ``query/restrict.py`` for what it may be)."""
        if isinstance(restriction, type) and issubclass(restriction, QueryExpression):
            restriction = restriction()
        if isinstance(restriction, Top):
            order = tuple(restriction.order_by)
            return self._derive(n.TopNode(self.heading, self._node, restriction.limit, restriction.offset, order))
        condition = make_condition(self.heading, restriction)
        return self._derive(n.RestrictNode(self.heading, self._node, condition))

    def __and__(self, restriction: Any) -> QueryExpression:
        return self.restrict(restriction)

    def __sub__(self, restriction: Any) -> QueryExpression:
        if isinstance(restriction, type) and issubclass(restriction, QueryExpression):
            restriction = restriction()
        condition = negate(make_condition(self.heading, restriction))
        return self._derive(n.RestrictNode(self.heading, self._node, condition))

    # -- join ---------------------------------------------------------------------------

    def join(self, other: Any, left: bool = False, semantic_check: bool = True) -> QueryExpression:
        """Rows of both queries that agree on their common attributes (``left=True``: keep all of self)."""
        other = _as_query(other)
        on = tuple(name for name in self.heading.names if name in other.heading)
        attributes = [
            _join_attribute(a, other.heading) for a in self.heading
        ] + [
            a if not left else _nullable(a) for a in other.heading if a.name not in self.heading
        ]
        node = n.JoinNode(Heading(attributes), self._node, other._node, on, left_outer=left)
        return self._derive(node)

    def __mul__(self, other: Any) -> QueryExpression:
        return self.join(other)

    def extend(self, other: Any, semantic_check: bool = True) -> QueryExpression:
        """Add the attributes of ``other`` to every row (a left join), keeping all rows."""
        return self.join(other, left=True, semantic_check=semantic_check)

    # -- projection ---------------------------------------------------------------------

    def proj(self, *attributes: Any, **named: str) -> QueryExpression:
        """Keep the primary key and the named attributes; rename (``new='old'``) or compute (``x='a+b'``)."""
        heading = self.heading
        keep = _projected_names(heading, attributes)
        renamed_sources = {value for value in named.values() if value in heading and value not in keep}
        columns: list[tuple[str, tuple[str, str]]] = []
        output: list[Attribute] = []
        for name in heading.names:
            if name in keep or (heading[name].in_key and name not in renamed_sources):
                columns.append((name, ("attr", name)))
                output.append(heading[name])
        for new, source in named.items():
            if source in heading:
                columns.append((new, ("attr", source)))
                output.append(heading[source].renamed(new))
            else:
                columns.append((new, ("sql", source)))
                output.append(Attribute(new, EXPRESSION_TYPE, nullable=True))
        names = [name for name, _ in columns]
        if len(set(names)) != len(names):
            raise DataJointError(f"proj() would produce duplicate attribute names: {names}.")
        return self._derive(n.ProjectNode(Heading(output), self._node, tuple(columns)))

    # -- aggregation --------------------------------------------------------------------

    def aggr(self, group: Any, *attributes: Any, exclude_nonmatching: bool = False, **named: str) -> QueryExpression:
        """For each row of self, compute ``named`` aggregates over the matching rows of ``group``."""
        group = _as_query(group)
        on = tuple(name for name in self.heading.names if name in group.heading)
        computed = tuple(named.items())
        heading = Heading(list(self.heading) + [Attribute(k, EXPRESSION_TYPE, nullable=True) for k in named])
        node = n.AggregateNode(heading, self._node, group._node, on, computed, keep_all=not exclude_nonmatching)
        kept = list(attributes) + list(named)
        return self._derive(node).proj(*kept)

    aggregate = aggr

    # -- union ----------------------------------------------------------------------------

    def __add__(self, other: Any) -> QueryExpression:
        other = _as_query(other)
        if set(self.primary_key) != set(other.primary_key):
            raise DataJointError(
                f"Union requires the same primary key on both sides: {self.primary_key} vs {other.primary_key}."
            )
        if set(self.heading.names) != set(other.heading.names):
            raise DataJointError(
                "Union requires the same attributes on both sides: "
                f"{sorted(self.heading.names)} vs {sorted(other.heading.names)}."
            )
        return self._derive(n.UnionNode(self.heading, self._node, other._node))

    # -- SQL --------------------------------------------------------------------------------

    def make_sql(self) -> str:
        """The SQL this query compiles to (parameters shown as placeholders), for debugging."""
        from .fetch import compiler_for

        sql, _ = compiler_for(self).compile(self._node)
        return sql

    # -- fetch & inspection (see fetch.py) ----------------------------------------------------

    def __len__(self) -> int:
        from .fetch import count

        return count(self)

    def __bool__(self) -> bool:
        from .fetch import exists

        return exists(self)

    def __contains__(self, item: Any) -> bool:
        return bool(self & item)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.to_dicts())

    def __repr__(self) -> str:
        from .preview import preview_text

        return preview_text(self)

    def _repr_html_(self) -> str:
        from .preview import preview_html

        return preview_html(self)

    def preview(self, limit: int | None = None, width: int | None = None) -> str:
        from .preview import preview_text

        return preview_text(self, limit, width)

    from .fetch import fetch, fetch1, head, keys, tail, to_arrays, to_dicts, to_pandas  # noqa: E402


def _as_query(value: Any) -> QueryExpression:
    if isinstance(value, type) and issubclass(value, QueryExpression):
        value = value()
    if not isinstance(value, QueryExpression):
        raise DataJointError(f"Expected a table or a query, got {type(value).__name__}.")
    return value


def _join_attribute(attribute: Attribute, other: Heading) -> Attribute:
    """A join's primary key is the union of both primary keys."""
    if attribute.name in other and other[attribute.name].in_key and not attribute.in_key:
        from dataclasses import replace

        return replace(attribute, in_key=True)
    return attribute


def _nullable(attribute: Attribute) -> Attribute:
    from dataclasses import replace

    return replace(attribute, nullable=True)


def _projected_names(heading: Heading, attributes: tuple) -> set[str]:
    keep: set[str] = set()
    excluded: set[str] = set()
    for item in attributes:
        if item is Ellipsis:
            keep.update(heading.secondary_attributes)
        elif isinstance(item, str) and item.startswith("-"):
            excluded.add(item[1:].strip())
        elif isinstance(item, str):
            if item not in heading:
                raise DataJointError(
                    f"Attribute `{item}` is not in the query; its attributes are {heading.names}."
                )
            keep.add(item)
        else:
            raise DataJointError(f"proj() takes attribute names, '...' and '-name', not {item!r}.")
    unknown = excluded - set(heading.names)
    if unknown:
        raise DataJointError(f"Cannot exclude unknown attributes {sorted(unknown)}.")
    if excluded & set(heading.primary_key):
        raise DataJointError(f"Cannot exclude primary-key attributes {sorted(excluded & set(heading.primary_key))}.")
    return keep - excluded

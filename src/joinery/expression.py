"""``QueryExpression``: the user-facing, immutable query value.

Operators build a new expression around a new query node (``query/``) and
never touch the database; the fetch methods (``fetch.py``) compile the node
(``sql/compiler.py``) and run it through the connection (``engine/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

from . import fetch as _fetch
from .errors import DataJointError
from .query import nodes as n
from .query.heading import EXPRESSION_TYPE, Attribute, Heading
from .query.operands import Top
from .query.restrict import make_condition, negate
from .query.semantic import assert_join_compatibility


class QueryExpression:
    """A lazy query: restrict ``&``, ``-``, join ``*``, ``proj``, ``aggr``, union ``+``."""

    #: the key dict of a table restricted by one key, while its node is not yet built (``tables.py``)
    _key: dict | None = None

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

    def restrict(self, restriction: Any, semantic_check: bool = True) -> QueryExpression:
        """Rows satisfying ``restriction`` (see ``query/restrict.py`` for what it may be).

        A query used as a restriction matches on the common attributes, which must
        share their lineage unless ``semantic_check=False`` (``query/semantic.py``).
        """
        node = self._node
        heading = node.heading
        if type(restriction) is dict:  # a key dict (populate's case) needs none of the checks below
            return self._derive(n.RestrictNode(heading, node, make_condition(heading, restriction)))
        if isinstance(restriction, type) and issubclass(restriction, QueryExpression):
            restriction = cast(Any, restriction)()
        if isinstance(restriction, Top):
            return self._derive(_top_node(node, restriction))
        condition = make_condition(heading, restriction, semantic_check)
        return self._derive(n.RestrictNode(heading, node, condition))

    def __and__(self, restriction: Any) -> QueryExpression:
        return self.restrict(restriction)

    def __sub__(self, restriction: Any) -> QueryExpression:
        if isinstance(restriction, type) and issubclass(restriction, QueryExpression):
            restriction = cast(Any, restriction)()
        node = self._node
        condition = negate(make_condition(node.heading, restriction))
        return self._derive(n.RestrictNode(node.heading, node, condition))

    # -- join ---------------------------------------------------------------------------

    def join(self, other: Any, semantic_check: bool = True, left: bool = False) -> QueryExpression:
        """Rows of both queries that agree on their common attributes (``left=True``: keep all of self).

        The common attributes must share their lineage unless ``semantic_check=False``.
        The primary key follows DataJoint 2.x: if one side's key is among the other
        side's attributes, that side determines the other and keeps its key;
        otherwise the key is the union of both keys.
        """
        other = _as_query(other)
        assert_join_compatibility(self.heading, other.heading, semantic_check)
        if left and not _determines(self.heading, other.heading):
            missing = [k for k in other.primary_key if k not in self.heading]
            raise DataJointError(
                f"A left join (extend) needs every primary-key attribute of the right operand in the left one; "
                f"missing: {missing}. Use an inner join (*) instead."
            )
        on = tuple(name for name in self.heading.names if name in other.heading)
        heading = join_heading(self.heading, other.heading, nullable_right=left)
        return self._derive(n.JoinNode(heading, self._node, other._node, on, left_outer=left))

    def __mul__(self, other: Any) -> QueryExpression:
        return self.join(other)

    def extend(self, other: Any, semantic_check: bool = True) -> QueryExpression:
        """Add the attributes of ``other`` to every row (a left join), keeping all rows."""
        return self.join(other, semantic_check=semantic_check, left=True)

    # -- projection ---------------------------------------------------------------------

    def proj(self, *attributes: Any, **named: str) -> QueryExpression:
        """Keep the primary key and the named attributes; rename (``new='old'``) or compute (``x='a+b'``).

        ``new='(old)'`` duplicates ``old``. Renamed and duplicated attributes keep
        their lineage; computed ones have none (as in DataJoint 2.x).
        """
        heading = self.heading
        keep = _projected_names(heading, attributes)
        sources = {new: _named_source(heading, value) for new, value in named.items()}
        renamed_sources = {src for src, duplicate in filter(None, sources.values()) if not duplicate} - keep
        columns: list[tuple[str, tuple[str, str]]] = []
        output: list[Attribute] = []
        for name in heading.names:
            if name in keep or (heading[name].in_key and name not in renamed_sources):
                columns.append((name, ("attr", name)))
                output.append(heading[name])
        for new, value in named.items():
            source = sources[new]
            if source is not None:
                columns.append((new, ("attr", source[0])))
                output.append(heading[source[0]].renamed(new))
            else:
                columns.append((new, ("sql", value)))
                output.append(Attribute(new, EXPRESSION_TYPE, nullable=True))
        names = [name for name, _ in columns]
        if len(set(names)) != len(names):
            raise DataJointError(f"proj() would produce duplicate attribute names: {names}.")
        return self._derive(n.ProjectNode(Heading(output), self._node, tuple(columns)))

    # -- aggregation --------------------------------------------------------------------

    def aggr(
        self, group: Any, *attributes: Any, exclude_nonmatching: bool = False, **named: str
    ) -> QueryExpression:
        """For each row of self, compute ``named`` aggregates over the matching rows of ``group``.

        Rows of self without a match are kept (``count(*)`` is 0 for them) unless
        ``exclude_nonmatching=True``; ``attributes`` names attributes of self to keep.
        """
        group = _as_query(group)
        missing = [k for k in self.primary_key if k not in group.heading]
        if missing:
            raise DataJointError(
                f"Aggregation needs the group to contain the primary key of the grouping query; missing: {missing}."
            )
        assert_join_compatibility(self.heading, group.heading)
        on = tuple(name for name in self.heading.names if name in group.heading)
        computed = tuple(named.items())
        heading = Heading([*self.heading, *computed_attributes(named, self.heading, group.heading)])
        node = n.AggregateNode(
            heading, self._node, group._node, on, computed, keep_all=not exclude_nonmatching
        )
        kept = list(attributes) + list(named)
        return self._derive(node).proj(*kept)

    aggregate = aggr

    # -- union ----------------------------------------------------------------------------

    def __add__(self, other: Any) -> QueryExpression:
        """Union: rows of either side, DataJoint's way.

        Both sides must have the same primary key and no secondary attribute in
        common; a row's secondary attributes from the side it is missing from are NULL.
        """
        other = _as_query(other)
        if set(self.primary_key) != set(other.primary_key):
            raise DataJointError(
                f"The operands of a union must have the same primary key: {self.primary_key} vs {other.primary_key}."
            )
        shared = [a for a in self.heading.secondary_attributes if a in other.heading.secondary_attributes]
        if shared:
            raise DataJointError(
                f"The operands of a union must not share secondary attributes; both have {shared}. "
                "Project them away or rename them with proj()."
            )
        secondary = self.heading.secondary_attributes + other.heading.secondary_attributes
        heading = Heading(
            [self.heading[k] for k in self.primary_key]
            + [_nullable(a) for a in list(self.heading) + list(other.heading) if a.name in secondary]
        )
        if not secondary:
            return self._derive(n.UnionNode(heading, self._node, other._node))
        both = self.join(other, left=True)
        only_right = other - self.proj()
        fill = tuple(
            (name, ("attr", name) if name in other.heading else ("null", "")) for name in heading.names
        )
        right = n.ProjectNode(heading, only_right._node, fill)
        return self._derive(n.UnionNode(heading, both._node, right))

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

    fetch = _fetch.fetch
    fetch1 = _fetch.fetch1
    head = _fetch.head
    keys = _fetch.keys
    tail = _fetch.tail
    to_arrays = _fetch.to_arrays
    to_dicts = _fetch.to_dicts
    to_pandas = _fetch.to_pandas


def _as_query(value: Any) -> QueryExpression:
    if isinstance(value, type) and issubclass(value, QueryExpression):
        value = cast(Any, value)()
    if not isinstance(value, QueryExpression):
        raise DataJointError(f"Expected a table or a query, got {type(value).__name__}.")
    return value


def _determines(a: Heading, b: Heading) -> bool:
    """True when every primary-key attribute of ``b`` is an attribute of ``a`` (a -> b)."""
    return all(k in a for k in b.primary_key)


def join_heading(a: Heading, b: Heading, nullable_right: bool = False) -> Heading:
    """The heading of ``a * b`` (DataJoint 2.x): the determining side's key and attributes come first."""
    if _determines(a, b):
        added = [_keyed(x, False) for x in b if x.name not in a]
        return Heading([*a, *(map(_nullable, added) if nullable_right else added)])
    if _determines(b, a):
        return Heading([*b, *(_keyed(x, False) for x in a if x.name not in b)])
    attributes = [a[k] for k in a.primary_key]
    attributes += [_keyed(b[k], True) for k in b.primary_key if k not in a.primary_key]
    attributes += [a[k] for k in a.secondary_attributes if k not in b.primary_key]
    attributes += [b[k] for k in b.secondary_attributes if k not in a]
    return Heading(attributes)


def _top_node(node: n.Node, top: Top) -> n.TopNode:
    """``node`` limited by ``top``; a Top without ``order_by`` keeps the order of a Top just before it."""
    order = top.order_by
    if order is None:
        order = node.order_by if isinstance(node, n.TopNode) else ("KEY",)
    return n.TopNode(node.heading, node, top.limit, top.offset, tuple(order))


def _keyed(attribute: Attribute, in_key: bool) -> Attribute:
    return attribute if attribute.in_key == in_key else replace(attribute, in_key=in_key)


def _nullable(attribute: Attribute) -> Attribute:
    return attribute if attribute.nullable else replace(attribute, nullable=True)


def _named_source(heading: Heading, value: str) -> tuple[str, bool] | None:
    """``(name, duplicate)`` when ``value`` names an attribute: ``'old'`` renames it, ``'(old)'`` duplicates it.

    Anything else is a SQL expression (None).
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    duplicate = text.startswith("(") and text.endswith(")")
    if duplicate:
        text = text[1:-1].strip()
    return (text, duplicate) if text in heading.attributes else None


def computed_attributes(named: dict[str, str], *headings: Heading) -> list[Attribute]:
    """The attributes an aggregation computes: no lineage, unless one just names an attribute of ``headings``."""
    result = []
    for new, value in named.items():
        found = next((h[s[0]] for h in headings if (s := _named_source(h, value)) is not None), None)
        result.append(
            Attribute(new, EXPRESSION_TYPE, nullable=True, lineage=found.lineage if found else None)
        )
    return result


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
        raise DataJointError(
            f"Cannot exclude primary-key attributes {sorted(excluded & set(heading.primary_key))}."
        )
    return keep - excluded

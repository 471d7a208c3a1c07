"""Statements compiled once per query shape, reused with new values.

Sits on top of :mod:`compiler`: ``fetch`` asks :func:`compile_query` for the SQL
of a tree. ``(Table & key).fetch1()`` runs once per key in populate(), and those
trees differ only in the key's values. A tree is split into a *base* (any node,
by identity: a table's node is shared by every query on it) and the chain of key
restrictions above it; the SQL is compiled once for each (base, attribute names,
NULL pattern), with markers where the values go, and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from ..query import conditions as c
from ..query import nodes as n
from ..query.heading import Attribute
from .compiler import Compiler, Encoder, Params
from .dialects import Dialect


@dataclass(frozen=True, slots=True)
class _Slot:
    """Stands for the ``index``-th key value while a statement's shape is compiled."""

    index: int


@dataclass(frozen=True, slots=True)
class _Plan:
    dialect: Dialect
    sql: str
    params: tuple[Any, ...]
    #: (position in params, index of the key value, its attribute)
    slots: tuple[tuple[int, int, Attribute], ...]


_PLANS: dict[tuple, _Plan] = {}
_PLAN_LIMIT = 1024  # plans kept
_PLAN_PARAMS_LIMIT = 64  # a plan with more fixed values (a long key list) is not kept


def _key_chain(node: n.Node) -> tuple[n.Node, list[n.RestrictNode], tuple, list[Any]]:
    """Split ``node`` into the node below its key restrictions (``Equals``), those restrictions
    (top-down), their shape (attribute names, NULL tests, boundaries) and their values (not NULL)."""
    chain = []
    shape: list[Any] = []
    values = []
    while type(node) is n.RestrictNode and type(node.condition) is c.Equals:
        chain.append(node)
        for name, value in node.condition.items:
            if value is None:
                shape.append((name,))  # IS NULL: no parameter
            else:
                shape.append(name)
                values.append(value)
        shape.append(None)
        node = node.source
    return node, chain, tuple(shape), values


def _template(base: n.Node, chain: list[n.RestrictNode]) -> tuple[n.Node, list[Attribute]]:
    """``chain`` rebuilt on ``base`` with a :class:`_Slot` for each value (numbered top-down)."""
    attributes: list[Attribute] = []
    slotted = []
    for node in chain:
        items = []
        for name, value in cast(c.Equals, node.condition).items:
            if value is not None:
                value = _Slot(len(attributes))
                attributes.append(node.heading[name])
            items.append((name, value))
        slotted.append(tuple(items))
    result = base
    for node, items in zip(reversed(chain), reversed(slotted)):
        result = n.RestrictNode(node.heading, result, c.Equals(items))
    return result, attributes


def _order_key(order_by: Any) -> Any:
    """``order_by`` as part of a plan's key: a list becomes a tuple."""
    if isinstance(order_by, (list, tuple)):
        return tuple(str(item) for item in order_by)
    return order_by if order_by is None or isinstance(order_by, str) else str(order_by)


def compile_query(
    dialect: Dialect,
    encode: Encoder,
    node: n.Node,
    names: list[str],
    order_by: Any = None,
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[str, Params]:
    """SQL text and parameters returning ``names`` of ``node``, ordered and sliced as asked.

    Trees that differ only in the values of key restrictions share one compiled plan.
    """
    base, chain, shape, values = _key_chain(node)
    key = (id(dialect), encode, base, shape, tuple(names), _order_key(order_by), limit, offset)
    plan = _PLANS.get(key)
    if plan is None or plan.dialect is not dialect:
        plan = _plan(dialect, encode, base, chain, names, order_by, limit, offset)
        if len(plan.params) - len(plan.slots) <= _PLAN_PARAMS_LIMIT:
            if len(_PLANS) >= _PLAN_LIMIT:
                _PLANS.clear()  # simple and safe under threads; refilled by the next queries
            _PLANS[key] = plan
    if not plan.slots:
        return plan.sql, list(plan.params)
    params = list(plan.params)
    for position, index, attribute in plan.slots:
        params[position] = encode(attribute, values[index])
    return plan.sql, params


def key_plan(dialect: Dialect, encode: Encoder, node: n.Node, names: list[str], limit: int | None) -> _Plan:
    """The compiled plan of ``node`` (key restrictions on a base), not cached: its ``slots`` say
    where each key value goes, numbered as the restrictions' non-NULL values top-down."""
    base, chain, _, _ = _key_chain(node)
    return _plan(dialect, encode, base, chain, names, None, limit, None)


def _plan(
    dialect: Dialect,
    encode: Encoder,
    base: n.Node,
    chain: list[n.RestrictNode],
    names: list[str],
    order_by: Any,
    limit: int | None,
    offset: int | None,
) -> _Plan:
    """Compile the shape of ``chain`` on ``base``, values left as markers."""
    node, attributes = _template(base, chain) if chain else (base, [])
    compiler = Compiler(dialect, lambda attr, value: value if type(value) is _Slot else encode(attr, value))
    sel = compiler.select(node)
    if order_by is not None or limit is not None or offset:
        if sel.closed:
            sel = compiler.wrap(sel, list(node.heading.names))
        sel.order_by = compiler.order_by(order_by, sel.columns, node.heading.primary_key)
        sel.limit, sel.offset = limit, offset or 0
    sql, params = compiler.render(sel, names)
    slots = tuple((i, p.index, attributes[p.index]) for i, p in enumerate(params) if type(p) is _Slot)
    return _Plan(dialect, sql, tuple(params), slots)

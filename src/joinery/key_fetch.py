"""``(Table & key).fetch1(...)`` without building a query tree: the pipeline's most frequent read.

Layer: beside ``fetch.py``. A table restricted by a plain key dict keeps the
dict (``Table.restrict``) and builds its query node only when something asks
for it. ``fetch1`` on such a table comes here: the SQL for the table, the key's
attribute names and the attributes asked for is compiled once through the
general path (``sql/plans.py``) and kept on the heading; each call then only
encodes the key's values, runs the statement and decodes one row. A key with
a ``None`` value (``IS NULL``) takes the general path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .codecs import encode_value, encoder
from .query.heading import Heading
from .sql.plans import key_plan


@dataclass(frozen=True, slots=True)
class KeyPlan:
    """One compiled ``SELECT ... WHERE key = ... LIMIT 2`` and where each key value goes."""

    sql: str
    params: tuple[Any, ...]
    #: (position in params, key attribute name, its encoder or None)
    slots: tuple[tuple[int, str, Any], ...]
    names: list[str]
    #: read the row in the driver's binary format (it holds large binary values)
    binary: bool
    #: each column's decoder (None: the value passes as read), with fetch's default options
    decoders: tuple[Any, ...]


def key_rows(table: Any, node: Any, key: dict, names: list[str]) -> tuple[list[tuple], KeyPlan] | None:
    """The rows (at most 2) of ``table`` (whose unrestricted node is ``node``) restricted by
    ``key``, columns ``names``, and the plan that read them (its decoders decode the rows);
    None if the key needs the general path (a ``None`` value)."""
    heading: Heading = node.heading
    connection = table.connection
    memo_key = ("key-plan", id(connection.dialect), node.schema, node.table, tuple(key), tuple(names))
    plan = heading.memo.get(memo_key)
    if plan is None:
        if any(value is None for value in key.values()):
            return None
        plan = heading.memo[memo_key] = _compile(table, key, names)
    params = list(plan.params)
    for position, name, adapt in plan.slots:
        value = key[name]
        if value is None:
            return None
        if adapt is not None:
            value = adapt(value)
        elif isinstance(value, np.generic):
            value = value.item()
        params[position] = value
    return connection.query(plan.sql, params, binary=plan.binary).fetchall(), plan


def _compile(table: Any, key: dict, names: list[str]) -> KeyPlan:
    """The plan of the general compiler for this key's shape, each value slot named by its attribute."""
    heading = table._table_node().heading
    used = [name for name in key if name in heading.attributes]  # the Equals items, in order
    plan = key_plan(table.connection.dialect, encode_value, table._key_node(key), names, 2)
    slots = tuple((position, used[index], encoder(attribute)) for position, index, attribute in plan.slots)
    from .fetch import _binary_rows, _decoders  # fetch imports this module

    decoders = tuple(_decoders(heading, names, {}))
    return KeyPlan(plan.sql, plan.params, slots, names, _binary_rows(heading, names), decoders)

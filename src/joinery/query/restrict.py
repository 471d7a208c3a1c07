"""Turning what users write after ``&`` into :mod:`conditions`.

DataJoint's rules: a dict restricts by the attributes it shares with the query
(the others are ignored); a string is a SQL condition; a query restricts to rows
matching it on common attributes; a list, tuple or set means *any of*;
``AndList`` means *all of*; ``Not`` negates; ``True``/``False`` keep all or no rows;
record arrays and DataFrames are lists of keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import DataJointError
from . import conditions as c
from .heading import Heading
from .operands import AndList, Not
from .semantic import assert_join_compatibility

TRUE = c.Always(True)
FALSE = c.Always(False)


def make_condition(heading: Heading, restriction: Any, semantic_check: bool = True) -> c.Condition:
    """The condition ``restriction`` means for a query with ``heading``.

    A query inside ``restriction`` must pass the semantic check (``semantic.py``)
    unless ``semantic_check`` is False.
    """
    if type(restriction) is dict:  # the common case first: populate() restricts by key dicts
        return _from_mapping(heading, restriction)
    if isinstance(restriction, c.Condition):
        return restriction
    if isinstance(restriction, type) and hasattr(restriction, "_node"):
        restriction = restriction()  # a table class stands for its table (inside lists, AndList, Not)
    if isinstance(restriction, (bool, np.bool_)):
        return TRUE if restriction else FALSE
    if getattr(restriction, "_universal", False):  # dj.U(...) holds every value: restricts nothing
        return TRUE
    if isinstance(restriction, str):
        text = restriction.strip()
        return c.Fragment(text) if text else TRUE
    if isinstance(restriction, Mapping):
        return _from_mapping(heading, restriction)
    if isinstance(restriction, Not):
        return negate(make_condition(heading, restriction.restriction, semantic_check))
    if isinstance(restriction, AndList):
        return conjunction([make_condition(heading, item, semantic_check) for item in restriction])
    return _from_rows(heading, restriction, semantic_check)


def _from_rows(heading: Heading, restriction: Any, semantic_check: bool) -> c.Condition:
    """A query, a record array, a DataFrame or a collection: rows, any of which may match."""
    if hasattr(restriction, "_node"):
        return _from_query(heading, restriction._node, semantic_check)
    if isinstance(restriction, np.ndarray) and restriction.dtype.names:
        return _from_records(heading, list(restriction.dtype.names), restriction.tolist())
    if _is_dataframe(restriction):
        frame = restriction.reset_index() if _has_named_index(restriction) else restriction
        return _from_records(heading, list(frame.columns), list(frame.itertuples(index=False, name=None)))
    if isinstance(restriction, (list, tuple, set, frozenset)):
        return _from_collection(heading, restriction, semantic_check)
    raise DataJointError(
        f"Cannot restrict by a {type(restriction).__name__}: use a dict, a SQL condition string, "
        "a query, a list of these, dj.AndList, dj.Not, True/False, a record array or a DataFrame."
    )


def negate(condition: c.Condition) -> c.Condition:
    """``NOT condition``, simplified where obvious."""
    if isinstance(condition, c.Always):
        return c.Always(not condition.value)
    if isinstance(condition, c.Negate):
        return condition.item
    return c.Negate(condition)


def conjunction(items: list[c.Condition]) -> c.Condition:
    """All of ``items``: an empty list is True; a False item makes it False."""
    kept = [item for item in items if not (isinstance(item, c.Always) and item.value)]
    if any(isinstance(item, c.Always) and not item.value for item in kept):
        return FALSE
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else c.And(tuple(kept))


def disjunction(items: list[c.Condition]) -> c.Condition:
    """Any of ``items``: an empty list is False; a True item makes it True."""
    kept = [item for item in items if not (isinstance(item, c.Always) and not item.value)]
    if any(isinstance(item, c.Always) and item.value for item in kept):
        return TRUE
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else c.Or(tuple(kept))


def _from_mapping(heading: Heading, mapping: Mapping) -> c.Condition:
    attributes = heading.attributes
    items = [
        (name, value.item() if isinstance(value, np.generic) else value)
        for name, value in mapping.items()
        if name in attributes
    ]
    return c.Equals(tuple(items)) if items else TRUE


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _from_query(heading: Heading, node: Any, semantic_check: bool) -> c.Condition:
    assert_join_compatibility(heading, node.heading, semantic_check)
    on = tuple(name for name in heading.names if name in node.heading)
    return c.SemiJoin(node, on)


def _from_collection(heading: Heading, items: Any, semantic_check: bool) -> c.Condition:
    items = list(items)
    if items and all(isinstance(item, Mapping) for item in items):
        keys = _as_keys(heading, items)
        if keys is not None:
            return keys
    return disjunction([make_condition(heading, item, semantic_check) for item in items])


def _as_keys(heading: Heading, dicts: list[Mapping]) -> c.Condition | None:
    """Many dicts with the same attributes become one ``InKeys`` (fast for 10,000 keys)."""
    names = [name for name in dicts[0] if name in heading]
    if not names:
        return TRUE
    first = set(dicts[0])
    if any(set(d) != first for d in dicts):
        return None
    rows = tuple(tuple(_scalar(d[name]) for name in names) for d in dicts)
    if any(value is None for row in rows for value in row):
        return None
    return c.InKeys(tuple(names), rows)


def _from_records(heading: Heading, columns: list[str], rows: list[tuple]) -> c.Condition:
    picks = [i for i, name in enumerate(columns) if name in heading]
    if not picks:
        return TRUE if rows else FALSE
    names = tuple(columns[i] for i in picks)
    keyed = tuple(tuple(_scalar(row[i]) for i in picks) for row in rows)
    return c.InKeys(names, keyed) if keyed else FALSE


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "itertuples")


def _has_named_index(frame: Any) -> bool:
    names = getattr(frame.index, "names", [None])
    return any(name is not None for name in names)

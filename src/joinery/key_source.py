"""The default ``key_source``: the join of a table's primary-key parents, projected to their keys.

Layer: below ``populate.py`` (whose ``key_source`` property calls
:func:`default_key_source`), above ``dependencies.py`` and ``tables.py``.
Building it reads each parent's heading from the catalog (its columns and its
foreign keys: two queries per parent on a server), which used to be most of
the cost of a ``populate()`` with nothing to do. So the query is kept on the
table class for as long as the connection's dependency graph stays the same:
declaring or dropping a table reloads the graph, and the next populate builds
it again. Query expressions are immutable, so sharing one is safe.
"""

from __future__ import annotations

from typing import Any

from .errors import DataJointError


def default_key_source(table: Any) -> Any:
    """The keys ``populate`` computes for ``table``, built once per load of the dependency graph."""
    dependencies = table.connection.dependencies
    dependencies.load()
    graph = dependencies.graph
    cls = type(table)
    identity = (table.full_table_name, tuple(table.primary_key))
    cached = cls.__dict__.get("_key_source_cache")
    if cached is not None and cached[0] is graph and cached[1] == identity:
        return cached[2]
    source = _build(table, graph)
    cls._key_source_cache = (graph, identity, source)
    return source


def _build(table: Any, graph: Any) -> Any:
    """The join of the parents whose foreign keys lie in ``table``'s primary key (renames undone)."""
    from .tables import FreeTable

    connection = table.connection
    name = table.full_table_name
    key = set(table.primary_key)
    source = None
    for parent in connection.dependencies.parents(name, primary=True):
        for pairs in graph.edges[parent, name]["fks"]:
            if not all(child in key for child, _ in pairs):
                continue
            renames = {child: par for child, par in pairs if child != par}
            part = FreeTable(connection, parent).proj(**renames)
            source = part if source is None else source * part
    if source is None:
        raise DataJointError(
            f"{type(table).__name__} has no foreign keys in its primary key, so there is nothing to populate "
            "from. Add `-> Parent` above `---`, or define key_source."
        )
    return source


__all__ = ["default_key_source"]

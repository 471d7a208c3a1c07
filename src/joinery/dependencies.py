"""The dependency graph: which tables reference which, read from the catalog.

Nodes are full table names; edges go from parent to child and carry the
foreign keys' attribute pairs. ``delete``/``drop`` cascade along it,
``populate`` derives key sources from it, and ``Diagram`` draws it.
"""

from __future__ import annotations

import re
from typing import Any

import networkx as nx

TIERS = (("__", "Computed"), ("_", "Imported"), ("#", "Lookup"))


def tier_of(table: str) -> str:
    """DataJoint's tier of a table, from its name's prefix (``~`` = internal)."""
    if table.startswith("~"):
        return "_"
    if "__" in table.lstrip("_#"):
        return "Part"
    for prefix, tier in TIERS:
        if table.startswith(prefix):
            return tier
    return "Manual"


def to_camel_case(name: str) -> str:
    """``detection_params`` -> ``DetectionParams``."""
    return "".join(word.capitalize() for word in name.split("_") if word)


def class_name_of(table: str) -> str:
    """The class name DataJoint shows for a table: ``Detection.Blob`` for ``__detection__blob``."""
    parts = re.split(r"__", table.lstrip("_#"))
    return ".".join(to_camel_case(p) for p in parts if p)


class Dependencies:
    """The graph of all tables of a connection, rebuilt on demand after declarations."""

    def __init__(self, connection: Any):
        self.connection = connection
        self.graph = nx.DiGraph()
        self._loaded = False

    def clear(self) -> None:
        """Forget the graph; the next use reloads it."""
        self._loaded = False

    def load(self, force: bool = False) -> None:
        """Read every table and foreign key of every schema."""
        if self._loaded and not force:
            return
        catalog = self.connection.catalog
        graph = nx.DiGraph()
        dialect = self.connection.dialect
        for schema in catalog.list_schemas():
            for table in catalog.list_tables(schema):
                name = dialect.table_ref(schema, table)
                graph.add_node(
                    name, schema=schema, table=table, tier=tier_of(table), class_name=class_name_of(table)
                )
                key = {c.name for c in catalog.columns(schema, table) if c.in_key}
                for fk in catalog.foreign_keys(schema, table):
                    parent = dialect.table_ref(fk.parent_schema, fk.parent_table)
                    primary = all(child in key for child, _ in fk.pairs)
                    renamed = any(child != par for child, par in fk.pairs)
                    if graph.has_edge(parent, name):
                        edge = graph.edges[parent, name]
                        edge["fks"].append(fk.pairs)
                        edge["primary"] = edge["primary"] or primary
                        edge["renamed"] = edge["renamed"] or renamed
                    else:
                        graph.add_edge(parent, name, fks=[fk.pairs], primary=primary, renamed=renamed)
        self.graph = graph
        self._loaded = True

    def parents(self, name: str, primary: bool | None = None) -> list[str]:
        self.load()
        if name not in self.graph:
            return []
        return [
            p
            for p in self.graph.predecessors(name)
            if primary is None or self.graph.edges[p, name]["primary"] == primary
        ]

    def children(self, name: str, primary: bool | None = None) -> list[str]:
        self.load()
        if name not in self.graph:
            return []
        return [
            c
            for c in self.graph.successors(name)
            if primary is None or self.graph.edges[name, c]["primary"] == primary
        ]

    def descendants(self, name: str) -> list[str]:
        """``name`` and everything downstream, in topological order."""
        self.load()
        nodes = nx.descendants(self.graph, name) | {name}
        return [n for n in nx.topological_sort(self.graph) if n in nodes]

    def ancestors(self, name: str) -> list[str]:
        """``name`` and everything upstream, in topological order."""
        self.load()
        nodes = nx.ancestors(self.graph, name) | {name}
        return [n for n in nx.topological_sort(self.graph) if n in nodes]

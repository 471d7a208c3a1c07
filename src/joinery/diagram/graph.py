"""Which tables a diagram shows: selection, expansion and labels over the dependency graph.

Part of the diagram package, above nothing but networkx: these are pure
functions of a dependency graph (nodes are full table names carrying ``schema``,
``class_name`` and ``tier`` attributes; edges run parent -> child carrying
``primary`` and ``renamed``). The ``Diagram`` class composes them for its
arithmetic; the layout and the writers read the subgraph they produce.
Keeping them free of the class makes the set logic easy to test on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

HIDDEN_TIER = "_"


def is_shown(graph: nx.DiGraph, node: str) -> bool:
    """True when ``node`` is a table a diagram may show (internal tables are hidden)."""
    return graph.nodes[node].get("tier") != HIDDEN_TIER


def schema_tables(graph: nx.DiGraph, schema: str) -> frozenset[str]:
    """Return the shown tables whose ``schema`` attribute is ``schema``."""
    return frozenset(
        n
        for n, data in graph.nodes(data=True)
        if data.get("schema") == schema and data.get("tier") != HIDDEN_TIER
    )


def master_of(graph: nx.DiGraph, node: str) -> str | None:
    """Return the master table of a part table, or None when ``node`` is not a part.

    The master is the parent in the same schema whose class name is the part's
    class name without its last component ('Detection' for 'Detection.Blob').
    """
    data = graph.nodes[node]
    if data.get("tier") != "Part":
        return None
    explicit = data.get("master")
    if explicit in graph:
        return explicit
    master_name = str(data.get("class_name", "")).rpartition(".")[0]
    for parent in graph.predecessors(node):
        parent_data = graph.nodes[parent]
        if parent_data.get("class_name") == master_name and parent_data.get("schema") == data.get("schema"):
            return parent
    return None


def with_parts(graph: nx.DiGraph, nodes: Iterable[str]) -> frozenset[str]:
    """Return ``nodes`` plus the part tables of every master among them (parts follow masters)."""
    selected = set(nodes)
    for node in list(selected):
        selected.update(child for child in graph.successors(node) if master_of(graph, child) == node)
    return frozenset(n for n in selected if is_shown(graph, n))


def expand(graph: nx.DiGraph, nodes: frozenset[str], levels: int, downstream: bool) -> frozenset[str]:
    """Add ``levels`` generations of children (``downstream``) or parents to ``nodes``.

    Stops early once a generation adds nothing; the parts of newly reached
    masters come along.
    """
    neighbours = graph.successors if downstream else graph.predecessors
    selected = set(nodes)
    frontier = set(nodes)
    for _ in range(levels):
        reached = {m for n in frontier for m in neighbours(n) if is_shown(graph, m)} - selected
        reached = set(with_parts(graph, reached)) - selected
        if not reached:
            break
        selected |= reached
        frontier = reached
    return frozenset(selected)


def drawn_subgraph(graph: nx.DiGraph, nodes: Iterable[str]) -> nx.DiGraph:
    """Return the subgraph to draw: the shown ``nodes`` present in ``graph`` and the edges among them.

    Nodes and edges are inserted in sorted order so everything downstream is deterministic.
    """
    keep = sorted(n for n in nodes if n in graph and is_shown(graph, n))
    keep_set = set(keep)
    sub = nx.DiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in keep)
    sub.add_edges_from(
        (u, v, graph.edges[u, v]) for u in keep for v in sorted(graph.successors(u)) if v in keep_set
    )
    return sub


def topological_order(graph: nx.DiGraph) -> list[str]:
    """Return the nodes of ``graph`` parents first, ties broken by name (deterministic)."""
    return list(nx.lexicographical_topological_sort(graph, key=str))


def display_labels(graph: nx.DiGraph) -> dict[str, str]:
    """Return each node's label: its class name, prefixed by its schema when several schemas are drawn."""
    schemas = {data.get("schema") for _, data in graph.nodes(data=True)}
    prefix = len(schemas) > 1
    labels = {}
    for node, data in graph.nodes(data=True):
        name = str(data.get("class_name") or node.replace("`", "").replace('"', ""))
        schema = data.get("schema")
        labels[node] = f"{schema}.{name}" if prefix and schema else name
    return labels


def rename_text(edge: dict) -> str:
    """Describe a renamed foreign key as 'child_attr←parent_attr' pairs, or '' when unknown.

    >>> rename_text({"attr_map": {"source_id": "image_id", "params_id": "params_id"}})
    'source_id←image_id'
    """
    attr_map = edge.get("attr_map")
    if not isinstance(attr_map, dict):
        return ""
    return ", ".join(f"{child}←{parent}" for child, parent in sorted(attr_map.items()) if child != parent)

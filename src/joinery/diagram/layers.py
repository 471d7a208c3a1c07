"""Layer assignment and crossing reduction: the first half of the diagram layout.

Part of the diagram package, below ``layout.py`` (which turns the layer order
into coordinates). The classic layered (Sugiyama) recipe, kept small: every table
gets a layer by longest path from the sources, so dependencies always point
down; edges spanning several layers are cut by dummy points so they can bend
around tables; a few barycenter sweeps reorder each layer to reduce crossings.
Everything is deterministic: ties are broken by a stable rank, never by hash order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx

from ..errors import DataJointError

# a table name, or a dummy point: ("dummy", parent, child, layer)
Key = str | tuple[str, str, str, int]


@dataclass
class Layering:
    """A proper layered graph: every edge joins adjacent layers.

    ``chains`` maps each original edge to the keys it passes through, parent
    first, child last, dummy points in between.
    """

    layers: list[list[Key]]
    up: dict[Key, list[Key]] = field(default_factory=dict)
    down: dict[Key, list[Key]] = field(default_factory=dict)
    chains: dict[tuple[str, str], list[Key]] = field(default_factory=dict)


def is_dummy(key: Key) -> bool:
    """True for the bend points that long edges pass through."""
    return isinstance(key, tuple)


def assign_layers(graph: nx.DiGraph) -> dict[str, int]:
    """Return each node's layer: longest path from the sources, then sources pulled down.

    A table whose children all sit far below (a Lookup used only deep in the
    pipeline) moves down next to them, which shortens its edges without
    lengthening others. Empty layers are then squeezed out.
    """
    try:
        order = list(nx.lexicographical_topological_sort(graph, key=str))
    except nx.NetworkXUnfeasible as error:
        raise DataJointError(
            "The dependency graph has a cycle, so it cannot be drawn top to bottom."
        ) from error
    layer: dict[str, int] = {}
    for node in order:
        layer[node] = max((layer[p] + 1 for p in graph.predecessors(node)), default=0)
    for node in reversed(order):
        children = list(graph.successors(node))
        if children and len(children) > graph.in_degree(node):
            layer[node] = max(layer[node], min(layer[c] for c in children) - 1)
    used = sorted(set(layer.values()))
    squeeze = {old: new for new, old in enumerate(used)}
    return {node: squeeze[value] for node, value in layer.items()}


def build_layering(graph: nx.DiGraph, layer: dict[str, int], rank: Callable[[Key], tuple]) -> Layering:
    """Cut long edges with dummy points and give each layer an initial order by ``rank``."""
    count = max(layer.values(), default=-1) + 1
    result = Layering(layers=[[] for _ in range(count)])
    for node in graph.nodes:
        result.layers[layer[node]].append(node)
        result.up.setdefault(node, [])
        result.down.setdefault(node, [])
    for parent, child in graph.edges:
        chain: list[Key] = [parent]
        for level in range(layer[parent] + 1, layer[child]):
            dummy = ("dummy", parent, child, level)
            result.layers[level].append(dummy)
            chain.append(dummy)
        chain.append(child)
        for upper, lower in pairwise(chain):
            result.down.setdefault(upper, []).append(lower)
            result.up.setdefault(lower, []).append(upper)
        result.chains[(parent, child)] = chain
    for nodes in result.layers:
        nodes.sort(key=rank)
    return result


def _positions(nodes: list[Key]) -> dict[Key, int]:
    return {key: index for index, key in enumerate(nodes)}


def _sweep(layering: Layering, downward: bool) -> None:
    """Reorder every layer by the mean position of its neighbours in the layer just fixed."""
    layers = layering.layers
    neighbours = layering.up if downward else layering.down
    indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
    for index in indices:
        fixed = _positions(layers[index + (-1 if downward else 1)])
        current = _positions(layers[index])

        def barycenter(key: Key, fixed: dict = fixed, current: dict = current) -> tuple[float, int]:
            linked = neighbours[key]
            if not linked:
                return float(current[key]), current[key]
            return sum(fixed[n] for n in linked) / len(linked), current[key]

        layers[index].sort(key=barycenter)


def _inversions(sequence: list[int], size: int) -> int:
    """Count pairs i < j with sequence[i] > sequence[j], with a Fenwick tree."""
    tree = [0] * (size + 1)
    inversions = 0
    for seen, value in enumerate(sequence):
        # count earlier values <= value, the rest are inversions
        i, not_greater = value + 1, 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        inversions += seen - not_greater
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return inversions


def count_crossings(layering: Layering) -> int:
    """Return the number of edge crossings between adjacent layers in the current order."""
    total = 0
    for upper, lower in pairwise(layering.layers):
        below = _positions(lower)
        sequence = []
        for key in upper:
            sequence.extend(sorted(below[n] for n in layering.down[key]))
        total += _inversions(sequence, len(lower))
    return total


def reduce_crossings(layering: Layering, sweeps: int = 4) -> Layering:
    """Run barycenter sweeps down and up, keeping the order with the fewest crossings."""
    best = [list(nodes) for nodes in layering.layers]
    best_count = count_crossings(layering)
    for _ in range(sweeps):
        if best_count == 0:
            break
        for downward in (True, False):
            _sweep(layering, downward)
            crossings = count_crossings(layering)
            if crossings < best_count:
                best, best_count = [list(nodes) for nodes in layering.layers], crossings
    layering.layers = best
    return layering

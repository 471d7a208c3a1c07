"""Coordinates for a diagram: where each table box sits and how each edge bends.

Part of the diagram package, between ``layers.py`` (which orders tables in
layers) and the painters (``svg.py``, ``raster.py``), which only read the
``Layout`` made here. Dependencies flow top to bottom; each layer's tables are
placed near the mean position of their neighbours, subject to keeping their
order and their spacing -- a weighted isotonic regression solved exactly by
pooling adjacent violators, so a few passes converge quickly even for hundreds
of tables. Long edges bend through their dummy points as smooth curves.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from .graph import rename_text
from .layers import Key, Layering, assign_layers, build_layering, is_dummy, reduce_crossings
from .style import node_size, style_for, text_width

MARGIN = 16.0
LAYER_GAP = 46.0
NODE_GAP = 26.0
DUMMY_GAP = 12.0
TITLE_HEIGHT = 22.0
TITLE_SIZE = 11.0
PLACEMENT_PASSES = 6
Point = tuple[float, float]


@dataclass(frozen=True)
class PlacedNode:
    """A table drawn at centre (x, y) with the given size."""

    key: str
    label: str
    tier: str | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlacedEdge:
    """A dependency drawn from ``points[0]`` (under the parent) to ``points[-1]`` (above the child)."""

    parent: str
    child: str
    points: tuple[Point, ...]
    primary: bool
    renamed: bool
    label: str


@dataclass(frozen=True)
class Layout:
    """Everything a painter needs: canvas size, nodes, edges and an optional frame title."""

    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]
    title: str | None = None


def curve_segments(points: tuple[Point, ...]) -> list[tuple[Point, Point, Point]]:
    """Split a polyline into cubic Bezier segments (control, control, end) with vertical tangents."""
    segments = []
    for (x0, y0), (x1, y1) in pairwise(points):
        middle = (y0 + y1) / 2
        segments.append(((x0, middle), (x1, middle), (x1, y1)))
    return segments


def midpoint(points: tuple[Point, ...]) -> Point:
    """Return the point halfway along the middle segment of an edge drawn by ``curve_segments``.

    It lies on the curve and in the gap between two layers, clear of the tables.
    """
    index = (len(points) - 1) // 2
    (x0, y0), (x1, y1) = points[index], points[index + 1]
    return (x0 + x1) / 2, (y0 + y1) / 2


def _pool_adjacent_violators(targets: list[float], weights: list[float]) -> list[float]:
    """Return the non-decreasing sequence closest to ``targets`` in weighted least squares."""
    blocks: list[list[float]] = []  # [weight, weighted sum, length]
    for target, weight in zip(targets, weights, strict=True):
        blocks.append([weight, weight * target, 1])
        while len(blocks) > 1 and blocks[-2][1] * blocks[-1][0] > blocks[-1][1] * blocks[-2][0]:
            weight_, total, length = blocks.pop()
            blocks[-1][0] += weight_
            blocks[-1][1] += total
            blocks[-1][2] += length
    result: list[float] = []
    for weight, total, length in blocks:
        result.extend([total / weight] * int(length))
    return result


def _separation(left: Key, right: Key, width: dict[Key, float]) -> float:
    gap = DUMMY_GAP if is_dummy(left) or is_dummy(right) else NODE_GAP
    return (width[left] + width[right]) / 2 + gap


def _place_layer(nodes: list[Key], desired: dict[Key, float], weight: dict[Key, float], width) -> list[float]:
    """Positions for one layer as close to ``desired`` as order and spacing allow."""
    offsets = [0.0]
    for left, right in pairwise(nodes):
        offsets.append(offsets[-1] + _separation(left, right, width))
    targets = [desired[key] - offset for key, offset in zip(nodes, offsets, strict=True)]
    shifted = _pool_adjacent_violators(targets, [weight[key] for key in nodes])
    return [value + offset for value, offset in zip(shifted, offsets, strict=True)]


def _assign_x(layering: Layering, width: dict[Key, float]) -> dict[Key, float]:
    """Place every layer, alternating passes that follow parents and passes that follow children."""
    x: dict[Key, float] = {}
    for nodes in layering.layers:
        placed = _place_layer(nodes, dict.fromkeys(nodes, 0.0), dict.fromkeys(nodes, 1.0), width)
        centre = (placed[0] + placed[-1]) / 2 if placed else 0.0
        x.update((key, value - centre) for key, value in zip(nodes, placed, strict=True))
    last = len(layering.layers) - 1
    for index in range(PLACEMENT_PASSES):
        downward = index % 2 == 0
        neighbours = layering.up if downward else layering.down
        order = range(1, last + 1) if downward else range(last - 1, -1, -1)
        for layer_index in order:
            nodes = layering.layers[layer_index]
            desired, weight = {}, {}
            for key in nodes:
                linked = neighbours[key]
                desired[key] = sum(x[n] for n in linked) / len(linked) if linked else x[key]
                # dummies pull hardest so that long edges run straight
                weight[key] = (4.0 if is_dummy(key) else 1.0) if linked else 0.05
            x.update(zip(nodes, _place_layer(nodes, desired, weight, width), strict=True))
    return x


def _layer_centres(layering: Layering, height: dict[Key, float], top: float) -> list[float]:
    centres, y = [], top
    for nodes in layering.layers:
        tallest = max((height[key] for key in nodes), default=0.0)
        centres.append(y + tallest / 2)
        y += tallest + LAYER_GAP
    return centres


def _rim_y(node: PlacedNode, dx: float, below: bool) -> float:
    """The y where a vertical line dx from the centre meets the node's bottom (or top) rim."""
    half = node.height / 2
    if style_for(node.tier).shape == "ellipse":
        ratio = min(1.0, abs(dx) / (node.width / 2))
        half *= (1 - ratio * ratio) ** 0.5
    return node.y + half if below else node.y - half


def _port_offsets(node: PlacedNode, count: int) -> list[float]:
    """Spread ``count`` edge ends across the middle of a node's rim."""
    if count < 2:
        return [0.0] * count
    spread = min(node.width * 0.5, 10.0 * (count - 1))
    return [-spread / 2 + spread * i / (count - 1) for i in range(count)]


def _ports(layering: Layering, placed: dict[str, PlacedNode], x: dict[Key, float]) -> dict:
    """Map (edge, end) to the point where the edge leaves its parent or enters its child."""
    leaving: dict[str, list] = {}
    entering: dict[str, list] = {}
    for edge, chain in layering.chains.items():
        # order each node's edge ends by where the edge heads, so they do not cross at the rim
        parent, child = edge
        leaving.setdefault(parent, []).append((x[chain[1]], str(edge), edge))
        entering.setdefault(child, []).append((x[chain[-2]], str(edge), edge))
    ports: dict[tuple[tuple[str, str], str], Point] = {}
    for ends, tag, below in ((leaving, "start", True), (entering, "end", False)):
        for key, items in ends.items():
            node = placed[key]
            items.sort()
            for (_, _, edge), dx in zip(items, _port_offsets(node, len(items)), strict=True):
                ports[(edge, tag)] = (node.x + dx, _rim_y(node, dx, below))
    return ports


def compute_layout(graph: nx.DiGraph, labels: dict[str, str], title: str | None = None) -> Layout:
    """Lay out ``graph`` top to bottom: one box per node labelled by ``labels``, one curve per edge.

    The same graph always gives the same layout.
    """
    if graph.number_of_nodes() == 0:
        return Layout(width=2 * MARGIN, height=2 * MARGIN, nodes=(), edges=(), title=title)
    tiers = {n: graph.nodes[n].get("tier") for n in graph.nodes}
    sizes = {n: node_size(labels[n], tiers[n]) for n in graph.nodes}

    def rank(key: Key) -> tuple:
        node = key[2] if isinstance(key, tuple) else key
        return (str(graph.nodes[node].get("schema", "")), labels[node], str(node), str(key))

    layering = reduce_crossings(build_layering(graph, assign_layers(graph), rank))
    width = {key: sizes[key][0] if not is_dummy(key) else 0.0 for nodes in layering.layers for key in nodes}
    height = {key: sizes[key][1] if not is_dummy(key) else 0.0 for key in width}
    x = _assign_x(layering, width)
    left = min(x[key] - width[key] / 2 for key in width)
    top = MARGIN + (TITLE_HEIGHT if title else 0.0)
    centres = _layer_centres(layering, height, top)
    y = {key: centres[index] for index, nodes in enumerate(layering.layers) for key in nodes}
    x = {key: value - left + MARGIN for key, value in x.items()}
    placed = {
        n: PlacedNode(n, labels[n], tiers[n], x[n], y[n], sizes[n][0], sizes[n][1])
        for n in sorted(graph.nodes)
    }
    ports = _ports(layering, placed, x)
    edges = []
    for (parent, child), chain in sorted(layering.chains.items()):
        data = graph.edges[parent, child]
        points = (ports[((parent, child), "start")], *((x[k], y[k]) for k in chain[1:-1]))
        points += (ports[((parent, child), "end")],)
        renamed = bool(data.get("renamed"))
        edges.append(
            PlacedEdge(
                parent,
                child,
                points,
                bool(data.get("primary")),
                renamed,
                rename_text(data) if renamed else "",
            )
        )
    right = max(max(x[key] + width[key] / 2 for key in width), text_width(title or "", TITLE_SIZE) + MARGIN)
    bottom = max(y[key] + height[key] / 2 for key in width)
    return Layout(right + MARGIN, bottom + MARGIN, tuple(placed.values()), tuple(edges), title)

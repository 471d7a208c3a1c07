"""Mermaid flowchart text for a diagram, for Markdown, GitHub and mermaid.live.

Part of the diagram package, at the top next to ``svg.py``. Mermaid lays the
graph out itself, so this writer needs only the subgraph to draw and its
labels: one ``classDef`` per tier in the shared palette, tables grouped by
schema, primary dependencies as solid links and secondary ones dotted, renamed
foreign keys in amber with their renames as the link text.
"""

from __future__ import annotations

import re

import networkx as nx

from .graph import rename_text, topological_order
from .style import (
    EDGE_COLOR,
    PRIMARY_EDGE_WIDTH,
    RENAMED_EDGE_COLOR,
    SECONDARY_EDGE_WIDTH,
    TIER_STYLES,
    style_for,
)

# words Mermaid reads as syntax, which must not be used bare as node ids
_RESERVED = frozenset(
    {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle"}
)
_BRACKETS = {"rounded": ('("', '")'), "ellipse": ('(["', '"])'), "part": ('["', '"]')}


def _identifier(text: str) -> str:
    ident = re.sub(r"\W", "_", text)
    if not ident or ident[0].isdigit() or ident.lower() in _RESERVED:
        ident = "t_" + ident
    return ident


def _node_ids(order: list[str], labels: dict[str, str]) -> dict[str, str]:
    """Give every node a distinct Mermaid id derived from its label."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for node in order:
        base = ident = _identifier(labels[node])
        suffix = 2
        while ident in taken:
            ident, suffix = f"{base}_{suffix}", suffix + 1
        ids[node] = ident
        taken.add(ident)
    return ids


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _class_defs(tiers: set[str | None]) -> list[str]:
    lines = []
    for tier, style in TIER_STYLES.items():
        size = f",font-size:{style.font_size:g}px" if tier == "Part" else ""
        lines.append(
            f"    classDef {style.css_class} fill:{style.fill},stroke:{style.stroke},color:{style.text}{size}"
        )
    if tiers - set(TIER_STYLES):
        other = style_for(None)
        lines.append(
            f"    classDef {other.css_class} fill:{other.fill},stroke:{other.stroke},color:{other.text}"
        )
    return lines


def _node_line(node: str, graph: nx.DiGraph, ident: str, label: str) -> str:
    style = style_for(graph.nodes[node].get("tier"))
    left, right = _BRACKETS["part" if style.css_class == "part" else style.shape]
    return f"        {ident}{left}{label.replace(chr(34), '#quot;')}{right}:::{style.css_class}"


def _link_styles(kinds: list[tuple[bool, bool]]) -> list[str]:
    """Group edges that look alike into one ``linkStyle`` line each."""
    groups: dict[tuple[bool, bool], list[str]] = {}
    for index, kind in enumerate(kinds):
        groups.setdefault(kind, []).append(str(index))
    lines = []
    for (primary, renamed), indices in sorted(groups.items()):
        color = RENAMED_EDGE_COLOR if renamed else EDGE_COLOR
        width = PRIMARY_EDGE_WIDTH if primary else SECONDARY_EDGE_WIDTH
        lines.append(f"    linkStyle {','.join(indices)} stroke:{color},stroke-width:{width:g}px")
    return lines


def render_mermaid(graph: nx.DiGraph, labels: dict[str, str]) -> str:
    """Return a top-to-bottom Mermaid flowchart of ``graph`` with nodes labelled by ``labels``."""
    order = topological_order(graph)
    ids = _node_ids(order, labels)
    tiers = {graph.nodes[n].get("tier") for n in order}
    lines = ["flowchart TB", *_class_defs(tiers)]
    schemas: dict[str, list[str]] = {}
    for node in order:
        schemas.setdefault(str(graph.nodes[node].get("schema") or ""), []).append(node)
    for number, (schema, nodes) in enumerate(sorted(schemas.items())):
        lines.append(f"    subgraph schema_{number}[{_quote(schema)}]")
        lines.extend(_node_line(n, graph, ids[n], labels[n]) for n in nodes)
        lines.append("    end")
    kinds = []
    position = {node: index for index, node in enumerate(order)}
    for parent in order:
        for child in sorted(graph.successors(parent), key=position.__getitem__):
            data = graph.edges[parent, child]
            primary, renamed = bool(data.get("primary")), bool(data.get("renamed"))
            arrow = "-->" if primary else "-.->"
            text = rename_text(data) if renamed else ""
            link = f"{arrow}|{_quote(text)}|" if text else arrow
            lines.append(f"    {ids[parent]} {link} {ids[child]}")
            kinds.append((primary, renamed))
    lines.extend(_link_styles(kinds))
    return "\n".join(lines) + "\n"

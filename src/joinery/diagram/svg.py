"""SVG text for a laid-out diagram, written in pure Python (no graphviz).

Part of the diagram package, at the top next to ``raster.py``: it reads a
``Layout`` and writes markup, making no layout decisions of its own. Each
table is one ``<g class="node TIER">`` group carrying a ``<title>`` tooltip
with its full table name; each dependency is one ``<g class="edge ...">``.
Edges are written before nodes so boxes cover the ends of their curves.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .layout import MARGIN, TITLE_SIZE, Layout, PlacedEdge, PlacedNode, curve_segments, midpoint
from .style import (
    EDGE_COLOR,
    EDGE_OPACITY,
    FONT_FAMILY,
    FRAME_COLOR,
    PRIMARY_EDGE_WIDTH,
    RENAMED_EDGE_COLOR,
    SECONDARY_DASH,
    SECONDARY_EDGE_WIDTH,
    style_for,
)

# text sits on its baseline; this share of the font size below the centre line centres it visually
_BASELINE_SHIFT = 0.35


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path_data(points: tuple) -> str:
    parts = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for (ax, ay), (bx, by), (cx, cy) in curve_segments(points):
        parts.append(f"C{_num(ax)},{_num(ay)} {_num(bx)},{_num(by)} {_num(cx)},{_num(cy)}")
    return " ".join(parts)


def _edge(edge: PlacedEdge) -> str:
    """One dependency: its curve and, for a renamed foreign key, the alias dot and rename text."""
    kind = "primary" if edge.primary else "secondary"
    classes = f"edge {kind}" + (" renamed" if edge.renamed else "")
    color = RENAMED_EDGE_COLOR if edge.renamed else EDGE_COLOR
    width = PRIMARY_EDGE_WIDTH if edge.primary else SECONDARY_EDGE_WIDTH
    dash = "" if edge.primary else f' stroke-dasharray="{_num(SECONDARY_DASH[0])},{_num(SECONDARY_DASH[1])}"'
    tip = f"{edge.parent} → {edge.child}" + (f" ({edge.label})" if edge.label else "")
    lines = [
        f"<g class={quoteattr(classes)} data-parent={quoteattr(edge.parent)} data-child={quoteattr(edge.child)}>",
        f"<title>{escape(tip)}</title>",
        f'<path d="{_path_data(edge.points)}" fill="none" stroke="{color}" stroke-opacity="{EDGE_OPACITY}"'
        f' stroke-width="{_num(width)}"{dash}/>',
    ]
    if edge.renamed:
        mx, my = midpoint(edge.points)
        lines.append(f'<circle cx="{_num(mx)}" cy="{_num(my)}" r="3" fill="{color}"/>')
        if edge.label:
            lines.append(
                f'<text x="{_num(mx + 6)}" y="{_num(my + 3)}" font-size="9" fill="{color}">{escape(edge.label)}</text>'
            )
    lines.append("</g>")
    return "\n".join(lines)


def _shape(node: PlacedNode) -> str:
    style = style_for(node.tier)
    paint = f'fill="{style.fill}" stroke="{style.stroke}" stroke-width="1.2"'
    if style.shape == "ellipse":
        return (
            f'<ellipse cx="{_num(node.x)}" cy="{_num(node.y)}" rx="{_num(node.width / 2)}"'
            f' ry="{_num(node.height / 2)}" {paint}/>'
        )
    radius = min(8.0, node.height / 3)
    return (
        f'<rect x="{_num(node.x - node.width / 2)}" y="{_num(node.y - node.height / 2)}"'
        f' width="{_num(node.width)}" height="{_num(node.height)}" rx="{_num(radius)}" {paint}/>'
    )


def _node(node: PlacedNode) -> str:
    """One table: a group holding its tooltip, its shape and its label."""
    style = style_for(node.tier)
    baseline = node.y + _BASELINE_SHIFT * style.font_size
    return "\n".join(
        [
            f"<g class={quoteattr('node ' + style.css_class)} data-table={quoteattr(node.key)}>",
            f"<title>{escape(node.key)}</title>",
            _shape(node),
            f'<text x="{_num(node.x)}" y="{_num(baseline)}" text-anchor="middle"'
            f' font-size="{_num(style.font_size)}" fill="{style.text}">{escape(node.label)}</text>',
            "</g>",
        ]
    )


def _frame(layout: Layout) -> str:
    inset = MARGIN / 2
    return (
        f'<g class="schema"><rect x="{_num(inset)}" y="{_num(inset)}" width="{_num(layout.width - 2 * inset)}"'
        f' height="{_num(layout.height - 2 * inset)}" rx="6" fill="none" stroke="{FRAME_COLOR}"'
        f' stroke-opacity="0.5" stroke-dasharray="4,3"/>'
        f'<text x="{_num(layout.width - MARGIN)}" y="{_num(inset + TITLE_SIZE + 3)}" text-anchor="end"'
        f' font-size="{_num(TITLE_SIZE)}" fill="{FRAME_COLOR}">{escape(layout.title or "")}</text></g>'
    )


def render_svg(layout: Layout) -> str:
    """Return a standalone SVG document drawing ``layout``."""
    width, height = _num(layout.width), _num(layout.height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family={quoteattr(FONT_FAMILY)}>',
    ]
    if layout.title:
        parts.append(_frame(layout))
    parts.append('<g class="edges">')
    parts.extend(_edge(edge) for edge in layout.edges)
    parts.append("</g>")
    parts.append('<g class="nodes">')
    parts.extend(_node(node) for node in layout.nodes)
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"

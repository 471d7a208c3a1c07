"""PNG images and on-screen drawing of a laid-out diagram, through matplotlib.

Part of the diagram package, at the top next to ``svg.py``: it paints the same
``Layout`` the SVG writer reads, with matplotlib patches, so PNG and SVG look
alike. matplotlib is an optional dependency; it is imported only here, only
when asked for, and its absence is reported as a DataJointError saying what
to install.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import DataJointError
from .layout import MARGIN, TITLE_SIZE, Layout, PlacedEdge, PlacedNode, curve_segments, midpoint
from .style import (
    EDGE_COLOR,
    EDGE_OPACITY,
    FRAME_COLOR,
    PRIMARY_EDGE_WIDTH,
    RENAMED_EDGE_COLOR,
    SECONDARY_DASH,
    SECONDARY_EDGE_WIDTH,
    style_for,
)

DPI = 100
# matplotlib's bundled sans-serif (DejaVu Sans) runs wider than the Helvetica the
# node widths are estimated for; a slightly smaller size keeps labels inside their boxes
_FONT_SHRINK = 0.9
MATPLOTLIB_HINT = (
    "Drawing a diagram as an image needs matplotlib, which is not installed. "
    "Install it with `pip install 'joinery[diagram]'` (or `pip install matplotlib`). "
    "SVG (.svg) and Mermaid (.mmd) output need nothing extra."
)


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise DataJointError(MATPLOTLIB_HINT) from error


def _edge_patch(edge: PlacedEdge, points_per_px: float) -> Any:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    vertices = [edge.points[0]]
    codes = [Path.MOVETO]
    for segment in curve_segments(edge.points):
        vertices.extend(segment)
        codes.extend([Path.CURVE4] * 3)
    width = PRIMARY_EDGE_WIDTH if edge.primary else SECONDARY_EDGE_WIDTH
    return PathPatch(
        Path(vertices, codes),
        fill=False,
        edgecolor=RENAMED_EDGE_COLOR if edge.renamed else EDGE_COLOR,
        alpha=EDGE_OPACITY,
        linewidth=width * points_per_px,
        # dash lengths are in multiples of the line width, like SVG's pixels at width 1
        linestyle="solid" if edge.primary else (0, SECONDARY_DASH),
    )


def _paint_edge(ax: Any, edge: PlacedEdge, points_per_px: float) -> None:
    ax.add_patch(_edge_patch(edge, points_per_px))
    if edge.renamed:
        from matplotlib.patches import Circle

        mx, my = midpoint(edge.points)
        ax.add_patch(Circle((mx, my), 3.0, color=RENAMED_EDGE_COLOR))
        if edge.label:
            ax.text(
                mx + 6,
                my,
                edge.label,
                fontsize=9 * points_per_px * _FONT_SHRINK,
                color=RENAMED_EDGE_COLOR,
                va="center",
            )


def _paint_node(ax: Any, node: PlacedNode, points_per_px: float) -> None:
    from matplotlib.patches import Ellipse, FancyBboxPatch

    style = style_for(node.tier)
    paint: dict[str, Any] = {
        "facecolor": style.fill,
        "edgecolor": style.stroke,
        "linewidth": 1.2 * points_per_px,
    }
    if style.shape == "ellipse":
        ax.add_patch(Ellipse((node.x, node.y), node.width, node.height, **paint))
    else:
        radius = min(8.0, node.height / 3)
        corner = (node.x - node.width / 2, node.y - node.height / 2)
        box = f"round,pad=0,rounding_size={radius}"
        ax.add_patch(FancyBboxPatch(corner, node.width, node.height, boxstyle=box, **paint))
    size = style.font_size * points_per_px * _FONT_SHRINK
    ax.text(node.x, node.y, node.label, ha="center", va="center", fontsize=size, color=style.text)


def _paint_frame(ax: Any, layout: Layout, points_per_px: float) -> None:
    from matplotlib.patches import FancyBboxPatch

    inset = MARGIN / 2
    frame = FancyBboxPatch(
        (inset, inset),
        layout.width - 2 * inset,
        layout.height - 2 * inset,
        boxstyle="round,pad=0,rounding_size=6",
        fill=False,
        edgecolor=FRAME_COLOR,
        alpha=0.5,
        linestyle=(0, (4, 3)),
        linewidth=points_per_px,
    )
    ax.add_patch(frame)
    size = TITLE_SIZE * points_per_px * _FONT_SHRINK
    ax.text(
        layout.width - MARGIN, inset + 4, layout.title, ha="right", va="top", fontsize=size, color=FRAME_COLOR
    )


def paint(ax: Any, layout: Layout, points_per_px: float) -> None:
    """Draw ``layout`` on matplotlib axes whose data units are the layout's pixels."""
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)  # the layout's y grows downwards
    ax.set_axis_off()
    if layout.title:
        _paint_frame(ax, layout, points_per_px)
    for edge in layout.edges:
        _paint_edge(ax, edge, points_per_px)
    for node in layout.nodes:
        _paint_node(ax, node, points_per_px)


def render_png(layout: Layout, scale: float = 2.0) -> bytes:
    """Return PNG bytes of ``layout``, ``scale`` image pixels per layout pixel."""
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # a Figure with its own Agg canvas leaves pyplot's global state and backend alone
    figure = Figure(figsize=(layout.width * scale / DPI, layout.height * scale / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    paint(axes, layout, points_per_px=scale * 72 / DPI)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def show(layout: Layout) -> None:
    """Show ``layout`` in a pyplot window (or inline in a notebook)."""
    _require_matplotlib()
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    paint(axes, layout, points_per_px=72 / DPI)
    pyplot.show()

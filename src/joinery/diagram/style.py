"""How each table tier looks in a diagram: colours, shapes, font sizes, text widths.

Bottom of the diagram package: pure data shared by the layout (which needs node
sizes), the SVG and PNG painters and the Mermaid writer, so all three outputs
speak one palette. The colours follow DataJoint's light theme (Manual green,
Lookup gray, Imported blue, Computed red, parts small and plain) so a joinery
diagram reads like the ones in DataJoint's tutorials.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "Helvetica, Arial, sans-serif"
EDGE_COLOR = "#171C39"
RENAMED_EDGE_COLOR = "#C77D3A"
EDGE_OPACITY = 0.62
FRAME_COLOR = "#171D3A"
PRIMARY_EDGE_WIDTH = 2.0
SECONDARY_EDGE_WIDTH = 1.0
SECONDARY_DASH = (5.0, 3.0)


@dataclass(frozen=True)
class TierStyle:
    """The look of one tier: CSS class name, shape, colours and text size.

    ``shape`` is ``"rounded"`` (a box with rounded corners) or ``"ellipse"``.
    """

    css_class: str
    shape: str
    fill: str
    stroke: str
    text: str
    font_size: float
    height: float
    pad_x: float


TIER_STYLES: dict[str, TierStyle] = {
    "Manual": TierStyle("manual", "rounded", "#E8F0E9", "#3E7A52", "#28513A", 12.0, 28.0, 10.0),
    "Lookup": TierStyle("lookup", "rounded", "#F0F0F1", "#808285", "#5A5C5F", 12.0, 28.0, 10.0),
    "Imported": TierStyle("imported", "ellipse", "#E0F4FC", "#00A0DF", "#00537A", 12.0, 32.0, 16.0),
    "Computed": TierStyle("computed", "ellipse", "#FFEDE5", "#FF5113", "#B23200", 12.0, 32.0, 16.0),
    "Part": TierStyle("part", "rounded", "#FFFFFF", "#B9BBBE", "#55585C", 10.0, 20.0, 6.0),
}
OTHER_STYLE = TierStyle("other", "rounded", "#FFFDE7", "#C9BC5B", "#6B6420", 10.0, 22.0, 8.0)

# Approximate Helvetica advance widths, in ems, so node widths follow label
# length without measuring fonts (which would make output depend on the machine).
_NARROW = frozenset("ijlI.,:;'|!")
_SEMI = frozenset("frt()[]{}-/ ")
_WIDE = frozenset("mwMW@%")


def style_for(tier: str | None) -> TierStyle:
    """Return the style of a tier name ('Manual', 'Part', ...); unknown tiers get a neutral style."""
    return TIER_STYLES.get(tier or "", OTHER_STYLE)


def _char_em(char: str) -> float:
    if char in _NARROW:
        return 0.26
    if char in _SEMI:
        return 0.36
    if char in _WIDE:
        return 0.86
    if char.isupper():
        return 0.68
    return 0.55


def text_width(text: str, font_size: float) -> float:
    """Estimate the drawn width of ``text`` in pixels at ``font_size``.

    >>> text_width("ii", 10.0) < text_width("MM", 10.0)
    True
    """
    return font_size * sum(_char_em(c) for c in text)


def node_size(label: str, tier: str | None) -> tuple[float, float]:
    """Return the (width, height) of the node that shows ``label`` for a table of ``tier``."""
    style = style_for(tier)
    width = text_width(label, style.font_size)
    if style.shape == "ellipse":
        # an ellipse needs more room than a box for the same text to stay inside it
        width *= 1.12
    return round(width + 2 * style.pad_x, 1), style.height

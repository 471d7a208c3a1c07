"""The semantic check: same-named attributes may be matched only when they share a lineage.

Layer: ``query/``; works on headings only. A join (``a * b``, ``a.extend(b)``),
a restriction by another query (``a & b``, ``a - b``) and an aggregation
(``a.aggr(b, ...)``) match the attributes the two operands have in common by
name. As in DataJoint 2.x, each such pair must have the same lineage (both
known and equal), otherwise the operation is refused with an error naming the
attribute; ``semantic_check=False`` matches by name alone.
"""

from __future__ import annotations

from ..errors import DataJointError
from .heading import Heading


def _problem(name: str, left: str | None, right: str | None) -> str:
    """DataJoint's wording for one non-matching pair (its first sentence is DataJoint's verbatim)."""
    if left is None or right is None:
        return (
            f"Cannot join on attribute `{name}`: lineage missing on one side ({left} vs {right}). "
            "An attribute has no lineage when it is a secondary attribute declared in its own table "
            "(not brought in by a foreign key) or is computed by a query."
        )
    return f"Cannot join on attribute `{name}`: different lineages ({left} vs {right})."


def conflicts(a: Heading, b: Heading) -> list[tuple[str, str | None, str | None]]:
    """The common attributes of ``a`` and ``b`` whose lineages differ or are missing, in ``a``'s order."""
    found = []
    other = b.attributes
    for name, attribute in a.attributes.items():
        match = other.get(name)
        if match is not None and (attribute.lineage is None or attribute.lineage != match.lineage):
            found.append((name, attribute.lineage, match.lineage))
    return found


def assert_join_compatibility(a: Heading, b: Heading, semantic_check: bool = True) -> None:
    """Raise ``DataJointError`` if ``a`` and ``b`` have same-named attributes of different lineage.

    The message names every such attribute; the first is described in DataJoint's words.
    """
    if not semantic_check:
        return
    found = conflicts(a, b)
    if not found:
        return
    name, left, right = found[0]
    message = _problem(name, left, right)
    if len(found) > 1:
        others = ", ".join(f"`{n}` ({x} vs {y})" for n, x, y in found[1:])
        message += f" The lineages of {others} do not match either."
    raise DataJointError(
        message + " Use .proj() to rename one of the attributes, "
        "or pass semantic_check=False to match them by name alone."
    )

"""``Diagram``: the pipeline's dependency diagram, with DataJoint's selection arithmetic.

Top of the diagram package, the only module that knows where a dependency graph
comes from (``source.connection.dependencies``). A Diagram is an immutable
selection of tables over a snapshot of that graph; ``+``/``-`` with an int
expand it downstream/upstream, with another Diagram (or a table) they unite or
subtract. Rendering needs no graphviz: SVG is written in pure Python, Mermaid as
text, PNG through matplotlib when it is installed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import DataJointError
from . import graph as selection
from .layout import Layout, compute_layout
from .mermaid import render_mermaid
from .raster import render_png, show
from .svg import render_svg

_FORMATS = {".svg": "svg", ".png": "png", ".mmd": "mermaid", ".mermaid": "mermaid"}


def _dependency_graph(source: Any) -> nx.DiGraph:
    """Load and snapshot the dependency graph reachable from a schema, table class or module."""
    connection = getattr(source, "connection", None)
    if connection is None:
        connection = getattr(getattr(source, "schema", None), "connection", None)
    if connection is None:
        raise DataJointError(
            f"Cannot draw a Diagram of {source!r}: pass a schema, a table class, a Diagram or a list of them."
        )
    dependencies = connection.dependencies
    dependencies.load()
    # a copy, so later loads cannot change what an existing Diagram shows
    return nx.DiGraph(getattr(dependencies, "graph", dependencies))


def _initial_tables(source: Any, graph: nx.DiGraph) -> frozenset[str]:
    """The tables a source names: one table (with its parts), or every table of a schema."""
    table_name = getattr(source, "full_table_name", None)
    if isinstance(table_name, str):
        return selection.with_parts(graph, [table_name]) if table_name in graph else frozenset()
    database = getattr(source, "database", None)
    if database is None:
        database = getattr(getattr(source, "schema", None), "database", None)
    if not isinstance(database, str):
        raise DataJointError(f"Cannot draw a Diagram of {source!r}: it is neither a table nor a schema.")
    return selection.schema_tables(graph, database)


class Diagram:
    """A selection of tables from the pipeline's dependency graph, drawn top to bottom.

    ``Diagram(schema)`` shows a schema; ``Diagram(Table)`` one table (with its
    parts); ``d + n`` / ``d - n`` add ``n`` levels of children / parents;
    ``d1 + d2``, ``d1 - d2``, ``d1 * d2`` are union, difference and intersection.
    Every operation returns a new Diagram.
    """

    _graph: nx.DiGraph
    _nodes: frozenset[str]

    def __init__(self, source: Any, context: dict | None = None) -> None:
        self.context = dict(context) if context is not None else {}
        if isinstance(source, Diagram):
            self._graph, self._nodes = source._graph, source._nodes
            self.context = {**source.context, **self.context}
        elif isinstance(source, (list, tuple)):
            if not source:
                raise DataJointError("Diagram needs at least one schema or table; got an empty list.")
            united = functools.reduce(Diagram.__add__, (Diagram(item, context) for item in source))
            self._graph, self._nodes = united._graph, united._nodes
        else:
            self._graph = _dependency_graph(source)
            self._nodes = _initial_tables(source, self._graph)

    @classmethod
    def from_sequence(cls, sequence: Iterable[Any]) -> Diagram:
        """Return the union of the Diagrams of each item: ``Diagram(a) + Diagram(b) + ...``."""
        return cls(list(sequence))

    def _derive(self, graph: nx.DiGraph, nodes: Iterable[str]) -> Diagram:
        result = object.__new__(type(self))
        result.context = self.context
        result._graph = graph
        result._nodes = frozenset(n for n in nodes if n in graph and selection.is_shown(graph, n))
        return result

    def _coerce(self, other: Any) -> Diagram:
        return other if isinstance(other, Diagram) else Diagram(other, self.context)

    def _merged_graph(self, other: Diagram) -> nx.DiGraph:
        return self._graph if other._graph is self._graph else nx.compose(self._graph, other._graph)

    # ----- arithmetic -------------------------------------------------------------------

    def __add__(self, other: Any) -> Diagram:
        """``d + n`` adds n levels of descendants; ``d + other`` is the union."""
        if isinstance(other, int):
            return self._derive(
                self._graph, selection.expand(self._graph, self._nodes, other, downstream=True)
            )
        other = self._coerce(other)
        merged = self._derive(self._merged_graph(other), self._nodes | other._nodes)
        merged.context = {**self.context, **other.context}
        return merged

    def __sub__(self, other: Any) -> Diagram:
        """``d - n`` adds n levels of ancestors; ``d - other`` drops the tables of ``other``."""
        if isinstance(other, int):
            return self._derive(
                self._graph, selection.expand(self._graph, self._nodes, other, downstream=False)
            )
        return self._derive(self._graph, self._nodes - self._coerce(other)._nodes)

    def __mul__(self, other: Any) -> Diagram:
        """``d1 * d2`` keeps the tables present in both."""
        return self._derive(self._graph, self._nodes & self._coerce(other)._nodes)

    def add_parts(self) -> Diagram:
        """Return a Diagram that also shows the part tables of every master it shows."""
        return self._derive(self._graph, selection.with_parts(self._graph, self._nodes))

    # ----- inspection -------------------------------------------------------------------

    @property
    def nodes_to_show(self) -> frozenset[str]:
        """The full names of the tables this Diagram shows."""
        return self._nodes

    def topo_sort(self) -> list[str]:
        """Return the shown tables' full names, parents before children."""
        return selection.topological_order(self._drawn[0])

    def __repr__(self) -> str:
        return f"<Diagram of {len(self._nodes)} tables>"

    @functools.cached_property
    def _drawn(self) -> tuple[nx.DiGraph, dict[str, str]]:
        sub = selection.drawn_subgraph(self._graph, self._nodes)
        return sub, selection.display_labels(sub)

    @functools.cached_property
    def _layout(self) -> Layout:
        sub, labels = self._drawn
        schemas = sorted({str(sub.nodes[n].get("schema") or "") for n in sub.nodes})
        title = schemas[0] if len(schemas) == 1 and schemas[0] else None
        return compute_layout(sub, labels, title=title)

    # ----- rendering --------------------------------------------------------------------

    def make_svg(self) -> str:
        """Return the diagram as an SVG document (pure Python, no graphviz needed)."""
        return render_svg(self._layout)

    def _repr_svg_(self) -> str:
        return self.make_svg()

    def make_mermaid(self) -> str:
        """Return the diagram as Mermaid flowchart text (top to bottom, one class per tier)."""
        return render_mermaid(*self._drawn)

    def make_png(self) -> bytes:
        """Return the diagram as PNG bytes (needs matplotlib)."""
        return render_png(self._layout)

    def draw(self) -> None:
        """Show the diagram with matplotlib (needs matplotlib)."""
        show(self._layout)

    def save(self, filename: str | Path, format: str | None = None) -> None:
        """Write the diagram to ``filename`` as svg, png or mermaid (from the extension unless ``format``)."""
        path = Path(filename)
        kind = (format or _FORMATS.get(path.suffix.lower(), "")).lower()
        kind = "mermaid" if kind == "mmd" else kind
        if kind == "svg":
            path.write_text(self.make_svg(), encoding="utf-8")
        elif kind == "png":
            path.write_bytes(self.make_png())
        elif kind == "mermaid":
            path.write_text(self.make_mermaid(), encoding="utf-8")
        else:
            raise DataJointError(
                f"Cannot save a diagram as {format or path.suffix or filename!r}: "
                "use a .svg, .png, .mmd or .mermaid file name, or format='svg', 'png' or 'mermaid'."
            )

"""Compiling a query for any dialect, with no database: for golden-SQL tests and debugging.

Layer: ``sql/``. ``fetch`` compiles a query for its own connection's dialect;
this module compiles the same tree for a dialect named by the caller, through the
same path (``compile_query`` and the codecs' value encoding), so the text and
parameters are exactly what a connection of that dialect would run. Query trees
themselves are built from headings alone (``query/``), so no connection is needed
anywhere on the way.
"""

from __future__ import annotations

from typing import Any

from ..query import nodes as n
from .compiler import Params
from .dialects import Dialect, get_dialect
from .plans import compile_query


def compile_for(
    dialect: Dialect | str,
    query: Any,
    order_by: Any = None,
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[str, Params]:
    """SQL text and parameters of ``query`` (a query expression or a node) for ``dialect``.

    ``order_by``, ``limit`` and ``offset`` are those of ``fetch``.

    >>> from joinery.query.heading import Attribute, Heading
    >>> from joinery.definition import parse_type
    >>> heading = Heading([Attribute("id", parse_type("int32"), in_key=True)])
    >>> compile_for("mysql", n.TableNode(heading, "lab", "mouse"))
    ('SELECT _s1.`id` FROM `lab`.`mouse` AS _s1', [])
    """
    from ..codecs import encode_value  # codecs sit beside sql/; imported late to keep sql/ light

    chosen = get_dialect(dialect) if isinstance(dialect, str) else dialect
    node: n.Node = query if isinstance(query, n.Node) else query._node
    return compile_query(chosen, encode_value, node, list(node.heading.names), order_by, limit, offset)

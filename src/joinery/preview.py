"""Table previews for the terminal (``repr``) and notebooks (``_repr_html_``).

Layer: on top of ``fetch.py``; called by ``QueryExpression.__repr__`` and
``_repr_html_``. The layout is DataJoint 2.x's: primary-key attributes marked
(``*name`` in text, ``id="primary"`` in HTML), the first ``display.limit`` rows
in primary-key order, then ``Total: N``. Large values are never fetched for a
preview: a codec attribute shows as ``<name>`` (``<blob>``), a ``bytes``
attribute as ``bytes``, a ``json`` attribute as ``json``.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from .settings import config


def placeholder(attribute: Any) -> str | None:
    """What a preview shows instead of the value of ``attribute``, or None to show the value."""
    category = attribute.type.category
    if category == "codec":
        return f"<{attribute.type.codec}>"
    if category == "blob":  # legacy longblob columns hold serialized objects, as <blob> does
        return "<blob>"
    if category in ("bytes", "json"):
        return category
    return None


def _sample(query: Any, limit: int) -> tuple[np.ndarray, bool]:
    """The first ``limit`` rows of the attributes that are shown, and whether there are more."""
    shown = [a.name for a in query.heading if placeholder(a) is None]
    records = query.proj(*[name for name in shown if name not in query.primary_key]).to_arrays(
        order_by="KEY", limit=limit + 1
    )
    return records[:limit], len(records) > limit


def _cells(query: Any, records: np.ndarray) -> dict[str, list[str]]:
    """The text of every shown cell, column by column."""
    cells = {}
    for attribute in query.heading:
        text = placeholder(attribute)
        if text is None:
            cells[attribute.name] = [str(value) for value in records[attribute.name]]
        else:
            cells[attribute.name] = [text] * len(records)
    return cells


def preview_text(query: Any, limit: int | None = None, width: int | None = None) -> str:
    """The text preview of a query: header, separator, rows, ``...`` when cut, ``(Total: N)``."""
    limit = config["display.limit"] if limit is None else limit
    width = config["display.width"] if width is None else width
    records, more = _sample(query, limit)
    cells = _cells(query, records)
    names = query.heading.names
    key = set(query.primary_key)
    widths = {}
    for attribute in query.heading:
        shown = placeholder(attribute)
        longest = (
            len(shown)
            if shown is not None
            else max([len(attribute.name)] + list(map(len, cells[attribute.name])))
        )
        widths[attribute.name] = min(longest + 4, width)

    def line(texts: dict[str, str]) -> str:
        return " ".join(texts[name][: widths[name]].ljust(widths[name]) for name in names)

    lines = [line({name: ("*" + name if name in key else name) for name in names})]
    lines.append(" ".join("+" + "-" * (widths[name] - 2) + "+" for name in names))
    lines.extend(line({name: cells[name][i] for name in names}) for i in range(len(records)))
    text = "\n".join(lines) + ("\n   ...\n" if more else "\n")
    if config["display.show_tuple_count"]:
        text += f" (Total: {len(query)})\n"
    return text


_STYLE = """<style type="text/css">
.Table {border-collapse: collapse;}
.Table th {background: #9a9a9a; color: #fff; padding: 2px 6px; font-family: monospace; font-weight: normal;}
.Table td {padding: 2px 6px; border: 1px solid #eee;}
.Table tr:nth-child(even) {background: #f4f2ff;}
.Table #primary {font-weight: bold; color: black;}
</style>"""


def preview_html(query: Any) -> str:
    """The HTML preview of a query, for notebooks."""
    limit = config["display.limit"]
    records, more = _sample(query, limit)
    cells = _cells(query, records)
    key = set(query.primary_key)
    head = "".join(
        f'<th><span id="{"primary" if a.name in key else "nonprimary"}" title="{html.escape(a.comment)}">'
        f"{html.escape(a.name)}</span></th>"
        for a in query.heading
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cells[name][i])}</td>" for name in query.heading.names) + "</tr>"
        for i in range(len(records))
    )
    total = f"<p>Total: {len(query)}</p>" if config["display.show_tuple_count"] else ""
    return (
        f'{_STYLE}<div style="max-height:1000px;max-width:1500px;overflow:auto;">'
        f'<table border="1" class="Table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"{'<p>...</p>' if more else ''}{total}</div>"
    )

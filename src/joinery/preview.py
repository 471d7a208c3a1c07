"""Table previews for the terminal (``repr``) and notebooks (``_repr_html_``).

The layout follows DataJoint's: primary-key attributes marked with ``*``,
large objects shown as ``=BLOB=`` placeholders in text and ``<blob>`` in HTML
without being fetched, the first ``display.limit`` rows, then ``Total: N``.
"""

from __future__ import annotations

import html
from typing import Any

from .settings import config


def _rows(query: Any, limit: int) -> tuple[list[str], list[dict], bool]:
    names = list(query.heading.names)
    shown = query.proj(*[a for a in query.heading.non_blobs if a not in query.primary_key])
    rows = shown.to_dicts(limit=limit + 1)
    return names, rows[:limit], len(rows) > limit


def _cell(query: Any, row: dict, name: str, placeholder: str) -> str:
    if query.heading[name].is_blob:
        return placeholder
    value = row.get(name)
    return "" if value is None else str(value)


def preview_text(query: Any, limit: int | None = None, width: int | None = None) -> str:
    """The text preview of a query."""
    limit = config["display.limit"] if limit is None else limit
    width = config["display.width"] if width is None else width
    names, rows, more = _rows(query, limit)
    header = {name: ("*" + name if name in query.primary_key else name) for name in names}
    cells = [{name: _cell(query, row, name, "=BLOB=") for name in names} for row in rows]
    widths = {
        name: min(max([len(header[name])] + [len(c[name]) for c in cells]) + 2, max(width, 4)) for name in names
    }

    def fit(text: str, name: str) -> str:
        w = widths[name]
        return text[:w].ljust(w)

    lines = [" ".join(fit(header[name], name) for name in names)]
    lines.append(" ".join("+" + "-" * (widths[name] - 2) + "+" for name in names))
    lines.extend(" ".join(fit(c[name], name) for name in names) for c in cells)
    if more:
        lines.append("   ...")
    text = "\n".join(lines) + "\n"
    if config["display.show_tuple_count"]:
        text += f" (Total: {len(query)})\n"
    return text


def preview_html(query: Any) -> str:
    """The HTML preview of a query, for notebooks."""
    names, rows, more = _rows(query, config["display.limit"])
    head = "".join(
        f"<th>{'<b>' if name in query.primary_key else ''}{html.escape(name)}"
        f"{'</b>' if name in query.primary_key else ''}</th>"
        for name in names
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(query, row, name, '<blob>'))}</td>" for name in names) + "</tr>"
        for row in rows
    )
    more_row = "<p>...</p>" if more else ""
    total = f"<p>Total: {len(query)}</p>" if config["display.show_tuple_count"] else ""
    return (
        '<div class="joinery-preview"><table border="1" class="dataframe">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more_row}{total}</div>"
    )

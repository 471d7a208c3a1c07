"""Reading a table's heading back from the catalog.

Column comments carry DataJoint's ``:type:comment`` convention; a column
without that prefix has a native type, which is parsed as such. Each
attribute's lineage is derived from the foreign keys (``lineage.py``).
"""

from __future__ import annotations

from typing import Any

from .definition import parse_type
from .errors import DataJointError
from .lineage import table_lineages
from .query.heading import Attribute, Heading


def split_comment(comment: str) -> tuple[str | None, str]:
    """``(':int16:the comment')`` -> ``('int16', 'the comment')``; no prefix -> ``(None, comment)``."""
    if comment.startswith(":"):
        end = comment.find(":", 1)
        if end > 0:
            return comment[1:end], comment[end + 1 :]
    return None, comment


def _default(raw: str | None, now: str) -> str | None:
    """The default as a definition spells it; the dialect's 'local time now' reads as CURRENT_TIMESTAMP."""
    if raw is None or raw.upper() == "NULL":
        return None
    if raw.strip("()") == now.strip("()"):
        return "CURRENT_TIMESTAMP"
    return raw


def load_heading(connection: Any, schema: str, table: str) -> Heading:
    """The heading of a stored table, from the database's catalog (lineages from its foreign keys)."""
    columns = connection.catalog.columns(schema, table)
    if not columns:
        raise DataJointError(f"Table {table!r} does not exist in schema {schema!r}.")
    lineages = table_lineages(connection.catalog, schema, table, [c.name for c in columns if c.in_key])
    now = connection.dialect.extra.get("current_timestamp", "CURRENT_TIMESTAMP")
    attributes = []
    for column in columns:
        declared, comment = split_comment(column.comment)
        attributes.append(
            Attribute(
                name=column.name,
                type=parse_type(declared or column.native_type),
                in_key=column.in_key,
                nullable=column.nullable,
                default=_default(column.default, now),
                comment=comment,
                auto_increment=column.auto_increment,
                lineage=lineages.get(column.name),
            )
        )
    return Heading(attributes)

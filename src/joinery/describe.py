"""Reconstructing a table's definition text from the database."""

from __future__ import annotations

from typing import Any

from .dependencies import class_name_of


def _attribute_line(attribute: Any) -> str:
    default = ""
    if attribute.nullable and attribute.default is None:
        default = " = null"
    elif attribute.default is not None:
        default = f" = {attribute.default}"
    comment = f"  # {attribute.comment}" if attribute.comment else ""
    return f"{attribute.name}{default} : {attribute.type.core}{comment}"


def describe(table: Any) -> str:
    """The definition of a stored table: foreign keys shown as ``-> Parent``."""
    connection = table.connection
    catalog = connection.catalog
    heading = table.heading
    lines = []
    comment = catalog.table_comment(table.database, table.table_name)
    if comment:
        lines.append(f"# {comment}")
    fk_of: dict[str, tuple] = {}
    for fk in catalog.foreign_keys(table.database, table.table_name):
        first = fk.pairs[0][0]
        fk_of[first] = fk
    covered: set[str] = set()
    separator_done = False
    for attribute in heading:
        if not attribute.in_key and not separator_done:
            lines.append("---")
            separator_done = True
        if attribute.name in covered:
            continue
        fk = fk_of.get(attribute.name)
        if fk is not None:
            lines.append(_fk_line(table, fk, attribute))
            covered.update(child for child, _ in fk.pairs)
            continue
        lines.append(_attribute_line(attribute))
    if not separator_done:
        lines.append("---")
    for columns, unique in catalog.indexes(table.database, table.table_name):
        lines.append(f"{'unique ' if unique else ''}index ({', '.join(columns)})")
    return "\n".join(lines) + "\n"


def _fk_line(table: Any, fk: Any, attribute: Any) -> str:
    name = class_name_of(fk.parent_table)
    if fk.parent_schema != table.database:
        name = f"{fk.parent_schema}.{name}"
    if fk.parent_schema == table.database and fk.parent_table == table.table_name.rsplit("__", 1)[0] and "__" in table.table_name.lstrip("_#"):
        name = "master"
    options = "[nullable] " if attribute.nullable else ""
    renames = [(c, p) for c, p in fk.pairs if c != p]
    if renames:
        name += ".proj(" + ", ".join(f"{c}='{p}'" for c, p in renames) + ")"
    return f"-> {options}{name}"

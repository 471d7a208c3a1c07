"""Reconstructing a table's definition text from the database.

Sits above the catalog: the heading, foreign keys and indexes are read back
from the database (never from the class's own ``definition``), so ``describe()``
shows what is stored. The text declares an identical table when used as the
``definition`` of another class.
"""

from __future__ import annotations

from typing import Any

from .dependencies import class_name_of


def _attribute_line(attribute: Any) -> str:
    default = ""
    if attribute.nullable and attribute.default is None:
        default = " = null"
    elif attribute.default is not None:
        default = f" = {attribute.default}"
    auto = " auto_increment" if attribute.auto_increment else ""
    comment = f"  # {attribute.comment}" if attribute.comment else ""
    return f"{attribute.name}{default} : {attribute.type.core}{auto}{comment}"


def describe(table: Any) -> str:
    """The definition of a stored table: foreign keys shown as ``-> Parent``."""
    catalog = table.connection.catalog
    heading = table.heading
    lines = []
    comment = catalog.table_comment(table.database, table.table_name)
    if comment:
        lines.append(f"# {comment}")
    indexes = list(catalog.indexes(table.database, table.table_name))
    pending = list(catalog.foreign_keys(table.database, table.table_name))
    in_fk = {child for fk in pending for child, _ in fk.pairs}
    seen: set[str] = set()
    in_key = True
    for attribute in heading:
        if in_key and not attribute.in_key:
            lines.append("---")
            in_key = False
        seen.add(attribute.name)
        # a foreign key is written once all its attributes have appeared, as DataJoint does
        for fk in [fk for fk in pending if seen.issuperset(child for child, _ in fk.pairs)]:
            pending.remove(fk)
            lines.append(_fk_line(table, fk, _fk_options(heading, fk, indexes)))
        if attribute.name not in in_fk:
            lines.append(_attribute_line(attribute))
    if in_key:
        lines.append("---")
    for columns, unique in indexes:
        lines.append(f"{'unique ' if unique else ''}index ({', '.join(columns)})")
    return "\n".join(lines) + "\n"


def _fk_options(heading: Any, fk: Any, indexes: list) -> list[str]:
    """``nullable`` / ``unique`` for a foreign key; a unique index on exactly its columns is consumed."""
    columns = tuple(child for child, _ in fk.pairs)
    options = ["nullable"] if any(heading[c].nullable for c in columns) else []
    if (columns, True) in indexes:
        indexes.remove((columns, True))
        options.append("unique")
    return options


def _fk_line(table: Any, fk: Any, options: list[str]) -> str:
    name = class_name_of(fk.parent_table)
    if fk.parent_schema != table.database:
        name = f"{fk.parent_schema}.{name}"
    elif _is_master_of(fk.parent_table, table.table_name):
        name = "master"
    renames = [(c, p) for c, p in fk.pairs if c != p]
    if renames:
        name += ".proj(" + ", ".join(f"{c}='{p}'" for c, p in renames) + ")"
    shown = f"[{', '.join(options)}] " if options else ""
    return f"-> {shown}{name}"


def _is_master_of(parent: str, child: str) -> bool:
    """True when ``child`` is a part table (``master__part``) of ``parent``."""
    return child.startswith(parent + "__") and "__" not in child[len(parent) + 2 :]

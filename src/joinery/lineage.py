"""Lineage: where each attribute of a stored table comes from, derived from the foreign keys.

Layer: beside ``catalog_heading.py``; reads the catalog (``engine/catalog.py``),
never writes. DataJoint 2.x gives every attribute a *lineage*, the attribute
``schema.table.attribute`` it originates from, and lets a join, a restriction by
a query or an aggregation match same-named attributes only when their lineages
agree (``query/semantic.py`` makes that check). The rules, as DataJoint applies
them when it declares a table:

- an attribute that a foreign key brings in has the lineage of the parent's
  attribute it refers to, renamed or not (``-> Parent.proj(new='old')``);
- any other primary-key attribute originates in the table itself;
- any other secondary attribute has no lineage.

DataJoint writes these into a ``~lineage`` table per schema at declaration time.
joinery derives them from the foreign keys in the catalog instead, so there is
one source of truth and no table to keep in step; :func:`lineage_rows` builds the
rows of that table for databases that DataJoint will also read (see
``LINEAGE_TABLE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: DataJoint 2.x's per-schema table of lineages and its layout (all columns NOT NULL):
#: ``table_name varchar(64)``, ``attribute_name varchar(64)`` (the primary key) and
#: ``lineage varchar(255)``. DataJoint skips its semantic check, with a warning, on
#: schemas that lack it.
LINEAGE_TABLE = "~lineage"

_Links = dict[str, tuple[str, str, str]]


def _links(catalog: Any, schema: str, table: str, memo: dict[tuple[str, str], _Links]) -> _Links:
    """Each foreign-key column of a table -> (parent schema, parent table, parent column)."""
    found = memo.get((schema, table))
    if found is None:
        found = {}
        for fk in catalog.foreign_keys(schema, table):
            for child, parent in fk.pairs:
                found[child] = (fk.parent_schema, fk.parent_table, parent)
        memo[(schema, table)] = found
    return found


def _origin(catalog: Any, schema: str, table: str, column: str, memo: dict) -> str:
    """The lineage of a referenced column: followed up through the foreign keys to where it begins."""
    seen = set()
    while True:
        link = _links(catalog, schema, table, memo).get(column)
        if link is None or (schema, table, column) in seen:
            return f"{schema}.{table}.{column}"
        seen.add((schema, table, column))
        schema, table, column = link


def table_lineages(catalog: Any, schema: str, table: str, primary_key: Iterable[str]) -> dict[str, str]:
    """The lineage of each attribute of a table that has one (key and foreign-key attributes).

    ``primary_key`` names the table's key attributes; the result has no entry for
    secondary attributes that no foreign key brings in.
    """
    memo: dict[tuple[str, str], _Links] = {}
    result = {name: f"{schema}.{table}.{name}" for name in primary_key}
    for child, (p_schema, p_table, p_column) in _links(catalog, schema, table, memo).items():
        result[child] = _origin(catalog, p_schema, p_table, p_column, memo)
    return result


def lineage_rows(connection: Any, schema: str, table: str) -> list[tuple[str, str, str]]:
    """The rows DataJoint 2.x keeps for ``table`` in its schema's ``~lineage`` table.

    Each row is ``(table_name, attribute_name, lineage)``, one per attribute that
    has a lineage, in the table's column order. Write them (replacing the table's
    old rows) after declaring a table, and delete them when dropping it, so that
    DataJoint performs the same semantic checks on joinery's schemas.
    """
    columns = connection.catalog.columns(schema, table)
    lineages = table_lineages(connection.catalog, schema, table, [c.name for c in columns if c.in_key])
    return [(table, c.name, lineages[c.name]) for c in columns if c.name in lineages]


__all__ = ["LINEAGE_TABLE", "lineage_rows", "table_lineages"]

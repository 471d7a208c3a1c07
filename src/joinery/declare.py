"""Declaring a table class: definition text -> resolved declaration -> table.

The parser (``definition/``) gives a :class:`TableSpec`; here its foreign keys
are resolved against the user's classes (the namespace the class was declared
in), parent key attributes are copied in, and ``sql/ddl.py`` compiles the
result for the connection's dialect.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

from .definition import parse_definition
from .definition.spec import AttributeSpec, ForeignKeySpec, TableSpec
from .errors import DataJointError
from .lineage_table import record_lineage
from .query import nodes as n
from .query.heading import Attribute, Heading
from .sql.ddl import Declaration, ForeignKey, create_table


def resolve_reference(fk: ForeignKeySpec, context: dict, table: str) -> tuple[Any, dict[str, str]]:
    """The parent table class of a foreign key and its renames {child attribute: parent attribute}."""
    try:
        target = eval(fk.reference, {"__builtins__": {}}, context)  # noqa: S307 - names from the user's own module
    except Exception as error:
        raise DataJointError(
            f"Table `{table}`, line {fk.line} `{fk.text or fk.reference}`: cannot find {fk.reference!r} "
            f"({error}). Declare the parent table first, in the same module or passed in the schema's context."
        ) from None
    if isinstance(target, type):
        target = target()
    node = getattr(target, "_node", None)
    renames: dict[str, str] = {}
    if isinstance(node, n.ProjectNode) and isinstance(node.source, n.TableNode):
        renames = {new: src for new, (kind, src) in node.columns if kind == "attr" and new != src}
        base = node.source
        unknown = [src for _, (kind, src) in node.columns if kind != "attr"]
        if unknown:
            raise DataJointError(
                f"Table `{table}`, line {fk.line} `{fk.text or fk.reference}`: the parent has no attribute(s) "
                f"{unknown} to rename; its primary key is {base.heading.primary_key}."
            )
    elif isinstance(node, n.TableNode):
        base = node
    else:
        raise DataJointError(
            f"Table `{table}`, line {fk.line}: a foreign key must reference a table or a table's .proj() "
            f"with renamed attributes, not {fk.reference!r}."
        )
    return base, renames


def _fk_attributes(
    fk: ForeignKeySpec, parent: n.TableNode, renames: dict[str, str]
) -> tuple[list[Attribute], ForeignKey]:
    inverse = {src: new for new, src in renames.items()}
    attributes, pairs = [], []
    for name in parent.heading.primary_key:
        source = parent.heading[name]
        child_name = inverse.get(name, name)
        attributes.append(
            replace(
                source,
                name=child_name,
                in_key=fk.in_key,
                nullable=fk.nullable,
                default=None,
                auto_increment=False,
            )
        )
        pairs.append((child_name, name))
    return attributes, ForeignKey(parent.schema, parent.table, tuple(pairs), unique=fk.unique)


def build_declaration(
    schema: str, table: str, class_name: str, spec: TableSpec, context: dict
) -> Declaration:
    """Resolve a parsed definition into a :class:`Declaration`."""
    attributes: dict[str, Attribute] = {}
    foreign_keys = []
    for item in spec.items:
        if isinstance(item, AttributeSpec):
            if item.name in attributes:
                raise DataJointError(f"Table `{class_name}`: attribute `{item.name}` is declared twice.")
            attributes[item.name] = Attribute(
                item.name,
                item.type,
                item.in_key,
                item.nullable,
                item.default,
                item.comment,
                item.auto_increment,
            )
            continue
        parent, renames = resolve_reference(item, context, class_name)
        new_attributes, fk = _fk_attributes(item, parent, renames)
        for attribute in new_attributes:
            attributes.setdefault(attribute.name, attribute)
        foreign_keys.append(fk)
    ordered = [a for a in attributes.values() if a.in_key] + [a for a in attributes.values() if not a.in_key]
    for index in spec.indexes:
        missing = [a for a in index.attributes if a not in attributes]
        if missing:
            raise DataJointError(f"Table `{class_name}`: index on unknown attributes {missing}.")
    return Declaration(
        schema=schema,
        table=table,
        comment=spec.comment,
        attributes=tuple(ordered),
        foreign_keys=tuple(foreign_keys),
        indexes=tuple((i.attributes, i.unique) for i in spec.indexes),
    )


def declare(
    connection: Any, schema: str, table: str, class_name: str, definition: str, context: dict
) -> bool:
    """Create the table if it does not exist; returns True if it was created.

    An existing table is attached to as it is. If the class's definition
    disagrees with it, a warning says how (the stored table wins: nothing is
    altered behind the user's back).
    """
    spec = parse_definition(definition, class_name)
    decl = build_declaration(schema, table, class_name, spec, context)
    catalog = connection.catalog
    if catalog.table_exists(schema, table):
        _warn_if_different(connection, decl, class_name)
        return False
    statements, comments = create_table(connection.dialect, decl)
    with connection.atomic_ddl():
        for statement in statements:
            connection.query(statement)
        if connection.dialect.comments_in_side_table:
            catalog.set_comments(schema, table, comments)
        record_lineage(connection, schema, table)
    connection.dependencies.clear()
    return True


def _warn_if_different(connection: Any, decl: Declaration, class_name: str) -> None:
    from .catalog_heading import load_heading

    stored = load_heading(connection, decl.schema, decl.table)
    declared = Heading(decl.attributes)
    differences = []
    for attribute in declared:
        if attribute.name not in stored:
            differences.append(f"`{attribute.name}` is declared but not stored")
            continue
        other = stored[attribute.name]
        if (other.type.core, other.in_key, other.nullable) != (
            attribute.type.core,
            attribute.in_key,
            attribute.nullable,
        ):
            differences.append(
                f"`{attribute.name}` is declared as {_shown(attribute)} but stored as {_shown(other)}"
            )
    differences += [f"`{name}` is stored but not declared" for name in stored.names if name not in declared]
    if differences:
        warnings.warn(
            f"Table `{class_name}` already exists with a different definition: {'; '.join(differences)}. "
            "The stored table is used as it is; to change it, drop the table (losing its data) and declare it again.",
            stacklevel=4,
        )


def _shown(attribute: Attribute) -> str:
    """``int16 (key)`` / ``float32 (nullable)``: what a definition mismatch is about."""
    notes = [word for word, flag in (("key", attribute.in_key), ("nullable", attribute.nullable)) if flag]
    return attribute.type.core + (f" ({', '.join(notes)})" if notes else "")

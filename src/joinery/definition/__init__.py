"""Definition text -> table spec: the pure front end of table declaration.

``parse_definition`` turns a class's ``definition`` string into a frozen
:class:`TableSpec`; ``parse_type`` does the same for one attribute type. Nothing
in this package touches a database: the declaring layer resolves foreign keys
and ``sql/`` compiles specs into DDL.
"""

from __future__ import annotations

from joinery.definition.parser import parse_definition
from joinery.definition.spec import AttributeSpec, ForeignKeySpec, IndexSpec, TableSpec, TypeSpec
from joinery.definition.types import parse_type

__all__ = [
    "AttributeSpec",
    "ForeignKeySpec",
    "IndexSpec",
    "TableSpec",
    "TypeSpec",
    "parse_definition",
    "parse_type",
]

"""joinery: reproducible scientific data pipelines on a relational database.

DataJoint's API, on an embedded SQLite file by default (no server), or on
PostgreSQL / MySQL. ``import joinery as dj`` and write DataJoint code.
"""

from . import blob, errors
from .codecs import Codec
from .connect import conn
from .diagram import Diagram
from .errors import DataJointError
from .expression import QueryExpression
from .query.operands import AndList, Not, Top
from .schema import Schema, list_schemas
from .serialize import MatCell, MatStruct
from .settings import config
from .tables import FreeTable, Table
from .tiers import Computed, Imported, Lookup, Manual, Part
from .universal import U
from .virtual import VirtualModule, create_virtual_module, virtual_schema

schema = Schema
ERD = Di = Diagram

__version__ = "0.1.0"

__all__ = [
    "AndList",
    "Codec",
    "Computed",
    "DataJointError",
    "Di",
    "Diagram",
    "ERD",
    "FreeTable",
    "Imported",
    "Lookup",
    "Manual",
    "MatCell",
    "MatStruct",
    "Not",
    "Part",
    "QueryExpression",
    "Schema",
    "Table",
    "Top",
    "U",
    "VirtualModule",
    "blob",
    "config",
    "conn",
    "create_virtual_module",
    "errors",
    "list_schemas",
    "schema",
    "virtual_schema",
]

"""Table classes made from the catalog: ``dj.VirtualModule``, ``dj.virtual_schema``, ``schema.make_classes``.

Layer: beside ``schema.py``. A schema declared elsewhere (by another program,
or by DataJoint itself on a shared server) has no Python source here; its
tables are still described completely by the database. Each table's tier
follows from its name's prefix (``dependencies.tier_of``), its class name from
the rest (``dependencies.class_name_of``), and its heading is read from the
catalog the first time it is used (``tables.Table.heading``), so the classes
made here need no ``definition``. Part tables ``master__part`` become classes
nested in their master's, as if declared there.

Foreign keys to tables of other schemas need nothing special: lineage and the
dependency graph come from the catalog's foreign keys, so tables of two
virtual modules join on the attributes one inherits from the other.
"""

from __future__ import annotations

import re
import types
from typing import Any

from .dependencies import class_name_of, tier_of
from .errors import DataJointError
from .schema import Schema
from .tables import Table
from .tiers import Computed, Imported, Lookup, Manual, Part

#: the tier classes by the names ``tier_of`` gives
TIER_CLASSES: dict[str, type] = {
    "Manual": Manual,
    "Lookup": Lookup,
    "Imported": Imported,
    "Computed": Computed,
}

_WORDS = r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*"
#: table names that follow DataJoint's conventions (others, such as ``~lineage``, get no class)
CONVENTIONAL = re.compile(rf"(?:#|_|__)?{_WORDS}(?:__{_WORDS})?")


class VirtualModule(types.ModuleType):
    """A module whose attributes are classes for every table of an existing schema.

    ``lab = dj.VirtualModule('lab', 'my_lab')`` then ``lab.Subject & key``,
    ``lab.Session.Trial`` (a part table), ``lab.schema`` (the :class:`Schema`).
    """

    def __init__(
        self,
        module_name: str,
        schema_name: str,
        create_schema: bool = False,
        create_tables: bool = False,
        connection: Any = None,
        add_objects: dict[str, Any] | None = None,
    ):
        super().__init__(module_name)
        schema = Schema(
            schema_name,
            connection=connection,
            create_schema=create_schema,
            create_tables=create_tables,
        )
        if add_objects:
            self.__dict__.update(add_objects)
        self.__dict__["schema"] = schema
        make_classes(schema, self.__dict__, module=module_name)


def virtual_schema(
    schema_name: str,
    *,
    connection: Any = None,
    create_schema: bool = False,
    create_tables: bool = False,
    add_objects: dict[str, Any] | None = None,
) -> VirtualModule:
    """A :class:`VirtualModule` named after the schema: ``lab = dj.virtual_schema('my_lab')``."""
    return VirtualModule(
        schema_name,
        schema_name,
        create_schema=create_schema,
        create_tables=create_tables,
        connection=connection,
        add_objects=add_objects,
    )


def create_virtual_module(
    module_name: str,
    schema_name: str,
    create_schema: bool = False,
    create_tables: bool = False,
    connection: Any = None,
    add_objects: dict[str, Any] | None = None,
) -> VirtualModule:
    """DataJoint 0.x's spelling of :class:`VirtualModule` (same arguments)."""
    return VirtualModule(module_name, schema_name, create_schema, create_tables, connection, add_objects)


def make_classes(
    schema: Schema, into: dict[str, Any] | None = None, frame: Any = None, *, module: str | None = None
) -> None:
    """Put into ``into`` a class for each table of ``schema`` that has none there yet.

    ``into`` defaults to the schema's context, else the local namespace of the
    code that called ``frame`` (``schema.make_classes()`` at a module's top
    level fills that module). A table counts as present when a class in ``into``
    (or a part nested in one) is bound to it, or when its class name is taken.
    """
    if into is None:
        into = schema.context if schema.context is not None else _caller_namespace(frame)
    database = _existing_database(schema)
    present = _bound_tables(into, database)
    tables = [
        t
        for t in schema.connection.catalog.list_tables(database)
        if t not in present and CONVENTIONAL.fullmatch(t) and tier_of(t) != "_"
    ]
    module = module or into.get("__name__", __name__)
    parts = [t for t in tables if tier_of(t) == "Part"]
    for table in tables:
        name = class_name_of(table)
        if table not in parts and name not in into:
            into[name] = _make_class(schema, name, TIER_CLASSES[tier_of(table)], table, module)
    for table in parts:
        _attach_part(schema, into, table, module)


def _existing_database(schema: Schema) -> str:
    """The schema's database name, after checking that it exists."""
    if schema.database is None:
        raise DataJointError("The schema is not activated: call schema.activate('name') first.")
    if not schema.connection.catalog.schema_exists(schema.database):
        raise DataJointError(
            f"Schema `{schema.database}` does not exist; there are no tables to make classes for."
        )
    return schema.database


def _caller_namespace(frame: Any) -> dict[str, Any]:
    """The local namespace of the code that called ``frame``'s function (a module's globals at top level)."""
    caller = frame.f_back if frame is not None else None
    if caller is None:
        raise DataJointError("Pass the namespace to fill: schema.make_classes(into=globals()).")
    return caller.f_locals


def _bound_tables(into: dict[str, Any], database: str) -> set[str]:
    """Names of the tables of ``database`` that classes in ``into`` (and their parts) are bound to."""
    found = set()
    for name, member in into.items():
        if name.startswith("_") or not (isinstance(member, type) and issubclass(member, Table)):
            continue
        for cls in (
            member,
            *(v for v in vars(member).values() if isinstance(v, type) and issubclass(v, Part)),
        ):
            if cls.database == database and cls.table_name is not None:
                found.add(cls.table_name)
    return found


def _make_class(schema: Schema, name: str, tier: type, table: str, module: str) -> type:
    """A class of ``tier`` bound to an existing table (its heading comes from the catalog)."""
    cls: Any = type(name, (tier,), {"__module__": module, "__doc__": f"Table `{schema.database}`.`{table}`."})
    cls.database = schema.database
    cls.table_name = table
    cls._connection = schema.connection
    cls._heading_cache = None
    return cls


def _attach_part(schema: Schema, into: dict[str, Any], table: str, module: str) -> None:
    """Make the part table's class and nest it in its master's class (``Master.Part``)."""
    master_name, part_name = class_name_of(table).split(".", 1)
    master_table = table.rsplit("__", 1)[0]
    master = next(
        (
            cls
            for cls in into.values()
            if isinstance(cls, type)
            and issubclass(cls, Table)
            and (cls.database, cls.table_name) == (schema.database, master_table)
        ),
        None,
    )
    if master is None:
        raise DataJointError(
            f"Part table `{table}` has no class for its master table `{master_table}` ({master_name}) "
            "in the namespace; its name does not follow DataJoint's naming conventions."
        )
    part: Any = _make_class(schema, part_name, Part, table, module)
    part.master = master
    setattr(master, part_name, part)


__all__ = ["VirtualModule", "create_virtual_module", "make_classes", "virtual_schema"]

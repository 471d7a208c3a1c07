"""``Schema``: a namespace of tables, and the ``@schema`` decorator that declares them.

Decorating a class binds it to the schema, names its table by tier, creates
the table if it does not exist (resolving ``-> Parent`` in the namespace the
class was declared in), declares its part tables, and inserts a Lookup's
``contents``.
"""

from __future__ import annotations

import inspect
from typing import Any

from .declare import declare
from .errors import DataJointError
from .settings import config


class Schema:
    """A schema: ``schema = dj.Schema('tutorial')``, then ``@schema`` on table classes."""

    def __init__(
        self,
        schema_name: str | None = None,
        context: dict | None = None,
        *,
        connection: Any = None,
        create_schema: bool = True,
        create_tables: bool | None = None,
        add_objects: dict | None = None,
    ):
        self.database: str | None = None
        self.context = context
        self.connection = connection
        self.create_schema = create_schema
        self.create_tables = config["database.create_tables"] if create_tables is None else create_tables
        self.add_objects = add_objects
        self.declare_list: list = []
        if schema_name is not None:
            self.activate(schema_name)

    def activate(
        self, schema_name: str, *, connection: Any = None, create_schema: bool | None = None
    ) -> None:
        """Bind to the database schema ``schema_name`` (creating it if allowed)."""
        from .connect import conn

        if not schema_name or not isinstance(schema_name, str):
            raise DataJointError("A schema needs a non-empty name: dj.Schema('my_schema').")
        self.connection = connection or self.connection or conn()
        self.database = schema_name
        create = self.create_schema if create_schema is None else create_schema
        catalog = self.connection.catalog
        if not catalog.schema_exists(self.database):
            if not create:
                raise DataJointError(f"Schema `{self.database}` does not exist and create_schema is False.")
            catalog.create_schema(self.database)
        self.connection.schemas[self.database] = self
        for cls, context in self.declare_list:
            self._process(cls, context)
        self.declare_list = []

    # -- the decorator ---------------------------------------------------------------

    def __call__(self, cls: type, *, context: dict | None = None) -> type:
        """Declare ``cls`` in this schema (used as ``@schema``)."""
        if context is None:
            frame = inspect.currentframe()
            caller = frame.f_back if frame is not None else None
            context = self.context if self.context is not None else _namespace(caller)
        if self.database is None:
            self.declare_list.append((cls, context))
            return cls
        self._process(cls, context)
        return cls

    def _process(self, cls: Any, context: dict) -> None:
        from .tiers import Part, UserTable

        if not (isinstance(cls, type) and issubclass(cls, UserTable)) or issubclass(cls, Part):
            raise DataJointError(
                f"@schema decorates table classes (subclasses of dj.Manual, dj.Lookup, dj.Imported, dj.Computed); "
                f"{getattr(cls, '__name__', cls)!r} is not one. Part tables are declared with their master."
            )
        context = {**context, cls.__name__: cls}
        self._bind(cls, cls.table_name_for(cls.__name__), context)
        for name, part in _parts_of(cls):
            part.master = cls
            self._bind(part, cls.table_name + "__" + _part_name(name), {**context, "master": cls, name: part})
        contents = getattr(cls, "contents", None)
        if contents is not None and len(contents):
            cls().insert(contents, skip_duplicates=True)

    def _bind(self, cls: Any, table_name: str, context: dict) -> None:
        cls.database = self.database
        cls.table_name = table_name
        cls._connection = self.connection
        cls._heading_cache = None
        if self.create_tables:
            declare(self.connection, str(self.database), table_name, cls.__name__, cls.definition, context)
        elif not self.connection.catalog.table_exists(self.database, table_name):
            raise DataJointError(f"Table `{cls.__name__}` is not declared and create_tables is False.")

    def make_classes(self, into: dict | None = None) -> None:
        """Make classes for the schema's tables that ``into`` (default: the caller's namespace) lacks."""
        from .virtual import make_classes

        make_classes(self, into, inspect.currentframe())

    def spawn_missing_classes(self, context: dict | None = None) -> None:
        """DataJoint 0.x's name for :meth:`make_classes`."""
        from .virtual import make_classes

        make_classes(self, context, inspect.currentframe())

    # -- the schema as a whole -----------------------------------------------------------

    def list_tables(self) -> list[str]:
        """Names of the schema's tables, parents before children."""
        self._require_active()
        graph = self.connection.dependencies
        graph.load(force=True)
        import networkx as nx

        ordered = [
            n for n in nx.topological_sort(graph.graph) if graph.graph.nodes[n]["schema"] == self.database
        ]
        # DataJoint's bookkeeping (`~lineage`) is not one of the schema's tables; jobs tables (`~~`) are
        return [
            graph.graph.nodes[n]["table"]
            for n in ordered
            if not graph.graph.nodes[n]["table"].startswith("~")
            or graph.graph.nodes[n]["table"].startswith("~~")
        ]

    def drop(self, prompt: bool | None = None, force: bool = False) -> None:
        """Drop the schema and every table in it."""
        self._require_active()
        from .delete import _confirm, drop_quick
        from .tables import FreeTable

        if not _confirm(f"Proceed to delete entire schema `{self.database}`?", prompt):
            return
        connection = self.connection
        tables = self.list_tables()
        self._refuse_outside_dependents(tables)
        with connection.atomic_ddl():  # all tables go, or (a table elsewhere still refers to one) none
            for table in reversed(tables):
                drop_quick(FreeTable(connection, connection.dialect.table_ref(self.database, table)))
            for side_table in connection.catalog.list_tables(self.database):  # `~lineage`
                connection.query(f"DROP TABLE {connection.dialect.table_ref(self.database, side_table)}")
            connection.catalog.forget_schema(self.database)
        connection.dependencies.clear()
        connection.schemas.pop(self.database, None)

    def _refuse_outside_dependents(self, tables: list[str]) -> None:
        """Refuse, before dropping anything, when tables of other schemas refer to this one's.

        Checked up front because MySQL cannot take back a dropped table.
        """
        dialect = self.connection.dialect
        own = {dialect.table_ref(self.database, table) for table in tables}
        outside = sorted(
            {child for name in own for child in self.connection.dependencies.children(name)} - own
        )
        if outside:
            raise DataJointError(
                f"Cannot drop schema `{self.database}`: tables of other schemas refer to its tables "
                f"({', '.join(outside)}). Drop those tables (or their schemas) first."
            )

    @property
    def jobs(self) -> list:
        """The jobs tables of this schema's Computed and Imported tables that have one (declared on first use)."""
        self._require_active()
        from .jobs import Jobs, jobs_table_name
        from .tables import FreeTable

        tables = self.list_tables()
        present = set(tables)
        dialect = self.connection.dialect
        return [
            Jobs(FreeTable(self.connection, dialect.table_ref(self.database, name)))
            for name in tables
            if name.startswith("_") and "__" not in name.lstrip("_") and jobs_table_name(name) in present
        ]

    @property
    def exists(self) -> bool:
        self._require_active()
        return self.connection.catalog.schema_exists(self.database)

    def _require_active(self) -> None:
        if self.database is None:
            raise DataJointError("The schema is not activated: call schema.activate('name') first.")

    def __repr__(self) -> str:
        return f"Schema `{self.database}`"

    def __iter__(self):
        return iter(self.list_tables())


def _namespace(frame: Any) -> dict:
    if frame is None:
        return {}
    return {**frame.f_globals, **frame.f_locals}


def _parts_of(cls: Any) -> list[tuple[str, Any]]:
    from .tiers import Part

    return [
        (name, value)
        for name, value in vars(cls).items()
        if isinstance(value, type) and issubclass(value, Part)
    ]


def _part_name(name: str) -> str:
    from .tiers import snake_case

    return snake_case(name)


def list_schemas(connection: Any = None) -> list[str]:
    """Names of the schemas in the database."""
    from .connect import conn

    return (connection or conn()).catalog.list_schemas()

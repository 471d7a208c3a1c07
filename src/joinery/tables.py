"""``Table``: a query over one stored table, plus writing (insert, update, delete, drop).

A table class is bound to a schema by the ``@schema`` decorator, which sets its
``database``, ``table_name`` and connection. Instances are cheap query values;
restricting a table gives a restricted table, so ``(Table & key).delete()``
works as in DataJoint.
"""

from __future__ import annotations

from typing import Any

from .catalog_heading import load_heading
from .errors import DataJointError
from .expression import QueryExpression
from .insert import insert_chunks, insert_rows
from .query import nodes as n
from .query.heading import Heading
from .query.restrict import make_condition


class Table(QueryExpression):
    """A stored table; subclassed through the tiers (``dj.Manual``, ``dj.Computed``, ...)."""

    #: set by ``@schema``; ``None`` while the class is not bound
    database: Any = None
    table_name: Any = None
    definition: str = ""
    _connection: Any = None
    _heading_cache: Heading | None = None
    _table_node_cache: n.TableNode | None = None

    def __init__(self) -> None:
        if self.database is None or self._connection is None:
            raise DataJointError(
                f"Class {type(self).__name__} is not bound to a schema: decorate it with @schema "
                "(schema = dj.Schema('name')) before using it."
            )
        self._node_value: Any = None
        self._connection_value = self._connection

    # -- the query ---------------------------------------------------------------------

    @property
    def _node(self) -> n.Node:
        if self._node_value is None:
            key = self._key
            self._node_value = self._table_node() if key is None else self._key_node(key)
        return self._node_value

    def _key_node(self, key: dict) -> n.RestrictNode:
        """The node of this table restricted by the key dict ``key``."""
        table = self._table_node()
        return n.RestrictNode(table.heading, table, make_condition(table.heading, key))

    def restrict(self, restriction: Any, semantic_check: bool = True) -> QueryExpression:
        """As ``QueryExpression.restrict``; a whole table restricted by a key dict keeps the dict.

        Its query node is built when first needed, and ``fetch1`` reads by the
        dict directly (``key_fetch.py``): ``(Table & key).fetch1()`` is what
        every ``make`` does, once per key.
        """
        node = self._node_value
        if type(restriction) is dict and self._key is None and (node is None or type(node) is n.TableNode):
            copy = self._restricted(None)  # type: ignore[arg-type]
            copy._key = dict(restriction)  # a copy: the caller may change theirs afterwards
            return copy
        return super().restrict(restriction, semantic_check)

    def _table_node(self) -> n.TableNode:
        """The unrestricted table's node, shared by all instances of the class (rebuilt with the heading)."""
        cls = type(self)
        own = cls.__dict__
        cached = own.get("_table_node_cache")
        if cached is None or cached.heading is not own.get("_heading_cache"):
            cached = n.TableNode(self.heading, self.database, self.table_name)
            cls._table_node_cache = cached
        return cached

    @property
    def heading(self) -> Heading:
        """The table's attributes, read once from the database's catalog."""
        cls = type(self)
        if cls.__dict__.get("_heading_cache") is None:
            cls._heading_cache = load_heading(self._connection, self.database, self.table_name)
        return cls.__dict__["_heading_cache"]

    def _restricted(self, node: n.Node) -> Table:
        copy = object.__new__(type(self))
        copy._connection_value = self._connection
        copy._node_value = node
        return copy

    def _derive(self, node: n.Node) -> QueryExpression:
        """A restriction of a table is a restricted table (so ``(T & key).delete()`` works); other results are queries."""
        if type(node) is n.RestrictNode:
            return self._restricted(node)
        return QueryExpression(node, self._connection)

    @property
    def full_table_name(self) -> str:
        """The quoted, schema-qualified table name."""
        return self._connection.dialect.table_ref(self.database, self.table_name)

    @property
    def is_restricted(self) -> bool:
        return not isinstance(self._node, n.TableNode)

    def is_declared(self) -> bool:
        return self._connection.catalog.table_exists(self.database, self.table_name)

    # -- writing (insert.py, delete.py) ------------------------------------------------------

    def insert(
        self,
        rows: Any,
        replace: bool = False,
        skip_duplicates: bool = False,
        ignore_extra_fields: bool = False,
        allow_direct_insert: bool | None = None,
        chunk_size: int | None = None,
    ) -> None:
        """Insert rows: dicts, sequences, a record array, a DataFrame or a query.

        All rows are written in one transaction; with ``chunk_size``, each chunk
        of that many rows is its own transaction (as in DataJoint).
        """
        options: dict[str, Any] = {
            "replace": replace,
            "skip_duplicates": skip_duplicates,
            "ignore_extra_fields": ignore_extra_fields,
            "allow_direct_insert": allow_direct_insert,
        }
        if chunk_size is None:
            insert_rows(self, rows, **options)
        else:
            insert_chunks(self, rows, chunk_size, **options)

    def insert1(self, row: Any, **kwargs: Any) -> None:
        """Insert one row (a dict, a sequence or a record)."""
        self.insert((row,), **kwargs)

    def update1(self, row: dict) -> None:
        """Change secondary attributes of one existing row, identified by its full primary key."""
        from .insert import update_row

        update_row(self, row)

    def delete(
        self, transaction: bool = True, prompt: bool | None = None, part_integrity: str = "enforce"
    ) -> int:
        """Delete the rows of this (restricted) table and, first, every row that depends on them."""
        from .delete import cascade_delete

        return cascade_delete(self, transaction=transaction, prompt=prompt, part_integrity=part_integrity)

    def delete_quick(self, get_count: bool = False) -> int | None:
        """Delete these rows without cascading (fails if dependent rows exist)."""
        from .delete import delete_quick

        count = delete_quick(self)
        return count if get_count else None

    def drop(self, prompt: bool | None = None, part_integrity: str = "enforce") -> None:
        """Drop this table and every table that depends on it (a part table only with its master)."""
        from .delete import drop_tables

        drop_tables(self, prompt=prompt, part_integrity=part_integrity)

    def drop_quick(self) -> None:
        """Drop this table only (fails if other tables depend on it)."""
        from .delete import drop_quick

        drop_quick(self)

    # -- describing -----------------------------------------------------------------------------

    def describe(self, printout: bool = False) -> str:
        """The table's definition, reconstructed from the database."""
        from .describe import describe

        text = describe(self)
        if printout:
            print(text)
        return text

    def parents(self, primary: bool | None = None, as_objects: bool = False) -> list:
        names = self._connection.dependencies.parents(self.full_table_name, primary)
        return _objects(self._connection, names) if as_objects else names

    def children(self, primary: bool | None = None, as_objects: bool = False) -> list:
        names = self._connection.dependencies.children(self.full_table_name, primary)
        return _objects(self._connection, names) if as_objects else names

    def ancestors(self, as_objects: bool = False) -> list:
        names = self._connection.dependencies.ancestors(self.full_table_name)
        return _objects(self._connection, names) if as_objects else names

    def descendants(self, as_objects: bool = False) -> list:
        names = self._connection.dependencies.descendants(self.full_table_name)
        return _objects(self._connection, names) if as_objects else names

    def parts(self, as_objects: bool = False) -> list:
        graph = self._connection.dependencies
        graph.load()
        prefix = self.table_name + "__"
        names = [
            name
            for name in graph.graph.successors(self.full_table_name)
            if graph.graph.nodes[name]["schema"] == self.database
            and graph.graph.nodes[name]["table"].startswith(prefix)
        ]
        return _objects(self._connection, names) if as_objects else names


class FreeTable(Table):
    """A table addressed by name, without a user class: ``FreeTable(conn, 'schema.table')``."""

    def __init__(self, connection: Any, full_table_name: str):
        schema, table = _split_name(connection, full_table_name)
        self.database, self.table_name, self._connection = schema, table, connection
        self._node_value = None
        self._connection_value = connection
        self._free_heading: Heading | None = None

    @property
    def heading(self) -> Heading:
        if self._free_heading is None:
            self._free_heading = load_heading(self._connection, self.database, self.table_name)
        return self._free_heading

    def _table_node(self) -> n.TableNode:
        return n.TableNode(self.heading, self.database, self.table_name)

    def _restricted(self, node: n.Node) -> Table:
        copy = FreeTable(self._connection, self.full_table_name)
        copy._free_heading = self._free_heading
        copy._node_value = node
        return copy

    def __repr__(self) -> str:
        return f"FreeTable({self.full_table_name})\n" + super().__repr__()


def _split_name(connection: Any, name: str) -> tuple[str, str]:
    graph = connection.dependencies
    graph.load()
    if name in graph.graph:
        node = graph.graph.nodes[name]
        return node["schema"], node["table"]
    bare = name.replace("`", "").replace('"', "")
    if "." not in bare:
        raise DataJointError(f"Table name {name!r} must be qualified by its schema: 'schema.table'.")
    schema, table = bare.split(".", 1)
    return schema, table


def _objects(connection: Any, names: list[str]) -> list[FreeTable]:
    return [FreeTable(connection, name) for name in names]

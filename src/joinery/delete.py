"""Deleting rows and dropping tables, cascading along the dependency graph.

A cascading delete first works out, for every table downstream, which of its
rows depend on the rows being deleted (a semi-join through each foreign key,
renames included), asks for confirmation in safemode, then deletes children
before parents in one transaction.
"""

from __future__ import annotations

from typing import Any

from .errors import DataJointError
from .fetch import compiler_for
from .settings import config


def _confirm(question: str, prompt: bool | None) -> bool:
    ask = config["safemode"] if prompt is None else prompt
    if not ask:
        return True
    answer = ""
    while answer not in ("yes", "no"):
        answer = input(f"{question} [yes, No]: ").strip().lower() or "no"
    return answer == "yes"


def _child_restriction(connection: Any, parent_query: Any, child_name: str, fk_pairs: list) -> list:
    from .tables import FreeTable

    child = FreeTable(connection, child_name)
    restricted = []
    for pairs in fk_pairs:
        renames = {c: p for c, p in pairs if c != p}
        restricted.append(child & parent_query.proj(**renames))
    return restricted


def _plan(table: Any, order: list, seen: set) -> None:
    """Append (table query) for every dependent restriction, children before parents."""
    connection = table.connection
    graph = connection.dependencies
    graph.load()
    name = table.full_table_name
    for child in list(graph.graph.successors(name)) if name in graph.graph else []:
        fk_pairs = graph.graph.edges[name, child]["fks"]
        for child_query in _child_restriction(connection, table, child, fk_pairs):
            _plan(child_query, order, seen)
    order.append(table)


def delete_quick(table: Any) -> int:
    """``DELETE`` the rows of a (restricted) table; no cascade."""
    connection = table.connection
    dialect = connection.dialect
    if not table.is_restricted:
        return connection.query(f"DELETE FROM {table.full_table_name}").rowcount
    key = table.primary_key
    compiler = compiler_for(table)
    inner, params = compiler.render(compiler.select(table._node), key)
    target = ", ".join(dialect.quote(k) for k in key)
    if len(key) > 1:
        target = f"({target})"
    sql = f"DELETE FROM {table.full_table_name} WHERE {target} IN (SELECT * FROM ({inner}) AS _del)"
    return connection.query(sql, params).rowcount


def cascade_delete(table: Any, transaction: bool = True, prompt: bool | None = None,
                   part_integrity: str = "enforce") -> int:
    """Delete the table's rows and everything that depends on them; returns the rows deleted from it."""
    if part_integrity not in ("enforce", "ignore", "cascade"):
        raise DataJointError("part_integrity must be 'enforce', 'ignore' or 'cascade'.")
    connection = table.connection
    order: list = []
    _plan(table, order, set())
    counts = [(query, len(query)) for query in order]
    if not any(n for _, n in counts):
        print("Nothing to delete.")
        return 0
    ask = config["safemode"] if prompt is None else prompt
    if ask:
        print("About to delete:")
        for query, number in counts:
            if number:
                print(f"{query.full_table_name}: {number} items")
        if not _confirm("Proceed?", prompt):
            print("Delete cancelled.")
            return 0
    deleted = 0
    if transaction:
        with connection.atomic():
            for query, number in counts:
                if number:
                    deleted = delete_quick(query)
    else:
        for query, number in counts:
            if number:
                deleted = delete_quick(query)
    if ask:
        print("Committed.")
    return deleted


def drop_quick(table: Any) -> None:
    """Drop one table (and forget its metadata)."""
    connection = table.connection
    with connection.atomic():
        connection.query(f"DROP TABLE {table.full_table_name}")
        if connection.dialect.comments_in_side_table:
            connection.catalog.forget_table(table.database, table.table_name)
    connection.dependencies.clear()
    _forget_heading(table)


def _forget_heading(table: Any) -> None:
    if "_heading_cache" in type(table).__dict__:
        type(table)._heading_cache = None


def drop_tables(table: Any, prompt: bool | None = None) -> None:
    """Drop a table and all tables downstream of it."""
    from .tables import FreeTable

    if table.is_restricted:
        raise DataJointError("drop() is not allowed on a restricted table; use delete() to remove rows.")
    connection = table.connection
    names = connection.dependencies.descendants(table.full_table_name)
    if prompt is None and config["safemode"] or prompt:
        for name in names:
            print(f"{name} ({len(FreeTable(connection, name))} tuples)")
        if not _confirm("Proceed?", prompt):
            print("Drop cancelled.")
            return
    for name in reversed(names):
        drop_quick(FreeTable(connection, name))
    _forget_heading(table)

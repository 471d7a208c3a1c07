"""Deleting rows and dropping tables, cascading along the dependency graph.

Sits above the query layer and the dependency graph: a cascading delete
restricts every table downstream of the deleted rows (a semi-join through each
foreign key, renames included; a table reached along several paths takes the
union of them), checks master-part integrity, asks for confirmation in
safemode, then deletes children before parents in one transaction.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import networkx as nx

from .errors import DataJointError
from .fetch import compiler_for
from .lineage_table import forget_lineage
from .query import conditions as c
from .query import nodes as n
from .settings import config


def confirm(question: str, prompt: bool | None) -> bool:
    """True when the user agrees (or when not asked: ``prompt`` False, or safemode off)."""
    ask = config["safemode"] if prompt is None else prompt
    if not ask:
        return True
    answer = ""
    while answer not in ("yes", "no"):
        answer = input(f"{question} [yes, No]: ").strip().lower() or "no"
    return answer == "yes"


_confirm = confirm  # the name schema.py imports


def master_of(table_name: str) -> str | None:
    """The master's table name of a part table (``__scan__roi`` -> ``__scan``), else None."""
    bare = table_name.lstrip("_#")
    if "__" not in bare:
        return None
    return table_name[: table_name.rindex("__")]


def _master_name(connection: Any, full_name: str) -> str | None:
    graph = connection.dependencies.graph
    node = graph.nodes[full_name]
    master = master_of(node["table"])
    return None if master is None else connection.dialect.table_ref(node["schema"], master)


def _tables_in(value: Any, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (schema, table) of every stored table a query node or condition reads."""
    if isinstance(value, n.TableNode):
        found.add((value.schema, value.table))
    elif isinstance(value, (n.Node, c.Condition)):
        for item in fields(value):
            _tables_in(getattr(value, item.name), found)
    elif isinstance(value, tuple):
        for item in value:
            _tables_in(item, found)
    return found


def _snapshot(connection: Any, name: str, query: Any, reached: set[str]) -> Any:
    """The root's rows fixed by their keys when its restriction reads a table the cascade deletes from.

    Children are deleted first; a restriction such as ``Subject & Session`` would
    otherwise match nothing by the time the subjects' turn comes.
    """
    from .tables import FreeTable

    read = {connection.dialect.table_ref(*t) for t in _tables_in(query._node, set())} - {name}
    if not read & reached:
        return query
    return FreeTable(connection, name) & query.keys()


def _plan(connection: Any, roots: dict[str, Any]) -> list[tuple[str, Any]]:
    """(full name, restricted table) for every table reached from ``roots``, parents first."""
    from .tables import FreeTable

    graph = connection.dependencies
    graph.load()
    reached: set[str] = set()
    for name in roots:
        reached |= nx.descendants(graph.graph, name) | {name}
    roots = {name: _snapshot(connection, name, query, reached) for name, query in roots.items()}
    restricted: dict[str, Any] = {}
    for name in nx.topological_sort(graph.graph):
        if name not in reached:
            continue
        sources = [roots[name].proj()] if name in roots else []
        for parent in graph.graph.predecessors(name):
            if parent in restricted:
                for pairs in graph.graph.edges[parent, name]["fks"]:
                    sources.append(restricted[parent].proj(**{c: p for c, p in pairs if c != p}))
        only_root = name in roots and len(sources) == 1
        restricted[name] = roots[name] if only_root else FreeTable(connection, name) & sources
    return list(restricted.items())


def _missing_masters(
    connection: Any, plan: list[tuple[str, Any]], counts: dict[str, int], roots: dict[str, Any]
) -> dict[str, Any]:
    """For part_integrity='cascade': the masters (restricted) of parts losing rows, not yet roots."""
    from .tables import FreeTable

    extra = {}
    for name, query in plan:
        master = _master_name(connection, name) if counts[name] else None
        if master is not None and master not in roots and master in connection.dependencies.graph:
            extra[master] = FreeTable(connection, master) & query.proj()
    return extra


def _check_parts(connection: Any, counts: dict[str, int]) -> None:
    """Refuse to delete part rows unless rows of their master are deleted too."""
    for name, number in counts.items():
        master = _master_name(connection, name) if number else None
        if master is not None and not counts.get(master):
            raise DataJointError(
                f"Cannot delete from the part table {name} without deleting from its master {master}: "
                "part rows belong to their master row. Delete from the master, or pass "
                "part_integrity='cascade' (delete the masters too) or 'ignore'."
            )


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


def cascade_delete(
    table: Any, transaction: bool = True, prompt: bool | None = None, part_integrity: str = "enforce"
) -> int:
    """Delete the table's rows and everything that depends on them; returns the rows deleted from it."""
    if part_integrity not in ("enforce", "ignore", "cascade"):
        raise ValueError(f"part_integrity must be 'enforce', 'ignore' or 'cascade', not {part_integrity!r}.")
    connection = table.connection
    roots = {table.full_table_name: table}
    while True:
        plan = _plan(connection, roots)
        counts = {name: len(query) for name, query in plan}
        extra = _missing_masters(connection, plan, counts, roots) if part_integrity == "cascade" else {}
        if not extra:
            break
        roots.update(extra)
    if part_integrity == "enforce":
        _check_parts(connection, counts)
    ask = config["safemode"] if prompt is None else prompt
    if not any(counts.values()):
        if ask:
            print("Nothing to delete.")
        return 0
    if ask:
        print("About to delete:")
        for name, number in counts.items():
            if number:
                print(f"{name}: {number} items")
        if not confirm("Proceed?", prompt):
            print("Delete cancelled.")
            return 0
    deleted = _execute(connection, plan, counts, table.full_table_name, transaction)
    if ask:
        print("Committed.")
    return deleted


def _execute(connection: Any, plan: list, counts: dict[str, int], root: str, transaction: bool) -> int:
    """Delete children before parents; returns the number of rows deleted from ``root``."""
    deleted = 0

    def run() -> None:
        nonlocal deleted
        for name, query in reversed(plan):
            if counts[name]:
                number = delete_quick(query)
                deleted = number if name == root else deleted

    if transaction:
        with connection.atomic():
            run()
    else:
        run()
    return deleted


def drop_quick(table: Any) -> None:
    """Drop one table (and forget its metadata)."""
    connection = table.connection
    with connection.atomic_ddl():
        connection.query(f"DROP TABLE {table.full_table_name}")
        if connection.dialect.comments_in_side_table:
            connection.catalog.forget_table(table.database, table.table_name)
        forget_lineage(connection, table.database, table.table_name)
    connection.dependencies.clear()
    _forget_heading(table)


def _forget_heading(table: Any) -> None:
    if "_heading_cache" in type(table).__dict__:
        type(table)._heading_cache = None


def drop_tables(table: Any, prompt: bool | None = None, part_integrity: str = "enforce") -> None:
    """Drop a table and all tables downstream of it."""
    from .tables import FreeTable

    if part_integrity not in ("enforce", "ignore"):
        raise ValueError(f"part_integrity must be 'enforce' or 'ignore' for drop, not {part_integrity!r}.")
    if table.is_restricted:
        raise DataJointError("drop() is not allowed on a restricted table; use delete() to remove rows.")
    connection = table.connection
    names = connection.dependencies.descendants(table.full_table_name)
    if part_integrity == "enforce":
        for name in names:
            master = _master_name(connection, name)
            if master is not None and master not in names:
                raise DataJointError(
                    f"Cannot drop the part table {name} without its master {master}: drop the master instead."
                )
    if prompt is None and config["safemode"] or prompt:
        for name in names:
            print(f"{name} ({len(FreeTable(connection, name))} tuples)")
        if not confirm("Proceed?", prompt):
            print("Drop cancelled.")
            return
    with connection.atomic_ddl():
        for name in reversed(names):
            drop_quick(FreeTable(connection, name))
    _forget_heading(table)

"""Compiling query trees to SQL text and parameters, for one dialect.

Each node becomes a :class:`Select` (columns, FROM, WHERE, GROUP BY, ...).
Restrictions and projections merge into their source's ``Select``; a node that
cannot merge (a restriction after a GROUP BY, say) wraps its source as a
subquery. Every table occurrence gets its own alias, so self-joins and
correlated semi-joins never clash. Values are always parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from ..errors import DataJointError
from ..query import conditions as c
from ..query import nodes as n
from ..query.heading import Attribute
from .dialects import Dialect
from .fragments import translate_fragment

Params = list[Any]
Encoder = Callable[[Attribute, Any], Any]


@dataclass(slots=True)
class Select:
    """A SELECT under construction."""

    columns: dict[str, str]
    from_sql: str
    from_params: Params = field(default_factory=list)
    where: list[tuple[str, Params]] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    distinct: bool = False
    order_by: list[str] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    #: the columns are aggregates (with or without GROUP BY)
    aggregated: bool = False
    #: FROM joins several tables (parenthesized when joined to the right of another)
    compound: bool = False

    @property
    def closed(self) -> bool:
        """True when more conditions or joins cannot be merged in (needs a subquery)."""
        return (
            self.aggregated
            or bool(self.group_by)
            or self.distinct
            or self.limit is not None
            or bool(self.offset)
        )


class Compiler:
    """Compiles nodes for ``dialect``; ``encode`` turns a value into its stored form."""

    def __init__(self, dialect: Dialect, encode: Encoder | None = None):
        self.dialect = dialect
        self.encode = encode or (lambda attribute, value: value)
        self._aliases = 0

    # -- entry points -------------------------------------------------------------

    def select(self, node: n.Node) -> Select:
        """The :class:`Select` for ``node``."""
        return _DISPATCH[type(node)](self, node)

    def render(self, sel: Select, names: list[str] | None = None) -> tuple[str, Params]:
        """SQL text and parameters of ``sel``, returning ``names`` (default: all columns)."""
        names = list(sel.columns) if names is None else names
        items = _select_list(
            self.dialect.quote_char, tuple(sel.columns[name] for name in names), tuple(names)
        )
        sql = ["SELECT ", "DISTINCT " if sel.distinct else "", items, " FROM ", sel.from_sql]
        params = list(sel.from_params)
        if sel.where:
            sql.append(" WHERE " + " AND ".join(text for text, _ in sel.where))
            for _, p in sel.where:
                params.extend(p)
        if sel.group_by:
            sql.append(" GROUP BY " + ", ".join(sel.group_by))
        if sel.order_by:
            sql.append(" ORDER BY " + ", ".join(sel.order_by))
        if sel.limit is not None or sel.offset:
            limit = str(sel.limit) if sel.limit is not None else self.dialect.unbounded_limit
            sql.append(f" LIMIT {limit}" + (f" OFFSET {sel.offset}" if sel.offset else ""))
        return "".join(sql), params

    def compile(self, node: n.Node) -> tuple[str, Params]:
        """SQL text and parameters of ``node``."""
        return self.render(self.select(node), list(node.heading.names))

    # -- helpers --------------------------------------------------------------------

    def _alias(self) -> str:
        self._aliases += 1
        return f"_s{self._aliases}"

    def wrap(self, sel: Select, names: list[str] | None = None) -> Select:
        """``sel`` as a subquery in a new, open Select."""
        sql, params = self.render(sel, names)
        alias = self._alias()
        q = self.dialect.quote
        names = list(sel.columns) if names is None else names
        return Select({name: f"{alias}.{q(name)}" for name in names}, f"({sql}) AS {alias}", params)

    def _open(self, node: n.Node) -> Select:
        sel = self.select(node)
        return self.wrap(sel, list(node.heading.names)) if sel.closed else sel

    # -- nodes ------------------------------------------------------------------------

    def _table(self, node: n.TableNode) -> Select:
        alias = self._alias()
        d = self.dialect
        columns = _table_columns(d.quote_char, alias, tuple(node.heading.names))
        ref = _table_ref(d.quote_char, d.schema_is_table_prefix, node.schema, node.table, d.table_ref)
        return Select(dict(columns), f"{ref} AS {alias}")

    def _restrict(self, node: n.RestrictNode) -> Select:
        sel = self._open(node.source)
        sql, params = self.condition(node.condition, sel.columns, node.source.heading)
        if sql != "1 = 1":
            sel.where.append((sql, params))
        return sel

    def _project(self, node: n.ProjectNode) -> Select:
        sel = self.select(node.source)
        if sel.distinct or sel.limit is not None or sel.offset:
            sel = self.wrap(sel, list(node.source.heading.names))
        columns = {}
        for name, (kind, value) in node.columns:
            if kind == "attr":
                columns[name] = sel.columns[value]
            elif kind == "null":
                columns[name] = "NULL"
            else:
                columns[name] = "(" + self.fragment(value, sel.columns, "expression") + ")"
        return replace(sel, columns=columns)

    def _join(self, node: n.JoinNode) -> Select:
        left = self._open(node.left)
        right = self.select(node.right)
        if right.closed or (node.left_outer and right.where):
            right = self.wrap(right, list(node.right.heading.names))
        on = " AND ".join(f"{left.columns[a]} = {right.columns[a]}" for a in node.on) or "1 = 1"
        kind = "LEFT JOIN" if node.left_outer else "JOIN"
        columns = dict(left.columns)
        for name, expr in right.columns.items():
            columns.setdefault(name, expr)
        return Select(
            columns,
            f"{left.from_sql} {kind} {_operand(right)} ON {on}",
            left.from_params + right.from_params,
            left.where + ([] if node.left_outer else right.where),
            compound=True,
        )

    def _aggregate(self, node: n.AggregateNode) -> Select:
        group = self._open(node.group)
        source = self.select(node.source)
        if source.closed or source.where:
            source = self.wrap(source, list(node.source.heading.names))
        on = " AND ".join(f"{group.columns[a]} = {source.columns[a]}" for a in node.on) or "1 = 1"
        kind = "LEFT JOIN" if node.keep_all else "JOIN"
        scope = dict(source.columns)
        scope.update(group.columns)
        count_target = next(iter(source.columns.values()), None) if node.keep_all else None
        columns = {name: group.columns[name] for name in node.group.heading.names}
        for name, fragment in node.computed:
            expr = self.fragment(fragment, scope, "expression", count_target)
            columns[name] = f"({expr})"
        return Select(
            columns,
            f"{group.from_sql} {kind} {_operand(source)} ON {on}",
            group.from_params + source.from_params,
            group.where,
            group_by=[group.columns[name] for name in node.group.heading.names],
            aggregated=True,
            compound=True,
        )

    def _group(self, node: n.GroupNode) -> Select:
        sel = self._open(node.source)
        columns = {name: sel.columns[name] for name in node.by}
        for name, fragment in node.computed:
            columns[name] = "(" + self.fragment(fragment, sel.columns, "expression") + ")"
        group_by = [sel.columns[name] for name in node.by]
        return replace(sel, columns=columns, group_by=group_by, aggregated=True)

    def _union(self, node: n.UnionNode) -> Select:
        names = list(node.heading.names)
        left_sql, left_params = self.render(self.select(node.left), names)
        right_sql, right_params = self.render(self.select(node.right), names)
        alias = self._alias()
        q = self.dialect.quote
        return Select(
            {name: f"{alias}.{q(name)}" for name in names},
            f"({left_sql} UNION {right_sql}) AS {alias}",
            left_params + right_params,
        )

    def _distinct(self, node: n.DistinctNode) -> Select:
        sel = self._open(node.source)
        return replace(sel, columns={name: sel.columns[name] for name in node.heading.names}, distinct=True)

    def _top(self, node: n.TopNode) -> Select:
        sel = self._open(node.source)
        sel.order_by = self.order_by(node.order_by, sel.columns, node.source.heading.primary_key)
        sel.limit, sel.offset = node.limit, node.offset
        return sel

    # -- ordering -------------------------------------------------------------------

    def order_by(self, order: Any, columns: dict[str, str], primary_key: list[str]) -> list[str]:
        """ORDER BY items for DataJoint's ``order_by`` ('KEY', 'a DESC', a list of these)."""
        if order is None:
            return []
        items = [order] if isinstance(order, str) else list(order)
        result = []
        for item in items:
            for part in str(item).split(","):
                result.extend(self._order_item(part.strip(), columns, primary_key))
        return result

    def _order_item(self, text: str, columns: dict[str, str], primary_key: list[str]) -> list[str]:
        words = text.split()
        if not words:
            return []
        direction = ""
        if len(words) == 2 and words[1].upper() in ("ASC", "DESC"):
            direction = " " + words[1].upper()
        elif len(words) != 1:
            return [self.fragment(text, columns, "expression")]
        name = words[0].strip(self.dialect.quote_char + "`")
        if name.upper() == "KEY":
            return [columns[k] + direction for k in primary_key]
        if name not in columns:
            raise DataJointError(
                f"Cannot order by {name!r}: it is not an attribute of the query ({list(columns)})."
            )
        return [columns[name] + direction + self._nulls(direction)]

    def _nulls(self, direction: str) -> str:
        """Where NULLs go, where the backend's default differs from MySQL's (NULL sorts lowest)."""
        if not self.dialect.nulls_sort_high:
            return ""
        return " NULLS LAST" if direction == " DESC" else " NULLS FIRST"

    # -- conditions -------------------------------------------------------------------

    def fragment(self, text: str, columns: dict[str, str], kind: str, count_target: str | None = None) -> str:
        """A user's SQL fragment translated to this dialect, attributes replaced by ``columns``."""
        if count_target is not None:
            return translate_fragment(text, self.dialect.name, columns, kind=kind, count_star=count_target)
        return translate_fragment(text, self.dialect.name, columns, kind=kind)

    def condition(self, cond: c.Condition, columns: dict[str, str], heading: Any) -> tuple[str, Params]:
        """SQL text and parameters for a condition on a source with ``columns``."""
        if isinstance(cond, c.Always):
            return ("1 = 1" if cond.value else "1 = 0"), []
        if isinstance(cond, c.Equals):
            return self._equals(cond, columns, heading)
        if isinstance(cond, c.InKeys):
            return self._in_keys(cond, columns, heading)
        if isinstance(cond, c.Fragment):
            return "(" + self.fragment(cond.text, columns, "condition") + ")", []
        if isinstance(cond, c.SemiJoin):
            return self._semijoin(cond, columns)
        if isinstance(cond, c.Negate):
            sql, params = self.condition(cond.item, columns, heading)
            if isinstance(cond.item, c.InKeys) and not any(heading[a].nullable for a in cond.item.attributes):
                # Same truth as NOT when no NULL takes part, but SQLite then looks each row up in
                # the key list instead of scanning the whole list (10,000 keys: 15 ms, not 6 s).
                return f"({sql}) IS NOT TRUE", params
            return f"NOT ({sql})", params
        if isinstance(cond, (c.And, c.Or)):
            glue = " AND " if isinstance(cond, c.And) else " OR "
            parts = [self.condition(item, columns, heading) for item in cond.items]
            return "(" + glue.join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]
        raise DataJointError(f"Unsupported condition {cond!r}.")

    def _equals(self, cond: c.Equals, columns: dict[str, str], heading: Any) -> tuple[str, Params]:
        texts, params = [], []
        for name, value in cond.items:
            if value is None:
                texts.append(f"{columns[name]} IS NULL")
            else:
                texts.append(f"{columns[name]} = {self.dialect.placeholder}")
                params.append(self.encode(heading[name], value))
        return " AND ".join(texts), params

    def _in_keys(self, cond: c.InKeys, columns: dict[str, str], heading: Any) -> tuple[str, Params]:
        attrs = [heading[name] for name in cond.attributes]
        encode = self.encode
        params = [encode(attr, value) for row in cond.rows for attr, value in zip(attrs, row)]
        width = len(cond.attributes)
        limit = self.dialect.max_parameters
        if limit is not None and len(params) > limit:
            return self._in_arrays(cond, columns, attrs, params)
        if width == 1:
            return f"{columns[cond.attributes[0]]} IN ({self.dialect.placeholders(len(cond.rows))})", params
        row = "(" + self.dialect.placeholders(width) + ")"
        target = "(" + ", ".join(columns[name] for name in cond.attributes) + ")"
        rows = ", ".join([row] * len(cond.rows))
        if self.dialect.row_list_in:
            return f"{target} IN ({rows})", params
        return f"{target} IN (VALUES {rows})", params

    def _in_arrays(
        self, cond: c.InKeys, columns: dict[str, str], attrs: list, params: Params
    ) -> tuple[str, Params]:
        """More keys than one statement may carry parameters: one array parameter per attribute."""
        width = len(attrs)
        arrays = [list(params[i::width]) for i in range(width)]
        unnest = ", ".join(
            f"CAST({self.dialect.placeholder} AS {self.dialect.native_type(attr.type)}[])" for attr in attrs
        )
        target = "(" + ", ".join(columns[name] for name in cond.attributes) + ")"
        return f"{target} IN (SELECT * FROM unnest({unnest}))", arrays

    def _semijoin(self, cond: c.SemiJoin, outer: dict[str, str]) -> tuple[str, Params]:
        inner = self._open(cond.node)
        links = [f"{inner.columns[a]} = {outer[a]}" for a in cond.on]
        sql, params = self.render(replace(inner, where=inner.where + [(text, []) for text in links]), [])
        return f"EXISTS ({sql})", params


@lru_cache(maxsize=1024)
def _table_columns(quote_char: str, alias: str, names: tuple[str, ...]) -> dict[str, str]:
    """``alias."name"`` for each column of a table occurrence (pure, so cached: fetch1 runs in loops)."""
    quote = quote_char + quote_char
    return {name: f"{alias}.{quote_char}{name.replace(quote_char, quote)}{quote_char}" for name in names}


_DISPATCH: dict[type, Callable[[Compiler, Any], Select]] = {
    n.TableNode: Compiler._table,
    n.RestrictNode: Compiler._restrict,
    n.ProjectNode: Compiler._project,
    n.JoinNode: Compiler._join,
    n.AggregateNode: Compiler._aggregate,
    n.GroupNode: Compiler._group,
    n.UnionNode: Compiler._union,
    n.DistinctNode: Compiler._distinct,
    n.TopNode: Compiler._top,
}

_REFS: dict[tuple, str] = {}


def _table_ref(
    quote_char: str, prefixed: bool, schema: str, table: str, make: Callable[[str, str], str]
) -> str:
    """The quoted table name, made once per table (it depends only on the quoting rules)."""
    key = (quote_char, prefixed, schema, table)
    ref = _REFS.get(key)
    if ref is None:
        ref = _REFS[key] = make(schema, table)
    return ref


@lru_cache(maxsize=4096)
def _select_list(quote_char: str, exprs: tuple[str, ...], names: tuple[str, ...]) -> str:
    """``expr AS "name", ...`` (a plain column keeps its own name without AS); ``1`` when empty."""
    items = []
    for expr, name in zip(exprs, names):
        quoted = quote_char + name.replace(quote_char, quote_char * 2) + quote_char
        items.append(expr if expr.endswith("." + quoted) else f"{expr} AS {quoted}")
    return ", ".join(items) or "1"


def _operand(sel: Select) -> str:
    """The FROM text of ``sel`` as the right operand of a JOIN."""
    return f"({sel.from_sql})" if sel.compound else sel.from_sql

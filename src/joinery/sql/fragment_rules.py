"""Per-backend rewrite rules for user SQL fragments (MySQL flavour -> target flavour).

Layer: ``sql/``, used only by ``sql/fragments.py``. A fragment arrives here as a sqlglot tree
parsed with MySQL's grammar, its attributes already bound; each rule rewrites one kind of node so
that the target database computes what MySQL would have computed. Rules are data: one table per
backend mapping a sqlglot node class to a function, most of them a short SQL template in the
target's own syntax (``fragment_templates``); date and time rules live in ``fragment_dates``.
What sqlglot already transpiles faithfully (IFNULL, ``<=>``, CAST types, ``/`` as exact division
with NULL for x/0) is left to it; these rules cover the places where its output would be wrong
or would not run.
"""

from __future__ import annotations

import sqlite3

from sqlglot import exp

from joinery.sql.fragment_dates import POSTGRES_DATES, SQLITE_DATES
from joinery.sql.fragment_templates import Rule, Untranslatable, as_text, fill, string_value

_SQLITE_HAS_ORDERED_AGGREGATES = sqlite3.sqlite_version_info >= (3, 44)


def _xor(node: exp.Expr) -> exp.Expr:
    """``a XOR b`` as ``(NOT a) <> (NOT b)``: truthiness of numbers and NULL-in, NULL-out kept."""
    left = exp.Paren(this=exp.Not(this=node.this))
    return exp.NEQ(this=left, expression=exp.Paren(this=exp.Not(this=node.expression)))


# ---------------------------------------------------------------- SQLite


def _sqlite_group_concat(node: exp.Expr) -> exp.Expr:
    inner = node.this
    if isinstance(inner, exp.Order) and not _SQLITE_HAS_ORDERED_AGGREGATES:
        raise Untranslatable(
            f"GROUP_CONCAT(... ORDER BY ...) needs SQLite 3.44+, this is {sqlite3.sqlite_version}"
        )
    distinct = isinstance(inner.this if isinstance(inner, exp.Order) else inner, exp.Distinct)
    separator = node.args.get("separator")
    if distinct and separator is not None:
        # SQLite's DISTINCT aggregates take one argument: only the default ',' can be left out.
        if string_value(separator) != ",":
            raise Untranslatable("GROUP_CONCAT(DISTINCT ... SEPARATOR ...) is not available on SQLite")
        node.set("separator", None)
    return node


def _sqlite_like(node: exp.Expr) -> exp.Expr:
    # MySQL treats backslash as LIKE's escape character; SQLite has none unless told.
    if isinstance(node.parent, exp.Escape):
        return node
    return exp.Escape(this=node, expression=exp.Literal.string("\\"))


def _if_to_case(node: exp.Expr) -> exp.Expr:
    # CASE rather than IIF: IIF needs SQLite 3.32+, CASE runs everywhere.
    if isinstance(node.parent, exp.Case):
        return node
    branch = exp.If(this=node.this, true=node.args["true"])
    return exp.Case(ifs=[branch], default=node.args.get("false"))


def _unsupported(what: str) -> Rule:
    def rule(node: exp.Expr) -> exp.Expr:
        raise Untranslatable(f"{what} is not available on SQLite")

    return rule


SQLITE: dict[type, Rule] = {
    **SQLITE_DATES,
    exp.If: _if_to_case,
    exp.Like: _sqlite_like,
    exp.Xor: _xor,
    exp.GroupConcat: _sqlite_group_concat,
    exp.Left: lambda node: fill("SUBSTR(:x, 1, :n)", "sqlite", x=node.this, n=node.expression),
    exp.Right: lambda node: fill("SUBSTR(:x, -(:n))", "sqlite", x=node.this, n=node.expression),
    exp.Stddev: _unsupported("STDDEV"),
    exp.StddevPop: _unsupported("STDDEV_POP"),
    exp.StddevSamp: _unsupported("STDDEV_SAMP"),
    exp.Variance: _unsupported("VARIANCE"),
    exp.VariancePop: _unsupported("VAR_POP"),
}


# ---------------------------------------------------------------- PostgreSQL


def _pg_concat(node: exp.Expr) -> exp.Expr:
    # sqlglot writes CONCAT as ||, which keeps MySQL's NULL-in, NULL-out but needs text operands.
    node.set("expressions", [as_text(arg) for arg in node.expressions])
    return node


def _pg_group_concat(node: exp.Expr) -> exp.Expr:
    # STRING_AGG takes text only; the value sits under an ORDER BY and/or a DISTINCT when present.
    holder = node.this if isinstance(node.this, exp.Order) else node
    if isinstance(holder.this, exp.Distinct):
        holder = holder.this
        holder.set("expressions", [as_text(arg) for arg in holder.expressions])
    else:
        holder.set("this", as_text(holder.this))
    return node


def _pg_nullif_divisor(node: exp.Expr) -> exp.Expr:
    # MySQL returns NULL for x % 0; PostgreSQL raises an error.
    node.set("expression", exp.Nullif(this=node.expression, expression=exp.Literal.number(0)))
    return node


def _pg_numeric_digits(node: exp.Expr) -> exp.Expr:
    # PostgreSQL has ROUND(x, n) and TRUNC(x, n) only for NUMERIC, not for DOUBLE PRECISION.
    if node.args.get("decimals") is None:
        return node
    name = "ROUND" if isinstance(node, exp.Round) else "TRUNC"
    return fill(f"{name}(CAST(:x AS NUMERIC), :n)", "postgres", x=node.this, n=node.args["decimals"])


def _pg_cast(node: exp.Expr) -> exp.Expr:
    # MySQL's CAST(x AS CHAR) is the whole string; PostgreSQL's CHAR is CHAR(1).
    target = node.args["to"]
    if target.this == exp.DataType.Type.CHAR and not target.expressions:
        node.set("to", exp.DataType.build("TEXT"))
    return node


POSTGRES: dict[type, Rule] = {
    **POSTGRES_DATES,
    exp.Like: lambda node: exp.ILike(**node.args),
    exp.RegexpLike: lambda node: exp.RegexpILike(**node.args),
    exp.Xor: _xor,
    exp.Concat: _pg_concat,
    exp.GroupConcat: _pg_group_concat,
    # DIV: MySQL truncates, returns an integer, and gives NULL for x DIV 0.
    exp.IntDiv: lambda node: fill(
        "CAST(DIV(:a, NULLIF(:b, 0)) AS BIGINT)", "postgres", a=node.this, b=node.expression
    ),
    exp.Mod: _pg_nullif_divisor,
    exp.Round: _pg_numeric_digits,
    exp.Trunc: _pg_numeric_digits,
    exp.Cast: _pg_cast,
}

RULES: dict[str, dict[type, Rule]] = {"sqlite": SQLITE, "postgres": POSTGRES, "mysql": {}}


def apply_rules(holder: exp.Expr, dialect: str) -> None:
    """Rewrite the tree under ``holder`` bottom-up with the rules of ``dialect``, in place.

    Children are rewritten before their parents, so a rule sees operands already in the
    target's form. ``holder`` is a parenthesis the caller wrapped around the fragment, so that
    even the fragment's top node has a parent to be replaced in.
    """
    rules = RULES[dialect]
    for node in reversed(list(holder.this.dfs())):
        rule = rules.get(type(node))
        if rule is None:
            continue
        parent, key, index = node.parent, node.arg_key, node.index
        new = rule(node)
        if new is not node and parent is not None:
            parent.set(key, new, index)

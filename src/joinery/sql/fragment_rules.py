"""Per-backend rewrite rules for user SQL fragments (MySQL flavour -> target flavour).

Layer: ``sql/``, used only by ``sql/fragments.py``. A fragment arrives here as a sqlglot tree
parsed with MySQL's grammar and with its attributes already bound; each rule rewrites one kind
of node so that the target database computes what MySQL would have computed. Rules are data:
one table per backend mapping a sqlglot node class to a function, and small SQL templates in
the target's own syntax, so a newcomer can read what each backend receives. What sqlglot
already transpiles correctly (IFNULL, ``<=>``, CAST types, ``/`` as decimal division) is left to
it; these rules cover the places where its output would be wrong or would not run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import sqlglot
from sqlglot import exp

Rule = Callable[[exp.Expr], exp.Expr]

# Units whose result MySQL keeps as a DATE when the operand is a DATE.
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
# The MySQL interval units translated, with the SQLite date modifier word and multiplier of each.
_SQLITE_SHIFT = {
    "SECOND": ("seconds", 1),
    "MINUTE": ("minutes", 1),
    "HOUR": ("hours", 1),
    "DAY": ("days", 1),
    "WEEK": ("days", 7),
    "MONTH": ("months", 1),
    "QUARTER": ("months", 3),
    "YEAR": ("years", 1),
}
_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}
_NOW_NAMES = {"NOW", "SYSDATE", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "LOCALTIME"}
_STRFTIME = {
    exp.Year: "%Y",
    exp.Month: "%m",
    exp.Day: "%d",
    exp.DayOfMonth: "%d",
    exp.Hour: "%H",
    exp.Minute: "%M",
    exp.Second: "%S",
}
_EXTRACT = {
    exp.Year: "YEAR",
    exp.Month: "MONTH",
    exp.Day: "DAY",
    exp.DayOfMonth: "DAY",
    exp.Hour: "HOUR",
    exp.Minute: "MINUTE",
    exp.Second: "SECOND",
}
_SQLITE_HAS_ORDERED_AGGREGATES = sqlite3.sqlite_version_info >= (3, 44)


class Untranslatable(Exception):
    """A construct that has no faithful equivalent on the target backend."""


@lru_cache(maxsize=None)
def _template(sql: str, dialect: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=dialect)


def fill(sql: str, dialect: str, **parts: exp.Expr) -> exp.Expr:
    """Parse a SQL template in ``dialect`` and put a copy of ``parts[name]`` at each ``:name``."""
    tree = _template(sql, dialect).copy()
    for hole in list(tree.find_all(exp.Placeholder)):
        hole.replace(parts[hole.name].copy())
    return tree


def _number(node: exp.Expr) -> Decimal | None:
    """The value of a numeric literal (MySQL keeps ``INTERVAL 1 DAY``'s 1 as a string)."""
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return None if inner is None else -inner
    if not isinstance(node, exp.Literal):
        return None
    try:
        return Decimal(node.this)
    except InvalidOperation:
        return None


def _string(node: exp.Expr) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _unit(node: exp.Expr) -> str:
    return node.text("unit").upper() or "DAY"


def _interval_parts(node: exp.Expr) -> tuple[exp.Expr, exp.Expr, str, int] | None:
    """(operand, amount, unit, sign) for DATE_ADD/DATE_SUB and ``d +/- INTERVAL n unit``."""
    if isinstance(node, (exp.DateAdd, exp.DateSub)):
        return node.this, node.expression, _unit(node), 1 if isinstance(node, exp.DateAdd) else -1
    left, right = node.this, node.expression
    if isinstance(left, exp.Interval) and isinstance(node, exp.Add):
        left, right = right, left
    if not isinstance(right, exp.Interval):
        return None
    return left, right.this, _unit(right), 1 if isinstance(node, exp.Add) else -1


# ---------------------------------------------------------------- SQLite


def _sqlite_now(node: exp.Expr) -> exp.Expr:
    # MySQL's NOW() is the session's local time with whole seconds; SQLite's CURRENT_TIMESTAMP is UTC.
    if isinstance(node, exp.Anonymous) and node.name.upper() not in _NOW_NAMES:
        return node
    precision = node.expressions[0] if isinstance(node, exp.Anonymous) and node.expressions else None
    if precision is not None and _number(precision):
        return fill("STRFTIME('%Y-%m-%d %H:%M:%f', 'now', 'localtime')", "sqlite")
    return fill("DATETIME('now', 'localtime')", "sqlite")


def _sqlite_modifier(amount: exp.Expr, unit: str, sign: int) -> exp.Expr:
    if unit not in _SQLITE_SHIFT:
        raise Untranslatable(f"INTERVAL ... {unit} has no SQLite date modifier")
    word, factor = _SQLITE_SHIFT[unit]
    value = _number(amount)
    if value is not None:
        return exp.Literal.string(f"{value * factor * sign:+f} {word}")
    if _string(amount) is not None:
        raise Untranslatable(f"INTERVAL '{amount.this}' {unit} is not a plain number")
    scaled = exp.Mul(this=exp.Paren(this=amount), expression=exp.Literal.number(factor * sign))
    return fill(f"CAST(:n AS TEXT) || ' {word}'", "sqlite", n=scaled)


def _sqlite_shift(node: exp.Expr) -> exp.Expr:
    """DATE_ADD & co. on ISO-8601 text: a DATE stays a DATE, anything else becomes a DATETIME."""
    parts = _interval_parts(node)
    if parts is None:
        return node
    operand, amount, unit, sign = parts
    modifier = _sqlite_modifier(amount, unit, sign)
    literal = _string(operand)
    if unit not in _DATE_UNITS or (literal is not None and len(literal) != 10):
        return fill("DATETIME(:d, :m)", "sqlite", d=operand, m=modifier)
    if literal is not None:
        return fill("DATE(:d, :m)", "sqlite", d=operand, m=modifier)
    sql = "CASE WHEN LENGTH(:d) = 10 THEN DATE(:d, :m) ELSE DATETIME(:d, :m) END"
    return fill(sql, "sqlite", d=operand, m=modifier)


def _sqlite_datediff(node: exp.Expr) -> exp.Expr:
    # MySQL compares the calendar days only, ignoring any time of day.
    sql = "CAST(JULIANDAY(DATE(:a)) - JULIANDAY(DATE(:b)) AS INTEGER)"
    return fill(sql, "sqlite", a=node.this, b=node.expression)


def _sqlite_timestampdiff(node: exp.Expr) -> exp.Expr:
    unit = _unit(node)
    if unit not in _SECONDS:
        raise Untranslatable(f"TIMESTAMPDIFF({unit}, ...) is not available on SQLite")
    sql = "(CAST(STRFTIME('%s', :b) AS INTEGER) - CAST(STRFTIME('%s', :a) AS INTEGER)) / :k"
    return fill(sql, "sqlite", a=node.expression, b=node.this, k=exp.Literal.number(_SECONDS[unit]))


def _sqlite_part(node: exp.Expr) -> exp.Expr:
    fmt = exp.Literal.string(_STRFTIME[type(node)])
    return fill("CAST(STRFTIME(:f, :x) AS INTEGER)", "sqlite", f=fmt, x=node.this)


def _sqlite_group_concat(node: exp.Expr) -> exp.Expr:
    inner = node.this
    if isinstance(inner, exp.Order) and not _SQLITE_HAS_ORDERED_AGGREGATES:
        raise Untranslatable(f"GROUP_CONCAT(... ORDER BY ...) needs SQLite 3.44+, this is {sqlite3.sqlite_version}")
    distinct = isinstance(inner.this if isinstance(inner, exp.Order) else inner, exp.Distinct)
    separator = node.args.get("separator")
    if distinct and separator is not None:
        if _string(separator) != ",":
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
    exp.Anonymous: _sqlite_now,
    exp.CurrentTimestamp: _sqlite_now,
    exp.Localtimestamp: _sqlite_now,
    exp.Localtime: _sqlite_now,
    exp.CurrentDate: lambda node: fill("DATE('now', 'localtime')", "sqlite"),
    exp.CurrentTime: lambda node: fill("TIME('now', 'localtime')", "sqlite"),
    exp.If: _if_to_case,
    exp.Like: _sqlite_like,
    exp.DateAdd: _sqlite_shift,
    exp.DateSub: _sqlite_shift,
    exp.Add: _sqlite_shift,
    exp.Sub: _sqlite_shift,
    exp.DateDiff: _sqlite_datediff,
    exp.TimestampDiff: _sqlite_timestampdiff,
    exp.DayOfWeek: lambda node: fill("CAST(STRFTIME('%w', :x) AS INTEGER) + 1", "sqlite", x=node.this),
    exp.GroupConcat: _sqlite_group_concat,
    exp.Left: lambda node: fill("SUBSTR(:x, 1, :n)", "sqlite", x=node.this, n=node.expression),
    exp.Right: lambda node: fill("SUBSTR(:x, -(:n))", "sqlite", x=node.this, n=node.expression),
    exp.Stddev: _unsupported("STDDEV"),
    exp.StddevPop: _unsupported("STDDEV_POP"),
    exp.StddevSamp: _unsupported("STDDEV_SAMP"),
    exp.Variance: _unsupported("VARIANCE"),
    exp.VariancePop: _unsupported("VAR_POP"),
    **dict.fromkeys(_STRFTIME, _sqlite_part),
}


# ---------------------------------------------------------------- PostgreSQL


def _pg_temporal(node: exp.Expr) -> exp.Expr:
    """Give a quoted date/time literal a type: PostgreSQL cannot add an interval to 'unknown'."""
    literal = _string(node)
    if literal is None:
        return node
    return exp.Cast(this=node, to=exp.DataType.build("DATE" if len(literal) == 10 else "TIMESTAMP"))


def _pg_now(node: exp.Expr) -> exp.Expr:
    # LOCALTIMESTAMP is timezone-naive like MySQL's NOW(); (0) keeps MySQL's whole seconds.
    if isinstance(node, exp.Anonymous) and node.name.upper() not in _NOW_NAMES:
        return node
    precision = node.expressions[0] if isinstance(node, exp.Anonymous) and node.expressions else None
    digits = int(_number(precision) or 0) if precision is not None else 0
    return fill(f"LOCALTIMESTAMP({digits})", "postgres")


def _pg_shift(node: exp.Expr) -> exp.Expr:
    parts = _interval_parts(node)
    if parts is not None and parts[2] not in _SQLITE_SHIFT:
        raise Untranslatable(f"INTERVAL ... {parts[2]} is not supported on PostgreSQL")
    if parts is not None and _string(parts[0]) is not None:
        if isinstance(node, (exp.DateAdd, exp.DateSub)):
            node.set("this", _pg_temporal(node.this))
        else:
            key = "this" if node.this is parts[0] else "expression"
            node.set(key, _pg_temporal(parts[0]))
    return node


def _pg_timestampdiff(node: exp.Expr) -> exp.Expr:
    unit = _unit(node)
    if unit not in _SECONDS:
        raise Untranslatable(f"TIMESTAMPDIFF({unit}, ...) is not supported on PostgreSQL")
    sql = "CAST(TRUNC(EXTRACT(EPOCH FROM (CAST(:b AS TIMESTAMP) - CAST(:a AS TIMESTAMP))) / :k) AS BIGINT)"
    return fill(sql, "postgres", a=node.expression, b=node.this, k=exp.Literal.number(_SECONDS[unit]))


def _pg_part(node: exp.Expr) -> exp.Expr:
    # EXTRACT returns NUMERIC; MySQL's YEAR() & co. return integers (SECOND() without the fraction).
    part = _EXTRACT[type(node)]
    extract = f"FLOOR(EXTRACT({part} FROM :x))" if part == "SECOND" else f"EXTRACT({part} FROM :x)"
    sql = f"CAST({extract} AS INTEGER)"
    return fill(sql, "postgres", x=_pg_temporal(node.this))


def _as_text(node: exp.Expr) -> exp.Expr:
    if _string(node) is not None:
        return node
    return exp.Cast(this=node, to=exp.DataType.build("TEXT"))


def _pg_concat(node: exp.Expr) -> exp.Expr:
    # sqlglot writes CONCAT as ||, which keeps MySQL's NULL-in, NULL-out but needs text operands.
    node.set("expressions", [_as_text(arg) for arg in node.expressions])
    return node


def _pg_group_concat(node: exp.Expr) -> exp.Expr:
    # STRING_AGG takes text only; the value sits under an ORDER BY and/or a DISTINCT when present.
    holder = node.this if isinstance(node.this, exp.Order) else node
    if isinstance(holder.this, exp.Distinct):
        holder = holder.this
        holder.set("expressions", [_as_text(arg) for arg in holder.expressions])
    else:
        holder.set("this", _as_text(holder.this))
    return node


def _pg_nullif_divisor(node: exp.Expr) -> exp.Expr:
    # MySQL returns NULL for x % 0 and x DIV 0; PostgreSQL raises an error.
    node.set("expression", exp.Nullif(this=node.expression, expression=exp.Literal.number(0)))
    return node


def _pg_numeric_digits(node: exp.Expr) -> exp.Expr:
    # PostgreSQL has ROUND(x, n) and TRUNC(x, n) only for NUMERIC, not for DOUBLE PRECISION.
    if node.args.get("decimals") is None:
        return node
    name = "ROUND" if isinstance(node, exp.Round) else "TRUNC"
    return fill(f"{name}(CAST(:x AS NUMERIC), :n)", "postgres", x=node.this, n=node.args["decimals"])


def _pg_cast(node: exp.Expr) -> exp.Expr:
    # MySQL's CAST(x AS CHAR) is a whole string; PostgreSQL's CHAR is CHAR(1).
    target = node.to
    if target.this == exp.DataType.Type.CHAR and not target.expressions:
        node.set("to", exp.DataType.build("TEXT"))
    return node


POSTGRES: dict[type, Rule] = {
    exp.Anonymous: _pg_now,
    exp.CurrentTimestamp: _pg_now,
    exp.Localtimestamp: _pg_now,
    exp.Localtime: _pg_now,
    exp.CurrentTime: lambda node: fill("LOCALTIME(0)", "postgres"),
    exp.Like: lambda node: exp.ILike(this=node.this, expression=node.expression),
    exp.RegexpLike: lambda node: exp.RegexpILike(this=node.this, expression=node.expression),
    exp.DateAdd: _pg_shift,
    exp.DateSub: _pg_shift,
    exp.Add: _pg_shift,
    exp.Sub: _pg_shift,
    exp.TimestampDiff: _pg_timestampdiff,
    exp.DayOfWeek: lambda node: fill(
        "CAST(EXTRACT(DOW FROM :x) AS INTEGER) + 1", "postgres", x=_pg_temporal(node.this)
    ),
    exp.Concat: _pg_concat,
    exp.GroupConcat: _pg_group_concat,
    exp.IntDiv: lambda node: fill(
        "CAST(DIV(:a, NULLIF(:b, 0)) AS BIGINT)", "postgres", a=node.this, b=node.expression
    ),
    exp.Mod: _pg_nullif_divisor,
    exp.Round: _pg_numeric_digits,
    exp.Trunc: _pg_numeric_digits,
    exp.Cast: _pg_cast,
    **dict.fromkeys(_EXTRACT, _pg_part),
}

RULES: dict[str, dict[type, Rule]] = {"sqlite": SQLITE, "postgres": POSTGRES, "mysql": {}}


def apply_rules(tree: exp.Expr, dialect: str) -> exp.Expr:
    """Rewrite ``tree`` bottom-up with the rules of ``dialect``; return the new root.

    Children are rewritten before their parents, so a rule sees operands already in the
    target's form. ``tree`` must have a parent (the caller wraps it), so the root can be replaced.
    """
    rules = RULES[dialect]
    for node in reversed(list(tree.dfs())):
        rule = rules.get(type(node))
        if rule is None:
            continue
        parent, key, index = node.parent, node.arg_key, node.index
        new = rule(node)
        if new is not node:
            parent.set(key, new, index)
    return tree

"""Date and time functions of MySQL fragments, rewritten for SQLite and PostgreSQL.

Layer: ``sql/``, part of the rule tables of ``fragment_rules``. joinery keeps DATE and DATETIME
values on SQLite as ISO-8601 text ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS'), so there date arithmetic
goes through SQLite's DATE()/DATETIME()/STRFTIME() functions, keeping a DATE a DATE as MySQL does.
PostgreSQL has the types, but wants typed literals and returns NUMERIC from EXTRACT. ``NOW()`` is
the local wall-clock time to the second, without a time zone, as MySQL's is.
"""

from __future__ import annotations

from sqlglot import exp

from joinery.sql.fragment_templates import Rule, Untranslatable, fill, number, string_value

# Units whose result MySQL keeps as a DATE when the operand is a DATE.
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
# The MySQL interval units translated, with the SQLite date modifier word and multiplier of each.
_SHIFT = {
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
# Each date-part function: its STRFTIME format on SQLite and its EXTRACT field on PostgreSQL.
_PARTS: dict[type[exp.Expr], tuple[str, str]] = {
    exp.Year: ("%Y", "YEAR"),
    exp.Month: ("%m", "MONTH"),
    exp.Day: ("%d", "DAY"),
    exp.DayOfMonth: ("%d", "DAY"),
    exp.Hour: ("%H", "HOUR"),
    exp.Minute: ("%M", "MINUTE"),
    exp.Second: ("%S", "SECOND"),
}


def _unit(node: exp.Expr) -> str:
    return node.text("unit").upper() or "DAY"


def _interval_parts(node: exp.Expr) -> tuple[exp.Expr, exp.Expr, str, int] | None:
    """(operand, amount, unit, sign) of DATE_ADD/DATE_SUB and ``d +/- INTERVAL n unit``."""
    if isinstance(node, (exp.DateAdd, exp.DateSub)):
        return node.this, node.expression, _unit(node), 1 if isinstance(node, exp.DateAdd) else -1
    left, right = node.this, node.expression
    if isinstance(left, exp.Interval) and isinstance(node, exp.Add):
        left, right = right, left
    if not isinstance(right, exp.Interval):
        return None
    return left, right.this, _unit(right), 1 if isinstance(node, exp.Add) else -1


def _now_precision(node: exp.Expr) -> int | None:
    """Digits of fraction asked of NOW(n) & co.; None when ``node`` is another function."""
    if not isinstance(node, exp.Anonymous):
        return 0
    if node.name.upper() not in _NOW_NAMES:
        return None
    return int(number(node.expressions[0]) or 0) if node.expressions else 0


# ---------------------------------------------------------------- SQLite


def _sqlite_now(node: exp.Expr) -> exp.Expr:
    # SQLite's own CURRENT_TIMESTAMP is UTC; MySQL's NOW() is the local time.
    digits = _now_precision(node)
    if digits is None:
        return node
    if digits:
        return fill("STRFTIME('%Y-%m-%d %H:%M:%f', 'now', 'localtime')", "sqlite")
    return fill("DATETIME('now', 'localtime')", "sqlite")


def _sqlite_modifier(amount: exp.Expr, unit: str, sign: int) -> exp.Expr:
    if unit not in _SHIFT:
        raise Untranslatable(f"INTERVAL ... {unit} has no SQLite date modifier")
    word, factor = _SHIFT[unit]
    value = number(amount)
    if value is not None:
        return exp.Literal.string(f"{value * factor * sign:+f} {word}")
    if string_value(amount) is not None:
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
    literal = string_value(operand)
    if unit not in _DATE_UNITS or (literal is not None and len(literal) != 10):
        return fill("DATETIME(:d, :m)", "sqlite", d=operand, m=modifier)
    if literal is not None:
        return fill("DATE(:d, :m)", "sqlite", d=operand, m=modifier)
    sql = "CASE WHEN LENGTH(:d) = 10 THEN DATE(:d, :m) ELSE DATETIME(:d, :m) END"
    return fill(sql, "sqlite", d=operand, m=modifier)


def _sqlite_datediff(node: exp.Expr) -> exp.Expr:
    # MySQL counts calendar days, ignoring any time of day.
    sql = "CAST(JULIANDAY(DATE(:a)) - JULIANDAY(DATE(:b)) AS INTEGER)"
    return fill(sql, "sqlite", a=node.this, b=node.expression)


def _sqlite_timestampdiff(node: exp.Expr) -> exp.Expr:
    unit = _unit(node)
    if unit not in _SECONDS:
        raise Untranslatable(f"TIMESTAMPDIFF({unit}, ...) is not available on SQLite")
    sql = "(CAST(STRFTIME('%s', :b) AS INTEGER) - CAST(STRFTIME('%s', :a) AS INTEGER)) / :k"
    return fill(sql, "sqlite", a=node.expression, b=node.this, k=exp.Literal.number(_SECONDS[unit]))


def _sqlite_part(node: exp.Expr) -> exp.Expr:
    fmt = exp.Literal.string(_PARTS[type(node)][0])
    return fill("CAST(STRFTIME(:f, :x) AS INTEGER)", "sqlite", f=fmt, x=node.this)


SQLITE_DATES: dict[type, Rule] = {
    exp.Anonymous: _sqlite_now,
    exp.CurrentTimestamp: _sqlite_now,
    exp.Localtimestamp: _sqlite_now,
    exp.Localtime: _sqlite_now,
    exp.CurrentDate: lambda node: fill("DATE('now', 'localtime')", "sqlite"),
    exp.CurrentTime: lambda node: fill("TIME('now', 'localtime')", "sqlite"),
    exp.DateAdd: _sqlite_shift,
    exp.DateSub: _sqlite_shift,
    exp.Add: _sqlite_shift,
    exp.Sub: _sqlite_shift,
    exp.DateDiff: _sqlite_datediff,
    exp.TimestampDiff: _sqlite_timestampdiff,
    exp.DayOfWeek: lambda node: fill("CAST(STRFTIME('%w', :x) AS INTEGER) + 1", "sqlite", x=node.this),
    **dict.fromkeys(_PARTS, _sqlite_part),
}


# ---------------------------------------------------------------- PostgreSQL


def _pg_temporal(node: exp.Expr) -> exp.Expr:
    """Give a quoted date/time literal a type: PostgreSQL cannot add an interval to 'unknown'."""
    literal = string_value(node)
    if literal is None:
        return node
    return exp.Cast(this=node, to=exp.DataType.build("DATE" if len(literal) == 10 else "TIMESTAMP"))


def _pg_now(node: exp.Expr) -> exp.Expr:
    # LOCALTIMESTAMP has no time zone, like MySQL's NOW(); (0) keeps MySQL's whole seconds.
    digits = _now_precision(node)
    if digits is None:
        return node
    return fill(f"LOCALTIMESTAMP({digits})", "postgres")


def _pg_shift(node: exp.Expr) -> exp.Expr:
    parts = _interval_parts(node)
    if parts is None:
        return node
    operand, _, unit, _ = parts
    if unit not in _SHIFT:
        raise Untranslatable(f"INTERVAL ... {unit} is not supported on PostgreSQL")
    if string_value(operand) is not None:
        key = "this" if node.this is operand else "expression"
        node.set(key, _pg_temporal(operand))
    return node


def _pg_timestampdiff(node: exp.Expr) -> exp.Expr:
    unit = _unit(node)
    if unit not in _SECONDS:
        raise Untranslatable(f"TIMESTAMPDIFF({unit}, ...) is not supported on PostgreSQL")
    sql = "CAST(TRUNC(EXTRACT(EPOCH FROM (CAST(:b AS TIMESTAMP) - CAST(:a AS TIMESTAMP))) / :k) AS BIGINT)"
    return fill(sql, "postgres", a=node.expression, b=node.this, k=exp.Literal.number(_SECONDS[unit]))


def _pg_part(node: exp.Expr) -> exp.Expr:
    # EXTRACT returns NUMERIC; MySQL's YEAR() & co. return integers (SECOND() without the fraction).
    part = _PARTS[type(node)][1]
    extract = f"FLOOR(EXTRACT({part} FROM :x))" if part == "SECOND" else f"EXTRACT({part} FROM :x)"
    return fill(f"CAST({extract} AS INTEGER)", "postgres", x=_pg_temporal(node.this))


POSTGRES_DATES: dict[type, Rule] = {
    exp.Anonymous: _pg_now,
    exp.CurrentTimestamp: _pg_now,
    exp.Localtimestamp: _pg_now,
    exp.Localtime: _pg_now,
    exp.CurrentTime: lambda node: fill("LOCALTIME(0)", "postgres"),
    exp.DateAdd: _pg_shift,
    exp.DateSub: _pg_shift,
    exp.Add: _pg_shift,
    exp.Sub: _pg_shift,
    exp.TimestampDiff: _pg_timestampdiff,
    exp.DayOfWeek: lambda node: fill(
        "CAST(EXTRACT(DOW FROM :x) AS INTEGER) + 1", "postgres", x=_pg_temporal(node.this)
    ),
    **dict.fromkeys(_PARTS, _pg_part),
}

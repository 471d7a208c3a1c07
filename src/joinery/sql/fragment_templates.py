"""Small tools shared by the fragment rewrite rules: SQL templates and literal inspection.

Layer: ``sql/``, below ``fragment_rules`` and ``fragment_dates``. A rule states what a backend
should receive as a short SQL template in that backend's own syntax, with ``:name`` holes filled
by the rewritten operands; reading the template shows the SQL, no tree building to decode.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache

import sqlglot
from sqlglot import exp

Rule = Callable[[exp.Expr], exp.Expr]


class Untranslatable(Exception):
    """A construct that has no faithful equivalent on the target backend."""


@cache
def _template(sql: str, dialect: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=dialect)


def fill(sql: str, dialect: str, **parts: exp.Expr) -> exp.Expr:
    """Parse a SQL template in ``dialect`` and put a copy of ``parts[name]`` at each ``:name``.

    >>> fill("DATE(:d, '+1 days')", "sqlite", d=exp.column("d", quoted=True)).sql("sqlite")
    'DATE("d", \\'+1 days\\')'
    """
    tree = _template(sql, dialect).copy()
    for hole in list(tree.find_all(exp.Placeholder)):
        hole.replace(parts[hole.name].copy())
    return tree


def number(node: exp.Expr) -> Decimal | None:
    """The value of a numeric literal, quoted or not (MySQL keeps ``INTERVAL 1 DAY``'s 1 as '1')."""
    if isinstance(node, exp.Neg):
        inner = number(node.this)
        return None if inner is None else -inner
    if not isinstance(node, exp.Literal):
        return None
    try:
        return Decimal(node.this)
    except InvalidOperation:
        return None


def string_value(node: exp.Expr) -> str | None:
    """The text of a quoted string literal, else None."""
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def as_text(node: exp.Expr) -> exp.Expr:
    """``node`` cast to TEXT unless it is a string literal already."""
    if string_value(node) is not None:
        return node
    return exp.Cast(this=node, to=exp.DataType.build("TEXT"))

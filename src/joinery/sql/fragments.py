"""Translate users' SQL fragments, written in MySQL's flavour, into the target backend's SQL.

Layer: ``sql/``. The query layer keeps restriction strings (``Detection & 'num_blobs < 300'``)
and computed attributes (``proj(total='a + b')``, ``aggr(..., n='count(*)')``) as the text the
user wrote; the compiler calls :func:`translate_fragment` while it writes a query's SQL. DataJoint
users write these fragments for MySQL, so they are parsed with MySQL's grammar by sqlglot (never
with regular expressions), checked (one expression, known attributes, no subqueries, variables or
statements), and written out for SQLite, PostgreSQL or MySQL/MariaDB with the rewrites of
``fragment_rules`` (and ``fragment_dates``) and ``fragment_booleans``. Translations are pure and
cached: a repeated call costs about a microsecond (a few with dozens of attributes).

Meaning kept on every backend: double-quoted strings are string literals; ``/`` divides exactly
(``7/2`` is 3.5) and ``x/0``, ``x DIV 0``, ``x % 0`` are NULL; ``DIV`` truncates; ``IF`` is a CASE;
``NOW()`` is the local time to the second without a time zone; comparisons are 0/1 numbers when
used as values (``sum(x > 3)``) and numbers are true when non-zero in conditions; dates held as
ISO-8601 text on SQLite support ``DATE_ADD``/``DATE_SUB``/``+ INTERVAL``, ``DATEDIFF``,
``TIMESTAMPDIFF`` (second to week), ``YEAR()`` and its kin; ``GROUP_CONCAT`` joins with ','.

Known differences (not translated): ``LIKE`` ignores case everywhere (PostgreSQL gets ``ILIKE``),
but SQLite folds ASCII letters only; ``=`` on strings ignores case on MySQL only (its default
collation); ``REGEXP`` on SQLite needs a ``regexp`` function registered by the connection;
``DATE_ADD`` by months on SQLite rolls past the month's end ('2020-01-31' + 1 MONTH is
'2020-03-02', MySQL says '2020-02-29') and yields 'YYYY-MM-DD HH:MM:SS' for date-times without
fractions; on PostgreSQL a DATE plus an interval is a TIMESTAMP; ``%`` on SQLite truncates
non-integers first and PostgreSQL has no ``%`` for DOUBLE PRECISION; ``ROUND(x, n)`` on PostgreSQL
returns NUMERIC; a BOOLEAN column on PostgreSQL used as a number (``sum(flag)``) is not cast,
since a fragment's attributes come without their types. The output may contain ``%`` (LIKE
patterns, modulo): drivers with the ``format`` parameter style need it doubled when parameters
are passed along with the SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.generators.mysql import MySQLGenerator
from sqlglot.tokens import TokenType

from joinery.errors import QuerySyntaxError, UnknownAttributeError
from joinery.sql.fragment_booleans import coerce_booleans
from joinery.sql.fragment_rules import Untranslatable, apply_rules

__all__ = ["translate_fragment"]

KINDS = ("condition", "expression")
# Backends that distinguish truth values from numbers (a capability of the flavour).
_STRICT_BOOLEANS = {"sqlite": False, "postgres": True, "mysql": False}
# Backends whose drivers read `%` as a parameter marker: literal `%` is written `%%`.
_PERCENT_ESCAPED = {"sqlite": False, "postgres": True, "mysql": True}
# Nodes a fragment may not contain: subqueries and statements reach other tables under
# MySQL's names, placeholders and variables have no value here.
_FORBIDDEN = {
    exp.Query: "a subquery (SELECT ...); use the query operators (&, -, *, proj, aggr) instead",
    exp.Placeholder: "a parameter placeholder; write the value into the fragment or restrict by a dict",
    exp.Parameter: "a user variable (@name)",
    exp.SessionParameter: "a server variable (@@name)",
    exp.Command: "a statement",
    exp.Alias: "an alias (AS name); name a computed attribute with a keyword, as in proj(name='a + b')",
}


class _JoineryMySQL(MySQL):
    """MySQL output that MariaDB also runs: ``x REGEXP y`` rather than MySQL 8's REGEXP_LIKE."""

    class Generator(MySQLGenerator):
        TRANSFORMS = {
            **MySQLGenerator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
        }


_TARGETS: dict[str, Dialect] = {
    "sqlite": Dialect.get_or_raise("sqlite"),
    "postgres": Dialect.get_or_raise("postgres"),
    "mysql": _JoineryMySQL(),
}
_MYSQL = Dialect.get_or_raise("mysql")


def translate_fragment(
    fragment: str,
    dialect: str,
    columns: Mapping[str, str | None],
    *,
    kind: str = "condition",
    count_star: str | None = None,
) -> str:
    """Return ``fragment`` (MySQL flavour) as SQL text for ``dialect``.

    ``dialect`` is 'sqlite', 'postgres' or 'mysql'. ``columns`` maps each attribute the
    fragment may name to None (written as a quoted column name) or to a SQL expression already in
    the target dialect (written in its place, in parentheses) for computed or renamed attributes.
    ``kind`` is 'condition' for restrictions and 'expression' for computed attributes.
    ``count_star``, when given, is a target-dialect expression counted in place of ``*`` in
    ``count(*)``: an aggregation that keeps groups without matches counts only matched rows.
    Raises UnknownAttributeError for names not in ``columns`` and QuerySyntaxError for text
    that is not one expression or cannot be expressed on ``dialect``. Results are cached.

    >>> translate_fragment('name = "Bob" AND n DIV 2 > 1', 'postgres', {'name': None, 'n': None})
    '"name" = \\'Bob\\' AND CAST(DIV("n", NULLIF(2, 0)) AS BIGINT) > 1'
    >>> translate_fragment('sum(n > 3)', 'postgres', {'n': None}, kind='expression')
    'SUM(CAST("n" > 3 AS INT))'
    """
    return _translate(fragment, dialect, frozenset(columns.items()), kind, count_star)


@lru_cache(maxsize=4096)
def _translate(
    fragment: str,
    dialect: str,
    columns: frozenset[tuple[str, str | None]],
    kind: str,
    count_star: str | None,
) -> str:
    if dialect not in _TARGETS:
        raise ValueError(f"Unknown SQL dialect {dialect!r}; expected one of {sorted(_TARGETS)}.")
    if kind not in KINDS:
        raise ValueError(f"Unknown fragment kind {kind!r}; expected one of {KINDS}.")
    holder = _parse(fragment)
    _check_nodes(holder, fragment)
    substitutes = _bind_attributes(holder, fragment, dict(columns))
    if count_star is not None:
        for star in list(holder.find_all(exp.Star)):
            star.replace(exp.Paren(this=_placeholder_for(count_star, substitutes)))
    try:
        apply_rules(holder, dialect)
        if _STRICT_BOOLEANS[dialect]:
            coerce_booleans(holder, top_is_condition=kind == "condition")
        sql = holder.this.sql(dialect=_TARGETS[dialect], comments=False, unsupported_level=ErrorLevel.RAISE)
        return _fill_substitutes(sql, substitutes, _PERCENT_ESCAPED[dialect])
    except (Untranslatable, SqlglotError) as error:
        raise QuerySyntaxError(
            f"The SQL fragment {fragment!r} cannot be translated for {dialect}: {error}. "
            "Rewrite it with functions that backend offers, or use the query operators."
        ) from None


def _parse(fragment: str) -> exp.Expr:
    """Parse ``fragment`` as one MySQL expression; return it wrapped in a parenthesis.

    The parenthesis lets the parser accept expressions that could also begin a statement
    (``REPLACE(s, 'a', 'b') = t``) and gives rewrites a parent to replace the top node in.
    """
    if not fragment or not fragment.strip():
        raise QuerySyntaxError(
            "An empty SQL fragment was given; write a condition such as 'num_blobs < 300'."
        )
    text = f"({fragment}\n)"  # the newline ends a trailing `-- comment` before our parenthesis
    try:
        tokens = _MYSQL.tokenize(text)
        if any(token.token_type == TokenType.SEMICOLON for token in tokens):
            raise QuerySyntaxError(
                f"The SQL fragment {fragment!r} contains ';'. A restriction or computed attribute "
                "must be a single expression, not statements."
            )
        (tree,) = _MYSQL.parser().parse_into(exp.Condition, tokens, text)
    except SqlglotError as error:
        raise QuerySyntaxError(
            f"Cannot parse the SQL fragment {fragment!r}: {_first_line(error)}. It must be one SQL "
            "expression in MySQL syntax, e.g. 'num_blobs < 300' or 'session_date > \"2020-01-01\"'."
        ) from None
    if not isinstance(tree, exp.Paren):
        tree = exp.Paren(this=tree)  # `(a) OR (b)` parses to an OR
    return tree


def _first_line(error: SqlglotError) -> str:
    details = getattr(error, "errors", None)
    if details:
        return str(details[0].get("description", error))
    return str(error).splitlines()[0]


def _check_nodes(tree: exp.Expr, fragment: str) -> None:
    for node in tree.dfs():
        for kind, what in _FORBIDDEN.items():
            if isinstance(node, kind):
                raise QuerySyntaxError(
                    f"The SQL fragment {fragment!r} contains {what}; that is not allowed here."
                )
        if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
            raise QuerySyntaxError(f"The SQL fragment {fragment!r} uses '*' outside count(*).")


def _placeholder_for(substitute: str, substitutes: list[str]) -> exp.Var:
    """A marker standing for target-dialect SQL that must reach the output untouched."""
    substitutes.append(substitute)
    return exp.Var(this=f"__joinery_substitute_{len(substitutes) - 1}__")


def _fill_substitutes(sql: str, substitutes: list[str], escape_percent: bool) -> str:
    """Escape ``%`` in the translated text (not in substitutes, which are escaped already), then fill them in."""
    if escape_percent:
        sql = sql.replace("%", "%%")
    for number, substitute in enumerate(substitutes):
        sql = sql.replace(f"__joinery_substitute_{number}__", substitute)
    return sql


def _bind_attributes(tree: exp.Expr, fragment: str, columns: dict[str, str | None]) -> list[str]:
    """Replace each attribute name in ``tree`` by its quoted column or a marker for its substituted SQL.

    Names match exactly, else ignoring case as MySQL does for column names.
    Returns the substituted SQL texts, in marker order.
    """
    substitutes: list[str] = []
    folded = {name.lower(): name for name in columns}
    unknown: list[str] = []
    for column in list(tree.find_all(exp.Column)):
        name = column.name
        if column.table or isinstance(column.this, exp.Star):
            unknown.append(column.sql(dialect="mysql"))
            continue
        found = name if name in columns else folded.get(name.lower())
        if found is None:
            unknown.append(name)
            continue
        substitute = columns[found]
        if substitute is None:
            column.replace(exp.column(found, quoted=True))
        else:
            column.replace(exp.Paren(this=_placeholder_for(substitute, substitutes)))
    if unknown:
        raise UnknownAttributeError(
            f"The SQL fragment {fragment!r} names unknown attribute(s) {', '.join(dict.fromkeys(unknown))}. "
            f"Available attributes: {', '.join(sorted(columns)) or '(none)'}. Check the spelling; "
            "a text value must be quoted, e.g. 'name = \"Alice\"'."
        )
    return substitutes

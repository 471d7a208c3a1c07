"""What distinguishes one SQL backend from another, as data.

A :class:`Dialect` holds quoting, the parameter placeholder, the native type for
each attribute category and the capability flags the compiler and the engine
branch on. Code never branches on a backend's name: it asks the dialect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...definition.spec import TypeSpec


@dataclass(frozen=True)
class Dialect:
    """One backend's SQL flavour.

    ``native_type`` maps a :class:`TypeSpec` to the column type used in
    ``CREATE TABLE``; ``checks`` gives the ``CHECK`` constraint (or ``None``)
    that enforces what the native type cannot (string length, enum members,
    integer ranges) on backends whose types are loose.
    """

    name: str  # sqlglot's dialect name: 'sqlite', 'postgres', 'mysql'
    quote_char: str
    placeholder: str
    native_type: Callable[[TypeSpec], str]
    check_constraint: Callable[[str, TypeSpec], str | None] = lambda column, spec: None
    #: comments live in a side table instead of the column definitions
    comments_in_side_table: bool = False
    #: schemas share one namespace and become a prefix of the table name
    schema_is_table_prefix: bool = False
    #: ``CREATE TABLE ... STRICT`` makes the database refuse values of the wrong type
    strict_tables: bool = False
    #: text appended to ``INSERT`` for skip_duplicates (None: use ``insert_ignore_prefix``)
    on_conflict_ignore: str = " ON CONFLICT DO NOTHING"
    #: how an upsert assigns the incoming value of ``{c}`` (for ``replace=True``)
    upsert_template: str = " ON CONFLICT ({key}) DO UPDATE SET {assignments}"
    upsert_assignment: str = "{c} = excluded.{c}"
    #: a write transaction that takes the write lock at once (avoids lock upgrades)
    begin_write: str = "BEGIN"
    #: ``LIMIT`` with no bound, for an ``OFFSET`` without ``LIMIT``
    unbounded_limit: str = "ALL"
    extra: dict = field(default_factory=dict)

    def quote(self, identifier: str) -> str:
        """Quote an identifier; an embedded quote character is doubled."""
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    def table_ref(self, schema: str, table: str) -> str:
        """The quoted, fully qualified name of a table."""
        if self.schema_is_table_prefix:
            return self.quote(f"{schema}.{table}")
        return f"{self.quote(schema)}.{self.quote(table)}"

    def placeholders(self, count: int) -> str:
        """``?, ?, ?`` (or ``%s, ...``) for ``count`` parameters."""
        return ", ".join([self.placeholder] * count)

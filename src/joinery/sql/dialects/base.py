"""What distinguishes one SQL backend from another, as data.

A :class:`Dialect` holds quoting, the parameter placeholder, the native type for
each attribute category and the capability flags the compiler and the engine
branch on. Code never branches on a backend's name: it asks the dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    #: comments are written inline (``COMMENT '...'``) in ``CREATE TABLE``
    inline_comments: bool = False
    #: comments are set by ``COMMENT ON TABLE/COLUMN`` statements after ``CREATE TABLE``
    comment_statements: bool = False
    #: schemas share one namespace and become a prefix of the table name
    schema_is_table_prefix: bool = False
    #: text after ``CREATE TABLE t (...)``: ``STRICT`` makes SQLite refuse values of the wrong type
    table_suffix: str = ""
    #: put before ``table_suffix`` for a table whose declared rows are at most ``clustered_row_bytes``:
    #: SQLite's ``WITHOUT ROWID`` keeps such rows in key order in one B-tree (no separate key index)
    clustered_suffix: str = ""
    clustered_row_bytes: int = 0
    #: index a foreign key's columns (unless the primary key or a declared index starts with them), as
    #: MySQL does by itself: joins on the key and the parent's delete checks then read the index, not the
    #: whole child table (SQLite builds no automatic index for a ``WITHOUT ROWID`` table)
    indexes_foreign_keys: bool = False
    #: how ``true``/``false`` defaults are spelled
    boolean_literals: tuple[str, str] = ("1", "0")
    #: the column type of an auto_increment key (``{type}`` is its native type)
    auto_increment: str = "{type} AUTO_INCREMENT"
    #: the auto_increment column is itself the primary key clause (SQLite's rowid alias)
    auto_increment_is_key: bool = False
    #: the type that makes a one-column integer primary key the table's own row id (SQLite's
    #: ``INTEGER PRIMARY KEY``): rows kept in key order with no key index, the cheapest layout there is.
    #: Such a key numbers a NULL instead of refusing it, so inserts refuse NULL keys themselves
    rowid_key_type: str | None = None
    #: run after inserting explicit auto_increment values, so the next number follows the largest
    #: (``{table}``, ``{column}``; parameters: the table's and the column's quoted names)
    auto_increment_resync: str | None = None
    #: parameters are ``%s`` (pyformat): a literal ``%`` in SQL text is written ``%%``
    percent_escaped: bool = False
    #: the driver stores a float NaN as NULL by itself (elsewhere joinery turns NaN into NULL, as DataJoint does)
    stores_nan_as_null: bool = False
    #: the type a parameter must be cast to inside ``COALESCE(param, default)`` (None: no cast).
    #: Only types whose casts never truncate or round: a cast to varchar(5) would cut a long string.
    parameter_cast: Callable[[TypeSpec], str | None] = lambda spec: None
    #: the database itself refuses a value of the wrong kind (1.5 for an integer)
    strict_types: bool = False
    #: ``CREATE``/``DROP TABLE`` take part in transactions (MySQL commits before each one instead)
    transactional_ddl: bool = True
    #: ``(a, b) IN ((1, 2), ...)`` rather than ``IN (VALUES (1, 2), ...)`` (MySQL reads VALUES as a table)
    row_list_in: bool = False
    #: NULL sorts after every value (PostgreSQL); joinery then says where NULLs go, as on MySQL
    nulls_sort_high: bool = False
    #: keep DataJoint's ``~lineage`` table, so that DataJoint sharing the database checks joins too
    keeps_lineage_table: bool = False
    #: run after ``CREATE TABLE`` for each byte-string column (``{table}``, ``{column}``), e.g. to stop
    #: PostgreSQL trying to compress serialized arrays, which costs more than it saves
    bytes_column_storage: str | None = None
    #: the query giving the server's id of this session (None: no server)
    connection_id_sql: str | None = None
    #: the most parameters one statement may carry (None: no limit that matters)
    max_parameters: int | None = None
    #: ``INSERT`` that silently skips rows whose key exists: a verb and a suffix (``{column}``: any
    #: inserted column, for a no-op update)
    insert_ignore_verb: str = "INSERT"
    on_conflict_ignore: str = " ON CONFLICT DO NOTHING"
    #: an upsert: the clause after ``VALUES (...)`` and how it names an incoming value
    upsert_clause: str = " ON CONFLICT ({key}) DO UPDATE SET {assignments}"
    incoming_value: str = "excluded.{c}"
    #: the upsert clause cannot take a WHERE: make each assignment conditional instead
    upsert_condition_per_assignment: bool = False
    #: an ``UPDATE`` may end with ``RETURNING`` the rows it changed (else they are read back by a
    #: ``SELECT``): how a batch reservation learns which keys it won in one round trip
    update_returning: bool = True
    #: a write transaction that takes the write lock at once (avoids lock upgrades)
    begin_write: str = "BEGIN"
    #: commits that return before the server's disk has them, for the session (populate's per-key commits);
    #: its one row is the setting it replaces. A server crash may lose the latest such commits, never
    #: part of one. None: every commit waits
    relax_commits: str | None = None
    #: the setting back (its one parameter), in a statement whose own commit waits for the disk, and so
    #: makes every earlier commit of any session durable too
    restore_commits: str | None = None
    #: a bulk load of many rows (``{table}``, ``{columns}``) the driver's ``executemany`` streams the rows
    #: into (PostgreSQL's ``COPY ... FROM STDIN``); None: rows go by ``INSERT``. Stored as given: no
    #: column defaults applied, so it is used only when no written column has a default (nor bytes)
    copy_sql: str | None = None
    #: ``LIMIT`` with no bound, for an ``OFFSET`` without ``LIMIT``
    unbounded_limit: str = "ALL"
    extra: dict = field(default_factory=dict)

    def escape_percent(self, sql: str) -> str:
        """SQL text with literal ``%`` doubled where the driver reads ``%`` as a placeholder."""
        return sql.replace("%", "%%") if self.percent_escaped else sql

    def quote(self, identifier: str) -> str:
        """Quote an identifier; an embedded quote character is doubled."""
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    def table_ref(self, schema: str, table: str) -> str:
        """The quoted, fully qualified name of a table."""
        if self.schema_is_table_prefix:
            return self.quote(f"{schema}.{table}")
        return f"{self.quote(schema)}.{self.quote(table)}"

    def insert_sql(
        self, table_ref: str, columns: Sequence[str], values: str = "", ignore: bool = False
    ) -> str:
        """``INSERT INTO t (columns) VALUES (...)``; ``ignore`` skips rows whose key exists.

        ``values`` is the ``VALUES`` list's inside (placeholders by default).
        """
        verb = self.insert_ignore_verb if ignore else "INSERT"
        names = ", ".join(self.quote(c) for c in columns)
        sql = f"{verb} INTO {table_ref} ({names}) VALUES ({values or self.placeholders(len(columns))})"
        return sql + (self.ignore_clause(table_ref, columns[0]) if ignore else "")

    def ignore_clause(self, table_ref: str, column: str) -> str:
        """The clause that makes an ``INSERT`` skip rows whose key exists (``column``: any inserted column)."""
        return self.on_conflict_ignore.format(column=f"{table_ref}.{self.quote(column)}")

    def upsert_sql(
        self,
        table_ref: str,
        columns: Sequence[str],
        key: Sequence[str],
        update: Sequence[str],
        condition: str = "",
    ) -> str:
        """Insert a row, or on its ``key`` set the ``update`` columns to the incoming values.

        ``condition`` (SQL where ``{existing[c]}`` names a column of the existing
        row and ``{incoming[c]}`` an incoming value) limits the update to rows
        where it holds. On
        every dialect the cursor's rowcount is 0 exactly when nothing was
        written, which is how a reservation knows it won.
        """
        incoming = {c: self.incoming_value.format(c=self.quote(c)) for c in columns}
        existing = {c: f"{table_ref}.{self.quote(c)}" for c in columns}
        condition = condition.format(incoming=incoming, existing=existing)
        if condition and self.upsert_condition_per_assignment:
            # MySQL assigns left to right: later conditions would see earlier assignments, so test
            # the condition on unchanged columns first by assigning the columns it reads last
            ordered = sorted(update, key=lambda c: existing[c] in condition)
            if sum(existing[c] in condition for c in update) > 1:
                raise ValueError("an upsert condition may read at most one of the columns it updates")
            assignments = [
                f"{self.quote(c)} = IF({condition}, {incoming[c]}, {self.quote(c)})" for c in ordered
            ]
            where = ""
        else:
            assignments = [f"{self.quote(c)} = {incoming[c]}" for c in update]
            where = f" WHERE {condition}" if condition else ""
        clause = self.upsert_clause.format(
            key=", ".join(self.quote(k) for k in key), assignments=", ".join(assignments)
        )
        return self.insert_sql(table_ref, columns) + clause + where

    def placeholders(self, count: int) -> str:
        """``?, ?, ?`` (or ``%s, ...``) for ``count`` parameters."""
        return ", ".join([self.placeholder] * count)


def integer_range(spec: TypeSpec) -> tuple[int, int]:
    """The smallest and largest value of an integer type."""
    if spec.unsigned:
        return 0, 2**spec.bits - 1
    return -(2 ** (spec.bits - 1)), 2 ** (spec.bits - 1) - 1


def quote_literal(text: str) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"

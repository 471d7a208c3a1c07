"""How ``CREATE TABLE`` stores rows: SQLite keeps small rows in primary-key order (``WITHOUT ROWID``),
and a one-column integer key is the row id itself (``INTEGER PRIMARY KEY``).

Compiled with no database: the choice depends only on the declared types.
"""

from __future__ import annotations

import pytest

from joinery.definition import parse_type
from joinery.query.heading import Attribute
from joinery.sql.ddl import Declaration, ForeignKey, create_table, declared_row_bytes
from joinery.sql.dialects import get_dialect


def declaration(*columns: tuple[str, str, bool]) -> Declaration:
    attributes = tuple(Attribute(name, parse_type(kind), in_key=key) for name, kind, key in columns)
    return Declaration("lab", "thing", "a table", attributes)


SMALL = (
    ("id", "int32", True),
    ("site", "varchar(8)", True),
    ("weight", "float64", False),
    ("name", "varchar(64)", False),
)


def test_small_rows_are_clustered_on_the_key_in_sqlite_only():
    statements, _ = create_table(get_dialect("sqlite"), declaration(*SMALL))
    assert statements[0].endswith(") WITHOUT ROWID, STRICT")
    for other in ("postgres", "mysql"):
        statements, _ = create_table(get_dialect(other), declaration(*SMALL))
        assert "ROWID" not in statements[0]


@pytest.mark.parametrize("kind", ["<blob>", "longblob", "bytes", "json", "text", "varchar(2000)", "<attach>"])
def test_tables_with_large_or_unbounded_values_keep_rowid_storage(kind):
    statements, _ = create_table(get_dialect("sqlite"), declaration(*SMALL, ("value", kind, False)))
    assert statements[0].endswith(") STRICT")


@pytest.mark.parametrize("kind", ["int32", "uint8", "int64"])
def test_a_one_column_integer_key_is_the_sqlite_row_id(kind):
    statements, _ = create_table(
        get_dialect("sqlite"), declaration(("id", kind, True), ("weight", "float64", False))
    )
    assert '"id" INTEGER NOT NULL' in statements[0] and statements[0].endswith(") STRICT")
    for other in ("postgres", "mysql"):
        statements, _ = create_table(
            get_dialect(other), declaration(("id", kind, True), ("w", "float64", False))
        )
        assert "INTEGER NOT NULL" not in statements[0] and "ROWID" not in statements[0]


@pytest.mark.parametrize("kind", ["varchar(16)", "float64", "date", "uuid"])
def test_a_one_column_key_of_another_type_is_clustered(kind):
    statements, _ = create_table(
        get_dialect("sqlite"), declaration(("id", kind, True), ("weight", "float64", False))
    )
    assert statements[0].endswith(") WITHOUT ROWID, STRICT") and "INTEGER" not in statements[0]


def test_auto_increment_keys_keep_the_rowid():
    counter = Attribute("n", parse_type("int32"), in_key=True, auto_increment=True)
    statements, _ = create_table(get_dialect("sqlite"), Declaration("lab", "counted", "", (counter,)))
    assert "AUTOINCREMENT" in statements[0] and "WITHOUT ROWID" not in statements[0]


def test_declared_row_size_adds_the_bounds_of_each_type():
    assert declared_row_bytes(declaration(*SMALL).attributes) == 8 + 8 + 8 + 64
    assert (
        declared_row_bytes(
            declaration(("d", "decimal(5,2)", True), ("e", "enum('ab','cde')", False)).attributes
        )
        == 7 + 3
    )
    assert declared_row_bytes(declaration(("b", "<blob>", False)).attributes) is None


def _with_foreign_keys(*fks: tuple[str, ...], indexes: tuple = ()) -> Declaration:
    attributes = (
        Attribute("item_id", parse_type("int32"), in_key=True),
        Attribute("group_id", parse_type("int32")),
        Attribute("site", parse_type("int32")),
    )
    foreign = tuple(ForeignKey("lab", "parent", tuple((c, c) for c in columns)) for columns in fks)
    return Declaration("lab", "item", "", attributes, foreign_keys=foreign, indexes=indexes)


def test_sqlite_indexes_foreign_keys_no_other_index_starts_with():
    statements, _ = create_table(get_dialect("sqlite"), _with_foreign_keys(("group_id",), ("item_id",)))
    created = [s for s in statements if s.startswith("CREATE INDEX")]
    # item_id leads the primary key, which serves its foreign key already
    assert len(created) == 1 and created[0].endswith('("group_id")') and '"fk' in created[0]
    covered = _with_foreign_keys(("group_id",), indexes=((("group_id", "site"), False),))
    statements, _ = create_table(get_dialect("sqlite"), covered)
    assert [s for s in statements if "INDEX" in s and '"fk' in s] == []


def test_server_tables_get_only_the_declared_indexes():
    for other in ("postgres", "mysql"):
        statements, _ = create_table(get_dialect(other), _with_foreign_keys(("group_id",)))
        assert not any("INDEX" in s for s in statements)

"""Tests for joinery.sql.fragments: MySQL-flavoured SQL fragments translated for each backend.

Golden SQL per dialect (no database), the errors users get, the cache, and the meaning of the
translated fragments checked by running them on SQLite always and on PostgreSQL and MariaDB/MySQL
when those servers answer (JOINERY_REQUIRE_SERVERS=1 turns an unreachable server into a failure).
"""

from __future__ import annotations

import datetime
import os
import sqlite3
from decimal import Decimal

import pytest

from joinery.engine.driver_sqlite import register_sqlite_functions
from joinery.errors import QuerySyntaxError, UnknownAttributeError
from joinery.sql.fragments import translate_fragment

DIALECTS = ("sqlite", "postgres", "mysql")
COLUMNS = dict.fromkeys(["a", "b", "x", "name", "d", "ts", "flag", "num_blobs", "session_date"])

# (fragment, kind, expected SQL for sqlite, postgres, mysql)
GOLDEN = [
    (
        "num_blobs < 300",
        "condition",
        '"num_blobs" < 300',
        '"num_blobs" < 300',
        "`num_blobs` < 300",
    ),
    (
        'session_date > "2020-01-01"',
        "condition",
        "\"session_date\" > '2020-01-01'",
        "\"session_date\" > '2020-01-01'",
        "`session_date` > '2020-01-01'",
    ),
    (
        "`a` + b",
        "expression",
        '"a" + "b"',
        '"a" + "b"',
        "`a` + `b`",
    ),
    (
        "count(*)",
        "expression",
        "COUNT(*)",
        "COUNT(*)",
        "COUNT(*)",
    ),
    (
        "NOW()",
        "expression",
        "DATETIME('now', 'localtime')",
        "LOCALTIMESTAMP(0)",
        "NOW()",
    ),
    (
        "ts < CURRENT_TIMESTAMP",
        "condition",
        "\"ts\" < DATETIME('now', 'localtime')",
        '"ts" < LOCALTIMESTAMP(0)',
        "`ts` < CURRENT_TIMESTAMP()",
    ),
    (
        "IF(flag, a, b)",
        "expression",
        'CASE WHEN "flag" THEN "a" ELSE "b" END',
        'CASE WHEN CAST("flag" AS INT) <> 0 THEN "a" ELSE "b" END',
        "IF(`flag`, `a`, `b`)",
    ),
    (
        "GROUP_CONCAT(name)",
        "expression",
        'GROUP_CONCAT("name")',
        "STRING_AGG(CAST(\"name\" AS TEXT), ',')",
        "GROUP_CONCAT(`name` SEPARATOR ',')",
    ),
    (
        'CONCAT(name, "-", a)',
        "expression",
        '"name" || \'-\' || "a"',
        'CAST("name" AS TEXT) || \'-\' || CAST("a" AS TEXT)',
        "CONCAT(`name`, '-', `a`)",
    ),
    (
        "DATE_ADD(d, INTERVAL 1 DAY)",
        "expression",
        'CASE WHEN LENGTH("d") = 10 THEN DATE("d", \'+1 days\') ELSE DATETIME("d", \'+1 days\') END',
        "\"d\" + INTERVAL '1 DAY'",
        "DATE_ADD(`d`, INTERVAL '1' DAY)",
    ),
    (
        "d - INTERVAL 2 WEEK",
        "expression",
        'CASE WHEN LENGTH("d") = 10 THEN DATE("d", \'-14 days\') ELSE DATETIME("d", \'-14 days\') END',
        "\"d\" - INTERVAL '2 WEEK'",
        "`d` - INTERVAL '2' WEEK",
    ),
    (
        'DATE_ADD(ts, INTERVAL 90 MINUTE) > "2020-02-01"',
        "condition",
        "DATETIME(\"ts\", '+90 minutes') > '2020-02-01'",
        "(\"ts\" + INTERVAL '90 MINUTE') > '2020-02-01'",
        "DATE_ADD(`ts`, INTERVAL '90' MINUTE) > '2020-02-01'",
    ),
    (
        'DATEDIFF(d, "2020-01-01")',
        "expression",
        "CAST(JULIANDAY(DATE(\"d\")) - JULIANDAY(DATE('2020-01-01')) AS INTEGER)",
        "(CAST(\"d\" AS DATE) - CAST('2020-01-01' AS DATE))",
        "DATEDIFF(`d`, '2020-01-01')",
    ),
    (
        "ROUND(x, 1)",
        "expression",
        'ROUND("x", 1)',
        'ROUND(CAST("x" AS DECIMAL), 1)',
        "ROUND(`x`, 1)",
    ),
    (
        'COALESCE(name, "none")',
        "expression",
        "COALESCE(\"name\", 'none')",
        "COALESCE(\"name\", 'none')",
        "COALESCE(`name`, 'none')",
    ),
    (
        'name LIKE "a\\_%"',
        "condition",
        "\"name\" LIKE 'a\\_%' ESCAPE '\\'",
        "\"name\" ILIKE 'a\\_%%'",
        "`name` LIKE 'a\\\\_%%'",
    ),
    (
        'name NOT LIKE "a!%" ESCAPE "!"',
        "expression",
        "\"name\" NOT LIKE 'a!%' ESCAPE '!'",
        "CAST(\"name\" NOT ILIKE 'a!%%' ESCAPE '!' AS INT)",
        "`name` NOT LIKE 'a!%%' ESCAPE '!'",
    ),
    (
        "a IN (1, 2) AND b BETWEEN 1 AND 3",
        "condition",
        '"a" IN (1, 2) AND "b" BETWEEN 1 AND 3',
        '"a" IN (1, 2) AND "b" BETWEEN 1 AND 3',
        "`a` IN (1, 2) AND `b` BETWEEN 1 AND 3",
    ),
    (
        "name IS NULL OR name = 'O''Brien'",
        "condition",
        "\"name\" IS NULL OR \"name\" = 'O''Brien'",
        "\"name\" IS NULL OR \"name\" = 'O''Brien'",
        "`name` IS NULL OR `name` = 'O''Brien'",
    ),
    (
        "a / b",
        "expression",
        'CAST("a" AS REAL) / "b"',
        'CAST("a" AS DOUBLE PRECISION) / NULLIF("b", 0)',
        "`a` / `b`",
    ),
    (
        "a DIV b",
        "expression",
        'CAST(CAST("a" AS REAL) / "b" AS INTEGER)',
        'CAST(DIV("a", NULLIF("b", 0)) AS BIGINT)',
        "`a` DIV `b`",
    ),
    (
        "a % 2 = 1",
        "condition",
        '"a" % 2 = 1',
        '"a" %% NULLIF(2, 0) = 1',
        "`a` %% 2 = 1",
    ),
    (
        "sum(x > 3)",
        "expression",
        'SUM("x" > 3)',
        'SUM(CAST("x" > 3 AS INT))',
        "SUM(`x` > 3)",
    ),
    (
        "a > b",
        "expression",
        '"a" > "b"',
        'CAST("a" > "b" AS INT)',
        "`a` > `b`",
    ),
    (
        "flag",
        "condition",
        '"flag"',
        'CAST("flag" AS INT) <> 0',
        "`flag`",
    ),
    (
        "NOT flag OR a",
        "condition",
        'NOT "flag" OR "a"',
        'NOT CAST("flag" AS INT) <> 0 OR CAST("a" AS INT) <> 0',
        "NOT `flag` OR `a`",
    ),
    (
        "YEAR(d) = 2020",
        "condition",
        "CAST(STRFTIME('%Y', DATE(\"d\")) AS INTEGER) = 2020",
        'CAST(EXTRACT(YEAR FROM CAST("d" AS DATE)) AS INT) = 2020',
        "YEAR(`d`) = 2020",
    ),
    (
        "a <=> b",
        "condition",
        '"a" IS "b"',
        '"a" IS NOT DISTINCT FROM "b"',
        "`a` <=> `b`",
    ),
    (
        "TIMESTAMPDIFF(HOUR, d, ts)",
        "expression",
        "(CAST(STRFTIME('%s', \"ts\") AS INTEGER) - CAST(STRFTIME('%s', \"d\") AS INTEGER)) / 3600",
        'CAST(TRUNC(EXTRACT(EPOCH FROM (CAST("ts" AS TIMESTAMP) - CAST("d" AS TIMESTAMP))) / 3600) AS BIGINT)',
        "TIMESTAMPDIFF(HOUR, `d`, `ts`)",
    ),
    (
        'name REGEXP "^b"',
        "condition",
        "\"name\" REGEXP '^b'",
        "\"name\" ~* '^b'",
        "`name` REGEXP '^b'",
    ),
    (
        "CAST(a AS CHAR)",
        "expression",
        'CAST("a" AS TEXT)',
        'CAST("a" AS TEXT)',
        "CAST(`a` AS CHAR)",
    ),
]


@pytest.mark.parametrize(("fragment", "kind", *DIALECTS), GOLDEN, ids=[case[0] for case in GOLDEN])
def test_fragment_translates_to_golden_sql(fragment, kind, sqlite, postgres, mysql):
    # PostgreSQL's and MySQL's drivers read `%` as a parameter marker, so a literal one is doubled
    expected = {"sqlite": sqlite, "postgres": postgres, "mysql": mysql}
    for dialect in DIALECTS:
        assert translate_fragment(fragment, dialect, COLUMNS, kind=kind) == expected[dialect], dialect


@pytest.mark.parametrize(
    ("dialect", "substitute", "expected"),
    [
        ("sqlite", '"a" + "b"', '("a" + "b") > 3 AND "x" < 1'),
        ("postgres", '"a" + "b"', '("a" + "b") > 3 AND "x" < 1'),
        ("mysql", "`a` + `b`", "(`a` + `b`) > 3 AND `x` < 1"),
    ],
)
def test_computed_attribute_is_substituted_in_parentheses(dialect, substitute, expected):
    columns = {"total": substitute, "x": None}
    assert translate_fragment("total > 3 AND x < 1", dialect, columns) == expected


def test_count_star_counts_the_given_expression_when_asked():
    sql = translate_fragment(
        "count(*) + count(a)", "postgres", COLUMNS, kind="expression", count_star='"t"."a"'
    )
    assert sql == 'COUNT(("t"."a")) + COUNT("a")'
    assert translate_fragment("count(*)", "postgres", COLUMNS, kind="expression") == "COUNT(*)"


def test_attribute_names_match_ignoring_case_like_mysql():
    assert translate_fragment("Num_Blobs < 3", "postgres", COLUMNS) == '"num_blobs" < 3'


def test_comments_are_dropped_from_the_output():
    assert translate_fragment("a = 1 -- */ DROP TABLE t", "sqlite", COLUMNS) == '"a" = 1'


def test_unknown_attribute_error_names_the_attribute_the_fragment_and_the_choices():
    with pytest.raises(UnknownAttributeError) as caught:
        translate_fragment("nmae = 'x' AND a < 3", "sqlite", {"name": None, "a": None})
    message = str(caught.value)
    assert "nmae" in message
    assert "nmae = 'x' AND a < 3" in message
    assert "Available attributes: a, name" in message


def test_unquoted_word_is_reported_as_unknown_attribute():
    with pytest.raises(UnknownAttributeError, match="Alice"):
        translate_fragment("name = Alice", "postgres", {"name": None})


def test_table_qualified_name_is_unknown():
    with pytest.raises(UnknownAttributeError, match="t.a"):
        translate_fragment("t.a = 1", "mysql", {"a": None})


@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        ("a < 3; DROP TABLE t", "';'"),
        ("a < 3;", "';'"),
        ("SELECT a FROM t", "subquery"),
        ("a IN (SELECT a FROM t)", "subquery"),
        ("EXISTS (SELECT 1)", "subquery"),
        ("DROP TABLE t", "Cannot parse"),
        ("a = 1) UNION (SELECT 1", "Cannot parse"),
        ("a <", "Cannot parse"),
        ("'unterminated", "Cannot parse"),
        ("a AS b", "alias"),
        ("a = ?", "placeholder"),
        ("a = @v", "variable"),
        ("a = @@version", "variable"),
        ("t.*", "'*'"),
        ("", "empty"),
    ],
)
def test_fragment_that_is_not_one_expression_is_a_syntax_error(fragment, reason):
    with pytest.raises(QuerySyntaxError, match=reason) as caught:
        translate_fragment(fragment, "sqlite", COLUMNS)
    assert repr(fragment) in str(caught.value) or not fragment


def test_semicolon_inside_a_string_is_only_text():
    assert translate_fragment('name = "a;b"', "postgres", COLUMNS) == "\"name\" = 'a;b'"


@pytest.mark.parametrize(
    ("fragment", "dialect", "reason"),
    [
        ("STDDEV(x)", "sqlite", "STDDEV"),
        ("TIMESTAMPDIFF(MONTH, d, ts)", "sqlite", "MONTH"),
        ("TIMESTAMPDIFF(YEAR, d, ts)", "postgres", "YEAR"),
        ('DATE_ADD(d, INTERVAL "1:30" HOUR_MINUTE)', "sqlite", "HOUR_MINUTE"),
        ('DATE_ADD(d, INTERVAL "1:30" HOUR_MINUTE)', "postgres", "HOUR_MINUTE"),
        ("TRUNCATE(x, 1)", "sqlite", "decimals"),
    ],
)
def test_construct_without_equivalent_is_a_syntax_error_saying_so(fragment, dialect, reason):
    with pytest.raises(QuerySyntaxError, match="cannot be translated") as caught:
        translate_fragment(fragment, dialect, COLUMNS, kind="expression")
    assert reason in str(caught.value)
    assert fragment in str(caught.value)


def test_group_concat_order_by_on_sqlite_depends_on_its_version():
    fragment = "GROUP_CONCAT(name ORDER BY a)"
    if sqlite3.sqlite_version_info >= (3, 44):
        assert "ORDER BY" in translate_fragment(fragment, "sqlite", COLUMNS, kind="expression")
    else:
        with pytest.raises(QuerySyntaxError, match="3.44"):
            translate_fragment(fragment, "sqlite", COLUMNS, kind="expression")


def test_unknown_dialect_or_kind_is_a_value_error():
    with pytest.raises(ValueError, match="oracle"):
        translate_fragment("a < 1", "oracle", COLUMNS)
    with pytest.raises(ValueError, match="restriction"):
        translate_fragment("a < 1", "sqlite", COLUMNS, kind="restriction")


def test_translation_is_cached_whatever_the_order_of_columns():
    first = translate_fragment("a + b > 2", "postgres", {"a": None, "b": None})
    again = translate_fragment("a + b > 2", "postgres", {"b": None, "a": None})
    assert again is first


# ---------------------------------------------------------------- execution on real databases

ROWS = [
    (1, 7, 2, 1.5, "alice", "2020-01-31", "2020-01-31 23:30:00", 1),
    (2, 3, 0, -2.25, "Bob", "2019-12-31", "2019-12-31 08:00:00", 0),
    (3, 10, 4, 0.0, "carol_x", "2021-06-15", "2021-06-15 12:00:45", 1),
    (4, -7, 2, None, None, "2020-02-29", "2020-02-29 00:00:00", 0),
]
TABLE_COLUMNS = {"id", "a", "b", "x", "name", "d", "ts", "flag", "ok"}
# Per backend: column types (ok is the backend's own boolean where it has one), placeholder.
DDL = {
    "sqlite": "id INTEGER, a INTEGER, b INTEGER, x REAL, name TEXT, d TEXT, ts TEXT, flag INTEGER, ok INTEGER",
    "postgres": "id INT, a INT, b INT, x DOUBLE PRECISION, name VARCHAR(30), d DATE, ts TIMESTAMP, "
    "flag SMALLINT, ok BOOLEAN",
    "mysql": "id INT, a INT, b INT, x DOUBLE, name VARCHAR(30), d DATE, ts DATETIME, flag SMALLINT, ok TINYINT(1)",
}


class Database:
    """A connection holding the temporary table ``frag_rows`` filled with ROWS."""

    def __init__(self, dialect, connection):
        self.dialect = dialect
        self.connection = connection
        self.run(f"CREATE TEMPORARY TABLE frag_rows ({DDL[dialect]})")
        marks = ", ".join(["?" if dialect == "sqlite" else "%s"] * 9)
        cursor = connection.cursor()
        for row in ROWS:
            values = list(row) + [bool(row[-1]) if dialect == "postgres" else row[-1]]
            if dialect != "sqlite":
                values[5] = datetime.date.fromisoformat(row[5])
                values[6] = datetime.datetime.fromisoformat(row[6])
            cursor.execute(f"INSERT INTO frag_rows VALUES ({marks})", values)
        connection.commit()

    def run(self, sql):
        self.connection.cursor().execute(sql)

    def execute(self, sql):
        cursor = self.connection.cursor()
        try:
            # translated fragments double a literal `%` where the driver reads `%` as a marker
            cursor.execute(sql, ())
            return cursor.fetchall()
        except Exception:
            self.connection.rollback()  # PostgreSQL refuses the next statement otherwise
            raise

    def close(self):
        self.run("DROP TABLE frag_rows")
        self.connection.close()


def _connect(dialect):
    if dialect == "sqlite":
        raw = sqlite3.connect(":memory:")
        register_sqlite_functions(raw)
        return raw
    if dialect == "postgres":
        psycopg = pytest.importorskip("psycopg")
        return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=5)
    pymysql = pytest.importorskip("pymysql")
    return pymysql.connect(
        host="127.0.0.1", port=3306, user="root", password="", database="test", connect_timeout=5
    )


@pytest.fixture(scope="module", params=DIALECTS)
def database(request):
    dialect = request.param
    try:
        connection = _connect(dialect)
    except Exception as error:  # any driver's connection failure
        reason = f"{dialect} server at 127.0.0.1 is unreachable: {error}"
        if os.environ.get("JOINERY_REQUIRE_SERVERS") == "1":
            pytest.fail(reason + " (JOINERY_REQUIRE_SERVERS=1)")
        print(f"skipping {dialect} fragment execution tests: {reason}")
        pytest.skip(reason)
    db = Database(dialect, connection)
    yield db
    db.close()


def _plain(value):
    """One spelling per value whatever the driver: numbers as int/float, dates as ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 9)
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _ids_matching(database, fragment):
    columns = dict.fromkeys(TABLE_COLUMNS)
    condition = translate_fragment(fragment, database.dialect, columns)
    return {row[0] for row in database.execute(f"SELECT id FROM frag_rows WHERE {condition}")}


def _values(database, fragment):
    columns = dict.fromkeys(TABLE_COLUMNS)
    expression = translate_fragment(fragment, database.dialect, columns, kind="expression")
    return [_plain(row[0]) for row in database.execute(f"SELECT {expression} FROM frag_rows ORDER BY id")]


def _aggregate(database, fragment):
    columns = dict.fromkeys(TABLE_COLUMNS)
    expression = translate_fragment(fragment, database.dialect, columns, kind="expression")
    return _plain(database.execute(f"SELECT {expression} FROM frag_rows")[0][0])


CONDITIONS = [
    ("a < 5", {2, 4}),
    ('name = "alice"', {1}),
    ("name = 'Bob'", {2}),
    ('d > "2020-01-01"', {1, 3, 4}),
    ('d BETWEEN "2020-01-01" AND "2020-12-31"', {1, 4}),
    ('name LIKE "a%"', {1}),
    ('name LIKE "b%"', {2}),  # case-insensitive on every backend (ILIKE on PostgreSQL)
    ('name LIKE "carol\\_%"', {3}),  # backslash escapes the underscore, as in MySQL
    ('name NOT LIKE "%o%"', {1}),
    ('name LIKE "carol!_%" ESCAPE "!"', {3}),
    ("a IN (3, 10)", {2, 3}),
    ("a BETWEEN 3 AND 7", {1, 2}),
    ("name IS NULL", {4}),
    ("`a` > 5", {1, 3}),
    ("flag", {1, 3}),
    ("ok", {1, 3}),
    ("NOT ok", {2, 4}),
    ("flag AND a > 8", {3}),
    ("ok OR a < 0", {1, 3, 4}),
    ("a > 0 XOR ok", {2}),
    ("(a > 1) = (b > 1)", {1, 3}),
    ("(a > 1) + (b > 1) = 1", {2, 4}),
    ("a / b > 3", {1}),  # 7/2 is 3.5, not 3
    ("a / b = 3.5", {1}),
    ("a DIV b = 3", {1}),
    ("a DIV b = -3", {4}),
    ("a % 2 = 1", {1, 2}),
    ("MOD(a, b) = 1", {1}),
    ("a % b IS NULL", {2}),
    ('DATE_ADD(d, INTERVAL 1 DAY) = "2020-02-01"', {1}),
    ('d + INTERVAL 1 DAY = "2020-03-01"', {4}),
    ('DATE_SUB(d, INTERVAL 1 YEAR) < "2019-06-01"', {1, 2, 4}),
    ('DATE_ADD(ts, INTERVAL 1 HOUR) > "2020-02-01"', {1, 3, 4}),
    ('DATE_ADD("2020-02-28", INTERVAL 1 DAY) = d', {4}),
    ('DATEDIFF("2020-03-01", d) = 1', {4}),
    ("DATEDIFF(ts, d) = 0", {1, 2, 3, 4}),
    ("YEAR(d) = 2020", {1, 4}),
    ("MONTH(ts) = 6 AND HOUR(ts) = 12", {3}),
    ("SECOND(ts) = 45", {3}),
    ("DAYOFWEEK(d) = 7", {4}),
    ("IF(flag, a, b) > 5", {1, 3}),
    ('CONCAT(name, a) = "alice7"', {1}),
    ('COALESCE(name, "none") = "none"', {4}),
    ("d < NOW() AND ts < CURRENT_TIMESTAMP AND d < CURDATE()", {1, 2, 3, 4}),
    ("x <=> NULL", {4}),
    ("ROUND(x, 1) = 1.5", {1}),
    ("FLOOR(x) = -3", {2}),
    ("TIMESTAMPDIFF(HOUR, d, ts) = 23", {1}),
    ("TIMESTAMPDIFF(SECOND, d, ts) = 43245", {3}),
    ('LEFT(name, 3) = "car"', {3}),
    ("CHAR_LENGTH(name) = 3", {2}),
    ('UPPER(name) = "BOB"', {2}),
    ('CAST(a AS CHAR) = "10"', {3}),
]


@pytest.mark.parametrize(("fragment", "expected"), CONDITIONS, ids=[case[0] for case in CONDITIONS])
def test_restriction_selects_the_rows_mysql_would(database, fragment, expected):
    assert _ids_matching(database, fragment) == expected


def test_regexp_ignores_case_on_every_backend(database):
    assert _ids_matching(database, 'name REGEXP "^b"') == {2}


EXPRESSIONS = [
    ("a + b", [9, 3, 14, -5]),
    ("a / b", [3.5, None, 2.5, -3.5]),
    ("7 / 2", [3.5] * 4),
    ("a DIV b", [3, None, 2, -3]),
    ("a % b", [1, None, 2, -1]),
    ("a > 5", [1, 0, 1, 0]),
    ("NOT ok", [0, 1, 0, 1]),
    ('name LIKE "%O%"', [0, 1, 1, None]),
    ('IF(a > 5, "big", "small")', ["big", "small", "big", "small"]),
    ('CONCAT(name, "-", a)', ["alice-7", "Bob-3", "carol_x-10", None]),
    ("DATE(DATE_ADD(d, INTERVAL 2 DAY))", ["2020-02-02", "2020-01-02", "2021-06-17", "2020-03-02"]),
    (
        "DATE_ADD(ts, INTERVAL 30 MINUTE)",
        ["2020-02-01 00:00:00", "2019-12-31 08:30:00", "2021-06-15 12:30:45", "2020-02-29 00:30:00"],
    ),
    ('DATEDIFF(d, "2020-01-01")', [30, -1, 531, 59]),
    ("YEAR(ts)", [2020, 2019, 2021, 2020]),
    ("HOUR(ts)", [23, 8, 12, 0]),
    ("COALESCE(x, 0)", [1.5, -2.25, 0, 0]),
    ("ROUND(x / 3, 2)", [0.5, -0.75, 0, None]),
    ("FLOOR(x)", [1, -3, 0, None]),
    ("TIMESTAMPDIFF(MINUTE, ts, d)", [-1410, -480, -720, 0]),
]


@pytest.mark.parametrize(("fragment", "expected"), EXPRESSIONS, ids=[case[0] for case in EXPRESSIONS])
def test_computed_attribute_has_the_value_mysql_gives(database, fragment, expected):
    assert _values(database, fragment) == expected


AGGREGATES = [
    ("count(*)", 4),
    ("sum(a > 3)", 2),
    ("avg(a > 0)", 0.75),
    ("sum(a) / count(*)", 3.25),
    ("max(a) - min(a)", 17),
    ("count(DISTINCT flag)", 2),
]


@pytest.mark.parametrize(("fragment", "expected"), AGGREGATES, ids=[case[0] for case in AGGREGATES])
def test_aggregate_has_the_value_mysql_gives(database, fragment, expected):
    assert _aggregate(database, fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"), [("GROUP_CONCAT(name)", "Bob,alice,carol_x"), ("GROUP_CONCAT(a)", "-7,10,3,7")]
)
def test_group_concat_joins_non_null_values_with_commas(database, fragment, expected):
    joined = _aggregate(database, fragment)
    assert ",".join(sorted(joined.split(","))) == expected


def test_now_is_a_timezone_naive_time_to_the_second(database):
    (value,) = set(_values(database, "NOW()"))
    assert len(value) == len("2020-01-01 00:00:00")
    if database.dialect == "sqlite":  # the server's clock and zone are its own
        now = datetime.datetime.fromisoformat(value)
        assert abs(now - datetime.datetime.now()) < datetime.timedelta(minutes=2)
